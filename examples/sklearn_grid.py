"""The seed's exhaustive search (穷举法): every combination of a random forest's parameters.

The code is scikit-learn's ``GridSearchCV`` example; only the import differs. What hyperscout adds
is optional: ``--storage sqlite:///grid.db`` keeps every fold score, so an interrupted run
(Ctrl-C, a crash) resumes where it stopped, and ``--prune`` skips the remaining folds of a
combination that can no longer beat the best one.

    python examples/sklearn_grid.py [--quick] [--storage sqlite:///grid.db] [--prune]
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from hyperscout.sklearn import GridSearchCV  # was: from sklearn.model_selection import GridSearchCV


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small grid and 3 folds (for CI)")
    parser.add_argument("--storage", default=None, help="a database URL to keep (and resume) the search")
    parser.add_argument("--prune", action="store_true", help="skip the remaining folds of hopeless combinations")
    args = parser.parse_args()

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

    param_grid = {
        "n_estimators": [10, 50, 100, 200],
        "max_depth": [None, 10, 20, 30],
        "min_samples_split": [2, 5, 10],
    }
    cv = 5
    if args.quick:
        param_grid = {"n_estimators": [10, 30], "max_depth": [None, 2], "min_samples_split": [2, 10]}
        cv = 3

    rf = RandomForestClassifier(random_state=0)
    grid_search = GridSearchCV(
        estimator=rf, param_grid=param_grid, cv=cv,
        storage=args.storage, study_name="sklearn-grid" if args.storage else None, prune_folds=args.prune,
    )  # fmt: skip
    grid_search.fit(X_train, y_train)

    best_params = grid_search.best_params_
    print(f"best parameters: {best_params}")
    print(f"best score: {grid_search.best_score_:.4f} (mean {cv}-fold CV accuracy)")
    print(f"test accuracy of the refit forest: {grid_search.score(X_test, y_test):.4f}")
    print(f"fold fits: {grid_search.n_fits_} run, {grid_search.n_fits_reused_} read back from storage, "
          f"{grid_search.n_fits_pruned_} skipped by pruning")  # fmt: skip


if __name__ == "__main__":
    main()
