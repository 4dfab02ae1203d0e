"""Quasi-random search: scrambled Sobol points (scipy.stats.qmc) in the unit cube."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ..space import Distribution
from ._base import BaseSampler, SamplerContext, intersection_search_space

if TYPE_CHECKING:
    from scipy.stats import qmc


class QMCSampler(BaseSampler):
    """Scrambled Sobol search: covers the space more evenly than random search for the same budget.

    Trial ``n`` takes point ``n`` of the sequence, so parallel workers and resumed runs give the
    same points. The joint space is ``search_space`` if given, else the parameters of the first
    complete trial; parameters outside it are drawn at random.

    Example:
        >>> import hyperscout as hs
        >>> sampler = hs.samplers.QMCSampler(search_space={"x": hs.Float(0, 1)}, seed=0)
    """

    def __init__(self, search_space: dict[str, Distribution] | None = None, *, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        self.search_space = search_space
        self._engines: dict[tuple[int, int], qmc.Sobol] = {}

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        if self.search_space is not None:
            return {k: d for k, d in sorted(self.search_space.items()) if not d.is_single}
        for t in context.trials:
            space = intersection_search_space([t])
            if space:
                return {k: d for k, d in space.items() if not d.is_single}
        return {}

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        if not search_space:
            return {}
        d = len(search_space)
        key = (context.seed, d)
        engine = self._engines.get(key)
        if engine is None:
            from scipy.stats import qmc  # imported on first use: it is slow to import

            engine = self._engines[key] = qmc.Sobol(d, scramble=True, seed=context.seed)
        engine.reset()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # single draws are fine: balance holds over the sequence
            if context.number:  # scipy rejects fast_forward(0)
                engine.fast_forward(context.number)
            point = engine.random(1)[0]
        return {name: dist.from_unit(u) for (name, dist), u in zip(search_space.items(), point, strict=False)}

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return distribution.from_unit(context.rng(name).random())
