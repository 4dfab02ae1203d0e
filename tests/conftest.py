"""Shared fixtures: the storage backends that storage-parametrised tests run on.

``storage_url`` runs a test on each local backend: in memory (``None``), a SQLite file and a journal
file. Tests marked ``@pytest.mark.all_storages`` also run on PostgreSQL and MariaDB, each case in a
fresh schema (PostgreSQL) or database (MariaDB) that is dropped afterwards. ``HS_TEST_STORAGES``
overrides the choice for every ``storage_url`` test: ``all``, or a comma list such as
``sqlite,postgresql``. ``make_storage_url(kind)`` hands out more fresh URLs inside one test.

The servers are ``HS_TEST_POSTGRESQL_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and ``HS_TEST_MARIADB_URL`` (default ``mysql+pymysql://root@127.0.0.1:3306/test``). When one does not
answer, its cases are skipped with the reason and the command that starts it (``.ci/run`` starts both).
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

LOCAL = ("memory", "sqlite", "journal")
SERVERS = ("postgresql", "mariadb")
ALL = LOCAL + SERVERS

_SERVER_URLS = {
    "postgresql": os.environ.get("HS_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mariadb": os.environ.get("HS_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
_START = {
    "postgresql": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "mariadb": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
}
# Schemas/databases are named hs_t_<unix time>_<pid>_<n>: unique across concurrent test runs, and a
# later run can tell the leftovers of a crashed one by their age.
_PREFIX = "hs_t_"
_LEFTOVER_AGE = 6 * 3600
_counter = itertools.count()
_admins: dict[str, Any] = {}
_down: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "all_storages: run the storage_url cases on PostgreSQL and MariaDB too, not only the local backends"
    )


# -- scheduling over processes (pytest-xdist, `-n auto` in pyproject.toml) ---------------------------
# About 40 % of the suite's time is spent waiting rather than computing: trial timeouts, worker
# processes starting and being reaped, subprocess runs of the examples, database round trips. With one
# test process per core the cores idle through those waits (measured: 370 CPU-seconds of tests took
# 5.5-6 minutes on two quiet cores), so `-n auto` starts two per core, and at most 4 beyond the cores,
# which bounds the memory (up to ~0.9 GB a process once torch is imported) on large machines.
# PYTEST_XDIST_AUTO_NUM_WORKERS=N or an explicit `-n N` still choose the number exactly.


@pytest.hookimpl(hookwrapper=True, optionalhook=True)  # optional: a run without pytest-xdist has no such hook
def pytest_xdist_auto_num_workers(config: pytest.Config) -> Iterator[None]:
    outcome = yield
    cores: int = outcome.get_result()  # pytest-xdist's own answer: the cores (physical ones where psutil can tell)
    if not os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        outcome.force_result(2 * cores if cores <= 4 else cores + 4)


# Tests that run for many seconds go first, so that no process is left running one of them alone at
# the end while the others have finished (with `--dist worksteal` the short ones then fill the gaps).
# This only orders the tests; a name here that no longer exists changes nothing.
_LONG = (
    "tests/samplers/test_model_based.py::test_beats_random_search",
    "tests/test_docs.py::test_page_runs",
    "tests/test_bayesopt.py::test_the_seed_snippet_runs_as_written",
    "tests/cli/test_cli.py::test_end_to_end_in_a_subprocess",
    "tests/test_parallel.py::test_a_dask_cluster_of_processes_runs_a_study",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def long(item: pytest.Item) -> bool:
        return item.get_closest_marker("slow") is not None or item.nodeid.startswith(_LONG)

    items.sort(key=lambda item: not long(item))  # stable: the order within each group is kept


def _kinds(metafunc: pytest.Metafunc) -> tuple[str, ...]:
    chosen = os.environ.get("HS_TEST_STORAGES", "").strip()
    if chosen:
        kinds = ALL if chosen == "all" else tuple(k.strip() for k in chosen.split(",") if k.strip())
        bad = [k for k in kinds if k not in ALL]
        if bad:
            raise pytest.UsageError(f"HS_TEST_STORAGES names unknown backends {bad}; known: {list(ALL)} or 'all'")
        return kinds
    return ALL if metafunc.definition.get_closest_marker("all_storages") else LOCAL


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "storage_url" in metafunc.fixturenames:
        metafunc.parametrize("storage_url", _kinds(metafunc), indirect=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for engine in _admins.values():
        engine.dispose()
    _admins.clear()


# -- the servers ------------------------------------------------------------------------------------


def _admin(kind: str) -> Any:
    """An AUTOCOMMIT engine on the server's base database, or skip the test saying why the server is down."""
    if kind not in _down:
        _down[kind] = _connect(kind)
        if _down[kind] is None:
            _drop_leftovers(kind)
    reason = _down[kind]
    if reason is not None:
        pytest.skip(reason)
    return _admins[kind]


def _connect(kind: str) -> str | None:
    import sqlalchemy as sa

    url = sa.engine.make_url(_SERVER_URLS[kind])
    where = f"{'PostgreSQL' if kind == 'postgresql' else 'MariaDB'} at {url.host}:{url.port}"
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except ImportError as e:
        return f"{where}: its driver is not installed ({e.name}); pip install -e '.[dev]'"
    except Exception as e:
        first = str(getattr(e, "orig", e)).strip().splitlines()[0]
        return f"{where} is not reachable ({first}); start it with .ci/run, or: {_START[kind]}"
    _admins[kind] = engine
    return None


def _drop_leftovers(kind: str) -> None:
    """Drop the schemas/databases that test runs which crashed left behind (only old ones: others may be running)."""
    import sqlalchemy as sa

    with _admins[kind].connect() as conn:
        if kind == "postgresql":
            names = conn.execute(
                sa.text("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, :p)"), {"p": _PREFIX}
            )
        else:
            names = conn.execute(
                sa.text("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE :p"),
                {"p": _PREFIX.replace("_", "\\_") + "%"},
            )
        for (name,) in list(names):
            try:
                born = int(name.split("_")[2])
            except (IndexError, ValueError):
                continue
            if time.time() - born > _LEFTOVER_AGE:
                _drop(kind, name)


def _fresh(kind: str) -> tuple[str, str]:
    """A new, empty schema (PostgreSQL) or database (MariaDB): its name and a URL that uses it."""
    import sqlalchemy as sa

    admin = _admin(kind)
    name = f"{_PREFIX}{int(time.time())}_{os.getpid()}_{next(_counter)}"
    url = sa.engine.make_url(_SERVER_URLS[kind])
    with admin.connect() as conn:
        if kind == "postgresql":
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
            # application_name lets the clean-up find the connections the test left open.
            url = url.update_query_dict({"options": f"-csearch_path={name}", "application_name": name})
        else:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}`")
            url = url.set(database=name)
    return name, url.render_as_string(hide_password=False)


def _drop(kind: str, name: str) -> None:
    """Drop a test schema/database, first ending the connections still open on it (storages not closed)."""
    import sqlalchemy as sa

    with _admins[kind].connect() as conn:
        if kind == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        else:
            ids = conn.execute(sa.text("SELECT id FROM information_schema.processlist WHERE db = :n"), {"n": name})
            for (conn_id,) in list(ids):
                try:
                    conn.exec_driver_sql(f"KILL {int(conn_id)}")
                except sa.exc.DBAPIError:
                    pass  # it ended by itself meanwhile
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def make_storage_url(tmp_path: Path) -> Iterator[Callable[[str], str | None]]:
    """``make_storage_url(kind)``: the URL of a fresh, empty storage of that kind (``None`` for memory).

    Server schemas/databases are dropped when the test ends; a server that is down skips the test.
    """
    made: list[tuple[str, str]] = []
    files = itertools.count()

    def make(kind: str) -> str | None:
        if kind == "memory":
            return None
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'storage-{next(files)}.db'}"
        if kind == "journal":
            return f"journal:///{tmp_path / f'storage-{next(files)}.log'}"
        if kind in SERVERS:
            name, url = _fresh(kind)
            made.append((kind, name))
            return url
        raise ValueError(f"unknown storage kind {kind!r}; known: {list(ALL)}")

    yield make
    for kind, name in made:
        _drop(kind, name)


@pytest.fixture
def storage_url(request: pytest.FixtureRequest, make_storage_url: Callable[[str], str | None]) -> str | None:
    """``None`` (in-memory storage) or the URL of a fresh SQLite file, journal, PostgreSQL schema or MariaDB database.

    Which backends a test runs on: see the module docstring.
    """
    return make_storage_url(request.param)


# -- signals ---------------------------------------------------------------------------------------
# A test run started in the background (`cmd &` in a script) or under `nohup` hands its processes
# SIGINT or SIGHUP *ignored*, and a program rightly leaves an ignored signal ignored (Python then
# installs no KeyboardInterrupt handler; hyperscout no SIGHUP handler). Tests of what Ctrl-C, SIGTERM
# and SIGHUP do put them back at their defaults first, so that they test hyperscout, not the shell
# that started pytest.
_TERMINATING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _default_signals() -> None:
    for sig in _TERMINATING:
        signal.signal(sig, signal.SIG_DFL)


@pytest.fixture
def default_signals() -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess.Popen``: the child starts with SIGINT, SIGTERM and SIGHUP at their defaults."""
    return _default_signals


@pytest.fixture
def terminating_signals_at_default() -> Iterator[None]:
    """SIGTERM and SIGHUP at their defaults in this process for the test, then as they were."""
    saved = {sig: signal.getsignal(sig) for sig in _TERMINATING if sig != signal.SIGINT}
    for sig in saved:
        signal.signal(sig, signal.SIG_DFL)
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
