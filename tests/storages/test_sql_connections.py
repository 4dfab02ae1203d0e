"""SQL storage on a server: what one operation costs in statements, and what happens when a
connection is lost (the server hung up on an idle pooled connection, or a connection died during
an operation). See tests/conftest.py for the servers; their cases skip, saying why, when one is down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event

import hyperscout as hs
from hyperscout.storages import ClaimTaken, Event, SQLStorage, StorageError

SERVERS = ["postgresql", "mariadb"]


def _ev(i: int, claim: str | None = None) -> Event:
    return Event("report", 0, {"step": i, "value": i / 2}, claim=claim)


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest, make_storage_url) -> Iterator[tuple[str, SQLStorage]]:
    url = make_storage_url(request.param)
    storage = SQLStorage(url)
    yield request.param, storage
    storage.close()


class _Statements:
    """The statements a storage sends to the server, as its driver is handed them.

    On PostgreSQL the per-trial statements bypass SQLAlchemy's execution, so they are caught at
    psycopg's cursor (which SQLAlchemy's own statements pass through too).
    """

    def __init__(self, storage: SQLStorage, monkeypatch: pytest.MonkeyPatch) -> None:
        import psycopg

        self.sent: list[str] = []
        self.autocommit: list[bool] = []
        execute = psycopg.Cursor.execute

        def spy(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            self.sent.append(" ".join(str(query).split()))
            # In a transaction, psycopg would send BEGIN and COMMIT too: two more round trips.
            self.autocommit.append(cursor.connection.autocommit)
            return execute(cursor, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", spy)


def _backend_id(storage: SQLStorage, kind: str) -> int:
    with storage._engine.connect() as conn:
        query = "SELECT pg_backend_pid()" if kind == "postgresql" else "SELECT CONNECTION_ID()"
        return int(conn.exec_driver_sql(query).scalar_one())


def _kill(kind: str, url: str, backend: int) -> None:
    """End the server side of one connection, as a server restart or an idle timeout would."""
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if kind == "postgresql":
            assert conn.exec_driver_sql(f"SELECT pg_terminate_backend({backend})").scalar_one()
        else:
            conn.exec_driver_sql(f"KILL {backend}")
    admin.dispose()
    time.sleep(0.3)  # the goodbye reaches the client's socket


def _lose_connection_once(
    storage: SQLStorage, kind: str, when: str, match: str, monkeypatch: pytest.MonkeyPatch
) -> list[int]:
    """Make the next statement containing ``match`` fail as if its connection died ``when``
    ("before" the server ran it, or "after": it ran and committed, the answer never came)."""
    fired: list[int] = []
    if kind == "postgresql":
        import psycopg

        execute = psycopg.Cursor.execute

        def failing(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            if fired or match not in str(query):
                return execute(cursor, query, *args, **kwargs)
            fired.append(1)
            if when == "after":
                execute(cursor, query, *args, **kwargs)
            cursor.connection.close()
            raise psycopg.OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(psycopg.Cursor, "execute", failing)
        return fired

    def hook(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if fired or match not in statement:
            return
        fired.append(1)
        cursor.connection.close()
        import pymysql

        raise pymysql.err.OperationalError(2013, "Lost connection to server during query")

    sa_event.listen(storage._engine, "before_cursor_execute" if when == "before" else "after_cursor_execute", hook)
    return fired


# ---------------------------------------------------------------------------------------------------
# what an operation costs


def test_postgresql_appends_and_reads_in_one_statement_each(make_storage_url, monkeypatch):
    storage = SQLStorage(make_storage_url("postgresql"))
    info = storage.create_study("s", ["minimize"], 0)
    sent = _Statements(storage, monkeypatch)
    storage.append(info.id, [_ev(0, claim="trial/0"), _ev(1)])
    storage.append(info.id, [Event("finish", 0, {"state": "complete", "values": [1.0], "t": 1.0}, "finish/0")])
    assert len(storage.read(info.id, 0)) == 3
    assert storage.read(info.id, 3) == []
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_ev(2), _ev(3, claim="trial/0")])
    storage.beat(info.id, 1, 5.0)
    storage.beat(info.id, 1, 6.0)
    assert storage.beats(info.id) == {1: 6.0}
    storage.now()
    # No ping, no BEGIN/COMMIT: each operation is one statement, so one round trip.
    assert len(sent.sent) == 9, sent.sent
    assert all(sent.autocommit)
    assert not storage._engine.pool._pre_ping
    storage.close()


def test_postgresql_claims_raced_for_leave_no_aborted_pipeline(make_storage_url, caplog):
    # psycopg runs executemany in pipeline mode; one that failed on a claim another connection
    # had just taken logged "error ignored terminating psycopg.Pipeline ...: pipeline aborted".
    url = make_storage_url("postgresql")
    stores = [SQLStorage(url) for _ in range(3)]
    info = stores[0].create_study("s", ["minimize"], 0)
    barrier = threading.Barrier(len(stores))
    taken = [0] * len(stores)

    def worker(w: int) -> None:
        barrier.wait()
        for n in range(30):
            try:
                stores[w].append(
                    info.id, [Event("create", n, {"w": w}, f"trial/{n}"), Event("attr", n, {}, f"run/{n}")]
                )
            except ClaimTaken:
                taken[w] += 1

    with caplog.at_level(logging.WARNING, logger="psycopg"):
        threads = [threading.Thread(target=worker, args=(w,)) for w in range(len(stores))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []
    log = stores[0].read(info.id, 0)
    assert [e.trial for _, e in log] == [n for n in range(30) for _ in range(2)]
    assert sum(taken) == 30 * (len(stores) - 1)
    for s in stores:
        s.close()


# ---------------------------------------------------------------------------------------------------
# lost connections


def test_a_pooled_connection_the_server_closed_is_replaced(server):
    kind, storage = server
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0, claim="trial/0")])
    _kill(kind, storage.url, _backend_id(storage, kind))
    # Every operation goes on, on a new connection, and nothing is written twice.
    assert [e.data["step"] for _, e in storage.read(info.id, 0)] == [0]
    _kill(kind, storage.url, _backend_id(storage, kind))
    assert storage.append(info.id, [_ev(1, claim="trial/1")]) == 2
    _kill(kind, storage.url, _backend_id(storage, kind))
    storage.beat(info.id, 1, 3.0)
    _kill(kind, storage.url, _backend_id(storage, kind))
    assert storage.beats(info.id) == {1: 3.0}
    assert [e.data["step"] for _, e in storage.read(info.id, 0)] == [0, 1]


@pytest.mark.parametrize("claim", [None, "trial/1"])
def test_an_append_that_lost_its_connection_before_running_is_made_once(server, claim, monkeypatch):
    kind, storage = server
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0)])
    fired = _lose_connection_once(storage, kind, "before", "INSERT INTO hyperscout_events", monkeypatch)
    assert storage.append(info.id, [_ev(1, claim=claim), _ev(2)]) == 2
    assert fired
    assert [(pos, e.data["step"]) for pos, e in storage.read(info.id, 0)] == [(1, 0), (2, 1), (3, 2)]


@pytest.mark.parametrize("claim", [None, "trial/1"])
def test_an_append_that_committed_but_lost_its_answer_is_not_made_twice(make_storage_url, claim, monkeypatch):
    # PostgreSQL only: there an append is one statement, committed when it ends (on MariaDB a
    # connection lost before COMMIT takes the append with it, the case above).
    storage = SQLStorage(make_storage_url("postgresql"))
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0)])
    other = SQLStorage(storage.url)
    other.append(info.id, [_ev(5)])  # written by someone else meanwhile: not ours
    fired = _lose_connection_once(storage, "postgresql", "after", "INSERT INTO hyperscout_events", monkeypatch)
    assert storage.append(info.id, [_ev(1, claim=claim), _ev(2)]) == 3
    assert fired
    assert [(pos, e.data["step"]) for pos, e in storage.read(info.id, 0)] == [(1, 0), (2, 5), (3, 1), (4, 2)]
    other.close()
    storage.close()


def test_a_read_that_lost_its_connection_is_read_again(server, monkeypatch):
    kind, storage = server
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0), _ev(1)])
    fired = _lose_connection_once(storage, kind, "after", "FROM hyperscout_events", monkeypatch)
    assert [e.data["step"] for _, e in storage.read(info.id, 0)] == [0, 1]
    assert fired


def test_a_connection_lost_twice_in_a_row_is_an_error(server, monkeypatch):
    kind, storage = server
    info = storage.create_study("s", ["minimize"], 0)
    fired = _lose_connection_once(storage, kind, "before", "INSERT INTO hyperscout_events", monkeypatch)
    again = _lose_connection_once(storage, kind, "before", "INSERT INTO hyperscout_events", monkeypatch)
    assert fired is not again
    with pytest.raises(StorageError, match="failed"):
        storage.append(info.id, [_ev(0)])
    assert fired and again
    assert storage.read(info.id, 0) == []  # and the storage still works afterwards


def test_a_study_runs_on_after_its_connection_is_killed(server):
    kind, storage = server
    study = hs.create_study("s", storage, sampler=hs.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
    _kill(kind, storage.url, _backend_id(storage, kind))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
    assert [t.number for t in study.trials] == list(range(6))
    assert all(t.state is hs.TrialState.COMPLETE for t in study.trials)
