"""What every command shares: the user-error exception and opening storages and studies."""

from __future__ import annotations

import argparse
import os

import sqlalchemy as sa

import hyperscout as hs
from hyperscout.exceptions import CLIError
from hyperscout.storages import BaseStorage, get_storage
from hyperscout.storages._url import mask_url


def default_storage() -> str:
    """``$HYPERSCOUT_STORAGE`` if set, else a ``hyperscout.db`` SQLite file in the current directory."""
    return os.environ.get("HYPERSCOUT_STORAGE") or hs.storages.DEFAULT_SQLITE_URL


def shown(url: str) -> str:
    """``url`` as it may be printed: its password and query-string credentials masked."""
    return mask_url(url)


def add_storage_option(parser: argparse.ArgumentParser) -> None:
    """``--storage URL``, whose help shows the default (``$HYPERSCOUT_STORAGE``) without its password."""
    # argparse %-formats help texts: a "%" of a percent-encoded URL must be doubled.
    default = shown(default_storage()).replace("%", "%%")
    parser.add_argument("--storage", default=default_storage(), metavar="URL", help=f"storage URL (default: {default})")


def missing_sqlite_file(url: str) -> str | None:
    """The path of the SQLite file ``url`` names when that file does not exist, else ``None``.

    Read-only commands check this first because opening a SQLite URL creates the file, and
    ``hyperscout studies`` in the wrong folder should not leave an empty database behind.
    """
    try:
        u = sa.engine.make_url(url)
    except Exception:
        return None  # get_storage reports unparsable URLs with its own message
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:"):
        return None
    return None if os.path.exists(u.database) else u.database


def open_storage(url: str, *, create: bool = False) -> BaseStorage:
    """Open ``url`` (``StorageError`` with hyperscout's message if it cannot be opened).

    Only ``create=True`` (``hyperscout run``) may create a SQLite or journal file that is not there:
    a read-only command pointed at the wrong path says so rather than leave an empty file behind.
    """
    return get_storage(url, create=create)


def open_study(url: str, name: str) -> hs.Study:
    """Load an existing study, or raise ``CLIError`` naming the studies that do exist."""
    missing = missing_sqlite_file(url)
    if missing is not None:
        raise CLIError(f"no study named {name!r}: the storage {shown(url)} does not exist (no file {missing!r})")
    storage = open_storage(url)
    names = hs.get_all_study_names(storage)
    if name not in names:
        available = ", ".join(repr(n) for n in names) if names else "none"
        raise CLIError(f"no study named {name!r} in {shown(url)}; available studies: {available}")
    return hs.load_study(name, storage)
