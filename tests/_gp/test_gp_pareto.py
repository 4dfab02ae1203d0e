"""Box decomposition and exact log EHVI against direct references: sampling, exact hypervolume, finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from hyperscout._gp.pareto import box_decomposition, log_ehvi, log_ehvi_grad, reference_point
from hyperscout._multi_objective import hypervolume, pareto_mask


def _front(seed: int, m: int, n: int = 25) -> np.ndarray:
    pts = np.random.default_rng(seed).random((n, m))
    if m == 3:  # a curved front, as DTLZ2's
        pts = pts / np.linalg.norm(pts, axis=1, keepdims=True)
    return pts[pareto_mask(pts)]


@pytest.mark.parametrize(("seed", "m"), [(0, 2), (1, 2), (2, 3), (3, 3)])
def test_boxes_are_disjoint_and_cover_exactly_the_non_dominated_region(seed: int, m: int) -> None:
    front, ref = _front(seed, m), np.full(m, 1.2)
    lower, upper = box_decomposition(front, ref)
    Y = np.random.default_rng(seed + 100).random((5000, m)) * 1.4 - 0.1
    in_box = np.all((Y[:, None, :] >= lower) & (Y[:, None, :] < upper), axis=2).sum(axis=1)
    dominated = np.any(np.all(front[None, :, :] <= Y[:, None, :], axis=2), axis=1)
    assert in_box.max() <= 1  # disjoint
    np.testing.assert_array_equal(in_box == 1, ~dominated & np.all(Y < ref, axis=1))


def test_three_objectives_give_few_boxes() -> None:
    # Merging equal boxes across slices keeps the count near linear in the front's size, not quadratic.
    front = _front(0, 3, n=400)
    lower, _ = box_decomposition(front, np.full(3, 1.1))
    assert len(lower) <= 4 * len(front)


def test_points_outside_the_reference_and_an_empty_front() -> None:
    lower, upper = box_decomposition(np.array([[2.0, 0.0]]), np.array([1.0, 1.0]))
    assert lower.tolist() == [[-np.inf, -np.inf]] and upper.tolist() == [[1.0, 1.0]]


@pytest.mark.parametrize(("seed", "m"), [(0, 2), (2, 3)])
def test_improvement_of_a_sure_point_is_the_exact_hypervolume_gain(seed: int, m: int) -> None:
    front, ref = _front(seed, m), np.full(m, 1.2)
    lower, upper = box_decomposition(front, ref)
    rng = np.random.default_rng(seed)
    for y in rng.random((10, m)) * 0.8:
        gain = hypervolume(np.vstack([front, y]), ref) - hypervolume(front, ref)
        got = float(np.exp(log_ehvi(y[None], np.full((1, m), 1e-12), lower, upper))[0])
        assert got == pytest.approx(gain, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize(("seed", "m"), [(0, 2), (2, 3)])
def test_expected_improvement_matches_an_integral_over_the_region(seed: int, m: int) -> None:
    # E[HVI(Y)] = ∫ P(Y <= z) dz over the non-dominated region N (Fubini), estimated by sampling z uniformly
    # in a box around N: a formula that uses no box decomposition.
    front, ref = _front(seed, m, n=12), np.full(m, 1.2)
    lower, upper = box_decomposition(front, ref)
    rng = np.random.default_rng(seed)
    mean, std = rng.random((3, m)) * 0.8 + 0.2, rng.random((3, m)) * 0.2 + 0.05
    exact = np.exp(log_ehvi(mean, std, lower, upper))
    for i in range(3):
        lo = np.minimum(mean[i] - 7 * std[i], 0.0)
        Z = lo + rng.random((200_000, m)) * (ref - lo)
        in_n = ~np.any(np.all(front[None, :, :] <= Z[:, None, :], axis=2), axis=1)
        f = in_n * np.prod(norm.cdf((Z - mean[i]) / std[i]), axis=1) * np.prod(ref - lo)
        assert abs(exact[i] - f.mean()) < 4 * f.std() / np.sqrt(len(f)) + 1e-6


@pytest.mark.parametrize("m", [2, 3])
def test_gradient_matches_finite_differences(m: int) -> None:
    front, ref = _front(m, m), np.full(m, 1.2)
    lower, upper = box_decomposition(front, ref)
    rng = np.random.default_rng(m)
    mean, std = rng.random((5, m)), rng.random((5, m)) * 0.3 + 0.05
    _, d_mean, d_std = log_ehvi_grad(mean, std, lower, upper)
    eps = 1e-6
    for j in range(m):
        step = np.zeros(m)
        step[j] = eps
        num_mean = (log_ehvi(mean + step, std, lower, upper) - log_ehvi(mean - step, std, lower, upper)) / (2 * eps)
        num_std = (log_ehvi(mean, std + step, lower, upper) - log_ehvi(mean, std - step, lower, upper)) / (2 * eps)
        np.testing.assert_allclose(d_mean[:, j], num_mean, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(d_std[:, j], num_std, rtol=1e-4, atol=1e-6)


def test_finite_with_a_slope_far_behind_the_front() -> None:
    # EHVI itself underflows to 0 here; its log keeps pointing the way back.
    lower, upper = box_decomposition(np.array([[0.0, 0.0]]), np.array([1.0, 1.0]))
    value, d_mean, d_std = log_ehvi_grad(np.array([[40.0, 40.0]]), np.array([[1.0, 1.0]]), lower, upper)
    assert np.isfinite(value).all() and value[0] < -1000
    assert np.all(d_mean < 0) and np.all(d_std > 0)


def test_reference_point_is_beyond_the_front_and_no_farther_than_the_worst_trial() -> None:
    losses = np.random.default_rng(0).normal(size=(20, 3))
    ref = reference_point(losses)
    front = losses[pareto_mask(losses)]
    # Every point of the front adds volume; a dominated trial far out does not push the point away.
    assert np.all(ref > front.max(axis=0))
    span = losses.max(axis=0) - losses.min(axis=0)
    assert np.all(ref <= losses.max(axis=0) + 0.1 * np.maximum(span, 1.0))
    far = np.vstack([losses, losses.max(axis=0) + 50.0])  # one trial dominated by all, far out
    front_hi, front_lo = front.max(axis=0), front.min(axis=0)
    assert np.all(reference_point(far) <= front_hi + 0.5 * np.maximum(front_hi - front_lo, 1.0) + 1e-12)
