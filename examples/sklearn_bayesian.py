"""The seed's Bayesian optimisation (贝叶斯优化) of a random forest, as the seed wrote it.

The lines between the markers are the seed's, unchanged but for the import and for passing the
training data to ``maximize``: a Gaussian-process prior over the cross-validated accuracy,
updated after every forest, with expected improvement choosing the next one.

    python examples/sklearn_bayesian.py [--quick]
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from hyperscout import BayesianOptimization  # was: from sklearn.model_selection import BayesianOptimization


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 initial points and 1 GP step (for CI)")
    args = parser.parse_args()

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    init_points, n_iter = (2, 1) if args.quick else (5, 10)

    # -- the seed --
    param_distributions = {
        "n_estimators": (10, 200),
        "max_depth": (None, 30),
        "min_samples_split": (2, 10),
    }

    rf = RandomForestClassifier()
    optimizer = BayesianOptimization(estimator=rf, param_distributions=param_distributions, random_state=42)
    optimizer.maximize(X_train, y_train, init_points=init_points, n_iter=n_iter, acq=BayesianOptimization.EI)

    best_params = optimizer.max["params"]
    # -- end of the seed --

    print(f"best parameters: {best_params}")
    print(f"best score: {optimizer.max['target']:.4f} (mean 5-fold CV accuracy, {len(optimizer.res)} forests)")
    best = RandomForestClassifier(random_state=0, **best_params).fit(X_train, y_train)
    print(f"test accuracy of a forest with these parameters: {best.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()
