"""The seed's random search (随机搜索): random combinations of a random forest's parameters.

The code is scikit-learn's ``RandomizedSearchCV`` example; only the import differs. As in
scikit-learn, when every parameter is a list the combinations are drawn without replacement.
The seed asked for ``n_iter=100``, more than the 48 combinations of these lists (scikit-learn would
warn and run all 48, a grid search); 20 draws show what random search is for.

    python examples/sklearn_random.py [--quick] [--storage sqlite:///random.db]
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from hyperscout.sklearn import RandomizedSearchCV  # was: from sklearn.model_selection import RandomizedSearchCV


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 draws of small forests and 3 folds (for CI)")
    parser.add_argument("--storage", default=None, help="a database URL to keep (and resume) the search")
    args = parser.parse_args()

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

    param_distributions = {
        "n_estimators": [10, 50, 100, 200],
        "max_depth": [None, 10, 20, 30],
        "min_samples_split": [2, 5, 10],
    }
    n_iter, cv = 20, 5
    if args.quick:
        param_distributions["n_estimators"] = [10, 20]
        n_iter, cv = 4, 3

    rf = RandomForestClassifier(random_state=0)
    random_search = RandomizedSearchCV(
        estimator=rf, param_distributions=param_distributions, n_iter=n_iter, cv=cv, random_state=0,
        storage=args.storage, study_name="sklearn-random" if args.storage else None,
    )  # fmt: skip
    random_search.fit(X_train, y_train)

    best_params = random_search.best_params_
    print(f"best parameters: {best_params}")
    print(f"best score: {random_search.best_score_:.4f} (mean {cv}-fold CV accuracy, {n_iter} draws)")
    print(f"test accuracy of the refit forest: {random_search.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()
