"""Exhaustive grid search: every combination exactly once, across processes and machines."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..space import Categorical, Distribution, parse_space
from ..trial import TrialState
from ._base import BaseSampler, SamplerContext, SearchSpaceExhausted

_MAX_POINTS = 10_000_000


def _expand(grid: Mapping[str, Any]) -> list[dict[str, Any]]:
    space = parse_space(grid)
    for name, d in space.items():
        if not d.is_finite:
            raise ValueError(f"parameter {name!r}: a grid needs finite values; {d!r} is continuous (add step=)")
    total = math.prod(d.size or 0 for d in space.values())
    if total > _MAX_POINTS:
        raise ValueError(f"the grid has {total:,} points, more than {_MAX_POINTS:,}; use a sampler that searches")
    # scikit-learn's ParameterGrid order: keys sorted, the last key varying fastest.
    keys = sorted(space)
    return [dict(zip(keys, values, strict=False)) for values in itertools.product(*(space[k].grid() for k in keys))]


class GridSampler(BaseSampler):
    """Evaluate every point of a grid once, in scikit-learn's ``ParameterGrid`` order.

    ``search_space`` is a dict of name to a list of values (or any finite distribution), or a list
    of such dicts as scikit-learn's ``param_grid`` allows. Each point is claimed in the study's log
    before it runs, so workers sharing a database never evaluate the same point twice; the study
    stops when every point is taken. An empty grid, ``{}``, has one point, the empty assignment, as
    scikit-learn's ``ParameterGrid({})`` has: one trial runs, then the study stops. A point whose
    trial failed (an error, Ctrl-C, a dead worker) is run again up to ``retry_failed`` more times,
    so resuming an interrupted search completes it.

    Example:
        >>> import hyperscout as hs
        >>> sampler = hs.samplers.GridSampler({"C": [0.1, 1, 10], "kernel": ["rbf", "linear"]})
        >>> len(sampler.points)
        6
    """

    def __init__(
        self,
        search_space: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        retry_failed: int = 1,
        seed: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        if isinstance(retry_failed, bool) or not isinstance(retry_failed, int) or retry_failed < 0:
            raise ValueError(f"retry_failed must be a non-negative int, got {retry_failed!r}")
        self.retry_failed = retry_failed
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
        self.distributions: dict[str, Categorical] = {k: Categorical(tuple(v)) for k, v in choices.items()}
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
        # An empty grid ({}) has one point, the empty assignment, as scikit-learn's ParameterGrid({})
        # has: the study never asks sample_relative for an empty space, so say here when it is taken.
        if not self.distributions and not self._free(context):
            raise SearchSpaceExhausted(f"all {len(self.points)} grid points have been evaluated or claimed")
        return dict(self.distributions)

    def _attempts(self, context: SamplerContext) -> dict[str, tuple[int, bool]]:
        """Per grid claim: how many of its trials failed, and whether one is done or in progress."""
        seen: dict[str, tuple[int, bool]] = {}
        for t in context.trials:
            key = t.system_attrs.get("grid")
            if key is None:
                continue
            base = key.split("#")[0]
            fails, busy = seen.get(base, (0, False))
            if t.state is TrialState.FAIL:
                fails += 1
            else:
                busy = True
            seen[base] = (fails, busy)
        return seen

    def _free(self, context: SamplerContext) -> list[tuple[int, int]]:
        """``(point index, attempt)`` of every point that may run now."""
        seen = self._attempts(context)
        free = []
        for i, c in enumerate(self._claims):
            fails, busy = seen.get(c, (0, False))
            if not busy and fails <= self.retry_failed:
                free.append((i, fails))
        # Fresh points first: a retry waits until the rest of the grid has had its turn.
        return sorted(free, key=lambda p: (p[1], p[0]))

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        free = self._free(context)
        if not free:
            raise SearchSpaceExhausted(f"all {len(self.points)} grid points have been evaluated or claimed")
        return dict(self.points[free[0][0]])

    def claim(self, context: SamplerContext, params: dict[str, Any]) -> str | None:
        base = self._claim_of(params)
        fails, _ = self._attempts(context).get(base, (0, False))
        # A retry of a failed point needs a claim of its own: the first one stays in the log.
        return base if fails == 0 else f"{base}#{fails}"

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        if name in self.distributions:
            raise ValueError(
                f"parameter {name!r}: the grid's values {list(self.distributions[name].choices)!r} do not fit "
                f"the objective's {distribution!r}; make the grid and the objective agree"
            )
        raise ValueError(
            f"parameter {name!r} is not in the grid; add it to GridSampler's search space "
            f"(the grid has {sorted(self.distributions)})"
        )
