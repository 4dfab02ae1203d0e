"""The ``hyperscout`` command line, in-process through ``main`` and end to end as a subprocess."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hyperscout as hs
from hyperscout.cli import main

PY = sys.executable
# Prints its argument first, so that reading "the last number" is what gives (x - 2) ** 2.
QUADRATIC = "import sys; x = float(sys.argv[1]); print('x is', x); print((x - 2) ** 2)"
# Odd x fails with a message on stderr; even x prints 10 * x.
ODD_FAILS = "import sys\nx = int(sys.argv[1])\nif x % 2:\n    sys.exit('boom: odd x=%d' % x)\nprint(x * 10)"
X_RANGE = '{"x": {"low": -5.0, "high": 5.0}}'


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test works in its own folder, so the default hyperscout.db is a fresh file there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPERSCOUT_STORAGE", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))  # --function puts the cwd on sys.path
    return tmp_path


DB = "sqlite:///hyperscout.db"


def run_quadratic(study: str, n: int, *extra: str) -> int:
    return main(["run", "--study", study, "--space", X_RANGE, "--n-trials", str(n), "-q", *extra,
                 "--", PY, "-c", QUADRATIC, "{x}"])  # fmt: skip


def trials(study: str, storage: str = DB) -> list[hs.FrozenTrial]:
    return hs.load_study(study, storage).trials


# -- run: commands ----------------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"hyperscout {hs.__version__}"


def test_run_a_command_records_the_value_it_prints(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_quadratic("quad", 6, "--seed", "1") == 0
    assert (in_tmp / "hyperscout.db").exists()  # the default storage is a file in the current folder
    ts = trials("quad")
    assert [t.number for t in ts] == list(range(6))
    assert all(t.state is hs.TrialState.COMPLETE for t in ts)
    for t in ts:
        assert -5.0 <= t.params["x"] <= 5.0
        assert t.value == pytest.approx((t.params["x"] - 2) ** 2, rel=1e-12)
    assert len({t.params["x"] for t in ts}) == 6
    out = capsys.readouterr().out
    best = min(ts, key=lambda t: t.value or 0.0)
    assert "study 'quad': ran 6 trial(s) (6 complete), 6 in total" in out
    assert f"best value: {best.value!r} (trial {best.number})" in out
    assert f"  x: {best.params['x']!r}" in out


def test_rerunning_resumes_the_study(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_quadratic("resume", 3) == 0
    assert run_quadratic("resume", 4) == 0
    ts = trials("resume")
    assert [t.number for t in ts] == list(range(7))
    assert all(t.state is hs.TrialState.COMPLETE for t in ts)
    assert "ran 4 trial(s) (4 complete), 7 in total" in capsys.readouterr().out


def test_failing_commands_give_fail_trials_with_the_stderr_text(capsys: pytest.CaptureFixture[str]) -> None:
    # The grid runs x = 1, 2, 3, 4 in order, so the failures are not the first three trials; each
    # failed point is retried once after the rest of the grid (GridSampler's retry_failed=1).
    rc = main(["run", "--study", "odd", "--space", '{"x": [1, 2, 3, 4]}', "--sampler", "grid", "-q",
               "--", PY, "-c", ODD_FAILS, "{x}"])  # fmt: skip
    assert rc == 0
    ts = trials("odd")
    assert [(t.params["x"], t.state.value, t.value) for t in ts] == [
        (1, "fail", None), (2, "complete", 20.0), (3, "fail", None), (4, "complete", 40.0),
        (1, "fail", None), (3, "fail", None),
    ]  # fmt: skip
    assert "command exited with code 1" in (ts[0].error or "")
    assert "boom: odd x=1" in (ts[0].error or "")
    assert "boom: odd x=3" in (ts[2].error or "")
    assert "ran 6 trial(s) (2 complete, 4 fail)" in capsys.readouterr().out


def test_a_command_that_always_fails_stops_after_three_trials(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["run", "--study", "broken", "--space", '{"x": [1, 3]}', "--n-trials", "10", "-q",
               "--", PY, "-c", ODD_FAILS, "{x}"])  # fmt: skip
    assert rc == 1
    ts = trials("broken")
    assert len(ts) == 3 and all(t.state is hs.TrialState.FAIL for t in ts)
    err = capsys.readouterr().err
    assert "hyperscout: error: the first 3 trials all failed, so the run stopped." in err
    assert "boom: odd x=" in err
    assert "Traceback" not in err


def test_json_lines_are_parsed_with_metric_and_extra_keys_kept() -> None:
    prog = (
        "import json, sys\nx = float(sys.argv[1])\nprint('epoch 1 loss 123')\n"
        "print(json.dumps({'loss': abs(x), 'acc': x + 1}))\nprint('done in 3 s')"
    )
    rc = main(["run", "--study", "js", "--space", '{"x": [-1.5, 0.5, 2.0]}', "--sampler", "grid",
               "--metric", "loss", "-q", "--", PY, "-c", prog, "{x}"])  # fmt: skip
    assert rc == 0
    ts = trials("js")
    assert [(t.params["x"], t.value, t.user_attrs) for t in ts] == [
        (-1.5, 1.5, {"acc": -0.5}), (0.5, 0.5, {"acc": 1.5}), (2.0, 2.0, {"acc": 3.0}),
    ]  # fmt: skip


def test_format_specs_env_params_and_maximize(capsys: pytest.CaptureFixture[str]) -> None:
    # {n:03d} reaches argv formatted; "mode" has no placeholder and is read from $HYPERSCOUT_PARAMS.
    prog = (
        "import json, os, sys\np = json.loads(os.environ['HYPERSCOUT_PARAMS'])\n"
        "assert sys.argv[1] == '%03d' % p['n'], sys.argv\n"
        "print(p['n'] * (2 if p['mode'] == 'double' else 1) + int(os.environ['HYPERSCOUT_TRIAL_NUMBER']) * 0)"
    )
    rc = main(["run", "--study", "mx", "--direction", "maximize", "--sampler", "grid",
               "--space", '{"n": {"low": 1, "high": 3}, "mode": ["single", "double"]}',
               "--", PY, "-c", prog, "{n:03d}"])  # fmt: skip
    assert rc == 0
    ts = trials("mx")
    assert len(ts) == 6 and all(t.state is hs.TrialState.COMPLETE for t in ts)
    assert {(t.params["n"], t.params["mode"], t.value) for t in ts} == {
        (n, m, float(n * (2 if m == "double" else 1))) for n in (1, 2, 3) for m in ("single", "double")
    }
    captured = capsys.readouterr()
    assert "best value: 6.0" in captured.out and "mode: double" in captured.out
    assert "no placeholder for mode" in captured.err  # not --quiet: the warning is shown


def test_grid_runs_every_point_once_and_a_rerun_adds_none(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["run", "--study", "g", "--sampler", "grid", "-q",
            "--space", '{"x": [0, 2, 4], "y": {"low": 0.0, "high": 1.0, "step": 0.5}}',
            "--", PY, "-c", "import sys; print(float(sys.argv[1]) + float(sys.argv[2]))", "{x}", "{y}"]  # fmt: skip
    assert main(args) == 0
    assert main(args) == 0
    ts = trials("g")
    assert sorted((t.params["x"], t.params["y"]) for t in ts) == [(x, y) for x in (0, 2, 4) for y in (0.0, 0.5, 1.0)]
    assert all(t.value == t.params["x"] + t.params["y"] for t in ts)
    assert "ran 0 trial(s), 9 in total" in capsys.readouterr().out


@pytest.mark.parametrize("sampler", ["qmc", "random"])
def test_named_samplers_with_a_seed_are_reproducible(sampler: str) -> None:
    assert run_quadratic("a", 4, "--sampler", sampler, "--seed", "5") == 0
    assert run_quadratic("b", 4, "--sampler", sampler, "--seed", "5") == 0
    xs = [t.params["x"] for t in trials("a")]
    assert xs == [t.params["x"] for t in trials("b")]
    assert len(set(xs)) == 4 and all(t.state is hs.TrialState.COMPLETE for t in trials("a"))


def test_trial_timeout_kills_the_command_and_its_children() -> None:
    # The child starts a grandchild that keeps the output pipes open: both must die at the timeout.
    prog = (
        "import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
        "print('started', flush=True)\nsys.stderr.write('still working\\n'); sys.stderr.flush()\ntime.sleep(30)"
    )
    start = time.monotonic()
    rc = main(["run", "--study", "slow", "--space", '{"x": [1]}', "--n-trials", "1", "--trial-timeout", "0.5",
               "-q", "--", PY, "-c", prog, "{x}"])  # fmt: skip
    assert time.monotonic() - start < 25  # not the grandchild's 30 s: it was killed too
    assert rc == 1  # the only trial failed
    (t,) = trials("slow")
    assert t.state is hs.TrialState.FAIL
    assert "timed out after 0.5 s" in (t.error or "") and "still working" in (t.error or "")


def test_the_progress_bar_does_not_break_a_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--study", "bar", "--space", X_RANGE, "--n-trials", "2",
                 "--", PY, "-c", QUADRATIC, "{x}"]) == 0  # fmt: skip
    assert "2/2" in capsys.readouterr().err


# -- run: Python functions --------------------------------------------------------------------------


def test_run_a_function(in_tmp: Path) -> None:
    (in_tmp / "objs_quad.py").write_text(
        "def quad(trial):\n    x = trial.suggest_float('x', -5, 5)\n    return (x - 2) ** 2\n"
    )
    assert main(["run", "--study", "fn", "--function", "objs_quad:quad", "--n-trials", "5", "--seed", "3", "-q"]) == 0
    ts = trials("fn")
    assert len(ts) == 5
    assert all(t.value == pytest.approx((t.params["x"] - 2) ** 2) for t in ts)


def test_a_function_with_space_and_a_file_path(in_tmp: Path) -> None:
    (in_tmp / "objs_space.py").write_text("def f(trial):\n    return trial.params['a'] * 10\n")
    rc = main(["run", "--study", "fs", "--function", "objs_space.py:f", "--space", '{"a": [1, 2, 3]}',
               "--sampler", "grid", "--direction", "maximize", "-q"])  # fmt: skip
    assert rc == 0
    assert sorted(t.value or 0 for t in trials("fs")) == [10.0, 20.0, 30.0]
    assert hs.load_study("fs", DB).best_params == {"a": 3}


def test_a_function_that_always_raises_shows_its_traceback(in_tmp: Path, capsys) -> None:
    (in_tmp / "objs_bad.py").write_text("def bad(trial):\n    return 1 / 0\n")
    assert main(["run", "--study", "fb", "--function", "objs_bad:bad", "--n-trials", "5", "-q"]) == 1
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "objs_bad.py" in err
    assert "hyperscout: error: the first 3 trials all raised" in err
    assert [t.state for t in trials("fb")] == [hs.TrialState.FAIL] * 3


def test_ctrl_c_records_the_trial_and_exits_130(in_tmp: Path, capsys) -> None:
    (in_tmp / "objs_int.py").write_text("def f(trial):\n    raise KeyboardInterrupt\n")
    assert main(["run", "--study", "ki", "--function", "objs_int:f", "--n-trials", "5", "-q"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert [t.state for t in trials("ki")] == [hs.TrialState.FAIL]


# -- studies, best, trials, delete ------------------------------------------------------------------


@pytest.fixture
def two_studies(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_quadratic("quad", 4, "--seed", "0") == 0
    # Three trials: one pass over the grid, before the failed points' retries.
    main(["run", "--study", "odd", "--space", '{"x": [1, 2, 3]}', "--sampler", "grid", "--direction", "maximize",
          "--n-trials", "3", "-q", "--", PY, "-c", ODD_FAILS, "{x}"])  # fmt: skip
    capsys.readouterr()


def test_studies_lists_counts_and_best(two_studies: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["studies"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "direction", "trials", "complete", "pruned", "fail", "running", "best"]
    quad_best = hs.load_study("quad", DB).best_value
    assert lines[1].split() == ["quad", "minimize", "4", "4", "0", "0", "0", f"{quad_best:.6g}"]
    assert lines[2].split() == ["odd", "maximize", "3", "1", "0", "2", "0", "20"]

    assert main(["studies", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["quad", "odd"]
    assert rows[1]["states"] == {"complete": 1, "pruned": 0, "fail": 2, "running": 0, "waiting": 0}
    assert rows[0]["best_value"] == quad_best and rows[1]["best_value"] == 20.0


def test_studies_in_an_empty_folder_creates_no_database(in_tmp: Path, capsys) -> None:
    assert main(["studies"]) == 0
    assert "no studies" in capsys.readouterr().out
    assert not (in_tmp / "hyperscout.db").exists()


def test_best_text_and_json(two_studies: None, capsys: pytest.CaptureFixture[str]) -> None:
    best = hs.load_study("quad", DB).best_trial
    assert main(["best", "quad"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"best value: {best.value!r} (trial {best.number})",
        "best parameters:",
        f"  x: {best.params['x']!r}",
    ]
    assert main(["best", "odd", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["number"], data["values"], data["params"], data["state"]) == (1, [20.0], {"x": 2}, "complete")


def test_best_without_a_complete_trial(capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", "--study", "none", "--space", '{"x": [1]}', "--n-trials", "1", "-q", "--", PY, "-c", ODD_FAILS, "{x}"])
    capsys.readouterr()
    assert main(["best", "none"]) == 1
    assert "no complete trial yet" in capsys.readouterr().out


def test_trials_csv(two_studies: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trials", "odd", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == ["number", "state", "value", "params_x", "duration", "error"]
    assert [(r["number"], r["state"], r["value"], r["params_x"]) for r in rows] == [
        ("0", "fail", "", "1"), ("1", "complete", "20.0", "2"), ("2", "fail", "", "3"),
    ]  # fmt: skip
    assert "boom: odd x=3" in rows[2]["error"] and rows[1]["error"] == ""
    assert all(0 < float(r["duration"]) < 30 for r in rows)


def test_trials_json_and_table(two_studies: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trials", "quad", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ts = trials("quad")
    assert [(d["number"], d["state"], d["values"], d["params"]) for d in data] == [
        (t.number, "complete", list(t.values or ()), dict(t.params)) for t in ts
    ]
    assert main(["trials", "odd"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["number", "state", "value", "params_x", "duration", "error"]
    assert len(lines) == 4
    assert lines[1].split()[:3] == ["0", "fail", "1"] and lines[1].endswith("boom: odd x=1")
    assert lines[2].split()[:4] == ["1", "complete", "20", "2"]


def test_delete_needs_yes(two_studies: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["delete", "odd"]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert main(["delete", "odd", "--yes"]) == 0
    assert "deleted study 'odd' (3 trials)" in capsys.readouterr().out
    assert hs.get_all_study_names(DB) == ["quad"]


def test_an_explicit_storage_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'other.db'}"
    (tmp_path / "sub").mkdir()
    assert run_quadratic("s", 2, "--storage", url) == 0
    assert len(trials("s", url)) == 2
    assert not (tmp_path / "hyperscout.db").exists()


# -- user errors: one line on stderr, exit code 2 ----------------------------------------------------


@pytest.fixture
def quick_studies() -> None:
    """The two study names and directions of ``two_studies``, made directly (no commands to run)."""
    for name, direction in [("quad", "minimize"), ("odd", "maximize")]:
        study = hs.create_study(name, DB, direction=direction)
        study.tell(study.ask({"x": hs.Int(1, 3)}), 1.0)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["best", "nope"], "no study named 'nope' in sqlite:///hyperscout.db; available studies: 'quad', 'odd'"),
        (["trials", "nope"], "available studies: 'quad', 'odd'"),
        (["delete", "nope", "--yes"], "no study named 'nope'"),
        (["studies", "--storage", "foo.db"], "storage 'foo.db' is not a URL; write e.g. 'sqlite:///foo.db'"),
        (["best", "quad", "--storage", "nosuchdb://x"], "unsupported database"),
        (
            ["run", "--study", "z", "--space", '{"x": {"low": 1}}', "--n-trials", "1", "--", "echo", "{x}"],
            '--space: parameter \'x\': a range needs both "low" and "high"',
        ),
        (["run", "--study", "z", "--space", "{oops", "--n-trials", "1", "--", "echo"], "--space is not valid JSON"),
        (["run", "--study", "z", "--n-trials", "1", "--", "echo", "{x}"], "needs --space"),
        (["run", "--study", "z", "--space", '{"x": [1]}', "--", "echo", "{x}"], "--n-trials N and/or --timeout"),
        (
            ["run", "--study", "z", "--space", '{"x": [1]}', "--n-trials", "1", "--", "no-such-program-xyz"],
            "command not found: 'no-such-program-xyz'",
        ),
        (["run", "--study", "z", "--n-trials", "1"], "nothing to tune"),
        (["run", "--study", "z", "--n-trials", "1", "--function", "m:f", "--", "echo"], "not both"),
        (["run", "--study", "z", "--n-trials", "1", "--function", "no_such_module_xyz:f"], "no module named"),
        (["run", "--study", "z", "--n-trials", "1", "--function", "justaname"], "MODULE:FUNCTION"),
        (
            ["run", "--study", "z", "--sampler", "grid", "--space", X_RANGE, "--", "echo", "{x}"],
            "--sampler grid: parameter 'x': a grid needs finite values",
        ),
        (
            ["run", "--study", "quad", "--direction", "maximize", "--space", X_RANGE, "--n-trials", "1", "--", "echo"],
            "exists with directions ['minimize'], not ['maximize']",
        ),
        (
            ["run", "--study", "z", "--n-trials", "0", "--space", X_RANGE, "--", "echo"],
            "--n-trials: must be at least 1",
        ),
        (["run", "--space", X_RANGE, "--n-trials", "1", "--", "echo"], "required: --study"),
        (["studies", "--", "echo"], "takes no command after --"),
        (
            ["run", "--study", "z", "--sampler", "nope", "--n-trials", "1", "--space", X_RANGE, "--", "echo"],
            "--sampler: unknown sampler 'nope'",
        ),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_user_errors_exit_2_with_a_message(
    quick_studies: None, argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "hyperscout: error: " in err
    assert expected in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "command", [["studies"], ["best", "s"], ["trials", "s"], ["delete", "s", "--yes"], ["report", "s"]]
)
def test_read_only_commands_never_create_a_missing_journal(in_tmp: Path, capsys, command: list[str]) -> None:
    assert main([*command, "--storage", "journal:///missing.log"]) == 2
    assert "missing.log" in capsys.readouterr().err
    assert not (in_tmp / "missing.log").exists()


def test_a_study_in_a_missing_sqlite_file(in_tmp: Path, capsys) -> None:
    assert main(["best", "s", "--storage", "sqlite:///missing.db"]) == 2
    assert "the storage sqlite:///missing.db does not exist" in capsys.readouterr().err
    assert not (in_tmp / "missing.db").exists()


# -- end to end: the real command in a subprocess ---------------------------------------------------


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "hyperscout.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )


def test_end_to_end_in_a_subprocess(in_tmp: Path) -> None:
    head = ["run", "--study", "e2e", "--space", X_RANGE, "--seed", "7"]
    command = ["--", PY, "-c", QUADRATIC, "{x}"]
    first = cli(*head, "--n-trials", "4", *command, cwd=in_tmp)
    assert first.returncode == 0, first.stderr
    assert "ran 4 trial(s) (4 complete), 4 in total" in first.stdout
    assert "4/4" in first.stderr  # the progress bar

    again = cli(*head, "--n-trials", "3", "--quiet", *command, cwd=in_tmp)
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    ts = hs.load_study("e2e", DB).trials
    assert [t.number for t in ts] == list(range(7))
    assert all(t.value == pytest.approx((t.params["x"] - 2) ** 2, rel=1e-12) for t in ts)

    out = cli("trials", "e2e", "--format", "csv", cwd=in_tmp)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [float(r["value"]) for r in rows] == [t.value for t in ts]

    bad = cli("best", "missing", cwd=in_tmp)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "hyperscout: error: no study named 'missing' in sqlite:///hyperscout.db; " + (
        "available studies: 'e2e'"
    )


def test_a_multi_objective_study_made_in_python(capsys: pytest.CaptureFixture[str]) -> None:
    study = hs.create_study("mo", DB, directions=["minimize", "maximize"])
    for x, values in [(1, (1.0, 1.0)), (2, (2.0, 3.0)), (3, (3.0, 2.0))]:
        study.enqueue({"x": x})
        trial = study.ask({"x": hs.Int(1, 3)})
        assert trial.params == {"x": x}
        study.tell(trial.number, values)
    assert main(["studies"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == ["mo", "minimize,maximize", "3", "3", "0", "0", "0", "-"]
    assert main(["best", "mo"]) == 0
    out = capsys.readouterr().out
    assert "2 trial(s) on the Pareto front (minimize, maximize):" in out
    assert "trial 0: values [1.0, 1.0]" in out and "trial 1: values [2.0, 3.0]" in out and "trial 2" not in out
    assert main(["trials", "mo", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["values_0"], r["values_1"]) for r in rows] == [("1.0", "1.0"), ("2.0", "3.0"), ("3.0", "2.0")]


# -- SIGTERM and SIGHUP: what timeout, systemd, Docker, Kubernetes and Slurm send ------------------


def _until(check: Callable[[], Any], what: str, timeout: float = 120.0) -> Any:
    """``check()`` once it is truthy; generous, for a loaded machine, and never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(0.05)


def _gone(pid: int) -> bool:
    """Whether ``pid`` no longer runs (a zombie left for init to collect counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def _running_trial(study: str) -> bool:
    try:
        ts = hs.load_study(study, DB).trials
    except Exception:  # the study or its file is not there yet
        return False
    return bool(ts) and ts[0].state is hs.TrialState.RUNNING


def _end_with(proc: subprocess.Popen[str], sig: int, pids: list[int], study: str) -> None:
    """Send ``sig`` to ``proc``; check its status, that its trial failed saying why, and that no child remains."""
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 128 + sig, err
        assert signal.Signals(sig).name in err
        (t,) = hs.load_study(study, DB).trials
        assert t.state is hs.TrialState.FAIL
        assert f"terminated by {signal.Signals(sig).name}" in (t.error or "")
        _until(lambda: all(_gone(p) for p in pids), "the trial's processes to end", timeout=30)
    finally:  # a failure leaves nothing running behind
        for pid in [proc.pid, *pids]:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_run_and_its_command_cleanly(in_tmp: Path, sig: int, default_signals: Callable[[], None]) -> None:
    # The command starts a grandchild: the whole process group must go.
    prog = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "open('pids.tmp', 'w').write(f'{os.getpid()} {child.pid}'); os.replace('pids.tmp', 'pids')\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [PY, "-m", "hyperscout.cli", "run", "--study", "sig", "--space", '{"x": [1]}', "--n-trials", "1", "-q",
         "--", PY, "-c", prog, "{x}"],
        cwd=in_tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_signals,
    )  # fmt: skip
    try:
        pids = _until(lambda: (in_tmp / "pids").exists() and (in_tmp / "pids").read_text().split(), "the command")
        _until(lambda: _running_trial("sig"), "the trial to be RUNNING in storage")
    except BaseException:
        proc.kill()
        raise
    _end_with(proc, sig, [int(p) for p in pids], "sig")


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigterm_ends_worker_and_its_isolated_trial_cleanly(in_tmp: Path, default_signals: Callable[[], None]) -> None:
    (in_tmp / "objs_slow.py").write_text(
        "import os, time\n"
        "def slow(trial):\n"
        "    trial.suggest_float('x', 0, 1)\n"
        "    open('pid.tmp', 'w').write(str(os.getpid())); os.replace('pid.tmp', 'pid')\n"
        "    time.sleep(600)\n"
        "    return 0.0\n"
    )
    hs.create_study("iso", DB)
    proc = subprocess.Popen(
        [PY, "-m", "hyperscout.cli", "worker", "iso", "--storage", DB, "--function", "objs_slow:slow",
         "--n-trials", "1", "--isolate", "-q"],
        cwd=in_tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_signals,
    )  # fmt: skip
    try:
        pid = _until(lambda: (in_tmp / "pid").exists() and (in_tmp / "pid").read_text(), "the isolated trial")
        _until(lambda: _running_trial("iso"), "the trial to be RUNNING in storage")
    except BaseException:
        proc.kill()
        raise
    assert int(pid) != proc.pid  # it did run in a process of its own
    _end_with(proc, signal.SIGTERM, [int(pid)], "iso")


# -- credentials are never printed -------------------------------------------------------------------

PLANTED = ("Pw1nUserInfo", "Pw2nQuery")
OBJECTIVE_PY = "def f(trial):\n    return trial.suggest_float('x', -5.0, 5.0)\n"


def _plant(url: str) -> str:
    """``url`` with one password in its user part and another in its query string."""
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{PLANTED[0]}@{host}{'&' if '?' in host else '?'}password={PLANTED[1]}"


def _every_command(study: str, quiet: str = "-q") -> list[list[str]]:
    return [
        ["studies"], ["studies", "--format", "json"],
        ["best", study], ["best", study, "--format", "json"],
        ["trials", study], ["trials", study, "--format", "csv"], ["trials", study, "--format", "json"],
        ["report", study, "-o", "r.html"],
        ["worker", study, "--function", "objective_mod:f", "--n-trials", "1", quiet],
        ["delete", study], ["dashboard", "--port", "0"],
    ]  # fmt: skip


@pytest.mark.parametrize("source", ["--storage", "HYPERSCOUT_STORAGE"])
def test_no_command_prints_a_password(
    source: str, make_storage_url, in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    url = _plant(make_storage_url("postgresql"))
    (in_tmp / "objective_mod.py").write_text(OBJECTIVE_PY)
    served: list[str] = []

    def fake_serve(storage: Any, host: str, port: int, *, label: str, **kw: Any) -> None:
        served.append(label)
        print(f"hyperscout dashboard of {label}")

    monkeypatch.setattr("hyperscout.dashboard.serve", fake_serve)
    if source == "HYPERSCOUT_STORAGE":
        monkeypatch.setenv("HYPERSCOUT_STORAGE", url)
        storage: list[str] = []
    else:
        storage = ["--storage", url]
    argvs = [
        ["studies"],  # on an empty database
        *[[*argv, "--help"] for argv in (["run"], ["worker"], ["best"], ["studies"], ["report"], ["dashboard"])],
        *_every_command("unknown"),
        ["run", "--study", "known", "--space", X_RANGE, "--n-trials", "2", "-q", *storage, "--", PY, "-c", QUADRATIC,
         "{x}"],
        *_every_command("known"),
        ["delete", "known", "--yes"],
    ]  # fmt: skip
    seen = []
    for argv in argvs:
        if argv[0] != "run":
            argv = [*argv, *storage]
        try:
            main(argv)
        except (Exception, SystemExit) as e:  # noqa: BLE001 - any exception's text counts too
            seen.append(f"{type(e).__name__}: {e}")
        captured = capsys.readouterr()
        seen.append(f"$ hyperscout {argv[0]} ...\n{captured.out}\n{captured.err}")
    text = "\n".join(seen)
    # The user part is masked, so are both passwords; the rest of the URL still says where.
    assert all(p not in text for p in PLANTED), text
    assert "no study named 'unknown'" in text and "127.0.0.1:5432" in text and "password=***" in text
    assert served and all("***" in label for label in served)
    assert "deleted study 'known'" in text


def test_api_messages_and_reprs_mask_passwords(make_storage_url) -> None:
    url = _plant(make_storage_url("postgresql"))
    storage = hs.storages.get_storage(url)
    texts = [repr(storage), str(storage), repr(hs.create_study("s", storage))]
    with pytest.raises(KeyError) as info:
        hs.load_study("unknown", url)
    texts.append(str(info.value))
    bad = [
        url.replace("/test?", "/no_such_database_xyz?"),  # the server refuses: the driver's message
        url.replace("postgresql+psycopg", "nosuchdb"),
        url.replace("://", ":"),
        f"journal:///x.log?password={PLANTED[1]}",
        f"sqlite:///{PLANTED[0]}/x.db?password={PLANTED[1]}".replace(PLANTED[0], "missing"),
    ]
    for u in bad:
        with pytest.raises((hs.StorageError, ValueError)) as err:
            hs.storages.get_storage(u)
        texts.append(str(err.value))
    text = "\n".join(texts)
    assert all(p not in text for p in PLANTED), text


# -- machine-readable output --------------------------------------------------------------------------


def _refuse(name: str) -> None:
    raise ValueError(f"not strict JSON: {name}")


def test_json_output_is_strict_json_with_nan_and_infinity_as_strings(capsys) -> None:
    study = hs.create_study("s", DB)
    trial = study.ask({"x": hs.Float(0, 1)})
    trial.set_user_attr("nan", math.nan)
    trial.set_user_attr("nested", {"inf": [math.inf, -math.inf, 1.5]})
    trial.report(math.nan, 0)
    study.tell(trial, 0.25)
    outputs = []
    for argv in (["trials", "s"], ["best", "s"], ["studies"]):
        argv = [*argv, "--format", "json"]
        assert main(argv) == 0
        outputs.append(json.loads(capsys.readouterr().out, parse_constant=_refuse))
    trial_json, best_json, _ = outputs
    for t in (trial_json[0], best_json):
        assert t["user_attrs"] == {"nan": "NaN", "nested": {"inf": ["Infinity", "-Infinity", 1.5]}}
        assert t["values"] == [0.25]
        assert [float(v) for v in t["user_attrs"]["nested"]["inf"][:2]] == [math.inf, -math.inf]  # reads back


def test_csv_cells_a_spreadsheet_would_run_are_escaped(capsys) -> None:
    study = hs.create_study("s", DB)
    hostile = ['=HYPERLINK("http://evil")', "+1+1", "-1+1", "@SUM(1)", "\tx", "-2.5", "+3", "plain", "1e-3", "\rx"]
    for i, text in enumerate(hostile):
        study.enqueue({"p": text})
        trial = study.ask()
        assert trial.suggest_categorical("p", hostile) == text
        if i % 2:
            study.tell(trial, state="fail", error=text)
        else:
            study.tell(trial, float(-i))
    assert main(["trials", "s", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out, newline="")))
    cells = [r["params_p"] for r in rows] + [r["error"] for r in rows]
    for cell in cells:
        assert not cell.startswith(("=", "@", "\t", "\r")), cell
        if cell.startswith(("+", "-")):
            float(cell)  # only numbers may start with a sign
    assert '\'=HYPERLINK("http://evil")' in cells and "'+1+1" in cells and "'-1+1" in cells and "'@SUM(1)" in cells
    assert "-2.5" in cells and "+3" in cells and "plain" in cells and "'\rx" in cells
    assert [r["value"] for r in rows][:3] == ["0.0", "", "-2.0"]  # numbers stay numbers


def test_a_refused_password_is_not_printed_either(make_storage_url, capsys) -> None:
    # MariaDB checks the password (the test server's root has none), so the driver's refusal is shown.
    url = _plant(make_storage_url("mariadb"))
    with pytest.raises(hs.StorageError) as info:
        hs.storages.get_storage(url)
    assert main(["studies", "--storage", url]) == 2
    text = str(info.value) + capsys.readouterr().err
    assert "***" in text and all(p not in text for p in PLANTED), text
