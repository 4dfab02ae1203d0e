"""The storages the conformance suites run studies on, by kind."""

from __future__ import annotations

import os
from typing import Any

from ..storages import InMemoryStorage


def make_storage(kind: str, folder: str | os.PathLike[str]) -> Any:
    """What ``storage=`` takes for ``kind``: ``"memory"`` (a storage object) or ``"sqlite"`` / ``"journal"``
    (the URL of a new file in ``folder``).

    Example:
        >>> make_storage("memory", ".")
        hyperscout.storages.InMemoryStorage()
        >>> make_storage("sqlite", "/tmp").startswith("sqlite:////tmp/")
        True
    """
    if kind == "memory":
        return InMemoryStorage()
    if kind == "sqlite":
        return f"sqlite:///{os.path.join(os.fspath(folder), 'conformance.db')}"
    if kind == "journal":
        return f"journal:///{os.path.join(os.fspath(folder), 'conformance.log')}"
    raise ValueError(f"storage kind must be 'memory', 'sqlite' or 'journal', got {kind!r}")
