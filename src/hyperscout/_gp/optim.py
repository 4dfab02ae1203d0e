"""Maximise an acquisition function over mixed inputs.

Notation: d dims; ``kinds`` (d,) as in ``kernel.py``; ``n_choices`` (d,) the number of categories of
each categorical dim (0 for numeric dims); ``snap`` maps points (m, d) to the nearest valid encoded
points (integers and steps rounded, categories as indices).

1. Score many candidates: a scrambled Sobol design over the numeric dims (random categories), plus
   perturbations of the best points observed so far (local exploitation).
2. Refine the best few with L-BFGS-B over the numeric dims (categories fixed), using the analytic
   gradient of the acquisition, then snap to valid values.
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


def candidates(
    rng: np.random.Generator, n: int, kinds: np.ndarray, n_choices: np.ndarray, centres: np.ndarray, scale: float
) -> np.ndarray:
    d = len(kinds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sob = qmc.Sobol(d, scramble=True, seed=rng).random(n)
    cat = kinds == CATEGORICAL
    sob[:, cat] = np.floor(sob[:, cat] * n_choices[cat])
    if len(centres) == 0:
        return sob
    per = max(1, n // (2 * len(centres)))
    local = np.repeat(centres, per, axis=0)
    noise = rng.normal(0.0, scale, size=local.shape)
    local = np.where(cat, local, np.clip(local + noise, 0.0, 1.0))
    flip = (rng.random(local.shape) < 1.0 / max(d, 1)) & cat
    random_cat = np.floor(rng.random(local.shape) * np.maximum(n_choices, 1))
    local = np.where(flip, random_cat, local)
    return np.vstack([sob, local])


def maximize(
    acq: Batch,
    acq_grad: WithGrad,
    kinds: np.ndarray,
    n_choices: np.ndarray,
    snap: Batch,
    rng: np.random.Generator,
    centres: np.ndarray,
    n_candidates: int = 1024,
    n_starts: int = 4,
) -> np.ndarray:
    """The best point found, shape (d,)."""
    C = snap(candidates(rng, n_candidates, kinds, n_choices, centres, scale=0.05))
    vals = acq(C)
    vals = np.where(np.isfinite(vals), vals, -np.inf)
    order = np.argsort(-vals)
    starts: list[np.ndarray] = []
    for i in order:
        if len(starts) == n_starts:
            break
        if not any(np.array_equal(C[i], s) for s in starts):
            starts.append(C[i])
    numeric = kinds != CATEGORICAL
    best_x, best_v = C[order[0]], float(vals[order[0]])
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
        v = acq(trial)
        k = int(np.argmax(v))
        if v[k] > best_v:
            best_x, best_v = trial[k], float(v[k])
    return best_x
