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
from hyperscout.storages import ClaimTaken, Event, SQLStorage, StorageError, get_storage
from hyperscout.storages._base import SCHEMA_VERSION
from hyperscout.testing import storages as contract

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
# the contract: hyperscout.testing.storages, on every backend


def test_create_find_list(storage):
    contract.check_create_find_list(storage)


def test_duplicate_study(storage):
    contract.check_duplicate_study(storage)


def test_delete(storage):
    contract.check_delete(storage)


def test_append_read_order_and_positions(storage):
    contract.check_append_read_order_and_positions(storage)


def test_event_fields_round_trip(storage):
    contract.check_event_fields_round_trip(storage)


def test_incremental_read(storage):
    contract.check_incremental_read(storage)


def test_logs_are_per_study(storage):
    contract.check_logs_are_per_study(storage)


def test_claims_first_wins(storage):
    contract.check_claims_first_wins(storage)


def test_claims_and_names_compare_exactly(storage):
    contract.check_claims_and_names_compare_exactly(storage)


def test_append_with_a_taken_claim_appends_nothing(storage):
    contract.check_append_with_a_taken_claim_appends_nothing(storage)


def test_the_same_claim_twice_in_one_append_is_refused(storage):
    contract.check_the_same_claim_twice_in_one_append_is_refused(storage)


def test_non_json_data_is_refused_and_appends_nothing(storage):
    contract.check_non_json_data_is_refused_and_appends_nothing(storage)


def test_beats(storage):
    contract.check_beats(storage)


def test_a_finish_drops_the_trials_heartbeat(storage):
    contract.check_a_finish_drops_the_trials_heartbeat(storage)


def test_now_is_a_current_clock(storage):
    contract.check_now_is_a_current_clock(storage)


def test_concurrent_claims_have_one_winner(storage):
    contract.check_concurrent_claims_have_one_winner(storage)


def test_constraints_are_kept(storage):
    contract.check_constraints_are_kept(storage)


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


def _read_only_folder(tmp_path) -> str:
    """A folder this process cannot create files in: chmod'ed, or (root ignores modes) /proc/sys."""
    import os

    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o500)
        return str(folder)
    if os.path.isdir("/proc/sys") and not os.access("/proc/sys", os.W_OK):
        return "/proc/sys"
    pytest.skip("running as root with no read-only folder to try (/proc/sys)")


def test_a_new_sqlite_file_in_a_read_only_folder_says_permissions(tmp_path) -> None:
    import os

    folder = _read_only_folder(tmp_path)
    path = os.path.join(folder, "hs.db")
    try:
        with pytest.raises(StorageError, match=r"cannot create .*hs\.db.*no permission to write in the folder") as info:
            hs.create_study("s", f"sqlite:///{path}")
        assert repr(folder) in str(info.value)  # was "unable to open database file", naming nothing
        assert not os.path.exists(path)
    finally:
        if folder.startswith(str(tmp_path)):
            os.chmod(folder, 0o700)
