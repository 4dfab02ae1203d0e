"""SQL storage through SQLAlchemy Core: SQLite (the default file), PostgreSQL and MySQL/MariaDB.

Tables::

    hyperscout_meta    key, value                      -- schema_version
    hyperscout_studies id, name, directions, seed, created_at, next_seq
    hyperscout_events  study_id, seq, kind, trial, data, claim   -- PK (study_id, seq); UNIQUE (study_id, claim)
    hyperscout_beats   study_id, trial, beat_at        -- running trials only: a finish deletes the row

Appends take the study row's lock (``SELECT ... FOR UPDATE``; ``BEGIN IMMEDIATE`` on SQLite) and
number events from ``next_seq`` inside the same transaction, so positions are gap-free and become
visible in order: a reader that remembers "last position seen" never skips an event (an
auto-increment id would not promise that on PostgreSQL or MySQL). Claims are enforced by the unique
index, so first-claim-wins needs no extra locking.

``now()`` is the database server's clock (SQLite: this machine's, the only one that shares the file),
so heartbeats written and judged by machines whose clocks disagree still compare correctly.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import mysql as sa_mysql
from sqlalchemy.exc import IntegrityError, OperationalError

from ._base import SCHEMA_VERSION, BaseStorage, ClaimTaken, DuplicatedStudyError, Event, StorageError, StudyInfo


class _ExactText(sa.types.TypeDecorator[str]):
    """A string compared exactly, byte for byte, on every backend.

    MySQL's default collations ignore case, accents and trailing spaces, so as plain VARCHAR the
    claims ``grid:a`` and ``grid:A`` would collide in the unique index, and ``find_study("S")``
    would find study ``s``. There it is stored as VARBINARY (UTF-8) instead.
    """

    impl = sa.String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.chars = length

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(sa_mysql.VARBINARY(4 * self.chars))
        return dialect.type_descriptor(sa.String(self.chars))

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> Any:
        if value is not None and dialect.name in ("mysql", "mariadb"):
            return value.encode("utf-8")
        return value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> str | None:
        return value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else value


_md = sa.MetaData()
_meta = sa.Table(
    "hyperscout_meta",
    _md,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)
_studies = sa.Table(
    "hyperscout_studies",
    _md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", _ExactText(255), nullable=False, unique=True),
    sa.Column("directions", sa.String(1024), nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    # Double, not Float: Float is single precision on MySQL, which rounds today's epoch seconds to 128 s.
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("next_seq", sa.Integer, nullable=False),
)
_events = sa.Table(
    "hyperscout_events",
    _md,
    sa.Column("study_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("trial", sa.Integer, nullable=True),
    sa.Column("data", sa.Text().with_variant(sa_mysql.LONGTEXT(), "mysql"), nullable=False),
    sa.Column("claim", _ExactText(191), nullable=True),
    sa.UniqueConstraint("study_id", "claim", name="uq_hyperscout_events_claim"),
)
_beats = sa.Table(
    "hyperscout_beats",
    _md,
    sa.Column("study_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("trial", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("beat_at", sa.Double, nullable=False),
)

# The statements of the per-trial path, built once (building them is most of SQLAlchemy's cost).
_LOCK = sa.select(_studies.c.next_seq).where(_studies.c.id == sa.bindparam("sid"))
_LOCK_FOR_UPDATE = _LOCK.with_for_update()
_INSERT = _events.insert()
_BUMP = _studies.update().where(_studies.c.id == sa.bindparam("sid")).values(next_seq=sa.bindparam("next"))
_DROP_BEAT = _beats.delete().where(_beats.c.study_id == sa.bindparam("sid"), _beats.c.trial == sa.bindparam("n"))
_READ = (
    sa.select(_events.c.seq, _events.c.kind, _events.c.trial, _events.c.data, _events.c.claim)
    .where(_events.c.study_id == sa.bindparam("sid"), _events.c.seq > sa.bindparam("after"))
    .order_by(_events.c.seq)
)

# The server's clock in seconds since the epoch. clock_timestamp(), not now(): now() is frozen at the
# start of the transaction. UTC_TIMESTAMP, not UNIX_TIMESTAMP(NOW(6)): NOW() is in the session's time
# zone, ambiguous for an hour each autumn where that zone has summer time.
_CLOCK = {
    "postgresql": "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)",
    "mysql": "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) / 1e6",
}

# Creating the tables is serialised between processes: MySQL's DDL is not transactional, so two
# processes opening a new database at once would otherwise trip over each other's half-made schema.
_SCHEMA_LOCK = {
    "postgresql": ("SELECT pg_advisory_lock(7261736830)", "SELECT pg_advisory_unlock(7261736830)"),
    "mysql": ("SELECT GET_LOCK('hyperscout_schema', 60)", "SELECT RELEASE_LOCK('hyperscout_schema')"),
}
_SCHEMA_LOCK["mariadb"] = _SCHEMA_LOCK["mysql"]

_DRIVERS = {"postgresql": ("postgresql+psycopg", "psycopg", "postgres"), "mysql": ("mysql+pymysql", "pymysql", "mysql")}


def _normalise_url(url: str) -> sa.engine.URL:
    try:
        u = sa.engine.make_url(url)
    except Exception:
        raise StorageError(
            f"cannot parse storage URL {_safe(url)}; expected e.g. 'sqlite:///hyperscout.db', "
            "'postgresql://user@host/db' or 'mysql://user@host/db'"
        ) from None
    backend = u.get_backend_name()
    if backend not in ("sqlite", "postgresql", "mysql", "mariadb"):
        raise StorageError(
            f"storage URL {_safe(url)} names the unsupported database {backend!r}; use sqlite, postgresql or mysql"
        )
    if backend == "mariadb":
        u = u.set(drivername="mysql" + ("+" + u.get_driver_name() if "+" in u.drivername else ""))
        backend = "mysql"
    if backend in _DRIVERS and "+" not in u.drivername:
        full, module, extra = _DRIVERS[backend]
        try:
            __import__(module)
        except ImportError:
            raise StorageError(
                f"storage URL {_safe(url)} needs the {module} driver: pip install 'hyperscout[{extra}]'"
            ) from None
        u = u.set(drivername=full)
    return u


class _SchemaBusy(Exception):
    """Opening a SQLite file collided with another process doing the same; try again."""


class SQLStorage(BaseStorage):
    """Storage in a SQL database, shared by every process and machine that can reach it.

    Example:
        >>> import hyperscout as hs
        >>> storage = hs.storages.SQLStorage("sqlite:///hyperscout.db")  # doctest: +SKIP
    """

    def __init__(self, url: str, *, synchronous: str = "FULL", create: bool = True) -> None:
        self.url = url
        self._shared_lock: threading.RLock | None = None
        u = _normalise_url(url)
        self._sqlite = u.get_backend_name() == "sqlite"
        self._clock_sql = _CLOCK.get(u.get_backend_name())
        kwargs: dict[str, Any] = {"future": True}
        if self._sqlite:
            db = u.database
            if db and db != ":memory:":
                parent = os.path.dirname(os.path.abspath(db))
                if not os.path.isdir(parent):
                    raise StorageError(f"storage URL {_safe(url)}: the folder {parent!r} does not exist")
                if not create and not os.path.exists(db):
                    raise StorageError(
                        f"storage URL {_safe(url)}: there is no file {os.path.abspath(db)!r}; check the path "
                        "(only create_study and `hyperscout run` create a new file)"
                    )
            kwargs["connect_args"] = {"timeout": 60.0, "check_same_thread": False}
            if not db or db == ":memory:":
                kwargs["poolclass"] = sa.pool.StaticPool
                # One connection shared by every thread (the heartbeat's too): take turns on it.
                self._shared_lock = threading.RLock()
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self._engine = sa.create_engine(u, **kwargs)
        except Exception as e:
            raise StorageError(f"cannot open storage {_safe(url)}: {e}") from None
        if self._sqlite:
            self._install_sqlite_hooks(synchronous)
        delay = 0.01
        for attempt in range(60):
            try:
                self._init_schema()
                break
            except _SchemaBusy:
                # Several processes opening a new SQLite file at once: setting WAL mode and creating
                # the tables can fail at once with "database is locked" instead of waiting.
                if attempt == 59:
                    raise StorageError(f"cannot open storage {_safe(url)}: database is locked") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except StorageError:
                raise
            except Exception:
                # Another process may have created the schema at the same moment: look again once.
                time.sleep(0.2)
                self._init_schema()
                break

    # -- connection plumbing ------------------------------------------------------------------

    def _install_sqlite_hooks(self, synchronous: str) -> None:
        @sa_event.listens_for(self._engine, "connect")
        def _connect(dbapi_conn: Any, _rec: Any) -> None:
            # Let us issue BEGIN ourselves: pysqlite's implicit transactions defer the write lock,
            # which turns concurrent writers into "database is locked" errors.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout = 60000")
            if self._engine.url.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute(f"PRAGMA synchronous = {synchronous}")
            cur.close()

        @sa_event.listens_for(self._engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            write = conn.get_execution_options().get("hs_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    def _conn(self, write: bool) -> sa.Connection:
        conn = self._engine.connect()
        return conn.execution_options(hs_write=True) if write else conn

    def _retry(self, fn: Any, *, write: bool) -> Any:
        delay = 0.01
        for attempt in range(60):
            try:
                with self._shared_lock or contextlib.nullcontext(), self._conn(write) as conn, conn.begin():
                    return fn(conn)
            except OperationalError as e:
                transient = any(
                    s in str(e).lower()
                    for s in ("database is locked", "deadlock", "lock wait timeout", "could not serialize")
                )
                if not transient or attempt == 59:
                    raise StorageError(f"storage {_safe(self.url)} failed: {e.orig}") from e
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    def _init_schema(self) -> None:
        try:
            with self._conn(write=True) as conn:
                lock = _SCHEMA_LOCK.get(conn.dialect.name)
                if lock is not None:
                    got = conn.exec_driver_sql(lock[0]).scalar()
                    conn.commit()
                    if got == 0:  # GET_LOCK timed out (pg_advisory_lock has no timeout and returns nothing)
                        raise StorageError(f"storage {_safe(self.url)}: timed out waiting for another process's set-up")
                try:
                    self._create_schema(conn)
                finally:
                    if lock is not None:
                        conn.exec_driver_sql(lock[1])
                        conn.commit()
        except (StorageError, IntegrityError, sa.exc.ProgrammingError):
            raise
        except sa.exc.DatabaseError as e:  # unreachable server, not a database file, no permission, ...
            if self._sqlite and "database is locked" in str(e).lower():
                raise _SchemaBusy from e
            raise StorageError(f"cannot open storage {_safe(self.url)}: {e.orig}") from None

    def _create_schema(self, conn: sa.Connection) -> None:
        with conn.begin():
            inspector = sa.inspect(conn)
            if inspector.has_table("hyperscout_meta"):
                row = conn.execute(sa.select(_meta.c.value).where(_meta.c.key == "schema_version")).first()
                version = int(row[0]) if row else 0
                if version > SCHEMA_VERSION:
                    raise StorageError(
                        f"storage {_safe(self.url)} was written by a newer hyperscout (schema {version}); "
                        f"this version reads schema {SCHEMA_VERSION} at most: pip install -U hyperscout"
                    )
                if version < 1:
                    raise StorageError(f"storage {_safe(self.url)} has no schema version; it is not ours")
                return
            _md.create_all(conn)
            conn.execute(_meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))

    # -- studies ---------------------------------------------------------------------------------

    @staticmethod
    def _info(row: Any) -> StudyInfo:
        return StudyInfo(row.id, row.name, tuple(json.loads(row.directions)), int(row.seed), row.created_at)

    def create_study(self, name: str, directions: Sequence[str], seed: int) -> StudyInfo:
        def op(conn: sa.Connection) -> StudyInfo:
            now = time.time()
            res = conn.execute(
                _studies.insert().values(
                    name=name, directions=json.dumps(list(directions)), seed=seed, created_at=now, next_seq=1
                )
            )
            key = res.inserted_primary_key
            assert key is not None  # an INSERT into a table with a primary key always has one
            return StudyInfo(int(key[0]), name, tuple(directions), seed, now)

        try:
            return self._retry(op, write=True)
        except IntegrityError:
            raise DuplicatedStudyError(f"a study named {name!r} already exists") from None

    def find_study(self, name: str) -> StudyInfo | None:
        def op(conn: sa.Connection) -> StudyInfo | None:
            row = conn.execute(sa.select(_studies).where(_studies.c.name == name)).first()
            return None if row is None else self._info(row)

        return self._retry(op, write=False)

    def list_studies(self) -> list[StudyInfo]:
        def op(conn: sa.Connection) -> list[StudyInfo]:
            return [self._info(r) for r in conn.execute(sa.select(_studies).order_by(_studies.c.id))]

        return self._retry(op, write=False)

    def delete_study(self, name: str) -> None:
        def op(conn: sa.Connection) -> None:
            row = conn.execute(sa.select(_studies.c.id).where(_studies.c.name == name)).first()
            if row is None:
                raise KeyError(f"no study named {name!r}")
            for t in (_events, _beats):
                conn.execute(t.delete().where(t.c.study_id == row.id))
            conn.execute(_studies.delete().where(_studies.c.id == row.id))

        self._retry(op, write=True)

    # -- the log ---------------------------------------------------------------------------------

    def append(self, study_id: int, events: Sequence[Event]) -> int:
        rows = [(e.kind, e.trial, e.data_json(), e.claim) for e in events]
        lock = _LOCK if self._sqlite else _LOCK_FOR_UPDATE
        finished = [{"sid": study_id, "n": e.trial} for e in events if e.kind == "finish" and e.trial is not None]

        def op(conn: sa.Connection) -> int:
            row = conn.execute(lock, {"sid": study_id}).first()
            if row is None:
                raise KeyError(f"study id {study_id} does not exist (was it deleted?)")
            seq = int(row[0])
            conn.execute(
                _INSERT,
                [
                    {"study_id": study_id, "seq": seq + i, "kind": k, "trial": t, "data": d, "claim": c}
                    for i, (k, t, d, c) in enumerate(rows)
                ],
            )
            conn.execute(_BUMP, {"sid": study_id, "next": seq + len(rows)})
            if finished:
                # Keeps the beats table as small as the set of running trials, so beats() stays cheap.
                conn.execute(_DROP_BEAT, finished)
            return seq

        try:
            return self._retry(op, write=True)
        except IntegrityError:
            raise ClaimTaken(", ".join(r[3] for r in rows if r[3])) from None

    def read(self, study_id: int, after: int) -> list[tuple[int, Event]]:
        def op(conn: sa.Connection) -> list[tuple[int, Event]]:
            rows = conn.execute(_READ, {"sid": study_id, "after": after})
            return [(r[0], Event(r[1], r[2], json.loads(r[3]), r[4])) for r in rows]

        return self._retry(op, write=False)

    def beat(self, study_id: int, trial: int, at: float) -> None:
        def op(conn: sa.Connection) -> None:
            done = conn.execute(
                _beats.update().where(_beats.c.study_id == study_id, _beats.c.trial == trial).values(beat_at=at)
            )
            if done.rowcount == 0:
                conn.execute(_beats.insert().values(study_id=study_id, trial=trial, beat_at=at))

        self._retry(op, write=True)

    def beats(self, study_id: int) -> dict[int, float]:
        def op(conn: sa.Connection) -> dict[int, float]:
            q = sa.select(_beats.c.trial, _beats.c.beat_at).where(_beats.c.study_id == study_id)
            return {int(r[0]): float(r[1]) for r in conn.execute(q)}

        return self._retry(op, write=False)

    def now(self) -> float:
        """The database server's clock (this machine's for SQLite); one round trip."""
        if self._clock_sql is None:
            return time.time()
        query = self._clock_sql

        def op(conn: sa.Connection) -> float:
            return float(conn.exec_driver_sql(query).scalar_one())

        return self._retry(op, write=False)

    def close(self) -> None:
        self._engine.dispose()

    def __getstate__(self) -> dict[str, Any]:
        # Processes and Dask workers receive the URL and open their own connections.
        return {"url": self.url}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["url"])  # type: ignore[misc]


def _safe(url: str | None) -> str:
    """The URL with any password masked, for error messages."""
    if url is None:
        return "<memory>"
    try:
        return repr(sa.engine.make_url(url).render_as_string(hide_password=True))
    except Exception:
        return repr(url)
