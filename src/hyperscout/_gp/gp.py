"""Gaussian-process regression: marginal likelihood, MAP fit of the hyperparameters, the posterior.

Notation (shapes), as in ``kernel.py`` plus:

=========  ========  ==========================================================================
symbol     shape     meaning
=========  ========  ==========================================================================
y          (n,)      standardised observations (mean 0, variance 1), larger is better
θ          (d + 2,)  [log ℓ_1 … log ℓ_d, log σ_f², log σ_n²]
K          (n, n)    k(X, X) + (σ_n² + jitter) I
L          (n, n)    lower Cholesky factor of K
α          (n,)      K⁻¹ y
=========  ========  ==========================================================================

Prior over functions: f ~ GP(0, k_θ); observations y = f(X) + ε, ε ~ N(0, σ_n² I).

Log marginal likelihood (eq. 2.30 of Rasmussen & Williams 2006):

    log p(y | X, θ) = −½ yᵀ α − Σ_i log L_ii − (n/2) log 2π

and its gradient (eq. 5.9): ∂/∂θ_p = ½ tr((α αᵀ − K⁻¹) ∂K/∂θ_p).

Hyperparameters are fitted by maximum a posteriori: log p(y | X, θ) + log p(θ), with

* length-scales, on λ_j = 1/ℓ_j²: log p(λ_j) = −0.1 (λ_j + 1/λ_j) + const, a generalised
  inverse-Gaussian shape centred on ℓ = 1 (the width of the unit cube) that rises steeply for
  ℓ ≪ 0.3 and ℓ ≫ 3, the same heuristic as Optuna's GPSampler. It stops the model from explaining
  a handful of points with wiggles (short ℓ) or from declaring a parameter irrelevant too early
  (long ℓ). We also tried the dimension-scaled LogNormal(√2 + ½ log d, √3) of Hvarfner et al.
  2024; on 50-evaluation budgets it over-fitted Levy-6 (median regret 5.7 against 1.5), see
  benchmarks/README.md;
* σ_f² ~ Gamma(2, 1): the outputs are standardised, so a scale near 1;
* σ_n² ~ Gamma(1.1, 30): little noise (mode 0.003) unless the data insist, never below 1e-6,

maximised by L-BFGS-B with analytic gradients, warm-started from the previous trial's fit.

Posterior at query points Xq (eqs. 2.25–2.26), by Bayes' rule:

    μ(Xq) = k(Xq, X) α,     σ²(Xq) = σ_f² − k(Xq, X) K⁻¹ k(X, Xq)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.linalg import cho_solve
from scipy.linalg.lapack import dpotri
from scipy.optimize import minimize

from .kernel import CATEGORICAL, cross_r2, matern52, matern52_with_dr2, scaled_r2, sq_dists

_LOG_2PI = float(np.log(2 * np.pi))
_BOUNDS_LS = (np.log(5e-3), np.log(1e2))
_BOUNDS_VAR = (np.log(1e-2), np.log(1e2))
_BOUNDS_NOISE = (np.log(1e-6), np.log(1.0))


def cholesky(K: np.ndarray) -> tuple[np.ndarray, float]:
    """Lower Cholesky factor of K, adding diagonal jitter until it succeeds: ``(L, jitter)``.

    Duplicate points and flat objectives make K singular; a growing jitter keeps the fit alive.
    """
    scale = float(np.mean(np.diag(K))) or 1.0
    jitter = 0.0
    for _ in range(12):
        try:
            return np.linalg.cholesky(K + jitter * np.eye(len(K))), jitter
        except np.linalg.LinAlgError:
            jitter = scale * 1e-9 if jitter == 0.0 else jitter * 10
    raise np.linalg.LinAlgError("the kernel matrix is not positive definite even with jitter")


def cho_inverse(L: np.ndarray) -> np.ndarray:
    """K⁻¹ from the lower Cholesky factor L of K, whose upper triangle is zero (as ``np.linalg.cholesky`` gives).

    LAPACK ``potri`` does a third of the work of solving K X = I, and writes the lower triangle of
    K⁻¹ only; the upper one keeps L's zeros, so K⁻¹ = T + Tᵀ with the diagonal counted once.
    """
    inv, info = dpotri(L, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"potri failed (info={info})")
    full = inv + inv.T
    full.flat[:: len(full) + 1] = np.diag(inv)
    return full


def _log_prior(theta: np.ndarray, d: int) -> tuple[float, np.ndarray]:
    """log p(θ) and its gradient; see the module docstring for the three priors."""
    lam = np.exp(-2.0 * theta[:d])  # λ_j = 1 / ℓ_j²
    var, noise = np.exp(theta[d]), np.exp(theta[d + 1])
    value = -0.1 * float(np.sum(lam + 1.0 / lam)) + (theta[d] - var) + (0.1 * theta[d + 1] - 30.0 * noise)
    # d/dθ_j of −0.1 (λ_j + 1/λ_j) with dλ_j/dθ_j = −2 λ_j
    grad = np.r_[0.2 * lam - 0.2 / lam, 1.0 - var, 0.1 - 30.0 * noise]
    return float(value), grad


def _prior_mode(d: int) -> np.ndarray:
    # ℓ = 1, σ_f² = 1 (mode of Gamma(2, 1)), σ_n² = 0.1 / 30 (mode of Gamma(1.1, 30))
    return np.r_[np.zeros(d), 0.0, np.log(0.1 / 30.0)]


def neg_log_posterior(theta: np.ndarray, D: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """−(log marginal likelihood + log prior) and its gradient with respect to θ."""
    d, n = D.shape[0], len(y)
    inv_ls2 = np.exp(-2.0 * theta[:d])
    var, noise = float(np.exp(theta[d])), float(np.exp(theta[d + 1]))
    r2 = scaled_r2(D, inv_ls2)
    Kf, dK_dr2 = matern52_with_dr2(r2, var)
    K = Kf.copy()
    K.flat[:: n + 1] += noise
    L, jitter = cholesky(K)
    alpha = cho_solve((L, True), y, check_finite=False)
    Kinv = cho_inverse(L)
    W = np.outer(alpha, alpha) - Kinv
    logml = -0.5 * float(y @ alpha) - float(np.sum(np.log(np.diag(L)))) - 0.5 * n * _LOG_2PI
    grad = np.empty(d + 2)
    M = W * dK_dr2
    # ∂K/∂log ℓ_j = dk/dr² · (−2 inv_ls2_j) · D_j
    grad[:d] = 0.5 * (-2.0 * inv_ls2) * (D.reshape(d, -1) @ M.ravel())
    grad[d] = 0.5 * float(np.sum(W * Kf))
    grad[d + 1] = 0.5 * noise * float(np.trace(W))
    lp, glp = _log_prior(theta, d)
    return -(logml + lp), -(grad + glp)


def default_theta(d: int) -> np.ndarray:
    """The prior mode: where a fit starts without a warm start."""
    return np.clip(_prior_mode(d), *np.array(bounds(d)).T)


def bounds(d: int) -> list[tuple[float, float]]:
    return [_BOUNDS_LS] * d + [_BOUNDS_VAR, _BOUNDS_NOISE]


def fit_theta(
    X: np.ndarray, y: np.ndarray, kinds: np.ndarray, warm_start: np.ndarray | None = None, max_iter: int = 200
) -> np.ndarray:
    """MAP hyperparameters θ for data (X, y), by L-BFGS-B from ``warm_start`` if given, else from the prior mode.

    A sampler passes the previous trial's θ: one more observation moves the optimum little, and
    from there the fit takes about half the likelihood evaluations (measured on Hartmann-6 at
    90-100 trials: 10-12 against 20-24, same optimum to 3 decimals). The prior mode is the
    fallback when the warm start fails.
    """
    d = X.shape[1]
    D = sq_dists(X, X, kinds)
    starts = [default_theta(d)]
    if warm_start is not None and np.shape(warm_start) == (d + 2,) and np.all(np.isfinite(warm_start)):
        starts.insert(0, np.clip(np.asarray(warm_start, dtype=float), *np.array(bounds(d)).T))
    for theta0 in starts:
        try:
            res = minimize(
                neg_log_posterior, theta0, args=(D, y), jac=True, method="L-BFGS-B",
                bounds=bounds(d), options={"maxiter": max_iter},
            )  # fmt: skip
        except (np.linalg.LinAlgError, FloatingPointError, ValueError):
            continue
        if np.isfinite(res.fun):
            return np.asarray(res.x, dtype=float)
    return starts[-1]


@dataclass
class Posterior:
    """The GP posterior given data (X, y) and hyperparameters θ.

    Example:
        >>> import numpy as np
        >>> X = np.array([[0.1], [0.5], [0.9]]); y = np.array([-1.0, 1.0, 0.0])
        >>> kinds = np.array([0])
        >>> post = Posterior.build(X, y, kinds, fit_theta(X, y, kinds))
        >>> mean, var = post.predict(np.array([[0.5], [0.7]]))
        >>> bool(abs(mean[0] - 1.0) < 0.1 and var[0] < var[1])  # near the data, and surer at a data point
        True
    """

    X: np.ndarray
    y: np.ndarray
    kinds: np.ndarray
    theta: np.ndarray
    L: np.ndarray
    alpha: np.ndarray
    Kinv: np.ndarray

    @classmethod
    def build(cls, X: np.ndarray, y: np.ndarray, kinds: np.ndarray, theta: np.ndarray) -> Posterior:
        d = X.shape[1]
        K = matern52(scaled_r2(sq_dists(X, X, kinds), np.exp(-2.0 * theta[:d])), float(np.exp(theta[d])))
        L, _ = cholesky(K + float(np.exp(theta[d + 1])) * np.eye(len(X)))
        return cls(X, y, kinds, theta, L, cho_solve((L, True), y, check_finite=False), cho_inverse(L))

    @property
    def inv_ls2(self) -> np.ndarray:
        return np.exp(-2.0 * self.theta[: self.X.shape[1]])

    @property
    def variance(self) -> float:
        return float(np.exp(self.theta[self.X.shape[1]]))

    def _r2(self, Xq: np.ndarray) -> np.ndarray:
        return cross_r2(Xq, self.X, self.kinds, self.inv_ls2)

    def predict(self, Xq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of f, each of shape (m,)."""
        Kq = matern52(self._r2(Xq), self.variance)  # (m, n)
        mean = Kq @ self.alpha
        # kᵀK⁻¹k as one matrix product with K⁻¹ (BLAS gemm), several times faster than a triangular
        # solve with L for the thousands of candidates the acquisition optimiser scores.
        quad = Kq @ self.Kinv
        quad *= Kq
        var = self.variance - quad.sum(axis=1)
        return mean, np.maximum(var, 1e-12)

    def predict_grad(self, x: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
        """Mean, variance and their gradients (d,) at one point; zero along categorical dims."""
        m, v, dm, dv = self.predict_with_grad(x[None, :])
        return float(m[0]), float(v[0]), dm[0], dv[0]

    @cached_property
    def _gradient_terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(A, X0, scale)`` of ``predict_with_grad``: a_bj as floats, X with inactive entries 0, 2 inv_ls2 on
        numeric dims. They depend on the data alone, and the acquisition optimiser calls that method ~40 times."""
        active = (self.kinds != CATEGORICAL)[None, :] & ~np.isnan(self.X)  # (n, d)
        return active.astype(float), np.where(active, self.X, 0.0), 2.0 * self.inv_ls2 * (self.kinds != CATEGORICAL)

    def predict_with_grad(self, Xq: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean (m,), variance (m,) and their gradients (m, d) at many points at once.

        ∂k(x, x_b)/∂x_j = dk/dr² · inv_ls2_j · 2 (x_j − x_bj) along numeric dims where x_b is active,
        0 along categorical dims. Summed over b with weights w_b, that is
        2 inv_ls2_j (x_j Σ_b w_b a_bj − Σ_b w_b a_bj x_bj), a_bj = [x_bj active]: two matrix products,
        so the acquisition optimiser refines all its starts in one call instead of one point at a time.
        """
        r2 = self._r2(Xq)  # (m, n)
        kq, dk_dr2 = matern52_with_dr2(r2, self.variance)
        kinv_k = kq @ self.Kinv  # (m, n); K⁻¹ is symmetric
        mean = kq @ self.alpha
        var = self.variance - np.sum(kq * kinv_k, axis=1)
        A, X0, scale = self._gradient_terms

        def grad(w: np.ndarray) -> np.ndarray:  # Σ_b w_ab ∂k(x_a, x_b)/∂x_j / dk_dr2, shape (m, d)
            return scale * (Xq * (w @ A) - w @ X0)

        dmean = grad(dk_dr2 * self.alpha[None, :])
        dvar = -2.0 * grad(dk_dr2 * kinv_k)
        flat = var < 1e-12
        var = np.where(flat, 1e-12, var)
        dvar[flat] = 0.0
        return mean, var, dmean, dvar
