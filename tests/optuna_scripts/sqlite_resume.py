"""A study in a SQLite file that a second run continues, up to a total number of trials."""

import os
import tempfile

import optuna
from optuna.study import MaxTrialsCallback
from optuna.trial import TrialState


def objective(trial):
    return trial.suggest_int("n", 0, 100) ** 0.5


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        storage = "sqlite:///" + os.path.join(folder, "example.db")
        for _ in range(2):  # the same script run twice resumes the study
            study = optuna.create_study(study_name="resume-me", storage=storage, load_if_exists=True)
            study.optimize(objective, n_trials=8, callbacks=[MaxTrialsCallback(12, states=(TrialState.COMPLETE,))])
        again = optuna.load_study(study_name="resume-me", storage=storage)
        print(len(again.trials), "trials in", optuna.get_all_study_names(storage=storage))
        assert len(again.trials) == 12
        assert optuna.get_all_study_names(storage=storage) == ["resume-me"]
        copy = optuna.storages.InMemoryStorage()
        optuna.copy_study(from_study_name="resume-me", from_storage=storage, to_storage=copy)
        assert optuna.load_study(study_name="resume-me", storage=copy).best_value == again.best_value
        optuna.delete_study(study_name="resume-me", storage=storage)
