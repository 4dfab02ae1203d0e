"""``_remote``: the socket server that shares an in-memory study with worker processes."""

from __future__ import annotations

import multiprocessing
import socket
import threading
import time
from typing import Any

import pytest

from hyperscout import _remote
from hyperscout._remote import StorageServer
from hyperscout.storages import InMemoryStorage


def _raw(address: Any) -> socket.socket:
    s = socket.socket(socket.AF_INET if isinstance(address, tuple) else socket.AF_UNIX)
    s.settimeout(60)
    s.connect(address)
    return s


@pytest.mark.parametrize("tcp", [False, True])
def test_a_silent_connection_does_not_block_the_workers_after_it(tcp: bool) -> None:
    server = StorageServer(InMemoryStorage(), tcp=tcp)
    silent = _raw(server.address)  # connects, never answers the challenge
    try:
        done: list[str] = []

        def worker() -> None:
            done.append(server.client().create_study("s", ["minimize"], 0).name)

        t = threading.Thread(target=worker, daemon=True)
        t.start()
        t.join(timeout=60)  # generous; it takes milliseconds
        assert done == ["s"], "a real worker was not served while a silent connection was open"
    finally:
        silent.close()
        server.close()


def test_a_connection_silent_past_the_handshake_timeout_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_remote, "HANDSHAKE_TIMEOUT", 0.2)
    server = StorageServer(InMemoryStorage())
    silent = _raw(server.address)
    try:
        deadline = time.monotonic() + 60
        received = b""
        while time.monotonic() < deadline:
            chunk = silent.recv(4096)  # the challenge, then the end of the connection
            if not chunk:
                break
            received += chunk
        else:
            raise AssertionError("the server kept a silent connection open")
        assert received  # it was challenged before being dropped
        # The thread that dropped it closed it and let go of it, so close() below does not close the
        # same descriptor a second time (under load that raised EBADF, or could close a reused one).
        assert server._conns == []
        # The server still serves.
        assert server.client().find_study("nope") is None
    finally:
        silent.close()
        server.close()


def test_a_wrong_key_is_refused_and_the_server_goes_on() -> None:
    server = StorageServer(InMemoryStorage())
    try:
        wrong = _remote.RemoteStorage(server.address, b"x" * 32)
        with pytest.raises(multiprocessing.AuthenticationError):
            wrong.list_studies()
        assert server.client().list_studies() == []
    finally:
        server.close()
