"""``_lifecycle.Lifecycle`` on its own, without a ``Study``: the one place a trial's state changes."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from hyperscout._lifecycle import Lifecycle, jsonable
from hyperscout._workers import Identity, worker_id
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


def _dead_worker() -> str:
    """The identity of a process of this host, namespace and boot that no longer exists."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    me = Identity.parse(worker_id())
    assert me is not None
    return str(Identity(me.host, p.pid, me.start, me.namespace, me.boot, "gone"))


def _wrongly_reaped(*, retry: int) -> tuple[Lifecycle, Lifecycle, int, float]:
    """A worker whose trial (started with ``retry`` retries left) a reaper took for dead: worker, reaper, number, x."""
    storage = InMemoryStorage()
    info = storage.create_study("s", ("minimize",), 0)
    # The worker looks dead to the reaper (as one in another container once did), yet it runs on.
    worker = Lifecycle(StudyView(storage, info), RandomSampler(seed=0), None, 0, worker=_dead_worker())
    reaper = Lifecycle(StudyView(storage, info), RandomSampler(seed=0), None, 0)
    trial = worker.start(heartbeat=1.0, tags=lambda: [("retry", retry, None)])
    x = trial.suggest("x", Float(0.0, 1.0))
    assert reaper.reap() == [trial.number]
    return worker, reaper, trial.number, x


def test_a_result_that_arrives_after_a_wrong_reap_is_recorded() -> None:
    worker, reaper, number, x = _wrongly_reaped(retry=0)
    assert reaper.frozen(number).state is TrialState.FAIL
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        done = worker.finish(number, TrialState.COMPLETE, (x,), None)
    assert (done.state, done.values, done.error, done.params) == (TrialState.COMPLETE, (x,), None, {"x": x})
    seen = StudyView(worker.storage, worker.view.info)
    seen.sync()
    assert seen.frozen(number).state is TrialState.COMPLETE
    assert reaper.frozen(number).values == (x,)


def test_a_late_result_cancels_the_retry_the_wrong_reap_queued() -> None:
    worker, reaper, number, x = _wrongly_reaped(retry=1)
    retry = number + 1
    assert reaper.frozen(retry).state is TrialState.WAITING
    assert reaper.frozen(retry).system_attrs["retry_of"] == number
    done = worker.finish(number, TrialState.COMPLETE, (x,), None)
    assert (done.state, done.values) == (TrialState.COMPLETE, (x,))
    reaper.sync()
    cancelled = reaper.frozen(retry)
    assert cancelled.state is TrialState.FAIL and "finished after all" in (cancelled.error or "")
    assert cancelled.system_attrs["not_run"] is True
    # Nothing is left to run: the next trial started is a new one, not the moot retry.
    assert reaper.start().number == retry + 1


def test_a_retry_already_started_runs_on_after_a_late_result() -> None:
    worker, reaper, number, x = _wrongly_reaped(retry=1)
    started = reaper.start()
    assert started.number == number + 1
    done = worker.finish(number, TrialState.COMPLETE, (x,), None)
    assert done.state is TrialState.COMPLETE
    reaper.sync()
    assert reaper.frozen(started.number).state is TrialState.RUNNING
    assert reaper.finish(started.number, TrialState.COMPLETE, (x,), None).state is TrialState.COMPLETE


def test_a_worker_this_process_stopped_fails_its_trial_with_the_reason_and_no_retry() -> None:
    storage = InMemoryStorage()
    info = storage.create_study("s", ("minimize",), 0)
    stopped, other = _dead_worker(), _dead_worker()
    for worker in (stopped, other):  # each dies before recording its trial; each trial may be retried once
        life = Lifecycle(StudyView(storage, info), RandomSampler(seed=0), None, 0, worker=worker)
        life.start(heartbeat=1.0, tags=lambda: [("retry", 1, None)])
    runner = Lifecycle(StudyView(storage, info), RandomSampler(seed=0), None, 0)
    pid = Identity.parse(stopped)
    assert pid is not None
    assert runner.reap(ended={pid.pid: "KeyboardInterrupt"}) == [0, 1]
    mine, theirs = runner.frozen(0), runner.frozen(1)
    assert (mine.state, mine.error) == (TrialState.FAIL, "KeyboardInterrupt")
    assert theirs.state is TrialState.FAIL and (theirs.error or "").startswith("reaped: its worker")
    # Only the trial of the worker that died on its own is queued again.
    assert [t.system_attrs.get("retry_of") for t in (runner.frozen(n) for n in range(len(runner.view)))] == [
        None,
        None,
        1,
    ]


def test_a_trial_finished_by_tell_keeps_that_outcome() -> None:
    life = _lifecycle()
    trial = life.start(heartbeat=1.0)
    other = Lifecycle(StudyView(life.storage, life.view.info), RandomSampler(seed=0), None, 0)
    other.tell(trial.number, 1.0)
    with pytest.warns(UserWarning, match="already been finished"):
        done = life.finish(trial.number, TrialState.COMPLETE, (2.0,), None)
    assert done.values == (1.0,)
