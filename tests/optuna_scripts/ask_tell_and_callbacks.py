"""Ask-and-tell, several objectives, a grid, and a callback that stops the study."""

import optuna


def stop_when_good(study, trial):
    if trial.value is not None and trial.value < 0.05:
        study.stop()


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    study = optuna.create_study(direction="maximize")
    for _ in range(10):
        trial = study.ask()
        x = trial.suggest_float("x", 0, 1)
        trial.set_user_attr("double", 2 * x)
        study.tell(trial, x)
    study.set_user_attr("dataset", "toy")
    assert study.best_trial.user_attrs["double"] == 2 * study.best_value
    assert study.user_attrs == {"dataset": "toy"}
    pruned = study.ask()
    study.tell(pruned, state=optuna.trial.TrialState.PRUNED)

    def objective(trial):
        assert trial.study.study_name == stopping.study_name
        return trial.suggest_float("y", -1, 1) ** 2

    stopping = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    stopping.optimize(objective, n_trials=200, callbacks=[stop_when_good])
    assert len(stopping.trials) < 200 and stopping.best_value < 0.05

    grid = optuna.create_study(sampler=optuna.samplers.GridSampler({"a": [1, 2, 3], "b": ["x", "y"]}))
    grid.optimize(lambda t: t.suggest_int("a", 1, 3) + len(t.suggest_categorical("b", ["x", "y"])))
    assert len(grid.trials) == 6  # the study stops when the grid is done

    multi = optuna.create_study(directions=["minimize", "maximize"])
    multi.optimize(lambda t: (t.suggest_float("c", 0, 1), t.suggest_float("c2", 0, 1)), n_trials=10)
    assert multi.best_trials and all(len(t.values) == 2 for t in multi.best_trials)
    print("stopped after", len(stopping.trials), "trials;", len(multi.best_trials), "Pareto-optimal")
