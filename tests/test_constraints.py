"""Constrained studies: constraint values computed when a trial finishes, stored, and honoured by best_*.

The storage contract (``hyperscout.testing.storages.check_constraints_are_kept``) runs the same
bookkeeping on every backend; here: the rules, resume, parallel workers, the data frame and the CLI.
"""

from __future__ import annotations

import json
import math

import pytest

import hyperscout as hs
from hyperscout.cli import main
from hyperscout.trial import constraint_violation


def _objective(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", -2.0, 2.0)
    return x * x


def _x_at_least_one(trial: hs.FrozenTrial) -> list[float]:
    return [1.0 - trial.params["x"]]


def _study(**kwargs) -> hs.Study:
    return hs.create_study(sampler=hs.samplers.RandomSampler(seed=0), **kwargs)


def test_best_trial_is_the_best_feasible_one():
    study = _study(constraints_func=_x_at_least_one)
    study.optimize(_objective, n_trials=30, show_progress_bar=False)
    feasible = [t for t in study.trials if t.params["x"] >= 1.0]
    assert feasible and len(feasible) < 30
    best = min(feasible, key=lambda t: t.value)
    assert study.best_trial.number == best.number
    assert study.best_value == best.value
    assert study.best_params == best.params
    # the unconstrained best (x near 0) is not it
    assert min(t.value for t in study.trials) < best.value
    for t in study.trials:
        assert t.constraints == {"0": 1.0 - t.params["x"]}


def test_no_feasible_trial_says_so():
    study = _study(constraints_func=lambda t: [1.0])
    study.optimize(_objective, n_trials=3, show_progress_bar=False)
    with pytest.raises(ValueError, match="no feasible trial yet: all 3 complete trial"):
        _ = study.best_trial
    with pytest.raises(ValueError, match="no feasible trial"):
        _ = study.best_value
    multi = _study(directions=["minimize", "minimize"], constraints_func=lambda t: [1.0])
    multi.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=3, show_progress_bar=False)
    assert multi.best_trials == []  # as in Optuna: an empty front


def test_best_trials_is_the_front_of_the_feasible_trials():
    def objective(trial: hs.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        return x, 1.0 - x

    study = _study(directions=["minimize", "minimize"], constraints_func=lambda t: [0.5 - t.params["x"]])
    study.optimize(objective, n_trials=20, show_progress_bar=False)
    front = {t.number for t in study.best_trials}
    assert front == {t.number for t in study.trials if t.params["x"] >= 0.5}  # all feasible ones trade off


def test_the_sampler_argument_works_as_in_optuna():
    sampler = hs.samplers.TPESampler(seed=0, constraints_func=_x_at_least_one)
    study = hs.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=12, show_progress_bar=False)
    assert all(t.constraints for t in study.trials)
    assert study.best_trial.params["x"] >= 1.0


def test_pruned_trials_get_constraints_and_failed_ones_none():
    study = _study(constraints_func=lambda t: [-1.0])

    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            raise hs.TrialPruned()
        if trial.number == 2:
            raise RuntimeError("boom")
        return x

    study.optimize(objective, n_trials=3, catch=(RuntimeError,), show_progress_bar=False)
    states = [t.state for t in study.trials]
    assert states == [hs.TrialState.COMPLETE, hs.TrialState.PRUNED, hs.TrialState.FAIL]
    assert [t.constraints for t in study.trials] == [{"0": -1.0}, {"0": -1.0}, {}]


def test_the_function_sees_the_finished_trial():
    seen = []

    def constraints(trial: hs.FrozenTrial) -> list[float]:
        seen.append((trial.state, trial.values, dict(trial.params), dict(trial.user_attrs)))
        return [0.0]

    study = _study(constraints_func=constraints)

    def objective(trial: hs.Trial) -> float:
        trial.set_user_attr("size", 3)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=1, show_progress_bar=False)
    x = study.trials[0].params["x"]
    assert seen == [(hs.TrialState.COMPLETE, (x,), {"x": x}, {"size": 3})]


@pytest.mark.parametrize(
    ("returned", "error", "match"),
    [
        (float("nan"), TypeError, "sequence of floats"),
        ([0.0, float("nan")], ValueError, "cannot be NaN"),
        (1.0, TypeError, "sequence of floats"),
        ("0", TypeError, "sequence of floats"),
        ([True], TypeError, "real number"),
        (["a"], TypeError, "real number"),
    ],
)
def test_a_bad_return_value_is_recorded_as_unknown_and_raised(returned, error, match):
    study = _study(constraints_func=lambda t: returned)
    with pytest.raises(error, match=match):
        study.optimize(_objective, n_trials=3, show_progress_bar=False)
    (trial,) = study.trials  # recorded with its outcome, then the error stopped the run, as in Optuna
    assert trial.state is hs.TrialState.COMPLETE
    assert trial.system_attrs["constraints"] is None and trial.constraints == {}
    assert constraint_violation(trial) == math.inf  # unknown counts as infeasible
    with pytest.raises(ValueError, match="no feasible trial"):
        _ = study.best_trial


def test_a_raising_function_fails_tell_too_but_keeps_the_outcome():
    def constraints(trial: hs.FrozenTrial) -> list[float]:
        raise KeyError("size")

    study = _study(constraints_func=constraints)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    with pytest.raises(KeyError, match="size"):
        study.tell(trial, 1.0)
    assert study.trials[0].state is hs.TrialState.COMPLETE
    assert study.trials[0].params == trial.params


def test_constraints_func_must_be_callable():
    with pytest.raises(TypeError, match="constraints_func must be a function"):
        hs.create_study(constraints_func=[1.0])


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_constraints_survive_resume(tmp_path, kind):
    url = f"sqlite:///{tmp_path / 'c.db'}" if kind == "sqlite" else f"journal:///{tmp_path / 'c.log'}"
    first = hs.create_study(study_name="c", storage=url, sampler=hs.samplers.RandomSampler(seed=1),
                            constraints_func=_x_at_least_one)  # fmt: skip
    first.optimize(_objective, n_trials=6, show_progress_bar=False)
    before = {t.number: t.constraints for t in first.trials}
    # the same command again, as after a crash: a new storage object, a new study object
    again = hs.create_study(study_name="c", storage=url, sampler=hs.samplers.RandomSampler(seed=1),
                            constraints_func=_x_at_least_one)  # fmt: skip
    assert {t.number: t.constraints for t in again.trials} == before
    again.optimize(_objective, n_trials=6, show_progress_bar=False)
    assert len(again.trials) == 12
    assert all(t.constraints == {"0": 1.0 - t.params["x"]} for t in again.trials)
    reader = hs.load_study("c", url)  # no constraints function: the stored values still count
    assert reader.best_trial.params["x"] >= 1.0


def test_parallel_workers_compute_the_study_constraints(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    study = hs.create_study(study_name="p", storage=url, sampler=hs.samplers.RandomSampler(seed=2),
                            constraints_func=_x_at_least_one)  # fmt: skip
    study.optimize(_objective, n_trials=6, n_jobs=2, show_progress_bar=False)
    assert len(study.trials) == 6
    assert all(t.constraints == {"0": 1.0 - t.params["x"]} for t in study.trials)


def test_trials_dataframe_has_a_constraints_column():
    pytest.importorskip("pandas")
    study = _study(constraints_func=lambda t: [t.params["x"], -1.0])
    study.optimize(_objective, n_trials=3, show_progress_bar=False)
    df = study.trials_dataframe()
    assert list(df.columns)[-2:] == ["constraints", "error"]
    assert df["constraints"].tolist() == [[t.params["x"], -1.0] for t in study.trials]
    assert "constraints" in study.trials_dataframe(attrs=("number", "constraints")).columns
    plain = _study()
    plain.optimize(_objective, n_trials=2, show_progress_bar=False)
    assert "constraints" not in plain.trials_dataframe().columns


def test_the_cli_lists_constraints(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    study = hs.create_study(study_name="c", storage=url, sampler=hs.samplers.RandomSampler(seed=0),
                            constraints_func=lambda t: [t.params["x"], 0.0])  # fmt: skip
    study.optimize(_objective, n_trials=2, show_progress_bar=False)
    capsys.readouterr()
    assert main(["trials", "c", "--storage", url, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["constraints"] for r in rows] == [[t.params["x"], 0.0] for t in study.trials]
    assert main(["trials", "c", "--storage", url]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[-3:] == ["constraints", "duration", "error"]


def _constrained_bowl(trial: hs.Trial) -> float:
    # minimise x + y on [0, 1]², subject to x + y >= 1.2: the unconstrained optimum (0, 0) is infeasible
    return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)


def _at_least_1_2(trial: hs.FrozenTrial) -> list[float]:
    return [1.2 - trial.params["x"] - trial.params["y"]]


@pytest.mark.parametrize(
    ("name", "make", "n_trials"),
    [
        (
            "forest",
            lambda s: hs.samplers.ForestSampler(
                seed=s, n_estimators=8, n_candidates=200, constraints_func=_at_least_1_2
            ),
            24,
        ),
        ("cmaes", lambda s: hs.samplers.CmaEsSampler(seed=s, constraints_func=_at_least_1_2), 60),
    ],
)
def test_model_based_samplers_rank_infeasible_trials_last(name, make, n_trials):
    pytest.importorskip("sklearn" if name == "forest" else "cmaes")
    study = hs.create_study(sampler=make(0))
    study.optimize(_constrained_bowl, n_trials=n_trials, show_progress_bar=False)
    late = study.trials[n_trials // 2 :]
    assert sum(constraint_violation(t) <= 0 for t in late) >= len(late) // 2, name
    assert 1.2 <= study.best_value < 1.35, (name, study.best_value)


@pytest.mark.parametrize("sampler", ["random", "grid", "qmc"])
def test_samplers_without_a_model_record_constraints(sampler):
    if sampler == "grid":
        chosen = hs.samplers.GridSampler({"x": [-1.0, 0.0, 1.0, 2.0]})
    elif sampler == "qmc":
        chosen = hs.samplers.QMCSampler(seed=0)
    else:
        chosen = hs.samplers.RandomSampler(seed=0)
    study = hs.create_study(sampler=chosen, constraints_func=lambda t: [t.params["x"] - 0.5])
    study.optimize(_objective, n_trials=4, show_progress_bar=False)
    assert [t.constraints for t in study.trials] == [{"0": t.params["x"] - 0.5} for t in study.trials]
    feasible = [t for t in study.trials if t.params["x"] <= 0.5]
    assert study.best_trial.number == min(feasible, key=lambda t: t.value).number


def test_the_log_line_names_the_best_feasible_trial(caplog):
    study = _study(constraints_func=lambda t: [t.number - 0.5])  # only trial 0 is feasible
    with caplog.at_level("INFO", logger="hyperscout.study"):
        study.optimize(_objective, n_trials=3, show_progress_bar=False)
    lines = [r.getMessage() for r in caplog.records if "finished with value" in r.getMessage()]
    assert len(lines) == 3 and all("Best is trial 0 " in line for line in lines)
