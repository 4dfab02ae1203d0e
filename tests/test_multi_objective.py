"""The numerics of several objectives: Pareto ranks, crowding distance, hypervolume, constraint handling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperscout._multi_objective import (
    check_constraints,
    crowding_distance,
    greedy_hypervolume_subset,
    hypervolume,
    hypervolume_contributions,
    infeasible_last,
    non_dominated_ranks,
    oriented,
    pareto_mask,
    reference_point,
    selection_order,
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


def _random_front(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Points near a convex front, with a few dominated points and an exact copy mixed in."""
    d = rng.random((n, m)) + 1e-3
    front = d / np.linalg.norm(d, axis=1, keepdims=True)
    front[: n // 4] += rng.random((n // 4, m)) * 0.5  # dominated (mostly)
    return np.vstack([front, front[-1:]])


@pytest.mark.parametrize("m", [2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_contributions_match_brute_force(m, seed):
    rng = np.random.default_rng(seed)
    pts = _random_front(rng, 15, m)
    ref = np.full(m, 1.6)
    total = hypervolume(pts, ref)
    brute = [total - hypervolume(np.delete(pts, i, axis=0), ref) for i in range(len(pts))]
    got = hypervolume_contributions(pts, ref)
    np.testing.assert_allclose(got, brute, atol=1e-12)
    assert got[-1] == got[-2] == 0.0  # a point and its copy: removing either loses nothing
    assert np.all(got[~pareto_mask(pts)] == 0.0)


def test_contributions_edge_cases():
    assert hypervolume_contributions(np.empty((0, 2)), [1.0, 1.0]).tolist() == []
    assert hypervolume_contributions([[0.5, 0.5, 0.5]], [1.0, 1.0, 1.0]).tolist() == [0.125]
    assert hypervolume_contributions([[2.0, 0.0], [0.5, 0.5]], [1.0, 1.0]).tolist() == [0.0, 0.25]


@pytest.mark.parametrize("m", [2, 3])
@pytest.mark.parametrize("seed", range(3))
def test_greedy_subset_matches_plain_greedy(m, seed):
    """The lazy updates change the work, not the choice: compare with recomputing every gain each step."""
    rng = np.random.default_rng(10 + seed)
    pts = _random_front(rng, 14, m)
    ref = np.full(m, 1.6)
    chosen: list[int] = []
    for _ in range(8):
        base = hypervolume(pts[chosen], ref) if chosen else 0.0
        gains = [-1.0 if i in chosen else hypervolume(pts[[*chosen, i]], ref) - base for i in range(len(pts))]
        chosen.append(int(np.argmax(gains)))
    assert greedy_hypervolume_subset(pts, 8, ref).tolist() == chosen


def test_greedy_subset_sizes():
    pts = [[1.0, 2.0], [2.0, 1.0], [1.0, 2.0]]
    assert greedy_hypervolume_subset(pts, 0, [3.0, 3.0]).tolist() == []
    assert sorted(greedy_hypervolume_subset(pts, 5, [3.0, 3.0]).tolist()) == [0, 1, 2]  # all, copies last
    assert greedy_hypervolume_subset(pts, 2, [3.0, 3.0]).tolist() == [0, 1]  # not the copy of 0


@pytest.mark.parametrize("m", [2, 3])
def test_selection_keeps_fronts_in_order(m):
    rng = np.random.default_rng(m)
    pts = rng.random((60, m))
    ranks = non_dominated_ranks(pts)
    for n_top in (1, 5, 17, 40, 60):
        order = selection_order(pts, n_top)
        assert sorted(order.tolist()) == list(range(60))
        assert np.all(np.diff(ranks[order]) >= 0)  # every front ahead of the fronts it dominates
        # the cut front: its chosen part is the greedy subset, with the front's own reference point
        r = ranks[order[n_top - 1]]
        members = np.flatnonzero(ranks == r)
        need = n_top - int((ranks < r).sum())
        if need < len(members):
            pick = greedy_hypervolume_subset(pts[members], need, reference_point(pts[members]))
            assert order[n_top - need : n_top].tolist() == members[pick].tolist()


def test_selection_spreads_along_the_front_and_ignores_units():
    # 9 points on a line front, 3 to choose: the two ends' neighbours and the middle, not a clump
    x = np.linspace(0.0, 1.0, 9)
    pts = np.column_stack([x, 1.0 - x])
    top = set(selection_order(pts, 3)[:3].tolist())
    assert len(top) == 3 and max(top) - min(top) >= 4
    scaled = pts * [1000.0, 0.01] + [5.0, -3.0]
    assert set(selection_order(scaled, 3)[:3].tolist()) == top  # (2 and 6 tie: their order is rounding's)


def test_selection_puts_feasible_points_first():
    pts = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [0.5, 2.0], [np.nan, 0.0]])
    # the infeasible point dominates every other but follows the feasible ones; a NaN comes last
    assert selection_order(pts, 3, penalty=[1.0, 0.0, 0.0, 0.0, 0.0]).tolist() == [1, 2, 3, 0, 4]


def test_reference_point():
    assert reference_point([[1.0, 1.0]]).tolist() == pytest.approx([1.0 + 1e-12, 1.0 + 1e-12])
    assert reference_point([[0.0, 0.0]]).tolist() == [1.0, 1.0]
    assert np.all(reference_point([[0.0, 3.0], [2.0, -1.0]]) > [2.0, 3.0])
    # A worst value of exactly 0 with a range keeps the tenth of the range (no floor of 1).
    assert reference_point([[-2.0, 0.0], [0.0, -4.0]]).tolist() == pytest.approx([0.2, 0.4])
