"""Trial isolation: each trial's objective runs in a child process of its own.

The worker keeps the trial (the study, the sampler, the heartbeat); the child runs the objective
against a stand-in ``Trial`` whose ``suggest_*``, ``report``, ``should_prune`` and
``set_user_attr`` are answered by the worker over a pipe, so define-by-run, pruning and attributes
work as in-process. The child may be limited in address space (``RLIMIT_AS``) and in time; a child
that dies (a segfault, the kernel's OOM killer), overruns ``trial_timeout`` or cannot allocate
memory makes its trial FAIL with the reason, and the worker goes on.

Example:
    >>> parse_memory("512MB"), parse_memory(2**30), parse_memory(None)
    (536870912, 1073741824, None)
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from ._pickling import dump_exception, error_text, load_exception
from .exceptions import TrialCrashed, TrialPruned
from .space import Distribution
from .trial import Trial

__all__ = ["IsolatedObjective", "Limits", "TrialCrashed", "context", "parse_memory"]

_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 2**10, "kib": 2**10, "m": 2**20, "mb": 2**20, "mib": 2**20}
_UNITS.update({"g": 2**30, "gb": 2**30, "gib": 2**30, "t": 2**40, "tb": 2**40, "tib": 2**40})

#: Seconds a timed-out child gets between SIGTERM and SIGKILL.
KILL_GRACE = 1.0


class _ChildTraceback(Exception):
    """The traceback of the trial's process, chained as the cause of the exception re-raised here."""

    def __init__(self, text: str) -> None:
        super().__init__(text)

    def __str__(self) -> str:
        return f"\n\n(in the trial's process)\n{self.args[0].rstrip()}"


def _size(n: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} bytes"


def parse_memory(value: int | str | None) -> int | None:
    """Bytes from an int or a string such as ``"512MB"`` / ``"2GiB"`` (units are powers of 1024)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"trial_memory_limit must be a number of bytes or a string like '2GB', got {value!r}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", value)
        if m is None or m.group(2).lower() not in _UNITS:
            raise ValueError(f"trial_memory_limit {value!r} is not a size; write e.g. 2GB, 512MB or a number of bytes")
        n = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    else:
        raise ValueError(f"trial_memory_limit must be a number of bytes or a string like '2GB', got {value!r}")
    if n <= 0:
        raise ValueError(f"trial_memory_limit must be positive, got {value!r}")
    return n


_CONTEXT: Any = None


def context() -> Any:
    """The multiprocessing context for hyperscout's processes: forkserver where there is one, else spawn.

    Plain fork is unsafe in a process with threads (the heartbeat, a storage server, BLAS), so it
    is never used. The fork server imports hyperscout once, so each child starts in milliseconds.
    """
    global _CONTEXT
    if _CONTEXT is None:
        ctx: Any
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("forkserver")
            # Added to what the fork server preloads (by default the main script), so that each child
            # starts with hyperscout imported. Only heeded if the server is not running yet.
            from multiprocessing import forkserver

            # The standard library offers no getter for the preload list: read it where it is kept.
            server = forkserver._forkserver  # noqa: SLF001
            preload = list(getattr(server, "_preload_modules", ["__main__"]))
            if "hyperscout" not in preload:
                ctx.set_forkserver_preload([*preload, "hyperscout"])
        else:
            ctx = multiprocessing.get_context("spawn")
        _CONTEXT = ctx
    return _CONTEXT


def check_can_start_children(what: str) -> None:
    """A clear error where multiprocessing would refuse to start a process (daemonic processes)."""
    if multiprocessing.current_process().daemon:
        raise RuntimeError(
            f"{what} needs to start child processes, and this process is daemonic (Dask workers are by "
            "default): set the Dask config 'distributed.worker.daemon' to False, or run without isolation"
        )


@dataclass(frozen=True)
class Limits:
    """What an isolated trial may use: seconds of wall time and bytes of address space (``None``: no limit)."""

    timeout: float | None = None
    memory: int | None = None


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}"
    return f"exited with status {code}"


class IsolatedObjective:
    """Calling it with a ``Trial`` runs the pickled objective on that trial in a new child process.

    It returns what the objective returned and raises what it raised (re-created from its pickle,
    with the child's traceback as its cause), or ``TrialCrashed`` when the child died or timed out.
    """

    def __init__(self, objective_bytes: bytes, limits: Limits) -> None:
        self._objective = objective_bytes
        self.limits = limits

    def __call__(self, trial: Trial) -> Any:
        check_can_start_children("isolate=True / trial_timeout / trial_memory_limit")
        ctx = context()
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(
            target=_child_main,
            args=(theirs, self._objective, trial.number, self.limits.memory),
            name=f"hyperscout-trial-{trial.number}",
        )
        proc.start()
        theirs.close()
        timeout = self.limits.timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    _kill(proc)
                    raise TrialCrashed(f"the trial ran longer than trial_timeout={timeout:g} s and was killed")
                ready = wait([mine, proc.sentinel], left)
                if mine in ready:
                    try:
                        msg = mine.recv()
                    except (EOFError, OSError):
                        msg = None
                    if msg is not None:
                        done, value = self._answer(trial, mine, msg)
                        if done:
                            return value
                        continue
                if proc.sentinel in ready or mine in ready:
                    proc.join(timeout=5)
                    raise TrialCrashed(self._death(proc.exitcode))
        finally:
            if proc.is_alive():
                _kill(proc)
            mine.close()

    def _death(self, code: int | None) -> str:
        text = f"the trial's process {_describe_exit(code)} before the objective returned"
        if self.limits.memory is not None and code is not None and code < 0:
            text += f" (its trial_memory_limit was {_size(self.limits.memory)})"
        return text

    def _answer(self, trial: Trial, conn: Connection, msg: tuple[Any, ...]) -> tuple[bool, Any]:
        """Serve a request from the child, or take its outcome: ``(True, returned value)``."""
        kind = msg[0]
        if kind == "return":
            return True, msg[1]
        if kind == "raise":
            _, exc_bytes, text, tb = msg
            exc = load_exception(exc_bytes, text)
            if isinstance(exc, MemoryError) and self.limits.memory is not None:
                why = f"the trial exceeded its trial_memory_limit of {_size(self.limits.memory)}"
                exc = MemoryError(f"{exc} ({why})" if str(exc) else why)
            # A cause rather than a note: the trial's recorded error text stays the exception's own.
            raise exc from (_ChildTraceback(tb) if tb and not isinstance(exc, TrialPruned) else None)
        try:
            result: Any = None
            if kind == "suggest":
                result = trial.suggest(msg[1], msg[2])
            elif kind == "report":
                trial.report(msg[1], msg[2])
            elif kind == "should_prune":
                result = trial.should_prune()
            elif kind == "attr":
                trial.set_user_attr(msg[1], msg[2])
            elif kind == "user_attrs":
                result = trial.user_attrs
            elif kind == "checkpoint_dir":
                result = trial.checkpoint_dir
            elif kind == "will_pause":
                result = trial.will_pause()
            else:
                raise RuntimeError(f"unknown request {kind!r} from a trial process")
            conn.send(("ok", result))
        except Exception as e:  # the objective gets the error, as it would in-process
            conn.send(("error", dump_exception(e), error_text(e)))
        return False, None


def _kill(proc: Any) -> None:
    """End the child and whatever it started (it leads its own process group)."""
    for sig, wait_s in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError, AttributeError):
            proc.kill() if sig == signal.SIGKILL else proc.terminate()
        proc.join(timeout=wait_s)
        if not proc.is_alive():
            return


class _PipeOwner:
    """The child's side of a trial: every call goes to the worker that owns the trial."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _ask(self, *msg: Any) -> Any:
        self._conn.send(msg)
        answer = self._conn.recv()
        if answer[0] == "ok":
            return answer[1]
        raise load_exception(answer[1], answer[2])

    def suggest(self, trial: Trial, name: str, distribution: Distribution) -> Any:
        return self._ask("suggest", name, distribution)

    def report(self, trial: Trial, value: float, step: int) -> None:
        self._ask("report", value, step)

    def should_prune(self, trial: Trial) -> bool:
        return bool(self._ask("should_prune"))

    def set_trial_attr(self, trial: Trial, key: str, value: Any) -> None:
        self._ask("attr", key, value)

    def user_attrs(self, number: int) -> dict[str, Any]:
        attrs: dict[str, Any] = self._ask("user_attrs")
        return attrs

    def checkpoint_dir(self, number: int) -> Path:
        path: Path = self._ask("checkpoint_dir")
        return path

    def will_pause(self, number: int) -> bool:
        return bool(self._ask("will_pause"))


def _child_main(conn: Connection, objective_bytes: bytes, number: int, memory: int | None) -> None:
    # Its own process group, so that a timeout also ends what the objective started.
    try:
        os.setpgid(0, 0)
    except (AttributeError, OSError):
        pass
    try:
        if memory is not None:
            import resource  # Unix only: elsewhere the trial fails saying so

            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        objective = pickle.loads(objective_bytes)
        ret = objective(Trial(_PipeOwner(conn), number))
    except BaseException as e:
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        conn.send(("raise", dump_exception(e), error_text(e), tb))
    else:
        try:
            conn.send(("return", ret))
        except Exception:  # an unpicklable return value: its repr is enough to say why the trial failed
            conn.send(("return", repr(ret)))
    conn.close()
    sys.stdout.flush()
    sys.stderr.flush()
