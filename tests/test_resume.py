"""Resuming a study after its process was killed, and what ``import hyperscout`` pulls in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import hyperscout as hs
from hyperscout import TrialState

_WORKER = textwrap.dedent(
    """
    import os, sys, time
    import hyperscout as hs

    stop_at, marker = int(sys.argv[2]), sys.argv[3]

    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        if trial.number == stop_at:
            # Stops inside this trial for good: the kill lands while it is surely RUNNING, however
            # slow the machine (racing a short sleep did not, under load).
            open(marker + ".tmp", "w").close()
            os.replace(marker + ".tmp", marker)
            time.sleep(600)
        return x * x

    study = hs.create_study("resume", sys.argv[1], seed=0)
    retry = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    study.optimize(objective, n_trials=100_000, show_progress_bar=False, retry_failed=retry)
    """
)


def _objective(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    return x * x


def _start_worker(url: str, min_complete: int, marker: Path, *args: str) -> subprocess.Popen:
    """A worker that completes ``min_complete`` trials, then stops in the next one (and creates ``marker``)."""
    return subprocess.Popen(
        [sys.executable, "-c", _WORKER, url, str(min_complete), str(marker), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_mid_trial(proc: subprocess.Popen, url: str, marker: Path) -> dict[int, float]:
    """SIGKILL the worker once it stopped inside a trial (it created ``marker``).

    Returns ``{number: value}`` of every trial seen COMPLETE just before the kill.
    """
    deadline = time.monotonic() + 180  # generous: a loaded machine starts Python slowly
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the worker exited early ({proc.returncode}): {proc.stderr.read().decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the worker did not reach the trial it stops in within 180 s")
        time.sleep(0.02)
    trials = hs.load_study("resume", url).trials
    assert trials[-1].state is TrialState.RUNNING
    os.kill(proc.pid, signal.SIGKILL)
    return {t.number: t.value for t in trials if t.state is TrialState.COMPLETE}


def _check_resume(url: str, before: dict[int, float]) -> None:
    after_kill = hs.load_study("resume", url).trials
    running = [t.number for t in after_kill if t.state is TrialState.RUNNING]
    assert running == [len(after_kill) - 1], "the kill should have left the last trial RUNNING"

    resumed = hs.create_study("resume", url, seed=0)
    resumed.optimize(_objective, n_trials=3, show_progress_bar=False)

    trials = hs.load_study("resume", url).trials
    assert [t.number for t in trials] == list(range(len(after_kill) + 3))
    for number, value in before.items():
        assert trials[number].state is TrialState.COMPLETE
        assert trials[number].value == value
    dead = trials[running[0]]
    assert dead.state is TrialState.FAIL
    assert "reaped" in dead.error and "died" in dead.error
    assert dead.finished_at is not None
    assert [t.state for t in trials[len(after_kill) :]] == [TrialState.COMPLETE] * 3
    assert all(t.state is not TrialState.RUNNING for t in trials)


def test_resume_after_kill_9(tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    proc = _start_worker(url, 5, tmp_path / "stopped")
    try:
        before = _kill_mid_trial(proc, url, tmp_path / "stopped")
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    _check_resume(url, before)


def test_resume_after_kill_9_before_the_parent_reaps_the_process(tmp_path):
    """A killed worker whose parent has not waited for it yet (a zombie) is dead too."""
    url = f"sqlite:///{tmp_path / 'zombie.db'}"
    proc = _start_worker(url, 2, tmp_path / "stopped")
    try:
        before = _kill_mid_trial(proc, url, tmp_path / "stopped")
        deadline = time.monotonic() + 60
        while not _is_zombie(proc.pid):
            assert time.monotonic() < deadline, "the killed worker never became a zombie"
            time.sleep(0.01)
        _check_resume(url, before)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()


def test_resume_after_kill_9_reruns_the_dead_trial_with_retry_failed(tmp_path):
    url = f"sqlite:///{tmp_path / 'retry.db'}"
    proc = _start_worker(url, 3, tmp_path / "stopped", "1")
    try:
        before = _kill_mid_trial(proc, url, tmp_path / "stopped")
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    killed = hs.load_study("resume", url).trials
    dead = killed[-1]
    assert dead.state is TrialState.RUNNING and dead.system_attrs["retry"] == 1
    proposed = dead.system_attrs["proposed"]  # the sampler's values, recorded when the trial started

    resumed = hs.create_study("resume", url, seed=0)  # reaps the dead trial and queues its retry
    queued = resumed.trials[len(killed)]
    assert queued.state is TrialState.WAITING
    assert queued.system_attrs["retry_of"] == dead.number
    resumed.optimize(_objective, n_trials=2, show_progress_bar=False)

    trials = hs.load_study("resume", url).trials
    assert [t.number for t in trials] == list(range(len(killed) + 2))
    assert trials[dead.number].state is TrialState.FAIL
    assert f"re-queued as trial {queued.number}" in trials[dead.number].error
    retried = trials[queued.number]
    assert retried.state is TrialState.COMPLETE and retried.params == proposed
    assert retried.value == proposed["x"] ** 2
    for number, value in before.items():
        assert trials[number].value == value


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return not sys.platform.startswith("linux")


def test_import_is_light():
    heavy = ("sklearn", "torch", "pandas", "dask", "plotly", "matplotlib")
    code = f"import sys, hyperscout; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]", out.stdout
