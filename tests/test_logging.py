"""``hyperscout.logging`` and the per-trial lines: one per recorded trial, in serial and parallel runs."""

from __future__ import annotations

import concurrent.futures as cf
import logging
import re
import sys
import types

import pytest

import hyperscout as hs
from hyperscout import _log
from hyperscout._progress import Progress


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture):
    """caplog sees hyperscout's records (the library logger does not propagate by default, as Optuna's)."""
    level = hs.logging.get_verbosity()
    hs.logging.enable_propagation()
    caplog.set_level(logging.INFO, logger="hyperscout")
    yield caplog
    hs.logging.disable_propagation()
    hs.logging.set_verbosity(level)


def _lines(caplog: pytest.LogCaptureFixture, level: int | None = None) -> list[str]:
    """The trial lines hyperscout logged (at ``level``), without the "A new study created" ones."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("hyperscout") and level in (None, r.levelno) and not r.getMessage().startswith("A new")
    ]


def test_creating_a_study_says_where(logs, tmp_path) -> None:
    hs.create_study(study_name="here")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    hs.create_study(study_name="there", storage=url)
    hs.create_study(study_name="there", storage=url)  # loaded, not created: no line
    created = [r.getMessage() for r in logs.records if r.getMessage().startswith("A new")]
    assert created == [
        "A new study created in memory with name: here",
        f"A new study created in hyperscout.storages.SQLStorage({url!r}) with name: there",
    ]


def quadratic(trial: hs.Trial) -> float:
    x = trial.suggest_int("x", -3, 3)
    if x == 3:
        raise ValueError("x is too big")
    return float(x * x)


def test_one_line_per_trial_with_value_parameters_and_best(logs) -> None:
    study = hs.create_study(sampler=hs.samplers.GridSampler({"x": [2, 1, 3, -2]}))
    study.optimize(quadratic, n_trials=4, show_progress_bar=False)
    info = _lines(logs, logging.INFO)
    warn = _lines(logs, logging.WARNING)
    assert info == [
        "Trial 0 finished with value: 4.0 and parameters: {'x': 2}. Best is trial 0 with value: 4.0.",
        "Trial 1 finished with value: 1.0 and parameters: {'x': 1}. Best is trial 1 with value: 1.0.",
        "Trial 3 finished with value: 4.0 and parameters: {'x': -2}. Best is trial 1 with value: 1.0.",
    ]
    assert warn == ["Trial 2 failed with parameters: {'x': 3} because of the following error: ValueError: x is too big"]


def test_pruned_paused_and_multi_objective_lines(logs) -> None:
    def objective(trial: hs.Trial) -> float:
        trial.suggest_float("x", 0, 1)
        trial.report(1.0, 2)
        raise hs.TrialPruned()

    hs.create_study(seed=0).optimize(objective, n_trials=1, show_progress_bar=False)
    assert _lines(logs)[-1].startswith("Trial 0 pruned at step 2. Parameters: {'x': ")

    multi = hs.create_study(directions=["minimize", "maximize"])
    trial = multi.ask({"x": hs.Int(1, 1)})
    multi.tell(trial, [1.0, 2.0])
    assert _lines(logs)[-1] == "Trial 0 finished with values: [1.0, 2.0] and parameters: {'x': 1}."


def test_ask_and_tell_log_as_optimize_does(logs) -> None:
    study = hs.create_study(direction="maximize")
    trial = study.ask({"x": hs.Int(5, 5)})
    study.tell(trial, 2.5)
    line = "Trial 0 finished with value: 2.5 and parameters: {'x': 5}. Best is trial 0 with value: 2.5."
    assert _lines(logs) == [line]


def test_set_verbosity_warning_hides_the_trial_lines_but_not_failures(logs) -> None:
    hs.logging.set_verbosity(hs.logging.WARNING)
    assert hs.logging.get_verbosity() == logging.WARNING
    study = hs.create_study(sampler=hs.samplers.GridSampler({"x": [1, 3]}))
    study.optimize(quadratic, n_trials=2, show_progress_bar=False)
    assert [r.levelno for r in logs.records if r.levelno > logging.DEBUG] == [logging.WARNING]


@pytest.mark.parametrize("bad", ["INFO", 2.5, True, -1])
def test_set_verbosity_refuses_what_is_not_a_level(bad) -> None:
    with pytest.raises(ValueError, match=r"verbosity must be a logging level \(hs.logging.CRITICAL"):
        hs.logging.set_verbosity(bad)


def test_default_handler_writes_to_the_current_stderr_and_can_be_disabled(capsys) -> None:
    # capsys replaced sys.stderr after the handler was made: the line must still reach it.
    study = hs.create_study()
    study.tell(study.ask({"x": hs.Int(1, 1)}), 1.0)
    err = capsys.readouterr().err
    assert "] Trial 0 finished with value: 1.0 and parameters: {'x': 1}." in err
    assert err.startswith("[I ")

    hs.logging.disable_default_handler()
    try:
        study.tell(study.ask({"x": hs.Int(1, 1)}), 1.0)
        assert capsys.readouterr().err == ""
    finally:
        hs.logging.enable_default_handler()
    study.tell(study.ask({"x": hs.Int(1, 1)}), 1.0)
    assert "Trial 2 finished" in capsys.readouterr().err


def test_the_default_handler_is_installed_on_import_without_propagation() -> None:
    logger = logging.getLogger("hyperscout")
    assert _log.DEFAULT_HANDLER in logger.handlers
    assert logger.propagate is False
    assert hs.logging.INFO == logging.INFO and hs.logging.WARN == logging.WARNING


def test_while_a_bar_is_shown_lines_are_written_through_tqdm(capsys) -> None:
    progress = Progress(True, 2, None, "minimize")
    try:
        assert _log.DEFAULT_HANDLER.bar_class is type(progress._bar)
        logging.getLogger("hyperscout.study").info("a line above the bar")
    finally:
        progress.close()
    assert _log.DEFAULT_HANDLER.bar_class is None
    err = capsys.readouterr().err
    # tqdm.write clears the bar (a carriage return), writes the line on a line of its own and
    # redraws the bar below it; written straight, the line would follow the bar's text.
    assert re.search(r"\r\[I [^\r\n]*\] a line above the bar\n\r +0%", err), err


def test_the_bar_is_shown_in_a_jupyter_kernel(monkeypatch) -> None:
    class ZMQInteractiveShell:  # what IPython's get_ipython() returns in a notebook kernel
        pass

    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: ZMQInteractiveShell()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # pytest's stderr is no terminal
    progress = Progress(None, 3, None, "minimize")
    try:
        assert progress.enabled
    finally:
        progress.close()
    monkeypatch.delitem(sys.modules, "IPython")
    assert not Progress(None, 3, None, "minimize").enabled


def test_a_parallel_run_logs_each_trial_once_through_this_process(logs) -> None:
    study = hs.create_study(sampler=hs.samplers.GridSampler({"x": [-2, -1, 0, 1]}))
    study.optimize(quadratic, n_jobs=2, show_progress_bar=False)
    lines = _lines(logs, logging.INFO)
    assert len(lines) == 4
    assert sorted(line.split()[1] for line in lines) == ["0", "1", "2", "3"]


def test_a_worker_process_follows_this_process_verbosity(capfd) -> None:
    hs.logging.set_verbosity(hs.logging.WARNING)
    try:
        study = hs.create_study(sampler=hs.samplers.GridSampler({"x": [0, 1]}))
        with cf.ProcessPoolExecutor(1) as ex:
            study.optimize(quadratic, executor=ex, show_progress_bar=False)
    finally:
        hs.logging.set_verbosity(hs.logging.INFO)
    assert len(study.trials) == 2
    assert "finished with value" not in capfd.readouterr().err


def test_the_cli_writes_trial_lines_to_stderr_and_quiet_silences_them(tmp_path, monkeypatch, capsys) -> None:
    from hyperscout.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    run = ["run", "--study", "s", "--space", '{"x": {"low": 0.0, "high": 1.0}}', "--n-trials", "2",
           "--storage", f"sqlite:///{tmp_path / 'c.db'}"]  # fmt: skip
    command = ["--", sys.executable, "-c", "import sys; print(float(sys.argv[1]) * 0 + 0.5)", "{x}"]
    assert main([*run, *command]) == 0
    out, err = capsys.readouterr()
    assert "Trial 1 finished with value: 0.5 and parameters: {'x': " in err
    assert "Trial" not in out  # stdout stays the machine-readable summary
    assert main([*run, "--quiet", *command]) == 0
    assert capsys.readouterr().err == ""
    assert hs.logging.get_verbosity() == logging.INFO  # --quiet lasted for that command only


def test_faces_with_a_verbose_option_are_silent_unless_asked(logs) -> None:
    def f(x: float) -> float:
        return -((x - 1) ** 2)

    hs.BayesianOptimization(f=f, pbounds={"x": (0, 2)}, random_state=1).maximize(init_points=2, n_iter=1)
    assert _lines(logs, logging.INFO) == []
    assert hs.logging.get_verbosity() == logging.INFO  # restored
    hs.BayesianOptimization(f=f, pbounds={"x": (0, 2)}, random_state=1, verbose=1).maximize(init_points=2, n_iter=0)
    assert len([line for line in _lines(logs, logging.INFO) if " finished with value" in line]) == 2


def test_search_cv_with_verbose_zero_logs_no_trial_lines(logs) -> None:
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression

    from hyperscout.sklearn import GridSearchCV

    X = [[0.0], [1.0], [2.0], [3.0], [0.5], [2.5]]
    y = [0, 0, 1, 1, 0, 1]
    GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(X, y)
    assert _lines(logs, logging.INFO) == []


def test_the_best_so_far_counts_trials_that_finish_out_of_order(logs) -> None:
    study = hs.create_study()
    first, second = study.ask({"x": hs.Int(1, 1)}), study.ask({"x": hs.Int(1, 1)})
    study.tell(second, 5.0)
    study.tell(first, 1.0)  # it was running when the best was last looked for
    study.tell(study.ask({"x": hs.Int(1, 1)}), 1.0)  # a tie: the earlier trial stays the best
    assert [line.split(". ")[-1] for line in _lines(logs)] == [
        "Best is trial 1 with value: 5.0.",
        "Best is trial 0 with value: 1.0.",
        "Best is trial 0 with value: 1.0.",
    ]


def test_a_level_set_before_the_import_is_kept() -> None:
    # A program (or a benchmark harness) may quiet the library's logger before importing it.
    import subprocess

    script = (
        "import logging; logging.getLogger('hyperscout').setLevel(logging.ERROR)\n"
        "import hyperscout as hs\n"
        "study = hs.create_study()\n"
        "study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=2, show_progress_bar=False)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Trial 1 finished" not in done.stderr
