"""The bayesian-optimization style interface, end to end."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import hyperscout as hs


def black_box(x: float, y: float) -> float:
    return -(x**2) - (y - 1) ** 2 + 1


def test_maximize_finds_the_maximum_and_reports_max_and_res() -> None:
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (2, 4), "y": (-3, 3)}, random_state=1)
    opt.maximize(init_points=4, n_iter=12)
    assert len(opt.res) == 16
    assert set(opt.max) == {"target", "params"}
    assert opt.max["target"] == max(r["target"] for r in opt.res)
    # The maximum on this box is at x = 2 (an edge), y = 1: -3.
    assert opt.max["target"] > -3.05
    assert isinstance(opt.max["params"]["x"], float)  # integer bounds are float ranges, as in bayes_opt
    assert all(2 <= r["params"]["x"] <= 4 and -3 <= r["params"]["y"] <= 3 for r in opt.res)


@pytest.mark.parametrize("acq", ["ei", "ucb", "pi", hs.BayesianOptimization.EI, "UCB"])
def test_every_acquisition_runs(acq: str) -> None:
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0)
    opt.maximize(init_points=3, n_iter=3, acq=acq)
    assert len(opt.res) == 6


def test_same_random_state_same_points() -> None:
    def points(seed: int) -> list[dict]:
        opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=seed)
        opt.maximize(init_points=3, n_iter=3)
        return [r["params"] for r in opt.res]

    assert points(7) == points(7)
    assert points(7) != points(8)


def test_probe_and_resume_from_storage(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'bo.db'}"
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0,
                                  storage=url, study_name="bo")  # fmt: skip
    opt.probe({"x": 0.0, "y": 1.0}, lazy=False)
    assert opt.max == {"target": 1.0, "params": {"x": 0.0, "y": 1.0}}
    opt.maximize(init_points=2, n_iter=1)
    again = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0,
                                    storage=url, study_name="bo")  # fmt: skip
    assert len(again.res) == 4  # the earlier run is loaded, not repeated
    again.maximize(init_points=0, n_iter=2)
    assert len(again.res) == 6
    assert again.max["target"] == 1.0


def test_lazy_probe_runs_first_in_the_next_maximize() -> None:
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0)
    opt.probe({"x": 0.5, "y": 0.5})
    opt.maximize(init_points=1, n_iter=0)
    assert opt.res[0]["params"] == {"x": 0.5, "y": 0.5}
    assert len(opt.res) == 2


def test_hyperscout_distributions_in_pbounds() -> None:
    def f(lr: float, n: int) -> float:
        return -abs(math.log10(lr) + 2) - abs(n - 3)

    opt = hs.BayesianOptimization(f=f, pbounds={"lr": hs.Float(1e-4, 1.0, log=True), "n": hs.Int(1, 6)},
                                  random_state=0)  # fmt: skip
    opt.maximize(init_points=4, n_iter=6)
    assert all(isinstance(r["params"]["n"], int) for r in opt.res)


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="callable"):
        hs.BayesianOptimization(f="black_box", pbounds={"x": (0, 1)})  # type: ignore[arg-type]
    # f=None is bayesian-optimization's way to evaluate points yourself (suggest/register); maximize needs f.
    with pytest.raises(TypeError, match="f is None"):
        hs.BayesianOptimization(f=None, pbounds={"x": (0, 1)}).maximize(init_points=1, n_iter=0)
    with pytest.raises(ValueError, match="at least one"):
        hs.BayesianOptimization(f=black_box, pbounds={})
    with pytest.raises(ValueError, match="parameter 'x'"):
        hs.BayesianOptimization(f=black_box, pbounds={"x": (3, 1)})
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (0, 1), "y": (0, 1)})
    with pytest.raises(ValueError, match="acq"):
        opt.maximize(acq="thompson")
    with pytest.raises(ValueError, match="n_iter"):
        opt.maximize(n_iter=-1)


# -- the estimator form: BayesianOptimization(estimator=..., param_distributions=...) ---------------------


def _iris_split():
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    X, y = load_iris(return_X_y=True)
    return train_test_split(X, y, train_size=0.5, random_state=0, stratify=y)


@pytest.mark.slow
def test_the_seed_snippet_runs_as_written() -> None:
    pytest.importorskip("sklearn")
    from sklearn.ensemble import RandomForestClassifier

    from hyperscout import BayesianOptimization

    X_train, _, y_train, _ = _iris_split()
    # The seed's code, but for the import and the data passed to maximize.
    rf = RandomForestClassifier()
    optimizer = BayesianOptimization(estimator=rf, param_distributions={
        'n_estimators': (10, 200), 'max_depth': (None, 30), 'min_samples_split': (2, 10)}, random_state=42)  # fmt: skip
    optimizer.maximize(X_train, y_train, init_points=5, n_iter=10, acq=BayesianOptimization.EI)
    best_params = optimizer.max['params']  # fmt: skip

    assert set(best_params) == {"n_estimators", "max_depth", "min_samples_split"}
    assert len(optimizer.res) == 15
    for r in optimizer.res:
        p = r["params"]
        assert isinstance(p["n_estimators"], int) and 10 <= p["n_estimators"] <= 200
        assert p["max_depth"] is None or (isinstance(p["max_depth"], int) and 1 <= p["max_depth"] <= 30)
        assert isinstance(p["min_samples_split"], int) and 2 <= p["min_samples_split"] <= 10
        assert 0.0 <= r["target"] <= 1.0
    assert optimizer.max["target"] == max(r["target"] for r in optimizer.res)
    assert optimizer.max["target"] > 0.9


@pytest.mark.parametrize("acq", [hs.BayesianOptimization.UCB, "PI", "ei"])
def test_estimator_form_target_is_the_cross_validated_score(acq: str) -> None:
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score
    from sklearn.tree import DecisionTreeClassifier

    X, _, y, _ = _iris_split()
    tree = DecisionTreeClassifier(random_state=0)
    opt = hs.BayesianOptimization(estimator=tree, param_distributions={"max_depth": (None, 6), "criterion": ["gini",
                                  "entropy"]}, random_state=0, cv=3, scoring="f1_macro")  # fmt: skip
    opt.maximize(X, y, init_points=3, n_iter=2, acq=acq)
    assert len(opt.res) == 5
    for r in opt.res:
        expected = cross_val_score(clone(tree).set_params(**r["params"]), X, y, cv=3, scoring="f1_macro").mean()
        assert r["target"] == pytest.approx(expected, rel=1e-12)


def test_estimator_form_resumes_from_storage_and_refuses_other_data(tmp_path) -> None:
    pytest.importorskip("sklearn")
    from sklearn.tree import DecisionTreeClassifier

    X, _, y, _ = _iris_split()
    url = f"sqlite:///{tmp_path / 'bo.db'}"

    def make() -> hs.BayesianOptimization:
        return hs.BayesianOptimization(estimator=DecisionTreeClassifier(random_state=0), cv=3,
                                       param_distributions={"max_depth": (1, 8)}, random_state=0, storage=url,
                                       study_name="tree")  # fmt: skip

    first = make()
    first.maximize(X, y, init_points=2, n_iter=1)
    before = first.res
    again = make()
    assert again.res == before  # loaded, not repeated
    again.maximize(X, y, init_points=0, n_iter=2)
    assert len(again.res) == 5 and again.res[:3] == before
    with pytest.raises(ValueError, match="other data"):
        make().maximize(X[:-1], y[:-1], init_points=1, n_iter=0)


def test_estimator_form_probe_and_objects_as_choices() -> None:
    pytest.importorskip("sklearn")
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    from sklearn.svm import SVC

    X, _, y, _ = _iris_split()
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    space = {"scale": [StandardScaler(), MinMaxScaler()], "clf__C": (1e-2, 1e2)}
    opt = hs.BayesianOptimization(estimator=pipe, param_distributions=space, random_state=0, cv=3)
    opt.probe({"scale": MinMaxScaler(), "clf__C": 1.0})
    opt.maximize(X, y, init_points=1, n_iter=1)
    first = opt.res[0]["params"]
    assert isinstance(first["scale"], MinMaxScaler) and first["clf__C"] == 1.0
    assert all(type(r["params"]["scale"]) in (StandardScaler, MinMaxScaler) for r in opt.res)


def test_estimator_form_bad_input_is_clear_before_fitting() -> None:
    pytest.importorskip("sklearn")
    from sklearn.svm import SVC

    X, _, y, _ = _iris_split()
    with pytest.raises(ValueError, match="not both"):
        hs.BayesianOptimization(f=black_box, estimator=SVC(), param_distributions={"C": (0.1, 1.0)})
    with pytest.raises(ValueError, match="param_distributions"):
        hs.BayesianOptimization(estimator=SVC())
    with pytest.raises(ValueError, match="did you mean 'C'"):
        hs.BayesianOptimization(estimator=SVC(), param_distributions={"c": (0.1, 1.0)})
    with pytest.raises(ValueError, match="rejected by SVC"):
        hs.BayesianOptimization(estimator=SVC(), param_distributions={"C": (-1.0, 1.0)})
    with pytest.raises(ValueError, match="go with estimator="):
        hs.BayesianOptimization(f=black_box, pbounds={"x": (0, 1)}, cv=3)
    opt = hs.BayesianOptimization(estimator=SVC(), param_distributions={"C": (0.1, 1.0)})
    with pytest.raises(TypeError, match="training data first"):
        opt.maximize(init_points=1, n_iter=0)
    with pytest.raises(RuntimeError, match="needs the data"):
        opt.probe({"C": 0.5}, lazy=False)
    with pytest.raises(ValueError, match="acq"):
        opt.maximize(X, y, acq="thompson")
    assert opt.res == []  # nothing was fitted


def test_function_form_positional_maximize_and_no_sklearn_import() -> None:
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0)
    opt.maximize(2, 1)  # bayesian-optimization's positional order: init_points, n_iter
    assert len(opt.res) == 3
    with pytest.raises(TypeError, match="unexpected"):
        opt.maximize(init_points=1, n_iter=0, sample_weight=[1.0])
    code = (
        "import sys, hyperscout as hs\n"
        "opt = hs.BayesianOptimization(f=lambda x: -x * x, pbounds={'x': (-1, 1)}, random_state=0)\n"
        "opt.maximize(init_points=2, n_iter=1)\n"
        "assert 'sklearn' not in sys.modules, 'the function form imported scikit-learn'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
