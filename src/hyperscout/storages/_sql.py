"""SQL storage through SQLAlchemy Core: SQLite (the default file), PostgreSQL and MySQL/MariaDB.

Tables::

    hyperscout_meta    key, value                      -- schema_version
    hyperscout_studies id, name, directions, seed, created_at, next_seq
    hyperscout_events  study_id, seq, kind, trial, data, claim   -- PK (study_id, seq); UNIQUE (study_id, claim)
    hyperscout_beats   study_id, trial, beat_at        -- running trials only: a finish deletes the row

Appends take the study row's lock (``SELECT ... FOR UPDATE`` on MySQL, the ``UPDATE`` of ``next_seq``
on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and number events from ``next_seq`` inside the same
transaction, so positions are gap-free and become visible in order: a reader that remembers "last
position seen" never skips an event (an auto-increment id would not promise that on PostgreSQL or
MySQL). Claims are enforced by the unique index, so first-claim-wins needs no extra locking.

``now()`` is the database server's clock (SQLite: this machine's, the only one that shares the file),
so heartbeats written and judged by machines whose clocks disagree still compare correctly.

Round trips are what a trial costs on a server, so on PostgreSQL every operation of the per-trial
path is one statement in autocommit mode, one round trip: an append is a single statement that
bumps ``next_seq``, inserts the events and drops finished trials' heartbeats; a read is one
``SELECT``. The row lock that serialises appends is held for that statement and its commit only
(the commit waits for the WAL flush, so a study takes at most one append per flush). Both go
straight to the driver on a pooled connection: SQLAlchemy's execution machinery costs more CPU
than the statement. MySQL and SQLite keep one transaction per operation. Nothing pings a
connection before use: a pooled connection whose server hung up is noticed without a round trip
(its socket has something to read), and an operation whose connection dies under it is retried
once on a new one, after checking that an interrupted append did not land.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import mysql as sa_mysql
from sqlalchemy.exc import IntegrityError, OperationalError

from ._base import SCHEMA_VERSION, BaseStorage, ClaimTaken, DuplicatedStudyError, Event, StorageError, StudyInfo
from ._url import hide_secrets, mask_url


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

# PostgreSQL's append, one statement: the UPDATE takes the study row's lock (a concurrent append
# waits for this one to commit, then sees its next_seq) and numbers the events from it; a taken
# claim fails the whole statement. unnest() takes every batch size with one (prepared) text.
_PG_APPEND = """
WITH s AS (
    UPDATE hyperscout_studies SET next_seq = next_seq + %(k)s WHERE id = %(sid)s
    RETURNING next_seq - %(k)s AS first
), ins AS (
    INSERT INTO hyperscout_events (study_id, seq, kind, trial, data, claim)
    SELECT %(sid)s, s.first + u.i - 1, u.kind, u.trial, u.data, u.claim
    FROM s, unnest(%(kinds)s::varchar[], %(trials)s::integer[], %(datas)s::text[], %(claims)s::varchar[])
        WITH ORDINALITY AS u(kind, trial, data, claim, i)
), dropped AS (
    DELETE FROM hyperscout_beats WHERE study_id = %(sid)s AND trial = ANY(%(finished)s::integer[])
        AND EXISTS (SELECT 1 FROM s)
)
SELECT first FROM s
"""
_PG_READ = "SELECT seq, kind, trial, data, claim FROM hyperscout_events WHERE study_id = %s AND seq > %s ORDER BY seq"
_PG_BEAT = (
    "INSERT INTO hyperscout_beats (study_id, trial, beat_at) VALUES (%(sid)s, %(n)s, %(at)s) "
    "ON CONFLICT (study_id, trial) DO UPDATE SET beat_at = EXCLUDED.beat_at"
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
#: What pip calls each driver: hyperscout is not on PyPI, so naming its extra would not install it.
_PIP_NAMES = {"psycopg": "'psycopg[binary]'", "pymysql": "PyMySQL"}


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
                f"storage URL {_safe(url)} needs the {module} driver, an optional extra (hyperscout[{extra}]): "
                f"pip install {_PIP_NAMES[module]}"
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
        #: A SQLite file this process may not write (its mode, or its folder's): opened to read only.
        self._read_only = False
        self._create = create
        u = _normalise_url(url)
        self._sqlite = u.get_backend_name() == "sqlite"
        # The one-statement path (module docstring) is written for psycopg 3, the driver we install;
        # PostgreSQL through another driver takes the path MySQL takes.
        self._pg = u.get_backend_name() == "postgresql" and u.get_driver_name() == "psycopg"
        self._clock_sql = _CLOCK.get(u.get_backend_name())
        # The highest position this object has seen per study: an append interrupted by a lost
        # connection can only have landed after it (see _landed).
        self._seen: dict[int, int] = {}
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
                if not os.path.exists(db) and not os.access(parent, os.W_OK | os.X_OK):
                    # SQLite itself says only "unable to open database file".
                    raise StorageError(
                        f"storage URL {_safe(url)}: cannot create {os.path.abspath(db)!r}: no permission to "
                        f"write in the folder {parent!r}; choose a folder you can write to, or change its permissions"
                    )
            if db and db != ":memory:" and os.path.exists(db) and not _writable(db):
                u = _read_only_url(u, db)
                self._read_only = True
            kwargs["connect_args"] = {"timeout": 60.0, "check_same_thread": False}
            if not db or db == ":memory:":
                kwargs["poolclass"] = sa.pool.StaticPool
                # One connection shared by every thread (the heartbeat's too): take turns on it.
                self._shared_lock = threading.RLock()
        elif self._pg:
            # Each statement of the per-trial path is its own transaction (see the module docstring);
            # the operations of several statements ask for one (_conn(single=False)).
            kwargs["isolation_level"] = "AUTOCOMMIT"
        elif u.get_driver_name() != "pymysql":
            kwargs["pool_pre_ping"] = True  # a driver whose socket _hung_up does not know
        try:
            self._engine = sa.create_engine(u, **kwargs)
        except Exception as e:
            raise StorageError(f"cannot open storage {_safe(url)}: {hide_secrets(str(e), url)}") from None
        # A storage dropped without close() (a study garbage-collected, get_all_study_names(url))
        # closes its pooled connections, rather than leaving the driver to warn about them. The
        # finalizer holds the engine, not this object, so it does not keep it alive.
        weakref.finalize(self, self._engine.dispose)
        if self._sqlite:
            self._install_sqlite_hooks(synchronous)
        else:
            self._install_server_hooks()
        self._dbapi_error: type[Exception] = self._engine.dialect.loaded_dbapi.Error
        #: No hyperscout tables yet, and this storage was opened to read (``create=False``): reads
        #: find no study and nothing is written until something is (see ``_ensure_schema``).
        self._missing = False
        try:
            self._open_schema(create)
        except BaseException:
            self._engine.dispose()  # refused or failed: release the connection the look took
            raise

    def _open_schema(self, create: bool) -> None:
        delay = 0.01
        for attempt in range(60):
            try:
                self._init_schema(create)
                break
            except _SchemaBusy:
                # Several processes opening a new SQLite file at once: setting WAL mode and creating
                # the tables can fail at once with "database is locked" instead of waiting.
                if attempt == 59:
                    raise StorageError(f"cannot open storage {_safe(self.url)}: database is locked") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except StorageError:
                raise
            except Exception:
                # Another process may have created the schema at the same moment: look again once.
                time.sleep(0.2)
                self._init_schema(create)
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
                # WAL mode is written into the file: only into ours, or a new one. Another
                # application's database is refused (_init_schema) and must be left as it is.
                tables = {r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                # A new file in WAL mode, but not from read-only commands (create=False): they write nothing.
                if "hyperscout_meta" in tables or (not tables and self._create and not self._read_only):
                    try:
                        cur.execute("PRAGMA journal_mode = WAL")
                    except dbapi_conn.OperationalError:
                        pass  # a read-only file (ours is in WAL mode already); reading it still works
            cur.execute(f"PRAGMA synchronous = {synchronous}")
            cur.close()

        @sa_event.listens_for(self._engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            options = conn.get_execution_options()
            if options.get("hs_write", False):
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif not options.get("hs_single", False):  # a lone SELECT is a consistent snapshot by itself
                conn.exec_driver_sql("BEGIN")

    def _install_server_hooks(self) -> None:
        @sa_event.listens_for(self._engine, "checkout")
        def _checkout(dbapi_conn: Any, _rec: Any, _proxy: Any) -> None:
            # Instead of a ping (a round trip at every checkout): the pool then opens a new one.
            if _hung_up(dbapi_conn):
                raise sa.exc.DisconnectionError("the server closed this pooled connection")

    def _conn(self, write: bool, single: bool) -> sa.Connection:
        conn = self._engine.connect()
        if self._sqlite:
            return conn.execution_options(hs_write=write, hs_single=single)
        if self._pg and not single:
            return conn.execution_options(isolation_level=conn.dialect.default_isolation_level or "READ COMMITTED")
        return conn

    def _raw(self, fn: Any) -> Any:
        """``fn(driver connection)`` on a pooled connection in autocommit mode (PostgreSQL), with
        the driver's errors wrapped as SQLAlchemy wraps them.

        For the per-trial statements only: SQLAlchemy's execution machinery costs more CPU than
        the driver and the round trip together, and with several workers on two cores CPU is
        what a trial costs.
        """
        fairy = self._engine.raw_connection()
        try:
            dbapi_conn: Any = fairy.driver_connection
            try:
                return fn(dbapi_conn)
            except self._dbapi_error as e:
                lost = bool(dbapi_conn.closed or dbapi_conn.broken)
                if lost:
                    fairy.invalidate(e)
                raise sa.exc.DBAPIError.instance(
                    None, None, e, self._dbapi_error, connection_invalidated=lost, dialect=self._engine.dialect
                ) from e
        finally:
            fairy.close()

    def _retry(self, fn: Any, *, write: bool, single: bool = False, raw: bool = False, landed: Any = None) -> Any:
        """``fn(conn)`` in a transaction, again while the database says to try again.

        ``single``: ``fn`` runs one statement, which PostgreSQL then runs as its own transaction.
        ``raw``: ``fn`` gets the driver's connection (see ``_raw``), in autocommit mode.
        A connection lost under ``fn`` is replaced once and ``fn`` run again, but for a write,
        ``landed()`` first says whether the lost attempt went through (and returns its result).
        """
        delay = 0.01
        lost = False
        for attempt in range(60):
            try:
                if raw:
                    return self._raw(fn)
                with self._shared_lock or contextlib.nullcontext(), self._conn(write, single) as conn, conn.begin():
                    return fn(conn)
            except sa.exc.DBAPIError as e:
                if e.connection_invalidated and not lost:
                    lost = True
                    found = landed() if landed is not None else None
                    if found is not None:
                        return found
                    continue
                if isinstance(e, IntegrityError) and lost and landed is not None:
                    # The lost attempt committed after all, only later than we looked: this is it.
                    found = landed()
                    if found is not None:
                        return found
                if not isinstance(e, OperationalError):
                    raise
                transient = any(
                    s in str(e).lower()
                    for s in ("database is locked", "deadlock", "lock wait timeout", "could not serialize")
                )
                if not transient or attempt == 59:
                    raise StorageError(
                        f"storage {_safe(self.url)} failed: {hide_secrets(str(e.orig), self.url)}"
                    ) from e
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        raise AssertionError("unreachable")

    def _saw(self, study_id: int, position: int) -> None:
        if position > self._seen.get(study_id, 0):
            self._seen[study_id] = position

    def _look(self) -> bool:
        """Whether the database holds hyperscout's tables (of a version this one reads); no write.

        A SQLite file holding other tables and none of ours is another application's: refused.
        A database server's database may be shared with other applications' tables.
        """
        with self._shared_lock or contextlib.nullcontext(), self._conn(write=False, single=False) as conn:
            with conn.begin():
                names = sa.inspect(conn).get_table_names()
                if "hyperscout_meta" in names:
                    row = conn.execute(sa.select(_meta.c.value).where(_meta.c.key == "schema_version")).first()
                    if row is None:
                        # Another process may be creating the tables right now (MySQL's DDL is not
                        # transactional): the locked path of _init_schema decides.
                        return False
                    self._check_version(int(row[0]))
                    return True
        ours = {t.name for t in _md.sorted_tables}
        others = sorted(n for n in names if n not in ours)
        if self._sqlite and others:
            shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
            raise StorageError(
                f"storage {_safe(self.url)} is another application's SQLite database (it holds the tables "
                f"{shown}); hyperscout leaves it as it is. Name a new file for hyperscout's studies, "
                "e.g. sqlite:///hyperscout.db"
            )
        return False

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"storage {_safe(self.url)} was written by a newer hyperscout (schema {version}); "
                f"this version reads schema {SCHEMA_VERSION} at most: pip install -U hyperscout"
            )
        if version < 1:
            raise StorageError(f"storage {_safe(self.url)} has no schema version; it is not ours")

    def _no_schema(self) -> bool:
        """For reads: whether there are still no hyperscout tables (another process may have made them)."""
        if self._missing and self._look():
            self._missing = False
        return self._missing

    def _ensure_schema(self) -> None:
        """Before a write: refuse if the file is read-only here; create the tables if none were found."""
        if self._read_only:
            raise StorageError(
                f"storage {_safe(self.url)} can be read but not written here: the file or its folder is "
                "read-only for this user (SQLite also writes beside the file, in <file>-wal and <file>-shm)"
            )
        if self._missing:
            self._init_schema(True)

    def _init_schema(self, create: bool) -> None:
        try:
            # Look first, without writing: reading a read-only file, or with read-only commands
            # (create=False), must not need write access, nor add tables to the database.
            if self._look():
                self._missing = False
                return
            if not create:
                self._missing = True
                return
            with self._conn(write=True, single=False) as conn:
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
            self._missing = False
        except (StorageError, IntegrityError, sa.exc.ProgrammingError):
            raise
        except sa.exc.DatabaseError as e:  # unreachable server, not a database file, no permission, ...
            if self._sqlite and "database is locked" in str(e).lower():
                raise _SchemaBusy from e
            raise StorageError(
                f"cannot open storage {_safe(self.url)}: {hide_secrets(str(e.orig), self.url)}"
            ) from None

    def _create_schema(self, conn: sa.Connection) -> None:
        with conn.begin():
            inspector = sa.inspect(conn)
            if inspector.has_table("hyperscout_meta"):
                row = conn.execute(sa.select(_meta.c.value).where(_meta.c.key == "schema_version")).first()
                self._check_version(int(row[0]) if row else 0)
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

        self._ensure_schema()
        try:
            return self._retry(op, write=True, single=True)
        except IntegrityError:
            raise DuplicatedStudyError(f"a study named {name!r} already exists") from None

    def find_study(self, name: str) -> StudyInfo | None:
        def op(conn: sa.Connection) -> StudyInfo | None:
            row = conn.execute(sa.select(_studies).where(_studies.c.name == name)).first()
            return None if row is None else self._info(row)

        if self._no_schema():
            return None
        return self._retry(op, write=False, single=True)

    def list_studies(self) -> list[StudyInfo]:
        def op(conn: sa.Connection) -> list[StudyInfo]:
            return [self._info(r) for r in conn.execute(sa.select(_studies).order_by(_studies.c.id))]

        if self._no_schema():
            return []
        return self._retry(op, write=False, single=True)

    def delete_study(self, name: str) -> None:
        def op(conn: sa.Connection) -> None:
            row = conn.execute(sa.select(_studies.c.id).where(_studies.c.name == name)).first()
            if row is None:
                raise KeyError(f"no study named {name!r}")
            for t in (_events, _beats):
                conn.execute(t.delete().where(t.c.study_id == row.id))
            conn.execute(_studies.delete().where(_studies.c.id == row.id))

        if self._no_schema():
            raise KeyError(f"no study named {name!r}")
        self._ensure_schema()
        self._retry(op, write=True)

    # -- the log ---------------------------------------------------------------------------------

    def append(self, study_id: int, events: Sequence[Event]) -> int:
        self._ensure_schema()
        rows = [(e.kind, e.trial, e.data_json(), e.claim) for e in events]
        finished = [e.trial for e in events if e.kind == "finish" and e.trial is not None]
        after = self._seen.get(study_id, 0)  # before the append starts: see _landed

        def op_pg(conn: Any) -> int:
            row = conn.execute(
                _PG_APPEND,
                {
                    "sid": study_id,
                    "k": len(rows),
                    "kinds": [r[0] for r in rows],
                    "trials": [r[1] for r in rows],
                    "datas": [r[2] for r in rows],
                    "claims": [r[3] for r in rows],
                    "finished": finished,
                },
            ).fetchone()
            if row is None:
                raise KeyError(f"study id {study_id} does not exist (was it deleted?)")
            return int(row[0])

        def op(conn: sa.Connection) -> int:
            row = conn.execute(_LOCK if self._sqlite else _LOCK_FOR_UPDATE, {"sid": study_id}).first()
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
                conn.execute(_DROP_BEAT, [{"sid": study_id, "n": n} for n in finished])
            return seq

        try:
            first: int = self._retry(
                op_pg if self._pg else op,
                write=True,
                single=self._pg,
                raw=self._pg,
                landed=lambda: self._landed(study_id, rows, after),
            )
        except IntegrityError:
            raise ClaimTaken(", ".join(r[3] for r in rows if r[3])) from None
        self._saw(study_id, first + len(rows) - 1)
        return first

    def _landed(self, study_id: int, rows: list[tuple[str, int | None, str, str | None]], after: int) -> int | None:
        """Where an append whose connection was lost put its events, or ``None`` if they are not in the log.

        They can only be after ``after``, the last position seen before that append began. The
        same events in the same order are taken for them: events name their trial, whose events
        only its worker writes, and carry times and values, so a batch found there that is not
        ours would record exactly the same facts.
        """

        found = self._read_rows(study_id, after)
        for i in range(len(found) - len(rows) + 1):
            if all(tuple(found[i + j][1:5]) == rows[j] for j in range(len(rows))):
                return int(found[i][0])
        return None

    def _read_rows(self, study_id: int, after: int) -> list[Any]:
        """``(seq, kind, trial, data, claim)`` of the events after ``after``, in order."""

        def op(conn: sa.Connection) -> list[Any]:
            return list(conn.execute(_READ, {"sid": study_id, "after": after}))

        def op_pg(conn: Any) -> list[Any]:
            rows: list[Any] = conn.execute(_PG_READ, (study_id, after)).fetchall()
            return rows

        return self._retry(op_pg if self._pg else op, write=False, single=True, raw=self._pg)  # type: ignore[no-any-return]

    def read(self, study_id: int, after: int) -> list[tuple[int, Event]]:
        out = [(r[0], Event(r[1], r[2], json.loads(r[3]), r[4])) for r in self._read_rows(study_id, after)]
        if out:
            self._saw(study_id, out[-1][0])
        return out

    def beat(self, study_id: int, trial: int, at: float) -> None:
        self._ensure_schema()

        def op_pg(conn: sa.Connection) -> None:
            conn.exec_driver_sql(_PG_BEAT, {"sid": study_id, "n": trial, "at": at})

        def op(conn: sa.Connection) -> None:
            done = conn.execute(
                _beats.update().where(_beats.c.study_id == study_id, _beats.c.trial == trial).values(beat_at=at)
            )
            if done.rowcount == 0:
                conn.execute(_beats.insert().values(study_id=study_id, trial=trial, beat_at=at))

        self._retry(op_pg if self._pg else op, write=True, single=self._pg)

    def beats(self, study_id: int) -> dict[int, float]:
        def op(conn: sa.Connection) -> dict[int, float]:
            q = sa.select(_beats.c.trial, _beats.c.beat_at).where(_beats.c.study_id == study_id)
            return {int(r[0]): float(r[1]) for r in conn.execute(q)}

        return self._retry(op, write=False, single=True)  # type: ignore[no-any-return]

    def now(self) -> float:
        """The database server's clock (this machine's for SQLite); one round trip."""
        if self._clock_sql is None:
            return time.time()
        query = self._clock_sql

        def op(conn: sa.Connection) -> float:
            return float(conn.exec_driver_sql(query).scalar_one())

        return self._retry(op, write=False, single=True)  # type: ignore[no-any-return]

    def close(self) -> None:
        self._engine.dispose()

    def __getstate__(self) -> dict[str, Any]:
        # Processes and Dask workers receive the URL and open their own connections.
        return {"url": self.url}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["url"])  # type: ignore[misc]


def _writable(path: str) -> bool:
    """Whether this process may write SQLite ``path`` in WAL mode: the file and its folder (-wal, -shm)."""
    return os.access(path, os.W_OK) and os.access(os.path.dirname(os.path.abspath(path)) or ".", os.W_OK)


def _read_only_url(u: sa.engine.URL, db: str) -> sa.engine.URL:
    """``u`` opening ``db`` read-only (a SQLite URI), so that reading needs no write access.

    Reading a WAL-mode file needs its -shm file, which a read-only folder keeps SQLite from creating.
    With no -wal file beside it, every committed change is in the file itself, which nobody can
    change here: ``immutable=1`` reads it without the -shm. Otherwise ``mode=ro`` (it works where
    the -shm exists).
    """
    wal = db + "-wal"
    pending = os.path.exists(wal) and os.path.getsize(wal) > 0
    query = {"uri": "true", **({"mode": "ro"} if pending else {"immutable": "1"})}
    return u.set(database=f"file:{os.path.abspath(db)}", query=query)


def _hung_up(dbapi_conn: Any) -> bool:
    """Whether an idle connection's server has closed it: its socket has something to read.

    A healthy idle connection is never sent anything (we LISTEN to nothing); a server that shut
    down, restarted or timed the session out sends its goodbye or closes the socket. No round trip.
    """
    try:
        if hasattr(dbapi_conn, "pgconn"):  # psycopg
            fd = dbapi_conn.fileno()
        elif hasattr(dbapi_conn, "_sock"):  # PyMySQL; None once closed
            sock = dbapi_conn._sock  # noqa: SLF001 - PyMySQL keeps its socket there and offers no other way
            if sock is None:
                return True
            fd = sock.fileno()
        else:
            return False  # another driver: pool_pre_ping looks instead
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([fd], [], [], 0)[0])
    except Exception:  # a closed socket, or the driver saying so
        return True


def _safe(url: str | None) -> str:
    """The URL with its password and query-string credentials masked, quoted, for error messages."""
    return "<memory>" if url is None else repr(mask_url(url))
