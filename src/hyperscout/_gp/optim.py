"""Maximise an acquisition function over mixed inputs.

Notation: d dims; ``kinds`` (d,) as in ``kernel.py``; ``n_choices`` (d,) the number of categories of
each categorical dim (0 for numeric dims); ``snap`` maps points (m, d) to the nearest valid encoded
points (integers and steps rounded, categories as indices).

1. Score many candidates: a scrambled Sobol design over the numeric dims (random categories), and
   perturbations of the best points observed so far (local exploitation).
2. Refine about ten of them with L-BFGS-B over the numeric dims (categories fixed), using the
   analytic gradient of the acquisition, then snap to valid values. The starts mix the best
   candidates with global ones drawn by roulette, so a second basin gets its chance. A numeric
   dim the model finds nearly irrelevant (``flat_dims``) is not refined: it keeps its start's
   value, a uniform draw or a value near a good trial.
3. Take the best candidate that is not a point already evaluated (``taken``).
4. Try every other category of each categorical dim at the winner (one coordinate pass).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from .kernel import CATEGORICAL

_MAXITER = 40  # joint iterations of the batched refinement; see maximize()
#: A numeric dim whose fitted length-scale exceeds this (in units of its range) is not refined; see flat_dims().
FLAT_LENGTHSCALE = 2.0
Batch = Callable[[np.ndarray], np.ndarray]  # (m, d) -> (m,)
WithGrad = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]  # (k, d) -> (values (k,), gradients (k, d))


def _sobol(
    rng: np.random.Generator, n: int, kinds: np.ndarray, n_choices: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sob = qmc.Sobol(len(kinds), scramble=True, seed=rng).random(n)
    cat = kinds == CATEGORICAL
    sob = np.where(cat, sob, lo + sob * (hi - lo))
    sob[:, cat] = np.floor(sob[:, cat] * n_choices[cat])
    return sob


def _local(
    rng: np.random.Generator,
    n: int,
    kinds: np.ndarray,
    n_choices: np.ndarray,
    centres: np.ndarray,
    scale: float,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Gaussian perturbations of ``centres`` (numeric dims, reflected into [lo, hi]), with random category flips.

    Reflected, not clipped: clipping puts half the perturbations of a centre on a bound exactly on
    that bound, and a point on the bound, once good, then seeds candidates on the bound trial after
    trial; reflection keeps them spread on the inner side.
    """
    d = len(kinds)
    cat = kinds == CATEGORICAL
    per = max(1, n // max(len(centres), 1))
    local = np.repeat(centres, per, axis=0)
    moved = local + rng.normal(0.0, scale, size=local.shape)
    moved = np.where(moved < lo, 2 * lo - moved, moved)
    moved = np.where(moved > hi, 2 * hi - moved, moved)
    local = np.where(cat, local, np.clip(moved, lo, hi))  # the clip only for a step wider than the box
    flip = (rng.random(local.shape) < 1.0 / max(d, 1)) & cat
    return np.where(flip, np.floor(rng.random(local.shape) * np.maximum(n_choices, 1)), local)


def _starts(C: np.ndarray, vals: np.ndarray, k_top: int, k_roulette: int, rng: np.random.Generator) -> list[int]:
    """The ``k_top`` best rows plus ``k_roulette`` drawn with probability ∝ exp(value) among the rest.

    Drawing, not only ranking, keeps some starts away from the incumbent: the top candidates of a
    log-EI surface usually sit in one basin, and refining only them never visits another.
    """
    order = np.argsort(-vals)
    order = order[np.isfinite(vals[order])]
    chosen = [int(i) for i in order[:k_top]]
    rest = order[k_top:]
    if len(rest) and k_roulette:
        w = np.exp(vals[rest] - vals[rest].max())
        if w.sum() > 0:
            k = min(k_roulette, int(np.count_nonzero(w)))
            chosen += [int(i) for i in rng.choice(rest, size=k, replace=False, p=w / w.sum())]
    return chosen


def flat_dims(kinds: np.ndarray, lengthscales: np.ndarray) -> np.ndarray:
    """The numeric dims along which the model is nearly flat: length-scale above ``FLAT_LENGTHSCALE``, shape (d,).

    Along such a dim the posterior mean barely moves across the whole range (Matérn-5/2 correlation
    at least 0.83 from one end to the other at ℓ = 2), but the variance still grows towards the
    bounds, away from the data. The acquisition then keeps a tiny, steady slope outwards, and the
    gradient refinement rides it to the bound: trial after trial lands on the edges of the box, where
    hyperparameters usually switch a model off or saturate, and the interior of the dim is never
    tried (on the real-task suite's lasso, 27 of 30 model-based trials had a parameter within 1 %
    of an edge, against 2 for random search). Not refining such dims leaves them at their start's
    value, a uniform draw (a Sobol start) or the neighbourhood of a good trial (a local start), as
    the "dropout" strategy of Li et al. 2017 fills the dims it does not optimise.

    Example:
        >>> flat_dims(np.array([0, 0, 1]), np.array([0.3, 5.0, 9.0])).tolist()
        [False, True, False]
    """
    return (np.asarray(kinds) != CATEGORICAL) & (np.asarray(lengthscales, dtype=float) > FLAT_LENGTHSCALE)


def maximize(
    acq: Batch,
    acq_grad: WithGrad,
    kinds: np.ndarray,
    n_choices: np.ndarray,
    snap: Batch,
    rng: np.random.Generator,
    centres: np.ndarray,
    n_candidates: int = 2048,
    taken: np.ndarray | None = None,
    box: tuple[np.ndarray, np.ndarray] | None = None,
    frozen: np.ndarray | None = None,
) -> np.ndarray:
    """The best point found that is not in ``taken``, shape (d,).

    ``box = (lo, hi)``, each (d,): search only there along the numeric dims (a trust region);
    the whole unit cube by default.

    Starts for the gradient refinement: the best two local candidates, the best three global (Sobol)
    ones, and five global ones drawn by roulette on the acquisition value. All starts are refined in
    one L-BFGS-B run over their stacked coordinates, maximising the sum of their acquisition values:
    the sum separates, so each block follows its own ascent, and one batched call per step replaces
    one call per start (as BoTorch's ``gen_candidates_scipy`` does).

    ``frozen`` (d,) bool: numeric dims left out of the refinement, each start keeping its value
    there (``flat_dims``); every numeric dim is refined by default.

    ``taken`` (k, d): encoded points already evaluated or running. A deterministic objective gives
    nothing new at such a point, yet after rounding an integer, a step or a category (or clipping to
    a bound) the acquisition's maximiser often lands on one. The best candidate outside ``taken`` is
    returned; only when every candidate seen is taken (a small space, all visited) is a taken one.
    """
    is_taken = _membership(taken)
    d = len(kinds)
    lo, hi = box if box is not None else (np.zeros(d), np.ones(d))
    G = snap(_sobol(rng, n_candidates, kinds, n_choices, lo, hi))
    g_vals = _finite(acq(G))
    starts = [G[i] for i in _starts(G, g_vals, 3, 5, rng)]
    pool, pool_vals = [G], [g_vals]
    if len(centres):
        L = snap(_local(rng, n_candidates // 2, kinds, n_choices, centres, 0.05, lo, hi))
        l_vals = _finite(acq(L))
        starts += [L[i] for i in _starts(L, l_vals, 2, 0, rng)]
        pool.append(L)
        pool_vals.append(l_vals)
    numeric = kinds != CATEGORICAL
    if numeric.any() and starts:
        S = np.array(starts)
        free = numeric & ~frozen if frozen is not None else numeric
        R = _refine(acq_grad, S, free, lo, hi) if free.any() else S
        R = snap(R)
        pool.append(R)
        pool_vals.append(_finite(acq(R)))
    C, vals = np.vstack(pool), np.concatenate(pool_vals)
    best_x, best_v = _best_untaken(C, vals, is_taken)
    for j in np.flatnonzero(~numeric):
        trial = np.repeat(best_x[None, :], int(n_choices[j]), axis=0)
        trial[:, j] = np.arange(n_choices[j])
        scores = _finite(acq(trial))
        scores[[bool(is_taken(row)) for row in trial]] = -np.inf
        k = int(np.argmax(scores))
        if scores[k] > best_v:
            best_x, best_v = trial[k], float(scores[k])
    return best_x


def _finite(v: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(v), v, -np.inf)


def _refine(acq_grad: WithGrad, S: np.ndarray, numeric: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """L-BFGS-B from every row of ``S`` at once, over the numeric dims in [lo, hi]; the refined rows (k, d)."""
    k, dn = len(S), int(numeric.sum())

    def f(z: np.ndarray) -> tuple[float, np.ndarray]:
        X = S.copy()
        X[:, numeric] = z.reshape(k, dn)
        v, g = acq_grad(X)
        v = np.where(np.isfinite(v), v, -1e300)
        return -float(np.sum(v)), -np.nan_to_num(g[:, numeric]).ravel()

    out = S.copy()
    try:
        bounds = list(zip(np.tile(lo[numeric], k), np.tile(hi[numeric], k), strict=True))
        x0 = np.clip(S[:, numeric], lo[numeric], hi[numeric]).ravel()
        res = minimize(f, x0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": _MAXITER})
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return out
    out[:, numeric] = np.clip(res.x.reshape(k, dn), lo[numeric], hi[numeric])
    return out


def is_row_of(x: np.ndarray, rows: np.ndarray) -> bool:
    """Whether ``x`` equals a row of ``rows`` (to 1e-9)."""
    return _membership(rows)(x)


def _membership(taken: np.ndarray | None) -> Callable[[np.ndarray], bool]:
    """A test of whether an encoded point equals one of ``taken`` (to 1e-9; inactive NaNs never match)."""
    if taken is None or len(taken) == 0:
        return lambda row: False
    T = np.asarray(taken, dtype=float)

    def is_taken(row: np.ndarray) -> bool:
        return bool(np.any(np.all(np.abs(T - row) <= 1e-9, axis=1)))

    return is_taken


def _best_untaken(C: np.ndarray, vals: np.ndarray, is_taken: Callable[[np.ndarray], bool]) -> tuple[np.ndarray, float]:
    order = np.argsort(-vals, kind="stable")
    for i in order:
        if not is_taken(C[i]):
            return C[i], float(vals[i])
    return C[order[0]], float(vals[order[0]])
