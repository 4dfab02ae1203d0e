"""Start from known good values, then analyse the trials with pandas."""

import optuna


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    kind = trial.suggest_categorical("kind", ["linear", "square"])
    if kind == "square" and x > 4:
        raise ValueError("diverged")
    trial.set_user_attr("kind_was", kind)
    return abs(x) if kind == "linear" else x * x


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.enqueue_trial({"x": 0.5, "kind": "square"})
    study.enqueue_trial({"x": 0.5, "kind": "square"}, skip_if_exists=True)
    study.enqueue_trial({"x": 5.0, "kind": "square"})  # fails: caught below
    study.optimize(objective, n_trials=12, catch=(ValueError,))
    assert study.trials[0].params == {"x": 0.5, "kind": "square"}
    df = study.trials_dataframe()
    complete = df[df.state == "COMPLETE"]
    failed = df[df["state"] == "FAIL"]
    print(complete[["number", "value", "params_x", "params_kind"]].head())
    assert len(complete) + len(failed) == 12 and 1 in failed["number"].tolist()
    assert complete["value"].min() == study.best_value
    assert (complete["user_attrs_kind_was"] == complete["params_kind"]).all()
    short = study.trials_dataframe(attrs=("number", "value", "state"))
    assert list(short.columns) == ["number", "value", "state"]
