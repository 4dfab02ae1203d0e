"""Tune an SVC on scikit-learn's digits, kept in the embedded SQLite file.

Run it twice: the second run resumes the same study (``hyperscout.db`` in the current folder)
and adds trials instead of starting over.

    python examples/tune_svc_digits.py [--n-trials 30] [--storage sqlite:///hyperscout.db]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

import hyperscout as hs


def make_objective(X: np.ndarray, y: np.ndarray) -> Callable[[hs.Trial], float]:
    """3-fold CV accuracy of an SVC on (X, y), with the kernel, C, gamma and (polynomial only) degree to tune."""

    def objective(trial: hs.Trial) -> float:
        kernel = trial.suggest_categorical("kernel", ["rbf", "poly", "sigmoid"])
        params = {
            "C": trial.suggest_float("C", 1e-2, 1e3, log=True),
            "gamma": trial.suggest_float("gamma", 1e-5, 1e-1, log=True),
        }
        if kernel == "poly":  # a conditional parameter: it exists only for the polynomial kernel
            params["degree"] = trial.suggest_int("degree", 2, 5)
        return float(cross_val_score(SVC(kernel=kernel, **params), X, y, cv=3).mean())

    return objective


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-trials", type=int, default=30)
    parser.add_argument("--storage", default=hs.storages.DEFAULT_SQLITE_URL)
    parser.add_argument("--study", default="svc-digits")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    study = hs.create_study(args.study, args.storage, direction="maximize", seed=args.seed)
    before = len(study.trials)
    study.optimize(make_objective(X, y), n_trials=args.n_trials, show_progress_bar=True)
    print(f"study {study.study_name!r} in {args.storage}: {len(study.trials)} trials ({before} before this run)")
    print(f"best 3-fold CV accuracy: {study.best_value:.4f}")
    print(f"best parameters: {study.best_params}")


if __name__ == "__main__":
    main()
