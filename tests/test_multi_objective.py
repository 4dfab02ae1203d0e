"""The numerics of several objectives: Pareto ranks, crowding distance, hypervolume, constraint handling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperscout._multi_objective import (
    check_constraints,
    crowding_distance,
    hypervolume,
    infeasible_last,
    non_dominated_ranks,
    oriented,
    pareto_mask,
    violation,
)


def _brute_ranks(v: np.ndarray) -> list[int]:
    """Peel fronts by definition: a front is what nothing left dominates."""
    left, ranks, r = set(range(len(v))), [0] * len(v), 0
    while left:
        front = {i for i in left if not any(np.all(v[j] <= v[i]) and np.any(v[j] < v[i]) for j in left)}
        for i in front:
            ranks[i] = r
        left -= front
        r += 1
    return ranks


@pytest.mark.parametrize("m", [2, 3])
def test_ranks_match_the_definition(m):
    rng = np.random.default_rng(m)
    v = rng.integers(0, 5, size=(40, m)).astype(float)  # many ties
    assert non_dominated_ranks(v).tolist() == _brute_ranks(v)
    assert pareto_mask(v).tolist() == [r == 0 for r in _brute_ranks(v)]


def test_constrained_ranks_put_feasible_first_then_by_violation():
    v = np.array([[0.0, 0.0], [5.0, 5.0], [1.0, 1.0], [2.0, 0.5], [np.nan, 0.0]])
    ranks = non_dominated_ranks(v, penalty=[2.0, 0.0, 0.5, 0.0, 0.0])
    assert ranks.tolist() == [3, 1, 2, 0, 4]  # feasible fronts, then violation 0.5, then 2.0; NaN last


def test_crowding_distance():
    d = crowding_distance([[0.0, 4.0], [1.0, 2.0], [3.0, 1.0], [4.0, 0.0]])
    assert d[0] == d[3] == math.inf
    assert d[1] == pytest.approx(3 / 4 + 3 / 4)
    assert d[2] == pytest.approx(3 / 4 + 2 / 4)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_hypervolume_matches_monte_carlo(m):
    rng = np.random.default_rng(m)
    pts = rng.random((12, m))
    ref = np.full(m, 1.2)
    u = rng.random((200_000, m)) * ref
    dominated = (pts[None, :, :] <= u[:, None, :]).all(axis=2).any(axis=1)
    estimate = dominated.mean() * np.prod(ref)
    assert hypervolume(pts, ref) == pytest.approx(estimate, abs=4 * np.prod(ref) / np.sqrt(len(u)))


def test_hypervolume_edge_cases():
    assert hypervolume(np.empty((0, 2)), [1.0, 1.0]) == 0.0
    assert hypervolume([[2.0, 0.0]], [1.0, 1.0]) == 0.0  # outside the reference box
    assert hypervolume([[0.0, 0.0], [0.0, 0.0], [0.5, 0.5]], [1.0, 1.0]) == 1.0  # duplicates and dominated points
    assert hypervolume([[0.5]], [1.0]) == 0.5


def test_orientation_and_violation():
    assert oriented([[1.0, 2.0], [3.0, 4.0]], ["maximize", "minimize"]).tolist() == [[-1.0, 2.0], [-3.0, 4.0]]
    assert violation([-1.0, 0.0, 0.25, 0.5]) == 0.75 and violation([]) == 0.0 and violation(None) == math.inf


def test_infeasible_last():
    out = infeasible_last([3.0, 1.0, 0.0, 2.0, 5.0], [0.0, 0.0, 1.0, 3.0, 1.0])
    assert out[:2].tolist() == [3.0, 1.0]
    assert out[2] == out[4] > 3.0 and out[3] > out[2]  # equal violations tie; all after the feasible
    assert infeasible_last([1.0, 2.0], [2.0, math.inf]).tolist() == [2.0, 5.0]  # none feasible: violations
    assert infeasible_last([1.0, 2.0], [0.0, 0.0]).tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("value", "error"),
    [(1.0, TypeError), ("ab", TypeError), ([[1.0]], TypeError), ([False], TypeError), ([math.nan], ValueError)],
)
def test_check_constraints_refuses(value, error):
    with pytest.raises(error, match="constraints_func|constraint value"):
        check_constraints(value)


def test_check_constraints_accepts_arrays_and_ints():
    assert check_constraints(np.array([1, -2])) == (1.0, -2.0)
    assert check_constraints((0.5, np.float32(1.5))) == (0.5, 1.5)
