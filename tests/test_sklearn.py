"""hyperscout.sklearn: the SearchCV family against scikit-learn's own, persistence, pruning and bad input."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from scipy import stats  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn import model_selection as skms  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin, clone  # noqa: E402
from sklearn.datasets import load_digits, load_iris, load_wine  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import FitFailedWarning  # noqa: E402
from sklearn.feature_selection import SelectKBest  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

import hyperscout as hs  # noqa: E402
from hyperscout import TrialState  # noqa: E402
from hyperscout.sklearn import BayesSearchCV, GridSearchCV, RandomizedSearchCV, SearchCV  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


CV5 = StratifiedKFold(5, shuffle=True, random_state=0)


def _same_results(ours: dict[str, Any], theirs: dict[str, Any], *, times: bool = False) -> None:
    """Same keys in the same order, and the same values (times aside)."""
    assert list(ours) == list(theirs)
    for key, want in theirs.items():
        got = ours[key]
        if "time" in key and not times:
            assert np.all(np.isfinite(got)) and got.shape == want.shape
        elif key == "params":
            assert got == want
        elif key.startswith("param_"):
            assert list(np.ma.getmaskarray(got)) == list(np.ma.getmaskarray(want)), key
            assert [a for a in got.compressed()] == [b for b in want.compressed()], key
            assert got.dtype == want.dtype, key
        elif key.startswith("rank_"):
            assert got.dtype == want.dtype and list(got) == list(want), key
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=key)


# -- equivalence with scikit-learn --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimator", "grid", "data"),
    [
        (SVC(), {"C": [0.1, 1, 10], "gamma": np.array([1e-3, 1e-2, 1e-1])}, "digits"),
        (
            DecisionTreeClassifier(random_state=0),
            {"max_depth": [1, 2, 4, None], "criterion": ["gini", "entropy"]},
            "iris",
        ),
        (KNeighborsClassifier(), {"n_neighbors": [1, 5, 15], "weights": ["uniform", "distance"]}, "iris"),
    ],  # fmt: skip
    ids=["svc", "tree", "knn"],
)
def test_grid_search_matches_scikit_learn(estimator, grid, data, request) -> None:
    X, y = request.getfixturevalue(data)
    ours = GridSearchCV(estimator, grid, cv=CV5, return_train_score=True).fit(X, y)
    theirs = skms.GridSearchCV(estimator, grid, cv=CV5, return_train_score=True).fit(X, y)
    _same_results(ours.cv_results_, theirs.cv_results_)
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_score_ == pytest.approx(theirs.best_score_, rel=1e-12)
    assert ours.n_splits_ == theirs.n_splits_ == 5
    assert ours.refit_time_ > 0
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y))
    assert len(ours.study_.trials) == len(theirs.cv_results_["params"])


def test_list_of_grids_with_estimators_and_tuples_as_values(iris) -> None:
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()), ("reduce", PCA()), ("clf", SVC())])
    grid = [
        {"reduce": [PCA(2), SelectKBest(k=2)], "clf__C": [0.1, 1.0]},
        {"reduce": ["passthrough"], "clf__kernel": ("linear", "rbf")},  # a tuple is a list of values here
    ]
    ours = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    theirs = skms.GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert [repr(p) for p in ours.cv_results_["params"]] == [repr(p) for p in theirs.cv_results_["params"]]
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])
    assert list(ours.cv_results_) == list(theirs.cv_results_)
    assert ours.best_params_ == theirs.best_params_
    # The study stores the objects as strings; the search gives the objects back.
    stored = {t.params["reduce"] for t in ours.study_.trials}
    assert stored == {"PCA(n_components=2)", "SelectKBest(k=2)", "passthrough"}
    assert isinstance(ours.cv_results_["params"][0]["reduce"], PCA)


def test_multimetric_refit_by_name_matches_scikit_learn(iris) -> None:
    X, y = iris
    grid = {"C": [0.01, 0.1, 1.0]}
    scoring = {"acc": "accuracy", "f1": "f1_macro"}
    ours = GridSearchCV(SVC(), grid, scoring=scoring, refit="f1", cv=CV5).fit(X, y)
    theirs = skms.GridSearchCV(SVC(), grid, scoring=scoring, refit="f1", cv=CV5).fit(X, y)
    _same_results(ours.cv_results_, theirs.cv_results_)
    assert ours.multimetric_ and set(ours.scorer_) == {"acc", "f1"}
    assert ours.best_index_ == theirs.best_index_ == int(np.argmin(ours.cv_results_["rank_test_f1"]))
    assert ours.best_score_ == pytest.approx(ours.cv_results_["mean_test_f1"][ours.best_index_])
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y))
    # The study optimises the refit metric.
    assert ours.study_.best_value == pytest.approx(ours.best_score_)


def test_multimetric_refit_false_and_callable(iris) -> None:
    X, y = iris
    grid = {"max_depth": [1, 2, 3]}
    tree = DecisionTreeClassifier(random_state=0)
    no_refit = GridSearchCV(tree, grid, scoring=["accuracy", "f1_macro"], refit=False, cv=3).fit(X, y)
    assert not hasattr(no_refit, "best_params_") and not hasattr(no_refit, "best_estimator_")
    with pytest.raises(AttributeError, match="no attribute 'predict'") as error:
        no_refit.predict(X)
    assert "refit=False" in str(error.value.__cause__)

    def shallowest(results: dict[str, Any]) -> int:
        return int(np.argmin(results["param_max_depth"]))

    by_callable = GridSearchCV(tree, grid, scoring=["accuracy", "f1_macro"], refit=shallowest, cv=3).fit(X, y)
    assert by_callable.best_index_ == 0 and by_callable.best_params_ == {"max_depth": 1}
    assert not hasattr(by_callable, "best_score_")


def test_single_metric_refit_false_still_reports_the_best(iris) -> None:
    X, y = iris
    search = GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 3]}, refit=False, cv=3).fit(X, y)
    assert search.best_params_ == {"max_depth": 3}
    assert not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError, match="no attribute 'predict_proba'") as error:
        search.predict_proba(X)
    assert "refit=False" in str(error.value.__cause__)


def test_fit_params_and_groups_go_where_scikit_learn_sends_them(iris) -> None:
    X, y = iris
    weights = np.random.default_rng(0).uniform(0.1, 2.0, len(y))
    groups = np.arange(len(y)) % 5
    grid = {"max_depth": [1, 2, 3]}
    tree = DecisionTreeClassifier(random_state=0)
    ours = GridSearchCV(tree, grid, cv=GroupKFold(5)).fit(X, y, groups=groups, sample_weight=weights)
    theirs = skms.GridSearchCV(tree, grid, cv=GroupKFold(5)).fit(X, y, groups=groups, sample_weight=weights)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])
    unweighted = GridSearchCV(tree, grid, cv=GroupKFold(5)).fit(X, y, groups=groups)
    assert not np.allclose(unweighted.cv_results_["mean_test_score"], ours.cv_results_["mean_test_score"])


def test_regression_and_unsupervised_delegation(iris) -> None:
    X, y = iris
    reg = GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, cv=KFold(3)).fit(X, y.astype(float))
    assert reg.predict(X).shape == (len(y),)
    assert not hasattr(reg, "predict_proba")
    pca = GridSearchCV(PCA(), {"n_components": [1, 2]}, cv=3).fit(X)  # PCA.score: the log-likelihood
    assert pca.transform(X).shape == (len(y), pca.best_params_["n_components"])
    assert pca.inverse_transform(pca.transform(X)).shape == X.shape


# -- a real scikit-learn estimator ----------------------------------------------------------------------


def test_clone_get_set_params() -> None:
    search = RandomizedSearchCV(SVC(), {"C": loguniform(1e-2, 1e2)}, n_iter=3, random_state=0, storage=None)
    params = search.get_params()
    assert params["n_iter"] == 3 and params["estimator__C"] == 1.0
    copy = clone(search)
    assert copy.get_params()["n_iter"] == 3 and copy is not search
    search.set_params(n_iter=5, estimator__C=2.0)
    assert search.n_iter == 5 and search.estimator.C == 2.0
    assert set(SearchCV(SVC(), {}).get_params(deep=False)) == {
        "estimator", "search_space", "sampler", "n_trials", "scoring", "cv", "refit", "n_jobs", "timeout",
        "storage", "study_name", "random_state", "error_score", "return_train_score", "verbose", "prune_folds",
    }  # fmt: skip


def test_pickle_a_fitted_search(iris, tmp_path) -> None:
    X, y = iris
    url = f"sqlite:///{tmp_path / 's.db'}"
    for storage in (None, url):
        search = GridSearchCV(SVC(), {"C": [0.1, 1.0]}, cv=3, storage=storage, study_name="p").fit(X, y)
        again = pickle.loads(pickle.dumps(search))
        np.testing.assert_array_equal(again.predict(X), search.predict(X))
        assert again.best_params_ == search.best_params_
        if storage is None:
            with pytest.raises(AttributeError, match="lived in memory"):
                again.study_  # noqa: B018
        else:
            assert len(again.study_.trials) == 2  # reopened from the database


def test_pipeline_and_nested_cross_validation_match_scikit_learn(iris) -> None:
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    grid = {"clf__C": [0.1, 1.0, 10.0]}
    inner = KFold(3, shuffle=True, random_state=1)
    outer = StratifiedKFold(3, shuffle=True, random_state=2)
    ours = cross_val_score(GridSearchCV(pipe, grid, cv=inner), X, y, cv=outer)
    theirs = cross_val_score(skms.GridSearchCV(pipe, grid, cv=inner), X, y, cv=outer)
    np.testing.assert_allclose(ours, theirs)
    fitted = GridSearchCV(pipe, grid, cv=inner).fit(X, y)
    assert isinstance(fitted.best_estimator_, Pipeline) and fitted.best_estimator_.named_steps["clf"].C in (0.1, 1, 10)


def test_searchcv_is_seen_as_a_classifier(iris) -> None:
    from sklearn.base import is_classifier, is_regressor

    assert is_classifier(SearchCV(SVC(), {"C": [1.0]}))
    assert is_regressor(SearchCV(Ridge(), {"alpha": [1.0]}))


# -- error_score and n_jobs --------------------------------------------------------------------------


class _Brittle(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; ``fit`` raises when ``fail`` is set, or on the fit number ``interrupt_at``."""

    fits: ClassVar[int] = 0
    interrupt_at: ClassVar[int | None] = None
    sleep: ClassVar[float] = 0.0

    def __init__(self, shift: int = 0, fail: bool = False) -> None:
        self.shift = shift
        self.fail = fail

    def fit(self, X: np.ndarray, y: np.ndarray) -> _Brittle:
        type(self).fits += 1
        if type(self).interrupt_at is not None and type(self).fits >= type(self).interrupt_at:
            raise KeyboardInterrupt
        if self.fail:
            raise ValueError("this configuration cannot be fitted")
        time.sleep(type(self).sleep)
        self.classes_ = np.unique(y)
        self.guess_ = self.classes_[(np.bincount(np.searchsorted(self.classes_, y)).argmax() + self.shift) % 3]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), self.guess_)


@pytest.fixture
def brittle():
    _Brittle.fits, _Brittle.interrupt_at, _Brittle.sleep = 0, None, 0.0
    yield _Brittle
    _Brittle.fits, _Brittle.interrupt_at, _Brittle.sleep = 0, None, 0.0


def test_error_score_nan_number_and_raise(iris, brittle) -> None:
    X, y = iris
    grid = {"fail": [False, True]}
    with pytest.warns(FitFailedWarning, match="5 fits failed out of a total of 10"):
        search = GridSearchCV(brittle(), grid, cv=5).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert list(search.cv_results_["rank_test_score"]) == [1, 2]
    assert search.best_params_ == {"fail": False}
    assert "cannot be fitted" in search.study_.trials[1].user_attrs["cv_fold_0"]["error"]
    with pytest.warns(FitFailedWarning):
        zero = GridSearchCV(brittle(), grid, cv=5, error_score=0.0).fit(X, y)
    assert zero.cv_results_["mean_test_score"][1] == 0.0
    with pytest.raises(ValueError, match="cannot be fitted"):
        GridSearchCV(brittle(), grid, cv=5, error_score="raise").fit(X, y)
    with pytest.raises(ValueError, match="error_score"):
        GridSearchCV(brittle(), grid, error_score="ignore").fit(X, y)


def test_n_jobs_runs_folds_in_parallel_with_the_same_results(digits) -> None:
    X, y = digits
    grid = {"C": [0.1, 1.0], "gamma": [0.01, 0.1]}
    serial = GridSearchCV(SVC(), grid, cv=CV5).fit(X, y)
    parallel = GridSearchCV(SVC(), grid, cv=CV5, n_jobs=2).fit(X, y)
    _same_results(parallel.cv_results_, serial.cv_results_)
    assert parallel.n_fits_ == serial.n_fits_ == 20


# -- fold pruning ------------------------------------------------------------------------------------


def test_fold_pruning_saves_fits_and_keeps_the_best(digits) -> None:
    X, y = digits
    space = {"C": loguniform(1e-3, 1e3), "gamma": loguniform(1e-5, 1e1)}
    kw: dict[str, Any] = {"sampler": "random", "n_trials": 25, "cv": CV5, "random_state": 0}
    full = SearchCV(SVC(), space, **kw).fit(X, y)
    pruned = SearchCV(SVC(), space, prune_folds=True, **kw).fit(X, y)
    # The same candidates (random search depends on the seed and trial number only), fewer fits.
    assert pruned.cv_results_["params"] == full.cv_results_["params"]
    assert pruned.n_fits_pruned_ > 0.3 * full.n_fits_
    assert pruned.n_fits_ + pruned.n_fits_pruned_ == full.n_fits_ == 125
    assert pruned.best_params_ == full.best_params_
    assert pruned.best_score_ == full.best_score_
    states = [t.state for t in pruned.study_.trials]
    assert states[pruned.best_index_] is TrialState.COMPLETE
    # Every pruned candidate was truly worse than the winner.
    was_pruned = [s is TrialState.PRUNED for s in states]
    assert all(full.cv_results_["mean_test_score"][was_pruned] < full.best_score_)
    assert np.isnan(pruned.cv_results_["mean_test_score"][was_pruned]).all()


def test_fold_pruner_bound() -> None:
    from hyperscout._sklearn.folds import FoldPruner

    def trial(number: int, folds: list[float], state: TrialState = TrialState.RUNNING) -> hs.FrozenTrial:
        value = (float(np.mean(folds)),) if state is TrialState.COMPLETE else None
        return hs.FrozenTrial(number, state, {}, {}, values=value, intermediate_values=dict(enumerate(folds)))

    best = trial(0, [0.9, 0.95, 1.0, 0.9, 0.95], TrialState.COMPLETE)  # mean 0.94, best fold 1.0
    pruner = FoldPruner(5)
    # (0.5 + 0.5 + 3 * 1.0) / 5 = 0.8 < 0.94: cannot catch up.
    assert pruner.prune(trial(1, [0.5, 0.5]), [best], "maximize")
    # (0.9 + 4 * 1.0) / 5 = 0.98 >= 0.94: might still win.
    assert not pruner.prune(trial(1, [0.9]), [best], "maximize")
    assert not pruner.prune(trial(1, [0.1]), [], "maximize")  # nothing to compare with
    assert not pruner.prune(trial(1, [0.1] * 5), [best], "maximize")  # already finished


def test_a_failed_fold_prunes_when_pruning(iris, brittle) -> None:
    X, y = iris
    search = GridSearchCV(brittle(), {"fail": [False, True]}, cv=5, prune_folds=True)
    with pytest.warns(FitFailedWarning, match="1 fits failed out of a total of 6"):
        search.fit(X, y)
    assert search.n_fits_pruned_ == 4


# -- persistence and resumption ------------------------------------------------------------------------


def test_resume_after_ctrl_c_skips_every_scored_fold(iris, brittle, tmp_path) -> None:
    X, y = iris
    url = f"sqlite:///{tmp_path / 'cv.db'}"
    grid = {"shift": [0, 1, 2]}
    brittle.interrupt_at = 8  # the 3rd fold of the 2nd candidate (cv=5)
    with pytest.raises(KeyboardInterrupt):
        GridSearchCV(brittle(), grid, cv=5, storage=url, study_name="g").fit(X, y)
    brittle.interrupt_at = None
    brittle.fits = 0
    search = GridSearchCV(brittle(), grid, cv=5, storage=url, study_name="g").fit(X, y)
    assert search.n_fits_reused_ == 2  # the interrupted candidate's two scored folds
    assert search.n_fits_ == 5 + 3  # the last candidate, and the missing folds of the interrupted one
    assert brittle.fits == search.n_fits_ + 1  # + the refit
    uninterrupted = GridSearchCV(brittle(), grid, cv=5).fit(X, y)
    _same_results(search.cv_results_, uninterrupted.cv_results_)
    # Fitting again finds nothing left to do.
    again = GridSearchCV(brittle(), grid, cv=5, storage=url, study_name="g").fit(X, y)
    assert again.n_fits_ == 0
    _same_results(again.cv_results_, search.cv_results_, times=True)  # every time read back from storage


def test_resume_continues_a_sampled_search_to_n_trials(iris, tmp_path) -> None:
    X, y = iris
    url = f"sqlite:///{tmp_path / 'cv.db'}"
    kw: dict[str, Any] = {"n_trials": 3, "cv": 3, "storage": url, "study_name": "s", "random_state": 0}
    first = SearchCV(SVC(), {"C": (1e-2, 1e2)}, **kw).fit(X, y)
    more = SearchCV(SVC(), {"C": (1e-2, 1e2)}, **{**kw, "n_trials": 5}).fit(X, y)
    assert more.n_fits_ == 2 * 3
    assert more.cv_results_["params"][:3] == first.cv_results_["params"]
    assert len(more.cv_results_["params"]) == 5


def test_resume_refuses_other_data(iris, tmp_path) -> None:
    X, y = iris
    url = f"sqlite:///{tmp_path / 'cv.db'}"
    GridSearchCV(SVC(), {"C": [1.0]}, cv=3, storage=url, study_name="d").fit(X, y)
    with pytest.raises(ValueError, match="other data"):
        GridSearchCV(SVC(), {"C": [1.0]}, cv=3, storage=url, study_name="d").fit(X[:-3], y[:-3])
    with pytest.raises(ValueError, match="other splits"):
        GridSearchCV(SVC(), {"C": [1.0]}, cv=5, storage=url, study_name="d").fit(X, y)
    with pytest.raises(ValueError, match="other estimator"):
        GridSearchCV(SVC(kernel="linear"), {"C": [1.0]}, cv=3, storage=url, study_name="d").fit(X, y)
    hs.create_study("plain", url, direction="maximize").optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    with pytest.raises(ValueError, match="not a cross-validated search"):
        GridSearchCV(SVC(), {"C": [1.0]}, cv=3, storage=url, study_name="plain").fit(X, y)


_KILLED_WORKER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[2])
    from sklearn.datasets import load_iris
    from test_sklearn import _Brittle
    from hyperscout.sklearn import GridSearchCV

    fit = _Brittle.fit

    def fit_then_stop(self, X, y):
        # Stops for good in the 2nd candidate's 3rd fold, so that the kill lands inside that
        # candidate however slow the machine is (two of its folds are recorded by then).
        if type(self).fits == 7:
            open(sys.argv[3], "w").close()
            time.sleep(600)
        return fit(self, X, y)

    _Brittle.fit = fit_then_stop
    X, y = load_iris(return_X_y=True)
    GridSearchCV(_Brittle(), {"shift": [0, 1, 2]}, cv=5, storage=sys.argv[1], study_name="k").fit(X, y)
    """
)


def test_resume_after_kill_9(iris, brittle, tmp_path) -> None:
    X, y = iris
    url = f"sqlite:///{tmp_path / 'cv.db'}"
    stopped = tmp_path / "stopped"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WORKER, url, str(Path(__file__).parent), str(stopped)])
    try:
        deadline = time.monotonic() + 180  # generous: a loaded machine imports scikit-learn slowly
        while not stopped.exists():
            assert proc.poll() is None, "the worker ended before it reached the 2nd candidate's 3rd fold"
            assert time.monotonic() < deadline, "the worker never reached the 2nd candidate's 3rd fold"
            time.sleep(0.05)
        trials = hs.load_study("k", url).trials
        assert len(trials) == 2 and len(trials[1].user_attrs) >= 2  # two folds of the 2nd candidate on disk
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    search = GridSearchCV(brittle(), {"shift": [0, 1, 2]}, cv=5, storage=url, study_name="k").fit(X, y)
    assert search.n_fits_reused_ >= 1
    assert search.n_fits_ + search.n_fits_reused_ == 10  # the 2nd and 3rd candidates, each fold once
    uninterrupted = GridSearchCV(brittle(), {"shift": [0, 1, 2]}, cv=5).fit(X, y)
    _same_results(search.cv_results_, uninterrupted.cv_results_)


# -- the named variants ---------------------------------------------------------------------------------


def test_randomized_search_over_lists_samples_without_replacement(iris) -> None:
    X, y = iris
    grid = {"max_depth": [1, 2, 3], "criterion": ("gini", "entropy")}  # a tuple is a list in scikit-learn
    tree = DecisionTreeClassifier(random_state=0)
    search = RandomizedSearchCV(tree, grid, n_iter=6, cv=3, random_state=0).fit(X, y)
    points = [tuple(sorted(p.items())) for p in search.cv_results_["params"]]
    assert len(set(points)) == 6
    other = RandomizedSearchCV(tree, grid, n_iter=3, cv=3, random_state=1).fit(X, y)
    same = RandomizedSearchCV(tree, grid, n_iter=3, cv=3, random_state=1).fit(X, y)
    assert other.cv_results_["params"] == same.cv_results_["params"]
    with pytest.warns(UserWarning, match="total space of parameters 6 is smaller than n_iter=10"):
        capped = RandomizedSearchCV(tree, grid, n_iter=10, cv=3, random_state=0).fit(X, y)
    assert len(capped.cv_results_["params"]) == 6


class _TakesAnything(ClassifierMixin, BaseEstimator):
    """Any values for ``a``, ``b`` and ``c``; predicts the first class. Fits in microseconds."""

    def __init__(self, a: Any = None, b: Any = None, c: Any = None) -> None:
        self.a, self.b, self.c = a, b, c

    def fit(self, X: Any, y: Any) -> _TakesAnything:
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), self.classes_[0])


@pytest.mark.parametrize(
    "space",
    [
        {"a": stats.uniform(0, 1), "b": stats.norm(3, 2), "c": stats.expon(scale=0.5)},
        {"a": stats.loguniform(1e-3, 1e3), "b": stats.gamma(2.0), "c": stats.beta(2, 5)},
        {"a": stats.randint(1, 100), "b": stats.poisson(4), "c": stats.bernoulli(0.3)},
        {"a": stats.geom(0.2), "b": stats.truncnorm(-1, 1), "c": ["x", "y", "z"]},
        {"a": [1, 2, 3, 4], "b": ("p", "q"), "c": range(5)},  # all lists: drawn without replacement
        [{"a": stats.uniform(0, 1)}, {"b": [1, 2, 3], "c": stats.randint(0, 3)}],  # a list of dicts
    ],
)
@pytest.mark.parametrize("random_state", [0, 7, "RandomState"])
def test_randomized_search_evaluates_scikit_learns_candidates(iris, space, random_state) -> None:
    X, y = iris
    kw: dict[str, Any] = {"n_iter": 12, "cv": 2, "refit": False}
    seed = (lambda: np.random.RandomState(3)) if random_state == "RandomState" else (lambda: random_state)
    ours = RandomizedSearchCV(_TakesAnything(), space, random_state=seed(), **kw)
    theirs = skms.RandomizedSearchCV(_TakesAnything(), space, random_state=seed(), **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the all-lists space has fewer than n_iter points
        ours.fit(X, y)
        theirs.fit(X, y)
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    for key in theirs.cv_results_:
        if key.startswith("param_"):
            assert list(ours.cv_results_[key]) == list(theirs.cv_results_[key]), key


def test_randomized_search_resumed_still_evaluates_scikit_learns_candidates(iris, brittle, tmp_path) -> None:
    X, y = iris
    space = {"shift": stats.randint(0, 6)}
    url = f"sqlite:///{tmp_path / 'r.db'}"
    kw: dict[str, Any] = {"n_iter": 6, "cv": 3, "random_state": 5, "refit": False}
    brittle.interrupt_at = 8  # Ctrl-C in the second fold of the third candidate
    with pytest.raises(KeyboardInterrupt):
        RandomizedSearchCV(brittle(), space, storage=url, study_name="r", **kw).fit(X, y)
    brittle.interrupt_at = None
    resumed = RandomizedSearchCV(brittle(), space, storage=url, study_name="r", **kw).fit(X, y)
    theirs = skms.RandomizedSearchCV(brittle(), space, **kw).fit(X, y)
    assert resumed.cv_results_["params"] == theirs.cv_results_["params"]
    assert (resumed.n_fits_reused_, resumed.n_fits_) == (1, 11)  # 2 candidates done, 1 fold of the 3rd
    np.testing.assert_allclose(resumed.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])


def test_randomized_search_with_distributions_is_reproducible(iris) -> None:
    X, y = iris
    space = {"C": loguniform(1e-2, 1e2), "kernel": ["rbf", "linear"]}
    a = RandomizedSearchCV(SVC(), space, n_iter=4, cv=3, random_state=3).fit(X, y)
    b = RandomizedSearchCV(SVC(), space, n_iter=4, cv=3, random_state=3).fit(X, y)
    assert a.cv_results_["params"] == b.cv_results_["params"]
    assert all(1e-2 <= p["C"] <= 1e2 for p in a.cv_results_["params"])
    hs_space = {"C": hs.Float(1e-2, 1e2, log=True), "kernel": hs.Categorical(["rbf", "linear"])}
    c = RandomizedSearchCV(SVC(), hs_space, n_iter=4, cv=3, random_state=3).fit(X, y)
    d = RandomizedSearchCV(SVC(), hs_space, n_iter=4, cv=3, random_state=3).fit(X, y)
    assert c.cv_results_["params"] == d.cv_results_["params"]
    assert all(1e-2 <= p["C"] <= 1e2 and p["kernel"] in ("rbf", "linear") for p in c.cv_results_["params"])


def test_bayes_search_cv_uses_the_gp(digits) -> None:
    X, y = digits
    search = BayesSearchCV(SVC(), {"C": (1e-2, 1e3), "gamma": (1e-4, 1.0)}, n_iter=12, cv=3, random_state=0)
    search.fit(X, y)
    assert isinstance(search.study_.sampler, hs.samplers.GPSampler)
    assert len(search.cv_results_["params"]) == 12
    assert search.best_score_ > 0.9


def test_searchcv_takes_any_sampler_and_hyperscout_ranges(iris) -> None:
    X, y = iris
    space = {"max_depth": (None, 6), "min_samples_split": (2, 10), "criterion": ["gini", "entropy"]}
    search = SearchCV(DecisionTreeClassifier(random_state=0), space, sampler=hs.samplers.QMCSampler(seed=1),
                      n_trials=6, cv=3).fit(X, y)  # fmt: skip
    for p in search.cv_results_["params"]:
        assert p["max_depth"] is None or isinstance(p["max_depth"], int)
        assert isinstance(p["min_samples_split"], int) and 2 <= p["min_samples_split"] <= 10
    grid = SearchCV(SVC(), {"C": [0.1, 1.0, 10.0]}, sampler="grid", n_trials=None, cv=3).fit(X, y)
    assert [p["C"] for p in grid.cv_results_["params"]] == [0.1, 1.0, 10.0]


def test_verbose_reports_the_plan_and_each_fold(iris, capsys) -> None:
    X, y = iris
    GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2]}, cv=3, verbose=2).fit(X, y)
    out = capsys.readouterr().out
    assert "Fitting 3 folds for each of 2 candidates, totalling 6 fits; 0 candidates already in study" in out
    assert out.count("[CV ") == 6 and "[CV 3/3; trial 1] END max_depth=2; total time=" in out


def test_timeout_stops_starting_candidates(iris) -> None:
    X, y = iris
    search = SearchCV(SVC(), {"C": (1e-2, 1e2)}, n_trials=None, timeout=0.2, cv=3, random_state=0).fit(X, y)
    assert 1 <= len(search.cv_results_["params"])


# -- bad input is caught before any fit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimator", "space", "match"),
    [
        (SVC(), {"c": [1.0]}, r"'c' is not a parameter of SVC; did you mean 'C'"),
        (Pipeline([("clf", SVC())]), {"clf__gama": [1.0]}, r"did you mean 'clf__gamma'"),
        (Pipeline([("clf", None)]), {"clf": [SVC()], "clf__gama": [1.0]}, r"did you mean 'clf__gamma'"),
    ],
)
def test_a_misspelt_name_is_a_clear_error_before_fitting(iris, tmp_path, estimator, space, match) -> None:
    X, y = iris
    db = tmp_path / "bad.db"
    for cls in (GridSearchCV, RandomizedSearchCV, SearchCV):
        with pytest.raises(ValueError, match=match):
            cls(estimator, space, storage=f"sqlite:///{db}", study_name="bad").fit(X, y)
    assert not db.exists()  # refused before a study, let alone a fit, was started


@pytest.mark.parametrize(
    ("estimator", "space", "match"),
    [
        (SVC(), {"C": [1.0, -1.0]}, r"C=-1.0 is rejected by SVC"),
        (Pipeline([("clf", SVC())]), {"clf__kernel": ["rbf", "cubic"]}, r"clf__kernel='cubic' is rejected by SVC"),
        (Pipeline([("clf", SVC())]), {"clf": [SVC(C=-2.0)]}, r"rejected by SVC"),
        (SVC(), {"C": "1.0"}, r"cannot read"),
    ],
)
def test_searchcv_checks_values_before_fitting(iris, tmp_path, estimator, space, match) -> None:
    X, y = iris
    db = tmp_path / "bad.db"
    with pytest.raises(ValueError, match=match):
        SearchCV(estimator, space, sampler="grid", storage=f"sqlite:///{db}", study_name="bad").fit(X, y)
    assert not db.exists()


def test_grid_and_randomized_search_give_a_rejected_value_error_score_as_scikit_learn(iris) -> None:
    X, y = iris
    for cls in (GridSearchCV, RandomizedSearchCV):
        with pytest.warns(FitFailedWarning, match="3 fits failed out of a total of 6"):
            search = cls(SVC(), {"C": [1.0, -1.0]}, cv=3, error_score=-5.0).fit(X, y)
        results = search.cv_results_
        scores = dict(zip([p["C"] for p in results["params"]], results["mean_test_score"], strict=True))
        assert scores[-1.0] == -5.0 and scores[1.0] > 0.9
    with pytest.raises(TypeError, match="Parameter grid for parameter 'C' needs to be a list or a numpy array"):
        GridSearchCV(SVC(), {"C": "1.0"}).fit(X, y)


def test_bad_options_are_clear_errors_before_fitting(iris, brittle) -> None:
    X, y = iris
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        GridSearchCV(brittle(), {"shift": [0]}, scoring=["accuracy", "f1_macro"]).fit(X, y)
    with pytest.raises(ValueError, match="nonsense"):
        GridSearchCV(brittle(), {"shift": [0]}, scoring="nonsense").fit(X, y)
    with pytest.raises(ValueError, match="runs forever"):
        SearchCV(brittle(), {"shift": (0, 2)}, n_trials=None).fit(X, y)
    with pytest.raises(ValueError, match="candidates must be a positive int"):
        RandomizedSearchCV(brittle(), {"shift": [0, 1]}, n_iter=0).fit(X, y)
    with pytest.raises(ValueError, match="grids only"):
        SearchCV(brittle(), [{"shift": [0]}, {"shift": [1]}]).fit(X, y)
    with pytest.raises(ValueError, match="timeout"):
        SearchCV(brittle(), {"shift": [0]}, timeout=-1).fit(X, y)
    with pytest.raises(TypeError, match="prune_folds must be True or False, got 'no'"):
        SearchCV(brittle(), {"shift": [0]}, prune_folds="no").fit(X, y)
    for bad in (True, "5"):  # True was taken as 1 s
        with pytest.raises(TypeError, match=f"timeout must be a positive number of seconds or None, got {bad!r}"):
            SearchCV(brittle(), {"shift": [0]}, timeout=bad).fit(X, y)
    assert brittle.fits == 0


# -- the examples --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sklearn_grid", "sklearn_random", "sklearn_model_based", "sklearn_bayesian"])
def test_examples_run_and_print_the_best(name: str) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / f"{name}.py"), "--quick"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "best parameters:" in out.stdout and "best score:" in out.stdout, out.stdout


def test_no_warning_on_a_clean_search(iris) -> None:
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2]}, cv=3).fit(X, y)


def test_wine_random_forest_as_in_the_seed() -> None:
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_wine(return_X_y=True)
    grid = {"n_estimators": [5, 10], "max_depth": [None, 2], "min_samples_split": [2, 10]}
    rf = RandomForestClassifier(random_state=0)
    ours = GridSearchCV(estimator=rf, param_grid=grid, cv=3).fit(X, y)
    theirs = skms.GridSearchCV(estimator=rf, param_grid=grid, cv=3).fit(X, y)
    _same_results(ours.cv_results_, theirs.cv_results_)
    assert ours.best_params_ == theirs.best_params_
