"""The GP numerics against direct references: solves, finite differences, high-precision EI."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from hyperscout._gp import acquisition as acq
from hyperscout._gp.gp import Posterior, cholesky, default_theta, fit_theta, neg_log_posterior
from hyperscout._gp.kernel import CATEGORICAL, NUMERIC, matern52, scaled_r2, sq_dists


def _data(seed: int, n: int = 15, with_missing: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3))
    X[:, 2] = rng.integers(0, 3, n)
    if with_missing:
        X[2, 1] = np.nan
        X[4, 2] = np.nan
    return X, rng.normal(size=n), np.array([NUMERIC, NUMERIC, CATEGORICAL])


def test_sq_dists_numeric_categorical_and_inactive() -> None:
    kinds = np.array([NUMERIC, CATEGORICAL])
    a = np.array([[0.2, 1.0], [np.nan, 2.0]])
    b = np.array([[0.5, 1.0], [np.nan, 0.0]])
    D = sq_dists(a, b, kinds)
    assert D.shape == (2, 2, 2)
    assert D[0, 0, 0] == pytest.approx(0.09)  # numeric: squared difference
    assert D[1, 0, 0] == 0.0 and D[1, 0, 1] == 1.0  # categorical: mismatch
    assert D[0, 0, 1] == 1.0  # active vs inactive: the largest distance
    assert D[0, 1, 1] == 0.0  # both inactive: no distance


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_posterior_gradient_matches_finite_differences(seed: int) -> None:
    X, y, kinds = _data(seed)
    D = sq_dists(X, X, kinds)
    theta = np.random.default_rng(seed).normal(0, 0.5, 5) + np.array([0, 0, 0, 0, -3])
    _, grad = neg_log_posterior(theta, D, y)
    numeric = approx_fprime(theta, lambda t: neg_log_posterior(t, D, y)[0], 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("seed", [0, 3])
def test_posterior_matches_direct_solve(seed: int) -> None:
    X, y, kinds = _data(seed)
    theta = default_theta(3)
    post = Posterior.build(X, y, kinds, theta)
    Xq = np.random.default_rng(seed + 10).random((7, 3))
    Xq[:, 2] = np.arange(7) % 3
    inv_ls2, var, noise = np.exp(-2 * theta[:3]), np.exp(theta[3]), np.exp(theta[4])
    K = matern52(scaled_r2(sq_dists(X, X, kinds), inv_ls2), var) + noise * np.eye(len(X))
    Kq = matern52(scaled_r2(sq_dists(Xq, X, kinds), inv_ls2), var)
    mean, variance = post.predict(Xq)
    np.testing.assert_allclose(mean, Kq @ np.linalg.solve(K, y), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(variance, var - np.sum(Kq * np.linalg.solve(K, Kq.T).T, axis=1), rtol=1e-5, atol=1e-8)


def test_posterior_gradients_match_finite_differences() -> None:
    X, y, kinds = _data(5)
    post = Posterior.build(X, y, kinds, default_theta(3) + 0.3)
    x = np.array([0.31, 0.64, 1.0])
    _, _, dm, dv = post.predict_grad(x)

    def at(i: int) -> object:
        return lambda z: post.predict(np.r_[z, 1.0][None, :])[i][0]

    np.testing.assert_allclose(dm[:2], approx_fprime(x[:2], at(0), 1e-7), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(dv[:2], approx_fprime(x[:2], at(1), 1e-7), rtol=1e-4, atol=1e-6)
    assert dm[2] == 0.0 and dv[2] == 0.0  # no gradient along a categorical dim


def test_cholesky_survives_duplicates_and_flat_data() -> None:
    X = np.tile([[0.5, 0.5]], (6, 1))
    kinds = np.array([NUMERIC, NUMERIC])
    K = matern52(scaled_r2(sq_dists(X, X, kinds), np.ones(2)), 1.0)  # rank one
    L, jitter = cholesky(K)
    assert jitter > 0 and np.all(np.isfinite(L))
    theta = fit_theta(X, np.zeros(6), kinds)
    assert np.all(np.isfinite(theta))
    mean, var = Posterior.build(X, np.zeros(6), kinds, theta).predict(np.array([[0.1, 0.9]]))
    assert np.all(np.isfinite(mean)) and np.all(var > 0)


def test_fit_recovers_a_short_length_scale_where_the_function_wiggles() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((40, 2))
    y = np.sin(12 * X[:, 0])  # varies fast along dim 0, not at all along dim 1
    y = (y - y.mean()) / y.std()
    theta = fit_theta(X, y, np.array([NUMERIC, NUMERIC]))
    assert theta[0] < theta[1] - 1.0  # log length-scale of the relevant dim is clearly shorter


def test_a_fit_warm_started_at_its_own_optimum_stays_there_and_a_broken_warm_start_is_ignored() -> None:
    rng = np.random.default_rng(3)
    X = rng.random((30, 2))
    y = np.sin(6 * X[:, 0]) + 0.1 * X[:, 1]
    y = (y - y.mean()) / y.std()
    kinds = np.array([NUMERIC, NUMERIC])
    cold = fit_theta(X, y, kinds)
    D = sq_dists(X, X, kinds)
    warm = fit_theta(X, y, kinds, warm_start=cold + 0.3)  # the previous trial's θ, a little off
    assert neg_log_posterior(warm, D, y)[0] <= neg_log_posterior(cold, D, y)[0] + 1e-4
    assert np.allclose(fit_theta(X, y, kinds, warm_start=np.full(4, np.nan)), cold)
    assert np.allclose(fit_theta(X, y, kinds, warm_start=np.zeros(7)), cold)  # a θ of another space


def test_sq_dists_fast_path_equals_the_masked_form() -> None:
    X = np.random.default_rng(0).random((9, 3))
    kinds = np.array([NUMERIC] * 3)
    with_nan = np.vstack([X, [[np.nan, 0.5, 0.5]]])  # forces the masked form on the same rows
    assert np.array_equal(sq_dists(X, X, kinds), sq_dists(with_nan, with_nan, kinds)[:, :9, :9])


@pytest.mark.parametrize("z", [-30.0, -8.0, -2.0, -1.0, -0.3, 0.0, 0.7, 5.0])
def test_log_h_matches_high_precision(z: float) -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    exact = float(mpmath.log(mpmath.npdf(z) + z * mpmath.ncdf(z)))
    assert acq.log_h(np.array([z]))[0] == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_log_ei_is_finite_where_ei_underflows() -> None:
    z = np.array([-40.0, -200.0, -1e4])
    assert np.all(np.exp(acq.log_h(z)) == 0.0)  # plain EI underflows to zero here
    values = acq.log_h(z)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) < 0)  # and log EI still orders them


@pytest.mark.parametrize("kind", ["ei", "pi", "ucb"])
@pytest.mark.parametrize(("mean", "std"), [(0.3, 0.5), (-2.0, 0.1), (1.5, 2.0)])
def test_acquisition_gradients_match_finite_differences(kind: str, mean: float, std: float) -> None:
    def value(m: np.ndarray, s: np.ndarray) -> float:
        return float(acq.evaluate(kind, m, s, 1.0, 0.01, 2.0)[0])

    v, dm, ds = acq.evaluate_grad(kind, mean, std, 1.0, 0.01, 2.0)
    assert v == pytest.approx(value(np.array([mean]), np.array([std])))
    f_m = approx_fprime(np.array([mean]), lambda m: value(m, np.array([std])))
    f_s = approx_fprime(np.array([std]), lambda s: value(np.array([mean]), s))
    assert dm == pytest.approx(f_m[0], rel=1e-4, abs=1e-6)
    assert ds == pytest.approx(f_s[0], rel=1e-4, abs=1e-6)


def test_power_transform_is_monotone_and_standardised() -> None:
    from hyperscout._gp.transforms import power

    y = np.random.default_rng(0).lognormal(0, 2, 40)
    t = power(y)
    assert np.all(np.diff(t[np.argsort(y)]) >= 0)  # the order of the trials is kept
    assert abs(t.mean()) < 1e-9 and abs(t.std() - 1) < 1e-9


def test_power_transform_spreads_values_squashed_by_an_outlier() -> None:
    from hyperscout._gp.transforms import power, standardize

    # A heavy-tailed objective (larger is better), as Rosenbrock or a diverging loss gives.
    y = -np.exp(np.random.default_rng(1).normal(0.0, 3.0, 40))
    good = np.argsort(-y)[:20]
    assert np.ptp(standardize(y)[good]) < 0.02  # standardising squashes the better half together
    assert np.ptp(power(y)[good]) > 10 * np.ptp(standardize(y)[good])  # the power transform spreads them out


@pytest.mark.parametrize("y", [np.zeros(5), np.array([1.0]), np.array([3.0, 3.0, 3.0])])
def test_power_transform_degenerate_inputs(y: np.ndarray) -> None:
    from hyperscout._gp.transforms import power

    assert np.all(np.isfinite(power(y)))


def test_cross_r2_fast_path_matches_the_general_one() -> None:
    from hyperscout._gp.kernel import cross_r2

    rng = np.random.default_rng(3)
    A, B, inv_ls2 = rng.random((7, 4)), rng.random((5, 4)), rng.random(4) * 10
    kinds = np.zeros(4, dtype=int)
    np.testing.assert_allclose(cross_r2(A, B, kinds, inv_ls2), scaled_r2(sq_dists(A, B, kinds), inv_ls2), atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_yeo_johnson_matches_scipy(seed: int) -> None:
    from scipy import stats

    from hyperscout._gp.transforms import standardize, yeo_johnson, yeo_johnson_lambda

    rng = np.random.default_rng(seed)
    z = standardize(
        [
            rng.lognormal(0, 2, 40),
            rng.normal(size=50),
            -rng.lognormal(0, 1, 30),
            rng.random(25),
            -np.exp(rng.normal(0, 3, 40)),
        ][seed]
    )
    expected, lam = stats.yeojohnson(z)
    np.testing.assert_allclose(yeo_johnson(z, lam), expected, rtol=1e-9, atol=1e-12)
    assert yeo_johnson_lambda(z) == pytest.approx(lam, abs=2e-3)  # the fine grid's step is 1e-3


def test_cho_inverse_is_the_inverse() -> None:
    from hyperscout._gp.gp import cho_inverse

    A = np.random.default_rng(0).random((30, 30))
    K = A @ A.T + 30 * np.eye(30)
    np.testing.assert_allclose(cho_inverse(np.linalg.cholesky(K)), np.linalg.inv(K), rtol=1e-10, atol=1e-12)


def test_batched_gradients_match_one_point_at_a_time() -> None:
    X, y, kinds = _data(3)
    post = Posterior.build(X, y, kinds, default_theta(3) + 0.2)
    Q = np.random.default_rng(1).random((5, 3))
    Q[:, 2] = np.arange(5) % 3
    m, v, dm, dv = post.predict_with_grad(Q)
    for i, q in enumerate(Q):
        mi, vi = post.predict(q[None, :])
        assert m[i] == pytest.approx(mi[0]) and v[i] == pytest.approx(vi[0])
        _, _, dmi, dvi = post.predict_grad(q)
        np.testing.assert_allclose(dm[i], dmi)
        np.testing.assert_allclose(dv[i], dvi)
    a, dam, das = acq.evaluate_grad("ei", m, np.sqrt(v), 0.5, 0.0, 2.0)
    for i in range(5):
        ai, dmi, dsi = acq.evaluate_grad("ei", float(m[i]), float(np.sqrt(v[i])), 0.5, 0.0, 2.0)
        assert (a[i], dam[i], das[i]) == pytest.approx((ai, dmi, dsi))
