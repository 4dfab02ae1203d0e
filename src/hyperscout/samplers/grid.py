"""Exhaustive grid search: every combination exactly once, across processes and machines."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..space import Categorical, Distribution, parse_space
from ._base import BaseSampler, SamplerContext, SearchSpaceExhausted


def _expand(grid: Mapping[str, Any]) -> list[dict[str, Any]]:
    space = parse_space(grid)
    for name, d in space.items():
        if not d.is_finite:
            raise ValueError(f"parameter {name!r}: a grid needs finite values; {d!r} is continuous (add step=)")
    # scikit-learn's ParameterGrid order: keys sorted, the last key varying fastest.
    keys = sorted(space)
    return [dict(zip(keys, values, strict=False)) for values in itertools.product(*(space[k].grid() for k in keys))]


class GridSampler(BaseSampler):
    """Evaluate every point of a grid once, in scikit-learn's ``ParameterGrid`` order.

    ``search_space`` is a dict of name to a list of values (or any finite distribution), or a list
    of such dicts as scikit-learn's ``param_grid`` allows. Each point is claimed in the study's log
    before it runs, so workers sharing a database never evaluate the same point twice; the study
    stops when every point is taken.

    Example:
        >>> import hyperscout as hs
        >>> sampler = hs.samplers.GridSampler({"C": [0.1, 1, 10], "kernel": ["rbf", "linear"]})
        >>> len(sampler.points)
        6
    """

    def __init__(
        self, search_space: Mapping[str, Any] | Sequence[Mapping[str, Any]], *, seed: int | None = None
    ) -> None:
        super().__init__(seed=seed)
        grids = [search_space] if isinstance(search_space, Mapping) else list(search_space)
        if not grids or not all(isinstance(g, Mapping) for g in grids):
            raise ValueError("GridSampler needs a dict of name -> values, or a list of such dicts")
        self.search_space = search_space
        self.points: list[dict[str, Any]] = [p for g in grids for p in _expand(g)]
        choices: dict[str, list[Any]] = {}
        for p in self.points:
            for k, v in p.items():
                seen = choices.setdefault(k, [])
                if not any(Categorical((v,)).contains(s) for s in seen):
                    seen.append(v)
        #: One distribution per name covering every value the grid gives it.
        self.distributions: dict[str, Distribution] = {k: Categorical(tuple(v)) for k, v in choices.items()}
        # Values as the study will record them (1.0 and 1 are one choice), so claims always match.
        self.points = [{k: self.distributions[k].cast(v) for k, v in p.items()} for p in self.points]
        self._claims = [self._claim_of(p) for p in self.points]

    def __repr__(self) -> str:
        return f"GridSampler({self.search_space!r})"

    @staticmethod
    def _claim_of(point: dict[str, Any]) -> str:
        digest = hashlib.sha1(json.dumps(point, sort_keys=True).encode()).hexdigest()
        return f"grid:{digest}"

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        return self.distributions

    def _free(self, context: SamplerContext) -> list[int]:
        taken = {t.system_attrs.get("grid") for t in context.trials}
        return [i for i, c in enumerate(self._claims) if c not in taken]

    def is_exhausted(self, context: SamplerContext) -> bool:
        return not self._free(context)

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        free = self._free(context)
        if not free:
            raise SearchSpaceExhausted(f"all {len(self.points)} grid points have been evaluated or claimed")
        return dict(self.points[free[0]])

    def claim(self, params: dict[str, Any]) -> str | None:
        return self._claim_of(params)

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        raise ValueError(
            f"parameter {name!r} is not in the grid; add it to GridSampler's search space "
            f"(the grid has {sorted(self.distributions)})"
        )
