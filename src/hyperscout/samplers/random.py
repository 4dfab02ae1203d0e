"""Random search: every parameter drawn independently and uniformly in its unit encoding."""

from __future__ import annotations

from typing import Any

from ..space import Distribution
from ._base import BaseSampler, SamplerContext


class RandomSampler(BaseSampler):
    """Uniform random search (log-uniform for ``log=True``).

    Each value depends only on (seed, trial number, parameter name), so a seeded study gives the
    same trials in a serial run, a parallel run, or a run resumed after a crash.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(sampler=hs.samplers.RandomSampler(seed=0))
    """

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return distribution.from_unit(context.uniform(name))
