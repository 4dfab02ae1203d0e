"""Each pruner's decision rule on hand-made curves: ties, NaN, missing steps, a single trial, maximise."""

from __future__ import annotations

import functools
import math

import pytest

import hyperscout as hs
from hyperscout.pruners import _curves
from hyperscout.pruners.hyperband import _budgets
from hyperscout.testing import pruners as conformance
from hyperscout.trial import FrozenTrial, TrialState

NAN = math.nan
P = hs.pruners


def _t(number: int, curve: dict[int, float], state: TrialState = TrialState.COMPLETE) -> FrozenTrial:
    """A trial record with ``curve`` as intermediate values (complete ones get their last value)."""
    values = (curve[max(curve)],) if state is TrialState.COMPLETE and curve else None
    return FrozenTrial(number, state, {}, {}, values=values, intermediate_values=dict(curve))


def _running(number: int, curve: dict[int, float]) -> FrozenTrial:
    return _t(number, curve, TrialState.RUNNING)


#: The last step of the complete trials of ``_flat``: a trial judged before it has not yet cost a full run (no pruner
#: judges a trial at or after the last step of the complete trials).
END = 10


def classic(**kwargs: int) -> P.MedianPruner:
    """The median rule as written, ranking by score so far (``rank_check=False``)."""
    return P.MedianPruner(rank_check=False, **kwargs)


def _flat(values: list[float], step: int = 1, start: int = 0) -> list[FrozenTrial]:
    """Complete trials numbered from ``start``, each reporting one value at ``step`` and the same at ``END``."""
    return [_t(start + i, {step: v, END: v}) for i, v in enumerate(values)]


# ---------------------------------------------------------------------------------------------------
# conformance: what every pruner must do (hyperscout.testing.pruners, public for pruners outside the package)


ALL = [
    pytest.param(lambda: P.NopPruner(), id="nop"),
    pytest.param(lambda: P.MedianPruner(n_startup_trials=0), id="median"),
    pytest.param(lambda: P.PercentilePruner(25.0, n_startup_trials=0), id="percentile"),
    pytest.param(lambda: P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2), id="asha"),
    pytest.param(lambda: P.HyperbandPruner(min_resource=1, max_resource=9), id="hyperband"),
    pytest.param(lambda: P.PatientPruner(P.MedianPruner(n_startup_trials=0), patience=1), id="patient"),
    pytest.param(lambda: P.ThresholdPruner(upper=100.0), id="threshold"),
    pytest.param(lambda: P.WilcoxonPruner(p_threshold=0.2), id="wilcoxon"),
]


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_no_report_and_single_trial_are_never_pruned(make, direction):
    conformance.check_no_report_and_single_trial_are_never_pruned(make, (direction,))


@pytest.mark.parametrize("make", ALL)
def test_bad_direction_is_refused(make):
    conformance.check_bad_direction_is_refused(make)


@pytest.mark.parametrize("make", ALL)
def test_pure_function_of_the_records(make):
    conformance.check_pure_function_of_the_records(make)


@pytest.mark.parametrize("make", ALL)
def test_repr_names_the_class_and_options(make):
    conformance.check_repr_names_the_class_and_options(make)


# ---------------------------------------------------------------------------------------------------
# the shared curve rules


def test_score_is_best_so_far_and_nan_latest_is_worst():
    curve = {0: 3.0, 2: 1.0, 5: 2.0}
    assert _curves.score_at(curve, 1, "minimize") == 3.0
    assert _curves.score_at(curve, 4, "minimize") == 1.0
    assert _curves.score_at(curve, 9, "minimize") == 1.0
    assert _curves.score_at(curve, 9, "maximize") == -3.0
    assert math.isnan(_curves.score_at({3: 1.0}, 2, "minimize"))  # nothing reported up to step 2
    assert _curves.score_at({0: 1.0, 1: NAN}, 1, "minimize") == math.inf  # diverged now
    assert _curves.score_at({0: 1.0, 1: NAN, 2: 0.5}, 2, "minimize") == 0.5  # recovered
    assert _curves.score_at({0: NAN, 1: 2.0}, 1, "maximize") == -2.0


def test_percentile_helper_handles_infinite_scores():
    assert _curves.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 25.0) == 2.0
    assert _curves.percentile([1.0, 2.0], 50.0) == 1.5
    assert _curves.percentile([1.0, math.inf, math.inf], 50.0) == math.inf
    assert _curves.percentile([1.0, math.inf], 0.0) == 1.0
    assert _curves.percentile([1.0, math.inf], 50.0) == math.inf


def test_judged_step_warmup_and_intervals_with_missing_steps():
    judged = _curves.judged_step
    assert judged({}, 0, 1) is None
    assert judged({0: 1.0, 1: 1.0}, 2, 1) is None
    assert judged({0: 1.0, 1: 1.0, 2: 1.0}, 2, 1) == 2
    curve: dict[int, float] = {}
    seen = []
    for s in range(12):
        curve[s] = 1.0
        seen.append(judged(curve, 2, 3))
    assert [s for s, j in enumerate(seen) if j is not None] == [2, 5, 8, 11]
    # A trial that skips step 5 is judged at the first step it reports in that interval.
    assert judged({2: 1.0, 4: 1.0, 6: 1.0}, 2, 3) == 6
    assert judged({2: 1.0, 4: 1.0, 5: 1.0, 6: 1.0}, 2, 3) is None


# ---------------------------------------------------------------------------------------------------
# PercentilePruner / MedianPruner


def test_median_prunes_worse_than_median_and_keeps_ties_and_better():
    others = _flat([0.2, 0.4, 0.6])
    pruner = P.MedianPruner(n_startup_trials=3, rank_check=False)
    assert pruner.prune(_running(3, {1: 0.41}), others, "minimize")
    assert not pruner.prune(_running(3, {1: 0.4}), others, "minimize")  # a tie is kept
    assert not pruner.prune(_running(3, {1: 0.1}), others, "minimize")


def test_median_maximize_mirrors_minimize():
    others = _flat([0.2, 0.4, 0.6])
    pruner = P.MedianPruner(n_startup_trials=3, rank_check=False)
    assert pruner.prune(_running(3, {1: 0.39}), others, "maximize")
    assert not pruner.prune(_running(3, {1: 0.4}), others, "maximize")
    assert not pruner.prune(_running(3, {1: 0.9}), others, "maximize")


def test_percentile_threshold_is_interpolated():
    others = _flat([1.0, 2.0, 3.0, 4.0, 5.0])
    pct = functools.partial(P.PercentilePruner, n_startup_trials=0, rank_check=False)
    pruner = pct(25.0)
    assert not pruner.prune(_running(5, {1: 2.0}), others, "minimize")
    assert pruner.prune(_running(5, {1: 2.01}), others, "minimize")
    # Maximising, 25 keeps the best quarter: the threshold is the 75th percentile of the values.
    assert not pruner.prune(_running(5, {1: 4.0}), others, "maximize")
    assert pruner.prune(_running(5, {1: 3.99}), others, "maximize")
    # 100 prunes only a trial worse than every other; 0 keeps only one at least as good as the best.
    assert pct(100.0).prune(_running(5, {1: 5.01}), others, "minimize")
    assert not pct(100.0).prune(_running(5, {1: 5.0}), others, "minimize")
    assert not pct(0.0).prune(_running(5, {1: 1.0}), others, "minimize")
    assert pct(0.0).prune(_running(5, {1: 1.01}), others, "minimize")


def test_percentile_judges_the_best_value_so_far():
    others = [_t(i, {0: 1.0, 1: v}) for i, v in enumerate([0.3, 0.4, 0.5])]
    pruner = P.MedianPruner(n_startup_trials=0)
    assert not pruner.prune(_running(3, {0: 0.1, 1: 0.9}), others, "minimize")  # it was at 0.1 already


def test_percentile_missing_steps_use_the_best_before_the_step():
    # Trial 0 skipped step 2 but went on to step 4: at step 2 it counts with its best before, 0.1.
    others = [_t(0, {1: 0.1, 4: 5.0}), _t(1, {2: 0.5}), _t(2, {2: 0.6})]
    pruner = P.MedianPruner(n_startup_trials=0, rank_check=False)
    assert pruner.prune(_running(3, {2: 0.55}), others, "minimize")  # median of (0.1, 0.5, 0.6) is 0.5
    assert not pruner.prune(_running(3, {2: 0.5}), others, "minimize")
    # A trial that stopped before the step, or only reported after it, is no evidence there.
    short = [_t(0, {1: 0.1}), _t(1, {2: 0.5}), _t(2, {3: 0.0})]
    assert not P.MedianPruner(n_startup_trials=0, n_min_trials=2, rank_check=False).prune(
        _running(3, {2: 0.9}), short, "minimize"
    )
    assert P.MedianPruner(n_startup_trials=0, n_min_trials=1, rank_check=False).prune(
        _running(3, {2: 0.9}), short, "minimize"
    )


def test_percentile_own_missing_steps_compare_at_the_reported_step():
    others = [_t(i, {s: v + 1.0 / s for s in range(1, END + 1)}) for i, v in enumerate([0.0, 0.1, 0.2])]
    pruner = P.MedianPruner(n_startup_trials=0, rank_check=False)
    # Reported only at step 5: compared with the others' best up to step 5 (1.2 is the median).
    assert pruner.prune(_running(3, {5: 0.35}), others, "minimize")
    assert not pruner.prune(_running(3, {5: 0.3}), others, "minimize")


def test_percentile_nan_is_worse_than_anything():
    pruner = P.MedianPruner(n_startup_trials=0, rank_check=False)
    others = _flat([0.1, NAN, NAN])
    # Others' NaNs rank last, so the median is NaN-as-worst: a finite value is never pruned.
    assert not pruner.prune(_running(3, {1: 1e9}), others, "minimize")
    assert not pruner.prune(_running(3, {1: -1e9}), others, "maximize")
    # The trial's own NaN is worse than any number...
    assert pruner.prune(_running(3, {1: NAN}), _flat([0.1, 0.2, 0.3]), "minimize")
    assert pruner.prune(_running(3, {1: NAN}), _flat([0.1, 0.2, 0.3]), "maximize")
    # ...even after a good start, once it diverged.
    assert pruner.prune(_running(3, {0: 0.0, 1: NAN}), _flat([0.1, 0.2, 0.3]), "minimize")
    # but ties with other NaNs: all NaN, nothing to tell them apart.
    assert not pruner.prune(_running(3, {1: NAN}), _flat([NAN, NAN, NAN]), "minimize")


def test_percentile_startup_counts_finished_trials_and_pruned_curves_are_evidence():
    pruner = P.MedianPruner(n_startup_trials=3, rank_check=False)
    others = [_t(0, {1: 0.1, END: 0.1}), _t(1, {1: 0.2}, TrialState.PRUNED), _t(2, {1: 0.3}, TrialState.RUNNING)]
    me = _running(3, {1: 0.25})
    assert not pruner.prune(me, others, "minimize")  # two finished trials only
    others.append(_t(4, {1: 5.0}, TrialState.PRUNED))
    # Now three finished; evidence 0.1, 0.2, 0.3, 5.0 → median 0.25: a tie, kept; just above, pruned.
    assert not pruner.prune(me, others, "minimize")
    assert pruner.prune(_running(3, {1: 0.26}), others, "minimize")
    # A pruned trial's curve makes the median worse than the complete trials alone would.
    complete_only = [t for t in others if t.state is TrialState.COMPLETE]
    assert not classic(n_startup_trials=0).prune(_running(3, {1: 0.1}), complete_only, "minimize")
    assert classic(n_startup_trials=0).prune(_running(3, {1: 0.2}), complete_only, "minimize")


def test_percentile_ignores_failed_and_waiting_trials():
    others = [_t(0, {1: 0.1, END: 0.1}), _t(1, {1: 0.0}, TrialState.FAIL), _t(2, {1: 0.0}, TrialState.FAIL)]
    assert not classic(n_startup_trials=0).prune(_running(3, {1: 0.1}), others, "minimize")
    assert classic(n_startup_trials=0).prune(_running(3, {1: 0.2}), others, "minimize")
    assert not classic(n_startup_trials=1).prune(_running(3, {1: 0.2}), [others[1]], "minimize")


def test_percentile_warmup_interval_and_min_trials():
    others = [_t(i, {s: 0.1 * i for s in range(10)}) for i in range(5)]
    bad = {s: 9.0 for s in range(10)}
    until = lambda k: {s: v for s, v in bad.items() if s <= k}  # noqa: E731
    warm = P.MedianPruner(n_startup_trials=0, n_warmup_steps=3, rank_check=False)
    assert [warm.prune(_running(9, until(k)), others, "minimize") for k in range(5)] == [False] * 3 + [True] * 2
    every3 = P.MedianPruner(n_startup_trials=0, n_warmup_steps=1, interval_steps=3, rank_check=False)
    assert [k for k in range(10) if every3.prune(_running(9, until(k)), others, "minimize")] == [1, 4, 7]
    needs6 = P.MedianPruner(n_startup_trials=0, n_min_trials=6, rank_check=False)
    assert not needs6.prune(_running(9, until(2)), others, "minimize")


def test_percentile_counts_others_that_reached_the_step_only():
    # Two others stopped at step 1 with great values; at step 5 only the third counts.
    others = [_t(0, {1: 0.0}, TrialState.PRUNED), _t(1, {1: 0.0}, TrialState.PRUNED), _t(2, {1: 0.9, 5: 0.8})]
    pruner = P.MedianPruner(n_startup_trials=0, rank_check=False)
    assert not pruner.prune(_running(3, {1: 0.9, 5: 0.8}), others, "minimize")
    assert pruner.prune(_running(3, {1: 0.9}), others, "minimize")


@pytest.mark.parametrize(
    "kwargs",
    [{"percentile": -1}, {"percentile": 100.5}, {"percentile": "50"}, {"percentile": 50, "n_startup_trials": -1},
     {"percentile": 50, "n_warmup_steps": 1.5}, {"percentile": 50, "interval_steps": 0},
     {"percentile": 50, "n_min_trials": 0}, {"percentile": 50, "n_min_trials": True}],
)  # fmt: skip
def test_percentile_validates_its_options(kwargs):
    with pytest.raises(ValueError, match=next(k for k in reversed(kwargs))):
        P.PercentilePruner(**kwargs)


def test_median_repr():
    assert repr(P.MedianPruner(n_warmup_steps=2)) == (
        "MedianPruner(n_startup_trials=5, n_warmup_steps=2, interval_steps=1, n_min_trials=1, rank_check=True)"
    )


# ---------------------------------------------------------------------------------------------------
# ThresholdPruner


def test_threshold_bounds_nan_and_ties():
    upper = P.ThresholdPruner(upper=1.0)
    assert upper.prune(_running(0, {0: 1.5}), [], "minimize")
    assert not upper.prune(_running(0, {0: 1.0}), [], "minimize")  # at the bound: kept
    assert upper.prune(_running(0, {0: NAN}), [], "minimize")
    both = P.ThresholdPruner(lower=0.2, upper=0.8)
    assert both.prune(_running(0, {0: 0.1}), [], "maximize")
    assert not both.prune(_running(0, {0: 0.5}), [], "maximize")
    assert both.prune(_running(0, {0: 0.9}), [], "maximize")


def test_threshold_judges_the_latest_value_after_warmup():
    pruner = P.ThresholdPruner(lower=0.5, n_warmup_steps=2)
    assert not pruner.prune(_running(0, {0: 0.9, 1: 0.1}), [], "maximize")  # still warming up
    assert pruner.prune(_running(0, {0: 0.9, 1: 0.9, 2: 0.1}), [], "maximize")  # latest, not best
    sparse = P.ThresholdPruner(upper=1.0, interval_steps=2)
    assert sparse.prune(_running(0, {0: 0.0, 2: 5.0}), [], "minimize")
    assert not sparse.prune(_running(0, {0: 0.0, 2: 0.0, 3: 5.0}), [], "minimize")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({}, "lower=, upper="), ({"lower": 2.0, "upper": 1.0}, "lower must not exceed"), ({"upper": NAN}, "upper"),
     ({"lower": "1"}, "lower"), ({"upper": 1.0, "n_warmup_steps": -1}, "n_warmup_steps")],
)  # fmt: skip
def test_threshold_validates_its_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        P.ThresholdPruner(**kwargs)


# ---------------------------------------------------------------------------------------------------
# PatientPruner


def test_patient_stagnation_alone():
    pruner = P.PatientPruner(None, patience=2)
    assert not pruner.prune(_running(0, {0: 1.0, 1: 0.5}), [], "minimize")  # too few reports
    assert not pruner.prune(_running(0, {0: 1.0, 1: 0.5, 2: 0.4}), [], "minimize")  # improving
    assert not pruner.prune(_running(0, {0: 1.0, 1: 0.5, 2: 0.6}), [], "minimize")  # one flat report
    assert pruner.prune(_running(0, {0: 1.0, 1: 0.5, 2: 0.6, 3: 0.5}), [], "minimize")  # tie is no gain
    assert pruner.prune(_running(0, {0: 0.1, 1: 0.5, 2: 0.6, 3: 0.5}), [], "minimize")  # 0.1 came first
    assert not pruner.prune(_running(0, {0: 0.1, 1: 0.5, 2: 0.6, 3: 0.5}), [], "maximize")  # 0.6 beats 0.5


def test_patient_counts_reports_not_steps_and_min_delta():
    pruner = P.PatientPruner(None, patience=1, min_delta=0.1)
    assert pruner.prune(_running(0, {0: 1.0, 10: 0.95}), [], "minimize")  # improved, but by less than 0.1
    assert not pruner.prune(_running(0, {0: 1.0, 10: 0.85}), [], "minimize")
    assert not pruner.prune(_running(0, {0: 1.0, 10: 1.15}), [], "maximize")
    assert pruner.prune(_running(0, {0: 1.0, 10: 1.05}), [], "maximize")


def test_patient_nan_is_no_improvement_and_a_number_after_nans_is():
    pruner = P.PatientPruner(None, patience=1)
    assert pruner.prune(_running(0, {0: 1.0, 1: NAN}), [], "minimize")
    assert not pruner.prune(_running(0, {0: NAN, 1: 5.0}), [], "minimize")
    assert pruner.prune(_running(0, {0: NAN, 1: NAN}), [], "maximize")
    assert not pruner.prune(_running(0, {0: -math.inf, 1: 0.0}), [], "maximize")  # -inf before, then a gain


def test_patient_defers_to_the_wrapped_pruner_once_stagnated():
    others = _flat([0.1, 0.2, 0.3], step=2)
    median = P.MedianPruner(n_startup_trials=0, rank_check=False)
    pruner = P.PatientPruner(median, patience=1)
    improving = _running(3, {0: 2.0, 1: 1.5, 2: 1.0})
    stuck = _running(3, {0: 2.0, 1: 0.9, 2: 1.0})
    assert median.prune(improving, others, "minimize")
    assert not pruner.prune(improving, others, "minimize")  # the median alone would prune; patience says wait
    assert pruner.prune(stuck, others, "minimize")
    assert not pruner.prune(_running(3, {0: 2.0, 1: 0.1, 2: 0.15}), others, "minimize")  # stuck but good
    assert P.PatientPruner(median, patience=0).prune(improving, others, "minimize")


def test_patient_validates_its_options():
    with pytest.raises(ValueError, match="patience"):
        P.PatientPruner(None, patience=-1)
    with pytest.raises(ValueError, match="min_delta"):
        P.PatientPruner(None, patience=1, min_delta=-0.1)
    with pytest.raises(TypeError, match="wrapped"):
        P.PatientPruner("median", patience=1)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------
# SuccessiveHalvingPruner


def test_asha_rungs():
    asha = P.SuccessiveHalvingPruner(min_resource=2, reduction_factor=3, min_early_stopping_rate=1, max_resource=100)
    assert list(asha.rungs(2)) == [6, 18, 54]
    assert list(P.SuccessiveHalvingPruner(reduction_factor=2, max_resource=8).rungs(1)) == [1, 2, 4]


def test_asha_keeps_the_top_fraction_at_a_rung():
    asha = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, rank_check=False)
    others = _flat([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])  # with the trial, 8 scores: the best 4 go on
    assert not asha.prune(_running(7, {1: 0.35}), others, "minimize")
    assert not asha.prune(_running(7, {1: 0.4}), others, "minimize")  # tie with the 4th best promotes
    assert asha.prune(_running(7, {1: 0.45}), others, "minimize")
    assert not asha.prune(_running(7, {1: 0.45}), others, "maximize")  # 0.45 is 4th best of the maximum side
    assert asha.prune(_running(7, {1: 0.35}), others, "maximize")


def test_asha_first_trials_at_a_rung_go_on_only_while_best():
    asha = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=4, rank_check=False)
    others = _flat([0.5, 0.3])  # 3 scores with the trial, fewer than eta: keep the best only
    assert not asha.prune(_running(2, {1: 0.3}), others, "minimize")
    assert asha.prune(_running(2, {1: 0.31}), others, "minimize")
    assert not asha.prune(_running(0, {1: 9.0}), [], "minimize")  # alone at the rung


def test_asha_judges_each_rung_once_at_the_report_that_reaches_it():
    asha = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, rank_check=False)  # rungs 1, 2, 4, 8
    better = [_t(i, {s: 0.0 for s in range(1, 9)}) for i in range(4)]
    assert asha.prune(_running(4, {1: 0.5, 2: 0.5}), better, "minimize")  # reaching rung 2 now: judged
    # Promoted past rungs 1 and 2 earlier, the trial is not judged again at step 3, which is no rung,
    # although the trials that reached those rungs since are all better.
    assert not asha.prune(_running(4, {1: 0.5, 2: 0.5, 3: 0.5}), better, "minimize")
    assert asha.prune(_running(4, {1: 0.5, 2: 0.5, 3: 0.5, 4: 0.5}), better, "minimize")


def test_asha_rung_score_is_the_best_so_far():
    asha = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, rank_check=False)
    others = [_t(i, {s: 0.5 for s in range(1, 9)}) for i in range(3)]
    # At rung 4 the trial scores 0.0 (its best so far), not its latest 0.9: the best of four, promoted.
    assert not asha.prune(_running(4, {1: 0.0, 2: 0.0, 3: 0.9, 4: 0.9}), others, "minimize")
    assert asha.prune(_running(4, {1: 0.9, 2: 0.9, 3: 0.9, 4: 0.9}), others, "minimize")


def test_asha_reports_that_jump_over_rungs_are_judged_at_each():
    asha = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, rank_check=False)
    # At rung 1 the trial (0.5) is 2nd of 3 (kept: n//2 = 1 → must be best... it is not) → pruned.
    others = [_t(0, {1: 0.4, 2: 0.9, 4: 0.9, 8: 0.9}), _t(1, {4: 0.9, 8: 0.9})]
    assert asha.prune(_running(2, {4: 0.5}), others, "minimize")
    # Without trial 0 the trial is best at every rung it jumped over.
    assert not asha.prune(_running(2, {4: 0.5}), others[1:], "minimize")


def test_asha_competitor_missing_the_rung_step_counts_with_its_first_report_after():
    asha = P.SuccessiveHalvingPruner(min_resource=2, reduction_factor=2, rank_check=False)  # rungs 2, 4, ...
    other = _t(0, {1: 0.9, 3: 0.2})  # skipped step 2: its rung-2 score is its best up to step 3
    assert asha.prune(_running(1, {2: 0.3}), [other], "minimize")
    assert not asha.prune(_running(1, {2: 0.2}), [other], "minimize")


def test_asha_nan_is_worst_and_pruned_curves_count():
    asha = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, rank_check=False)
    assert asha.prune(_running(1, {1: NAN}), [_t(0, {1: 5.0}, TrialState.PRUNED)], "minimize")
    assert asha.prune(_running(1, {1: NAN}), [_t(0, {1: 5.0}, TrialState.PRUNED)], "maximize")
    assert not asha.prune(_running(1, {1: 5.0}), [_t(0, {1: NAN})], "minimize")
    assert not asha.prune(_running(1, {1: NAN}), [_t(0, {1: NAN})], "minimize")  # a tie of NaNs promotes
    assert not asha.prune(_running(1, {1: 5.0}), [_t(0, {1: 1.0}, TrialState.FAIL)], "minimize")


def test_asha_min_early_stopping_rate_and_max_resource():
    others = _flat([0.0, 0.0, 0.0], step=4)
    late = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, min_early_stopping_rate=2, rank_check=False)
    assert not late.prune(_running(9, {2: 1.0}), _flat([0.0, 0.0, 0.0], step=2), "minimize")  # rung 2 skipped
    assert late.prune(_running(9, {4: 1.0}), others, "minimize")
    others = [_t(i, {1: 1.0, 2: 1.0, 4: 0.0, 8: 0.0}) for i in range(3)]
    me = _running(9, {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0})
    assert P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, rank_check=False).prune(me, others, "minimize")
    capped = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, max_resource=4, rank_check=False)
    assert not capped.prune(me, others, "minimize")  # rung 4 is the full run: never judged


def test_asha_auto_min_resource_from_the_first_complete_trial():
    asha = P.SuccessiveHalvingPruner(reduction_factor=2, rank_check=False)
    running = [_t(0, {s: 0.0 for s in range(1, 5)}, TrialState.RUNNING)]
    assert asha.resolved_min_resource(running) is None
    assert not asha.prune(_running(1, {1: 9.0}), running, "minimize")
    long = [_t(0, {250: 0.0}), _t(1, {1000: 0.0})]
    assert asha.resolved_min_resource(long) == 2
    assert asha.resolved_min_resource([_t(0, {3: 0.0})]) == 1
    assert asha.prune(_running(2, {1: 9.0, 2: 9.0}), [_t(0, {2: 0.0, 250: 0.0})], "minimize")  # rung 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"min_resource": 0}, "min_resource"), ({"min_resource": "half"}, "min_resource"),
     ({"reduction_factor": 1}, "reduction_factor"), ({"min_early_stopping_rate": -1}, "min_early_stopping_rate"),
     ({"max_resource": 0}, "max_resource")],
)  # fmt: skip
def test_asha_validates_its_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        P.SuccessiveHalvingPruner(**kwargs)


# ---------------------------------------------------------------------------------------------------
# HyperbandPruner


def test_hyperband_brackets_and_budgets():
    assert _budgets(4, 3) == [27, 12, 6, 4]  # Hyperband's n_i for R = 27, eta = 3
    hb = P.HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3)
    assert hb.n_brackets([]) == 4
    assert P.HyperbandPruner(min_resource=1, max_resource=26).n_brackets([]) == 3
    assert P.HyperbandPruner(min_resource=5, max_resource=5).n_brackets([]) == 1
    counts = [0] * 4
    for n in range(4900):
        counts[hb.bracket(n, [])] += 1  # type: ignore[index]
    assert [round(c / 100) for c in counts] == [27, 12, 6, 4]
    # Deterministic: a new pruner, or any process, puts a trial in the same bracket.
    again = P.HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3)
    assert [again.bracket(n, []) for n in range(200)] == [hb.bracket(n, []) for n in range(200)]


def _numbers_in(hb: P.HyperbandPruner, bracket: int, count: int, start: int = 0) -> list[int]:
    out, n = [], start
    while len(out) < count:
        if hb.bracket(n, []) == bracket:
            out.append(n)
        n += 1
    return out


def test_hyperband_compares_within_the_bracket_only():
    hb = P.HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3, rank_check=False)  # brackets 0, 1, 2
    b0 = _numbers_in(hb, 0, 4)
    b1 = _numbers_in(hb, 1, 3)
    me = _running(b0[3], {1: 0.5})
    same = [_t(n, {1: 0.9}) for n in b0[:3]]
    other = [_t(n, {1: 0.0}) for n in b1]
    assert not hb.prune(me, same + other, "minimize")  # best in its bracket; bracket 1's better trials don't count
    assert hb.prune(me, [_t(n, {1: 0.1}) for n in b0[:3]] + other, "minimize")


def test_hyperband_bracket_rungs_start_later_and_the_last_runs_to_the_end():
    hb = P.HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3, rank_check=False)
    b1 = _numbers_in(hb, 1, 4)
    rivals = [_t(n, {s: 0.0 for s in range(1, 10)}) for n in b1[:3]]
    assert not hb.prune(_running(b1[3], {1: 5.0}), rivals, "minimize")  # bracket 1 has no rung at 1
    assert hb.prune(_running(b1[3], {1: 5.0, 2: 5.0, 3: 5.0}), rivals, "minimize")
    b2 = _numbers_in(hb, 2, 4)
    rivals = [_t(n, {s: 0.0 for s in range(1, 10)}) for n in b2[:3]]
    curve = {s: 5.0 for s in range(1, 10)}
    assert not any(
        hb.prune(_running(b2[3], {s: v for s, v in curve.items() if s <= k}), rivals, "minimize") for k in range(1, 10)
    )


def test_hyperband_auto_max_resource_waits_for_a_complete_trial():
    hb = P.HyperbandPruner(min_resource=1, reduction_factor=3)
    assert hb.n_brackets([_t(0, {s: 0.0 for s in range(1, 28)}, TrialState.PRUNED)]) is None
    assert not hb.prune(_running(1, {1: 9.0}), [_t(0, {1: 0.0}, TrialState.RUNNING)], "minimize")
    trials = [_t(5, {s: 0.0 for s in range(1, 10)}), _t(3, {s: 0.0 for s in range(1, 28)})]
    assert hb.resolved_max_resource(trials) == 27  # the lowest-numbered complete trial
    assert hb.n_brackets(trials) == 4


def test_hyperband_trials_for_sampler_drops_other_brackets_pruned_trials():
    hb = P.HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    b0, b1 = _numbers_in(hb, 0, 2), _numbers_in(hb, 1, 2)
    trials = [_t(b0[0], {9: 0.0}), _t(b1[0], {9: 0.0}), _t(b0[1], {1: 1.0}, TrialState.PRUNED),
              _t(b1[1], {3: 1.0}, TrialState.PRUNED)]  # fmt: skip
    kept = {t.number for t in hb.trials_for_sampler(_numbers_in(hb, 0, 3)[2], trials)}
    assert kept == {b0[0], b1[0], b0[1]}
    assert P.PatientPruner(hb, patience=1).trials_for_sampler(_numbers_in(hb, 0, 3)[2], trials) == [
        t for t in trials if t.number in kept
    ]
    assert P.MedianPruner().trials_for_sampler(0, trials) is trials


def test_hyperband_validates_its_options():
    with pytest.raises(ValueError, match="max_resource must be >= min_resource"):
        P.HyperbandPruner(min_resource=10, max_resource=5)
    with pytest.raises(ValueError, match="max_resource"):
        P.HyperbandPruner(max_resource="later")
    with pytest.raises(ValueError, match="reduction_factor"):
        P.HyperbandPruner(reduction_factor=1)


# ---------------------------------------------------------------------------------------------------
# the last step


@pytest.mark.parametrize("rank_check", [False, True])
def test_no_trial_is_stopped_at_the_last_step_of_the_complete_trials(rank_check):
    """A trial there has cost a full run: stopping it would only throw its result away."""
    others = [_t(i, {s: v for s in range(1, END + 1)}) for i, v in enumerate([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])]
    worst = {s: 9.0 for s in range(1, END + 1)}
    until = lambda k: {s: v for s, v in worst.items() if s <= k}  # noqa: E731
    median = P.MedianPruner(n_startup_trials=0, rank_check=rank_check)
    asha = P.SuccessiveHalvingPruner(min_resource=2, reduction_factor=5, rank_check=rank_check)  # rungs 2, 10, 50
    for pruner in (median, asha):
        assert pruner.prune(_running(9, until(2)), others, "minimize")
        assert not pruner.prune(_running(9, worst), others, "minimize")  # step 10 is where the others ended
    # Past the end of every complete trial as well; before any trial completed, nothing says where the end is.
    assert not median.prune(_running(9, {**worst, 11: 9.0}), others, "minimize")
    running = [_t(i, t.intermediate_values, TrialState.RUNNING) for i, t in enumerate(others)]
    assert P.MedianPruner(n_startup_trials=0, rank_check=False).prune(_running(9, worst), running, "minimize")
