"""The probability of feasibility of the constrained GP against direct references."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from hyperscout._gp.constrained import log_feasibility, log_feasibility_grad, standardize_constraints


def test_threshold_zero_is_standardised_with_the_values() -> None:
    C = np.array([[1.0, -2.0], [3.0, -2.0], [-1.0, -2.0]])
    Z, t = standardize_constraints(C)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    # a value is feasible (<= 0) exactly when its standardised value is <= the threshold
    np.testing.assert_array_equal(Z <= t, C <= 0)


def test_log_feasibility_is_the_product_of_the_constraints_probabilities() -> None:
    rng = np.random.default_rng(0)
    mean, std, t = rng.normal(size=(6, 2)), rng.random((6, 2)) + 0.1, np.array([0.3, -0.5])
    want = np.log(norm.cdf((t - mean) / std)).sum(axis=1)
    np.testing.assert_allclose(log_feasibility(mean, std, t), want, rtol=1e-10)


def test_gradient_matches_finite_differences_and_stays_finite_in_the_tail() -> None:
    rng = np.random.default_rng(1)
    mean, std, t = rng.normal(size=(5, 2)) * 3, rng.random((5, 2)) + 0.1, np.array([0.0, 1.0])
    _, d_mean, d_std = log_feasibility_grad(mean, std, t)
    eps = 1e-6
    for k in range(2):
        step = np.zeros(2)
        step[k] = eps
        num = (log_feasibility(mean + step, std, t) - log_feasibility(mean - step, std, t)) / (2 * eps)
        np.testing.assert_allclose(d_mean[:, k], num, rtol=1e-5, atol=1e-7)
        num = (log_feasibility(mean, std + step, t) - log_feasibility(mean, std - step, t)) / (2 * eps)
        np.testing.assert_allclose(d_std[:, k], num, rtol=1e-5, atol=1e-7)
    value, d_mean, _ = log_feasibility_grad(np.array([[60.0]]), np.array([[1.0]]), np.array([0.0]))
    assert np.isfinite(value[0]) and value[0] < -1000 and d_mean[0, 0] < 0  # still pointing back
