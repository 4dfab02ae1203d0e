"""SQL storage on SQLite files that are not simply hyperscout's own: another application's, empty, read-only."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import hyperscout as hs
from hyperscout.cli import main


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def foreign(tmp_path: Path) -> Path:
    """Another application's SQLite file, in the default (rollback journal) mode."""
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO users VALUES (1, 'ada')")
    conn.close()
    return path


def test_another_applications_file_is_refused_and_left_as_it_is(
    foreign: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{foreign}"
    before = _digest(foreign)
    for attempt in (
        lambda: hs.get_all_study_names(url),
        lambda: hs.load_study("s", url),
        lambda: hs.create_study("s", url),
        lambda: hs.storages.SQLStorage(url),
    ):
        with pytest.raises(hs.StorageError, match="another application's SQLite database .*users"):
            attempt()
    assert main(["studies", "--storage", url]) == 2
    assert "another application's SQLite database" in capsys.readouterr().err
    assert _digest(foreign) == before
    assert sorted(p.name for p in foreign.parent.iterdir()) == ["app.db"]  # no -wal or -shm either
    with sqlite3.connect(foreign) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert (tables, conn.execute("PRAGMA journal_mode").fetchone()[0]) == (["users"], "delete")
    conn.close()


def test_read_only_commands_write_nothing_into_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    url = f"sqlite:///{path}"
    assert hs.get_all_study_names(url) == []
    with pytest.raises(KeyError):
        hs.load_study("s", url)
    assert main(["studies", "--storage", url]) == 0
    assert path.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
    # Creating a study there is a write, and makes the file hyperscout's.
    hs.create_study("s", url).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert hs.get_all_study_names(url) == ["s"]


_READER = textwrap.dedent(
    """
    import sys
    import hyperscout as hs
    from hyperscout.cli import main

    url = sys.argv[1]
    print(hs.get_all_study_names(url), len(hs.load_study("s", url).trials))
    try:
        hs.load_study("s", url).optimize(lambda t: 1.0, n_trials=1)
    except hs.StorageError as e:
        print("refused:", e)
    sys.exit(main(["studies", "--storage", url]))
    """
)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can read (pytest's tmp_path is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="hyperscout-ro-"))
    try:
        yield folder
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_read_only_file_in_a_read_only_folder_can_still_be_read(shared_folder: Path) -> None:
    path = shared_folder / "hs.db"
    url = f"sqlite:///{path}"
    hs.create_study("s", url).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    os.chmod(path, 0o444)
    os.chmod(shared_folder, 0o555)
    before = _digest(path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    prefix: list[str] = []
    if os.geteuid() == 0:  # root writes whatever the modes say: read as another user
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root, and no setpriv to read the file as another user")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        probe = subprocess.run([*prefix, sys.executable, "-c", "import hyperscout"], env=env, capture_output=True)
        if probe.returncode != 0:
            pytest.skip(f"cannot run Python as user 65534 here: {probe.stderr.decode()[-300:]}")
    out = subprocess.run(
        [*prefix, sys.executable, "-c", _READER, url], env=env, capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "['s'] 2"
    assert lines[1].startswith("refused:") and "read-only" in lines[1]
    assert lines[2].split()[:3] == ["name", "direction", "trials"] and lines[3].split()[:3] == ["s", "minimize", "2"]
    assert _digest(path) == before and stat.S_IMODE(path.stat().st_mode) == 0o444
