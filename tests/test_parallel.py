"""Parallel runs (``n_jobs``, executors, ``hyperscout worker``), trial isolation, heartbeats and retries.

Multi-process tests take the ``storage_url`` fixture (memory, SQLite, journal; PostgreSQL and MariaDB
too where marked ``all_storages`` and the servers answer), so every backend gets the same checks.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import hyperscout as hs
from hyperscout import TrialState
from hyperscout._execution import GRACE_INTERVALS, Heartbeat, RunTracker, worker_id
from hyperscout._remote import StorageServer
from hyperscout._workers import Identity
from hyperscout.storages import ClaimTaken, Event, InMemoryStorage

# -- objectives (module level: worker processes import them by name) -------------------------------


def quadratic(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", 0, 3)
    return (x - 1) ** 2 + y


def grid_point(trial: hs.Trial) -> float:
    a = trial.suggest_categorical("a", [1, 2, 3, 4])
    b = trial.suggest_categorical("b", ["p", "q", "r"])
    time.sleep(0.01)
    return a + len(b)


def slow(trial: hs.Trial, seconds: float = 0.2) -> float:
    x = trial.suggest_float("x", 0, 1)
    time.sleep(seconds)
    return x


def always_raises(trial: hs.Trial) -> float:
    trial.suggest_float("x", 0, 1)
    time.sleep(0.05)
    raise ValueError("bad objective")


def kills_itself_once(trial: hs.Trial, flag: str, when: int = 3) -> float:
    """SIGKILL this process during trial ``when`` (once: ``flag`` remembers it happened)."""
    x = trial.suggest_float("x", 0, 1)
    time.sleep(0.02)
    if trial.number == when and not os.path.exists(flag):
        Path(flag).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return x


def reports(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    for step in range(4):
        trial.report(x + step, step)
        if trial.should_prune():
            raise hs.TrialPruned()
    return x


def misbehaves(trial: hs.Trial) -> float:
    """What a trial does depends on its enqueued ``mode``; every mode uses the trial's API first."""
    mode = trial.suggest_categorical("mode", ["ok", "segfault", "hang", "memory", "prune", "raise"])
    x = trial.suggest_float("x", 0, 1)  # not enqueued: sampled for the child by its worker
    trial.set_user_attr("mode", mode)
    trial.report(x, 0)
    if mode == "segfault":
        import ctypes

        ctypes.string_at(0)
    elif mode == "hang":
        time.sleep(60)
    elif mode == "memory":
        _ = bytearray(3 * 2**30)
    elif mode == "prune":
        raise hs.TrialPruned()
    elif mode == "raise":
        raise KeyError("raised in the child")
    return x


def _numbers(study: hs.Study) -> list[int]:
    return [t.number for t in study.trials]


def _study(storage_url: str | None, **kwargs: Any) -> hs.Study:
    return hs.create_study(storage=storage_url, study_name="par", **kwargs)


# -- n_jobs: processes on one study ------------------------------------------------------------------


@pytest.mark.all_storages
def test_n_jobs_runs_exactly_n_trials_and_calls_back_once_per_trial(storage_url):
    study = _study(storage_url, seed=0)
    seen: list[tuple[int, str]] = []
    study.optimize(quadratic, n_trials=12, n_jobs=2, callbacks=[lambda s, t: seen.append((t.number, t.state.value))])
    trials = study.trials
    assert _numbers(study) == list(range(12))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert sorted(seen) == [(n, "complete") for n in range(12)]
    # Each trial holds one slot of the run, and the slots are 0..11 with no repeat.
    assert sorted(t.system_attrs["run"][1] for t in trials) == list(range(12))
    assert len({t.system_attrs["run"][0] for t in trials}) == 1
    # Two worker processes ran them, neither of them this one.
    workers = {t.system_attrs.get("worker") for t in trials}
    assert worker_id() not in workers


def test_n_jobs_random_search_proposes_what_a_serial_run_does():
    serial = hs.create_study(seed=3, sampler="random")
    serial.optimize(quadratic, n_trials=10)
    parallel = hs.create_study(seed=3, sampler="random")
    parallel.optimize(quadratic, n_trials=10, n_jobs=2)
    assert [t.params for t in parallel.trials] == [t.params for t in serial.trials]
    assert [t.value for t in parallel.trials] == [t.value for t in serial.trials]


def test_n_jobs_continues_numbering_and_shows_exact_progress(capsys):
    study = hs.create_study(seed=1)
    study.optimize(quadratic, n_trials=3)
    study.optimize(quadratic, n_trials=5, n_jobs=2, show_progress_bar=True)
    assert _numbers(study) == list(range(8))
    assert "5/5" in capsys.readouterr().err


def test_stop_from_a_callback_stops_every_worker():
    study = hs.create_study(seed=0)

    def stop_after_three(s: hs.Study, t: hs.FrozenTrial) -> None:
        if len(s.trials) >= 3:
            s.stop()

    study.optimize(functools.partial(slow, seconds=0.05), n_trials=500, n_jobs=2, callbacks=[stop_after_three])
    trials = study.trials
    # The trials already running when stop() was called finish; the bound is loose for a busy machine.
    assert 3 <= len(trials) < 250
    assert all(t.state is TrialState.COMPLETE for t in trials)


def test_timeout_ends_a_parallel_run_with_no_trial_left_running():
    study = hs.create_study(seed=0)
    # 3 s: on a busy machine the worker processes may take a second or two to start their first trial.
    study.optimize(functools.partial(slow, seconds=0.1), timeout=3.0, n_jobs=2)
    trials = study.trials
    assert trials
    assert all(t.state is TrialState.COMPLETE for t in trials)


def test_first_trials_all_raising_stops_a_parallel_run():
    study = hs.create_study(seed=0)
    with pytest.raises(ValueError, match="bad objective") as info:
        study.optimize(always_raises, n_trials=50, n_jobs=2)
    assert any("all raised" in note for note in getattr(info.value, "__notes__", []))
    trials = study.trials
    # Trials 0-2 must all have raised; a worker starts more while one of them is still running.
    assert 3 <= len(trials) < 20
    assert all(t.state is TrialState.FAIL and "bad objective" in t.error for t in trials)


def test_pruning_works_in_worker_processes():
    # rank_check=False: the classic rule decides from two finished trials; this test is about workers, not about it
    pruner = hs.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0, rank_check=False)
    study = hs.create_study(seed=0, pruner=pruner)
    for x in (0.1, 0.2):
        study.enqueue({"x": x})
    study.optimize(reports, n_trials=2)
    for _ in range(4):
        study.enqueue({"x": 0.9})
    study.optimize(reports, n_trials=4, n_jobs=2)
    pruned = study.trials[2:]
    assert [t.state for t in pruned] == [TrialState.PRUNED] * 4
    # Each stopped at step 0 or, when the other workers' 0.9s had moved the median, at step 1.
    assert all(t.intermediate_values[0] == 0.9 and len(t.intermediate_values) <= 2 for t in pruned)


def test_an_unpicklable_objective_gets_an_error_that_says_what_to_do():
    lock = threading.Lock()

    def objective(trial: hs.Trial) -> float:
        with lock:
            return trial.suggest_float("x", 0, 1)

    study = hs.create_study()
    with pytest.raises(TypeError, match="cannot be sent to worker processes") as info:
        study.optimize(objective, n_trials=2, n_jobs=2)
    assert "module level" in str(info.value) and "n_jobs=1" in str(info.value)
    assert study.trials == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_jobs": 0}, "n_jobs"),
        ({"n_jobs": -2}, "n_jobs"),
        ({"n_jobs": 1.5}, "n_jobs"),
        ({"trial_timeout": 0}, "trial_timeout"),
        ({"retry_failed": -1}, "retry_failed"),
        ({"trial_memory_limit": "lots"}, "trial_memory_limit"),
        ({"trial_memory_limit": 0}, "trial_memory_limit"),
    ],
)
def test_bad_parallel_arguments_are_refused(kwargs, message):
    # A value of the wrong type (n_jobs=1.5) is a TypeError, one out of range a ValueError.
    with pytest.raises(TypeError if kwargs == {"n_jobs": 1.5} else ValueError, match=message):
        hs.create_study().optimize(quadratic, n_trials=1, **kwargs)


def test_an_executor_must_be_an_executor():
    with pytest.raises(TypeError, match="concurrent.futures.Executor"):
        hs.create_study().optimize(quadratic, n_trials=1, executor=object())


# -- several workers, one study ----------------------------------------------------------------------

_GRID_WORKER = textwrap.dedent(
    """
    import sys
    import hyperscout as hs
    from test_parallel import grid_point

    grid = hs.samplers.GridSampler({"a": [1, 2, 3, 4], "b": ["p", "q", "r"]})
    study = hs.load_study("par", sys.argv[1], sampler=grid)
    study.optimize(grid_point, n_jobs=int(sys.argv[2]))
    """
)


@pytest.mark.all_storages
def test_workers_sharing_a_study_run_every_grid_point_once(storage_url):
    if storage_url is None:
        pytest.skip("separate processes share a study through a storage URL")
    _study(storage_url)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _GRID_WORKER, storage_url, str(n_jobs)], env=env, stderr=subprocess.PIPE
        )
        for n_jobs in (1, 2, 1)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    trials = hs.load_study("par", storage_url).trials
    assert [t.number for t in trials] == list(range(12))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    points = [(t.params["a"], t.params["b"]) for t in trials]
    assert sorted(points) == sorted((a, b) for a in (1, 2, 3, 4) for b in "pqr")


_INTERRUPTED = textwrap.dedent(
    """
    import sys
    import hyperscout as hs
    from test_parallel import slow

    study = hs.create_study(study_name="par", storage=sys.argv[1], seed=0)
    study.optimize(slow, n_trials=1000, n_jobs=2)
    """
)


def test_ctrl_c_records_the_running_trials_as_fail_and_stops_every_worker(tmp_path, default_signals):
    url = f"sqlite:///{tmp_path / 'int.db'}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    # A session of its own, so that the SIGINT goes to the whole group, as a terminal's Ctrl-C does.
    proc = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED, url],
        env=env,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=default_signals,
    )
    try:
        deadline = time.monotonic() + 180  # generous: a loaded machine starts worker processes slowly
        while True:
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "no trial completed in 180 s"
            try:
                if any(t.state is TrialState.COMPLETE for t in hs.load_study("par", url).trials):
                    break
            except (KeyError, hs.StorageError):
                pass
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode != 0 and b"KeyboardInterrupt" in err
    trials = hs.load_study("par", url).trials
    assert all(t.state in (TrialState.COMPLETE, TrialState.FAIL) for t in trials)
    assert all(t.error == "KeyboardInterrupt" for t in trials if t.state is TrialState.FAIL)
    assert len(trials) < 1000


# -- a worker killed with -9 --------------------------------------------------------------------------


def _kill_one_worker(storage_url: str | None, tmp_path: Path, retry: int) -> list[hs.FrozenTrial]:
    # QMC proposes every parameter before the trial starts, so the dead trial's values are known.
    space = {"x": hs.Float(0, 1)}
    study = _study(storage_url, sampler=hs.samplers.QMCSampler(space, seed=0))
    objective = functools.partial(kills_itself_once, flag=str(tmp_path / "killed"))
    study.optimize(objective, n_trials=10, n_jobs=2, retry_failed=retry)
    return study.trials


@pytest.mark.all_storages
def test_a_worker_killed_mid_trial_is_reaped_and_its_trial_retried(storage_url, tmp_path):
    trials = _kill_one_worker(storage_url, tmp_path, retry=1)
    _check_killed(trials, retry=1)


def test_a_worker_killed_mid_trial_is_reaped_and_the_run_goes_on(tmp_path):
    trials = _kill_one_worker(f"sqlite:///{tmp_path / 'k.db'}", tmp_path, retry=0)
    _check_killed(trials, retry=0)


def test_a_worker_killed_in_the_last_trial_still_gets_its_retry_run(tmp_path):
    study = hs.create_study(sampler=hs.samplers.QMCSampler({"x": hs.Float(0, 1)}, seed=0))
    objective = functools.partial(kills_itself_once, flag=str(tmp_path / "killed"), when=3)
    study.optimize(objective, n_trials=4, n_jobs=2, retry_failed=1)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 3 + [TrialState.FAIL, TrialState.COMPLETE]
    assert study.trials[4].system_attrs["retry_of"] == 3


def _check_killed(trials: list[hs.FrozenTrial], retry: int) -> None:
    assert [t.number for t in trials] == list(range(10 + retry))
    dead = trials[3]
    assert dead.state is TrialState.FAIL
    assert "reaped" in dead.error and "died" in dead.error
    others = [t for t in trials if t.number != 3]
    assert all(t.state is TrialState.COMPLETE for t in others), [(t.number, t.state, t.error) for t in others]
    retries = [t for t in trials if "retry_of" in t.system_attrs]
    if retry:
        assert len(retries) == 1
        assert retries[0].system_attrs["retry_of"] == 3
        assert retries[0].params == dead.system_attrs["proposed"]
        assert f"re-queued as trial {retries[0].number}" in dead.error
    else:
        assert retries == []


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _dead_worker() -> str:
    """A worker of this host, pid namespace and boot whose process is gone."""
    me = Identity.parse(worker_id())
    assert me is not None
    return str(Identity(me.host, _dead_pid(), "1", me.namespace, me.boot, "gone"))


def _running(study: hs.Study, number: int, worker: str, *, t: float, **system: Any) -> None:
    data = {"number": number, "state": "running", "t": t, "worker": worker, "system_attrs": {"hb": 1.0, **system}}
    study._lifecycle.view.append([Event("create", number, data, claim=f"trial/{number}")])


def test_a_reaped_trial_is_retried_at_most_retry_failed_times():
    study = hs.create_study()
    dead = _dead_worker()
    _running(study, 0, dead, t=time.time(), retry=1, proposed={"x": 0.25})
    assert study._lifecycle.reap() == [0]
    retry = study.trials[1]
    assert retry.state is TrialState.WAITING
    assert retry.system_attrs == {"fixed_params": {"x": 0.25}, "retry_of": 0, "attempt": 1}
    # The retry dies too: it is reaped, and not queued a second time.
    study._lifecycle.view.append([Event("start", 1, {"t": time.time(), "worker": dead}, claim="start/1")])
    study._lifecycle.view.append(
        [Event("attr", 1, {"key": k, "value": v, "system": True}) for k, v in (("hb", 1.0), ("retry", 1))]
    )
    assert study._lifecycle.reap() == [1]
    assert len(study.trials) == 2
    assert "re-queued" not in study.trials[1].error


def test_a_grid_trial_is_left_to_the_grid_to_retry():
    study = hs.create_study()
    dead = _dead_worker()
    _running(study, 0, dead, t=time.time(), retry=1, grid="grid:abc")
    assert study._lifecycle.reap() == [0]
    assert len(study.trials) == 1


# -- heartbeats on the storage's clock -----------------------------------------------------------------


class _SkewedStorage(InMemoryStorage):
    """A storage whose clock is an hour ahead of this machine's (as a database server's may be)."""

    def now(self) -> float:
        return time.time() + 3600.0


def test_a_trial_elsewhere_is_reaped_when_its_heartbeat_is_older_than_the_grace():
    storage = _SkewedStorage()
    study = hs.create_study(storage=storage)
    now = storage.now()
    grace = 1.0 * GRACE_INTERVALS
    _running(study, 0, "elsewhere/1/1", t=now - grace - 5)  # never beat, started long ago
    _running(study, 1, "elsewhere/2/1", t=now - grace - 5)
    storage.beat(study._lifecycle.view.info.id, 1, now - 1)  # beat a second ago
    _running(study, 2, "elsewhere/3/1", t=now - 1)  # started a second ago, has not beaten yet
    assert study._lifecycle.reap() == [0]
    assert "no heartbeat" in study.trials[0].error
    assert [t.state for t in study.trials[1:]] == [TrialState.RUNNING] * 2


def test_heartbeats_and_trial_times_are_stamped_on_the_storage_clock():
    storage = _SkewedStorage()
    study = hs.create_study(storage=storage)
    with Heartbeat(study._lifecycle, 0.02) as beat:
        trial = study._lifecycle.start(heartbeat=0.02)
        beat.current = trial.number
        deadline = time.monotonic() + 60
        while trial.number not in storage.beats(study._lifecycle.view.info.id) and time.monotonic() < deadline:
            time.sleep(0.01)
        beat.current = None
    assert storage.beats(study._lifecycle.view.info.id)[trial.number] > time.time() + 3000
    assert study.trials[trial.number].started_at > time.time() + 3000
    # Judged on the same clock, the live trial is not taken for dead.
    assert study._lifecycle.reap() == []


# -- trial isolation ----------------------------------------------------------------------------------


def test_isolated_trials_that_crash_hang_or_leak_fail_with_the_reason_and_the_study_goes_on():
    study = hs.create_study(seed=0, pruner=hs.pruners.NopPruner())
    modes = ["ok", "segfault", "hang", "memory", "prune", "raise", "ok"]
    for mode in modes:
        study.enqueue({"mode": mode})
    # 5 s: a well-behaved trial's process must start and finish within it even on a busy machine.
    study.optimize(misbehaves, n_trials=len(modes), trial_timeout=5.0, trial_memory_limit="2GB")
    trials = study.trials
    assert [t.state for t in trials] == [
        TrialState.COMPLETE, TrialState.FAIL, TrialState.FAIL, TrialState.FAIL, TrialState.PRUNED,
        TrialState.FAIL, TrialState.COMPLETE,
    ]  # fmt: skip
    assert "SIGSEGV" in trials[1].error
    assert "trial_timeout=5 s" in trials[2].error
    assert trials[3].error.startswith("MemoryError") and "2 GiB" in trials[3].error
    assert trials[5].error == "KeyError: 'raised in the child'"
    for t in trials:  # what the child asked of its trial went through its worker
        assert t.params["mode"] == t.user_attrs["mode"]
        assert 0 <= t.params["x"] <= 1 and t.intermediate_values == {0: t.params["x"]}
    assert trials[0].value == trials[0].params["x"]


def test_isolation_in_worker_processes(tmp_path):
    study = hs.create_study(storage=f"sqlite:///{tmp_path / 'iso.db'}", seed=0)
    for mode in ["segfault", "ok", "ok", "ok"]:
        study.enqueue({"mode": mode})
    study.optimize(misbehaves, n_trials=4, n_jobs=2, isolate=True)
    states = [t.state for t in study.trials]
    assert states == [TrialState.FAIL] + [TrialState.COMPLETE] * 3
    assert "SIGSEGV" in study.trials[0].error


def test_an_isolated_objective_that_always_crashes_stops_the_run():
    study = hs.create_study()
    for _ in range(3):
        study.enqueue({"mode": "segfault"})
    with pytest.raises(Exception, match="SIGSEGV"):
        study.optimize(misbehaves, n_trials=10, isolate=True)
    assert len(study.trials) == 3


# -- executors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_any_concurrent_futures_executor_runs_the_trials(kind, tmp_path):
    pool = cf.ThreadPoolExecutor(2) if kind == "threads" else cf.ProcessPoolExecutor(2)
    with pool:
        for storage in (None, f"sqlite:///{tmp_path / 'ex.db'}"):
            study = hs.create_study(storage=storage, seed=0)
            calls: list[int] = []
            study.optimize(
                quadratic, n_trials=8, executor=pool, callbacks=[lambda s, t, calls=calls: calls.append(t.number)]
            )
            assert _numbers(study) == list(range(8))
            assert sorted(calls) == list(range(8))
            assert all(t.state is TrialState.COMPLETE for t in study.trials)


def test_a_dask_cluster_of_processes_runs_a_study(tmp_path):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        for storage in (None, f"sqlite:///{tmp_path / 'dask.db'}"):
            study = hs.create_study(storage=storage, seed=0)
            study.optimize(quadratic, n_trials=10, executor=client)
            assert _numbers(study) == list(range(10))
            assert all(t.state is TrialState.COMPLETE for t in study.trials)
            hosts = {t.system_attrs.get("worker") for t in study.trials}
            assert worker_id() not in hosts  # they ran in the cluster's worker processes


# -- the run tracker and the storage server --------------------------------------------------------


def test_run_tracker_counts_slots_and_retries():
    study = hs.create_study()
    tracker = RunTracker(study._lifecycle, "r")
    for n in range(3):
        tags = [("run", ["r", n], f"run/r/{n}")]
        study._lifecycle.start(heartbeat=None, tags=lambda tags=tags: tags)
    study._lifecycle.finish(1, TrialState.COMPLETE, (1.0,), None)
    assert tracker.update() == [1]
    assert tracker.slots == {0: 0, 1: 1, 2: 2} and tracker.spent == 3
    with pytest.raises(ClaimTaken):  # a slot is held once
        run_attr = {"key": "run", "value": ["r", 0], "system": True}
        study._lifecycle.view.append([Event("attr", 2, run_attr, claim="run/r/0")])
    # Trial 2 is reaped and re-queued: its retry takes its place in the budget.
    retry = {"number": 3, "state": "waiting", "t": 0.0, "system_attrs": {"retry_of": 2}}
    finish = {"state": "fail", "values": None, "error": "reaped", "t": 0.0}
    study._lifecycle.view.append(
        [Event("finish", 2, finish, claim="finish/2"), Event("create", 3, retry, claim="trial/3")]
    )
    assert tracker.update() == [2]
    assert tracker.requeued == {2} and tracker.spent == 2
    # A worker of the run starts the retry; a tracker that first sees it running counts it the same.
    study._lifecycle.start(heartbeat=None, tags=lambda: [("run", ["r", 3], "run/r/3")])
    late = RunTracker(study._lifecycle, "r")
    late.update()
    assert late.slots == {0: 0, 1: 1, 2: 2, 3: 3} and late.requeued == {2} and late.spent == 3


def test_a_retry_cancelled_by_a_late_result_gives_the_late_trial_its_place_in_the_budget():
    study = hs.create_study()
    tracker = RunTracker(study._lifecycle, "r")
    study._lifecycle.start(heartbeat=None, tags=lambda: [("run", ["r", 0], "run/r/0")])
    retry = {"number": 1, "state": "waiting", "t": 0.0, "system_attrs": {"retry_of": 0}}
    finish = {"state": "fail", "values": None, "error": "reaped", "t": 0.0, "reaped": True}
    study._lifecycle.view.append(
        [Event("finish", 0, finish, claim="finish/0"), Event("create", 1, retry, claim="trial/1")]
    )
    tracker.update()
    assert tracker.requeued == {0} and tracker.spent == 0
    # Trial 0's worker was alive: its result arrives and the retry, never started, is not run.
    cancel = {"state": "fail", "values": None, "error": "not run", "t": 0.0}
    study._lifecycle.view.append(
        [
            Event("attr", 1, {"key": "not_run", "value": True, "system": True}),
            Event("finish", 1, cancel, claim="start/1"),
        ]
    )
    tracker.update()
    assert tracker.requeued == set() and tracker.spent == 1
    fresh = RunTracker(study._lifecycle, "r")  # a tracker that first sees it cancelled counts the same
    fresh.update()
    assert fresh.requeued == set() and fresh.spent == 1


def test_the_storage_server_serves_a_memory_storage_to_other_processes():
    server = StorageServer(InMemoryStorage())
    try:
        remote = server.client()
        info = remote.create_study("s", ["minimize"], 7)
        assert remote.find_study("s") == info
        assert remote.append(info.id, [Event("study_attr", None, {"key": "k", "value": [1, 2]}, claim="c")]) == 1
        with pytest.raises(ClaimTaken):
            remote.append(info.id, [Event("study_attr", None, {"key": "k", "value": 3}, claim="c")])
        assert [(p, e.kind, e.data) for p, e in remote.read(info.id, 0)] == [
            (1, "study_attr", {"key": "k", "value": [1, 2]})
        ]
        remote.beat(info.id, 4, 12.5)
        assert remote.beats(info.id) == {4: 12.5}
        code = (
            "import pickle, sys; r = pickle.loads(sys.stdin.buffer.read()); "
            "print(r.find_study('s').seed, len(r.read(1, 0)))"
        )
        import pickle

        out = subprocess.run(
            [sys.executable, "-c", code], input=pickle.dumps(remote), capture_output=True, timeout=60, check=True
        )
        assert out.stdout.split() == [b"7", b"1"]
        with pytest.raises(KeyError):
            remote.delete_study("nope")
    finally:
        server.close()
    with pytest.raises(hs.StorageError, match="lost the in-memory study"):
        remote.find_study("s")


# -- the command line --------------------------------------------------------------------------------


def test_hyperscout_worker_joins_an_existing_study(tmp_path, monkeypatch, capsys):
    from hyperscout.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "objmod.py").write_text("def f(trial):\n    return trial.suggest_float('x', 0, 1) ** 2\n")
    url = f"sqlite:///{tmp_path / 'w.db'}"
    assert main(["worker", "w", "--storage", url, "--function", "objmod:f", "--n-trials", "2", "-q"]) == 2
    assert "no study named 'w'" in capsys.readouterr().err
    hs.create_study("w", url, seed=0)
    assert main(["worker", "w", "--storage", url, "--function", "objmod:f", "--n-trials", "3", "-q"]) == 0
    assert (
        main(["worker", "w", "--storage", url, "--function", "objmod:f", "--n-trials", "4", "--n-jobs", "2", "-q"]) == 0
    )
    out = capsys.readouterr().out
    assert "7 trial(s) in total" in out
    trials = hs.load_study("w", url).trials
    assert [t.number for t in trials] == list(range(7))
    assert all(t.state is TrialState.COMPLETE for t in trials)


def test_hyperscout_worker_runs_a_command(tmp_path, monkeypatch, capsys):
    from hyperscout.cli import build_parser

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    hs.create_study("c", url, seed=0)
    space = '{"x": {"low": 0.0, "high": 1.0}}'
    args = build_parser().parse_args(["worker", "c", "--storage", url, "--space", space, "--n-trials", "3", "-q"])
    args.command_line = [sys.executable, "-c", "import sys; print(float(sys.argv[1]) * 2)", "{x}"]
    assert args.handler(args) == 0
    trials = hs.load_study("c", url).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3
    assert all(t.value == pytest.approx(2 * t.params["x"]) for t in trials)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["worker", "c", "--function", "m:f", "--n-jobs", "0"])
