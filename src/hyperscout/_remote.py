"""Sharing a storage that lives in one process (the in-memory default) with worker processes.

``StorageServer`` serves a storage object over a ``multiprocessing.connection`` socket (a Unix
socket for this machine's processes, TCP on 127.0.0.1 for an executor's); ``RemoteStorage`` is a
``BaseStorage`` that forwards every call to it. Worker processes then run the same loop against a
``RemoteStorage`` as they would against a database URL, so in-memory and database studies share
one parallel code path.

The connection is authenticated with a random key (HMAC challenge, done by
``multiprocessing.connection``) and carries JSON only: nothing received is unpickled. The
challenge is answered in each connection's own thread, within ``HANDSHAKE_TIMEOUT`` seconds, so a
connection that never answers (any local user can open one to the TCP port) neither blocks the
workers that come after it nor holds a thread for good.

Example:
    >>> from hyperscout.storages import InMemoryStorage
    >>> server = StorageServer(InMemoryStorage())
    >>> remote = server.client()
    >>> remote.create_study("s", ["minimize"], 0).name
    's'
    >>> server.close()
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import struct
import threading
from collections.abc import Sequence
from multiprocessing.connection import Client, Connection, Listener, answer_challenge, deliver_challenge
from typing import Any

from .storages import BaseStorage, ClaimTaken, Event, StorageError, StudyInfo

_METHODS = frozenset(
    {"create_study", "find_study", "list_studies", "delete_study", "append", "read", "beat", "beats", "now"}
)


#: Seconds a new connection has to prove it holds the key before the server hangs up.
HANDSHAKE_TIMEOUT = 30.0


def _receive_timeout(conn: Connection, seconds: float) -> None:
    """Make reads on ``conn`` fail after ``seconds`` without data (0: wait for ever), at the socket level.

    ``Connection`` reads its file descriptor directly, so Python's ``settimeout`` (which makes the
    socket non-blocking) cannot serve; the kernel's ``SO_RCVTIMEO`` keeps it blocking, with a limit.
    """
    whole = int(seconds)
    timeval = struct.pack("ll", whole, int((seconds - whole) * 1e6))
    try:
        with socket.socket(fileno=os.dup(conn.fileno())) as sock:  # a second handle on the same socket
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    except OSError:
        pass  # a platform without it: the handshake still runs in the connection's own thread


def _info_json(info: StudyInfo | None) -> list[Any] | None:
    return None if info is None else [info.id, info.name, list(info.directions), info.seed, info.created_at]


def _info(row: list[Any] | None) -> StudyInfo | None:
    return None if row is None else StudyInfo(row[0], row[1], tuple(row[2]), row[3], row[4])


class StorageServer:
    """Serve ``storage`` to other processes until ``close()``; ``client()`` is what they open.

    One thread accepts connections and one thread authenticates and serves each (a worker
    process holds one).
    """

    def __init__(self, storage: BaseStorage, *, tcp: bool = False) -> None:
        self.storage = storage
        self.authkey = secrets.token_bytes(32)
        # No authkey here: Listener.accept() would run the challenge in the accepting thread, where
        # one silent connection blocked every later one. Each connection's thread runs it instead.
        self._listener = Listener(("127.0.0.1", 0) if tcp else None, "AF_INET" if tcp else "AF_UNIX")
        self.address: Any = self._listener.address
        self._closed = False
        self._conns: list[Connection] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="hyperscout-storage-server", daemon=True)
        self._thread.start()

    def client(self) -> RemoteStorage:
        return RemoteStorage(self.address, self.authkey)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # accept() does not return when the socket is closed under it: wake it with a bare connection
        # that hangs up at once. Not an authenticated Client: its handshake waits for the server's
        # challenge, and a CI run hung there for good once.
        try:
            with socket.socket(socket.AF_INET if isinstance(self.address, tuple) else socket.AF_UNIX) as s:
                s.settimeout(1.0)
                s.connect(self.address)
        except OSError:
            pass
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn = self._listener.accept()
            except Exception:  # a client that hung up at once, or the listener closing
                continue
            if self._closed:
                conn.close()
                return
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), name="hyperscout-storage-conn", daemon=True).start()

    def _serve(self, conn: Connection) -> None:
        try:
            _receive_timeout(conn, HANDSHAKE_TIMEOUT)
            deliver_challenge(conn, self.authkey)
            answer_challenge(conn, self.authkey)
            _receive_timeout(conn, 0)  # a worker may stay quiet for as long as its trial runs
        except Exception:  # a wrong key, silence past the timeout, or a client that left
            self._drop(conn)
            return
        while True:
            try:
                raw = conn.recv_bytes()
            except Exception:  # the client left, or close() closed the connection under us
                self._drop(conn)
                return
            try:
                conn.send_bytes(self.handle(raw))
            except Exception:
                self._drop(conn)
                return

    def _drop(self, conn: Connection) -> None:
        """Close a connection unless ``close()`` already took it: exactly one thread closes each.

        Two threads closing the same connection both reach ``os.close`` on its descriptor; the second
        fails with EBADF or, worse, closes whatever file has reused that number in the meantime.
        """
        with self._lock:
            owned = any(c is conn for c in self._conns)
            if owned:
                self._conns = [c for c in self._conns if c is not conn]
        if owned:
            conn.close()

    def handle(self, raw: bytes) -> bytes:
        """Answer one request ``[method, args]`` with ``["ok", result]`` or ``[error kind, message]``."""
        try:
            method, args = json.loads(raw)
            if method not in _METHODS:
                raise ValueError(f"unknown storage method {method!r}")
            if method == "read":
                return self._read(*args)
            return json.dumps(["ok", self._call(method, args)]).encode()
        except ClaimTaken as e:
            return json.dumps(["claim", str(e)]).encode()
        except KeyError as e:
            return json.dumps(["key", str(e.args[0]) if e.args else ""]).encode()
        except Exception as e:
            return json.dumps(["error", f"{type(e).__name__}: {e}"]).encode()

    def _call(self, method: str, args: list[Any]) -> Any:
        s = self.storage
        if method == "append":
            sid, events = args
            return s.append(sid, [Event(k, t, d, c) for k, t, d, c in events])
        if method == "find_study":
            return _info_json(s.find_study(args[0]))
        if method == "create_study":
            return _info_json(s.create_study(*args))
        if method == "list_studies":
            return [_info_json(i) for i in s.list_studies()]
        if method == "beats":
            return list(s.beats(args[0]).items())
        return getattr(s, method)(*args)

    def _read(self, sid: int, after: int) -> bytes:
        # The events' JSON text is spliced in as it is stored: no decoding and encoding again.
        parts = [
            f"[{pos},{json.dumps(e.kind)},{json.dumps(e.trial)},{e.data_json()},{json.dumps(e.claim)}]"
            for pos, e in self.storage.read(sid, after)
        ]
        return ('["ok",[' + ",".join(parts) + "]]").encode()


class RemoteStorage(BaseStorage):
    """A storage held by another process's ``StorageServer``; picklable (it reconnects after unpickling)."""

    url = None

    def __init__(self, address: Any, authkey: bytes) -> None:
        self.address = tuple(address) if isinstance(address, list) else address
        self.authkey = authkey
        self._conn: Connection | None = None
        self._pid = -1
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"address": self.address, "authkey": self.authkey}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["address"], state["authkey"])  # type: ignore[misc]

    def _request(self, raw: bytes) -> Any:
        with self._lock:
            try:
                if self._conn is None or self._pid != os.getpid():
                    self._conn = Client(self.address, authkey=self.authkey)
                    self._pid = os.getpid()
                self._conn.send_bytes(raw)
                answer = self._conn.recv_bytes()
            except (OSError, EOFError) as e:
                self._conn = None
                raise StorageError(
                    f"lost the in-memory study served at {self.address!r} (its process ended or cannot be "
                    f"reached: {e}); to run workers on other machines, use a database storage URL"
                ) from None
        status, payload = json.loads(answer)
        if status == "ok":
            return payload
        if status == "claim":
            raise ClaimTaken(payload)
        if status == "key":
            raise KeyError(payload)
        raise StorageError(f"the in-memory study's process answered: {payload}")

    def _call(self, method: str, *args: Any) -> Any:
        return self._request(json.dumps([method, args]).encode())

    def create_study(self, name: str, directions: Sequence[str], seed: int) -> StudyInfo:
        info = _info(self._call("create_study", name, list(directions), seed))
        assert info is not None
        return info

    def find_study(self, name: str) -> StudyInfo | None:
        return _info(self._call("find_study", name))

    def list_studies(self) -> list[StudyInfo]:
        return [i for i in map(_info, self._call("list_studies")) if i is not None]

    def delete_study(self, name: str) -> None:
        self._call("delete_study", name)

    def append(self, study_id: int, events: Sequence[Event]) -> int:
        rows = ",".join(
            f"[{json.dumps(e.kind)},{json.dumps(e.trial)},{e.data_json()},{json.dumps(e.claim)}]" for e in events
        )
        return int(self._request(f'["append",[{study_id},[{rows}]]]'.encode()))

    def read(self, study_id: int, after: int) -> list[tuple[int, Event]]:
        return [(pos, Event(k, t, d, c)) for pos, k, t, d, c in self._call("read", study_id, after)]

    def beat(self, study_id: int, trial: int, at: float) -> None:
        self._call("beat", study_id, trial, at)

    def beats(self, study_id: int) -> dict[int, float]:
        return {int(k): float(v) for k, v in self._call("beats", study_id)}

    def now(self) -> float:
        return float(self._call("now"))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
