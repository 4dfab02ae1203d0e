"""Tree-structured Parzen estimator (TPE): model where good trials are, relative to bad ones.

The glue between trials and the Parzen numerics of ``hyperscout._tpe``: rank the trials, split them
into a "good" and a "bad" group, fit one density to each per group of parameters, and propose the
candidate that maximises their ratio (Bergstra et al. 2011; the ratio is equivalent to expected
improvement under the TPE model, their eq. 5).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import check_constraints_func, check_flag, is_number
from .._multi_objective import non_dominated_ranks, oriented, selection_order
from ..space import Distribution
from ..trial import FrozenTrial, TrialState, constraint_violation, is_constrained
from ._base import BaseSampler, SamplerContext, latin_hypercube_start, values_of
from ._encoding import SpaceEncoding

__all__ = ["TPESampler"]

#: Discrete dimensions with more values than this are modelled as continuous: a table of bin
#: edges per dimension must stay small, and a kernel over thousands of bins is a density anyway.
_MAX_BINS = 1000

#: With several objectives and ``multivariate=None``, a space of at most this many parameters is
#: modelled jointly (docs/samplers-measurements.md: joint kernels were ahead on TNK and SRN, two
#: parameters each, level on ZDT1 and ZDT3 with three, far behind with seven or ten).
_MAX_JOINT_SEVERAL = 2


class TPESampler(BaseSampler):
    """Tree-structured Parzen estimator, multivariate, with conditional groups, a constant liar, several objectives.

    * The first ``n_startup_trials`` trials follow a Latin hypercube design (quasi-random).
    * Then the finished trials are ranked (complete trials by value; pruned trials after them, the
      further they got the better, as Optuna ranks them) and the best ``gamma(n)`` form the good group. With one
      objective, a good trial weighs in proportion to its improvement on the best of the others,
      and one that ties with it counts as bad (``hyperscout._tpe.split_weights``).
    * With several objectives (MOTPE, Ozaki et al. 2022), the good group is whole Pareto fronts,
      best first, and of the front that does not fit whole, the trials that a greedy hypervolume
      subset selection picks: they spread along the front instead of bunching where it is dense.
      Each parameter is modelled alone by default (as Optuna does for several objectives): drawing
      each coordinate from a different good trial recombines them, which found larger
      hypervolumes than joint kernels on ZDT1, DTLZ2 and C2-DTLZ2 (seven and ten parameters);
      a space of two parameters is modelled jointly, which was better on TNK and SRN
      (``docs/samplers-measurements.md``).
    * Each *group* of parameters that always appear together (with ``multivariate``; each
      parameter alone otherwise) gets a joint Parzen estimator
      l(x) of the good trials and g(x) of the others, and takes the best of ``n_ei_candidates``
      draws from l by log l(x) − log g(x). A conditional parameter is modelled only from the trials
      that used it.
    * Trials still running in other workers join the bad group at their proposed values (a
      "constant liar"), so parallel workers and ``study.ask(n=8)`` batches do not pile onto the
      same point.
    * In a constrained study (``constraints_func`` here or in ``create_study``), feasible trials
      rank first, in the order above, and infeasible ones after them by total violation (c-TPE,
      as Optuna's TPE does): the good group is feasible trials only once there are more feasible
      trials than its size; until then the least violating infeasible trials complete it, so the
      search first heads for the feasible region. A trial whose constraints could not be computed
      ranks last.

    Args:
        seed: seed of the study's random draws (the study's seed when ``None``).
        n_startup_trials: trials of the quasi-random design before the model takes over.
        n_ei_candidates: draws from l(x) scored per proposal; more means greedier.
        gamma: ``gamma(n)`` → size of the good group among ``n`` ranked trials (15%, at most 25).
        prior_weight: weight of the prior component (uniform over the space) in both estimators.
        bandwidth: factor on each kernel's width (the larger gap to its neighbours along each dimension).
        multivariate: model the parameters of a group jointly (True) or each alone (False);
            ``None``: jointly for one objective; for several, each alone unless there are two or fewer.
        constant_liar: count running trials as bad ones.
        constraints_func: ``f(frozen_trial) -> sequence of floats``, computed when each trial
            finishes; a trial is feasible when all are <= 0 (Optuna's argument).

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(sampler=hs.samplers.TPESampler(seed=0))
        >>> study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 0.5) ** 2, n_trials=40, show_progress_bar=False)
        >>> abs(study.best_params["x"] - 0.5) < 0.2
        True
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 32,
        gamma: Callable[[int], int] | None = None,
        prior_weight: float = 1.0,
        bandwidth: float = 1.0,
        multivariate: bool | None = None,
        constant_liar: bool = True,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.constraints_func = check_constraints_func(constraints_func)
        for name, v, low in (("n_startup_trials", n_startup_trials, 1), ("n_ei_candidates", n_ei_candidates, 1)):
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ValueError(f"{name} must be an int >= {low}, got {v!r}")
        if not (is_number(prior_weight) and prior_weight > 0 and math.isfinite(prior_weight)):
            raise ValueError(f"prior_weight must be a positive number, got {prior_weight!r}")
        if not (is_number(bandwidth) and bandwidth > 0 and math.isfinite(bandwidth)):
            raise ValueError(f"bandwidth must be a positive number, got {bandwidth!r}")
        check_flag("multivariate", multivariate, none_ok=True)
        check_flag("constant_liar", constant_liar)
        if gamma is not None and not callable(gamma):
            raise ValueError(f"gamma must be a function n -> int, got {gamma!r}")
        self.n_startup_trials = n_startup_trials
        self.n_ei_candidates = n_ei_candidates
        self.gamma = gamma
        self.prior_weight = float(prior_weight)
        self.bandwidth = float(bandwidth)
        self.multivariate = multivariate
        self.constant_liar = constant_liar
        # names of a group -> (their distributions, {id(trial): (trial, encoded row or None)}): finished
        # trials never change, so their rows are kept; the trial is held so its id cannot be reused.
        self._codes: dict[tuple[str, ...], tuple[tuple[Distribution, ...], dict[int, Any]]] = {}

    def __repr__(self) -> str:
        return f"TPESampler(seed={self.seed!r}, multivariate={self.multivariate!r})"

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        space: dict[str, Distribution] = {}
        for t in context.trials:
            if t.state in (TrialState.COMPLETE, TrialState.PRUNED):
                space.update(t.distributions)
        return {k: d for k, d in sorted(space.items()) if not d.is_single}

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        if not search_space:
            return {}
        ranked, losses, n_feasible = _ranked(context.trials, context.directions)
        if len(ranked) < self.n_startup_trials:
            return latin_hypercube_start(context, search_space, self.n_startup_trials)
        from .. import _tpe  # scipy.special: loaded on first use, so `import hyperscout` stays light

        n_good = (self.gamma or _tpe.default_gamma)(len(ranked))
        if len(context.directions) > 1:  # fronts, cut by hypervolume; pruned trials after them
            ranked, in_l = _split_several(ranked, context.directions, n_good)
            in_g = (in_l == 0).astype(float)
        elif losses is None or n_feasible <= n_good:  # by progress or violation: a rank split
            in_l = (np.arange(len(ranked)) < n_good).astype(float)
            in_g = 1.0 - in_l
        else:  # the improvement weights among the feasible trials; the infeasible ones are bad
            in_l, in_g = _tpe.split_weights(losses[:n_feasible], n_good)
            n_out = len(ranked) - n_feasible
            in_l, in_g = np.concatenate([in_l, np.zeros(n_out)]), np.concatenate([in_g, np.ones(n_out)])
        pool = list(ranked)
        if self.constant_liar:
            pool += [t for t in context.trials if t.state is TrialState.RUNNING and values_of(t)]
        # Weights in l and in g along the pool; running trials (the constant liar) are bad ones.
        n_running = len(pool) - len(ranked)
        pool_l = np.concatenate([in_l, np.zeros(n_running)])
        pool_g = np.concatenate([in_g, np.ones(n_running)])
        numbers = np.array([t.number for t in pool])
        values = [values_of(t) for t in pool]
        out: dict[str, Any] = {}
        joint = self.multivariate
        if joint is None:  # several objectives: each parameter alone, unless there are only two
            joint = len(context.directions) == 1 or len(search_space) <= _MAX_JOINT_SEVERAL
        for group in _groups(values, search_space, joint):
            # An OrNone of a Categorical gets a categorical kernel over None and the choices.
            enc = SpaceEncoding({k: search_space[k] for k in group}, none_as_choice=True)
            rows = self._rows(pool, values, enc)
            # Only the trials that used the whole group (in this range) say anything about it.
            used = np.array([r is not None for r in rows], dtype=bool)
            A = np.array([r for r in rows if r is not None], dtype=float).reshape(-1, len(group))
            w_l, w_g, nums = pool_l[used], pool_g[used], numbers[used]
            good = w_l > 0
            bad = np.flatnonzero(w_g > 0)
            bad = bad[np.argsort(nums[bad], kind="stable")]  # oldest first, for the weights
            l_est = self._fit(enc, A[good], w_l[good])
            g_est = self._fit(enc, A[bad], _tpe.default_weights(len(bad)))
            x, c = l_est.sample(context.rng("tpe", *group), self.n_ei_candidates)
            score = l_est.log_pdf(x, c) - g_est.log_pdf(x, c)
            i = int(np.argmax(score))
            out.update(enc.decode(enc.join(x[i], c[i])))
        return out

    def _fit(self, enc: SpaceEncoding, A: np.ndarray, weights: np.ndarray) -> Any:
        """The Parzen estimator of encoded rows ``A`` (n, one code per parameter of the group, in order)."""
        from .._tpe import fit

        X, C = enc.split(A)
        edges = [e for e, cat in zip(enc.bin_edges(_MAX_BINS), enc.is_cat, strict=True) if not cat]
        n_choices = [int(k) for k in enc.n_choices[enc.is_cat]]
        return fit(X, C, n_choices, edges, weights, prior_weight=self.prior_weight, bandwidth=self.bandwidth)

    def _rows(
        self,
        pool: Sequence[FrozenTrial],
        values: Sequence[Mapping[str, Any]],
        enc: SpaceEncoding,
    ) -> list[list[float] | None]:
        """Each trial's row in ``enc``, or None unless it has a valid value of every parameter of it."""
        names, dists = tuple(enc.names), tuple(enc.dists)
        entry = self._codes.get(names)
        if entry is None or entry[0] != dists or len(entry[1]) > 200_000:  # a range changed, or too many
            entry = self._codes[names] = (dists, {})
        memo = entry[1]
        out: list[list[float] | None] = []
        for t, v in zip(pool, values, strict=True):
            hit = memo.get(id(t))
            if hit is not None and hit[0] is t:
                out.append(hit[1])
                continue
            row = enc.encode(v)
            code = None if any(map(math.isnan, row)) else row  # an inactive parameter: not a point of the group
            if t.state is not TrialState.RUNNING:  # finished trials never change; running ones may
                memo[id(t)] = (t, code)
            out.append(code)
        return out

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return distribution.from_unit(context.uniform(name))


def _rank(trials: Sequence[FrozenTrial], directions: Sequence[str]) -> list[FrozenTrial]:
    """Finished trials from best to worst.

    Complete trials by value (by Pareto front for several objectives), then pruned trials, the further
    they got the better (ties by the value at their last step). A pruned trial never ranks above a
    complete one: the pruner stopped it because it judged it would end worse, and ranking it by its value
    where it stopped (as an earlier, BOHB-style rule did) let a trial stopped for its predicted final value
    into the good group, so the sampler proposed the stopped configuration again and again.
    """
    return _ranked(trials, directions)[0]


def _ranked(
    trials: Sequence[FrozenTrial], directions: Sequence[str]
) -> tuple[list[FrozenTrial], np.ndarray | None, int]:
    """``_rank``; when the trials are ranked by one objective's final value, their losses (n,) (NaN → inf);
    and how many of them, first in the ranking, are feasible (all of them in an unconstrained study).

    In a constrained study the ranking without constraints is re-sorted, stably, feasible trials first
    and the infeasible ones after them by total violation.
    """
    ranked, losses = _ranked_by_value(trials, directions)
    if not is_constrained(ranked):
        return ranked, losses, len(ranked)
    v = np.array([constraint_violation(t) for t in ranked])
    infeasible = v > 0
    order = np.lexsort((np.where(infeasible, v, 0.0), infeasible))
    ranked = [ranked[i] for i in order]
    return ranked, None if losses is None else losses[order], int((~infeasible).sum())


def _ranked_by_value(
    trials: Sequence[FrozenTrial], directions: Sequence[str]
) -> tuple[list[FrozenTrial], np.ndarray | None]:
    """``_rank`` without constraints, and the losses of ``_ranked``."""
    signs = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    sign = float(signs[0])
    complete = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None]
    pruned = [t for t in trials if t.state is TrialState.PRUNED and t.intermediate_values]
    losses = np.array([t.values for t in complete], dtype=float).reshape(len(complete), len(signs)) * signs
    if complete:
        if len(directions) == 1:
            order = np.argsort(losses[:, 0], kind="stable")
        else:
            # By front, oldest first within one; _split_several cuts the front that straddles the split.
            order = np.argsort(non_dominated_ranks(losses), kind="stable")
        complete = [complete[i] for i in order]
        losses = losses[order]
    pruned = sorted(pruned, key=lambda t: _progress_key(t, sign))
    if len(directions) != 1:
        return complete + pruned, None
    # Pruned trials have no final value: worse than any complete one, so they never enter the good group
    # while complete trials remain outside it, and the improvement weights are those of the complete trials.
    final = np.where(np.isnan(losses[:, 0]), math.inf, losses[:, 0])  # NaN: worse than anything
    return complete + pruned, np.concatenate([final, np.full(len(pruned), math.inf)])


def _split_several(
    ranked: list[FrozenTrial], directions: Sequence[str], n_good: int
) -> tuple[list[FrozenTrial], np.ndarray]:
    """Several objectives: ``ranked`` re-ordered so that its first ``n_good`` are the good group; their weights in l.

    The complete trials (first in ``ranked``) by ``selection_order``: whole Pareto fronts, the one
    that does not fit cut by greedy hypervolume subset selection; in a constrained study feasible
    trials first, then by violation (c-TPE). Pruned trials follow in their order. Weights (n,):
    1 in the good group, 0 outside. (Weights in proportion to each good trial's hypervolume
    contribution, MOTPE's original choice, did no better: ``docs/samplers-measurements.md``.)
    """
    complete = [t for t in ranked if t.state is TrialState.COMPLETE]
    rest = [t for t in ranked if t.state is not TrialState.COMPLETE]
    losses = oriented([t.values for t in complete], directions)  # a NaN stays: its front is the last
    penalty = np.array([constraint_violation(t) for t in complete]) if is_constrained(complete) else None
    order = selection_order(losses, n_good, penalty)
    return [complete[i] for i in order] + rest, (np.arange(len(ranked)) < n_good).astype(float)


def _loss(v: float, sign: float) -> float:
    return sign * v if v == v else math.inf  # NaN: worse than anything


def _progress_key(t: FrozenTrial, sign: float) -> tuple[int, float]:
    step = max(t.intermediate_values)
    return -step, _loss(t.intermediate_values[step], sign)


def _groups(trials: Sequence[Mapping[str, Any]], space: dict[str, Distribution], joint: bool) -> list[list[str]]:
    """Split ``space`` into groups of parameters that always appear together in ``trials`` (their values).

    Each trial's set of parameters cuts every group in two (inside and outside the set), so that
    in the end a group's members are used by exactly the same trials: conditional branches become
    their own groups. Without ``joint``, every parameter is its own group.
    """
    if not joint:
        return [[k] for k in space]
    groups: list[set[str]] = []
    names = {frozenset(v) for v in trials}  # the distinct parameter sets first: few, whatever the trials
    for used in map(set, sorted({n.intersection(space) for n in names}, key=sorted)):
        if not used:
            continue
        split: list[set[str]] = []
        for g in groups:
            split += [s for s in (g & used, g - used) if s]
        new = used.difference(*groups) if groups else used
        groups = split + ([new] if new else [])
    missed = space.keys() - set().union(*groups) if groups else set(space)
    return sorted((sorted(g) for g in [*groups, *({k} for k in missed)]), key=lambda g: g[0])
