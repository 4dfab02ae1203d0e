"""scikit-optimize users change one import: BayesSearchCV reads skopt's spaces, optimizer_kwargs and callbacks."""

from __future__ import annotations

import subprocess
import sys
import types
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_iris  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

import hyperscout as hs  # noqa: E402
from hyperscout._sklearn.skopt_compat import sampler_from_optimizer_kwargs, skopt_dimension  # noqa: E402
from hyperscout.sklearn import BayesSearchCV  # noqa: E402


def _stand_in_space() -> types.SimpleNamespace:
    """Classes shaped like skopt.space's, from a module of that name, for when scikit-optimize is absent."""

    class Real:
        def __init__(self, low, high, prior="uniform", base=10, transform=None, name=None, dtype=float):
            self.low, self.high, self.prior, self.base = low, high, prior, base

    class Integer(Real):
        pass

    class Categorical:
        def __init__(self, categories, prior=None, transform=None, name=None):
            self.categories, self.prior = tuple(categories), prior

    for cls in (Real, Integer, Categorical):
        cls.__module__ = "skopt.space.space"
    return types.SimpleNamespace(Real=Real, Integer=Integer, Categorical=Categorical)


@pytest.fixture
def space() -> types.SimpleNamespace:
    """``skopt.space`` when scikit-optimize is installed, else stand-ins that look the same to hyperscout."""
    try:
        import skopt.space
    except ImportError:
        return _stand_in_space()
    return types.SimpleNamespace(Real=skopt.space.Real, Integer=skopt.space.Integer,
                                 Categorical=skopt.space.Categorical)  # fmt: skip


X, y = load_iris(return_X_y=True)


def test_skopt_objects_become_hyperscout_distributions(space) -> None:
    assert skopt_dimension("C", space.Real(1e-3, 1e3, prior="log-uniform")) == hs.Float(1e-3, 1e3, log=True)
    assert skopt_dimension("C", space.Real(1e-3, 1e3, "log-uniform", base=2)) == hs.Float(1e-3, 1e3, log=True)
    assert skopt_dimension("n", space.Integer(2, 9)) == hs.Int(2, 9)
    assert skopt_dimension("n", space.Integer(1, 64, prior="log-uniform")) == hs.Int(1, 64, log=True)
    assert skopt_dimension("k", space.Categorical(["linear", "rbf"])) == ["linear", "rbf"]
    with pytest.warns(UserWarning, match="prior weights"):
        skopt_dimension("k", space.Categorical(["linear", "rbf"], prior=[0.9, 0.1]))


# Each shorthand, and what scikit-optimize 0.10's check_dimension returns for it.
SHORTHANDS = [
    ((1, 10), hs.Int(1, 10)),
    ((1.0, 10), hs.Float(1.0, 10.0)),
    ((1e-6, 1e6), hs.Float(1e-6, 1e6)),  # uniform, as in scikit-optimize (hyperscout's own tuples would go log)
    ((1e-6, 1e6, "log-uniform"), hs.Float(1e-6, 1e6, log=True)),
    ((1, 1000, "log-uniform"), hs.Int(1, 1000, log=True)),
    ((0.5, 2, "uniform"), hs.Float(0.5, 2.0)),
    ((1, 100, "log-uniform", 2), hs.Int(1, 100, log=True)),
    ((1e-3, 1.0, "log-uniform", 2), hs.Float(1e-3, 1.0, log=True)),
    (("a", "b"), ["a", "b"]),
    ((True, False), [True, False]),
    (("a",), ["a"]),
    ((1, 2, 3), [1, 2, 3]),
    ((1, 10, "normal"), [1, 10, "normal"]),
    ((1, 100, "uniform", 2), [1, 100, "uniform", 2]),
    (("gini", "entropy", "log_loss", "x", "y"), ["gini", "entropy", "log_loss", "x", "y"]),
]


@pytest.mark.parametrize(("spec", "expected"), SHORTHANDS, ids=[repr(s) for s, _ in SHORTHANDS])
def test_tuple_shorthands_follow_check_dimension(spec, expected) -> None:
    assert skopt_dimension("p", spec) == expected


@pytest.mark.parametrize(("spec", "expected"), SHORTHANDS, ids=[repr(s) for s, _ in SHORTHANDS])
def test_the_table_agrees_with_installed_scikit_optimize(spec, expected) -> None:
    skopt_space = pytest.importorskip("skopt.space", reason="checks the table against scikit-optimize itself")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = skopt_space.check_dimension(spec)
    if isinstance(expected, list):
        assert type(theirs).__name__ == "Categorical" and list(theirs.categories) == expected
    else:
        assert type(theirs).__name__ == ("Integer" if isinstance(expected, hs.Int) else "Real")
        assert (theirs.low, theirs.high) == (expected.low, expected.high)
        assert (theirs.prior == "log-uniform") == expected.log


def test_lists_are_categories_with_a_warning_where_skopt_010_reads_a_range() -> None:
    with pytest.warns(UserWarning, match=r"write the tuple \(1, 10\)"):
        assert skopt_dimension("depth", [1, 10]) == [1, 10]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert skopt_dimension("kernel", ["linear", "rbf"]) == ["linear", "rbf"]
    with pytest.raises(ValueError, match=r"search_spaces\['p'\]"):
        skopt_dimension("p", (1, [2]))
    with pytest.raises(ValueError, match=r"search_spaces\['C'\]"):
        skopt_dimension("C", (0.0, 1.0, "log-uniform"))


def test_bayes_search_with_skopt_objects_and_shorthands(space) -> None:
    search = BayesSearchCV(
        SVC(),
        {
            "C": space.Real(1e-2, 1e2, prior="log-uniform"),
            "gamma": (1e-4, 1e0, "log-uniform"),
            "degree": space.Integer(1, 4),
            "kernel": space.Categorical(["linear", "rbf", "poly"]),
        },
        n_iter=6,
        cv=3,
        random_state=0,
    ).fit(X, y)
    dists = search.study_.trials[0].distributions
    assert dists["C"] == hs.Float(1e-2, 1e2, log=True) and dists["gamma"] == hs.Float(1e-4, 1.0, log=True)
    assert dists["degree"] == hs.Int(1, 4)
    params = search.cv_results_["params"]
    assert len(params) == 6
    assert all(1e-2 <= p["C"] <= 1e2 and p["kernel"] in ("linear", "rbf", "poly") for p in params)
    assert all(isinstance(p["degree"], int) for p in params)
    assert search.best_score_ > 0.9


def test_estimators_as_categories_come_back_as_objects(space) -> None:
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    seen: list = []
    search = BayesSearchCV(pipe, {"scale": space.Categorical([StandardScaler(), MinMaxScaler()]),
                                  "clf__C": (0.1, 10.0)}, n_iter=3, cv=3, random_state=0)  # fmt: skip
    search.fit(X, y, callback=lambda res: seen.append(res.x_iters[-1]))
    assert type(search.best_params_["scale"]) in (StandardScaler, MinMaxScaler)
    assert len(seen) == 3 and all(type(x[1]) in (StandardScaler, MinMaxScaler) for x in seen)  # sorted names


def test_no_scikit_optimize_import_for_tuples_and_lists() -> None:
    code = (
        "import sys\n"
        "from sklearn.datasets import load_iris\n"
        "from sklearn.svm import SVC\n"
        "from hyperscout.sklearn import BayesSearchCV\n"
        "X, y = load_iris(return_X_y=True)\n"
        "BayesSearchCV(SVC(), {'C': (1e-2, 1e2, 'log-uniform'), 'kernel': ['rbf', 'linear']}, n_iter=2, cv=2,\n"
        "              random_state=0).fit(X, y)\n"
        "assert 'skopt' not in sys.modules, 'BayesSearchCV imported scikit-optimize'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_optimizer_kwargs_choose_the_sampler() -> None:
    gp = sampler_from_optimizer_kwargs(
        {"acq_func": "LCB", "acq_func_kwargs": {"kappa": 1.0}, "n_initial_points": 4, "random_state": 3,
         "base_estimator": "gp", "initial_point_generator": "lhs", "acq_optimizer": "auto"}, seed=0)  # fmt: skip
    assert isinstance(gp, hs.samplers.GPSampler)
    assert (gp.acquisition, gp.kappa, gp.n_startup_trials, gp.seed) == ("ucb", 1.0, 4, 0)
    pi = sampler_from_optimizer_kwargs({"acq_func": "PI", "acq_func_kwargs": {"xi": 0.1}}, seed=None)
    assert (pi.acquisition, pi.xi) == ("pi", 0.1)
    forest = sampler_from_optimizer_kwargs({"base_estimator": "RF", "n_initial_points": 3}, seed=1)
    assert isinstance(forest, hs.samplers.ForestSampler) and forest.n_startup_trials == 3
    for bad, words in [
        ({"acq_func": "gp_hedge"}, "'EI', 'LCB', 'PI'"),
        ({"base_estimator": "GBRT"}, "'GP', 'RF' or 'ET'"),
        ({"initial_point_generator": "sobol"}, "Latin hypercube"),
        ({"acq_optimizer": "lbfgs"}, "L-BFGS-B"),
        ({"n_jobs": 4}, "keys read are base_estimator"),
        ({"acq_func_kwargs": {"eta": 1}}, "only 'xi' and 'kappa'"),
        ({"n_initial_points": 0}, "int >= 1"),
    ]:
        with pytest.raises(ValueError, match=words):
            sampler_from_optimizer_kwargs(bad, seed=0)


def test_optimizer_kwargs_reach_the_search() -> None:
    search = BayesSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": (1, 6)}, n_iter=4, cv=3,
                           random_state=0, optimizer_kwargs={"acq_func": "PI", "n_initial_points": 2})  # fmt: skip
    search.fit(X, y)
    assert search.study_.sampler.acquisition == "pi" and search.study_.sampler.n_startup_trials == 2
    assert len(search.cv_results_["params"]) == 4


def test_n_points_other_than_one_is_refused_naming_n_jobs() -> None:
    search = BayesSearchCV(SVC(), {"C": (0.1, 10.0)}, n_iter=4, n_points=2, cv=3)
    with pytest.raises(ValueError, match="n_points=2.*n_jobs="):
        search.fit(X, y)
    assert search.get_params()["n_points"] == 2  # a plain scikit-learn parameter: clone and get_params keep it


def test_list_of_subspaces_is_refused_with_what_to_write() -> None:
    with pytest.raises(ValueError, match="one dict"):
        BayesSearchCV(SVC(), [({"C": (0.1, 1.0)}, 3), {"C": (1.0, 10.0)}], n_iter=2, cv=2).fit(X, y)


def test_callbacks_see_each_candidate_and_can_stop_the_search() -> None:
    results = []

    def record(res) -> None:
        results.append((list(res.x_iters), np.array(res.func_vals), res.fun, res.x))

    def stop_after_three(res) -> bool:
        return len(res.x_iters) >= 3

    search = BayesSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": (1, 8)}, n_iter=8, cv=3,
                           random_state=0)  # fmt: skip
    search.fit(X, y, callback=[record, stop_after_three])
    assert len(search.cv_results_["params"]) == 3  # stopped: no fourth candidate was fitted
    assert [len(r[0]) for r in results] == [1, 2, 3]
    x_iters, func_vals, fun, x = results[-1]
    scores = search.cv_results_["mean_test_score"]
    assert x_iters == [[p["max_depth"]] for p in search.cv_results_["params"]]
    np.testing.assert_allclose(func_vals, -scores)  # scikit-optimize minimises minus the score
    assert fun == pytest.approx(-scores.max()) and x == [search.best_params_["max_depth"]]
    (final,) = search.optimizer_results_  # scikit-optimize's attribute: one result per search space
    assert final.x_iters == x_iters and final.x == x
    assert search.total_iterations == 8

    once = []
    BayesSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": (1, 8)}, n_iter=2, cv=3,
                  random_state=0).fit(X, y, callback=once.append)  # fmt: skip
    assert len(once) == 2  # once per candidate, the last one included
    with pytest.raises(ValueError, match="callback must be"):
        BayesSearchCV(SVC(), {"C": (0.1, 1.0)}, n_iter=1, cv=2).fit(X, y, callback="print")


def test_scikit_optimize_stoppers_work_unchanged() -> None:
    callbacks = pytest.importorskip("skopt.callbacks", reason="runs scikit-optimize's own callback classes")
    search = BayesSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": (1, 3)}, n_iter=12, cv=3,
                           random_state=0)  # fmt: skip
    search.fit(X, y, callback=[callbacks.DeltaYStopper(delta=1.0, n_best=4)])
    assert len(search.cv_results_["params"]) == 4  # every score is within 1.0 of the best: stop at n_best


def test_the_docs_snippet_with_scikit_optimize_objects_runs() -> None:
    """The "with hyperscout" block of docs/migrating-from-scikit-optimize.md that needs scikit-optimize installed
    (so tests/test_docs.py, which runs without it, only compiles it)."""
    pytest.importorskip("skopt", reason="the snippet imports skopt.space and skopt.callbacks")
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "migrating-from-scikit-optimize.md").read_text()
    marker = page.index("tests/test_skopt_compat.py runs it")
    start = page.index("```python\n", marker) + len("```python\n")
    code = page[start : page.index("```", start)]
    namespace: dict = {"SVC": SVC, "X": X, "y": y}
    exec(compile(code, "migrating-from-scikit-optimize.md", "exec"), namespace)  # noqa: S102
    search = namespace["search"]
    gp = search.study_.sampler.inner  # wrapped to call the callback
    assert gp.acquisition == "ei" and gp.n_startup_trials == 5
    assert 4 <= len(search.cv_results_["params"]) <= 16 and search.best_score_ > 0.9
