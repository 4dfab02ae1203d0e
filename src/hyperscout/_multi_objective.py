"""Several objectives and constraints, on arrays: domination, Pareto ranks, crowding, hypervolume and its subsets.

Everything here minimises: a caller turns ``"maximize"`` objectives into minimised ones by
negating them (``oriented``). Nothing here knows of studies or trials.

Notation:

==========  ==========  ================================================================
name        shape       meaning
==========  ==========  ================================================================
``values``  ``(n, m)``  ``n`` points, ``m`` objectives, all minimised
``penalty`` ``(n,)``    total constraint violation of each point: 0 when feasible, else the
                        sum of its positive constraint values (``inf``: unknown)
``ref``     ``(m,)``    the hypervolume's reference point, worse than every point it counts
==========  ==========  ================================================================

Example:
    >>> import numpy as np
    >>> pts = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]])
    >>> non_dominated_ranks(pts).tolist()
    [0, 0, 0, 1]
    >>> hypervolume(pts, np.array([4.0, 4.0]))
    6.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "check_constraints",
    "crowding_distance",
    "dominates",
    "greedy_hypervolume_subset",
    "hypervolume",
    "hypervolume_contributions",
    "infeasible_last",
    "non_dominated_ranks",
    "oriented",
    "pareto_mask",
    "reference_point",
    "selection_order",
    "violation",
]


def oriented(values: Any, directions: Sequence[str]) -> np.ndarray:
    """``values`` (``(n, m)``) with every ``"maximize"`` column negated, so that all are minimised.

    Example:
        >>> oriented([[1.0, 2.0]], ["minimize", "maximize"]).tolist()
        [[1.0, -2.0]]
    """
    arr = np.asarray(values, dtype=float).reshape(-1, len(directions))
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    return arr * signs


def check_constraints(value: Any) -> tuple[float, ...]:
    """What a constraints function returned, as a tuple of floats, or a ``TypeError``/``ValueError``.

    A sequence (list, tuple, 1-D array) of real numbers; bools, strings and NaN are refused.

    Example:
        >>> check_constraints([0.5, -1])
        (0.5, -1.0)
    """
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or np.ndim(value) != 1:
        raise TypeError(
            f"constraints_func must return a sequence of floats (feasible when all are <= 0), got {value!r}"
        )
    out = []
    for v in value:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"constraints_func returned {value!r}: every constraint value must be a real number")
        if math.isnan(v):
            raise ValueError(f"constraints_func returned {value!r}: a constraint value cannot be NaN")
        out.append(float(v))
    return tuple(out)


def violation(constraints: Sequence[float] | None) -> float:
    """Total violation: the sum of the positive constraint values; ``inf`` for ``None`` (unknown).

    Example:
        >>> violation([0.5, -1.0, 2.0]), violation([-1.0]), violation(None)
        (2.5, 0.0, inf)
    """
    if constraints is None:
        return math.inf
    return float(sum(c for c in constraints if c > 0))


def infeasible_last(costs: Any, penalty: Any) -> np.ndarray:
    """Costs (smaller is better) where every infeasible point ranks after every feasible one, by violation.

    What a one-objective model (the forest, CMA-ES) learns from in a constrained study. Feasible
    points keep their cost; the ``k`` infeasible ones, ranked by violation (equal violations tie),
    get ``top + span * (1 + rank) / k``, where ``top`` and ``span`` are the largest feasible cost and
    the feasible costs' range: worse than every feasible point, on the same scale. With no feasible
    point, the violations themselves (an unknown one, ``inf``, above the largest known), so the
    model heads for the feasible region.

    Example:
        >>> infeasible_last([1.0, 0.0, 3.0, 2.0], [0.0, 5.0, 0.0, 1.0]).tolist()
        [1.0, 5.0, 3.0, 4.0]
    """
    c = np.asarray(costs, dtype=float).copy()
    pen = np.asarray(penalty, dtype=float)
    bad = pen > 0
    if not bad.any():
        return c
    finite = pen[np.isfinite(pen)]
    if bad.all():
        ceiling = 2.0 * float(finite.max()) + 1.0 if finite.size else 1.0
        return np.where(np.isfinite(pen), pen, ceiling)
    good = c[~bad]
    good = good[np.isfinite(good)]
    top = float(good.max()) if good.size else 0.0
    span = float(good.max() - good.min()) if good.size else 0.0
    span = span if span > 0 else 1.0
    _, level = np.unique(pen[bad], return_inverse=True)
    c[bad] = top + span * (1.0 + level) / (int(level.max()) + 1)
    return c


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether point ``a`` Pareto-dominates ``b``: no worse in every objective, better in one."""
    return bool(np.all(a <= b) and np.any(a < b))


def _dominance_matrix(values: np.ndarray) -> np.ndarray:
    """``(n, n)`` booleans: ``[i, j]`` when point ``i`` dominates point ``j``."""
    le = np.all(values[:, None, :] <= values[None, :, :], axis=2)
    lt = np.any(values[:, None, :] < values[None, :, :], axis=2)
    return le & lt


def _ranks_unconstrained(values: np.ndarray) -> np.ndarray:
    """Fast non-dominated sorting (Deb et al. 2002, NSGA-II section III-A): front index of each point."""
    n = len(values)
    ranks = np.full(n, -1, dtype=int)
    if n == 0:
        return ranks
    dom = _dominance_matrix(values)
    count = dom.sum(axis=0)  # how many points dominate each one
    front = np.flatnonzero(count == 0)
    r = 0
    while front.size:
        ranks[front] = r
        count = count - dom[front].sum(axis=0)
        count[ranks >= 0] = -1
        front = np.flatnonzero(count == 0)
        r += 1
    return ranks


def non_dominated_ranks(values: Any, penalty: Any = None) -> np.ndarray:
    """The front of each point (0: Pareto-optimal), under constrained domination when ``penalty`` is given.

    Constrained domination (Deb 2000; NSGA-II section IV-B): a feasible point beats an infeasible
    one; two infeasible points are ordered by total violation; two feasible points by Pareto
    domination. So every feasible point is ranked before every infeasible one, and the infeasible
    ones form one front per distinct violation, smallest first. Points with a NaN objective are
    ranked after all the others.

    Example:
        >>> non_dominated_ranks([[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]], penalty=[0.0, 3.0, 1.0]).tolist()
        [0, 2, 1]
    """
    vals = np.asarray(values, dtype=float)
    n = len(vals)
    vals = vals.reshape(n, -1)
    pen = np.zeros(n) if penalty is None else np.asarray(penalty, dtype=float).reshape(n)
    ranks = np.full(n, -1, dtype=int)
    nan = np.isnan(vals).any(axis=1)
    feasible = (pen <= 0) & ~nan
    ranks[feasible] = _ranks_unconstrained(vals[feasible])
    top = int(ranks.max()) + 1 if feasible.any() else 0
    infeasible = np.flatnonzero((pen > 0) & ~nan)
    if infeasible.size:
        _, level = np.unique(pen[infeasible], return_inverse=True)
        ranks[infeasible] = top + level
        top += int(level.max()) + 1
    ranks[nan] = top
    return ranks


def pareto_mask(values: Any) -> np.ndarray:
    """Which points no other point dominates (duplicates of a Pareto-optimal point all count).

    Example:
        >>> pareto_mask([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]]).tolist()
        [True, True, False]
    """
    vals = np.asarray(values, dtype=float)
    n = len(vals)
    if vals.size == 0:
        return np.zeros(n, dtype=bool)
    vals = vals.reshape(n, -1)
    keep = np.zeros(n, dtype=bool)
    # In lexicographic order a point can be dominated only by an earlier one, and if by any, then
    # by an earlier non-dominated one (domination is transitive): compare with the front so far.
    front = np.empty((0, vals.shape[1]))
    for i in np.lexsort(vals.T[::-1]):
        p = vals[i]
        if len(front) and np.any(np.all(front <= p, axis=1) & np.any(front < p, axis=1)):
            continue
        keep[i] = True
        front = np.vstack([front, p])
    return keep


def crowding_distance(values: Any) -> np.ndarray:
    """Crowding distance of each point of one front (Deb et al. 2002, section III-B).

    The sum over objectives of the gap between each point's two neighbours, divided by that
    objective's range; the extreme points of every objective get ``inf``.

    Example:
        >>> crowding_distance([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0]]).tolist()
        [inf, 2.0, inf]
    """
    vals = np.asarray(values, dtype=float)
    n = len(vals)
    vals = vals.reshape(n, -1)
    out = np.zeros(n)
    if n <= 2:
        return np.full(n, math.inf)
    for j in range(vals.shape[1]):
        order = np.argsort(vals[:, j], kind="stable")
        col = vals[order, j]
        span = col[-1] - col[0]
        out[order[0]] = out[order[-1]] = math.inf
        if span > 0 and math.isfinite(span):
            out[order[1:-1]] += (col[2:] - col[:-2]) / span
    return out


def hypervolume(values: Any, ref: Any) -> float:
    """The volume that the points dominate and that dominates ``ref`` (all objectives minimised).

    Exact. Two and three objectives: vectorised sweeps (``_hv2``, ``_hv3``), which need no
    non-dominated filtering first. More: slicing along the last objective (Hypervolume by Slicing
    Objectives, While et al. 2006), fine for the few hundred points of a study. Points not strictly
    better than ``ref`` in every objective add nothing.

    Example:
        >>> hypervolume([[1.0, 1.0, 1.0]], [2.0, 2.0, 3.0])
        2.0
    """
    r = np.asarray(ref, dtype=float).ravel()
    vals = np.asarray(values, dtype=float).reshape(-1, len(r))
    vals = vals[np.all(vals < r, axis=1)]
    if len(vals) == 0:
        return 0.0
    if len(r) == 1:
        return float(r[0] - vals[:, 0].min())
    if len(r) == 2:
        return _hv2(vals, r)
    if len(r) == 3:
        return _hv3(vals, r)
    return _hv(vals[pareto_mask(vals)], r)


def _hv2(vals: np.ndarray, ref: np.ndarray) -> float:
    """Two objectives: along the first, between consecutive points, the height is ref − the lowest second so far."""
    order = np.lexsort((vals[:, 1], vals[:, 0]))
    x, y = vals[order, 0], np.minimum.accumulate(vals[order, 1])
    return float(np.sum(np.diff(np.append(x, ref[0])) * (ref[1] - y)))


def _hv3(vals: np.ndarray, ref: np.ndarray) -> float:
    """Three objectives: slices along the third, each slice's area by the two-objective sweep, all at once.

    Slice k holds the k + 1 points lowest in the third objective. Over the points sorted by the
    first objective, a running minimum of the second (with the points outside the slice at +inf)
    gives the slice's covered height between consecutive abscissae: an (n, n) array, no loop.
    """
    n = len(vals)
    by_z = np.argsort(vals[:, 2], kind="stable")
    by_x = np.lexsort((vals[:, 1], vals[:, 0]))
    z_rank = np.empty(n, dtype=int)
    z_rank[by_z] = np.arange(n)
    member = z_rank[by_x][None, :] <= np.arange(n)[:, None]  # (slice, point in x order)
    y = np.where(member, vals[by_x, 1][None, :], ref[1])
    height = ref[1] - np.minimum.accumulate(y, axis=1)
    width = np.diff(np.append(vals[by_x, 0], ref[0]))
    area = height @ width
    depth = np.diff(np.append(vals[by_z, 2], ref[2]))
    return float(area @ depth)


def _hv(vals: np.ndarray, ref: np.ndarray) -> float:
    """Four objectives or more: slices along the last objective, each the hypervolume of one objective fewer."""
    if vals.shape[1] == 3:
        return _hv3(vals, ref)
    vals = vals[np.argsort(vals[:, -1], kind="stable")]
    total = 0.0
    for i in range(len(vals)):
        top = vals[i + 1, -1] if i + 1 < len(vals) else ref[-1]
        depth = top - vals[i, -1]
        if depth > 0:
            sub = vals[: i + 1, :-1]
            total += depth * _hv(sub[pareto_mask(sub)], ref[:-1])
    return float(total)


def hypervolume_contributions(values: Any, ref: Any) -> np.ndarray:
    """Each point's exclusive contribution: the hypervolume lost if it alone were removed, ``(n,)``.

    A dominated point, or a copy of another point, contributes 0 (the others still cover its
    volume); so does a point not strictly better than ``ref`` in every objective. Two objectives: a
    sweep along the sorted front, the rectangle between each point and its two neighbours. More:
    the volume of the point's own box minus what the others cover of it, that is the hypervolume of
    the points ``max(other, point)`` (the inclusion-exclusion step of While et al. 2006).

    Example:
        >>> hypervolume_contributions([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]], [4.0, 4.0]).tolist()
        [1.0, 1.0, 1.0, 0.0]
    """
    r = np.asarray(ref, dtype=float).ravel()
    vals = np.asarray(values, dtype=float).reshape(-1, len(r))
    n = len(vals)
    out = np.zeros(n)
    inside = np.flatnonzero(np.all(vals < r, axis=1))
    if inside.size == 0:
        return out
    v = vals[inside]
    if len(r) == 2:
        keep = pareto_mask(v)
        idx = inside[keep]
        front = v[keep]
        order = np.lexsort((front[:, 1], front[:, 0]))
        front, idx = front[order], idx[order]
        # A copy of a front point is on the front too but leaves a zero-width rectangle.
        x_next = np.append(front[1:, 0], r[0])
        y_prev = np.insert(front[:-1, 1], 0, r[1])
        out[idx] = np.maximum(x_next - front[:, 0], 0.0) * np.maximum(y_prev - front[:, 1], 0.0)
        return out
    # Only a point of the front with no copy contributes; the others get an exact 0, not a rounding error.
    _, first, count = np.unique(v, axis=0, return_index=True, return_counts=True)
    single = np.zeros(len(v), dtype=bool)
    single[first[count == 1]] = True
    box = np.prod(r - v, axis=1)
    for k in np.flatnonzero(single & pareto_mask(v)):
        others = np.delete(v, k, axis=0)
        out[inside[k]] = box[k] - hypervolume(np.maximum(others, v[k]), r) if len(others) else box[k]
    return np.maximum(out, 0.0)


def greedy_hypervolume_subset(values: Any, k: int, ref: Any) -> np.ndarray:
    """Indices of ``k`` points chosen greedily for hypervolume, in the order chosen.

    Each step adds the point that adds the most hypervolume to those already chosen (a
    (1 − 1/e)-approximation of the best subset, since hypervolume is submodular; Guerreiro, Fonseca
    and Paquete 2016, "Greedy hypervolume subset selection in low dimensions"). Submodularity also
    means a point's gain can only shrink as the subset grows, so a gain computed at an earlier step
    bounds it above, and only the points whose stale bound still leads are recomputed ("lazy
    greedy", Minoux 1978). Ties, and points that add nothing, go by index.

    Example:
        >>> greedy_hypervolume_subset([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]], 2, [4.0, 4.0]).tolist()
        [1, 0]
    """
    r = np.asarray(ref, dtype=float).ravel()
    vals = np.asarray(values, dtype=float).reshape(-1, len(r))
    n = len(vals)
    k = min(max(int(k), 0), n)
    box = np.prod(np.clip(r - vals, 0.0, None), axis=1)
    gain = box.copy()  # upper bounds of each point's gain; exact where ``fresh``
    fresh = np.ones(n, dtype=bool)
    free = np.ones(n, dtype=bool)
    chosen: list[int] = []
    while len(chosen) < k:
        while True:
            i = int(np.argmax(np.where(free, gain, -np.inf)))
            if fresh[i]:
                break
            # What the chosen points already cover of i's box: their hypervolume clipped to it.
            covered = hypervolume(np.maximum(vals[chosen], vals[i]), r)
            gain[i], fresh[i] = max(box[i] - covered, 0.0), True
        chosen.append(i)
        free[i] = False
        fresh[:] = False
    return np.array(chosen, dtype=int)


def reference_point(values: Any) -> np.ndarray:
    """A reference point just worse than ``values`` (``(n, m)``): their worst plus a tenth of their range.

    Shifting or rescaling an objective shifts or rescales the point with it, so what it ranks does
    not depend on the objectives' units (a zero range gets a margin of 1e-12 times the value, or 1).

    Example:
        >>> reference_point([[0.0, 10.0], [1.0, 30.0]]).tolist()
        [1.1, 32.0]
        >>> reference_point([[-2.0, 5.0], [0.0, 5.0]]).tolist()  # a worst value of 0; a zero range
        [0.2, 5.000000000005]
    """
    vals = np.asarray(values, dtype=float)
    vals = vals.reshape(len(vals), -1)
    hi, lo = vals.max(axis=0), vals.min(axis=0)
    # The floor is for a zero range only: an objective whose worst value is 0 keeps its tenth of the range.
    tiny = np.where(hi != 0, 1e-12 * np.abs(hi), np.where(hi > lo, 0.0, 1.0))
    return hi + np.maximum(0.1 * (hi - lo), tiny)


def selection_order(values: Any, n_top: int, penalty: Any = None) -> np.ndarray:
    """Indices of the points, best first, so that the first ``n_top`` are the best subset of that size.

    Whole fronts first (``non_dominated_ranks``: with ``penalty``, the feasible ones, then the
    infeasible ones by violation); the front that does not fit whole is cut by greedy hypervolume
    subset selection (``greedy_hypervolume_subset``, with ``reference_point`` of that front), so
    the chosen points spread along it rather than bunching where they are dense. That is MOTPE's
    split (Ozaki et al. 2022, "Multiobjective tree-structured Parzen estimator", section 3.2), also
    Optuna's. Otherwise (an infeasible front, or one with a point that is not finite), and after
    ``n_top``, points of a front keep their index order, so a caller's order (trial number) decides.

    Example:
        >>> pts = [[3.0, 3.0], [1.0, 4.0], [2.0, 2.0], [4.0, 1.0], [1.9, 2.1]]
        >>> selection_order(pts, 3).tolist()  # fronts {1, 2, 3, 4} then {0}; the 3 that spread most
        [2, 1, 3, 4, 0]
    """
    vals = np.asarray(values, dtype=float)
    n = len(vals)
    vals = vals.reshape(n, -1)
    ranks = non_dominated_ranks(vals, penalty)
    order = np.argsort(ranks, kind="stable")
    n_top = int(n_top)
    if not 0 < n_top < n:
        return order
    r = ranks[order[n_top - 1]]
    members = np.flatnonzero(ranks == r)
    before = int((ranks < r).sum())
    pen = np.zeros(n) if penalty is None else np.asarray(penalty, dtype=float).reshape(n)
    front = vals[members]
    if before + len(members) == n_top or np.any(pen[members] > 0) or not np.isfinite(front).all():
        return order
    pick = greedy_hypervolume_subset(front, n_top - before, reference_point(front))
    rest = np.setdiff1d(np.arange(len(members)), pick)  # sorted: index order
    return np.concatenate([order[:before], members[pick], members[rest], order[before + len(members) :]])
