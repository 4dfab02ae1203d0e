"""A storage in one append-only file of JSON lines: shared by processes, and by machines that mount
the same network file system, with no database server.

Files, side by side::

    study.log          the journal: a header line, then one JSON record per line
    study.log.lock     fcntl mode: an empty file that writers lock (fcntl/POSIX record locks)
    study.log.lck      file mode: exists while a writer holds the lock (created with O_EXCL)
    study.log.beats/   one small file per running trial holding its last heartbeat, and ``clock``

Records (one per line; each append of events is one line, so it is all-or-nothing)::

    {"op":"header","format":"hyperscout-journal","version":1,"lock":"fcntl"}
    {"op":"study","id":1,"name":"s","directions":["minimize"],"seed":7,"t":1.7e9}
    {"op":"append","sid":1,"events":[["create",0,{...},"trial/0"], ...]}
    {"op":"delete","id":1}

Every process replays the file into memory, reading only the bytes after the last complete line it
saw. Writers take the lock, catch up to the end of the file, check claims against what they read,
append one line and fsync, so claims are decided in file order with no race. A writer that dies
mid-line leaves an incomplete last line: readers never consume a line without its newline, and the
next writer, holding the lock, cuts it off before appending. Files are reopened for every read and
write, which is what a network file system needs to show one client's appends to another
(close-to-open consistency). docs/storage.md discusses the two lock modes and their trade-offs.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
import warnings
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from ._base import BaseStorage, ClaimTaken, DuplicatedStudyError, Event, StorageError, StudyInfo
from ._url import mask_url

__all__ = ["JournalFileStorage"]

_FORMAT = "hyperscout-journal"
#: Version of the journal's record layout; a journal written by a newer version is refused.
JOURNAL_VERSION = 1
_LOCK_MODES = ("fcntl", "file")
_URL_PREFIX = "journal:///"

# One lock per lock file and process. POSIX record locks belong to a process, not to a thread or a
# file descriptor: two threads (or two storages on one file) of a process never exclude each other
# through them, and closing *any* descriptor of the file drops them. So threads first queue on a
# thread lock, and each process keeps one descriptor per lock file open for good.
_registry_guard = threading.Lock()
_thread_locks: dict[str, threading.Lock] = {}
_lock_fds: dict[str, int] = {}
_instances: weakref.WeakSet[JournalFileStorage] = weakref.WeakSet()


def _thread_lock(key: str) -> threading.Lock:
    with _registry_guard:
        lock = _thread_locks.get(key)
        if lock is None:
            lock = _thread_locks[key] = threading.Lock()
        return lock


def _reset_after_fork() -> None:
    # A child does not inherit its parent's record locks, but does inherit thread locks that another
    # thread of the parent may have held at the fork: start over with fresh ones.
    global _registry_guard
    _registry_guard = threading.Lock()
    _thread_locks.clear()
    for fd in _lock_fds.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _lock_fds.clear()
    for storage in list(_instances):
        storage._forget()  # noqa: SLF001 - this module's own class


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _pread_all(fd: int, n: int, offset: int) -> bytes:
    chunks = []
    while n > 0:
        chunk = os.pread(fd, n, offset)
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view = view[n:]
        offset += n


@dataclass
class _Study:
    info: StudyInfo
    events: list[Event] = field(default_factory=list)
    claims: set[str] = field(default_factory=set)
    finished: set[int] = field(default_factory=set)


class JournalFileStorage(BaseStorage):
    """Storage in an append-only journal file that many processes and machines can share.

    ``lock`` chooses how writers exclude each other: ``"fcntl"`` (POSIX record locks on
    ``<path>.lock``; local disks, and NFS with working locks) or ``"file"`` (a lock file created
    with ``O_EXCL``, for network file systems without lock support; a lock left by a writer that
    died is broken once it has not changed for ``stale_after`` seconds). A new journal records its
    mode and every process then uses it; ``None`` means the journal's mode, or ``"fcntl"`` for a
    new one. ``fsync=False`` trades durability after a power cut for speed (lock mode ``"file"``
    always syncs). The URL form is ``journal:///relative/path.log`` or
    ``journal:////absolute/path.log``, optionally with ``?lock=file&fsync=0&stale_after=30``.

    Example:
        >>> import os, tempfile
        >>> import hyperscout as hs
        >>> path = os.path.join(tempfile.mkdtemp(), "study.log")
        >>> study = hs.create_study("demo", hs.storages.JournalFileStorage(path), seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
        >>> len(hs.load_study("demo", f"journal:///{path}").trials)
        3
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lock: str | None = None,
        fsync: bool = True,
        stale_after: float = 30.0,
        create: bool = True,
    ) -> None:
        if lock is not None and lock not in _LOCK_MODES:
            raise ValueError(f"lock must be one of {_LOCK_MODES} or None, got {lock!r}")
        if not (isinstance(stale_after, (int, float)) and stale_after > 0):
            raise ValueError(f"stale_after must be a positive number of seconds, got {stale_after!r}")
        self._path = os.path.abspath(os.fspath(path))
        self._fsync = bool(fsync)
        self._stale_after = float(stale_after)
        self._beats_dir = self._path + ".beats"
        # Several storages of one process on one file must share one lock: key it by the real path.
        self._key = os.path.realpath(self._path)
        self._forget()
        self._warned: set[str] = set()
        parent = os.path.dirname(self._path)
        if not os.path.isdir(parent):
            raise StorageError(f"journal {self._path!r}: the folder {parent!r} does not exist")
        if not os.path.exists(self._path):
            if not create:
                raise StorageError(
                    f"journal {self._path!r}: there is no file {self._path!r}; check the path "
                    "(only create_study and `hyperscout run` create a new file)"
                )
            try:
                self._create_file(lock or "fcntl")
            except OSError as e:
                raise StorageError(f"cannot create journal {self._path!r}: {e.strerror}") from None
        try:
            self._lock_mode = self._read_header(lock)
        except OSError as e:
            raise StorageError(f"cannot read journal {self._path!r}: {e.strerror}") from None
        query = [] if lock is None else [f"lock={lock}"]
        if not self._fsync:
            query.append("fsync=0")
        if stale_after != 30.0:
            query.append(f"stale_after={stale_after:g}")
        self.url = _URL_PREFIX + self._path + ("?" + "&".join(query) if query else "")
        self._refresh()
        _instances.add(self)

    def _forget(self) -> None:
        """Start with nothing replayed (also in a forked child: a thread of the parent may have
        been halfway through applying records, and holding the lock, when it forked)."""
        self._state = threading.RLock()
        self._offset = 0
        self._studies: dict[int, _Study] = {}
        self._names: dict[str, int] = {}
        self._max_id = 0

    @property
    def path(self) -> str:
        """The journal file's absolute path."""
        return self._path

    @classmethod
    def from_url(cls, url: str, *, create: bool = True) -> JournalFileStorage:
        """Open ``journal:///path`` (the path as in SQLite URLs: a fourth slash makes it absolute).

        Example:
            >>> import os, tempfile
            >>> path = os.path.join(tempfile.mkdtemp(), "study.log")
            >>> JournalFileStorage.from_url(f"journal:///{path}?fsync=0").url == f"journal:///{path}?fsync=0"
            True
        """
        if not url.startswith(_URL_PREFIX):
            raise StorageError(
                f"journal URL {mask_url(url)!r} must start with {_URL_PREFIX!r} (three slashes, then the path: "
                "'journal:///study.log' is relative, 'journal:////abs/study.log' absolute)"
            )
        path, _, query = url[len(_URL_PREFIX) :].partition("?")
        if not path:
            raise StorageError(f"journal URL {mask_url(url)!r} names no file")
        try:
            options = dict(parse_qsl(query, strict_parsing=True)) if query else {}
        except ValueError:
            raise StorageError(f"journal URL {mask_url(url)!r}: cannot parse the options {query!r}") from None
        unknown = set(options) - {"lock", "fsync", "stale_after"}
        if unknown:
            raise StorageError(
                f"journal URL {mask_url(url)!r}: unknown option(s) {sorted(unknown)}; known: lock, fsync, stale_after"
            )
        kwargs: dict[str, Any] = {"create": create}
        try:
            if "lock" in options:
                kwargs["lock"] = options["lock"]
            if "fsync" in options:
                kwargs["fsync"] = {"1": True, "true": True, "0": False, "false": False}[options["fsync"].lower()]
            if "stale_after" in options:
                kwargs["stale_after"] = float(options["stale_after"])
            return cls(path, **kwargs)
        except (KeyError, ValueError) as e:
            raise StorageError(f"journal URL {mask_url(url)!r}: bad option value ({e})") from None

    # -- files and locks --------------------------------------------------------------------------

    def _create_file(self, lock: str) -> None:
        header = {"op": "header", "format": _FORMAT, "version": JOURNAL_VERSION, "lock": lock}
        data = (json.dumps(header, separators=(",", ":")) + "\n").encode()
        # Write the header aside, then link it into place: the journal appears complete or not at all,
        # and of two processes creating it at once, one links and the other finds it there.
        tmp = f"{self._path}.new-{uuid.uuid4().hex}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            _pwrite_all(fd, data, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, self._path)
        except FileExistsError:
            pass
        except OSError:
            # No hard links on this file system: an exclusive create is atomic too, and readers
            # ignore a journal whose header line is not complete yet.
            with contextlib.suppress(FileExistsError):
                fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                try:
                    _pwrite_all(fd, data, 0)
                    os.fsync(fd)
                finally:
                    os.close(fd)
        finally:
            os.unlink(tmp)

    def _read_header(self, wanted: str | None) -> str:
        deadline = time.monotonic() + 5.0
        while True:
            fd = os.open(self._path, os.O_RDONLY)
            try:
                head = os.pread(fd, 4096, 0)
            finally:
                os.close(fd)
            if b"\n" in head or time.monotonic() > deadline:
                break
            time.sleep(0.01)  # another process is creating it right now (no-hard-link fallback)
        try:
            header = json.loads(head.split(b"\n", 1)[0])
            ok = isinstance(header, dict) and header.get("format") == _FORMAT
        except ValueError:
            ok = False
        if not ok:
            raise StorageError(f"{self._path!r} is not a hyperscout journal (its first line is not the header)")
        if int(header.get("version", 0)) > JOURNAL_VERSION:
            raise StorageError(
                f"journal {self._path!r} was written by a newer hyperscout (format {header['version']}); "
                f"this version reads format {JOURNAL_VERSION} at most: pip install -U hyperscout"
            )
        mode = header.get("lock")
        if mode not in _LOCK_MODES:
            raise StorageError(f"journal {self._path!r} names an unknown lock mode {mode!r}")
        if wanted is not None and wanted != mode:
            raise StorageError(
                f"journal {self._path!r} uses lock={mode!r}, not {wanted!r}: every process must use the "
                "journal's lock mode, or they would not exclude each other (omit lock= to use it)"
            )
        return str(mode)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the journal's write lock (this process's threads first, then other processes)."""
        tl = _thread_lock(self._key)
        tl.acquire()
        try:
            if self._lock_mode == "fcntl":
                with self._fcntl_lock():
                    yield
            else:
                with self._file_lock():
                    yield
        finally:
            tl.release()

    @contextlib.contextmanager
    def _fcntl_lock(self) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:
            raise StorageError(
                f"journal {self._path!r} uses fcntl locks, which this system lacks; use a new journal with ?lock=file"
            ) from None
        path = self._key + ".lock"
        with _registry_guard:
            fd = _lock_fds.get(path)
            if fd is None:
                try:
                    fd = _lock_fds[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
                except OSError as e:
                    raise StorageError(f"cannot open the journal's lock file {path!r}: {e.strerror}") from None
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)
        except OSError as e:
            raise StorageError(
                f"cannot lock {path!r} ({e.strerror}); if its file system has no lock support (an NFS mount "
                "without lockd, some FUSE file systems), start a new journal with ?lock=file"
            ) from None
        try:
            yield
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        path = self._key + ".lck"
        token = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex}".encode()
        seen: tuple[int, int, int] | None = None
        seen_at = 0.0
        delay = 0.001
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                pass
            except OSError as e:
                raise StorageError(f"cannot create the journal's lock file {path!r}: {e.strerror}") from None
            else:
                try:
                    os.write(fd, token)
                    os.fsync(fd)
                finally:
                    os.close(fd)
                break
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            # Judged on this machine's monotonic clock, by how long the file stayed unchanged, so
            # clocks that disagree between machines (or with the file server) do not matter.
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
            now = time.monotonic()
            if key != seen:
                seen, seen_at = key, now
            elif now - seen_at > self._stale_after:
                self._break_stale_lock(path, st.st_ino)
                seen = None
                continue
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        try:
            yield
        finally:
            try:
                with open(path, "rb") as f:
                    mine = f.read() == token
            except FileNotFoundError:
                mine = False
            if mine:
                os.unlink(path)
            else:
                warnings.warn(
                    f"journal lock {path!r} was broken while this process held it (held longer than "
                    f"stale_after={self._stale_after:g} s?); raise stale_after if writers can stall that long",
                    stacklevel=3,
                )

    def _break_stale_lock(self, path: str, ino: int) -> None:
        # Move the stale file aside rather than unlinking it: of several processes breaking it at
        # once, only one moves it. If what was moved is a fresh lock taken meanwhile, put it back.
        aside = f"{path}.stale-{uuid.uuid4().hex}"
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return
        try:
            if os.stat(aside).st_ino != ino:
                with contextlib.suppress(OSError):
                    os.link(aside, path)
                return
        finally:
            os.unlink(aside)
        warnings.warn(
            f"broke the journal lock {path!r}: unchanged for {self._stale_after:g} s, its writer is taken for dead",
            stacklevel=5,
        )

    # -- replaying the journal ----------------------------------------------------------------------

    def _refresh(self) -> None:
        """Apply the complete records appended since the last call, by any process."""
        with self._state:
            try:
                fd = os.open(self._path, os.O_RDONLY)
            except FileNotFoundError:
                raise StorageError(f"journal {self._path!r} has disappeared") from None
            except OSError as e:
                raise StorageError(f"cannot read journal {self._path!r}: {e.strerror}") from None
            try:
                size = os.fstat(fd).st_size
                if size < self._offset:
                    raise StorageError(
                        f"journal {self._path!r} shrank from {self._offset} to {size} bytes; "
                        "it was edited or replaced while in use"
                    )
                if size == self._offset:
                    return
                data = _pread_all(fd, size - self._offset, self._offset)
            finally:
                os.close(fd)
            end = data.rfind(b"\n")
            if end < 0:
                return  # only the start of a line being written (or a dead writer's torn line)
            at = self._offset
            for line in data[: end + 1].splitlines(keepends=True):
                if line.strip(b"\n"):
                    self._apply_line(line, at)
                at += len(line)
            self._offset += end + 1

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, stacklevel=4)

    def _apply_line(self, line: bytes, at: int) -> None:
        try:
            self._apply_record(json.loads(line), at)
        except (ValueError, KeyError, TypeError, AttributeError):
            # Every reader skips the same bytes, so all agree on what the journal says.
            self._warn_once(f"bad@{at}", f"journal {self._path!r}: skipping an unreadable line at byte {at}")

    def _apply_record(self, rec: dict[str, Any], at: int) -> None:
        op = rec["op"]
        if op == "append":
            study = self._studies.get(rec["sid"])
            if study is not None:
                events = [Event(k, t, d, c) for k, t, d, c in rec["events"]]
                self._apply_events(study, events, at)
        elif op == "study":
            info = StudyInfo(rec["id"], rec["name"], tuple(rec["directions"]), int(rec["seed"]), float(rec["t"]))
            if info.name in self._names:  # two creators without a working lock: the first one counts
                self._warn_once(f"dup@{at}", f"journal {self._path!r}: ignoring a second study {info.name!r}")
                return
            self._studies[info.id] = _Study(info)
            self._names[info.name] = info.id
            self._max_id = max(self._max_id, info.id)
        elif op == "delete":
            study = self._studies.pop(rec["id"], None)
            if study is not None:
                del self._names[study.info.name]
        elif op != "header":
            raise StorageError(
                f"journal {self._path!r} has a record {op!r} at byte {at} that this version does not know; "
                "was it written by a newer hyperscout?"
            )

    def _apply_events(self, study: _Study, events: list[Event], at: int) -> None:
        claims = [e.claim for e in events if e.claim is not None]
        if len(set(claims)) != len(claims) or any(c in study.claims for c in claims):
            # Only possible if writers did not exclude each other (e.g. a broken stale lock); replay
            # as if the append had been refused, as the lock would have done.
            self._warn_once(f"claim@{at}", f"journal {self._path!r}: ignoring a conflicting append at byte {at}")
            return
        study.claims.update(claims)
        study.events.extend(events)
        for e in events:
            if e.kind == "finish" and e.trial is not None:
                study.finished.add(e.trial)

    def _write(self, record: bytes) -> int:
        """Append one line at the end of what was replayed (call with the lock held, after ``_refresh``).

        Returns the byte offset of the line.
        """
        at = self._offset
        try:
            fd = os.open(self._path, os.O_WRONLY)
        except OSError as e:
            raise StorageError(f"cannot write journal {self._path!r}: {e.strerror}") from None
        try:
            if os.fstat(fd).st_size > at:
                # Bytes after the last complete line, with the lock held: a writer died mid-line.
                os.ftruncate(fd, at)
            try:
                _pwrite_all(fd, record, at)
                if self._fsync or self._lock_mode == "file":
                    os.fsync(fd)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, at)
                raise
        except OSError as e:
            raise StorageError(f"cannot write journal {self._path!r}: {e.strerror}") from None
        finally:
            os.close(fd)
        self._offset = at + len(record)
        return at

    @staticmethod
    def _line(record: dict[str, Any]) -> bytes:
        return (json.dumps(record, separators=(",", ":")) + "\n").encode()

    # -- studies ------------------------------------------------------------------------------------

    def create_study(self, name: str, directions: Sequence[str], seed: int) -> StudyInfo:
        with self._locked(), self._state:
            self._refresh()
            if name in self._names:
                raise DuplicatedStudyError(f"a study named {name!r} already exists")
            info = StudyInfo(self._max_id + 1, name, tuple(directions), int(seed), time.time())
            rec = {"op": "study", "id": info.id, "name": name, "directions": list(info.directions),
                   "seed": info.seed, "t": info.created_at}  # fmt: skip
            self._write(self._line(rec))
            self._studies[info.id] = _Study(info)
            self._names[name] = info.id
            self._max_id = info.id
            return info

    def find_study(self, name: str) -> StudyInfo | None:
        with self._state:
            self._refresh()
            sid = self._names.get(name)
            return None if sid is None else self._studies[sid].info

    def list_studies(self) -> list[StudyInfo]:
        with self._state:
            self._refresh()
            return sorted((s.info for s in self._studies.values()), key=lambda i: i.id)

    def delete_study(self, name: str) -> None:
        with self._locked(), self._state:
            self._refresh()
            sid = self._names.get(name)
            if sid is None:
                raise KeyError(f"no study named {name!r}")
            self._write(self._line({"op": "delete", "id": sid}))
            del self._names[name]
            del self._studies[sid]
        prefix = f"{sid}-"
        with contextlib.suppress(FileNotFoundError):
            for entry in os.listdir(self._beats_dir):
                if entry.startswith(prefix):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(self._beats_dir, entry))

    # -- the log ------------------------------------------------------------------------------------

    def append(self, study_id: int, events: Sequence[Event]) -> int:
        # Normalising first refuses non-JSON data before the file is touched, and gives every
        # event's JSON text once: the line is assembled from it.
        events = [e.normalized() for e in events]
        parts = ",".join(
            f"[{json.dumps(e.kind)},{'null' if e.trial is None else int(e.trial)},"
            f"{e.data_json()},{json.dumps(e.claim)}]"
            for e in events
        )
        line = f'{{"op":"append","sid":{int(study_id)},"events":[{parts}]}}\n'.encode()
        claims = [e.claim for e in events if e.claim is not None]
        with self._locked(), self._state:
            self._refresh()
            study = self._studies.get(study_id)
            if study is None:
                raise KeyError(f"study id {study_id} does not exist (was it deleted?)")
            if len(set(claims)) != len(claims) or any(c in study.claims for c in claims):
                raise ClaimTaken(", ".join(claims))
            first = len(study.events) + 1
            at = self._write(line)
            self._apply_events(study, events, at)
        for e in events:
            if e.kind == "finish" and e.trial is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._beat_path(study_id, e.trial))
        return first

    def read(self, study_id: int, after: int) -> list[tuple[int, Event]]:
        with self._state:
            self._refresh()
            study = self._studies.get(study_id)
            if study is None:
                return []
            log = study.events
            return [(i + 1, log[i]) for i in range(max(after, 0), len(log))]

    # -- heartbeats and the clock -------------------------------------------------------------------

    def _beat_path(self, study_id: int, trial: int) -> str:
        return os.path.join(self._beats_dir, f"{study_id}-{trial}")

    def beat(self, study_id: int, trial: int, at: float) -> None:
        # A file per running trial, replaced whole: no lock, nothing grows, and a rename is atomic
        # on a network file system too.
        os.makedirs(self._beats_dir, exist_ok=True)
        path = self._beat_path(study_id, trial)
        tmp = f"{path}.tmp-{uuid.uuid4().hex}"
        with open(tmp, "w") as f:
            f.write(repr(float(at)))
        os.replace(tmp, path)

    def beats(self, study_id: int) -> dict[int, float]:
        with self._state:
            self._refresh()
            study = self._studies.get(study_id)
            finished = set() if study is None else set(study.finished)
        try:
            entries = os.listdir(self._beats_dir)
        except FileNotFoundError:
            return {}
        prefix = f"{study_id}-"
        out = {}
        for entry in entries:
            if not entry.startswith(prefix) or not entry[len(prefix) :].isdigit():
                continue
            trial = int(entry[len(prefix) :])
            path = os.path.join(self._beats_dir, entry)
            if trial in finished:  # a beat that landed after its trial's finish
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                continue
            try:
                with open(path) as f:
                    out[trial] = float(f.read())
            except (FileNotFoundError, ValueError):
                continue
        return out

    def now(self) -> float:
        """The file server's clock: the time it stamps on a file touched now (this machine's locally).

        On a network file system, touching a file with no explicit time asks the server to stamp it,
        so every machine of a study reads one clock.
        """
        try:
            os.makedirs(self._beats_dir, exist_ok=True)
            fd = os.open(os.path.join(self._beats_dir, "clock"), os.O_WRONLY | os.O_CREAT, 0o666)
            try:
                os.utime(fd)
                return os.fstat(fd).st_mtime
            finally:
                os.close(fd)
        except OSError:
            return time.time()

    def __getstate__(self) -> dict[str, Any]:
        # Processes and Dask workers receive the URL and replay the journal themselves.
        return {"url": self.url}

    def __setstate__(self, state: dict[str, Any]) -> None:
        other = JournalFileStorage.from_url(state["url"])
        self.__dict__.update(other.__dict__)
