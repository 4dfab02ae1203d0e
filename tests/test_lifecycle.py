"""``_lifecycle.Lifecycle`` on its own, without a ``Study``: the one place a trial's state changes."""

from __future__ import annotations

import pytest

from hyperscout._lifecycle import Lifecycle, jsonable
from hyperscout.samplers import RandomSampler
from hyperscout.space import Float, Int
from hyperscout.storages import InMemoryStorage
from hyperscout.storages._view import StudyView
from hyperscout.trial import TrialState


def _lifecycle(directions: tuple[str, ...] = ("minimize",)) -> Lifecycle:
    storage = InMemoryStorage()
    return Lifecycle(StudyView(storage, storage.create_study("s", directions, 0)), RandomSampler(seed=0), None, 0)


def test_a_trial_lives_start_to_finish_without_a_study() -> None:
    life = _lifecycle()
    trial = life.start()
    x = trial.suggest("x", Float(0.0, 1.0))
    trial.report(0.5, 1)
    assert life.is_running_here(trial.number)
    done = life.finish(trial.number, TrialState.COMPLETE, (x,), None)
    assert not life.is_running_here(trial.number)
    assert (done.state, done.params, dict(done.intermediate_values)) == (TrialState.COMPLETE, {"x": x}, {1: 0.5})
    assert done.worker == life.worker and done.log_position > 0
    with pytest.raises(RuntimeError, match="already finished"):
        trial.suggest("y", Float(0.0, 1.0))


def test_an_enqueued_trial_is_started_first_with_its_values() -> None:
    life = _lifecycle()
    number = life.enqueue({"n": 3})
    trial = life.start()
    assert trial.number == number
    assert trial.suggest("n", Int(1, 5)) == 3


def test_tell_checks_what_it_records() -> None:
    life = _lifecycle(("minimize", "maximize"))
    trial = life.start()
    with pytest.raises(ValueError, match="finished state"):
        life.tell(trial.number, state="running")
    with pytest.warns(UserWarning, match="recorded as FAIL"):
        failed = life.tell(trial.number, 1.0)  # one value for two objectives
    assert failed.state is TrialState.FAIL
    with pytest.raises(ValueError, match="already finished"):
        life.tell(trial.number, (1.0, 2.0))


def test_values_must_be_json() -> None:
    assert jsonable("x", {"a": [1, None]}) == {"a": [1, None]}
    with pytest.raises(TypeError, match="cannot be stored as JSON"):
        jsonable("x", {1, 2})
