"""The journal file storage's own behaviour: URLs, the header, torn writes, locking, incremental reads.

The storage contract itself runs on the journal in test_storages.py, with the other backends.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import hyperscout as hs
from hyperscout.storages import ClaimTaken, Event, JournalFileStorage, StorageError, _journal, get_storage


def _ev(i: int, claim: str | None = None) -> Event:
    return Event("report", 0, {"step": i, "value": i / 2}, claim=claim)


def _steps(storage: JournalFileStorage, study_id: int) -> list[int]:
    return [e.data["step"] for _, e in storage.read(study_id, 0)]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


# -- URLs and files ----------------------------------------------------------------------------------


def test_url_paths_follow_sqlites_convention(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = get_storage("journal:///rel.log")
    assert isinstance(relative, JournalFileStorage)
    assert (tmp_path / "rel.log").exists()
    absolute = get_storage(f"journal:///{tmp_path / 'abs.log'}")  # journal:////tmp/...
    assert (tmp_path / "abs.log").exists()
    # The URL a storage reports is absolute, so another process opens the same file from anywhere.
    assert relative.url == f"journal:///{tmp_path / 'rel.log'}"
    assert absolute.url == f"journal:///{tmp_path / 'abs.log'}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("journal://x.log", "must start with 'journal:///'"),
        ("journal:///", "names no file"),
        ("journal:///x.log?colour=red", r"unknown option\(s\) \['colour'\]"),
        ("journal:///x.log?fsync=maybe", "bad option value"),
        ("journal:///x.log?lock=flock", "bad option value"),
        ("journal:///x.log?stale_after=-1", "bad option value"),
        ("journal:////nonexistent/dir/x.log", "the folder '/nonexistent/dir' does not exist"),
    ],
)
def test_bad_urls(url, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StorageError, match=expected):
        get_storage(url)


def test_options_round_trip_through_the_url(tmp_path):
    storage = get_storage(f"journal:///{tmp_path / 'o.log'}?lock=file&fsync=0&stale_after=5")
    assert storage.url == f"journal:///{tmp_path / 'o.log'}?lock=file&fsync=0&stale_after=5"
    again = pickle.loads(pickle.dumps(storage))
    assert (again._lock_mode, again._fsync, again._stale_after) == ("file", False, 5.0)


def test_reading_never_creates_a_journal(tmp_path):
    url = f"journal:///{tmp_path / 'missing.log'}"
    with pytest.raises(StorageError, match="there is no file"):
        hs.load_study("s", url)
    with pytest.raises(StorageError, match="there is no file"):
        hs.get_all_study_names(url)
    assert list(tmp_path.iterdir()) == []


def test_a_foreign_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.log"
    path.write_bytes(b"my notes\nnot a journal\n")
    with pytest.raises(StorageError, match="not a hyperscout journal"):
        JournalFileStorage(path)
    assert path.read_bytes() == b"my notes\nnot a journal\n"


def test_a_newer_format_is_refused(tmp_path):
    path = tmp_path / "new.log"
    JournalFileStorage(path)
    header = _lines(path)[0]
    assert header == {"op": "header", "format": "hyperscout-journal", "version": 1, "lock": "fcntl"}
    path.write_text(json.dumps({**header, "version": 2}) + "\n")
    with pytest.raises(StorageError, match="newer hyperscout"):
        JournalFileStorage(path)


def test_every_process_uses_the_journals_lock_mode(tmp_path):
    path = tmp_path / "j.log"
    JournalFileStorage(path, lock="file")
    with pytest.raises(StorageError, match="uses lock='file', not 'fcntl'"):
        JournalFileStorage(path, lock="fcntl")
    assert JournalFileStorage(path)._lock_mode == "file"  # no lock= given: the journal's own mode


def test_an_unknown_record_is_an_error_not_silence(tmp_path):
    path = tmp_path / "j.log"
    JournalFileStorage(path)
    with path.open("a") as f:
        f.write('{"op":"rename","id":1}\n')
    with pytest.raises(StorageError, match="'rename'.*newer hyperscout"):
        JournalFileStorage(path)


# -- the log on disk -----------------------------------------------------------------------------------


def test_one_line_per_append_and_json_only(tmp_path):
    path = tmp_path / "j.log"
    storage = JournalFileStorage(path)
    info = storage.create_study("s", ["minimize"], 3)
    storage.append(info.id, [_ev(0, claim="trial/0"), _ev(1)])
    storage.append(info.id, [Event("attr", 0, {"key": "k", "value": [1, "ü"]})])
    records = _lines(path)
    assert [r["op"] for r in records] == ["header", "study", "append", "append"]
    assert records[2]["events"] == [
        ["report", 0, {"step": 0, "value": 0.0}, "trial/0"],
        ["report", 0, {"step": 1, "value": 0.5}, None],
    ]
    assert path.read_bytes().isascii()


def test_a_torn_last_line_is_ignored_then_overwritten(tmp_path):
    path = tmp_path / "j.log"
    writer = JournalFileStorage(path)
    info = writer.create_study("s", ["minimize"], 0)
    writer.append(info.id, [_ev(0)])
    reader = JournalFileStorage(path)
    good = path.stat().st_size
    with path.open("ab") as f:  # what a writer killed mid-line leaves behind
        f.write(b'{"op":"append","sid":1,"events":[["report",0,{"st')
    assert _steps(reader, info.id) == [0]
    assert _steps(JournalFileStorage(path), info.id) == [0]
    writer.append(info.id, [_ev(1)])
    # The torn bytes are gone, the new record sits where they were, and every reader agrees.
    rest = path.read_bytes()[good:]
    assert rest.count(b"\n") == 1 and rest.endswith(b"\n")
    assert json.loads(rest)["events"][0][2] == {"step": 1, "value": 0.5}
    assert _steps(reader, info.id) == [0, 1]
    assert _steps(JournalFileStorage(path), info.id) == [0, 1]
    assert [r["op"] for r in _lines(path)] == ["header", "study", "append", "append"]


def test_a_writer_killed_inside_the_lock_blocks_nobody(tmp_path):
    path = tmp_path / "j.log"
    storage = JournalFileStorage(path)
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0)])
    script = textwrap.dedent(
        """
        import os, signal, sys
        from hyperscout.storages import JournalFileStorage
        storage = JournalFileStorage(sys.argv[1])
        with storage._locked():
            with open(sys.argv[1], "ab") as f:
                f.write(b'{"op":"append","sid":1,"events":[["rep')
                f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    assert path.read_bytes().endswith(b'["rep')
    # The kernel released the dead writer's lock: it can be taken at once.
    fd = os.open(str(path) + ".lock", os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    storage.append(info.id, [_ev(1)])
    assert _steps(JournalFileStorage(path), info.id) == [0, 1]


def test_an_unreadable_line_is_skipped_by_every_reader(tmp_path):
    path = tmp_path / "j.log"
    writer = JournalFileStorage(path)
    info = writer.create_study("s", ["minimize"], 0)
    writer.append(info.id, [_ev(0)])
    with path.open("ab") as f:
        f.write(b"\x00\x00\x00garbage\n")  # e.g. the hole a crashed NFS client can leave
    with pytest.warns(UserWarning, match="skipping an unreadable line"):
        writer.append(info.id, [_ev(1)])
    with pytest.warns(UserWarning, match="skipping an unreadable line"):
        assert _steps(JournalFileStorage(path), info.id) == [0, 1]


def test_a_conflicting_append_is_replayed_as_refused(tmp_path):
    # Only writers that did not exclude each other can write this; readers must still agree.
    path = tmp_path / "j.log"
    storage = JournalFileStorage(path)
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0, claim="trial/0")])
    with path.open("a") as f:
        f.write(json.dumps({"op": "append", "sid": 1, "events": [["report", 0, {"step": 1}, "trial/0"]]}) + "\n")
    with pytest.warns(UserWarning, match="conflicting append"):
        assert _steps(JournalFileStorage(path), info.id) == [0]
    with pytest.raises(ClaimTaken), pytest.warns(UserWarning, match="conflicting append"):
        storage.append(info.id, [_ev(2, claim="trial/0")])


def test_reads_are_incremental_by_byte_offset(tmp_path, monkeypatch):
    path = tmp_path / "j.log"
    writer = JournalFileStorage(path)
    info = writer.create_study("s", ["minimize"], 0)
    writer.append(info.id, [_ev(i) for i in range(500)])
    reader = JournalFileStorage(path)
    sizes: list[int] = []
    real = _journal._pread_all
    monkeypatch.setattr(_journal, "_pread_all", lambda fd, n, off: sizes.append(n) or real(fd, n, off))
    assert reader.read(info.id, 500) == []
    assert sizes == []  # nothing new: not a byte read
    before = path.stat().st_size
    writer.append(info.id, [_ev(500)])
    assert [pos for pos, _ in reader.read(info.id, 500)] == [501]
    assert sizes == [path.stat().st_size - before]


def test_deleted_studies_stay_in_the_file_but_not_in_the_view(tmp_path):
    path = tmp_path / "j.log"
    storage = JournalFileStorage(path)
    old = storage.create_study("s", ["minimize"], 0)
    storage.append(old.id, [_ev(0, claim="trial/0")])
    storage.delete_study("s")
    new = storage.create_study("s", ["minimize"], 0)
    assert new.id != old.id
    reopened = JournalFileStorage(path)
    assert reopened.list_studies() == [new]
    assert reopened.read(new.id, 0) == []
    assert [r["op"] for r in _lines(path)] == ["header", "study", "append", "delete", "study"]


# -- heartbeats -------------------------------------------------------------------------------------------


def test_heartbeats_are_one_small_file_per_running_trial(tmp_path):
    path = tmp_path / "j.log"
    storage = JournalFileStorage(path)
    info = storage.create_study("s", ["minimize"], 0)
    beats_dir = tmp_path / "j.log.beats"
    for _ in range(3):
        storage.beat(info.id, 0, storage.now())
    storage.beat(info.id, 1, 5.0)
    assert sorted(p.name for p in beats_dir.iterdir() if p.name != "clock") == ["1-0", "1-1"]
    storage.append(info.id, [Event("finish", 0, {"state": "complete", "values": [1.0], "t": 1.0}, "finish/0")])
    assert sorted(p.name for p in beats_dir.iterdir() if p.name != "clock") == ["1-1"]
    # A beat that lands after its trial's finish is ignored and tidied away.
    storage.beat(info.id, 0, 9.0)
    assert storage.beats(info.id) == {1: 5.0}
    assert not (beats_dir / "1-0").exists()
    storage.delete_study("s")
    assert [p.name for p in beats_dir.iterdir()] == ["clock"]


def test_a_silent_remote_worker_is_reaped(tmp_path):
    url = f"journal:///{tmp_path / 'j.log'}"
    study = hs.create_study("s", url, seed=0)
    storage = study._lifecycle.storage
    sid = study._lifecycle.view.info.id
    for n, worker in enumerate(["elsewhere/1/1", "elsewhere/2/1"]):
        data = {"number": n, "state": "running", "t": storage.now() - 10, "worker": worker,
                "system_attrs": {"hb": 0.05}}  # fmt: skip
        storage.append(sid, [Event("create", n, data, claim=f"trial/{n}")])
    storage.beat(sid, 1, storage.now() + 60)  # worker 2 keeps beating; worker 1 fell silent 10 s ago
    reaped = hs.load_study("s", url)._lifecycle.reap()
    trials = hs.load_study("s", url).trials
    assert reaped == [0]
    assert trials[0].state is hs.TrialState.FAIL and "no heartbeat" in trials[0].error
    assert trials[1].state is hs.TrialState.RUNNING


# -- lock modes -------------------------------------------------------------------------------------------


def test_lock_file_mode_breaks_a_dead_writers_lock(tmp_path):
    path = tmp_path / "j.log"
    storage = JournalFileStorage(path, lock="file", stale_after=0.3)
    info = storage.create_study("s", ["minimize"], 0)
    (tmp_path / "j.log.lck").write_text("otherhost/123/abc")  # left by a writer that died
    start = time.monotonic()
    with pytest.warns(UserWarning, match="broke the journal lock"):
        storage.append(info.id, [_ev(0)])
    assert time.monotonic() - start >= 0.3
    assert not (tmp_path / "j.log.lck").exists()
    assert _steps(storage, info.id) == [0]


def test_lock_file_mode_excludes_threads_and_storages(tmp_path):
    path = tmp_path / "j.log"
    stores = [JournalFileStorage(path, lock="file"), JournalFileStorage(path, lock="file")]
    info = stores[0].create_study("s", ["minimize"], 0)
    wins: list[int] = []

    def worker(w: int) -> None:
        for i in range(20):
            stores[w % 2].append(info.id, [_ev(w * 100 + i)])
            try:
                stores[w % 2].append(info.id, [_ev(i, claim=f"c{i}")])
                wins.append(i)
            except ClaimTaken:
                pass

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == list(range(20))
    assert [pos for pos, _ in stores[1].read(info.id, 0)] == list(range(1, 101))
    assert not (tmp_path / "j.log.lck").exists()


def test_a_forked_child_replays_afresh_even_if_a_thread_held_the_state(tmp_path):
    path = tmp_path / "j.log"
    storage = JournalFileStorage(path)
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_ev(0)])
    held, release = threading.Event(), threading.Event()

    def hold() -> None:  # e.g. the heartbeat thread, halfway through a read when the fork happens
        with storage._state:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    pid = os.fork()
    if pid == 0:  # the child: must neither deadlock nor see events twice
        code = 1
        try:
            storage.append(info.id, [_ev(1)])
            code = 0 if _steps(storage, info.id) == [0, 1] else 2
        finally:
            os._exit(code)
    release.set()
    thread.join()
    deadline = time.monotonic() + 120
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child deadlocked")
    assert os.waitstatus_to_exitcode(done[1]) == 0
    assert _steps(storage, info.id) == [0, 1]


def test_a_folder_is_not_a_journal(tmp_path):
    (tmp_path / "dir.log").mkdir()
    with pytest.raises(StorageError, match="cannot read journal"):
        JournalFileStorage(tmp_path / "dir.log")
