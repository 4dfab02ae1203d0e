"""Maximise an acquisition function over mixed inputs.

Notation: d dims; ``kinds`` (d,) as in ``kernel.py``; ``n_choices`` (d,) the number of categories of
each categorical dim (0 for numeric dims); ``snap`` maps points (m, d) to the nearest valid encoded
points (integers and steps rounded, categories as indices).

1. Score many candidates: a scrambled Sobol design over the numeric dims (random categories), and
   perturbations of the best points observed so far (local exploitation).
2. Refine about ten of them with L-BFGS-B over the numeric dims (categories fixed), using the
   analytic gradient of the acquisition, then snap to valid values. The starts mix the best
   candidates with global ones drawn by roulette, so a second basin gets its chance.
3. Try every other category of each categorical dim at the winner (one coordinate pass).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from .kernel import CATEGORICAL

Batch = Callable[[np.ndarray], np.ndarray]  # (m, d) -> (m,)
WithGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]  # (d,) -> (value, gradient (d,))


def _sobol(rng: np.random.Generator, n: int, kinds: np.ndarray, n_choices: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sob = qmc.Sobol(len(kinds), scramble=True, seed=rng).random(n)
    cat = kinds == CATEGORICAL
    sob[:, cat] = np.floor(sob[:, cat] * n_choices[cat])
    return sob


def _local(
    rng: np.random.Generator, n: int, kinds: np.ndarray, n_choices: np.ndarray, centres: np.ndarray, scale: float
) -> np.ndarray:
    """Gaussian perturbations of ``centres`` (numeric dims), with random category flips."""
    d = len(kinds)
    cat = kinds == CATEGORICAL
    per = max(1, n // max(len(centres), 1))
    local = np.repeat(centres, per, axis=0)
    local = np.where(cat, local, np.clip(local + rng.normal(0.0, scale, size=local.shape), 0.0, 1.0))
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


def maximize(
    acq: Batch,
    acq_grad: WithGrad,
    kinds: np.ndarray,
    n_choices: np.ndarray,
    snap: Batch,
    rng: np.random.Generator,
    centres: np.ndarray,
    n_candidates: int = 2048,
) -> np.ndarray:
    """The best point found, shape (d,).

    Starts for the gradient refinement: the best two local candidates, the best three global (Sobol)
    ones, and five global ones drawn by roulette on the acquisition value.
    """
    G = snap(_sobol(rng, n_candidates, kinds, n_choices))
    g_vals = acq(G)
    g_vals = np.where(np.isfinite(g_vals), g_vals, -np.inf)
    starts = [G[i] for i in _starts(G, g_vals, 3, 5, rng)]
    best_x: np.ndarray = G[int(np.argmax(g_vals))]
    best_v = float(np.max(g_vals))
    if len(centres):
        L = snap(_local(rng, n_candidates // 2, kinds, n_choices, centres, scale=0.05))
        l_vals = acq(L)
        l_vals = np.where(np.isfinite(l_vals), l_vals, -np.inf)
        starts += [L[i] for i in _starts(L, l_vals, 2, 0, rng)]
        if np.max(l_vals) > best_v:
            best_x, best_v = L[int(np.argmax(l_vals))], float(np.max(l_vals))
    numeric = kinds != CATEGORICAL
    if numeric.any():
        for x0 in starts:

            def f(z: np.ndarray, x0: np.ndarray = x0) -> tuple[float, np.ndarray]:
                x = x0.copy()
                x[numeric] = z
                v, g = acq_grad(x)
                return -v, -g[numeric]

            try:
                res = minimize(f, x0[numeric], jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * int(numeric.sum()),
                               options={"maxiter": 100})  # fmt: skip
            except (ValueError, np.linalg.LinAlgError, FloatingPointError):
                continue
            x = x0.copy()
            x[numeric] = res.x
            x = snap(x[None, :])[0]
            v = float(acq(x[None, :])[0])
            if np.isfinite(v) and v > best_v:
                best_x, best_v = x, v
    for j in np.flatnonzero(~numeric):
        trial = np.repeat(best_x[None, :], int(n_choices[j]), axis=0)
        trial[:, j] = np.arange(n_choices[j])
        scores = acq(trial)
        k = int(np.argmax(scores))
        if scores[k] > best_v:
            best_x, best_v = trial[k], float(scores[k])
    return best_x
