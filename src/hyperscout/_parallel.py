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

Example:
    >>> import pickle
    >>> pickle.loads(dumps(len, "a function"))("abc")
    3
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import pickle
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from . import _execution
from ._execution import RunSpec, RunTracker
from ._isolate import IsolatedObjective, Limits, _dump_exception, _load_exception, context
from .storages import BaseStorage, Event, get_storage
from .trial import FrozenTrial

if TYPE_CHECKING:
    from ._remote import StorageServer
    from .study import Study

#: Seconds between this process's looks at the log when no worker says anything.
POLL = 0.1
#: Worker processes that may die in a row (no trial recorded in between) before the run gives up.
MAX_DEATHS = 3


def _module_of(obj: Any) -> str | None:
    func = getattr(obj, "func", None)  # functools.partial
    return getattr(func if callable(func) else obj, "__module__", None)


def dumps(obj: Any, what: str, *, by_value: bool = False) -> bytes:
    """Pickle ``obj`` for another process, or raise a ``TypeError`` that says how to make it picklable.

    Plain pickle sends functions by reference (module and name), which a worker process on this
    machine can import. cloudpickle, where installed, sends by value what cannot be imported
    there: lambdas and closures, and anything of an interactive ``__main__`` (a notebook), or of
    any ``__main__`` when ``by_value`` (an executor's workers do not run this script).
    """
    main = sys.modules.get("__main__")
    need_value = _module_of(obj) == "__main__" and (by_value or not getattr(main, "__file__", None))
    error: Exception | None = None
    if not need_value:
        try:
            return pickle.dumps(obj)
        except Exception as e:
            error = e
    try:
        import cloudpickle
    except ImportError:
        cloudpickle = None
    if cloudpickle is not None:
        try:
            data: bytes = cloudpickle.dumps(obj)
            return data
        except Exception as e:
            error = e
    why = str(error) if error is not None else "it is defined in an interactive session, which workers cannot import"
    raise TypeError(
        f"{what} {obj!r} cannot be sent to worker processes ({why}). n_jobs, executor= and isolate=True run "
        "it in other processes, so it must be picklable: define it at module level (not a lambda or a nested "
        "function) and pass data with functools.partial or a class with __call__; in a script, keep the "
        'optimize call under `if __name__ == "__main__":`. `pip install cloudpickle` also lets lambdas and '
        "closures through. Or run with n_jobs=1."
    ) from None


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


def _loads(x: Any) -> Any:
    return pickle.loads(x) if isinstance(x, bytes) else x


def _open(payload: _Payload) -> Study:
    from .storages._view import StudyView
    from .study import Study

    storage: BaseStorage = get_storage(payload.storage) if isinstance(payload.storage, str) else payload.storage
    info = storage.find_study(payload.study_name)
    if info is None:
        raise KeyError(f"no study named {payload.study_name!r} in the storage (was it deleted?)")
    return Study(StudyView(storage, info), _loads(payload.sampler), _loads(payload.pruner), payload.seed)


def _run(
    payload: _Payload, notify: Callable[[int], None] | None = None, stopped: threading.Event | None = None
) -> None:
    study = _open(payload)
    if payload.limits is not None:
        objective: Any = IsolatedObjective(payload.objective, payload.limits)
    else:
        objective = _loads(payload.objective)
    try:
        _execution.work(study, objective, payload.spec, notify, stopped)
    finally:
        if isinstance(payload.storage, str):
            study._storage.close()


def _executor_task(payload: Any, index: int) -> int:
    """What an executor runs (``index`` keeps a Dask client from merging identical tasks into one)."""
    _run(_loads(payload))
    return index


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

    def notify(number: int) -> None:
        if not _send(conn, ("trial", number)):
            stopped.set()  # the parent is gone

    threading.Thread(target=watch_parent, name="hyperscout-parent-watch", daemon=True).start()
    try:
        _run(pickle.loads(payload), notify=notify, stopped=stopped)
    except BaseException as e:
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        _send(conn, ("error", _dump_exception(e), _execution._error_text(e), tb))
        conn.close()
        sys.exit(1)
    _send(conn, ("done",))
    conn.close()


class _Monitor:
    """This process's part of a run: callbacks and progress as trials finish, stop, errors."""

    def __init__(self, study: Study, spec: RunSpec, callbacks: Sequence[Any], progress: Any) -> None:
        self.study = study
        self.spec = spec
        self.callbacks = callbacks
        self.progress = progress
        self.tracker = RunTracker(study, spec.run_id)
        self.stopped = False
        self.errors: list[BaseException] = []
        self._deliver = True
        # Without callbacks or a bar, reading the log after every trial would only load the storage.
        self.live = bool(callbacks) or getattr(progress, "_bar", None) is not None
        self.deadline = None if spec.deadline is None else time.monotonic() + (spec.deadline - study._storage.now())

    def deliver(self, force: bool = False) -> None:
        if not (self.live or force):
            return
        study = self.study
        study._sync()
        finished = self.tracker.update()
        for n in self.tracker.fresh_paused:  # counted when it pauses, as in a serial run; no callbacks
            if self._deliver:
                self.progress.update(study, study._view.frozen(n))
        for n in finished:
            if not self._deliver:
                continue
            frozen: FrozenTrial = study._view.frozen(n)
            try:
                for cb in self.callbacks:
                    cb(study, frozen)
            except BaseException as e:  # as in a serial run, a callback's error ends the run
                self._deliver = False
                self.fail(e)
                continue
            if n not in self.tracker.requeued:  # its retry counts in its place
                self.progress.update(study, frozen, advance=n not in self.tracker.paused)
        if study._stop_flag:
            self.stop()

    def stop(self) -> None:
        """Tell every worker of the run to start no more trials."""
        if not self.stopped:
            self.stopped = True
            data = {"key": self.spec.stop_key, "value": True, "system": True}
            self.study._view.append([Event("study_attr", None, data)])

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
                elif msg[0] == "done":
                    w.outcome = "done"
                elif msg[0] == "error":
                    w.outcome = "error"
                    exc = _load_exception(msg[1], msg[2])
                    if not isinstance(exc, KeyboardInterrupt):
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
                in_trial = bool(monitor.study._reap())  # its trial, at once: its pid is gone
                monitor.deliver(force=True)  # over() needs the run's trials
                if deaths > max(MAX_DEATHS, k):
                    monitor.fail(RuntimeError(_deaths_message(deaths, w.proc.exitcode, in_trial)))
                elif not monitor.over():
                    spawn()
            monitor.deliver()
    except BaseException:
        monitor.stop()
        _shutdown(procs)
        monitor.study._reap()
        raise


def _deaths_message(deaths: int, code: int | None, in_trial: bool) -> str:
    text = f"{deaths} worker processes died in a row (the last one's exit code: {code}); "
    if in_trial:
        return text + "an objective that can crash the interpreter needs optimize(..., isolate=True)"
    return text + (
        "the last one died outside a trial, so its error (printed above) is likely a start-up failure. Worker "
        'processes import your script again: in a script, call optimize under `if __name__ == "__main__":`'
    )


def _shutdown(procs: list[_Proc]) -> None:
    """Ctrl-C or an error here: give the workers a moment to record their trial, then end them."""
    for sig, grace in ((None, 2.0), (signal.SIGINT, 5.0), (signal.SIGKILL, 5.0)):
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
    next_reap = time.monotonic() + _execution.HEARTBEAT_INTERVAL
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
                monitor.study._reap()
                next_reap = time.monotonic() + _execution.HEARTBEAT_INTERVAL
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


def optimize_parallel(
    study: Study,
    objective: Callable[[Any], Any],
    *,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int | None,
    executor: Any,
    catch: tuple[type[BaseException], ...],
    callbacks: Sequence[Callable[[Study, FrozenTrial], None]],
    progress: Any,
    limits: Limits | None,
    retry_failed: int,
) -> None:
    """``Study.optimize`` with several workers (see the module docstring)."""
    ex = _as_executor(executor)
    if n_trials == 0:
        return
    if n_jobs is None or n_jobs == -1:
        k = (_capacity(ex) if ex is not None else None) or cpu_count()
    else:
        k = n_jobs
    threads = isinstance(ex, cf.ThreadPoolExecutor)
    study._stop_flag = False
    study._reap()
    deadline = None if timeout is None else study._storage.now() + timeout
    spec = RunSpec(uuid.uuid4().hex[:16], n_trials, deadline, catch, retry_failed)

    server: StorageServer | None = None
    storage: Any = study._storage
    if not threads:
        storage = _shared_url(study._storage)
        if storage is None:
            from ._remote import StorageServer

            server = StorageServer(study._storage, tcp=ex is not None)
            storage = server.client()
    by_value = ex is not None and not threads
    obj: Any = objective
    if limits is not None or not threads:
        obj = dumps(objective, "the objective", by_value=by_value)
    sampler: Any = study.sampler if threads else dumps(study.sampler, "the sampler", by_value=by_value)
    pruner: Any = study.pruner if threads else dumps(study.pruner, "the pruner", by_value=by_value)
    payload = _Payload(study.study_name, storage, sampler, pruner, study._seed, obj, spec, limits)
    monitor = _Monitor(study, spec, callbacks, progress)
    try:
        if ex is None:
            _run_processes(pickle.dumps(payload), k, monitor)
        else:
            _run_executor(ex, payload if threads else pickle.dumps(payload), k, monitor)
        monitor.deliver(force=True)
    finally:
        if server is not None:
            server.close()
        study._stop_flag = False
    if monitor.errors:
        raise monitor.errors[0]
