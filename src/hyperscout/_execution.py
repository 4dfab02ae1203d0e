"""Running trials: worker identity, heartbeats, reaping dead workers' trials, the serial loop.

A trial created by ``optimize`` records which worker runs it (``host/pid/process start time``) and
its heartbeat interval. A RUNNING trial is reaped (marked FAIL) when its worker is known to be dead:
on this host, when no process with that pid and start time exists; elsewhere, when its heartbeat is
older than ``grace`` seconds. Trials created by ``ask()`` have no worker loop and are never reaped.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .trial import FrozenTrial, TrialPruned, TrialState

if TYPE_CHECKING:
    from .study import Study

#: Seconds between heartbeats of a running trial.
HEARTBEAT_INTERVAL = 10.0
#: A trial whose heartbeat is older than this many intervals is taken for dead.
GRACE_INTERVALS = 6
#: optimize() raises the objective's own error when its first this-many trials all raised.
FAIL_FAST = 3


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _process_start(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (guards against pid reuse), or None where unknown."""
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def worker_id() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}/{pid}/{_process_start(pid) or '-'}"


def worker_alive(worker: str) -> bool | None:
    """True/False for a worker on this host; None when it runs elsewhere (heartbeats decide)."""
    try:
        host, pid_s, start = worker.rsplit("/", 2)
        pid = int(pid_s)
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _proc_stat(pid)
    if fields is None:
        return True  # no /proc here: the pid exists, take it as alive (heartbeats still apply elsewhere)
    if fields[0] in ("Z", "X"):
        return False  # killed, not yet waited for by its parent
    return start == "-" or fields[19] == start


def dead_trials(study: Study, now: float) -> list[tuple[int, str]]:
    """``(number, reason)`` for RUNNING trials whose worker is gone."""
    view = study._view
    beats: dict[int, float] | None = None
    out = []
    for i in range(len(view)):
        rec = view.record(i)
        if rec.state is not TrialState.RUNNING or rec.number in study._live or not rec.system.get("hb"):
            continue
        alive = worker_alive(rec.worker or "")
        if alive is False:
            out.append((rec.number, f"its worker {rec.worker} died before the trial finished"))
            continue
        if alive is None:
            if beats is None:
                beats = study._storage.beats(view.info.id)
            last = max(beats.get(rec.number, 0.0), rec.started or 0.0)
            grace = float(rec.system["hb"]) * GRACE_INTERVALS
            if now - last > grace:
                out.append((rec.number, f"no heartbeat from worker {rec.worker} for {now - last:.0f} s"))
    return out


class Heartbeat:
    """A daemon thread that beats for the trial this worker is running."""

    def __init__(self, study: Study, interval: float) -> None:
        self._study = study
        self._interval = interval
        self._stop = threading.Event()
        self.current: int | None = None
        self._thread = threading.Thread(target=self._run, name="hyperscout-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        storage, sid = self._study._storage, self._study._view.info.id
        while not self._stop.wait(self._interval):
            n = self.current
            if n is not None:
                try:
                    storage.beat(sid, n, time.time())
                    # A long trial's parameters become durable here, so a crash still shows them.
                    self._study._flush_params(n)
                except Exception:  # a missed beat is retried next interval; never kill the run
                    pass


def _error_text(e: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(e), e)).strip()


def run_one(
    study: Study,
    objective: Callable[[Any], Any],
    catch: tuple[type[BaseException], ...],
    beat: Heartbeat | None,
) -> tuple[FrozenTrial, BaseException | None]:
    """Create, run and record one trial. Returns the record and the exception the objective raised."""
    trial = study._start_trial(heartbeat=beat._interval if beat else None)
    if beat:
        beat.current = trial.number
    try:
        try:
            ret = objective(trial)
        finally:
            if beat:
                beat.current = None  # before the outcome is written: no heartbeat write after it
    except TrialPruned:
        return study._finish(trial.number, TrialState.PRUNED, None, None), None
    except catch as e:
        return study._finish(trial.number, TrialState.FAIL, None, _error_text(e)), e
    except BaseException as e:
        # Ctrl-C or an error the user asked not to catch: record the trial, then let it propagate.
        study._finish(trial.number, TrialState.FAIL, None, _error_text(e) or type(e).__name__)
        raise
    values, problem = study._check_values(ret)
    if problem:
        return study._finish(trial.number, TrialState.FAIL, None, problem), None
    return study._finish(trial.number, TrialState.COMPLETE, values, None), None


def optimize_serial(
    study: Study,
    objective: Callable[[Any], Any],
    *,
    n_trials: int | None,
    timeout: float | None,
    catch: tuple[type[BaseException], ...],
    callbacks: Iterable[Callable[[Study, FrozenTrial], None]],
    progress: Any,
) -> None:
    from .samplers import SearchSpaceExhausted

    study._stop_flag = False
    study._reap()
    deadline = math.inf if timeout is None else time.monotonic() + timeout
    done = 0
    raised = 0
    with Heartbeat(study, HEARTBEAT_INTERVAL) as beat:
        while (n_trials is None or done < n_trials) and time.monotonic() < deadline and not study._stop_flag:
            try:
                frozen, error = run_one(study, objective, catch, beat)
            except SearchSpaceExhausted:
                break
            done += 1
            if error is not None and raised == done - 1:
                raised += 1
                if raised >= min(FAIL_FAST, n_trials or FAIL_FAST):
                    note = (
                        f"hyperscout: the first {raised} trial(s) of this run all raised; stopping instead "
                        f"of spending the budget. The last error is above (trial {frozen.number})."
                    )
                    if hasattr(error, "add_note"):
                        error.add_note(note)
                    raise error
            for cb in callbacks:
                cb(study, frozen)
            progress.update(study, frozen)
    study._stop_flag = False
