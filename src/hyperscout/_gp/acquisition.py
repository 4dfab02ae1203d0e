"""Acquisition functions over the posterior (larger is better), as functions of (μ, σ).

Notation: μ, σ (m,) posterior mean and standard deviation of f; f* the best observed value
(standardised, larger is better); z = (μ − f* − ξ) / σ; φ, Φ the standard normal pdf and cdf.

* Expected improvement: EI = E[max(f − f* − ξ, 0)] = σ h(z), h(z) = φ(z) + z Φ(z).
  It underflows to 0 far from the incumbent, which leaves a gradient-based optimiser no slope,
  so we maximise log EI = log σ + log h(z), with log h computed stably (Ament et al. 2023,
  "Unexpected improvements to expected improvement", eq. 9):

      log h(z) = log(φ(z) + z Φ(z))                                          for z > −1
      log h(z) = −z²/2 − ½ log 2π + log1mexp(log(erfcx(−z/√2) |z|) + ½ log(π/2))   otherwise

  and d log h / dz = Φ(z) / h(z) = exp(log Φ(z) − log h(z)).
* Upper confidence bound: UCB = μ + κ σ.
* Probability of improvement, in log form: log PI = log Φ(z).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import erfcx, log_ndtr

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)
_HALF_LOG_PI_2 = 0.5 * np.log(np.pi / 2)

ArrayOrFloat = float | np.ndarray
Grad = tuple[Any, Any, Any]  # (value, d/dμ, d/dσ): floats for float inputs, arrays for array inputs


def _out(a: Any) -> Any:
    """A 0-d result as a Python float (one point), an array as it is (many points)."""
    return float(a) if np.ndim(a) == 0 else a


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 − exp(x)) for x < 0, accurate at both ends (Mächler 2012)."""
    return np.where(x > -np.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_h(z: np.ndarray) -> np.ndarray:
    """log(φ(z) + z Φ(z)), finite for every finite z."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    big = z > -1.0
    zb = z[big]
    out[big] = np.log(np.exp(-0.5 * zb**2 - _HALF_LOG_2PI) + zb * np.exp(log_ndtr(zb)))
    zs = z[~big]
    inner = np.log(erfcx(-zs / np.sqrt(2.0)) * np.abs(zs)) + _HALF_LOG_PI_2
    out[~big] = -0.5 * zs**2 - _HALF_LOG_2PI + _log1mexp(np.minimum(inner, -1e-300))
    return out


def log_ei(mean: np.ndarray, std: np.ndarray, best: float, xi: float = 0.0) -> np.ndarray:
    z = (mean - best - xi) / std
    return np.log(std) + log_h(z)


def log_ei_grad(mean: ArrayOrFloat, std: ArrayOrFloat, best: float, xi: float = 0.0) -> Grad:
    """log EI and its partial derivatives with respect to μ and σ (scalars or arrays of one shape)."""
    z = (np.asarray(mean, dtype=float) - best - xi) / std
    lh = log_h(np.atleast_1d(z)).reshape(np.shape(z))
    ratio = np.exp(log_ndtr(z) - lh)  # Φ(z) / h(z)
    # d/dμ = ratio / σ;  d/dσ = 1/σ + ratio · (−z/σ)
    return _out(np.log(std) + lh), _out(ratio / std), _out((1.0 - ratio * z) / std)


def ucb(mean: np.ndarray, std: np.ndarray, kappa: float) -> np.ndarray:
    return mean + kappa * std


def log_pi(mean: np.ndarray, std: np.ndarray, best: float, xi: float = 0.0) -> np.ndarray:
    return log_ndtr((mean - best - xi) / std)


def log_pi_grad(mean: ArrayOrFloat, std: ArrayOrFloat, best: float, xi: float = 0.0) -> Grad:
    z = (np.asarray(mean, dtype=float) - best - xi) / std
    lp = log_ndtr(z)
    # d log Φ(z)/dz = φ(z)/Φ(z)
    r = np.exp(-0.5 * z * z - _HALF_LOG_2PI - lp)
    return _out(lp), _out(r / std), _out(-r * z / std)


def evaluate(kind: str, mean: np.ndarray, std: np.ndarray, best: float, xi: float, kappa: float) -> np.ndarray:
    """The acquisition ``kind`` ("ei", "ucb" or "pi") at many points."""
    if kind == "ei":
        return log_ei(mean, std, best, xi)
    if kind == "ucb":
        return ucb(mean, std, kappa)
    if kind == "pi":
        return log_pi(mean, std, best, xi)
    raise ValueError(f"unknown acquisition {kind!r}; use 'ei', 'ucb' or 'pi'")


def evaluate_grad(kind: str, mean: ArrayOrFloat, std: ArrayOrFloat, best: float, xi: float, kappa: float) -> Grad:
    """The acquisition and its derivatives with respect to μ and σ, at one point (floats) or many (arrays)."""
    if kind == "ei":
        return log_ei_grad(mean, std, best, xi)
    if kind == "ucb":
        ones = np.ones_like(np.asarray(mean, dtype=float))
        return _out(mean + kappa * np.asarray(std)), _out(ones), _out(kappa * ones)
    if kind == "pi":
        return log_pi_grad(mean, std, best, xi)
    raise ValueError(f"unknown acquisition {kind!r}; use 'ei', 'ucb' or 'pi'")
