"""Running trials: worker identity, heartbeats, reaping dead workers' trials, the serial and worker loops.

A trial created by ``optimize`` records which worker runs it (``host/pid/process start time``) and
its heartbeat interval. A RUNNING trial is reaped (marked FAIL) when its worker is known to be dead:
on this host, when no process with that pid and start time exists; elsewhere, when its heartbeat is
older than ``GRACE_INTERVALS`` intervals. Heartbeats are stamped and judged on the storage's clock
(``BaseStorage.now()``), so machines whose clocks disagree do not reap each other's live trials.
Trials created by ``ask()`` have no worker loop and are never reaped.

Parallel runs (``_parallel``) start several workers that each run ``work`` against the same
storage. The trials of one ``optimize`` call form a *run*: each holds a ``run`` attribute
``[run id, slot]`` whose claim ``run/<id>/<slot>`` makes slots unique, so ``n_trials`` is exact
across workers without any other coordination (``RunTracker``).

Example:
    >>> worker_alive(worker_id())
    True
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .storages import Event
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
    """``(number, reason)`` for RUNNING trials whose worker is gone; ``now`` is on the storage's clock."""
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
            last = max(beats.get(rec.number, 0.0), rec.started or 0.0, float(rec.system.get("resumed_at", 0.0)))
            grace = float(rec.system["hb"]) * GRACE_INTERVALS
            if now - last > grace:
                out.append((rec.number, f"no heartbeat from worker {rec.worker} for {now - last:.0f} s"))
    return out


class Heartbeat:
    """A daemon thread that beats for the trial this worker is running, on the storage's clock.

    It also keeps ``study._clock_offset`` (storage clock minus this machine's) current, which
    trial start and end times are stamped with, so that a trial that has not beaten yet is judged
    by a start time on the same clock.
    """

    def __init__(self, study: Study, interval: float) -> None:
        self._study = study
        self._interval = interval
        self._stop = threading.Event()
        self.current: int | None = None
        self._thread = threading.Thread(target=self._run, name="hyperscout-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._study._clock_offset = self._study._storage.now() - time.time()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        study = self._study
        storage, sid = study._storage, study._view.info.id
        while not self._stop.wait(self._interval):
            n = self.current
            if n is not None:
                try:
                    at = storage.now()
                    study._clock_offset = at - time.time()
                    storage.beat(sid, n, at)
                    # A long trial's parameters become durable here, so a crash still shows them.
                    study._flush_params(n)
                except Exception:  # a missed beat is retried next interval; never kill the run
                    pass


class TrialCrashed(Exception):
    """An isolated trial's process died or overran ``trial_timeout``; the message says which."""


def _error_text(e: BaseException) -> str:
    if isinstance(e, TrialCrashed):
        return f"crashed: {e}"
    return "".join(traceback.format_exception_only(type(e), e)).strip()


#: ``(system attribute, value, claim or None)`` triples that ``Study._start_trial`` records on a new trial.
Tags = Callable[[], Sequence[tuple[str, Any, "str | None"]]]

_RAISED = "raised"


def run_one(
    study: Study,
    objective: Callable[[Any], Any],
    catch: tuple[type[BaseException], ...],
    beat: Heartbeat | None,
    *,
    tags: Tags | None = None,
    mark_raised: bool = False,
    trial: Any = None,
) -> tuple[FrozenTrial, BaseException | None]:
    """Create, run and record one trial. Returns the record and the exception the objective raised.

    ``tags`` adds system attributes to the trial (and may raise ``StopRun`` to start none);
    ``mark_raised`` records that the objective raised, which parallel workers read for fail-fast;
    ``trial``, a resumed paused trial, is run instead of a new one.
    """
    if trial is None:
        trial = study._start_trial(heartbeat=beat._interval if beat else None, tags=tags)
    if beat:
        beat.current = trial.number
    raised = [Event("attr", trial.number, {"key": _RAISED, "value": True, "system": True})] if mark_raised else []
    try:
        try:
            ret = objective(trial)
        finally:
            if beat:
                beat.current = None  # before the outcome is written: no heartbeat write after it
    except TrialPruned:
        return study._stop_early(trial.number), None
    except catch as e:
        return study._finish(trial.number, TrialState.FAIL, None, _error_text(e), extra=raised), e
    except BaseException as e:
        # Ctrl-C or an error the user asked not to catch: record the trial, then let it propagate.
        study._finish(trial.number, TrialState.FAIL, None, _error_text(e) or type(e).__name__, extra=raised)
        raise
    values, problem = study._check_values(ret)
    if problem:
        return study._finish(trial.number, TrialState.FAIL, None, problem), None
    return study._finish(trial.number, TrialState.COMPLETE, values, None), None


def _fail_fast_note(error: BaseException, raised: int, number: int) -> None:
    note = (
        f"hyperscout: the first {raised} trial(s) of this run all raised; stopping instead "
        f"of spending the budget. The last error is above (trial {number})."
    )
    if hasattr(error, "add_note"):
        error.add_note(note)


def optimize_serial(
    study: Study,
    objective: Callable[[Any], Any],
    *,
    n_trials: int | None,
    timeout: float | None,
    catch: tuple[type[BaseException], ...],
    callbacks: Iterable[Callable[[Study, FrozenTrial], None]],
    progress: Any,
    retry_failed: int = 0,
) -> None:
    from .samplers import SearchSpaceExhausted

    study._stop_flag = False
    study._reap()
    deadline = math.inf if timeout is None else time.monotonic() + timeout
    tags: Tags | None = (lambda: [("retry", retry_failed, None)]) if retry_failed else None
    next_reap = time.monotonic() + HEARTBEAT_INTERVAL
    done = 0
    raised = 0
    exhausted = False
    with Heartbeat(study, HEARTBEAT_INTERVAL) as beat:
        while time.monotonic() < deadline and not study._stop_flag:
            if time.monotonic() >= next_reap:
                study._reap()  # other workers sharing the storage may have died meanwhile
                next_reap = time.monotonic() + HEARTBEAT_INTERVAL
            more = not exhausted and (n_trials is None or done < n_trials)
            # A promoted paused trial goes first (ASHA); once no new trial will start, the rest are drained.
            resumed = study._resume_paused(beat._interval, final=not more)
            if resumed is None and not more:
                break
            try:
                frozen, error = run_one(study, objective, catch, beat, tags=tags, trial=resumed)
            except SearchSpaceExhausted:
                exhausted = True
                continue
            if resumed is None:
                done += 1
                if error is not None and raised == done - 1:
                    raised += 1
                    if raised >= min(FAIL_FAST, n_trials or FAIL_FAST):
                        _fail_fast_note(error, raised, frozen.number)
                        raise error
            if frozen.state is not TrialState.PAUSED:
                for cb in callbacks:
                    cb(study, frozen)
            progress.update(study, frozen, advance=resumed is None)
    study._stop_flag = False


# -- parallel runs ---------------------------------------------------------------------------------


class StopRun(Exception):
    """Raised by a run's ``tags`` when the run must start no more trials."""


@dataclass(frozen=True)
class RunSpec:
    """What every worker of one ``optimize`` call shares (it is pickled to each of them).

    ``deadline`` is on the storage's clock, which all workers share; ``None`` for no timeout.
    """

    run_id: str
    n_trials: int | None = None
    deadline: float | None = None
    catch: tuple[type[BaseException], ...] = (Exception,)
    retry_failed: int = 0

    @property
    def stop_key(self) -> str:
        """The study system attribute whose presence tells the run's workers to stop."""
        return f"stop/{self.run_id}"


class RunTracker:
    """The trials of one run, found incrementally in a study's view by their ``run`` attribute.

    ``slots`` maps each slot of the run to its trial number; ``update`` returns the run's trials
    that finished since the last call, in the order they finished, and leaves in ``fresh_paused``
    those first seen PAUSED since then (a paused trial is not finished: it may be resumed).
    """

    def __init__(self, study: Study, run_id: str) -> None:
        self._view = study._view
        self.run_id = run_id
        self.slots: dict[int, int] = {}
        self._numbers: set[int] = set()  # the run's trial numbers
        self._retried: set[int] = set()  # trials that some trial of the study is a retry of
        self._scanned = 0
        self._waiting: set[int] = set()  # enqueued trials: a worker of this run may start them
        self._open: set[int] = set()  # this run's unfinished trials
        self.paused: set[int] = set()  # the run's trials seen PAUSED (progress counts them then)
        self.fresh_paused: list[int] = []

    def update(self) -> list[int]:
        view = self._view
        fresh: list[int] = []
        n = len(view)
        for i in range(self._scanned, n):
            self._classify(i, fresh)
        self._scanned = n
        if self._waiting:
            for i in [i for i in self._waiting if view.record(i).state is not TrialState.WAITING]:
                self._waiting.discard(i)
                self._classify(i, fresh)
        self.fresh_paused = []
        if self._open:
            for i in sorted(self._open):
                state = view.record(i).state
                if state.is_finished:
                    self._open.discard(i)
                    fresh.append(i)
                elif state is TrialState.PAUSED and i not in self.paused:
                    self.paused.add(i)
                    self.fresh_paused.append(i)
        return sorted(fresh, key=lambda i: (view.record(i).finished or 0.0, i))

    @property
    def requeued(self) -> set[int]:
        """The run's reaped trials that were enqueued again: their retry takes their place in the budget."""
        return self._retried & self._numbers

    @property
    def spent(self) -> int:
        """How much of ``n_trials`` the run has used: its trials, less those re-queued for a retry."""
        return len(self.slots) - len(self.requeued)

    def _classify(self, i: int, fresh: list[int]) -> None:
        rec = self._view.record(i)
        retry_of = rec.system.get("retry_of")
        if retry_of is not None:
            self._retried.add(int(retry_of))
        if rec.state is TrialState.WAITING:
            self._waiting.add(i)
            return
        tag = rec.system.get("run")
        if not tag or tag[0] != self.run_id:
            return
        self.slots[int(tag[1])] = i
        self._numbers.add(i)
        if rec.state.is_finished:
            fresh.append(i)
        else:
            self._open.add(i)

    def failed_fast(self, n_trials: int | None) -> bool:
        """Whether the run's first ``min(FAIL_FAST, n_trials)`` trials all raised."""
        first = [self.slots.get(s) for s in range(min(FAIL_FAST, n_trials or FAIL_FAST))]
        for n in first:
            if n is None:
                return False
            rec = self._view.record(n)
            if rec.state is not TrialState.FAIL or not rec.system.get(_RAISED):
                return False
        return True


def work(
    study: Study,
    objective: Callable[[Any], Any],
    spec: RunSpec,
    notify: Callable[[int], None] | None = None,
    stopped: threading.Event | None = None,
) -> None:
    """One worker of a parallel run: run trials of ``spec``'s run until it is over.

    The run is over when its ``n_trials`` slots are taken, its deadline passed, the sampler has
    nothing left, the run's stop attribute appears (``study.stop()``, Ctrl-C, an error elsewhere),
    or its first trials all raised (then the worker whose trial completed that raises the error).
    ``notify`` is called with each trial's number when it is recorded; setting ``stopped`` ends
    the loop after the running trial.
    """
    from .samplers import SearchSpaceExhausted

    tracker = RunTracker(study, spec.run_id)
    deadline = math.inf
    if spec.deadline is not None:
        deadline = time.monotonic() + max(spec.deadline - study._storage.now(), 0.0)
    study._reap()
    next_reap = time.monotonic() + HEARTBEAT_INTERVAL
    exhausted = False

    def halted() -> bool:
        return bool(
            (stopped is not None and stopped.is_set())
            or study._view.system_attrs.get(spec.stop_key)
            or tracker.failed_fast(spec.n_trials)
        )

    def spent() -> bool:
        return spec.n_trials is not None and tracker.spent >= spec.n_trials

    def tags() -> list[tuple[str, Any, str | None]]:
        tracker.update()
        slot = len(tracker.slots)
        if halted() or spent():
            raise StopRun
        out: list[tuple[str, Any, str | None]] = [("run", [spec.run_id, slot], f"run/{spec.run_id}/{slot}")]
        if spec.retry_failed:
            out.append(("retry", spec.retry_failed, None))
        return out

    with Heartbeat(study, HEARTBEAT_INTERVAL) as beat:
        while time.monotonic() < deadline:
            if time.monotonic() >= next_reap:
                study._reap()  # trials of workers that died elsewhere (a lost machine)
                next_reap = time.monotonic() + HEARTBEAT_INTERVAL
            resumed = None
            if study.pruner is not None and study.pruner.pauses:
                study._sync()
                tracker.update()
                if not halted():
                    resumed = study._resume_paused(beat._interval, final=exhausted or spent())
            if resumed is None and exhausted:
                return
            try:
                frozen, error = run_one(study, objective, spec.catch, beat, tags=tags, mark_raised=True, trial=resumed)
            except StopRun:
                return
            except SearchSpaceExhausted:
                exhausted = True  # paused trials may still be promoted
                continue
            if notify is not None:
                notify(frozen.number)
            if error is not None:
                study._sync()
                tracker.update()
                if tracker.failed_fast(spec.n_trials):
                    _fail_fast_note(error, min(FAIL_FAST, spec.n_trials or FAIL_FAST), frozen.number)
                    raise error
