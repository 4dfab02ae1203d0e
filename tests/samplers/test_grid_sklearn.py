"""GridSampler against scikit-learn's GridSearchCV: the same points, in the same order, and the same winner."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import hyperscout as hs
from hyperscout.samplers import GridSampler

sklearn = pytest.importorskip("sklearn")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV, ParameterGrid, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

DICT_GRID = {"C": [0.1, 1, 10], "gamma": np.array([1e-3, 1e-2]), "kernel": ["rbf"]}
LIST_GRID = [
    {"kernel": ["linear"], "C": [0.1, 1.0, 10.0]},
    {"kernel": ["rbf"], "C": [1.0, 10.0], "gamma": [1e-3, 1e-2, 1e-1]},
]


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(y))[:300]
    X, y = X[idx] / 16.0, y[idx]
    folds = list(StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(X, y))
    return X, y, folds


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in params.items()}


def _svc_objective(grid: Any, X: np.ndarray, y: np.ndarray, folds: list[Any]):
    """An objective asking for exactly the keys of the grid point it is given (define-by-run)."""
    grids = [grid] if isinstance(grid, dict) else grid
    values: dict[str, list[Any]] = {}
    for g in grids:
        for k, vs in g.items():
            known = values.setdefault(k, [])
            known.extend(v for v in np.asarray(vs).tolist() if v not in known)

    def objective(trial: hs.Trial) -> float:
        kernel = trial.suggest_categorical("kernel", values["kernel"])
        params = {"C": trial.suggest_categorical("C", values["C"])}
        if kernel == "rbf":
            params["gamma"] = trial.suggest_categorical("gamma", values["gamma"])
        return cross_val_score(SVC(kernel=kernel, **params), X, y, cv=folds).mean()

    return objective


@pytest.mark.parametrize("grid", [DICT_GRID, LIST_GRID], ids=["dict", "list-of-dicts"])
def test_grid_matches_gridsearchcv_points_and_order(grid, digits):
    X, y, folds = digits
    sampler = GridSampler(grid)
    assert [_plain(p) for p in ParameterGrid(grid)] == sampler.points

    study = hs.create_study(direction="maximize", sampler=sampler)
    study.optimize(_svc_objective(grid, X, y, folds), show_progress_bar=False)
    search = GridSearchCV(SVC(), grid, cv=folds).fit(X, y)

    evaluated = [dict(t.params) for t in study.trials]
    expected = [_plain(p) for p in search.cv_results_["params"]]
    assert evaluated == expected  # the same points, each once, in the same order
    assert len(evaluated) == len(list(ParameterGrid(grid)))
    np.testing.assert_allclose([t.value for t in study.trials], search.cv_results_["mean_test_score"], rtol=1e-12)


def test_best_params_equal_gridsearchcv(digits):
    X, y, folds = digits
    grid = {"C": [0.01, 0.1, 1.0, 10.0, 100.0], "gamma": [1e-4, 1e-3, 1e-2, 1e-1, 1.0]}

    def objective(trial: hs.Trial) -> float:
        c = trial.suggest_categorical("C", grid["C"])
        gamma = trial.suggest_categorical("gamma", grid["gamma"])
        return cross_val_score(SVC(C=c, gamma=gamma), X, y, cv=folds).mean()

    study = hs.create_study(direction="maximize", sampler=GridSampler(grid))
    study.optimize(objective, show_progress_bar=False)
    search = GridSearchCV(SVC(), grid, cv=folds).fit(X, y)

    assert len(study.trials) == 25
    assert study.best_params == search.best_params_
    assert study.best_value == pytest.approx(search.best_score_, rel=1e-12)
    # the grid is not trivial: the winner is neither the first nor the last point
    assert search.best_index_ not in (0, 24)
