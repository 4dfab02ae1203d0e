"""Studies: creating and loading them, directions, best trials, ask/tell, enqueue, running, failures."""

from __future__ import annotations

import gc
import math
import re
import sys
import time
import warnings
from typing import Any

import numpy as np
import pytest

import hyperscout as hs
from hyperscout import TrialState

# ---------------------------------------------------------------------------------------------------
# helpers


def _storage(storage_url: str | None):
    """Something every call of a test can pass as ``storage=`` and see the same studies through.

    ``None`` would give each call its own, empty, in-memory storage, so memory tests share one object;
    SQLite tests pass the URL itself, so every call opens the file anew, as separate processes would.
    """
    return hs.storages.InMemoryStorage() if storage_url is None else storage_url


def _told(storage_url: str | None, values, direction: str = "minimize", **kwargs) -> hs.Study:
    """A study whose trials have exactly ``values`` (``None`` → a failed trial), each with param ``i``."""
    study = hs.create_study(storage=_storage(storage_url), direction=direction, **kwargs)
    for i, v in enumerate(values):
        trial = study.ask({"i": hs.Int(i, i)})
        if v is None:
            study.tell(trial, state="fail")
        else:
            study.tell(trial, v)
    return study


def _quiet(study: hs.Study, objective, **kwargs) -> None:
    study.optimize(objective, show_progress_bar=False, **kwargs)


# ---------------------------------------------------------------------------------------------------
# creating, loading, deleting


def test_create_load_delete(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("a", storage, seed=0)
    hs.create_study("b", storage)
    _quiet(study, lambda t: t.suggest_float("x", 0, 1), n_trials=3)

    assert study.study_name == "a"
    assert hs.get_all_study_names(storage) == ["a", "b"]
    loaded = hs.load_study("a", storage)
    assert [t.number for t in loaded.trials] == [0, 1, 2]
    assert [t.params for t in loaded.trials] == [t.params for t in study.trials]
    assert [t.values for t in loaded.trials] == [t.values for t in study.trials]
    assert all(t.state is TrialState.COMPLETE for t in loaded.trials)

    hs.delete_study("a", storage)
    assert hs.get_all_study_names(storage) == ["b"]
    with pytest.raises(KeyError, match="'a'.*\\['b'\\]"):
        hs.load_study("a", storage)
    with pytest.raises(KeyError, match="'a'"):
        hs.delete_study("a", storage)
    # The name is free again, and the new study starts empty.
    assert hs.create_study("a", storage).trials == []


def test_create_without_name_makes_unique_names(storage_url):
    storage = _storage(storage_url)
    a, b = hs.create_study(storage=storage), hs.create_study(storage=storage)
    assert a.study_name != b.study_name
    assert sorted(hs.get_all_study_names(storage)) == sorted([a.study_name, b.study_name])


def test_load_if_exists_resumes(storage_url):
    storage = _storage(storage_url)
    first = hs.create_study("s", storage, seed=3)
    _quiet(first, lambda t: t.suggest_float("x", 0, 1), n_trials=2)

    again = hs.create_study("s", storage, seed=3)  # load_if_exists=True is the default
    assert [t.value for t in again.trials] == [t.value for t in first.trials]
    _quiet(again, lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert [t.number for t in hs.load_study("s", storage).trials] == [0, 1, 2, 3]

    with pytest.raises(hs.DuplicatedStudyError, match="'s'"):
        hs.create_study("s", storage, load_if_exists=False)
    assert len(hs.load_study("s", storage).trials) == 4


# ---------------------------------------------------------------------------------------------------
# directions


def test_directions(storage_url):
    storage = _storage(storage_url)
    assert hs.create_study("default", storage).direction == "minimize"
    assert hs.create_study("max", storage, direction="maximize").direction == "maximize"
    assert hs.create_study("alias", storage, direction="max").direction == "maximize"
    multi = hs.create_study("multi", storage, directions=["minimize", "maximize"])
    assert multi.directions == ("minimize", "maximize")
    with pytest.raises(RuntimeError, match="directions"):
        multi.direction  # noqa: B018
    # The directions are stored with the study.
    assert hs.load_study("max", storage).direction == "maximize"
    assert hs.load_study("multi", storage).directions == ("minimize", "maximize")
    # Loading without saying the direction keeps the stored one.
    assert hs.create_study("max", storage).direction == "maximize"


def test_wrong_direction_string(storage_url):
    storage = _storage(storage_url)
    with pytest.raises(ValueError, match="'minimise-ish'"):
        hs.create_study("x", storage, direction="minimise-ish")
    with pytest.raises(ValueError, match="direction"):
        hs.create_study("x", storage, directions=["minimize", "up"])
    with pytest.raises(ValueError, match="not both"):
        hs.create_study("x", storage, direction="minimize", directions=["minimize"])
    with pytest.raises(ValueError, match="at least one"):
        hs.create_study("x", storage, directions=[])
    if isinstance(storage, str):  # the arguments were refused before a database file was made
        with pytest.raises(hs.StorageError, match="no file"):
            hs.get_all_study_names(storage)
    else:
        assert hs.get_all_study_names(storage) == []


def test_loading_with_other_directions_errors(storage_url):
    storage = _storage(storage_url)
    hs.create_study("s", storage, direction="minimize")
    with pytest.raises(ValueError, match="minimize.*maximize"):
        hs.create_study("s", storage, direction="maximize")
    with pytest.raises(ValueError, match="directions"):
        hs.create_study("s", storage, directions=["minimize", "minimize"])
    assert hs.load_study("s", storage).directions == ("minimize",)


# ---------------------------------------------------------------------------------------------------
# best trials


def test_best_minimize_ties_go_to_the_earliest(storage_url):
    study = _told(storage_url, [3.0, None, 1.0, 2.0, 1.0])
    assert study.best_trial.number == 2
    assert study.best_value == 1.0
    assert study.best_params == {"i": 2}


def test_best_maximize_ties_go_to_the_earliest(storage_url):
    study = _told(storage_url, [1.0, 5.0, None, 5.0, -2.0], direction="maximize")
    assert study.best_trial.number == 1
    assert study.best_value == 5.0
    assert study.best_params == {"i": 1}


def test_best_ignores_pruned_failed_and_running(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    ok = study.ask()
    study.tell(ok, 10.0)
    study.tell(study.ask(), state="pruned")
    study.tell(study.ask(), state="fail")
    study.ask()  # left running
    assert study.best_trial.number == ok.number
    assert study.best_value == 10.0


def test_best_trial_without_complete_trial_is_a_clear_error(storage_url):
    study = hs.create_study("empty", storage=_storage(storage_url))
    with pytest.raises(ValueError, match="'empty' has no complete trial"):
        study.best_trial  # noqa: B018
    study.tell(study.ask(), state="fail")
    with pytest.raises(ValueError, match="no complete trial.*'fail': 1"):
        study.best_value  # noqa: B018
    with pytest.raises(ValueError, match="no complete trial"):
        study.best_params  # noqa: B018


def test_best_trials_pareto_front(storage_url):
    study = hs.create_study(storage=_storage(storage_url), directions=["minimize", "minimize"])
    points = [(1.0, 4.0), (2.0, 2.0), (3.0, 3.0), (4.0, 1.0), (2.0, 2.0), (5.0, 5.0), (1.0, 5.0)]
    for p in points:
        study.tell(study.ask(), p)
    study.tell(study.ask(), state="fail")
    # (3,3) and (5,5) are dominated by (2,2); (1,5) by (1,4); equal points dominate neither other.
    assert [t.number for t in study.best_trials] == [0, 1, 3, 4]
    with pytest.raises(RuntimeError, match="best_trials"):
        study.best_trial  # noqa: B018


def test_best_trials_pareto_front_mixed_directions(storage_url):
    study = hs.create_study(storage=_storage(storage_url), directions=["minimize", "maximize"])
    for p in [(1.0, 1.0), (2.0, 3.0), (2.0, 2.0), (0.5, 0.5), (3.0, 3.0)]:
        study.tell(study.ask(), p)
    # Lower first / higher second is better: (2,2) loses to (2,3), (3,3) loses to (2,3).
    assert [t.number for t in study.best_trials] == [0, 1, 3]


def test_best_trials_single_objective_is_all_ties_of_the_best(storage_url):
    study = _told(storage_url, [2.0, 1.0, 3.0, 1.0])
    assert [t.number for t in study.best_trials] == [1, 3]


# ---------------------------------------------------------------------------------------------------
# ask and tell


def test_ask_tell(storage_url):
    study = hs.create_study(storage=_storage(storage_url), seed=0)
    trial = study.ask()
    assert isinstance(trial, hs.Trial)
    x = trial.suggest_float("x", -1, 1)
    assert study.trials[trial.number].state is TrialState.RUNNING
    frozen = study.tell(trial, x**2)
    assert frozen.state is TrialState.COMPLETE
    assert frozen.value == x**2
    assert frozen.params == {"x": x}
    assert frozen.distributions == {"x": hs.Float(-1, 1)}
    assert study.trials[0] == frozen


def test_ask_with_space(storage_url):
    study = hs.create_study(storage=_storage(storage_url), seed=0)
    space = {"lr": hs.Float(1e-4, 1e-1, log=True), "depth": hs.Int(1, 8), "kind": hs.Categorical(("a", "b"))}
    trial = study.ask(space)
    assert set(trial.params) == {"lr", "depth", "kind"}
    assert all(space[k].contains(v) for k, v in trial.params.items())
    study.tell(trial, 0.5)
    stored = study.trials[trial.number]
    assert stored.params == trial.params
    assert dict(stored.distributions) == space


def test_ask_n(storage_url):
    study = hs.create_study(storage=_storage(storage_url), seed=0)
    trials = study.ask({"x": hs.Float(0, 1)}, n=3)
    assert [t.number for t in trials] == [0, 1, 2]
    assert len({t.params["x"] for t in trials}) == 3
    assert [t.state for t in study.trials] == [TrialState.RUNNING] * 3
    # Told out of order, by number.
    study.tell(2, 0.2)
    study.tell(trials[0], 0.0)
    study.tell(trials[1].number, state="pruned")
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE]
    with pytest.raises(ValueError, match="positive"):
        study.ask(n=0)


def test_tell_nan_fails_the_trial(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    trial = study.ask()
    with pytest.warns(UserWarning, match="FAIL"):
        frozen = study.tell(trial, float("nan"))
    assert frozen.state is TrialState.FAIL
    assert frozen.values is None
    assert "nan" in frozen.error.lower()
    assert study.trials[trial.number].state is TrialState.FAIL


def test_tell_twice_errors(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(ValueError, match="already finished"):
        study.tell(trial, 2.0)
    assert study.trials[trial.number].value == 1.0


def test_tell_errors(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    with pytest.raises(ValueError, match="no trial 0"):
        study.tell(0, 1.0)
    trial = study.ask()
    with pytest.raises(ValueError, match="needs the objective value"):
        study.tell(trial)
    with pytest.raises(ValueError, match="running"):
        study.tell(trial, state="running")
    assert study.trials[trial.number].state is TrialState.RUNNING


def test_using_a_trial_after_tell_is_a_clear_error(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    study.tell(trial, 1.0)
    with pytest.raises((RuntimeError, ValueError), match="finished"):
        trial.report(0.5, 0)
    with pytest.raises((RuntimeError, ValueError), match="finished"):
        trial.suggest_float("y", 0, 1)
    assert study.trials[0].intermediate_values == {}
    assert set(study.trials[0].params) == {"x"}


# ---------------------------------------------------------------------------------------------------
# enqueue


def test_enqueued_params_run_first_in_order(storage_url):
    study = hs.create_study(storage=_storage(storage_url), seed=0)
    assert study.enqueue({"x": 0.25, "k": "bb"}) == 0
    assert study.enqueue({"x": 0.75}, user_attrs={"why": "hunch"}) == 1
    assert [t.state for t in study.trials] == [TrialState.WAITING] * 2

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _quiet(study, lambda t: t.suggest_float("x", 0, 1) + len(t.suggest_categorical("k", ["a", "bb"])), n_trials=3)
    trials = study.trials
    assert len(trials) == 3
    assert trials[0].params == {"x": 0.25, "k": "bb"}
    assert trials[0].value == 2.25
    assert trials[1].params["x"] == 0.75
    assert trials[1].user_attrs == {"why": "hunch"}
    assert trials[2].params["x"] not in (0.25, 0.75)
    assert all(t.state is TrialState.COMPLETE for t in trials)


def test_enqueued_value_outside_the_distribution_warns_and_resamples(storage_url):
    study = hs.create_study(storage=_storage(storage_url), seed=0)
    study.enqueue({"x": 5.0, "n": 3})
    with pytest.warns(UserWarning, match="'x' is outside"):
        _quiet(study, lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 10), n_trials=1)
    trial = study.trials[0]
    assert trial.state is TrialState.COMPLETE
    assert 0 <= trial.params["x"] <= 1
    assert trial.params["n"] == 3  # the valid one is still used
    assert trial.value == trial.params["x"] + 3


def test_enqueue_non_json_param_is_refused(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    with pytest.raises(TypeError, match="'x'"):
        study.enqueue({"x": object()})
    assert study.trials == []


# ---------------------------------------------------------------------------------------------------
# optimize: callbacks, stop, timeout, n_trials


def test_callbacks_get_the_frozen_trial(storage_url):
    study = hs.create_study(storage=_storage(storage_url), seed=0)
    seen = []

    def callback(s, frozen):
        assert s is study
        assert isinstance(frozen, hs.FrozenTrial)
        assert frozen.state.is_finished
        seen.append(frozen)

    def objective(t):
        if t.number == 1:
            raise hs.TrialPruned()
        return t.suggest_float("x", 0, 1)

    _quiet(study, objective, n_trials=3, callbacks=[callback])
    assert [t.number for t in seen] == [0, 1, 2]
    assert [t.state for t in seen] == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE]
    assert seen == study.trials


def test_stop_from_a_callback(storage_url):
    study = hs.create_study(storage=_storage(storage_url))

    def callback(s, frozen):
        if frozen.number == 2:
            s.stop()

    _quiet(study, lambda t: 1.0, n_trials=100, callbacks=[callback])
    assert len(study.trials) == 3
    # The stop request is consumed: the next optimize runs again.
    _quiet(study, lambda t: 1.0, n_trials=2)
    assert len(study.trials) == 5


def test_timeout_stops(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    start = time.monotonic()
    _quiet(study, lambda t: time.sleep(0.05) or 1.0, timeout=0.3)
    elapsed = time.monotonic() - start
    assert 0.3 <= elapsed < 30  # it stopped; the upper bound is loose for a busy machine
    assert 1 <= len(study.trials) <= 8
    assert all(t.state is TrialState.COMPLETE for t in study.trials)


def test_n_trials_zero(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    calls = []
    _quiet(study, lambda t: calls.append(t) or 1.0, n_trials=0)
    assert calls == []
    assert study.trials == []


@pytest.mark.parametrize(("bad", "error"), [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("3", TypeError)])
def test_bad_n_trials(bad, error):
    with pytest.raises(error, match="n_trials"):
        hs.create_study().optimize(lambda t: 1.0, n_trials=bad)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"timeout": True}, TypeError, r"timeout must be a positive number of seconds or None, got True"),
        ({"timeout": "5"}, TypeError, r"timeout must be .*got '5'"),
        ({"timeout": 0}, ValueError, r"timeout must be .*got 0"),
        ({"timeout": math.nan}, ValueError, r"timeout must be"),
        ({"trial_timeout": True}, TypeError, r"trial_timeout must be .*got True"),
        ({"trial_timeout": "60"}, TypeError, r"trial_timeout must be"),
        ({"n_jobs": True}, TypeError, r"n_jobs must be an int >= 1, -1 \(one per CPU\) or None, got True"),
        ({"n_jobs": "2"}, TypeError, r"n_jobs must be"),
        ({"n_jobs": -1.0}, TypeError, r"n_jobs must be"),
        ({"n_jobs": 0}, ValueError, r"n_jobs must be"),
        ({"retry_failed": True}, TypeError, r"retry_failed must be an int >= 0, got True"),
        ({"catch": "x"}, TypeError, r"catch must be an exception class or a tuple of them .*got 'x'"),
        ({"catch": [ValueError, "x"]}, TypeError, r"catch must be .*'x'"),
        ({"catch": 5}, TypeError, r"catch must be"),
        ({"catch": int}, TypeError, r"catch must be .*int"),
        ({"callbacks": 5}, TypeError, r"callbacks must be a list of functions f\(study, trial\), got 5"),
        ({"callbacks": "cb"}, TypeError, r"callbacks must be .*'cb'"),
        ({"callbacks": [print, 5]}, TypeError, r"callbacks must be"),
        ({"isolate": "no"}, TypeError, r"isolate must be True or False, got 'no'"),
        ({"show_progress_bar": "no"}, TypeError, r"show_progress_bar must be True or False or None, got 'no'"),
    ],
)
def test_bad_run_arguments_are_refused_before_any_trial(kwargs, error, message):
    study = hs.create_study()

    def objective(trial: hs.Trial) -> float:
        raise RuntimeError("a trial ran")

    with pytest.raises(error, match=message):
        study.optimize(objective, n_trials=2, **kwargs)
    assert study.trials == []  # nothing started, so nothing is left RUNNING


def test_catch_accepts_a_class_a_tuple_a_list_or_nothing():
    for catch in (ValueError, (ValueError, KeyError), [ValueError], ()):
        study = hs.create_study()
        _quiet(study, lambda t: 1.0, n_trials=1, catch=catch)
        assert study.trials[0].state is TrialState.COMPLETE


# ---------------------------------------------------------------------------------------------------
# failures


def test_raising_objective_fails_the_trial_and_the_study_goes_on(storage_url):
    study = hs.create_study(storage=_storage(storage_url))

    def objective(t):
        if t.number % 2:
            raise ValueError(f"boom {t.number}")
        return float(t.number)

    _quiet(study, objective, n_trials=6)
    trials = study.trials
    assert len(trials) == 6
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL] * 3
    assert trials[1].error == "ValueError: boom 1"
    assert trials[3].error == "ValueError: boom 3"
    assert trials[0].error is None
    assert trials[1].finished_at is not None


def test_failures_after_a_success_never_stop_the_run(storage_url):
    study = hs.create_study(storage=_storage(storage_url))

    def objective(t):
        if t.number > 0:
            raise RuntimeError("later trials all fail")
        return 1.0

    _quiet(study, objective, n_trials=6)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] + [TrialState.FAIL] * 5


class _Custom(Exception):
    pass


def test_first_three_trials_raising_raise_the_objectives_error(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    calls = []

    def objective(t):
        calls.append(t.number)
        raise _Custom(f"broken {t.number}")

    with pytest.raises(_Custom, match="broken 2"):
        _quiet(study, objective, n_trials=20)
    assert calls == [0, 1, 2]
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAIL] * 3
    assert [t.error for t in trials] == [f"test_study._Custom: broken {i}" for i in range(3)]


def test_catch_empty_propagates_after_recording_fail(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("s", storage)
    _quiet(study, lambda t: 1.0, n_trials=1)

    def objective(t):
        raise ZeroDivisionError("no catch")

    with pytest.raises(ZeroDivisionError, match="no catch"):
        _quiet(study, objective, n_trials=5, catch=())
    trials = hs.load_study("s", storage).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL]
    assert "ZeroDivisionError: no catch" in trials[1].error


def test_catch_narrow_lets_other_errors_propagate(storage_url):
    study = hs.create_study(storage=_storage(storage_url))

    def objective(t):
        if t.number == 0:
            raise ValueError("caught")
        raise KeyError("not caught")

    with pytest.raises(KeyError):
        _quiet(study, objective, n_trials=5, catch=ValueError)
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.FAIL]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -math.inf])
def test_nan_or_inf_return_fails_with_a_reason(storage_url, value):
    study = hs.create_study(storage=_storage(storage_url))
    _quiet(study, lambda t: value, n_trials=4)  # no exception, not even after the first three
    trials = study.trials
    assert len(trials) == 4
    assert all(t.state is TrialState.FAIL for t in trials)
    assert all("NaN and infinite values" in t.error for t in trials)
    assert all(t.values is None for t in trials)


def test_non_number_return_fails(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    _quiet(study, lambda t: "good", n_trials=1)
    assert study.trials[0].state is TrialState.FAIL
    assert "'good'" in study.trials[0].error


@pytest.mark.parametrize("value", ["0.5", True, False, None, b"1", np.bool_(True), [0.5, "1"], {"loss": 0.5}])
def test_strings_booleans_and_none_are_never_taken_as_numbers(value):
    # Optuna FAILs a trial whose value is not a number; "0.5" and True were recorded as 0.5 and 1.0.
    study = hs.create_study()
    _quiet(study, lambda t: value, n_trials=1)
    t = study.trials[0]
    assert t.state is TrialState.FAIL and t.values is None
    assert "not a number" in t.error or "value(s)" in t.error
    with pytest.warns(UserWarning, match="recorded as FAIL.*not a number"):
        assert study.tell(study.ask(), "0.5").state is TrialState.FAIL


@pytest.mark.parametrize("value", [0.5, np.float64(0.5), np.array(0.5), [0.5], (0.5,)])
def test_numbers_of_any_kind_are_values(value):
    study = hs.create_study()
    _quiet(study, lambda t: value, n_trials=1)
    assert study.trials[0].state is TrialState.COMPLETE and study.trials[0].values == (0.5,)


def test_wrong_number_of_values_fails(storage_url):
    study = hs.create_study(storage=_storage(storage_url), directions=["minimize", "maximize"])
    _quiet(study, lambda t: 1.0, n_trials=1)
    _quiet(study, lambda t: (1.0, 2.0, 3.0), n_trials=1)
    _quiet(study, lambda t: (1.0, 2.0), n_trials=1)
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.FAIL, TrialState.COMPLETE]
    assert "returned 1 value(s)" in trials[0].error
    assert "returned 3 value(s)" in trials[1].error
    assert trials[2].values == (1.0, 2.0)


def test_pruned_keeps_intermediate_values(storage_url):
    study = hs.create_study(storage=_storage(storage_url))

    def objective(t):
        for step in range(3):
            t.report(1.0 / (step + 1), step)
        raise hs.TrialPruned()

    _quiet(study, objective, n_trials=4)  # pruning is no failure: nothing is raised
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.PRUNED] * 4
    assert trials[0].intermediate_values == {0: 1.0, 1: 0.5, 2: 1.0 / 3}
    assert trials[0].last_step == 2
    assert trials[0].error is None


def test_keyboard_interrupt_records_fail_and_propagates(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("s", storage, seed=0)

    def objective(t):
        x = t.suggest_float("x", 0, 1)
        if t.number == 2:
            raise KeyboardInterrupt
        return x

    with pytest.raises(KeyboardInterrupt):
        _quiet(study, objective, n_trials=10)
    trials = hs.load_study("s", storage).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL]
    assert [t.value for t in trials[:2]] == [t.params["x"] for t in trials[:2]]
    assert "KeyboardInterrupt" in trials[2].error
    # Resuming carries on after the interrupted trial.
    _quiet(hs.create_study("s", storage, seed=0), objective, n_trials=1)
    assert [t.number for t in hs.load_study("s", storage).trials] == [0, 1, 2, 3]


# ---------------------------------------------------------------------------------------------------
# trials_dataframe, attributes, suggest, report


def test_trials_dataframe(storage_url):
    pd = pytest.importorskip("pandas")
    study = hs.create_study(storage=_storage(storage_url), seed=0)

    def objective(t):
        t.set_user_attr("note", f"n{t.number}")
        x = t.suggest_float("x", 0, 1)
        if t.number == 1:
            raise ValueError("bad")
        return x

    _quiet(study, objective, n_trials=3)
    df = study.trials_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [
        "number", "state", "value", "datetime_start", "datetime_complete", "duration",
        "params_x", "user_attrs_note", "error",
    ]  # fmt: skip
    assert df["number"].tolist() == [0, 1, 2]
    assert df["state"].tolist() == ["COMPLETE", "FAIL", "COMPLETE"]  # as Optuna writes them
    assert df["value"][0] == study.trials[0].value
    assert df["value"].isna().tolist() == [False, True, False]
    assert df["user_attrs_note"].tolist() == ["n0", "n1", "n2"]
    assert df["error"][1] == "ValueError: bad"


def test_trials_dataframe_multi_objective(storage_url):
    pytest.importorskip("pandas")
    study = hs.create_study(storage=_storage(storage_url), directions=["minimize", "maximize"])
    study.tell(study.ask(), (1.0, 2.0))
    study.tell(study.ask(), state="fail")
    df = study.trials_dataframe()
    assert {"values_0", "values_1"} <= set(df.columns)
    assert "value" not in df.columns
    assert df["values_1"][0] == 2.0


def test_user_attrs(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("s", storage)
    study.set_user_attr("dataset", "iris")
    study.set_user_attr("sizes", [1, 2, {"a": None}])
    trial = study.ask()
    trial.set_user_attr("loss_curve", [0.5, 0.25])
    trial.set_user_attr("loss_curve", [0.5, 0.2])  # the last value wins
    assert trial.user_attrs == {"loss_curve": [0.5, 0.2]}
    study.tell(trial, 1.0)

    loaded = hs.load_study("s", storage)
    assert loaded.user_attrs == {"dataset": "iris", "sizes": [1, 2, {"a": None}]}
    assert loaded.trials[0].user_attrs == {"loss_curve": [0.5, 0.2]}


def test_non_json_attr_is_a_type_error_naming_the_key(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    with pytest.raises(TypeError, match="'bad_study_key'"):
        study.set_user_attr("bad_study_key", {1, 2})
    trial = study.ask()
    with pytest.raises(TypeError, match="'bad_trial_key'"):
        trial.set_user_attr("bad_trial_key", object())
    # Nothing was stored, and the trial can still finish.
    assert study.user_attrs == {}
    assert study.tell(trial, 1.0).user_attrs == {}


def test_same_name_suggested_twice(storage_url):
    study = hs.create_study(storage=_storage(storage_url), seed=0)
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    assert trial.suggest_float("x", 0, 1) == x
    assert trial.suggest("x", hs.Float(0, 1)) == x
    with pytest.raises(ValueError, match="'x'"):
        trial.suggest_float("x", 0, 2)
    with pytest.raises(ValueError, match="'x'"):
        trial.suggest_int("x", 0, 1)
    study.tell(trial, x)
    assert study.trials[0].params == {"x": x}


def test_report_duplicate_step_warns_and_keeps_the_first(storage_url):
    study = hs.create_study(storage=_storage(storage_url))
    trial = study.ask()
    trial.report(0.5, 0)
    with pytest.warns(UserWarning, match="step 0"):
        trial.report(0.9, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trial.report(0.4, 1)
    study.tell(trial, 0.4)
    assert study.trials[0].intermediate_values == {0: 0.5, 1: 0.4}


# ---------------------------------------------------------------------------------------------------
# seeds


def _seeded_params(storage, seed: int) -> list[dict]:
    study = hs.create_study("seeded", storage, seed=seed)

    def objective(t):
        t.suggest_float("lr", 1e-4, 1e-1, log=True)
        t.suggest_int("depth", 1, 10)
        t.suggest_categorical("kind", ["a", "b", "c"])
        return 0.0

    _quiet(study, objective, n_trials=5)
    return [dict(t.params) for t in hs.load_study("seeded", storage).trials]


def test_same_seed_same_params_in_memory_and_on_sqlite(tmp_path):
    memory = [_seeded_params(hs.storages.InMemoryStorage(), seed) for seed in (7, 7, 8)]
    sqlite = [_seeded_params(f"sqlite:///{tmp_path / f'{i}.db'}", seed) for i, seed in enumerate((7, 7, 8))]
    assert memory[0] == memory[1]
    assert sqlite[0] == sqlite[1]
    assert memory[0] == sqlite[0]
    assert memory[2] == sqlite[2]
    assert memory[0] != memory[2]
    assert len({p["lr"] for p in memory[0]}) == 5


def test_resumed_seeded_study_continues_the_same_sequence(storage_url):
    storage = _storage(storage_url)
    straight = hs.create_study("a", storage, seed=11)
    _quiet(straight, lambda t: t.suggest_float("x", 0, 1), n_trials=4)
    split = hs.create_study("b", storage, seed=11)
    _quiet(split, lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    _quiet(hs.load_study("b", storage), lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert [t.params for t in hs.load_study("b", storage).trials] == [t.params for t in straight.trials]


def test_the_writer_sees_what_every_reader_sees(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("json", storage)
    trial = study.ask()
    value = {"pair": (1, 2), "by_id": {1: "a"}}
    trial.set_user_attr("meta", value)
    value["pair"] = (9, 9)  # mutating the caller's object afterwards must not rewrite the history
    study.tell(trial, 1.0)
    mine = study.trials[0].user_attrs["meta"]
    theirs = hs.load_study("json", storage).trials[0].user_attrs["meta"]
    assert mine == theirs == {"pair": [1, 2], "by_id": {"1": "a"}}


def test_common_slips_get_clear_errors_or_just_work():
    study = hs.create_study()
    trial = study.ask()
    with pytest.raises(ValueError, match="parameter 'k'.*list or tuple"):
        trial.suggest_categorical("k", "abc")  # a string is not a list of choices
    assert study.tell(trial, 1.0, state="COMPLETE").state is hs.TrialState.COMPLETE
    with pytest.raises(ValueError, match="state must be one of"):
        study.tell(study.ask(), 1.0, state="done")
    with pytest.raises(ValueError, match="directions="):
        hs.create_study(direction=["minimize", "maximize"])
    seen = []
    study.optimize(lambda t: 1.0, n_trials=2, callbacks=lambda s, f: seen.append(f.number), show_progress_bar=False)
    assert len(seen) == 2  # a single callable is accepted as the list of callbacks


def test_close_and_garbage_collection_leave_no_database_connection_open(
    make_storage_url, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_storage_url("postgresql")
    unraisable: list[Any] = []  # a warning raised in a __del__ can only land here
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        study = hs.create_study("dropped", url)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, show_progress_bar=False)
        del study
        assert hs.get_all_study_names(url) == ["dropped"]  # opens and drops a storage of its own
        gc.collect()
        with hs.create_study("closed", url) as study:
            study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, show_progress_bar=False)
        pool = study._lifecycle.storage._engine.pool
        assert pool.checkedin() == 0 and pool.checkedout() == 0
        assert len(study.trials) == 2  # still usable: it reconnects
        study.close()
        del study
        gc.collect()
    assert [repr(u.exc_value) for u in unraisable] == []


@pytest.mark.parametrize("bad", ["x", 5, [("x", 1)], None])
def test_enqueue_takes_a_dict(bad):
    study = hs.create_study()
    with pytest.raises(
        TypeError, match=rf"enqueue takes a dict of parameter name -> value, got {re.escape(repr(bad))}"
    ):
        study.enqueue(bad)
    with pytest.raises(TypeError, match=r"user_attrs must be a dict of name -> value or None, got 5"):
        study.enqueue({"x": 1}, user_attrs=5)
    assert study.trials == []


def test_directions_must_be_a_list_not_a_string():
    # "minimize" was read as the directions 'm', 'i', 'n', ... ("got 'm'").
    expected = r"directions must be a list such as \['minimize', 'maximize'\], got 'minimize'; for one objective write "
    with pytest.raises(TypeError, match=expected + r"direction='minimize'"):
        hs.create_study(directions="minimize")
    with pytest.raises(TypeError, match=r"directions must be a list .*got 5"):
        hs.create_study(directions=5)
    assert hs.create_study(directions=("minimize", "max")).directions == ("minimize", "maximize")


def test_load_if_exists_must_be_a_bool():
    with pytest.raises(TypeError, match=r"load_if_exists must be True or False, got 'no'"):
        hs.create_study("s", load_if_exists="no")  # a non-empty string was taken as true
