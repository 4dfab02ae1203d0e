"""Parzen estimators for TPE: pure functions over arrays in the unit cube; nothing here knows studies.

A Parzen estimator is a weighted mixture of product kernels, one component per observation plus one
wide *prior* component, so that p(x) > 0 everywhere and an estimator of no observation is the prior.

Notation (shapes):

=============  ===========  ================================================================
symbol         shape        meaning
=============  ===========  ================================================================
n              -            number of observations
K              -            number of mixture components (n + 1: the observations, the prior)
m              -            number of query points
dn, dc         -            number of numeric and of categorical dimensions
X              (n, dn)      numeric observations in [0, 1]
C              (n, dc)      categorical observations, as category indices
w              (K,)         component weights, summing to 1 (the prior last)
mu             (K, dn)      kernel centres; the prior's is 0.5
sigma          (K, dn)      kernel bandwidths; the prior's is 1 (the width of the cube)
P_j            (K, k_j)     categorical kernel j: a distribution over its k_j categories
edges_j        (b_j + 1,)   bin edges of a discrete numeric dimension j, or None if continuous
=============  ===========  ================================================================

Numeric kernels are normal densities truncated to [0, 1]. A discrete dimension (an integer, a
float with a step) is scored by the kernel's probability *mass* over the bin of each value, not the
density at its centre: a kernel narrower than a bin would otherwise make a value look infinitely
likely (the same choice as Optuna's TPE).

Each kernel's bandwidth along a dimension is the larger gap to its neighbours along it (times
``bandwidth``), so kernels are narrow where good points cluster and wide where they are sparse
(Bergstra et al. 2011's adaptive Parzen estimator, applied per dimension of a joint kernel as in
Optuna's multivariate TPE). It is clipped below at 1 / min(100, n + 2), the "magic clip" that
keeps a kernel from collapsing onto one point, and above at 1. A categorical kernel puts 1 − ε on
its observed category and spreads ε uniformly (ε = 1 / (n + 1), shrinking as evidence grows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import log_ndtr, ndtr, ndtri

__all__ = ["ParzenEstimator", "fit", "split_weights", "default_gamma", "default_weights"]

_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


@dataclass(frozen=True)
class ParzenEstimator:
    """A fitted mixture (see the module notation); build it with ``fit``."""

    w: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    P: tuple[np.ndarray, ...]
    edges: tuple[np.ndarray | None, ...]

    def sample(self, rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
        """``m`` draws: numeric (m, dn) in [0, 1] (discrete ones at their bin's centre), categorical (m, dc)."""
        k = rng.choice(len(self.w), size=m, p=self.w)
        mu, sigma = self.mu[k], self.sigma[k]
        # Inverse-cdf sampling of the truncated normal; [0, 1] always holds the centre (centres are
        # observations or 0.5), so Φ(a) ≤ ½ ≤ Φ(b) and the difference never loses precision.
        lo, hi = ndtr((0.0 - mu) / sigma), ndtr((1.0 - mu) / sigma)
        u = lo + rng.random(mu.shape) * (hi - lo)
        x = np.clip(mu + sigma * ndtri(np.clip(u, 1e-300, 1 - 1e-16)), 0.0, 1.0)
        for j, e in enumerate(self.edges):
            if e is not None:
                b = np.clip(np.searchsorted(e, x[:, j], side="right") - 1, 0, len(e) - 2)
                x[:, j] = 0.5 * (e[b] + e[b + 1])
        c = np.empty((m, len(self.P)), dtype=np.int64)
        for j, P in enumerate(self.P):
            cum = np.cumsum(P[k], axis=1)
            c[:, j] = np.minimum((rng.random((m, 1)) > cum).sum(axis=1), P.shape[1] - 1)
        return x, c

    def log_pdf(self, x: np.ndarray, c: np.ndarray) -> np.ndarray:
        """log p at each of ``m`` points: (m,) from numeric (m, dn) and categorical (m, dc)."""
        log_const, cont, inv_var, mu_inv_var, mu2_inv_var = self._parts
        total = np.broadcast_to(log_const, (len(x), len(log_const))).copy()  # (m, K)
        if cont.any():
            # Σ_j (x_j − μ_kj)² / σ_kj² over the continuous dims, expanded into two (m, nc) × (nc, K)
            # products: no (m, K, dn) array. Bandwidths are ≥ 1/100, so the expansion loses < 1e-11.
            xc = x[:, cont]
            q = (xc * xc) @ inv_var.T - 2.0 * (xc @ mu_inv_var.T) + mu2_inv_var
            total -= 0.5 * np.maximum(q, 0.0)
        for j, e in enumerate(self.edges):
            if e is not None:  # the kernel's mass over the value's bin; its normaliser is in log_const
                bj = np.clip(np.searchsorted(e, x[:, j], side="right") - 1, 0, len(e) - 2)
                mu, sigma = self.mu[None, :, j], self.sigma[None, :, j]
                total += _log_mass((e[bj][:, None] - mu) / sigma, (e[bj + 1][:, None] - mu) / sigma)
        for j, P in enumerate(self.P):
            total += np.log(P[:, c[:, j]]).T
        top = total.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(total - top).sum(axis=1, keepdims=True)))[:, 0]

    @cached_property
    def _parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What ``log_pdf`` needs of the components alone, computed once per estimator.

        log w_k minus the log-normalisers of its kernels (K,); the mask of continuous dims (dn,);
        1/σ² (K, nc), μ/σ² (K, nc) and Σ_j μ²/σ² (K,) over the continuous dims.
        """
        mu, sigma = self.mu, self.sigma
        cont = np.array([e is None for e in self.edges], dtype=bool)
        # The truncation's normaliser Φ(b) − Φ(a), (K, dn): centres lie in [0, 1] and σ ≤ 1, so a ≤ 0 ≤ b
        # and the mass is above Φ(1) − Φ(0) ≈ 0.34: the plain difference is accurate (no _log_mass).
        log_z = np.log(ndtr((1.0 - mu) / sigma) - ndtr((0.0 - mu) / sigma))
        log_const = np.log(self.w) - log_z.sum(axis=1)
        log_const -= (np.log(sigma[:, cont]) + _LOG_SQRT_2PI).sum(axis=1)
        inv_var = 1.0 / sigma[:, cont] ** 2
        mu_inv_var = mu[:, cont] * inv_var
        return log_const, cont, inv_var, mu_inv_var, (mu[:, cont] * mu_inv_var).sum(axis=1)


def _log_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Φ(b) − Φ(a)) for a ≤ b, accurate in both tails (mirror the interval into the left tail)."""
    a, b = np.broadcast_arrays(a, b)
    flip = a > 0
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    log_hi, log_lo = log_ndtr(hi), log_ndtr(lo)
    with np.errstate(divide="ignore"):
        out = log_hi + np.log1p(-np.exp(np.minimum(log_lo - log_hi, 0.0)))
    return np.maximum(out, -1e4)  # an empty bin still compares, rather than turning the sum into −inf


def fit(
    X: np.ndarray,
    C: np.ndarray,
    n_choices: Sequence[int],
    edges: Sequence[np.ndarray | None],
    weights: np.ndarray,
    *,
    prior_weight: float = 1.0,
    bandwidth: float = 1.0,
) -> ParzenEstimator:
    """The Parzen estimator of observations ``X`` (n, dn) and ``C`` (n, dc) with weights (n,).

    Example:
        >>> import numpy as np
        >>> no_cats = np.zeros((2, 0), dtype=int)
        >>> pe = fit(np.array([[0.2], [0.25]]), no_cats, [], [None], np.ones(2))
        >>> near, far = pe.log_pdf(np.array([[0.22], [0.9]]), no_cats)
        >>> bool(near > far)
        True
    """
    n, dn = X.shape
    dc = C.shape[1]
    w = np.append(np.asarray(weights, dtype=float), prior_weight)
    w = w / w.sum()
    mu = np.vstack([X, np.full((1, dn), 0.5)])
    sigma = np.vstack([np.clip(bandwidth * _gaps(X), 1.0 / min(100.0, n + 2.0), 1.0), np.ones((1, dn))])
    eps = 1.0 / (n + 1.0)
    P = []
    for j in range(dc):
        k = int(n_choices[j])
        Pj = np.full((n + 1, k), eps / k)
        Pj[np.arange(n), C[:, j]] += 1.0 - eps
        Pj[n] = 1.0 / k
        P.append(Pj)
    return ParzenEstimator(w, mu, sigma, tuple(P), tuple(edges))


def _gaps(X: np.ndarray) -> np.ndarray:
    """Per observation and dimension, the larger distance to its neighbours along that dimension.

    The box ends count as neighbours only for a lone observation: an observation at the edge of the
    cloud takes the gap on its inner side, so a good point near a bound does not get a kernel as wide
    as its distance to the far bound (Bergstra et al. 2011's adaptive Parzen widths).
    """
    n, d = X.shape
    if n == 0:
        return np.empty((0, d))
    order = np.argsort(X, axis=0, kind="stable")
    cols = np.arange(d)
    S = X[order, cols]
    padded = np.vstack([np.zeros((1, d)), S, np.ones((1, d))])
    left, right = padded[1:-1] - padded[:-2], padded[2:] - padded[1:-1]
    if n >= 2:
        left[0], right[-1] = right[0], left[-1]
    out = np.empty_like(X)
    out[order, cols] = np.maximum(left, right)
    return out


def split_weights(losses: np.ndarray, n_good: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights of ``n`` ranked observations (losses (n,), best first) in l(x) and in g(x): two (n,) arrays.

    The threshold y* is the loss of the best observation outside the top ``n_good``. An observation
    of the top that is *strictly* better than y* enters l with a weight proportional to its
    improvement y* − y (scaled to a mean of 1, so the prior still counts as one observation); every
    other observation enters g with weight 1.

    * Weighting by the improvement makes the ratio l/g follow expected improvement rather than the
      probability of improvement, which counts a marginal good trial as much as the best one (the
      "EI" weighting of Watanabe 2023, "Tree-structured Parzen estimator: understanding its
      algorithm components", arXiv:2304.11127).
    * Ties: an observation equal to y* improves on nothing, so it goes to g. A rank split would put
      some of a block of tied values in l and the others in g, by age. On a quantised objective
      (a CV error over few samples) many trials share the best value; when the whole top ties with
      y*, no observation shows where to improve, and l is the prior alone: the proposal then goes
      where g says little has been tried, instead of back to the plateau.
    * A threshold that is not finite (NaN losses) falls back to the plain rank split.

    Example:
        >>> wl, wg = split_weights(np.array([0.0, 1.0, 3.0, 4.0]), 2)
        >>> wl.tolist(), wg.tolist()
        ([1.2, 0.8, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0])
        >>> split_weights(np.array([1.0, 1.0, 1.0, 2.0]), 2)[0].tolist()  # the top ties with y* = 1
        [0.0, 0.0, 0.0, 0.0]
    """
    losses = np.asarray(losses, dtype=float)
    n, n_good = len(losses), max(int(n_good), 0)
    top = np.arange(n) < n_good
    if n_good >= n or not np.isfinite(losses[n_good]):
        return top.astype(float), (~top).astype(float)
    improvement = np.where(top, losses[n_good] - losses, 0.0)
    better = improvement > 0  # NaN compares False: a NaN loss improves on nothing
    wl = np.zeros(n)
    if better.any():
        wl[better] = improvement[better] / improvement[better].mean()
    return wl, (~better).astype(float)


def default_gamma(n: int) -> int:
    """How many of ``n`` ranked trials form the "good" group: 15%, at most 25.

    Optuna and Hyperopt use 10% (and 25% of √n); 15% was better on every benchmark function at 50
    evaluations but Levy-6 (see ``docs/samplers-measurements.md``).
    """
    return min(int(np.ceil(0.15 * n)), 25)


def default_weights(n: int) -> np.ndarray:
    """Weights of ``n`` observations ordered oldest first: flat for the last 25, a ramp before them.

    Older bad trials say less about where the search is now (Bergstra et al. 2013, §2.3).
    """
    if n < 25:
        return np.ones(n)
    return np.concatenate([np.linspace(1.0 / n, 1.0, n - 25), np.ones(25)])
