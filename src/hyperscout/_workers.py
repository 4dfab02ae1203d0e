"""Worker identity and liveness: who runs a trial, and whether it still does.

A trial created by ``optimize`` records which worker runs it (``host/pid/process start time``) and
its heartbeat interval. A RUNNING trial is taken for dead when its worker is known to be dead: on
this host, when no process with that pid and start time exists; elsewhere, when its heartbeat is
older than ``GRACE_INTERVALS`` intervals. Heartbeats are stamped and judged on the storage's clock
(``BaseStorage.now()``), so machines whose clocks disagree do not reap each other's live trials.
Trials created by ``ask()`` have no heartbeat and are never taken for dead.

The lifecycle (``_lifecycle.Lifecycle.reap``) marks such trials FAIL; the run layer
(``_execution.Heartbeat``) beats for the trial its worker runs.

Example:
    >>> worker_alive(worker_id())
    True
"""

from __future__ import annotations

import os
import socket
from collections.abc import Container

from .storages._view import StudyView
from .trial import TrialState

__all__ = ["GRACE_INTERVALS", "HEARTBEAT_INTERVAL", "dead_trials", "worker_alive", "worker_id"]

#: Seconds between heartbeats of a running trial.
HEARTBEAT_INTERVAL = 10.0
#: A trial whose heartbeat is older than this many intervals is taken for dead.
GRACE_INTERVALS = 6


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
    """This process as trials record it: ``host/pid/process start time``."""
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


def dead_trials(view: StudyView, live: Container[int], now: float) -> list[tuple[int, str]]:
    """``(number, reason)`` for the RUNNING trials of ``view`` whose worker is gone.

    ``live`` holds the numbers this process is running itself (never dead); ``now`` is on the
    storage's clock.
    """
    beats: dict[int, float] | None = None
    out = []
    for i in range(len(view)):
        rec = view.record(i)
        if rec.state is not TrialState.RUNNING or rec.number in live or not rec.system.get("hb"):
            continue
        alive = worker_alive(rec.worker or "")
        if alive is False:
            out.append((rec.number, f"its worker {rec.worker} died before the trial finished"))
            continue
        if alive is None:
            if beats is None:
                beats = view.storage.beats(view.info.id)
            last = max(beats.get(rec.number, 0.0), rec.started or 0.0, float(rec.system.get("resumed_at", 0.0)))
            grace = float(rec.system["hb"]) * GRACE_INTERVALS
            if now - last > grace:
                out.append((rec.number, f"no heartbeat from worker {rec.worker} for {now - last:.0f} s"))
    return out
