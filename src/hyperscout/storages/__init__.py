"""Storage backends and ``get_storage``, which turns what users pass as ``storage=`` into one.

Example:
    >>> import hyperscout as hs
    >>> hs.storages.get_storage(None)
    hyperscout.storages.InMemoryStorage()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._base import BaseStorage, ClaimTaken, DuplicatedStudyError, Event, StorageError, StudyInfo
from ._journal import JournalFileStorage
from ._memory import InMemoryStorage
from ._url import mask_url

if TYPE_CHECKING:  # for type checkers only: at run time ``SQLStorage`` is imported on first use (below)
    from ._sql import SQLStorage

__all__ = [
    "BaseStorage",
    "InMemoryStorage",
    "SQLStorage",
    "JournalFileStorage",
    "StorageError",
    "DuplicatedStudyError",
    "get_storage",
    "Event",
    "StudyInfo",
    "ClaimTaken",
    "DEFAULT_SQLITE_URL",
]

#: Where the command line keeps studies unless told otherwise.
DEFAULT_SQLITE_URL = "sqlite:///hyperscout.db"


def get_storage(storage: BaseStorage | str | None, *, create: bool = True) -> BaseStorage:
    """``None`` or ``"memory"`` → in memory; ``"journal:///path"`` → ``JournalFileStorage``; another URL
    string → ``SQLStorage``; a storage → itself.

    With ``create=False`` a SQLite URL or a journal must name an existing file (reading never creates one).
    """
    if storage is None or storage in ("memory", ":memory:"):
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        if "://" not in storage:
            shown = mask_url(storage)
            raise StorageError(f"storage {shown!r} is not a URL; write e.g. 'sqlite:///{shown}' for a SQLite file")
        if storage.startswith("journal:"):
            return JournalFileStorage.from_url(storage, create=create)
        from ._sql import SQLStorage

        return SQLStorage(storage, create=create)
    raise TypeError(f"storage must be None, a URL string or a BaseStorage, got {type(storage).__name__}")


def __getattr__(name: str) -> Any:
    # SQLAlchemy takes longer to import than the rest of hyperscout together, and an in-memory or
    # journal study never needs it: ``hs.storages.SQLStorage`` imports it when first named.
    if name == "SQLStorage":
        from ._sql import SQLStorage

        return SQLStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
