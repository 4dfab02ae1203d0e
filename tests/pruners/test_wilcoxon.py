"""WilcoxonPruner: per-instance scores against the best trial's, with the one-sided signed-rank test."""

from __future__ import annotations

import math

import pytest

import hyperscout as hs
from hyperscout.trial import FrozenTrial, TrialState

W = hs.pruners.WilcoxonPruner


def _best(scores: dict[int, float]) -> FrozenTrial:
    return FrozenTrial(0, TrialState.COMPLETE, {}, {}, (sum(scores.values()) / len(scores),), scores)


def _me(scores: dict[int, float]) -> FrozenTrial:
    return FrozenTrial(1, TrialState.RUNNING, {}, {}, None, scores)


BEST = _best({i: 0.1 * (i % 4) for i in range(10)})


def test_a_consistently_worse_trial_is_pruned_in_either_direction() -> None:
    worse = _me({i: 0.1 * (i % 4) + 0.05 + 0.01 * i for i in range(6)})
    assert W(p_threshold=0.1).prune(worse, [BEST], "minimize")
    flipped_best = _best({i: -v for i, v in BEST.intermediate_values.items()})
    flipped = _me({i: -v for i, v in worse.intermediate_values.items()})
    assert W(p_threshold=0.1).prune(flipped, [flipped_best], "maximize")
    assert not W(p_threshold=0.1).prune(worse, [BEST], "maximize")  # there it is better


def test_instances_are_matched_by_step_not_by_order() -> None:
    # Reported out of order, and only on instances 7..9: compared with the best on those.
    me = _me({9: 0.9, 7: 0.9, 8: 0.9})
    assert W(p_threshold=0.2).prune(me, [BEST], "minimize")


def test_no_prune_before_enough_shared_instances_or_without_evidence() -> None:
    worse = _me({0: 5.0, 1: 5.0, 2: 5.0})
    assert not W(n_startup_steps=4).prune(worse, [BEST], "minimize")  # 3 shared < 4
    assert not W().prune(_me({0: 5.0}), [BEST], "minimize")  # one instance: no test
    assert not W().prune(worse, [], "minimize")  # no complete trial
    no_curve = FrozenTrial(0, TrialState.COMPLETE, {}, {}, (0.0,), {})
    assert not W().prune(worse, [no_curve], "minimize")
    assert not W().prune(_me({0: 5.0, 1: math.nan, 2: 5.0}), [BEST], "minimize")  # NaN: never pruned


def test_a_trial_no_worse_on_average_is_kept_whatever_the_ranks_say() -> None:
    best = _best({i: 1.0 for i in range(8)})
    # worse on 7 instances by a little, far better on one: the test says worse, the mean says better
    me = _me({**{i: 1.01 for i in range(7)}, 7: 0.0})
    assert not W(p_threshold=0.5).prune(me, [best], "minimize")


def test_the_best_trial_is_chosen_by_final_value() -> None:
    good = _best({i: 0.0 for i in range(5)})
    bad = FrozenTrial(2, TrialState.COMPLETE, {}, {}, (9.0,), {i: 9.0 for i in range(5)})
    me = _me({i: 1.0 + i / 10 for i in range(5)})
    assert W(p_threshold=0.1).prune(me, [bad, good], "minimize")  # compared with `good`, not `bad`


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p_threshold": 1.5}, "p_threshold must be a number from 0 to 1, got 1.5"),
        ({"p_threshold": "0.1"}, "p_threshold must be a number from 0 to 1, got '0.1'"),
        ({"n_startup_steps": -1}, "n_startup_steps must be a non-negative int, got -1"),
    ],
)
def test_bad_options_are_refused(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        W(**kwargs)
