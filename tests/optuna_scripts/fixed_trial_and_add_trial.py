"""Unit-test an objective on chosen values, and seed a study with results from elsewhere."""

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import FixedTrial


def objective(trial):
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    return lr * layers if optimizer == "adam" else 2 * lr * layers


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    assert objective(FixedTrial({"optimizer": "adam", "lr": 0.01, "layers": 2})) == 0.02

    study = optuna.create_study()
    distributions = {
        "optimizer": CategoricalDistribution(["adam", "sgd"]),
        "lr": FloatDistribution(1e-5, 1e-1, log=True),
        "layers": IntDistribution(1, 4),
    }
    study.add_trial(
        optuna.trial.create_trial(
            params={"optimizer": "sgd", "lr": 1e-4, "layers": 1}, distributions=distributions, value=2e-4
        )
    )
    study.add_trials(
        [
            optuna.create_trial(
                params={"optimizer": "adam", "lr": 1e-3, "layers": 3}, distributions=distributions, value=3e-3
            )
        ]
    )
    study.optimize(objective, n_trials=5)
    assert len(study.trials) == 7
    assert study.trials[0].distributions["lr"] == FloatDistribution(1e-5, 1e-1, log=True)
    print("best:", study.best_trial.number, study.best_params)
