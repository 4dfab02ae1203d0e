"""The sampler interface.

A sampler never touches storage: it receives a ``SamplerContext`` (the other trials of the study as
immutable records, the number of the trial being sampled, the directions and the seed) and returns
values. Randomness comes from ``context.rng(...)``, a generator seeded by (seed, trial number, keys),
never from a generator shared across trials, so that the same seed gives the same trials whatever
order parallel workers finish in.
"""

from __future__ import annotations

import hashlib
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..space import Distribution
from ..trial import FrozenTrial, TrialState

__all__ = [
    "BaseSampler",
    "SamplerContext",
    "SearchSpaceExhausted",
    "intersection_search_space",
    "latin_hypercube_start",
    "values_of",
]


class SearchSpaceExhausted(Exception):
    """The sampler has nothing left to propose (e.g. every grid point was claimed)."""


def _key(k: str | int) -> int:
    return k if isinstance(k, int) else zlib.crc32(k.encode())


class SamplerContext:
    """What a sampler may know when it proposes values for trial ``number``.

    Example:
        >>> ctx = SamplerContext(number=3, seed=0, directions=("minimize",), trials=[])
        >>> float(ctx.rng("x").random()) == float(SamplerContext(3, 0, ("minimize",), []).rng("x").random())
        True
    """

    __slots__ = ("number", "seed", "directions", "_trials", "_get_trials")

    def __init__(
        self,
        number: int,
        seed: int,
        directions: Sequence[str],
        trials: Sequence[FrozenTrial] | Callable[[], Sequence[FrozenTrial]],
    ) -> None:
        self.number = number
        self.seed = seed
        self.directions = tuple(directions)
        # The trial list is built only if a sampler asks for it: random search never does.
        self._trials: Sequence[FrozenTrial] | None = None if callable(trials) else trials
        self._get_trials = trials if callable(trials) else None

    @property
    def trials(self) -> Sequence[FrozenTrial]:
        """Every other trial of the study (finished, running and waiting), by number."""
        if self._trials is None:
            assert self._get_trials is not None
            self._trials = [t for t in self._get_trials() if t.number != self.number]
        return self._trials

    def finished(self, states: Sequence[TrialState] = (TrialState.COMPLETE,)) -> list[FrozenTrial]:
        return [t for t in self.trials if t.state in states]

    def rng(self, *keys: str | int) -> np.random.Generator:
        """A generator determined by (seed, trial number, keys) alone."""
        return np.random.default_rng([self.seed, self.number, *map(_key, keys)])

    def uniform(self, *keys: str | int) -> float:
        """One number in [0, 1) determined by (seed, trial number, keys) alone.

        A keyed hash: ~20x cheaper than building a generator when one draw is all that is needed.
        """
        msg = repr((self.seed, self.number, *keys)).encode()
        return (int.from_bytes(hashlib.blake2b(msg, digest_size=8).digest(), "little") >> 11) * 2.0**-53


class BaseSampler(ABC):
    """Subclass this to write a sampler; only ``sample_independent`` is required.

    * ``infer_relative_search_space`` names the parameters to sample jointly, before the
      objective runs; ``sample_relative`` samples them.
    * ``sample_independent`` samples any other parameter when the objective asks for it.
    * ``claim`` may return a key that no other trial of the study may hold (the grid uses it to
      hand out each point once across processes and machines).
    """

    def __init__(self, *, seed: int | None = None) -> None:
        self.seed = seed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed!r})"

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        return {}

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        return {}

    @abstractmethod
    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        """A value of ``distribution`` for parameter ``name`` of trial ``context.number``."""

    def claim(self, context: SamplerContext, params: dict[str, Any]) -> str | None:
        return None


def values_of(t: FrozenTrial) -> Mapping[str, Any]:
    """A trial's parameter values; for a running trial, also what it was proposed (not yet asked for)."""
    if t.state is TrialState.RUNNING:
        return {**t.system_attrs.get("proposed", {}), **t.params}
    return t.params


def intersection_search_space(trials: Sequence[FrozenTrial]) -> dict[str, Distribution]:
    """The parameters every complete trial has, with the same distribution (sorted by name)."""
    space: dict[str, Distribution] | None = None
    for t in trials:
        if t.state is not TrialState.COMPLETE:
            continue
        if space is None:
            space = dict(t.distributions)
        else:
            space = {k: d for k, d in space.items() if t.distributions.get(k) == d}
    return dict(sorted((space or {}).items()))


_DESIGNS: dict[tuple[int, int, int], np.ndarray] = {}


def latin_hypercube_start(
    context: SamplerContext, search_space: dict[str, Distribution], n_startup: int
) -> dict[str, Any]:
    """Start-up values of trial ``context.number``: row ``number − 1`` of a Latin hypercube of ``n_startup − 1`` points.

    Trial 0 is drawn at random: until one trial completes, the space is unknown. Past the
    design's end (start-up trials that failed), points are random. The design depends on the seed
    and the dimension only, so a resumed or parallel run gets the same rows.

    A Latin hypercube puts exactly one start-up point in each of ``n`` equal slices of every
    dimension. We first used scrambled Sobol points for the GP: on Hartmann-6 it then settled in the
    second-best basin in most seeds (median regret 0.119 over 20 seeds at 50 evaluations), against
    0.002 with the Latin hypercube and 0.0015 with plain random points.
    """
    d, n = len(search_space), max(n_startup - 1, 1)
    if not 1 <= context.number <= n:
        return {k: dist.from_unit(context.uniform(k)) for k, dist in search_space.items()}
    key = (context.seed, d, n)
    design = _DESIGNS.get(key)
    if design is None:
        from scipy.stats import qmc  # slow to import; only needed here

        design = _DESIGNS[key] = qmc.LatinHypercube(d, seed=context.seed).random(n)
    row = design[context.number - 1]
    return {k: dist.from_unit(u) for (k, dist), u in zip(search_space.items(), row, strict=True)}
