"""The trust region's side length is a replay of the history: grows on successes, shrinks on failures, restarts."""

from __future__ import annotations

import numpy as np
import pytest

from hyperscout._gp import trust_region as tr


def test_three_successes_in_a_row_double_the_side() -> None:
    assert tr.side_length(np.array([1.0, 2.0, 3.0]), 0.0, d=2) == pytest.approx(2 * tr.L_INIT)
    assert tr.side_length(np.arange(1.0, 10.0), 0.0, d=2) == pytest.approx(tr.L_MAX)  # capped


def test_failures_in_a_row_halve_it_and_a_success_resets_the_count() -> None:
    fails = np.zeros(4)  # tau_fail = max(4, d) = 4 for d = 2
    assert tr.side_length(fails, 1.0, d=2) == pytest.approx(tr.L_INIT / 2)
    assert tr.side_length(np.r_[0, 0, 0, 5.0, 0, 0, 0], 1.0, d=2) == pytest.approx(tr.L_INIT)
    assert tr.side_length(np.zeros(6), 1.0, d=6) == pytest.approx(tr.L_INIT / 2)  # tau_fail = d = 6


def test_below_the_minimum_it_restarts() -> None:
    halvings = int(np.ceil(np.log2(tr.L_INIT / tr.L_MIN)))
    assert tr.side_length(np.zeros(4 * (halvings - 1)), 1.0, d=2) < tr.L_INIT / 2
    assert tr.side_length(np.zeros(4 * halvings), 1.0, d=2) == pytest.approx(tr.L_INIT)


def test_box_is_wider_along_dims_with_long_length_scales_and_stays_in_the_cube() -> None:
    lo, hi = tr.box(np.array([0.5, 0.5, 1.0]), 0.4, np.array([4.0, 1.0, 1.0]), np.array([True, True, False]))
    assert (hi - lo)[0] > (hi - lo)[1]
    assert lo[2] == 0.0 and hi[2] == 1.0  # a categorical dim is not restricted
    assert np.all((0 <= lo) & (lo <= hi) & (hi <= 1))
