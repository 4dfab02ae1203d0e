"""NSGA-II: a genetic algorithm for several objectives (Deb, Pratap, Agarwal and Meyarivan 2002).

Generations of ``population_size`` complete trials. Generation 0 is drawn at random; each later
generation's children are bred from a *parent population*, the elite of the previous generation
and its parents: the best fronts under (constrained) non-domination, the last front cut by
crowding distance (``hyperscout._multi_objective``). A child takes two parents, each the winner of
a binary tournament (lower front, then larger crowding distance), crosses them over with
probability ``crossover_prob`` and mutates each parameter with probability ``mutation_prob`` (a
fresh uniform draw).

The sampler keeps no state between trials. A trial's generation is recorded in its system
attribute ``"NSGAIISampler:generation"`` when it is proposed (Optuna's key), and the first trial of
a generation records its parent population (``"NSGAIISampler:parents"``, trial numbers): every
worker, process and resumed run then breeds a generation from the same parents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import check_constraints_func, is_number
from .._multi_objective import crowding_distance, non_dominated_ranks, oriented
from ..space import Categorical, Distribution
from ..trial import FrozenTrial, TrialState, constraint_violation, is_constrained
from ._base import BaseSampler, SamplerContext, intersection_search_space

__all__ = ["NSGAIISampler"]

#: The system attributes that hold a trial's generation and, on a generation's first trial, its parents.
GENERATION_KEY = "NSGAIISampler:generation"
PARENTS_KEY = "NSGAIISampler:parents"

_CROSSOVERS = ("sbx", "uniform", "blxalpha")


class NSGAIISampler(BaseSampler):
    """Multi-objective genetic search with non-dominated sorting and crowding distance (NSGA-II).

    The usual choice for several objectives with a budget of a few hundred trials or more; with
    fewer, ``TPESampler`` learns from every trial at once. It also works with one objective, and
    with constraints: under *constrained domination* a feasible trial beats an infeasible one, and
    of two infeasible trials the one with the smaller total violation wins (Deb 2000).

    Args:
        population_size: complete trials per generation (at least 2).
        mutation_prob: probability that each parameter of a child mutates; ``None`` gives
            ``1 / number of parameters``.
        crossover: how two parents' numeric parameters mix, on the unit scale of each parameter:
            ``"uniform"`` (each parameter from either parent, with ``swapping_prob``; the default,
            as in Optuna), ``"sbx"`` (simulated binary crossover, distribution index 20, as in
            Deb et al.'s NSGA-II) or ``"blxalpha"`` (uniform in the parents' interval widened by
            half its length on each side). Categorical parameters always use the uniform crossover.
        crossover_prob: probability that a child is a crossover of two parents rather than a copy of one.
        swapping_prob: probability of taking each parameter from the second parent (uniform
            crossover), and of swapping a categorical parameter.
        seed: seed of every draw (with the trial number); ``None`` uses the study's seed.
        constraints_func: ``f(frozen_trial) -> sequence of floats``, computed when each trial
            finishes; a trial is feasible when all are <= 0 (Optuna's argument).
        mutation: ``None`` draws a mutated parameter afresh, uniformly (Optuna's default);
            ``"polynomial"`` moves a numeric one by Deb's polynomial mutation (index 20).

    Why Optuna's defaults (uniform crossover, uniform redraw): SBX and polynomial mutation, Deb's
    choices, were no better on ZDT1 and ZDT2 (5 parameters, 400 trials, population 20, seeds 0-2):
    hypervolume at (1.1, 1.1) 0.60/0.53/0.71 with SBX against 0.69/0.59/0.62 with the uniform
    crossover on ZDT1, and no consistent order on ZDT2.

    Example:
        >>> import hyperscout as hs
        >>> sampler = hs.samplers.NSGAIISampler(population_size=10, seed=0)
        >>> study = hs.create_study(directions=["minimize", "minimize"], sampler=sampler)
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     return x, (1 - x) ** 2
        >>> study.optimize(objective, n_trials=40, show_progress_bar=False)
        >>> len(study.best_trials) > 5
        True
    """

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation_prob: float | None = None,
        crossover: str = "uniform",
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        mutation: str | None = None,
    ) -> None:
        super().__init__(seed=seed)
        if mutation is not None and mutation != "polynomial":
            raise ValueError(f"mutation must be None (a fresh uniform draw) or 'polynomial', got {mutation!r}")
        self.mutation = mutation
        if isinstance(population_size, bool) or not isinstance(population_size, int) or population_size < 2:
            raise ValueError(f"population_size must be an int >= 2, got {population_size!r}")
        if mutation_prob is not None and not (is_number(mutation_prob) and 0.0 <= mutation_prob <= 1.0):
            raise ValueError(f"mutation_prob must be a number in [0, 1] or None, got {mutation_prob!r}")
        if not isinstance(crossover, str) or crossover.lower() not in _CROSSOVERS:
            raise ValueError(f"crossover must be one of {list(_CROSSOVERS)}, got {crossover!r}")
        for name, p in (("crossover_prob", crossover_prob), ("swapping_prob", swapping_prob)):
            if not (is_number(p) and 0.0 <= p <= 1.0):
                raise ValueError(f"{name} must be a number in [0, 1], got {p!r}")
        self.population_size = population_size
        self.mutation_prob = None if mutation_prob is None else float(mutation_prob)
        self.crossover = crossover.lower()
        self.crossover_prob = float(crossover_prob)
        self.swapping_prob = float(swapping_prob)
        self.constraints_func = check_constraints_func(constraints_func)

    def __repr__(self) -> str:
        return (
            f"NSGAIISampler(population_size={self.population_size!r}, crossover={self.crossover!r}, seed={self.seed!r})"
        )

    # -- the BaseSampler interface -----------------------------------------------------------------

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        space = intersection_search_space(context.trials)
        return {k: d for k, d in space.items() if not d.is_single}

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        if not search_space:
            return {}
        generation, parents = self._plan(context)
        if generation == 0 or len(parents) < 2:
            return {k: d.from_unit(context.uniform("nsga2-random", k)) for k, d in search_space.items()}
        rng = context.rng("nsga2")
        rank, crowd = _fitness(parents, context.directions)
        first, second = (parents[_tournament(rng, rank, crowd)] for _ in range(2))
        child = self._cross(rng, first.params, second.params, search_space)
        p_mut = self.mutation_prob if self.mutation_prob is not None else 1.0 / len(search_space)
        for k, d in search_space.items():
            if rng.random() < p_mut:
                if self.mutation == "polynomial" and not isinstance(d, Categorical):
                    child[k] = d.from_unit(_polynomial(rng, d.to_unit(child[k])))
                else:
                    child[k] = d.from_unit(float(rng.random()))
        return child

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return distribution.from_unit(context.uniform(name))

    def proposal_attrs(self, context: SamplerContext, params: dict[str, Any]) -> dict[str, Any]:
        generation, parents = self._plan(context)
        attrs: dict[str, Any] = {GENERATION_KEY: generation}
        if generation > 0 and _recorded_parents(context.trials, generation) is None:
            attrs[PARENTS_KEY] = [t.number for t in parents]
        return attrs

    # -- generations -------------------------------------------------------------------------------

    def _plan(self, context: SamplerContext) -> tuple[int, list[FrozenTrial]]:
        """The generation trial ``context.number`` belongs to, and that generation's parent population.

        As Optuna: the latest generation with a complete trial, or the next one once it has
        ``population_size`` complete trials. Trials without a recorded generation (the random
        first ones) belong to generation 0.
        """
        trials = context.trials
        complete = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None]
        counts: dict[int, int] = {}
        for t in complete:
            g = _generation(t)
            counts[g] = counts.get(g, 0) + 1
        generation = max(counts, default=0)
        if counts.get(generation, 0) >= self.population_size:
            generation += 1
        return generation, self._parents(trials, complete, context.directions, generation)

    def _parents(
        self, trials: Sequence[FrozenTrial], complete: list[FrozenTrial], directions: Sequence[str], generation: int
    ) -> list[FrozenTrial]:
        """The parent population of ``generation``: its recorded one, else the elite of the previous
        generation's complete trials together with that generation's parents."""
        if generation == 0:
            return []
        by_number = {t.number: t for t in complete}
        recorded = _recorded_parents(trials, generation)
        if recorded is not None:
            return [by_number[n] for n in recorded if n in by_number]
        previous = [t for t in complete if _generation(t) == generation - 1]
        pool = {t.number: t for t in [*self._parents(trials, complete, directions, generation - 1), *previous]}
        return _elite(list(pool.values()), directions, self.population_size)

    # -- variation ----------------------------------------------------------------------------------

    def _cross(
        self,
        rng: np.random.Generator,
        a: Mapping[str, Any],
        b: Mapping[str, Any],
        space: dict[str, Distribution],
    ) -> dict[str, Any]:
        """A child of parents ``a`` and ``b`` (their parameter values): a crossover, or a copy of ``a``."""
        if rng.random() >= self.crossover_prob:
            return {k: a[k] for k in space}
        child: dict[str, Any] = {}
        for k, d in space.items():
            if isinstance(d, Categorical) or self.crossover == "uniform":
                child[k] = b[k] if rng.random() < self.swapping_prob else a[k]
                continue
            u, v = d.to_unit(a[k]), d.to_unit(b[k])
            child[k] = d.from_unit(_sbx(rng, u, v) if self.crossover == "sbx" else _blx(rng, u, v))
        return child


def _generation(t: FrozenTrial) -> int:
    g = t.system_attrs.get(GENERATION_KEY, 0)
    return int(g) if isinstance(g, int) and not isinstance(g, bool) else 0


def _recorded_parents(trials: Sequence[FrozenTrial], generation: int) -> list[int] | None:
    """The parents the first trial of ``generation`` to record them named, or None."""
    for t in trials:  # by number: the earliest record wins, whichever worker wrote it
        if _generation(t) == generation and isinstance(t.system_attrs.get(PARENTS_KEY), list):
            return [int(n) for n in t.system_attrs[PARENTS_KEY]]
    return None


def _penalty(trials: Sequence[FrozenTrial]) -> np.ndarray | None:
    if not is_constrained(trials):
        return None
    return np.array([constraint_violation(t) for t in trials])


def _fitness(trials: Sequence[FrozenTrial], directions: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each trial's front (constrained non-domination) and its crowding distance within that front."""
    values = oriented([t.values for t in trials], directions)
    rank = non_dominated_ranks(values, _penalty(trials))
    crowd = np.zeros(len(trials))
    for r in np.unique(rank):
        members = np.flatnonzero(rank == r)
        crowd[members] = crowding_distance(values[members])
    return rank, crowd


def _elite(pool: list[FrozenTrial], directions: Sequence[str], size: int) -> list[FrozenTrial]:
    """The ``size`` survivors of ``pool``: whole fronts in order, the last one cut by crowding distance.

    Ties (equal front and crowding distance) go to the earlier trial, so the selection is the same
    in every process.
    """
    pool = sorted(pool, key=lambda t: t.number)
    if len(pool) <= size:
        return pool
    rank, crowd = _fitness(pool, directions)
    order = np.lexsort((np.arange(len(pool)), -crowd, rank))
    return sorted((pool[i] for i in order[:size]), key=lambda t: t.number)


def _tournament(rng: np.random.Generator, rank: np.ndarray, crowd: np.ndarray) -> int:
    """Binary tournament under the crowded comparison: the lower front wins, then the larger crowding distance."""
    i, j = (int(x) for x in rng.integers(len(rank), size=2))
    if rank[i] != rank[j]:
        return i if rank[i] < rank[j] else j
    if crowd[i] != crowd[j]:
        return i if crowd[i] > crowd[j] else j
    return i if rng.random() < 0.5 else j


def _sbx(rng: np.random.Generator, u: float, v: float, eta: float = 20.0) -> float:
    """One child of simulated binary crossover on [0, 1], bounded (Deb and Agrawal 1995; Deb's NSGA-II code).

    The spread factor is drawn so that the children stay inside the bounds, and each child is the
    first or the second of the pair with equal probability.
    """
    if abs(u - v) < 1e-14:
        return u
    lo, hi = min(u, v), max(u, v)
    r = float(rng.random())

    def child(beta: float, sign: float) -> float:
        alpha = 2.0 - beta ** -(eta + 1.0)
        bq = (
            (r * alpha) ** (1.0 / (eta + 1.0)) if r <= 1.0 / alpha else (1.0 / (2.0 - r * alpha)) ** (1.0 / (eta + 1.0))
        )
        return 0.5 * (lo + hi + sign * bq * (hi - lo))

    c1 = child(1.0 + 2.0 * lo / (hi - lo), -1.0)
    c2 = child(1.0 + 2.0 * (1.0 - hi) / (hi - lo), 1.0)
    out = c1 if rng.random() < 0.5 else c2
    return min(max(out, 0.0), 1.0)


def _polynomial(rng: np.random.Generator, u: float, eta: float = 20.0) -> float:
    """Polynomial mutation on [0, 1], bounded (Deb and Goyal 1996; Deb's NSGA-II code)."""
    r = float(rng.random())
    if r < 0.5:
        xy = 1.0 - u
        dq = (2.0 * r + (1.0 - 2.0 * r) * xy ** (eta + 1.0)) ** (1.0 / (eta + 1.0)) - 1.0
    else:
        xy = u
        dq = 1.0 - (2.0 * (1.0 - r) + 2.0 * (r - 0.5) * xy ** (eta + 1.0)) ** (1.0 / (eta + 1.0))
    return min(max(u + dq, 0.0), 1.0)


def _blx(rng: np.random.Generator, u: float, v: float, alpha: float = 0.5) -> float:
    """BLX-α: uniform in the parents' interval widened by ``alpha`` of its length on each side, clipped to [0, 1]."""
    lo, hi = min(u, v), max(u, v)
    d = hi - lo
    return min(max(float(rng.uniform(lo - alpha * d, hi + alpha * d)) if d > 0 else lo, 0.0), 1.0)
