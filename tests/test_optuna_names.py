"""Optuna's names where they cost little (issue 19), and the silent traps an Optuna user fell into."""

from __future__ import annotations

import warnings

import pytest

import hyperscout as hs


def _quiet(study: hs.Study, objective, **kwargs) -> None:
    study.optimize(objective, show_progress_bar=False, **kwargs)


def square(trial) -> float:
    return trial.suggest_float("x", -1, 1) ** 2


# -- no silent traps -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["sqlite:///x.db", "postgresql+psycopg://me@db/hs", "MYSQL://h/db"])
def test_a_storage_url_given_as_the_study_name_is_refused_with_the_right_call(url, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as info:
        hs.create_study(url)
    assert f"create_study(storage={url!r})" in str(info.value)
    assert f"study_name {url!r} looks like a storage URL" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # nothing created
    assert hs.create_study("sqlite-results").study_name == "sqlite-results"  # a plain name still works


def test_data_frame_states_are_optunas_upper_case_names() -> None:
    pytest.importorskip("pandas")
    study = hs.create_study()
    study.tell(study.ask(), 1.0)
    study.tell(study.ask(), state="pruned")
    study.tell(study.ask(), state="fail")
    study.enqueue_trial({"x": 1})
    df = study.trials_dataframe()
    assert df.state.tolist() == ["COMPLETE", "PRUNED", "FAIL", "WAITING"]
    assert df[df.state == "COMPLETE"].number.tolist() == [0]


# -- Study: get_trials, trials_dataframe(attrs=), enqueue_trial, add_trial(s) ---------------------------


def test_get_trials_takes_optunas_deepcopy_and_states() -> None:
    study = hs.create_study(seed=0)
    _quiet(study, square, n_trials=2)
    study.tell(study.ask(), state="fail")
    assert [t.number for t in study.get_trials(states=(hs.TrialState.FAIL,))] == [2]
    copied = study.get_trials()
    copied[0].params["x"] = 99.0  # type: ignore[index]  # a copy: the study's record is untouched
    assert study.trials[0].params["x"] != 99.0
    assert study.get_trials(deepcopy=False)[0] is study.get_trials(deepcopy=False)[0]
    with pytest.raises(TypeError, match=r"deepcopy must be True or False, got \[.*get_trials\(states=\.\.\.\)"):
        study.get_trials([hs.TrialState.COMPLETE])  # type: ignore[arg-type]


def test_trials_dataframe_attrs_and_multi_index() -> None:
    pytest.importorskip("pandas")
    study = hs.create_study(seed=0)

    def objective(trial) -> float:
        trial.report(0.5, 1)
        trial.set_user_attr("note", "n")
        return square(trial)

    _quiet(study, objective, n_trials=2)
    df = study.trials_dataframe(attrs=("number", "value", "params", "intermediate_values", "state"))
    assert list(df.columns) == ["number", "value", "params_x", "intermediate_values_1", "state"]
    assert df.intermediate_values_1.tolist() == [0.5, 0.5]
    multi = study.trials_dataframe(attrs=("params", "user_attrs"), multi_index=True)
    assert list(multi.columns) == [("params", "x"), ("user_attrs", "note")]
    with pytest.raises(ValueError, match=r"attrs: unknown trial attribute\(s\) \['valu'\]; choose from"):
        study.trials_dataframe(attrs=("valu",))
    with pytest.raises(TypeError, match="got the string 'number'"):
        study.trials_dataframe(attrs="number")


def test_trials_dataframe_value_means_values_with_several_objectives() -> None:
    pytest.importorskip("pandas")
    study = hs.create_study(directions=["minimize", "maximize"])
    study.tell(study.ask(), (1.0, 2.0))
    assert list(study.trials_dataframe(attrs=("number", "value")).columns) == ["number", "values_0", "values_1"]


def test_enqueue_trial_skips_what_exists_when_asked() -> None:
    study = hs.create_study()
    assert study.enqueue_trial({"x": 0.5}) is None
    study.enqueue_trial({"x": 0.5}, skip_if_exists=True)  # queued already
    _quiet(study, square, n_trials=1)
    assert study.trials[0].params == {"x": 0.5}
    study.enqueue_trial({"x": 0.5}, skip_if_exists=True)  # ran already
    study.enqueue_trial({"x": 0.25}, user_attrs={"why": "a guess"}, skip_if_exists=True)
    assert len(study.trials) == 2 and study.trials[1].user_attrs == {"why": "a guess"}
    with pytest.raises(TypeError, match="skip_if_exists must be True or False, got 'yes'"):
        study.enqueue_trial({"x": 0.1}, skip_if_exists="yes")  # type: ignore[arg-type]


def test_create_trial_and_add_trial_seed_a_study(storage_url) -> None:
    storage = hs.storages.InMemoryStorage() if storage_url is None else storage_url
    study = hs.create_study(storage=storage, seed=0)
    dists = {"x": hs.distributions.FloatDistribution(-1, 1), "k": hs.distributions.IntDistribution(0, 3)}
    study.add_trial(hs.create_trial(params={"x": 0.1, "k": 2}, distributions=dists, value=0.01))
    study.add_trials(
        [
            hs.create_trial(
                state="PRUNED", params={"x": 0.9, "k": 1}, distributions=dists, intermediate_values={3: 0.8}
            ),
            hs.create_trial(state=hs.TrialState.FAIL, params={}, distributions={}),
        ]
    )
    again = hs.load_study(study.study_name, storage)
    ts = again.trials
    assert [t.state for t in ts] == [hs.TrialState.COMPLETE, hs.TrialState.PRUNED, hs.TrialState.FAIL]
    assert ts[0].params == {"x": 0.1, "k": 2} and ts[0].distributions["k"] == hs.Int(0, 3)
    assert ts[1].intermediate_values == {3: 0.8}
    assert again.best_value == 0.01
    _quiet(again, lambda t: t.suggest_float("x", -1, 1), n_trials=1)  # the sampler learns from them
    assert len(again.trials) == 4


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "a COMPLETE trial needs value="),
        ({"value": 1.0, "values": [1.0]}, ValueError, "give value= or values=, not both"),
        ({"state": "RUNNING", "value": None}, ValueError, r"state must be one of \['COMPLETE', 'PRUNED', 'FAIL'"),
        ({"value": float("nan")}, ValueError, "values must be finite numbers, got nan"),
        ({"value": 1.0, "params": {"x": 5}, "distributions": {"x": hs.Int(0, 3)}}, ValueError, "lies outside"),
        ({"value": 1.0, "params": {"x": 1}, "distributions": {}}, ValueError, "the same keys"),
        ({"value": 1.0, "params": {"x": 1}, "distributions": {"x": (0, 3)}}, TypeError, "must be a Distribution"),
    ],
)
def test_create_trial_refuses_what_it_cannot_record(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        hs.create_trial(**kwargs)


def test_add_trial_checks_the_number_of_objectives() -> None:
    study = hs.create_study(directions=["minimize", "minimize"])
    with pytest.raises(ValueError, match=r"has 1 value\(s\) but study .* has 2 objective\(s\)"):
        study.add_trial(hs.create_trial(value=1.0))
    with pytest.raises(TypeError, match="add_trial takes a FrozenTrial"):
        study.add_trial({"value": 1.0})  # type: ignore[arg-type]


# -- trials: FixedTrial, trial.study ------------------------------------------------------------------


def test_fixed_trial_runs_an_objective_on_given_values() -> None:
    def objective(trial) -> float:
        x = trial.suggest_float("x", -10, 10)
        kind = trial.suggest_categorical("kind", ["a", "b"])
        trial.report(x, 1)
        assert not trial.should_prune()
        trial.set_user_attr("seen", kind)
        return x**2 + trial.suggest_int("n", 0, 5)

    fixed = hs.trial.FixedTrial({"x": 2.0, "kind": "b", "n": 3}, number=7)
    assert objective(fixed) == 7.0
    assert fixed.params == {"x": 2.0, "kind": "b", "n": 3} and fixed.number == 7
    assert fixed.user_attrs == {"seen": "b"}
    with pytest.raises(ValueError, match=r"parameter 'y', which this FixedTrial was not given; it has \['x'\]"):
        hs.trial.FixedTrial({"x": 1.0}).suggest_float("y", 0, 1)
    with pytest.warns(UserWarning, match=r"the value 5.0 of 'x' is outside"):
        assert hs.trial.FixedTrial({"x": 5.0}).suggest_float("x", 0, 1) == 5.0
    with pytest.raises(TypeError, match="FixedTrial params must be a dict"):
        hs.trial.FixedTrial([("x", 1)])  # type: ignore[arg-type]


def _uses_study(trial) -> float:
    return float(trial.study.study_name == "named") + trial.suggest_float("x", 0, 0)


def test_trial_study_is_the_study_also_in_worker_processes() -> None:
    study = hs.create_study(study_name="named")
    assert study.ask().study is study
    _quiet(study, _uses_study, n_trials=2, n_jobs=2)
    assert [t.value for t in study.trials if t.state is hs.TrialState.COMPLETE] == [1.0, 1.0]


# -- MaxTrialsCallback, copy_study, distributions -----------------------------------------------------


def test_max_trials_callback_counts_the_whole_study() -> None:
    study = hs.create_study(seed=0)
    _quiet(study, square, n_trials=3)
    _quiet(study, square, n_trials=10, callbacks=[hs.study.MaxTrialsCallback(5)])
    assert len(study.trials) == 5
    failing = hs.create_study()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _quiet(failing, lambda t: float("nan"), n_trials=10, callbacks=[hs.study.MaxTrialsCallback(2, states=None)])
    assert len(failing.trials) == 2
    with pytest.raises(ValueError, match="n_trials must be a non-negative int, got -1"):
        hs.study.MaxTrialsCallback(-1)


def test_copy_study_copies_trials_and_attributes(tmp_path) -> None:
    source = f"sqlite:///{tmp_path / 'a.db'}"
    study = hs.create_study(study_name="s", storage=source, direction="maximize", seed=0)
    study.set_user_attr("dataset", "iris")
    _quiet(study, square, n_trials=3)
    study.ask()  # running: left out
    target = hs.storages.InMemoryStorage()
    hs.copy_study(from_study_name="s", from_storage=source, to_storage=target, to_study_name="t")
    copy = hs.load_study("t", target)
    assert copy.direction == "maximize" and copy.user_attrs == {"dataset": "iris"}
    assert [t.params for t in copy.trials] == [t.params for t in study.trials[:3]]
    assert copy.best_value == study.best_value
    with pytest.raises(hs.DuplicatedStudyError):
        hs.copy_study(from_study_name="s", from_storage=source, to_storage=target, to_study_name="t")


def test_optuna_distribution_names_are_hyperscouts_classes() -> None:
    d = hs.distributions
    assert d.FloatDistribution is hs.Float and d.IntDistribution is hs.Int
    assert d.CategoricalDistribution is hs.Categorical and d.BaseDistribution is hs.Distribution
    assert d.FloatDistribution(1e-3, 1.0, log=True) == hs.Float(1e-3, 1.0, log=True)
    assert d.CategoricalDistribution(["a", "b"]).choices == ("a", "b")


def test_gc_after_trial_collects_after_each_trial(monkeypatch) -> None:
    import hyperscout._execution as execution

    calls: list[int] = []
    monkeypatch.setattr(execution.gc, "collect", lambda: calls.append(1) or 0)
    study = hs.create_study(seed=0)
    _quiet(study, square, n_trials=3)
    assert calls == []
    _quiet(study, square, n_trials=3, gc_after_trial=True)
    assert len(calls) == 3
    with pytest.raises(TypeError, match="gc_after_trial must be True or False, got 1"):
        _quiet(study, square, n_trials=1, gc_after_trial=1)
