"""The storage contract (an append-only log per study with unique claims), on every backend, and SQL specifics.

Every backend runs the contract: memory, SQLite, the journal file, PostgreSQL and MariaDB (the servers'
cases skip, saying why, when a server is down; see tests/conftest.py).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest

import hyperscout as hs
from hyperscout.storages import ClaimTaken, DuplicatedStudyError, Event, SQLStorage, StorageError, get_storage
from hyperscout.storages._base import SCHEMA_VERSION

EVERY = ["memory", "sqlite", "journal", "postgresql", "mariadb"]
SHARED = EVERY[1:]  # the backends that several storage objects (and processes) open by URL


@pytest.fixture(params=EVERY)
def storage(request: pytest.FixtureRequest, make_storage_url):
    store = get_storage(make_storage_url(request.param))
    yield store
    store.close()


@pytest.fixture(params=SHARED)
def shared_url(request: pytest.FixtureRequest, make_storage_url) -> str:
    url = make_storage_url(request.param)
    assert url is not None
    return url


def _ev(i: int, claim: str | None = None, trial: int | None = 0) -> Event:
    return Event("report", trial, {"step": i, "value": i / 2}, claim=claim)


def _steps(storage, study_id: int, after: int = 0) -> list[int]:
    return [e.data["step"] for _, e in storage.read(study_id, after)]


# ---------------------------------------------------------------------------------------------------
# studies


def test_create_find_list(storage):
    a = storage.create_study("a", ["minimize"], 1)
    b = storage.create_study("b", ("minimize", "maximize"), 2**62)
    assert (a.name, a.directions, a.seed) == ("a", ("minimize",), 1)
    assert (b.name, b.directions, b.seed) == ("b", ("minimize", "maximize"), 2**62)
    assert a.id != b.id
    assert storage.find_study("a") == a
    assert storage.find_study("b") == b
    assert storage.find_study("c") is None
    assert [s.name for s in storage.list_studies()] == ["a", "b"]
    assert storage.read(a.id, 0) == []


def test_duplicate_study(storage):
    info = storage.create_study("a", ["minimize"], 0)
    storage.append(info.id, [_ev(0)])
    with pytest.raises(DuplicatedStudyError, match="'a'"):
        storage.create_study("a", ["maximize"], 1)
    assert storage.find_study("a") == info
    assert len(storage.read(info.id, 0)) == 1
    assert isinstance(DuplicatedStudyError("x"), ValueError)


def test_delete(storage):
    a = storage.create_study("a", ["minimize"], 0)
    b = storage.create_study("b", ["minimize"], 0)
    storage.append(a.id, [_ev(0, claim="trial/0")])
    storage.append(b.id, [_ev(5)])
    storage.beat(a.id, 0, 1.0)
    storage.delete_study("a")
    assert storage.find_study("a") is None
    assert [s.name for s in storage.list_studies()] == ["b"]
    assert _steps(storage, b.id) == [5]
    with pytest.raises(KeyError, match="'a'"):
        storage.delete_study("a")
    # The name can be used again, with a fresh log, fresh claims and no heartbeats.
    again = storage.create_study("a", ["minimize"], 0)
    assert storage.read(again.id, 0) == []
    assert storage.beats(again.id) == {}
    storage.append(again.id, [_ev(1, claim="trial/0")])
    assert [pos for pos, _ in storage.read(again.id, 0)] == [1]


# ---------------------------------------------------------------------------------------------------
# the log


def test_append_read_order_and_positions(storage):
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0), _ev(1)])
    storage.append(info.id, [_ev(2)])
    storage.append(info.id, [_ev(3), _ev(4), _ev(5)])
    got = storage.read(info.id, 0)
    assert [pos for pos, _ in got] == [1, 2, 3, 4, 5, 6]
    assert [e.data["step"] for _, e in got] == [0, 1, 2, 3, 4, 5]
    assert got[0][1] == _ev(0)  # kind, trial, data and claim come back as they went in


def test_event_fields_round_trip(storage):
    info = storage.create_study("s", ["minimize"], 0)
    events = [
        Event(
            "create", 0, {"number": 0, "state": "running", "t": 1.5, "nested": {"a": [1, None, "x", True]}}, "trial/0"
        ),
        Event("study_attr", None, {"key": "k", "value": "ünïcode ✓", "system": False}),
        Event("finish", 0, {"state": "complete", "values": [0.1, -2.0], "error": None, "t": 2.5}, "finish/0"),
    ]
    storage.append(info.id, events)
    assert [e for _, e in storage.read(info.id, 0)] == events


def test_incremental_read(storage):
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(i) for i in range(5)])
    assert _steps(storage, info.id, after=3) == [3, 4]
    assert [pos for pos, _ in storage.read(info.id, 3)] == [4, 5]
    assert storage.read(info.id, 5) == []
    storage.append(info.id, [_ev(5)])
    assert storage.read(info.id, 5) == [(6, _ev(5))]
    assert storage.read(info.id, 100) == []


def test_logs_are_per_study(storage):
    a = storage.create_study("a", ["minimize"], 0)
    b = storage.create_study("b", ["minimize"], 0)
    storage.append(a.id, [_ev(0), _ev(1)])
    storage.append(b.id, [_ev(10)])
    storage.append(a.id, [_ev(2)])
    assert storage.read(a.id, 0) == [(1, _ev(0)), (2, _ev(1)), (3, _ev(2))]
    assert storage.read(b.id, 0) == [(1, _ev(10))]


def test_claims_first_wins(storage):
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0, claim="trial/0")])
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_ev(1, claim="trial/0")])
    assert _steps(storage, info.id) == [0]
    # Claims are per study.
    other = storage.create_study("other", ["minimize"], 0)
    storage.append(other.id, [_ev(7, claim="trial/0")])
    assert _steps(storage, other.id) == [7]


def test_claims_and_names_compare_exactly(storage):
    # MySQL's default collations would equate all of these (case, accents, trailing spaces).
    info = storage.create_study("s", ["minimize"], 0)
    for name in ("S", "s ", "ś"):
        assert storage.create_study(name, ["minimize"], 0).name == name
    assert [s.name for s in storage.list_studies()] == ["s", "S", "s ", "ś"]
    assert storage.find_study("S").name == "S"
    claims = ["grid:a", "grid:A", "grid:a ", "grid:à"]
    for i, claim in enumerate(claims):
        storage.append(info.id, [_ev(i, claim=claim)])
    assert [e.claim for _, e in storage.read(info.id, 0)] == claims
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_ev(9, claim="grid:A")])


def test_append_with_a_taken_claim_appends_nothing(storage):
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0, claim="grid:abc")])
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_ev(1), _ev(2, claim="trial/1"), _ev(3, claim="grid:abc"), _ev(4)])
    assert _steps(storage, info.id) == [0]
    # trial/1 was not taken by the refused append.
    storage.append(info.id, [_ev(5, claim="trial/1")])
    assert storage.read(info.id, 0) == [(1, _ev(0, claim="grid:abc")), (2, _ev(5, claim="trial/1"))]


def test_the_same_claim_twice_in_one_append_is_refused(storage):
    info = storage.create_study("s", ["minimize"], 0)
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_ev(0, claim="x"), _ev(1, claim="x")])
    assert storage.read(info.id, 0) == []
    storage.append(info.id, [_ev(2, claim="x")])
    assert _steps(storage, info.id) == [2]


def test_non_json_data_is_refused_and_appends_nothing(storage):
    info = storage.create_study("s", ["minimize"], 0)
    with pytest.raises(TypeError, match="JSON"):
        storage.append(info.id, [_ev(0), Event("attr", 0, {"key": "k", "value": object()})])
    assert storage.read(info.id, 0) == []


def test_beats(storage):
    info = storage.create_study("s", ["minimize"], 0)
    other = storage.create_study("o", ["minimize"], 0)
    assert storage.beats(info.id) == {}
    storage.beat(info.id, 0, 100.0)
    storage.beat(info.id, 3, 101.0)
    storage.beat(info.id, 0, 105.5)  # overwritten in place
    storage.beat(other.id, 0, 1.0)
    assert storage.beats(info.id) == {0: 105.5, 3: 101.0}
    assert storage.beats(other.id) == {0: 1.0}
    assert storage.read(info.id, 0) == []  # heartbeats are not events


def test_a_finish_drops_the_trials_heartbeat(storage):
    info = storage.create_study("s", ["minimize"], 0)
    storage.beat(info.id, 0, 100.0)
    storage.beat(info.id, 1, 100.0)
    storage.append(info.id, [Event("finish", 0, {"state": "complete", "values": [1.0], "t": 1.0}, "finish/0")])
    # Only running trials keep a heartbeat, so beats() costs what runs, not what ever ran.
    assert storage.beats(info.id) == {1: 100.0}
    storage.beat(info.id, 1, 101.0)
    assert storage.beats(info.id) == {1: 101.0}


def test_now_is_a_current_clock(storage):
    before = time.time()
    first = storage.now()
    time.sleep(0.05)
    second = storage.now()
    # The server runs on this machine, so its clock agrees with ours (allowing for timestamp granularity).
    assert before - 1 < first < time.time() + 1
    assert second - first >= 0.03


def test_concurrent_claims_have_one_winner(storage):
    info = storage.create_study("s", ["minimize"], 0)
    wins, losses = [], []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            storage.append(info.id, [_ev(i), _ev(i, claim="only-one")])
            wins.append(i)
        except ClaimTaken:
            losses.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == 7
    assert [pos for pos, _ in storage.read(info.id, 0)] == [1, 2]
    assert _steps(storage, info.id) == [wins[0], wins[0]]


# ---------------------------------------------------------------------------------------------------
# SQLStorage specifics


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nosuchdb://x", "unsupported database 'nosuchdb'"),
        ("sqlite:////nonexistent/dir/x.db", "'/nonexistent/dir' does not exist"),
        ("postgresql://hs@127.0.0.1:1/hs", "127.0.0.1.*port 1"),
        ("::not a url::", "not a URL"),
    ],
)
def test_bad_urls(url, expected):
    with pytest.raises(StorageError, match=expected):
        hs.storages.get_storage(url)
    with pytest.raises(StorageError):
        hs.create_study("s", url)


def test_unreachable_server_error_hides_the_password():
    with pytest.raises(StorageError) as info:
        SQLStorage("postgresql://hs:s3cret-pw@127.0.0.1:1/hs")
    assert "cannot open storage" in str(info.value)
    assert "s3cret-pw" not in str(info.value)


@pytest.mark.parametrize("url", ["oracle://hs:s3cret-pw@db.example/hs", "mssql://hs:s3cret-pw@db.example/hs"])
def test_unsupported_url_error_hides_the_password(url):
    with pytest.raises(StorageError, match="unsupported") as info:
        SQLStorage(url)
    assert "s3cret-pw" not in str(info.value)


def test_storage_error_is_a_runtime_error():
    assert issubclass(hs.StorageError, RuntimeError)
    assert hs.StorageError is StorageError


def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    with pytest.raises(StorageError, match="notes.txt"):
        SQLStorage(f"sqlite:///{path}")
    assert path.read_bytes().startswith(b"these are my notes")


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.db"
    SQLStorage(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as con:
        (version,) = con.execute("SELECT value FROM hyperscout_meta WHERE key = 'schema_version'").fetchone()
        assert int(version) == SCHEMA_VERSION
        con.execute("UPDATE hyperscout_meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StorageError, match="newer"):
        SQLStorage(f"sqlite:///{path}")
    with pytest.raises(StorageError, match="newer"):
        hs.load_study("s", f"sqlite:///{path}")


def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE hyperscout_meta (key TEXT PRIMARY KEY, value TEXT)")
    with pytest.raises(StorageError, match="schema version"):
        SQLStorage(f"sqlite:///{path}")


def test_nothing_is_pickled(tmp_path):
    path = tmp_path / "raw.db"
    url = f"sqlite:///{path}"
    study = hs.create_study("s", url, seed=0, directions=["minimize", "maximize"])
    study.set_user_attr("meta", {"a": [1, 2]})

    def objective(t):
        t.suggest_float("x", 0, 1)
        t.suggest_categorical("c", ["a", None, 3])
        t.report(0.5, 0)
        t.set_user_attr("u", "v")
        return 1.0, 2.0

    study.optimize(objective, n_trials=3, show_progress_bar=False)
    study.enqueue({"x": 0.5})

    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT kind, trial, data, typeof(data), claim FROM hyperscout_events").fetchall()
        for table in ("hyperscout_meta", "hyperscout_studies", "hyperscout_events", "hyperscout_beats"):
            for row in con.execute(f"SELECT * FROM {table}"):
                assert not any(isinstance(v, bytes) for v in row), (table, row)
    kinds = {r[0] for r in rows}
    assert {"create", "params", "report", "attr", "finish", "study_attr"} <= kinds
    for _kind, _trial, data, sql_type, _claim in rows:
        assert sql_type == "text"
        assert isinstance(json.loads(data), dict)
        assert b"\x80" not in data.encode()  # no pickle protocol header anywhere
    finish = [json.loads(r[2]) for r in rows if r[0] == "finish"]
    assert [f["values"] for f in finish] == [[1.0, 2.0]] * 3


def test_events_are_durable_across_storage_objects(shared_url):
    url = shared_url
    writer = get_storage(url)
    info = writer.create_study("s", ["minimize"], 5)
    writer.append(info.id, [_ev(0, claim="trial/0"), _ev(1)])
    reader = get_storage(url)
    assert reader.find_study("s") == info
    assert reader.read(info.id, 0) == writer.read(info.id, 0)
    writer.append(info.id, [_ev(2)])
    assert reader.read(info.id, 2) == [(3, _ev(2))]
    # Claims hold across connections too.
    with pytest.raises(ClaimTaken):
        reader.append(info.id, [_ev(3, claim="trial/0")])
    # So do heartbeats and study deletions.
    writer.beat(info.id, 4, 50.0)
    assert reader.beats(info.id) == {4: 50.0}
    gone = writer.create_study("gone", ["minimize"], 0)
    reader.delete_study("gone")
    assert writer.find_study("gone") is None
    with pytest.raises(KeyError):
        writer.append(gone.id, [_ev(9)])
    writer.close()
    reader.close()
    third = get_storage(url)
    assert _steps(third, info.id) == [0, 1, 2]
    third.close()


def test_study_survives_reopening(shared_url):
    url = shared_url
    study = hs.create_study("s", url, seed=1)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
    study._lifecycle.storage.close()
    loaded = hs.load_study("s", url)
    assert [t.value for t in loaded.trials] == [t.params["x"] for t in study.trials]
    assert loaded.best_value == min(t.value for t in study.trials)


def test_two_storage_objects_append_concurrently(shared_url):
    stores = [get_storage(shared_url), get_storage(shared_url)]
    info = stores[0].create_study("s", ["minimize"], 0)
    barrier = threading.Barrier(2)

    def worker(w: int) -> None:
        barrier.wait()
        for i in range(25):
            stores[w].append(info.id, [_ev(w * 100 + i), _ev(w * 100 + i)])

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = stores[1].read(info.id, 0)
    assert [pos for pos, _ in got] == list(range(1, 101))
    steps = [e.data["step"] for _, e in got]
    # Each append stays together, and each worker's appends stay in its order.
    assert all(steps[i] == steps[i + 1] for i in range(0, 100, 2))
    for w in range(2):
        assert [s for s in steps[::2] if s // 100 == w] == [w * 100 + i for i in range(25)]
    for s in stores:
        s.close()


def test_two_threads_run_one_study_concurrently(shared_url):
    url = shared_url
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    seen: dict[int, list[int]] = {0: [], 1: []}

    def worker(w: int) -> None:
        try:
            barrier.wait()
            study = hs.create_study("shared", url, seed=0)  # both race to create it; one loads it
            study.optimize(
                lambda t: t.suggest_float("x", 0, 1),
                n_trials=15,
                callbacks=[lambda s, f: seen[w].append(f.number)],
                show_progress_bar=False,
            )
        except BaseException as e:  # noqa: B036 - reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert hs.get_all_study_names(url) == ["shared"]
    trials = hs.load_study("shared", url).trials
    assert [t.number for t in trials] == list(range(30))
    assert all(t.state is hs.TrialState.COMPLETE for t in trials)
    assert sorted(seen[0] + seen[1]) == list(range(30))
    assert len(seen[0]) == len(seen[1]) == 15


# ---------------------------------------------------------------------------------------------------
# the servers' clock


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_server_clock_is_the_servers(kind, make_storage_url):
    import sqlalchemy as sa

    storage = SQLStorage(make_storage_url(kind))
    query = "SELECT EXTRACT(EPOCH FROM now())" if kind == "postgresql" else "SELECT UNIX_TIMESTAMP(NOW(6))"
    with storage._engine.connect() as conn:
        server = float(conn.execute(sa.text(query)).scalar_one())
    mine = storage.now()
    # Not frozen at a transaction's start, and in UTC seconds whatever the session's time zone.
    assert 0 <= mine - server < 5
    storage.close()


def test_sqlite_clock_is_this_machines(tmp_path):
    storage = SQLStorage(f"sqlite:///{tmp_path / 'c.db'}")
    before = time.time()
    assert before <= storage.now() <= time.time()
    storage.close()
