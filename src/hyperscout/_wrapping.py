"""A sampler that hands every decision to another: the base of the wrappers the compatibility faces use.

``hyperscout.sklearn.BayesSearchCV`` wraps its sampler to call scikit-optimize style callbacks
between candidates; ``hs.BayesianOptimization`` wraps its GP sampler to propose within bounds
changed by ``set_bounds``. A wrapper overrides the one method it changes.

Example:
    >>> from hyperscout.samplers import RandomSampler
    >>> WrappedSampler(RandomSampler(seed=3))
    RandomSampler(seed=3)
"""

from __future__ import annotations

from typing import Any

from .samplers import BaseSampler, SamplerContext
from .space import Distribution


class WrappedSampler(BaseSampler):
    """Forwards every method to ``inner``; its ``repr`` is the inner sampler's."""

    def __init__(self, inner: BaseSampler) -> None:
        super().__init__(seed=inner.seed)
        self.inner = inner

    def __repr__(self) -> str:
        return repr(self.inner)

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        return self.inner.infer_relative_search_space(context)

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        return self.inner.sample_relative(context, search_space)

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return self.inner.sample_independent(context, name, distribution)

    def claim(self, context: SamplerContext, params: dict[str, Any]) -> str | None:
        return self.inner.claim(context, params)

    def proposal_attrs(self, context: SamplerContext, params: dict[str, Any]) -> dict[str, Any]:
        return self.inner.proposal_attrs(context, params)
