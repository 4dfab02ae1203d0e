"""Worker identity and liveness: who runs a trial, and whether it still does.

A trial created by ``optimize`` records which worker runs it and its heartbeat interval. A
worker's identity is ``host/pid/process start time/pid namespace/boot id/token``: the pid and its
start time name a process only within one pid namespace of one running kernel, so the namespace
(the inode of ``/proc/self/ns/pid``) and the kernel's boot id come with them, and a random token
drawn once per process makes two identities equal only for the same process.

A RUNNING trial is taken for dead only when its worker is *known* to be dead: on the same host
name, in the same pid namespace, under the same boot, no process with that pid and start time
exists. Containers started with a fixed host name, ``unshare --pid`` or two machines of one name
differ in namespace or boot id; for them, as for any other host, a heartbeat older than
``GRACE_INTERVALS`` intervals decides. Where the namespace or boot id cannot be read (not Linux)
or the identity was written by an older hyperscout (``host/pid/start``), heartbeats decide too.
Heartbeats are stamped and judged on the storage's clock (``BaseStorage.now()``), so machines
whose clocks disagree do not reap each other's live trials. Trials created by ``ask()`` have no
heartbeat and are never taken for dead.

A reaper can still be wrong (a worker paused for longer than the grace, a network partition): the
lifecycle then records the worker's own result over the reaper's FAIL when it arrives
(``_lifecycle.Lifecycle.finish``), so a finished result is never thrown away.

The lifecycle (``_lifecycle.Lifecycle.reap``) marks dead workers' trials FAIL; the run layer
(``_execution.Heartbeat``) beats for the trial its worker runs.

Example:
    >>> worker_alive(worker_id())
    True
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Container
from dataclasses import dataclass

from .storages._view import StudyView
from .trial import TrialState

__all__ = ["GRACE_INTERVALS", "HEARTBEAT_INTERVAL", "Identity", "dead_trials", "worker_alive", "worker_id"]

#: Seconds between heartbeats of a running trial.
HEARTBEAT_INTERVAL = 10.0
#: A trial whose heartbeat is older than this many intervals is taken for dead.
GRACE_INTERVALS = 6

_UNKNOWN = "-"


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _stat_fields(text: str | None) -> list[str] | None:
    """The fields of a /proc/<pid>/stat text after the command name (which may hold spaces)."""
    try:
        return text.rsplit(")", 1)[1].split() if text else None
    except IndexError:
        return None


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None where unknown."""
    return _stat_fields(_read(f"/proc/{pid}/stat"))


def _pid_namespace() -> str:
    """The inode of this process's pid namespace (``pid:[4026531836]`` → ``4026531836``), or ``-``."""
    try:
        link = os.readlink("/proc/self/ns/pid")
    except OSError:
        return _UNKNOWN
    return link.partition("[")[2].rstrip("]") or _UNKNOWN


def _boot_id() -> str:
    """The running kernel's boot id (changes at each boot; differs between machines), or ``-``."""
    text = _read("/proc/sys/kernel/random/boot_id")
    return text.strip().replace("-", "")[:16] if text and text.strip() else _UNKNOWN


@dataclass(frozen=True)
class Identity:
    """A worker's identity, as ``str(identity)`` writes it into trials and ``parse`` reads it back.

    Example:
        >>> Identity.parse("box/42/977/4026531836/6746a745f520/9f3c")
        Identity(host='box', pid=42, start='977', namespace='4026531836', boot='6746a745f520', token='9f3c')
        >>> Identity.parse("box/42/977").namespace  # written by an older hyperscout
        '-'
    """

    host: str
    pid: int
    start: str
    namespace: str = _UNKNOWN
    boot: str = _UNKNOWN
    token: str = _UNKNOWN

    def __str__(self) -> str:
        return "/".join((self.host, str(self.pid), self.start, self.namespace, self.boot, self.token))

    @classmethod
    def parse(cls, text: str) -> Identity | None:
        """The identity in ``text``, or None when it is not one (then only heartbeats can judge it)."""
        parts = text.split("/")
        # The host name comes first and, however unlikely, might hold a slash: count from the end.
        for n_tail in (5, 2):
            if len(parts) > n_tail:
                host, tail = "/".join(parts[: len(parts) - n_tail]), parts[len(parts) - n_tail :]
                try:
                    pid = int(tail[0])
                except ValueError:
                    continue
                return cls(host, pid, *tail[1:])
        return None


_SELF: tuple[int, Identity] | None = None


def _self() -> Identity:
    global _SELF
    pid = os.getpid()
    # Keyed by pid: a forked child (the fork server's workers) must draw a token of its own.
    if _SELF is None or _SELF[0] != pid:
        # /proc/self, not /proc/<pid>: inside a new pid namespace whose /proc is the parent's,
        # /proc/<our pid> is some other process.
        fields = _stat_fields(_read("/proc/self/stat"))
        start = fields[19] if fields and len(fields) > 19 else _UNKNOWN
        ident = Identity(socket.gethostname(), pid, start, _pid_namespace(), _boot_id(), secrets.token_hex(4))
        _SELF = (pid, ident)
    return _SELF[1]


def worker_id() -> str:
    """This process as trials record it: ``host/pid/start/pid namespace/boot id/token``."""
    return str(_self())


def local_pid(worker: str) -> int | None:
    """The pid of ``worker`` when it names a process of this host, pid namespace and boot; None otherwise.

    Example:
        >>> local_pid(worker_id()) == os.getpid()
        True
        >>> local_pid("elsewhere/42/977/4026531836/6746a745f520/9f3c") is None
        True
    """
    other, me = Identity.parse(worker), _self()
    if other is None or (other.host, other.namespace, other.boot) != (me.host, me.namespace, me.boot):
        return None
    return other.pid


def worker_alive(worker: str) -> bool | None:
    """True/False when this process can know whether ``worker`` lives; None when only heartbeats can tell.

    It can know only for a worker of the same host name, pid namespace and boot as this process.
    """
    other = Identity.parse(worker)
    me = _self()
    if other is None or other.host != me.host:
        return None
    if other == me or (other.token == me.token and other.token != _UNKNOWN):
        return True
    no_proc = {other.namespace, other.boot, me.namespace, me.boot} == {_UNKNOWN} and other.token != _UNKNOWN
    if no_proc:
        pass  # neither side has /proc (macOS, BSD: no pid namespaces either): host and pid name it, as ever
    elif _UNKNOWN in (other.namespace, other.boot, me.namespace, me.boot):
        return None  # cannot tell whether its pid means the same process here
    if other.namespace != me.namespace or other.boot != me.boot:
        return None  # another container, another machine of the same name, or before a reboot
    try:
        os.kill(other.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _proc_stat(other.pid)
    if fields is None:
        return True  # the pid exists and /proc cannot say more: take it as alive
    if fields[0] in ("Z", "X"):
        return False  # killed, not yet waited for by its parent
    return other.start == _UNKNOWN or (len(fields) > 19 and fields[19] == other.start)


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
