"""The seed's model-based search (基于模型的优化): a surrogate model of the CV score picks each next forest.

``SearchCV`` takes the seed's ranges as written: ``(10, 200)`` is an integer range and
``(None, 30)`` means "None, or a depth up to 30". The sampler is a one-word choice below;
``prune_folds=True`` stops cross-validating a forest once it can no longer beat the best one.

    python examples/sklearn_model_based.py [--quick] [--storage sqlite:///model.db]
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import hyperscout as hs
from hyperscout.sklearn import SearchCV

# The surrogate model: a Gaussian process. Any hyperscout sampler fits here.
SAMPLER = hs.samplers.GPSampler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="6 candidates and 3 folds (for CI)")
    parser.add_argument("--storage", default=None, help="a database URL to keep (and resume) the search")
    args = parser.parse_args()

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

    param_distributions = {
        "n_estimators": (10, 200),
        "max_depth": (None, 30),
        "min_samples_split": (2, 10),
    }
    n_trials, cv = 20, 5
    if args.quick:
        param_distributions["n_estimators"] = (10, 30)
        n_trials, cv = 6, 3

    rf = RandomForestClassifier(random_state=0)
    search = SearchCV(
        rf, param_distributions, sampler=SAMPLER(seed=42), n_trials=n_trials, cv=cv, prune_folds=True,
        storage=args.storage, study_name="sklearn-model-based" if args.storage else None,
    )  # fmt: skip
    search.fit(X_train, y_train)

    best_params = search.best_params_
    print(f"best parameters: {best_params}")
    print(f"best score: {search.best_score_:.4f} (mean {cv}-fold CV accuracy, {n_trials} candidates)")
    print(f"test accuracy of the refit forest: {search.score(X_test, y_test):.4f}")
    print(f"fold fits: {search.n_fits_} run, {search.n_fits_pruned_} skipped by pruning")


if __name__ == "__main__":
    main()
