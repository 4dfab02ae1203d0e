"""The run loop: one worker's loop over trials, run in-process (``n_jobs=1``) or in worker processes.

``work`` is the only loop. ``optimize(n_jobs=1)`` runs it in this process (``run_serial``);
``optimize(n_jobs=k)`` and ``executor=`` run it in ``k`` workers (``_parallel``); ``hyperscout
worker`` on another machine runs the same thing. So budgets, fail-fast, callbacks, pausing and
reaping follow one set of rules wherever trials run.

The loop receives a ``_lifecycle.Lifecycle`` and drives trials through its public methods; it
never sees a ``Study``. Callbacks reach it as ``on_trial(frozen, resumed)`` (the ``Study`` facade
binds itself into the user's callbacks before handing them down).

The trials of one ``optimize`` call form a *run*: each holds a ``run`` attribute ``[run id,
slot]`` whose claim ``run/<id>/<slot>`` makes slots unique, so ``n_trials`` is exact across
workers without any other coordination (``RunTracker``). Worker identity and liveness live in
``_workers``; isolating a trial in a child process in ``_isolate``; pickling in ``_pickling``.

Example:
    >>> spec = RunSpec("r1", n_trials=3)
    >>> spec.stop_key
    'stop/r1'
"""

from __future__ import annotations

import contextlib
import gc
import math
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ._lifecycle import Lifecycle, Tags
from ._pickling import error_text
from ._workers import GRACE_INTERVALS, HEARTBEAT_INTERVAL, dead_trials, worker_alive, worker_id
from .exceptions import TrialCrashed, TrialPruned
from .samplers import SearchSpaceExhausted
from .storages import Event
from .trial import FrozenTrial, TrialState

# Re-exported: these lived here before ``_workers`` and ``exceptions`` held them.
__all__ = [
    "FAIL_FAST",
    "Delivery",
    "GRACE_INTERVALS",
    "HEARTBEAT_INTERVAL",
    "Heartbeat",
    "RunSpec",
    "RunTracker",
    "StopRun",
    "Tags",
    "Terminated",
    "TrialCrashed",
    "dead_trials",
    "run_one",
    "run_serial",
    "terminate_cleanly",
    "work",
    "worker_alive",
    "worker_id",
]

#: optimize() raises the objective's own error when its first this-many trials all raised.
FAIL_FAST = 3

#: ``on_trial(frozen, resumed)``: told of each trial a worker recorded (``resumed``: it had paused before).
OnTrial = Callable[[FrozenTrial, bool], None]


class Delivery:
    """What the process that called ``optimize`` does with each recorded trial: callbacks, then progress.

    One set of rules for serial and parallel runs: a PAUSED trial gets no callbacks (it is not
    finished) but counts in the progress when it first pauses; a resumed trial does not count
    again; a trial that was reaped and re-queued gets its callbacks but its retry counts in its
    place. ``callbacks`` take the frozen trial (``Study`` binds itself into the user's).
    """

    def __init__(self, callbacks: Sequence[Callable[[FrozenTrial], None]], progress: Any) -> None:
        self.callbacks = tuple(callbacks)
        self.progress = progress

    @property
    def wanted(self) -> bool:
        """Whether anything listens (else a parallel run need not read the log after every trial)."""
        return bool(self.callbacks) or bool(getattr(self.progress, "enabled", False))

    def trial(self, frozen: FrozenTrial, *, resumed: bool, requeued: bool = False) -> None:
        if frozen.state is not TrialState.PAUSED:
            for cb in self.callbacks:
                cb(frozen)
        if not requeued:
            self.progress.update(frozen, advance=not resumed)


class Heartbeat:
    """A daemon thread that beats for the trial this worker is running, on the storage's clock.

    It also keeps ``lifecycle.clock_offset`` (storage clock minus this machine's) current, which
    trial start and end times are stamped with, so that a trial that has not beaten yet is judged
    by a start time on the same clock.
    """

    def __init__(self, lifecycle: Lifecycle, interval: float) -> None:
        self.lifecycle = lifecycle
        self.interval = interval
        self._stop = threading.Event()
        self.current: int | None = None
        self._thread = threading.Thread(target=self._run, name="hyperscout-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.lifecycle.clock_offset = self.lifecycle.storage.now() - time.time()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        life = self.lifecycle
        storage, sid = life.storage, life.view.info.id
        while not self._stop.wait(self.interval):
            n = self.current
            if n is not None:
                try:
                    at = storage.now()
                    life.clock_offset = at - time.time()
                    storage.beat(sid, n, at)
                    # A long trial's parameters become durable here, so a crash still shows them.
                    life.flush_params(n)
                except Exception:  # a missed beat is retried next interval; never kill the run
                    pass


_RAISED = "raised"


def run_one(
    lifecycle: Lifecycle,
    objective: Callable[[Any], Any],
    catch: tuple[type[BaseException], ...],
    beat: Heartbeat | None,
    *,
    tags: Tags | None = None,
    trial: Any = None,
) -> tuple[FrozenTrial, BaseException | None]:
    """Create, run and record one trial. Returns the record and the exception the objective raised.

    ``tags`` adds system attributes to the trial (and may raise ``StopRun`` to start none); a
    trial whose objective raised is marked ``raised``, which fail-fast reads; ``trial``, a resumed
    paused trial, is run instead of a new one.
    """
    if trial is None:
        trial = lifecycle.start(heartbeat=beat.interval if beat else None, tags=tags)
    if beat:
        beat.current = trial.number
    try:
        try:
            ret = objective(trial)
        finally:
            if beat:
                beat.current = None  # before the outcome is written: no heartbeat write after it
    except TrialPruned:
        return lifecycle.stop_early(trial.number), None
    except catch as e:
        return lifecycle.finish(trial.number, TrialState.FAIL, None, _trial_error(e), extra=_raised(trial.number)), e
    except BaseException as e:
        # Ctrl-C, SIGTERM/SIGHUP (``Terminated``) or an error the user asked not to catch: record
        # the trial, then let it propagate.
        error = _trial_error(e) or type(e).__name__
        lifecycle.finish(trial.number, TrialState.FAIL, None, error, extra=_raised(trial.number))
        raise
    values, problem = lifecycle.check_values(ret)
    if problem:
        return lifecycle.finish(trial.number, TrialState.FAIL, None, problem), None
    return lifecycle.finish(trial.number, TrialState.COMPLETE, values, None), None


def _raised(number: int) -> list[Event]:
    """The mark of a trial whose objective raised, which fail-fast reads."""
    return [Event("attr", number, {"key": _RAISED, "value": True, "system": True})]


def _trial_error(e: BaseException) -> str:
    if isinstance(e, Terminated):
        return str(e)
    if isinstance(e, TrialCrashed):
        return f"crashed: {e}"
    return error_text(e)


def _fail_fast_note(error: BaseException, raised: int, number: int) -> None:
    note = (
        f"hyperscout: the first {raised} trial(s) of this run all raised; stopping instead "
        f"of spending the budget. The last error is above (trial {number})."
    )
    if hasattr(error, "add_note"):
        error.add_note(note)


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived while trials ran: the running trial was recorded FAIL, children ended.

    What ``timeout``, systemd, Docker, Kubernetes and Slurm send, and what a closed terminal sends,
    take the path of Ctrl-C: it unwinds the run (an isolated trial's or a command's process group
    is killed on the way, the trial recorded FAIL with this as its reason). A ``SystemExit``, so
    that a script which does not catch it exits with the conventional status ``128 + signum``
    without a traceback.

    Example:
        >>> e = Terminated(signal.SIGTERM)
        >>> e.code, str(e)
        (143, 'terminated by SIGTERM')
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    def __str__(self) -> str:
        return f"terminated by {signal.Signals(self.signum).name}"

    def __reduce__(self) -> tuple[type[Terminated], tuple[int]]:
        return (Terminated, (self.signum,))  # sent from worker processes to the parent


#: The signals that end a run cleanly (Ctrl-C, SIGINT, already does, as KeyboardInterrupt).
TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _raise_terminated(signum: int, frame: Any) -> None:
    # Once: a second signal while the run unwinds (records the trial, kills children) is ignored,
    # so that the clean-up finishes; SIGKILL still ends everything.
    signal.signal(signum, signal.SIG_IGN)
    raise Terminated(signum)


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise ``Terminated`` in the main thread (and are restored after).

    Only signals left at their default (which would kill the process with the trial RUNNING and a
    child process orphaned) are taken over; a handler the program installed, or ``nohup``'s
    ignored SIGHUP, stays. Elsewhere than the main thread, where Python cannot handle signals,
    it does nothing.
    """
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in TERMINATING:
            if signal.getsignal(sig) is signal.SIG_DFL:
                previous[sig] = signal.signal(sig, _raise_terminated)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class StopRun(Exception):
    """Raised by a run's ``tags`` when the run must start no more trials (internal to the loop)."""


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
    #: One worker alone runs the run (``n_jobs=1``): its slots need no claim, nobody else takes one.
    single_worker: bool = False
    #: Run the garbage collector after each trial, in the worker that ran it (Optuna's option).
    gc_after_trial: bool = False

    @property
    def stop_key(self) -> str:
        """The study system attribute whose presence tells the run's workers to stop."""
        return f"stop/{self.run_id}"

    @classmethod
    def new(
        cls,
        lifecycle: Lifecycle,
        *,
        n_trials: int | None,
        timeout: float | None,
        catch: tuple[type[BaseException], ...],
        retry_failed: int,
        single_worker: bool = False,
        gc_after_trial: bool = False,
    ) -> RunSpec:
        """A run with a fresh id whose deadline, ``timeout`` seconds from now, is on the storage's clock."""
        deadline = None if timeout is None else lifecycle.storage.now() + timeout
        return cls(uuid.uuid4().hex[:16], n_trials, deadline, catch, retry_failed, single_worker, gc_after_trial)


class RunTracker:
    """The trials of one run, found incrementally in a study's view by their ``run`` attribute.

    ``slots`` maps each slot of the run to its trial number; ``update`` returns the run's trials
    that finished since the last call, in the order they finished, and leaves in ``fresh_paused``
    those first seen PAUSED since then (a paused trial is not finished: it may be resumed).
    """

    def __init__(self, lifecycle: Lifecycle, run_id: str) -> None:
        self._view = lifecycle.view
        self.run_id = run_id
        self.slots: dict[int, int] = {}
        self._numbers: set[int] = set()  # the run's trial numbers
        self._retried: set[int] = set()  # trials that some trial of the study is a retry of
        self._scanned = 0
        self._waiting: set[int] = set()  # enqueued trials: a worker of this run may start them
        self._open: set[int] = set()  # this run's unfinished trials
        self.paused: set[int] = set()  # the run's trials seen PAUSED (progress counts them then)
        self.fresh_paused: list[int] = []
        self._passed = False  # one of the run's first trials finished without raising (see failed_fast)

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
        return self._retried & self._numbers if self._retried else set()

    @property
    def spent(self) -> int:
        """How much of ``n_trials`` the run has used: its trials, less those re-queued for a retry."""
        return len(self.slots) - len(self.requeued)

    def _classify(self, i: int, fresh: list[int]) -> None:
        rec = self._view.record(i)
        retry_of = rec.system.get("retry_of")
        if retry_of is not None:
            # A retry cancelled by its trial's late result (``not_run``) takes no place in the budget.
            if rec.system.get("not_run"):
                self._retried.discard(int(retry_of))
            else:
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
        if self._passed:
            return False
        for slot in range(min(FAIL_FAST, n_trials or FAIL_FAST)):
            n = self.slots.get(slot)
            if n is None:
                return False
            rec = self._view.record(n)
            if rec.state is not TrialState.FAIL or not rec.system.get(_RAISED):
                # A finished outcome never changes: one of the first trials did not raise, for good.
                self._passed = rec.state.is_finished
                return False
        return True


def work(
    lifecycle: Lifecycle,
    objective: Callable[[Any], Any],
    spec: RunSpec,
    notify: OnTrial | None = None,
    stopped: threading.Event | None = None,
) -> None:
    """One worker of a run: run trials of ``spec``'s run until it is over.

    The run is over when its ``n_trials`` slots are taken, its deadline passed, the sampler has
    nothing left, the run's stop attribute appears (``study.stop()`` in a parallel run, Ctrl-C,
    an error elsewhere), ``lifecycle.stop_requested`` is set (``study.stop()`` in this process),
    or its first trials all raised (then the worker whose trial completed that raises the error).
    A paused trial the pruner promotes runs before a new one; once no new trial will start, the
    promotable rest are drained. ``notify`` is told of each trial when it is recorded (an error
    it raises ends the run); setting ``stopped`` ends the loop after the running trial.
    """
    life = lifecycle
    tracker = RunTracker(life, spec.run_id)
    deadline = math.inf
    if spec.deadline is not None:
        deadline = time.monotonic() + max(spec.deadline - life.storage.now(), 0.0)
    life.reap()
    next_reap = time.monotonic() + HEARTBEAT_INTERVAL
    exhausted = False
    pauses = life.pruner is not None and life.pruner.pauses

    stop_key = spec.stop_key

    def halted() -> bool:
        return bool(
            life.stop_requested
            or (stopped is not None and stopped.is_set())
            or life.view.system_attrs.get(stop_key)
            or tracker.failed_fast(spec.n_trials)
        )

    def spent() -> bool:
        return spec.n_trials is not None and tracker.spent >= spec.n_trials

    def tags() -> list[tuple[str, Any, str | None]]:
        tracker.update()
        slot = len(tracker.slots)
        if halted() or spent():
            raise StopRun
        claim = None if spec.single_worker else f"run/{spec.run_id}/{slot}"
        out: list[tuple[str, Any, str | None]] = [("run", [spec.run_id, slot], claim)]
        if spec.retry_failed:
            out.append(("retry", spec.retry_failed, None))
        return out

    with terminate_cleanly(), Heartbeat(life, HEARTBEAT_INTERVAL) as beat:
        while time.monotonic() < deadline:
            if time.monotonic() >= next_reap:
                life.reap()  # trials of workers that died elsewhere (a lost machine)
                next_reap = time.monotonic() + HEARTBEAT_INTERVAL
            resumed = None
            if pauses:
                life.sync()
                tracker.update()
                if not halted():
                    resumed = life.resume_paused(beat.interval, final=exhausted or spent())
            if resumed is None and exhausted:
                return
            try:
                frozen, error = run_one(life, objective, spec.catch, beat, tags=tags, trial=resumed)
            except StopRun:
                return
            except SearchSpaceExhausted:
                exhausted = True  # paused trials may still be promoted
                continue
            if spec.gc_after_trial:
                gc.collect()  # what the objective left in reference cycles (a model, a data loader)
            if notify is not None:
                notify(frozen, resumed is not None)
            if error is not None:
                life.sync()
                tracker.update()
                if tracker.failed_fast(spec.n_trials):
                    _fail_fast_note(error, min(FAIL_FAST, spec.n_trials or FAIL_FAST), frozen.number)
                    raise error


def run_serial(lifecycle: Lifecycle, objective: Callable[[Any], Any], spec: RunSpec, delivery: Delivery) -> None:
    """``optimize(n_jobs=1)``: the worker loop, run in this process, with ``delivery`` told of each trial.

    ``lifecycle.stop_requested`` (``study.stop()`` from a callback) ends the run after the trial
    that is running, and is cleared when the run ends.
    """
    lifecycle.stop_requested = False
    try:
        work(lifecycle, objective, spec, lambda frozen, resumed: delivery.trial(frozen, resumed=resumed))
    finally:
        lifecycle.stop_requested = False
