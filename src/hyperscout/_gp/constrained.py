"""Constraints as GPs: the log probability that a point is feasible, and the data the constraint GPs fit.

A constrained study records K constraint values with each trial, feasible when all are <= 0
(Optuna's convention). Each constraint gets its own GP, fitted to its values standardised; the
threshold 0 is standardised with them. The constraints are taken as independent, so

    log P(feasible at x) = Σ_k log Φ((t_k − μ_k(x)) / σ_k(x))

(Gardner et al. 2014, "Bayesian optimization with inequality constraints", eq. 5; Gelbart et al.
2014). The constrained acquisition adds it to log EI or log EHVI: the log of EI × P(feasible). While
no trial is feasible yet, it is the whole acquisition: find the feasible region first.

Notation: n trials, K constraints, m candidates; ``C`` (n, K) constraint values; μ, σ (m, K) the
constraint GPs' posterior mean and standard deviation in the standardised scale; t (K,) thresholds.

Example:
    >>> import numpy as np
    >>> Z, t = standardize_constraints(np.array([[1.0], [3.0]]))
    >>> Z.ravel().tolist(), t.tolist()
    ([-1.0, 1.0], [-2.0])
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)

__all__ = ["log_feasibility", "log_feasibility_grad", "standardize_constraints"]


def standardize_constraints(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column of ``C`` (n, K) standardised, and where 0 falls in each new scale (K,).

    A constant column is shifted only (its scale taken as 1).
    """
    C = np.asarray(C, dtype=float)
    mean = C.mean(axis=0)
    sd = C.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (C - mean) / sd, -mean / sd


def log_feasibility(mean: np.ndarray, std: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """log P(every constraint <= its threshold) at m points (m,), the constraints independent."""
    return np.sum(log_ndtr((thresholds - mean) / std), axis=1)


def log_feasibility_grad(
    mean: np.ndarray, std: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log_feasibility`` (m,) and its derivatives with respect to μ and σ, (m, K) each.

    With z = (t − μ)/σ: d log Φ(z)/dz = φ(z)/Φ(z), dz/dμ = −1/σ, dz/dσ = −z/σ.

    Example:
        >>> v, dm, ds = log_feasibility_grad(np.array([[0.0]]), np.array([[1.0]]), np.array([0.0]))
        >>> round(float(np.exp(v[0])), 3), round(float(dm[0, 0]), 3), float(ds[0, 0])
        (0.5, -0.798, -0.0)
    """
    z = (thresholds - mean) / std
    lc = log_ndtr(z)
    r = np.exp(-0.5 * z * z - _HALF_LOG_2PI - lc)  # φ(z)/Φ(z), finite: log_ndtr is accurate far into the tail
    return np.sum(lc, axis=1), -r / std, -r * z / std
