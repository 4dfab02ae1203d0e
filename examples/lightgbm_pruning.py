"""Tune LightGBM's scikit-learn classifier, stopping poor trials early with a pruning callback.

Each trial fits ``LGBMClassifier`` with ``LightGBMPruningCallback`` in ``fit(callbacks=...)``: it
reports the validation log-loss after every boosting round, and the successive-halving pruner
(ASHA) stops the worse trials at rounds 4, 16 and 64. Needs ``pip install lightgbm scikit-learn``.

    python examples/lightgbm_pruning.py [--quick] [--storage sqlite:///lightgbm.db]
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable

import lightgbm as lgb
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

import hyperscout as hs
from hyperscout.integrations.lightgbm import LightGBMPruningCallback


def make_objective(n_rounds: int) -> Callable[[hs.Trial], float]:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    # LightGBM 4.7 takes the validation data as eval_X/eval_y; earlier versions as eval_set.
    if "eval_X" in inspect.signature(lgb.LGBMClassifier.fit).parameters:
        validation = {"eval_X": (X_valid,), "eval_y": (y_valid,)}
    else:
        validation = {"eval_set": [(X_valid, y_valid)]}

    def objective(trial: hs.Trial) -> float:
        model = lgb.LGBMClassifier(
            n_estimators=n_rounds,
            learning_rate=trial.suggest_float("learning_rate", 1e-3, 0.5, log=True),
            num_leaves=trial.suggest_int("num_leaves", 4, 64, log=True),
            min_child_samples=trial.suggest_int("min_child_samples", 5, 50),
            reg_lambda=trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
            n_jobs=1, random_state=0, verbose=-1,
        )  # fmt: skip
        pruning = LightGBMPruningCallback(trial, "binary_logloss")  # on the first validation set, "valid_0"
        model.fit(X_train, y_train, eval_metric="binary_logloss", callbacks=[pruning], **validation)
        return log_loss(y_valid, model.predict_proba(X_valid))

    return objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="12 trials of 64 rounds (for CI)")
    parser.add_argument("--storage", default=None, help="a database URL to keep (and resume) the study")
    args = parser.parse_args()
    n_trials, n_rounds = (12, 64) if args.quick else (60, 256)

    hs.logging.set_verbosity(hs.logging.WARNING)  # the summary below instead of a line per trial
    study = hs.create_study(
        study_name="lightgbm-pruning" if args.storage else None, storage=args.storage, seed=0,
        # max_resource: the last round is never a rung, so no trial is stopped after its full run
        pruner=hs.pruners.SuccessiveHalvingPruner(min_resource=4, reduction_factor=4, max_resource=n_rounds),
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
