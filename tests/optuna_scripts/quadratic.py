"""The first example of Optuna's README: minimise a quadratic, quietly."""

import optuna


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=30)
    print("best params:", study.best_params, "best value:", study.best_value)
    assert abs(study.best_params["x"] - 2) < 1.5
    assert study.best_trial.value == study.best_value
    assert len(study.trials) == 30
