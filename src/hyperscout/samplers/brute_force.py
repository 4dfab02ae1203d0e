"""Exhaustive search over a define-by-run space: every combination the objective can ask for, once.

Unlike ``GridSampler``, which needs the grid up front, this sampler learns the space from the
trials: the parameters each trial asked for, in the order it asked, form a path in a tree whose
nodes are parameters and whose branches are their values. A conditional objective (``if kind ==
"svm": C = ...``) gives a tree with branches of different depths, and each leaf is one combination.

Notation: a node's *open* leaves are those no trial has reached yet (with ``avoid_premature_stop``,
also those only a running trial has reached). Each suggestion walks down the branch the trial has
taken so far and picks, at random, a value whose subtree still has an open leaf, so each
combination is tried once; when the root has no open leaf the search is complete and the study
stops (``SearchSpaceExhausted``).

Example:
    >>> import hyperscout as hs
    >>> def objective(trial):
    ...     if trial.suggest_categorical("kind", ["a", "b"]) == "a":
    ...         return trial.suggest_int("n", 1, 3)
    ...     return 0.5
    >>> study = hs.create_study(sampler=hs.samplers.BruteForceSampler(seed=0))
    >>> study.optimize(objective, show_progress_bar=False)  # stops by itself after the 4 combinations
    >>> sorted(tuple(sorted(t.params.items())) for t in study.trials)
    [(('kind', 'a'), ('n', 1)), (('kind', 'a'), ('n', 2)), (('kind', 'a'), ('n', 3)), (('kind', 'b'),)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..space import Distribution, Float, OrNone
from ..trial import FrozenTrial, TrialState
from ._base import BaseSampler, SamplerContext, SearchSpaceExhausted

#: A value as a tree branch: its type and repr, so that True, 1 and 1.0 are three branches.
_Key = tuple[str, str]


def _key(value: Any) -> _Key:
    return (type(value).__name__, repr(value))


class _Node:
    """A parameter asked at this point of the tree (``name`` None: a leaf, or not reached yet)."""

    __slots__ = ("name", "dist", "values", "children", "leaf")

    def __init__(self) -> None:
        self.name: str | None = None
        self.dist: Distribution | None = None
        self.values: dict[_Key, Any] = {}  # every value of ``dist``, by key, in order
        self.children: dict[_Key, _Node] = {}
        self.leaf: str | None = None  # "done" or "running" once a trial ended here

    def open_leaves(self, count_running: bool) -> int:
        if self.name is None:
            if self.leaf == "done":
                return 0
            return 0 if self.leaf == "running" and not count_running else 1
        return sum(self.children[k].open_leaves(count_running) if k in self.children else 1 for k in self.values)


class BruteForceSampler(BaseSampler):
    """Try every combination of parameter values once, learning the (conditional) space as it goes.

    Optuna's ``BruteForceSampler``. Every parameter needs a finite set of values: categoricals,
    integers, and floats with a ``step``; a continuous float is an error that says so, unless
    ``float_points`` says how many evenly spaced values (in log space for ``log=True``) to try.
    Failed and pruned trials count as tried. The study stops by itself once every combination has
    been tried (``optimize`` without ``n_trials``). The order is random (from the seed); each
    trial's values depend only on the seed and the trials before it, so a run is reproducible.

    Args:
        seed: the order in which combinations are tried.
        avoid_premature_stop: treat a combination that a running trial is trying as not yet
            tried, so that several workers never stop while a trial that may fail is still running
            (at the cost of some duplicates near the end), as Optuna's option of that name.
        float_points: how many values to try for a continuous float (``None``: refuse one).

    Example:
        >>> import hyperscout as hs
        >>> sampler = hs.samplers.BruteForceSampler(seed=0, float_points=3)
        >>> study = hs.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), show_progress_bar=False)
        >>> sorted(t.params["x"] for t in study.trials)
        [0.0, 0.5, 1.0]
    """

    def __init__(
        self, seed: int | None = None, avoid_premature_stop: bool = False, *, float_points: int | None = None
    ) -> None:
        super().__init__(seed=seed)
        if not isinstance(avoid_premature_stop, bool):
            raise TypeError(f"avoid_premature_stop must be True or False, got {avoid_premature_stop!r}")
        if float_points is not None and (
            isinstance(float_points, bool) or not isinstance(float_points, int) or float_points < 2
        ):
            raise ValueError(f"float_points must be an int of at least 2, or None, got {float_points!r}")
        self.avoid_premature_stop = avoid_premature_stop
        self.float_points = float_points
        self._values_cache: dict[Distribution, dict[_Key, Any] | None] = {}

    def __repr__(self) -> str:
        return (
            f"BruteForceSampler(seed={self.seed!r}, avoid_premature_stop={self.avoid_premature_stop!r}, "
            f"float_points={self.float_points!r})"
        )

    # -- the values of a distribution -------------------------------------------------------------

    def _values(self, dist: Distribution) -> dict[_Key, Any] | None:
        """Every value to try for ``dist``, by key; None when it is continuous and no ``float_points``."""
        if dist not in self._values_cache:
            values: list[Any] | None
            if dist.is_finite:
                values = dist.grid()
            elif self.float_points is None:
                values = None
            elif isinstance(dist, OrNone):
                n = self.float_points
                values = [None, *(dist.inner.from_unit(i / (n - 1)) for i in range(n))]
            else:
                n = self.float_points
                values = [dist.from_unit(i / (n - 1)) for i in range(n)]
            self._values_cache[dist] = None if values is None else {_key(dist.cast(v)): dist.cast(v) for v in values}
        return self._values_cache[dist]

    # -- the tree of the trials so far ------------------------------------------------------------

    def _tree(self, trials: Sequence[FrozenTrial]) -> _Node:
        root = _Node()
        for t in trials:
            if t.state is TrialState.WAITING:
                continue
            self._insert(root, t)
        return root

    def _insert(self, root: _Node, t: FrozenTrial) -> None:
        node = root
        for name, dist in t.distributions.items():  # in the order the trial asked for them
            values = self._values(dist)
            key = _key(t.params.get(name))
            if values is None or key not in values or node.leaf is not None:
                return  # a value this sampler would not give (the space changed): it counts for nothing
            if node.name is None:
                node.name, node.dist, node.values = name, dist, values
            elif node.name != name or node.dist != dist:
                return  # this trial took another path through a changed objective
            node = node.children.setdefault(key, _Node())
        if node.name is not None:
            return  # it stopped where others went on (e.g. it failed before asking for the rest)
        finished = t.state.is_finished
        if finished or node.leaf is None:
            node.leaf = "done" if finished else "running"

    def _pick(self, context: SamplerContext, node: _Node, values: dict[_Key, Any], name: str) -> Any:
        """A value whose subtree still has an open leaf (not one a running trial tries, if any remain)."""
        keys = list(values)
        if node.name == name:
            for count_running in (False, True):
                open_keys = [
                    k for k in keys if k not in node.children or node.children[k].open_leaves(count_running) > 0
                ]
                if open_keys:
                    keys = open_keys
                    break
        rng = context.rng("brute-force", name)
        return values[keys[int(rng.integers(len(keys)))]]

    # -- the sampler interface --------------------------------------------------------------------

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        # The first parameter is proposed before the objective runs, so that a complete search
        # stops the study before a trial starts rather than inside one.
        root = self._tree(context.trials)
        return {root.name: root.dist} if root.name is not None and root.dist is not None else {}

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        root = self._tree(context.trials)
        if root.name is None or root.name not in search_space:
            return {}
        if root.open_leaves(count_running=self.avoid_premature_stop) == 0:
            raise SearchSpaceExhausted(f"BruteForceSampler has tried all {self._count(root)} combinations")
        return {root.name: self._pick(context, root, root.values, root.name)}

    @staticmethod
    def _count(node: _Node) -> int:
        if node.name is None:
            return 1
        return sum(BruteForceSampler._count(node.children[k]) if k in node.children else 1 for k in node.values)

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        values = self._values(distribution)
        if values is None:
            hint = "give it a step (suggest_float(..., step=...))" if isinstance(distribution, Float) else "list values"
            raise ValueError(
                f"BruteForceSampler needs a finite set of values for parameter {name!r}, but {distribution!r} is "
                f"continuous: {hint}, or use BruteForceSampler(float_points=n) to try n evenly spaced values"
            )
        node: _Node | None = self._tree(context.trials)
        for asked, value in context.params.items():  # down the branch this trial has taken
            if node is None or node.name != asked:
                node = None
                break
            node = node.children.get(_key(value))
        if node is None:
            node = _Node()  # off the known tree: every value is untried here
        elif node.name is not None and node.dist != distribution:
            node = _Node()  # the objective asks for something else here now
        return self._pick(context, node, values, name)
