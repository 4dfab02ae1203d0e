"""Parallel runs: ``optimize(n_jobs=k)`` in worker processes, or on any ``concurrent.futures`` executor.

Every worker runs the same loop (``_execution.work``) against the study's storage, as a worker on
another machine would: it proposes (the sampler sees the other workers' running trials through
the log), runs the objective, records the outcome. The trials of one ``optimize`` call share a
*run id*, and each claims a slot of the run in the log, so ``n_trials`` is exact whatever the
number of workers. This process only watches: it reads the log as trials finish and calls the
callbacks and the progress bar, turns ``study.stop()``, Ctrl-C or a worker's error into the run's
stop attribute, reaps the trial of a worker that died and starts another worker in its place.

A storage that lives in this process (the in-memory default, a ``sqlite://`` memory database) is
served to the workers by a ``_remote.StorageServer``; a database URL is opened by each worker.

The workers receive a ``_lifecycle.Lifecycle`` (opened on the shared storage) and run
``_execution.work``; callbacks here receive ``(frozen trial, resumed)``, as in a serial run.

Example:
    >>> cpu_count() >= 1
    True
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from ._execution import Delivery, OnTrial, RunSpec, RunTracker, Terminated, terminate_cleanly, work
from ._isolate import IsolatedObjective, Limits, context
from ._lifecycle import Lifecycle
from ._log import LIBRARY_LOGGER
from ._pickling import dump_exception, dumps, error_text, load_exception
from ._remote import StorageServer
from ._workers import HEARTBEAT_INTERVAL
from .storages import BaseStorage, Event, get_storage
from .storages._view import StudyView
from .trial import FrozenTrial

#: Seconds between this process's looks at the log when no worker says anything.
POLL = 0.1
#: Worker processes that may die in a row (no trial recorded in between) before the run gives up.
MAX_DEATHS = 3


@dataclass(frozen=True)
class _Payload:
    """What a worker needs to join the run; the callables are pickled already (or shared, in threads)."""

    study_name: str
    storage: Any  # a URL, a RemoteStorage, or (threads) the storage object itself
    sampler: Any
    pruner: Any
    seed: int
    objective: Any
    spec: RunSpec
    limits: Limits | None
    #: The level of this process's ``hyperscout`` logger: a worker process starts at the default
    #: (INFO), and ``hs.logging.set_verbosity(WARNING)`` must quieten its trial lines too.
    log_level: int = logging.INFO
    #: The study's ``constraints_func`` (pickled already, or shared in threads), or None.
    constraints_func: Any = None


def _loads(x: Any) -> Any:
    return pickle.loads(x) if isinstance(x, bytes) else x


def _open(payload: _Payload) -> Lifecycle:
    storage: BaseStorage = get_storage(payload.storage) if isinstance(payload.storage, str) else payload.storage
    info = storage.find_study(payload.study_name)
    if info is None:
        raise KeyError(f"no study named {payload.study_name!r} in the storage (was it deleted?)")
    return Lifecycle(
        StudyView(storage, info),
        _loads(payload.sampler),
        _loads(payload.pruner),
        payload.seed,
        constraints_func=_loads(payload.constraints_func),
    )


def _run(payload: _Payload, notify: OnTrial | None = None, stopped: threading.Event | None = None) -> None:
    lifecycle = _open(payload)
    if payload.limits is not None:
        objective: Any = IsolatedObjective(payload.objective, payload.limits)
    else:
        objective = _loads(payload.objective)
    try:
        work(lifecycle, objective, payload.spec, notify, stopped)
    finally:
        if isinstance(payload.storage, str):
            lifecycle.storage.close()


def _executor_task(payload: Any, index: int) -> int:
    """What an executor runs (``index`` keeps a Dask client from merging identical tasks into one)."""
    loaded = _loads(payload)
    if isinstance(payload, bytes):  # another process: it logs there, at the caller's verbosity
        LIBRARY_LOGGER.setLevel(loaded.log_level)
    _run(loaded)
    return index


class _PipeHandler(logging.Handler):
    """In a worker process: hands each log line to the parent, which writes it as its own.

    So the lines of a parallel run follow the parent's handlers (around its progress bar, into
    the user's log file) and its verbosity, and each trial is logged once, by the worker that
    recorded it.
    """

    def __init__(self, conn: Connection) -> None:
        super().__init__()
        self.conn = conn

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _send(self.conn, ("log", record.name, record.levelno, record.getMessage()))
        except Exception:
            self.handleError(record)


def _send(conn: Connection, msg: tuple[Any, ...]) -> bool:
    try:
        conn.send(msg)
        return True
    except (OSError, EOFError):
        return False


def _process_main(payload: bytes, conn: Connection) -> None:
    """A worker process: run the loop, tell the parent about each trial, and how it ended."""
    parent = os.getppid()
    stopped = threading.Event()

    def watch_parent() -> None:
        # A parent killed with -9 cannot say stop: finish the running trial, then leave.
        while not stopped.wait(1.0):
            if os.getppid() != parent:
                stopped.set()

    def notify(frozen: FrozenTrial, resumed: bool) -> None:
        if not _send(conn, ("trial", frozen.number)):
            stopped.set()  # the parent is gone

    threading.Thread(target=watch_parent, name="hyperscout-parent-watch", daemon=True).start()
    try:
        loaded: _Payload = pickle.loads(payload)
        for handler in list(LIBRARY_LOGGER.handlers):
            LIBRARY_LOGGER.removeHandler(handler)
        LIBRARY_LOGGER.addHandler(_PipeHandler(conn))
        LIBRARY_LOGGER.setLevel(loaded.log_level)
        LIBRARY_LOGGER.propagate = False
        _run(loaded, notify=notify, stopped=stopped)
    except BaseException as e:
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        _send(conn, ("error", dump_exception(e), error_text(e), tb))
        conn.close()
        sys.exit(1)
    _send(conn, ("done",))
    conn.close()


class _Monitor:
    """This process's part of a run: callbacks and progress as trials finish, stop, errors."""

    def __init__(self, lifecycle: Lifecycle, spec: RunSpec, delivery: Delivery) -> None:
        self.lifecycle = lifecycle
        self.spec = spec
        self.delivery = delivery
        self.tracker = RunTracker(lifecycle, spec.run_id)
        self.stopped = False
        self.errors: list[BaseException] = []
        self._deliver = True
        # Without callbacks or a bar, reading the log after every trial would only load the storage.
        self.live = delivery.wanted
        now = lifecycle.storage.now()
        self.deadline = None if spec.deadline is None else time.monotonic() + (spec.deadline - now)

    def deliver(self, force: bool = False) -> None:
        """Hand the run's trials recorded since the last call to ``delivery``, in the order they ended."""
        if not (self.live or force):
            return
        life = self.lifecycle
        life.sync()
        finished = self.tracker.update()
        recorded = [(n, False) for n in self.tracker.fresh_paused] + [(n, n in self.tracker.paused) for n in finished]
        for n, resumed in recorded:
            if not self._deliver:
                break
            try:
                self.delivery.trial(life.view.frozen(n), resumed=resumed, requeued=n in self.tracker.requeued)
            except BaseException as e:  # as in a serial run, a callback's error ends the run
                self._deliver = False
                self.fail(e)
        if life.stop_requested:
            self.stop()

    def stop(self) -> None:
        """Tell every worker of the run to start no more trials."""
        if not self.stopped:
            self.stopped = True
            data = {"key": self.spec.stop_key, "value": True, "system": True}
            self.lifecycle.view.append([Event("study_attr", None, data)])

    def fail(self, error: BaseException) -> None:
        self.errors.append(error)
        self.stop()

    def over(self) -> bool:
        """Whether no new worker should start (one that finds nothing to do, an exhausted grid, just ends)."""
        spent = self.spec.n_trials is not None and self.tracker.spent >= self.spec.n_trials
        late = self.deadline is not None and time.monotonic() >= self.deadline
        return self.stopped or spent or late


@dataclass
class _Proc:
    proc: Any
    conn: Connection
    outcome: str | None = None  # "done" or "error" once the worker said how it ended


def _run_processes(payload: bytes, k: int, monitor: _Monitor) -> None:
    ctx = context()
    procs: list[_Proc] = []

    def spawn() -> None:
        mine, theirs = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_process_main, args=(payload, theirs), name="hyperscout-worker")
        proc.start()
        theirs.close()
        procs.append(_Proc(proc, mine))

    def drain(w: _Proc) -> bool:
        """Read what ``w`` said; True when a trial was recorded."""
        recorded = False
        try:
            while w.conn.poll():
                msg = w.conn.recv()
                if msg[0] == "trial":
                    recorded = True
                elif msg[0] == "log":
                    logging.getLogger(msg[1]).log(msg[2], msg[3])
                elif msg[0] == "done":
                    w.outcome = "done"
                elif msg[0] == "error":
                    w.outcome = "error"
                    exc = load_exception(msg[1], msg[2])
                    if not isinstance(exc, (KeyboardInterrupt, Terminated)):
                        monitor.fail(exc)
                    else:
                        monitor.stop()
        except (EOFError, OSError):
            pass
        return recorded

    deaths = 0
    try:
        for _ in range(k):
            spawn()
        while procs:
            ready = wait([w.conn for w in procs] + [w.proc.sentinel for w in procs], timeout=1.0)
            for w in list(procs):
                if drain(w):
                    deaths = 0
                if w.proc.sentinel not in ready:
                    continue
                w.proc.join()
                drain(w)
                w.conn.close()
                procs.remove(w)
                if w.outcome is not None:
                    continue
                deaths += 1
                in_trial = bool(monitor.lifecycle.reap())  # its trial, at once: its pid is gone
                monitor.deliver(force=True)  # over() needs the run's trials
                if deaths > max(MAX_DEATHS, k):
                    monitor.fail(RuntimeError(_deaths_message(deaths, w.proc.exitcode, in_trial)))
                elif not monitor.over():
                    spawn()
            monitor.deliver()
    except BaseException as e:
        monitor.stop()
        # SIGTERM/SIGHUP is passed on as it came, so the workers' trials record it as their reason.
        _shutdown(procs, e.signum if isinstance(e, Terminated) else signal.SIGINT)
        # A worker that had no time to record its trial (a loaded machine, a second signal during the
        # write) leaves it RUNNING: it fails with the reason the worker would have written, not "died".
        reason = str(e) if isinstance(e, Terminated) else "KeyboardInterrupt"
        monitor.lifecycle.reap(ended={w.proc.pid: reason for w in procs if w.proc.pid is not None})
        raise


def _deaths_message(deaths: int, code: int | None, in_trial: bool) -> str:
    text = f"{deaths} worker processes died in a row (the last one's exit code: {code}); "
    if in_trial:
        return text + "an objective that can crash the interpreter needs optimize(..., isolate=True)"
    return text + (
        "the last one died outside a trial, so its error (printed above) is likely a start-up failure. Worker "
        'processes import your script again: in a script, call optimize under `if __name__ == "__main__":`'
    )


def _shutdown(procs: list[_Proc], interrupt: int = signal.SIGINT) -> None:
    """Ctrl-C, a signal or an error here: give the workers a moment to record their trial, then end them."""
    for sig, grace in ((None, 2.0), (interrupt, 5.0), (signal.SIGKILL, 5.0)):
        alive = [w for w in procs if w.proc.is_alive()]
        if not alive:
            return
        if sig is not None:
            for w in alive:
                try:
                    os.kill(w.proc.pid, sig)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for w in alive:
            w.proc.join(timeout=max(deadline - time.monotonic(), 0.0))


def _run_executor(executor: cf.Executor, payload: Any, k: int, monitor: _Monitor) -> None:
    pending = {executor.submit(_executor_task, payload, i) for i in range(k)}
    next_reap = time.monotonic() + HEARTBEAT_INTERVAL
    try:
        while pending:
            done, pending = cf.wait(pending, timeout=POLL, return_when=cf.FIRST_COMPLETED)
            for f in done:
                try:
                    f.result()
                except BaseException as e:
                    monitor.fail(e)
            monitor.deliver()
            if time.monotonic() >= next_reap:
                # Workers reap each other too; this covers the last worker of a lost machine.
                monitor.lifecycle.reap()
                next_reap = time.monotonic() + HEARTBEAT_INTERVAL
    except BaseException:
        monitor.stop()
        for f in pending:
            f.cancel()
        raise


def _as_executor(executor: Any) -> cf.Executor | None:
    if executor is None or isinstance(executor, cf.Executor):
        return executor
    if callable(getattr(executor, "get_executor", None)):  # a dask.distributed.Client
        ex: cf.Executor = executor.get_executor(pure=False)
        return ex
    raise TypeError(
        f"executor must be a concurrent.futures.Executor or a dask.distributed.Client, got {type(executor).__name__}"
    )


def _capacity(executor: cf.Executor) -> int | None:
    n = getattr(executor, "_max_workers", None)
    if isinstance(n, int):
        return n
    client = getattr(executor, "_client", None)  # Dask's ClientExecutor
    if client is not None and callable(getattr(client, "nthreads", None)):
        return max(sum(client.nthreads().values()), 1)
    return None


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _shared_url(storage: BaseStorage) -> str | None:
    """A URL other processes can open for the same data, or None (the data lives in this process)."""
    url = storage.url
    if url is None:
        return None
    import sqlalchemy as sa

    try:
        u = sa.engine.make_url(url)
    except Exception:
        return url
    if u.get_backend_name() == "sqlite" and u.database in (None, "", ":memory:"):
        return None
    return url


def run_parallel(
    lifecycle: Lifecycle,
    objective: Callable[[Any], Any],
    spec: RunSpec,
    *,
    n_jobs: int | None,
    executor: Any,
    delivery: Delivery,
    limits: Limits | None,
) -> None:
    """``Study.optimize`` with several workers (see the module docstring); ``delivery`` is told of each trial."""
    ex = _as_executor(executor)
    if spec.n_trials == 0:
        return
    if n_jobs is None or n_jobs == -1:
        k = (_capacity(ex) if ex is not None else None) or cpu_count()
    else:
        k = n_jobs
    threads = isinstance(ex, cf.ThreadPoolExecutor)
    lifecycle.stop_requested = False
    lifecycle.reap()

    server: StorageServer | None = None
    storage: Any = lifecycle.storage
    if not threads:
        storage = _shared_url(lifecycle.storage)
        if storage is None:
            server = StorageServer(lifecycle.storage, tcp=ex is not None)
            storage = server.client()
    by_value = ex is not None and not threads
    obj: Any = objective
    if limits is not None or not threads:
        obj = dumps(objective, "the objective", by_value=by_value)
    sampler: Any = lifecycle.sampler if threads else dumps(lifecycle.sampler, "the sampler", by_value=by_value)
    pruner: Any = lifecycle.pruner if threads else dumps(lifecycle.pruner, "the pruner", by_value=by_value)
    constraints: Any = lifecycle.constraints_func
    if constraints is not None and not threads:
        constraints = dumps(constraints, "the constraints function", by_value=by_value)
    payload = _Payload(
        lifecycle.view.info.name, storage, sampler, pruner, lifecycle.study_seed, obj, spec, limits,
        LIBRARY_LOGGER.getEffectiveLevel(), constraints,
    )  # fmt: skip
    monitor = _Monitor(lifecycle, spec, delivery)
    try:
        with terminate_cleanly():
            if ex is None:
                _run_processes(pickle.dumps(payload), k, monitor)
            else:
                _run_executor(ex, payload if threads else pickle.dumps(payload), k, monitor)
        monitor.deliver(force=True)
    finally:
        if server is not None:
            server.close()
        lifecycle.stop_requested = False
    if monitor.errors:
        raise monitor.errors[0]
