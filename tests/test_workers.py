"""``_workers``: a worker's identity, and when another process may call it dead."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import hyperscout as hs
from hyperscout import _workers
from hyperscout._workers import Identity, worker_alive, worker_id


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _like_me(**change: object) -> str:
    """This process's identity with some fields changed."""
    me = Identity.parse(worker_id())
    assert me is not None
    fields = {**me.__dict__, **change}
    return str(Identity(**fields))  # type: ignore[arg-type]


def test_the_identity_names_the_pid_namespace_and_boot_and_a_token_per_process() -> None:
    me = Identity.parse(worker_id())
    assert me is not None
    assert (me.host, me.pid) == (socket.gethostname(), os.getpid())
    if Path("/proc/self/ns/pid").exists():
        assert me.namespace == os.readlink("/proc/self/ns/pid").strip("pid:[]")
        assert me.boot != "-" and me.start != "-"
    assert len(me.token) == 8
    assert worker_id() == worker_id()  # drawn once per process


def test_a_dead_pid_is_dead_only_in_the_same_namespace_and_boot() -> None:
    pid = _dead_pid()
    if not Path("/proc/self/ns/pid").exists():
        pytest.skip("no /proc/self/ns/pid here: liveness is left to heartbeats")
    assert worker_alive(_like_me(pid=pid, token="x")) is False
    # The same pid in another pid namespace, or on another boot (or another machine of the same name):
    # this process cannot know, so heartbeats decide.
    assert worker_alive(_like_me(pid=pid, token="x", namespace="1")) is None
    assert worker_alive(_like_me(pid=pid, token="x", boot="0" * 16)) is None
    # A live pid with another start time is another process (the pid was reused): dead.
    assert worker_alive(_like_me(pid=os.getpid(), token="x", start="1")) is False
    assert worker_alive(_like_me(token="x")) is True


def test_identities_that_cannot_be_judged_are_left_to_heartbeats() -> None:
    assert worker_alive(f"{socket.gethostname()}/{_dead_pid()}/1") is None  # written by an older hyperscout
    assert worker_alive(f"elsewhere/{os.getpid()}/1/2/3/4") is None
    assert worker_alive("not an identity") is None
    assert worker_alive(worker_id()) is True


def test_without_proc_on_either_side_the_pid_decides_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    # macOS and the BSDs have neither /proc nor pid namespaces: host and pid still name a process.
    me = Identity(socket.gethostname(), os.getpid(), "-", "-", "-", "me")
    monkeypatch.setattr(_workers, "_SELF", (os.getpid(), me))
    assert worker_alive(str(Identity(me.host, _dead_pid(), "-", "-", "-", "x"))) is False
    assert worker_alive(str(Identity(me.host, os.getpid(), "-", "-", "-", "x"))) is True
    assert worker_alive(f"{me.host}/{_dead_pid()}/-") is None  # an older hyperscout's: heartbeats decide
    assert worker_alive(str(Identity(me.host, _dead_pid(), "1", "4026531836", "abc", "x"))) is None


def test_identity_parses_what_it_writes() -> None:
    ident = Identity("a/b", 7, "99", "4026531836", "abc", "tok")
    assert Identity.parse(str(ident)) == ident
    assert Identity.parse("box/42/977") == Identity("box", 42, "977")
    assert Identity.parse("box/x/977") is None


_WORKER = """
import sys, time, pathlib
import hyperscout as hs
folder = pathlib.Path(sys.argv[1])

def objective(trial):
    x = trial.suggest_float("x", 0, 1)
    (folder / "started").write_text("")
    deadline = time.monotonic() + 120
    while not (folder / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return 0.5

study = hs.load_study("s", sys.argv[2])
study.optimize(objective, n_trials=1, show_progress_bar=False)
"""


def _unshare() -> list[str] | None:
    """The command that runs a program in a new pid namespace here, or None where none works."""
    exe = shutil.which("unshare")
    if exe is None:
        return None
    # --mount-proc: the worker sees its own /proc, as in a container (its pid and start time are its own).
    for cmd in ([exe, "--pid", "--fork", "--mount-proc"], [exe, "-rp", "--fork", "--mount-proc"]):
        try:
            ok = subprocess.run([*cmd, "true"], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return cmd
    return None


def test_a_worker_in_another_pid_namespace_is_not_reaped_and_its_result_counts(tmp_path: Path) -> None:
    cmd = _unshare()
    if cmd is None:
        pytest.skip("unshare cannot make a pid namespace here (no unshare, or user namespaces are off)")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    hs.create_study("s", url)
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(_WORKER))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([*cmd, sys.executable, str(script), str(tmp_path), url], env=env)
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "started").exists():
            assert proc.poll() is None, "the worker in the new pid namespace ended early"
            assert time.monotonic() < deadline, "the worker never started its trial"
            time.sleep(0.05)
        # Its pid (small, inside its namespace) means another process here, or none: still alive.
        study = hs.load_study("s", url)
        assert study._lifecycle.reap() == []
        assert study.trials[0].state is hs.TrialState.RUNNING
        (tmp_path / "go").write_text("")
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    trial = hs.load_study("s", url).trials[0]
    assert (trial.state, trial.value) == (hs.TrialState.COMPLETE, 0.5)
