"""Which parameters matter: functional ANOVA on a random-forest surrogate, or permutation.

Both evaluators fit a scikit-learn random forest to the complete trials (parameters encoded in the
unit interval by the samplers' own encoding, ``samplers/_encoding.py``) and ask how much of the
forest's variation over the search space each parameter explains on its own.

* ``"fanova"`` (the default): the functional ANOVA decomposition of every tree, computed exactly
  over the tree's partition of the space (Hutter, Hoos and Leyton-Brown 2014). The importance of a
  parameter is the variance of its main effect, as a fraction of the tree's total variance,
  averaged over the trees. See ``docs/visualization.md`` for the maths as implemented.
* ``"permutation"``: how much the forest's predictions at the trials move when one parameter's
  column is shuffled; half the mean squared change is that parameter's main-effect variance when
  the surrogate is additive. It estimates at the trials what fANOVA integrates over the space, and
  by default fits a smaller forest (16 trees rather than 64): faster, a little noisier.

The result maps each parameter to its share of variance, largest first; with the same ``seed`` it
is the same on every run.

Notation:

=======  ==========  ===============================================================================
name     shape       meaning
=======  ==========  ===============================================================================
n                    trials used (complete, finite value, every parameter present)
d                    parameters
X        (n, d)      ``Distribution.to_unit`` of each value: a point of the unit cube
y        (n,)        objective values (or ``target(trial)``)
L                    leaves of one tree; ``lo, hi (L, d)`` their bounds, cells ``(lo, hi]``
m        (L, d)      measure of a leaf's side along each axis under the axis' prior
=======  ==========  ===============================================================================

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.importance import get_param_importances
    >>> study = hs.create_study(sampler="random", seed=0)
    >>> def objective(trial):
    ...     return trial.suggest_float("x", -1, 1) ** 2 + 0.01 * trial.suggest_float("noise", 0, 1)
    >>> study.optimize(objective, n_trials=30, show_progress_bar=False)
    >>> shares = get_param_importances(study, n_trees=16, seed=0)
    >>> list(shares)[0], round(sum(shares.values()), 6)
    ('x', 1.0)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .samplers._encoding import SpaceEncoding
from .space import Distribution
from .study import Study
from .trial import FrozenTrial, TrialState

__all__ = ["get_param_importances", "importance_data", "fanova_importances", "permutation_importances", "EVALUATORS"]

#: The names ``get_param_importances(evaluator=...)`` accepts.
EVALUATORS = ("fanova", "permutation")

_EXTRA = "parameter importance needs scikit-learn, an optional extra (hyperscout[sklearn]): pip install scikit-learn"
#: Discrete axes with more values than this are measured as continuous (the difference is then negligible).
_MAX_DISCRETE = 256


def get_param_importances(
    study: Study,
    *,
    evaluator: str = "fanova",
    params: Sequence[str] | None = None,
    target: Callable[[FrozenTrial], float] | None = None,
    seed: int = 0,
    n_trees: int | None = None,
    max_depth: int = 64,
    normalize: bool = True,
) -> dict[str, float]:
    """The share of the objective's variance each parameter explains, largest first.

    Args:
        study: the study whose complete trials are analysed.
        evaluator: ``"fanova"`` (functional ANOVA over the forest's trees) or ``"permutation"``.
        params: the parameters to rank (default: those every complete trial has). Trials missing
            one of them are left out.
        target: what to explain instead of the objective value; required for a study with several
            objectives, e.g. ``lambda t: t.values[1]``.
        seed: seeds the forest (and the permutations): the same seed gives the same answer.
        n_trees: trees in the random forest (default 64 for fANOVA, 16 for permutation).
        max_depth: depth limit of each tree.
        normalize: with ``True`` the shares sum to 1 (0 for every parameter when the objective is
            constant); with ``False`` each is the raw fraction of the total variance, and what the
            fractions leave out of 1 is the share of interactions between parameters.

    Returns:
        ``{parameter: share}``, sorted by decreasing share.

    Raises:
        ValueError: for an unknown evaluator or parameter, fewer than two usable trials, or a
            study with several objectives and no ``target``.
        ImportError: when scikit-learn is not installed.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(sampler="random", seed=1)
        >>> study.optimize(lambda t: t.suggest_int("a", 0, 9) + 0 * t.suggest_float("b", 0, 1), n_trials=20,
        ...                show_progress_bar=False)
        >>> max(get_param_importances(study, evaluator="permutation", n_trees=8).items(), key=lambda kv: kv[1])[0]
        'a'
    """
    if evaluator not in EVALUATORS:
        raise ValueError(f"evaluator must be one of {list(EVALUATORS)}, got {evaluator!r}")
    names, dists, X, y = importance_data(study, params=params, target=target)
    if len(y) < 2:
        raise ValueError(f"parameter importance needs at least 2 complete trials with {names}, got {len(y)}")
    if not names:
        return {}
    trees = n_trees if n_trees is not None else (64 if evaluator == "fanova" else 16)
    if evaluator == "fanova":
        raw = fanova_importances(X, y, dists, seed=seed, n_trees=trees, max_depth=max_depth)
    else:
        raw = permutation_importances(X, y, seed=seed, n_trees=trees, max_depth=max_depth)
    total = float(raw.sum())
    shares = raw / total if normalize and total > 0 else raw
    pairs = sorted(zip(names, (float(s) for s in shares), strict=True), key=lambda kv: (-kv[1], kv[0]))
    return dict(pairs)


def importance_data(
    study: Study,
    *,
    params: Sequence[str] | None = None,
    target: Callable[[FrozenTrial], float] | None = None,
) -> tuple[list[str], list[Distribution], np.ndarray, np.ndarray]:
    """The parameter names, their distributions, ``X (n, d)`` and ``y (n,)`` that importance is computed on.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study()
        >>> for x in (0.0, 1.0):
        ...     _ = study.tell(study.ask({"x": hs.Float(0, 2)}), x)
        >>> names, dists, X, y = importance_data(study)
        >>> names, X.shape, y.tolist()
        (['x'], (2, 1), [0.0, 1.0])
    """
    if target is None and len(study.directions) != 1:
        raise ValueError(
            f"study {study.study_name!r} has {len(study.directions)} objectives; pass target=, "
            "e.g. target=lambda t: t.values[0]"
        )
    scored: list[tuple[FrozenTrial, float]] = []
    for t in study.get_trials(deepcopy=False, states=[TrialState.COMPLETE]):
        v = float(target(t)) if target is not None else (t.values[0] if t.values else math.nan)
        if math.isfinite(v):
            scored.append((t, v))
    # The latest trial's distribution wins when a parameter's range changed during the study.
    latest: dict[str, Distribution] = {}
    for t, _ in scored:
        latest.update(t.distributions)
    if params is None:
        names = sorted(k for k in latest if all(k in t.params for t, _ in scored))
    else:
        names = [str(p) for p in params]
        unknown = [p for p in names if p not in latest]
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; the complete trials have {sorted(latest)}")
    enc = SpaceEncoding({k: latest[k] for k in names})
    rows = np.array([enc.encode(t.params) for t, _ in scored], dtype=float).reshape(len(scored), enc.d)
    # A trial without a valid value of every parameter (inactive, or off the latest range) is left out.
    usable = ~np.isnan(rows).any(axis=1)
    columns = [enc.names.index(k) for k in names]  # a parameter named twice in ``params`` is two columns
    X = enc.unit_cube(rows[usable])[:, columns]
    y = np.array([v for (_, v), ok in zip(scored, usable, strict=True) if ok], dtype=float)
    return names, [latest[k] for k in names], X, y


def _forest(X: np.ndarray, y: np.ndarray, *, seed: int, n_trees: int, max_depth: int) -> Any:
    if isinstance(n_trees, bool) or not isinstance(n_trees, int) or n_trees < 1:
        raise ValueError(f"n_trees must be a positive int, got {n_trees!r}")
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1:
        raise ValueError(f"max_depth must be a positive int, got {max_depth!r}")
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError:
        raise ImportError(_EXTRA) from None
    forest = RandomForestRegressor(
        n_estimators=n_trees, max_depth=max_depth, min_samples_leaf=1, max_features=1.0, random_state=seed, n_jobs=1
    )
    return forest.fit(X, y)


# -- fANOVA ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _axis_measure(dist: Distribution) -> tuple[np.ndarray, np.ndarray] | None:
    """The prior along one unit-encoded axis, as ``(centres, cumulative probabilities)``; ``None``: uniform.

    The prior is what a uniform draw of the unit interval decodes to, as the random sampler draws:
    a continuous axis is uniform on ``[0, 1]``; a discrete one puts on each value the length of the
    part of ``[0, 1]`` that decodes to it (``1/k`` for a categorical of ``k`` choices, less for
    small integers on a log scale, ...), located at the value's encoding.
    """
    if dist.size is None or dist.size > _MAX_DISCRETE:
        return None
    grid = dist.grid()
    centres = np.array([dist.to_unit(g) for g in grid], dtype=float)
    # The boundary between two neighbouring values: where from_unit switches from one to the next.
    edges = [0.0]
    for ca, cb in zip(centres[:-1], centres[1:], strict=True):
        lo, hi = float(ca), float(cb)
        for _ in range(50):
            mid = (lo + hi) / 2
            back = dist.to_unit(dist.from_unit(mid))
            lo, hi = (mid, hi) if abs(back - ca) <= abs(back - cb) else (lo, mid)
        edges.append(hi)
    edges.append(1.0)
    probs = np.diff(np.array(edges))
    order = np.argsort(centres, kind="stable")
    return centres[order], np.cumsum(probs[order])


def _cdf(measure: tuple[np.ndarray, np.ndarray] | None, x: np.ndarray) -> np.ndarray:
    """The prior probability of the axis' values ``<= x``."""
    if measure is None:
        return np.clip(x, 0.0, 1.0)
    centres, cum = measure
    k = np.searchsorted(centres, x, side="right")
    return np.where(k > 0, cum[np.maximum(k - 1, 0)], 0.0)


def _tree_fractions(tree: Any, measures: Sequence[tuple[np.ndarray, np.ndarray] | None]) -> np.ndarray | None:
    """Main-effect variance of each parameter over total variance, for one fitted sklearn tree.

    ``None`` when the tree is constant (no variance to share out).
    """
    d = len(measures)
    left, right = tree.children_left, tree.children_right
    feature, threshold = tree.feature, tree.threshold
    n_nodes = tree.node_count
    lo = np.full((n_nodes, d), -np.inf)
    hi = np.full((n_nodes, d), np.inf)
    # Breadth first: a node's box is its parent's, cut at the parent's threshold (left: x <= t).
    frontier = np.array([0])
    while frontier.size:
        inner = frontier[left[frontier] >= 0]
        if not inner.size:
            break
        f, t = feature[inner], threshold[inner]
        kids_l, kids_r = left[inner], right[inner]
        lo[kids_l], hi[kids_l] = lo[inner], hi[inner]
        lo[kids_r], hi[kids_r] = lo[inner], hi[inner]
        hi[kids_l, f] = np.minimum(hi[inner, f], t)
        lo[kids_r, f] = np.maximum(lo[inner, f], t)
        frontier = np.concatenate([kids_l, kids_r])
    leaves = np.flatnonzero(left < 0)
    v = tree.value[leaves, 0, 0].astype(float)
    lo, hi = lo[leaves], hi[leaves]
    m = np.stack([_cdf(measures[j], hi[:, j]) - _cdf(measures[j], lo[:, j]) for j in range(d)], axis=1)
    vol = m.prod(axis=1)
    f0 = float(vol @ v)  # the mean of the tree over the space
    total = float(vol @ (v - f0) ** 2)
    if not total > 1e-12 * max(1.0, f0 * f0):
        return None
    out = np.zeros(d)
    for j in range(d):
        cuts = np.unique(threshold[(left >= 0) & (feature == j)])
        if not cuts.size:
            continue  # never split on: its main effect is constant
        bounds = np.concatenate([[-np.inf], cuts, [np.inf]])
        width = np.diff(_cdf(measures[j], bounds))
        # The marginal a_k on cell k of axis j: sum over the leaves spanning the cell of the
        # leaf value times the leaf's measure along the other axes (eq. 2 of Hutter et al. 2014,
        # with the integral over the other axes done leaf by leaf).
        other = np.prod(np.delete(m, j, axis=1), axis=1) if d > 1 else np.ones(len(leaves))
        k_lo = np.searchsorted(bounds, lo[:, j])
        k_hi = np.searchsorted(bounds, hi[:, j])
        diff = np.zeros(bounds.size)
        np.add.at(diff, k_lo, v * other)
        np.add.at(diff, k_hi, -v * other)
        marginal = np.cumsum(diff)[: width.size]
        out[j] = float(width @ (marginal - f0) ** 2)
    return out / total


def fanova_importances(
    X: np.ndarray,
    y: np.ndarray,
    distributions: Sequence[Distribution],
    *,
    seed: int = 0,
    n_trees: int = 64,
    max_depth: int = 64,
) -> np.ndarray:
    """The fraction of variance of each column's main effect, averaged over a random forest's trees.

    Args:
        X: ``(n, d)`` points of the unit cube (``Distribution.to_unit`` of each value).
        y: ``(n,)`` values.
        distributions: the ``d`` distributions the columns encode (they give each axis its prior).
        seed: seeds the forest.
        n_trees: trees in the forest.
        max_depth: depth limit of each tree.

    Returns:
        ``(d,)`` fractions in ``[0, 1]`` whose sum is at most 1 (the rest is interactions); zeros
        when every tree is constant.

    Example:
        >>> import numpy as np, hyperscout as hs
        >>> X = np.random.default_rng(0).random((40, 2))
        >>> f = fanova_importances(X, 10 * X[:, 0], [hs.Float(0, 1), hs.Float(0, 1)], n_trees=8)
        >>> bool(f[0] > 0.9 and f[1] < 0.05)
        True
    """
    X, y = _check_xy(X, y)
    if len(distributions) != X.shape[1]:
        raise ValueError(f"got {len(distributions)} distributions for {X.shape[1]} columns of X")
    forest = _forest(X, y, seed=seed, n_trees=n_trees, max_depth=max_depth)
    measures = [_axis_measure(d) for d in distributions]
    fractions = [f for est in forest.estimators_ if (f := _tree_fractions(est.tree_, measures)) is not None]
    if not fractions:
        return np.zeros(X.shape[1])
    return np.clip(np.mean(fractions, axis=0), 0.0, 1.0)


# -- permutation -----------------------------------------------------------------------------------


def permutation_importances(
    X: np.ndarray,
    y: np.ndarray,
    *,
    seed: int = 0,
    n_trees: int = 16,
    max_depth: int = 64,
    n_repeats: int = 2,
) -> np.ndarray:
    """Half the mean squared change of a forest's predictions when one column is shuffled, over their variance.

    For an additive surrogate ``f = f0 + sum_j f_j(x_j)``, ``E[(f(X) - f(X'))^2] / 2 = Var f_j``
    where ``X'`` is ``X`` with column ``j`` drawn anew from its empirical distribution: the same
    main-effect variance fANOVA measures, estimated at the trials instead of over the space.

    Example:
        >>> import numpy as np
        >>> X = np.random.default_rng(0).random((40, 2))
        >>> p = permutation_importances(X, 10 * X[:, 1], n_trees=8)
        >>> bool(p[1] > 10 * p[0])
        True
    """
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, int) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive int, got {n_repeats!r}")
    X, y = _check_xy(X, y)
    forest = _forest(X, y, seed=seed, n_trees=n_trees, max_depth=max_depth)
    base = forest.predict(X)
    variance = float(np.var(base))
    if not variance > 0:
        return np.zeros(X.shape[1])
    rng = np.random.default_rng([seed, 0x5EED])  # its own stream: independent of the forest's bootstraps
    out = np.zeros(X.shape[1])
    for j in range(X.shape[1]):
        shuffled = np.repeat(X[None, :, :], n_repeats, axis=0)
        for r in range(n_repeats):
            shuffled[r, :, j] = X[rng.permutation(len(X)), j]
        moved = forest.predict(shuffled.reshape(-1, X.shape[1])).reshape(n_repeats, -1) - base
        out[j] = float(np.mean(moved**2)) / 2 / variance
    return out


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"X must be (n, d) and y (n,), got shapes {X.shape} and {y.shape}")
    if len(y) < 2:
        raise ValueError(f"parameter importance needs at least 2 points, got {len(y)}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ValueError("X and y must be finite")
    return X, y
