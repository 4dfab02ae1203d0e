"""Tune XGBoost on a small classification task, stopping poor trials early with a pruning callback.

Each trial trains a booster round by round; ``XGBoostPruningCallback`` reports the validation
log-loss after every round, and the median pruner stops a trial whose log-loss is worse than the
median of earlier trials at the same round. Needs ``pip install xgboost scikit-learn``.

    python examples/xgboost_pruning.py [--quick] [--storage sqlite:///xgboost.db]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import xgboost as xgb
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import hyperscout as hs
from hyperscout.integrations.xgboost import XGBoostPruningCallback


def make_objective(n_rounds: int) -> Callable[[hs.Trial], float]:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    dtrain, dvalid = xgb.DMatrix(X_train, y_train), xgb.DMatrix(X_valid, y_valid)

    def objective(trial: hs.Trial) -> float:
        params = {
            "objective": "binary:logistic",
            "eval_metric": "logloss",
            "nthread": 1,
            "seed": 0,
            "eta": trial.suggest_float("eta", 1e-3, 0.5, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 8),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "lambda": trial.suggest_float("lambda", 1e-3, 10.0, log=True),
        }
        history: dict = {}
        xgb.train(
            params, dtrain, num_boost_round=n_rounds, evals=[(dvalid, "validation")], evals_result=history,
            callbacks=[XGBoostPruningCallback(trial, "validation-logloss")], verbose_eval=False,
        )  # fmt: skip
        return history["validation"]["logloss"][-1]

    return objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="12 trials of 30 rounds (for CI)")
    parser.add_argument("--storage", default=None, help="a database URL to keep (and resume) the study")
    args = parser.parse_args()
    n_trials, n_rounds = (12, 30) if args.quick else (60, 200)

    hs.logging.set_verbosity(hs.logging.WARNING)  # the summary below instead of a line per trial
    study = hs.create_study(
        study_name="xgboost-pruning" if args.storage else None, storage=args.storage, seed=0,
        # The quick run's dozen trials are too few for the rank check (it waits until six trials have run
        # every round before it trusts early scores), so that run uses the classic median rule.
        pruner=hs.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=5, rank_check=not args.quick),
    )  # fmt: skip
    study.optimize(make_objective(n_rounds), n_trials=n_trials, show_progress_bar=False)

    pruned = [t for t in study.trials if t.state == hs.TrialState.PRUNED]
    complete = [t for t in study.trials if t.state == hs.TrialState.COMPLETE]
    rounds = sum(t.last_step or 0 for t in study.trials)
    print(f"{len(study.trials)} trials: {len(complete)} complete, {len(pruned)} pruned")
    print(f"boosting rounds trained: {rounds} of {len(study.trials) * n_rounds} without pruning")
    print(f"best validation log-loss: {study.best_value:.4f}")
    print(f"best parameters: {study.best_params}")


if __name__ == "__main__":
    main()
