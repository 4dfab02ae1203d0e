"""The bayesian-optimization style interface, end to end."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
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
    for method, args in [("suggest", ()), ("register", ({"C": 0.5}, 0.9)), ("set_bounds", ({"C": (0.2, 0.5)},)),
                         ("save_state", ("state.json",))]:  # fmt: skip
        with pytest.raises(ValueError, match=f"{method} is for the function form"):
            getattr(opt, method)(*args)
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


# -- bayesian-optimization 3's API: suggest/register, probe, set_bounds, constraint, acquisition, state ------


def test_suggest_register_loop_without_f() -> None:
    opt = hs.BayesianOptimization(f=None, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0)
    assert opt.max is None and opt.res == [] and opt.space.empty
    for _ in range(8):
        point = opt.suggest()
        assert set(point) == {"x", "y"} and all(-2 <= v <= 2 for v in point.values())
        opt.register(params=point, target=black_box(**point))
    assert len(opt.res) == 8 and len(opt.space) == 8
    assert [r["params"] for r in opt.res] == [opt.space.array_to_params(row) for row in opt.space.params]
    # every suggestion became exactly one finished trial: none left running
    assert [t.state for t in opt.study.trials] == [hs.TrialState.COMPLETE] * 8
    assert opt.max["target"] == max(r["target"] for r in opt.res)
    assert opt.max["target"] > 0.5  # the maximum is 1 at (0, 1): the model was used, not 8 random points


def test_register_points_not_suggested_in_dict_or_pbounds_order() -> None:
    opt = hs.BayesianOptimization(f=None, pbounds={"y": (-2, 2), "x": (-2, 2)}, random_state=0)
    assert opt.space.keys == ["y", "x"]
    opt.register([1.0, 0.5], target=black_box(x=0.5, y=1.0))  # a list: pbounds order, y then x
    opt.register(np.array([0.0, -1.0]), target=black_box(x=-1.0, y=0.0))
    opt.register({"x": 0.0, "y": 1.0}, target=1.0)
    assert [r["params"] for r in opt.res] == [{"y": 1.0, "x": 0.5}, {"y": 0.0, "x": -1.0}, {"x": 0.0, "y": 1.0}]
    assert opt.max == {"target": 1.0, "params": {"x": 0.0, "y": 1.0}}
    np.testing.assert_array_equal(opt.space.target, [0.75, -1.0, 1.0])
    with pytest.raises(ValueError, match="already registered"):
        opt.register({"x": 0.0, "y": 1.0}, target=1.0)
    with pytest.raises(ValueError, match=r"params\['x'\]=3.0 is outside x's bounds \(-2.0, 2.0\)"):
        opt.register({"x": 3.0, "y": 0.0}, target=0.0)
    with pytest.raises(ValueError, match="2 values in the order"):
        opt.register([1.0], target=0.0)
    with pytest.raises(ValueError, match="missing"):
        opt.register({"x": 1.0}, target=0.0)
    with pytest.raises(TypeError, match="target must be a number"):
        opt.register({"x": 1.0, "y": 1.0}, target="high")
    assert len(opt.res) == 3
    noisy = hs.BayesianOptimization(f=None, pbounds={"x": (0, 1)}, allow_duplicate_points=True)
    noisy.register({"x": 0.5}, 1.0)
    noisy.register({"x": 0.5}, 1.2)
    assert [r["target"] for r in noisy.res] == [1.0, 1.2]


def test_probe_list_and_out_of_bounds_is_never_replaced() -> None:
    calls = []

    def f(b: float, a: float) -> float:
        calls.append((a, b))
        return -(a**2) - b**2

    opt = hs.BayesianOptimization(f=f, pbounds={"b": (-1, 1), "a": (-1, 1)}, random_state=0)
    opt.probe([0.25, -0.5], lazy=False)  # pbounds order: b, a
    assert calls == [(-0.5, 0.25)] and opt.res[0]["params"] == {"b": 0.25, "a": -0.5}
    with pytest.raises(ValueError, match=r"params\['a'\]=5 is outside a's bounds.*set_bounds"):
        opt.probe({"a": 5, "b": 0.0}, lazy=False)
    with pytest.raises(ValueError, match="outside"):
        opt.probe([0.0, -1.5])  # lazy too: refused at once, not at maximize
    assert len(calls) == 1  # nothing else was evaluated in place of the refused points
    opt.probe([0.25, -0.5], lazy=False)  # a point already evaluated is not evaluated again
    assert len(calls) == 1
    opt.probe({"a": 0.1, "b": 0.2})
    opt.probe([0.3, 0.4])
    opt.maximize(init_points=1, n_iter=0)
    assert calls[1:3] == [(0.1, 0.2), (0.4, 0.3)]  # lazy probes first, in order
    assert len(calls) == 4


def test_set_bounds_moves_the_search_and_max() -> None:
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-3, 3)}, random_state=0)
    opt.probe({"x": 0.0, "y": 1.0}, lazy=False)  # the maximum, 1.0
    opt.probe({"x": 1.0, "y": 1.0}, lazy=False)  # 0.0
    opt.maximize(init_points=1, n_iter=0)
    opt.set_bounds({"x": (0.5, 2.0)})
    np.testing.assert_array_equal(opt.space.bounds, [[0.5, 2.0], [-3.0, 3.0]])
    assert opt.max["params"]["x"] >= 0.5  # as in bayesian-optimization: the best point inside the bounds
    assert opt.max["target"] < 1.0
    opt.maximize(init_points=2, n_iter=4)
    new = opt.res[3:]
    assert len(new) == 6 and all(0.5 <= r["params"]["x"] <= 2.0 for r in new)
    assert opt.max["target"] > -0.3  # near x = 0.5, y = 1: -0.25
    opt.set_bounds({"x": (-2, 2)})
    assert opt.max["target"] == 1.0
    with pytest.raises(ValueError, match="not a parameter"):
        opt.set_bounds({"z": (0, 1)})
    with pytest.raises(ValueError, match=r"\(low, high\)"):
        opt.set_bounds({"x": (0, "1")})
    with pytest.raises(ValueError, match="low <= high|low"):
        opt.set_bounds({"x": (2, 1)})
    ints = hs.BayesianOptimization(f=lambda n: -abs(n - 3), pbounds={"n": (1, 10, int)}, random_state=0)
    ints.set_bounds({"n": (2, 5)})
    ints.maximize(init_points=3, n_iter=2)
    assert all(isinstance(r["params"]["n"], int) and 2 <= r["params"]["n"] <= 5 for r in ints.res)


def _disk(x: float, y: float) -> float:
    return x * x + y * y


def test_constraint_steers_the_search_to_the_feasible_optimum() -> None:
    from scipy.optimize import NonlinearConstraint

    # Maximise x + y on the unit square subject to x^2 + y^2 <= 0.5: the optimum is 1.0 at (0.5, 0.5),
    # while the unconstrained optimum (1, 1) is infeasible.
    def run(constraint: object) -> hs.BayesianOptimization:
        opt = hs.BayesianOptimization(f=lambda x, y: x + y, pbounds={"x": (0, 1), "y": (0, 1)},
                                      constraint=constraint, random_state=0)  # fmt: skip
        opt.maximize(init_points=3, n_iter=12)
        return opt

    opt = run(NonlinearConstraint(_disk, -np.inf, 0.5))
    res = opt.res
    assert all(set(r) == {"target", "params", "constraint", "allowed"} for r in res)
    assert all(r["allowed"] == (r["constraint"] <= 0.5) for r in res)
    assert all(r["constraint"] == pytest.approx(_disk(**r["params"])) for r in res)
    best = opt.max
    assert best["constraint"] <= 0.5 and best["target"] > 0.98
    assert best["target"] == max(r["target"] for r in res if r["allowed"])
    assert any(not r["allowed"] and r["target"] > best["target"] for r in res)  # max skipped better infeasible points
    feasible = np.mean([r["allowed"] for r in res[3:]])
    plain = run(None)
    plain_feasible = np.mean([_disk(**r["params"]) <= 0.5 for r in plain.res[3:]])
    assert feasible >= plain_feasible + 0.3  # measured: 0.58 against 0.08


def test_constraint_with_several_values_and_register() -> None:
    from scipy.optimize import NonlinearConstraint

    def c(x: float) -> np.ndarray:
        return np.array([x, -x])

    con = NonlinearConstraint(c, np.array([-np.inf, -0.5]), np.array([0.8, np.inf]))  # -inf <= x <= 0.8, x <= 0.5
    opt = hs.BayesianOptimization(f=lambda x: x, pbounds={"x": (-1, 1)}, constraint=con, random_state=0)
    opt.maximize(init_points=3, n_iter=6)
    assert opt.max["params"]["x"] <= 0.5 and opt.max["target"] > 0.4
    assert all(isinstance(r["constraint"], np.ndarray) and r["constraint"].shape == (2,) for r in opt.res)
    with pytest.raises(ValueError, match="constraint_value is needed"):
        opt.register({"x": 0.1}, target=0.1)
    with pytest.raises(ValueError, match="gave 1 values"):
        opt.register({"x": 0.1}, target=0.1, constraint_value=0.1)
    opt.register({"x": 0.45}, target=0.45, constraint_value=[0.45, -0.45])
    assert opt.res[-1]["allowed"]
    with pytest.raises(ValueError, match="lb < ub"):
        hs.BayesianOptimization(f=lambda x: x, pbounds={"x": (0, 1)}, constraint=NonlinearConstraint(c, 1.0, 0.0))
    with pytest.raises(TypeError, match="fun, lb and ub"):
        hs.BayesianOptimization(f=lambda x: x, pbounds={"x": (0, 1)}, constraint=lambda x: x)
    from hyperscout import acquisition

    with pytest.raises(ValueError, match="upper confidence bound"):
        hs.BayesianOptimization(f=lambda x: x, pbounds={"x": (0, 1)}, constraint=con,
                                acquisition_function=acquisition.UpperConfidenceBound())  # fmt: skip


def test_log_prob_feasible_matches_the_normal_cdf_and_its_gradient() -> None:
    from scipy.stats import norm

    from hyperscout._bayesopt_constraint import log_prob_feasible, prob_feasible

    rng = np.random.default_rng(0)
    mean, std = rng.normal(size=(20, 2)) * 3, rng.uniform(0.1, 2.0, size=(20, 2))
    lb, ub = np.array([-np.inf, -1.0]), np.array([0.5, 2.0])
    value, d_mean, d_std = log_prob_feasible(mean, std, lb, ub)
    expected = norm.cdf(ub, mean, std) - norm.cdf(lb, mean, std)
    np.testing.assert_allclose(np.exp(value), expected.prod(axis=1), rtol=1e-9)
    np.testing.assert_allclose(prob_feasible(mean, std, lb, ub), expected.prod(axis=1), rtol=1e-9)
    h = 1e-6
    for arr, grad in ((mean, d_mean), (std, d_std)):
        for j in range(2):
            step = np.zeros_like(arr)
            step[:, j] = h
            args = (mean + step, std, lb, ub) if arr is mean else (mean, std + step, lb, ub)
            numeric = (log_prob_feasible(*args)[0] - value) / h
            np.testing.assert_allclose(grad[:, j], numeric, rtol=1e-3, atol=1e-5)
    far, _, _ = log_prob_feasible(np.array([[50.0]]), np.array([[1.0]]), np.array([-np.inf]), np.array([0.0]))
    assert np.isfinite(far).all() and far[0] < -100  # far into the infeasible tail: tiny, still finite


def test_acquisition_objects_reach_the_gp_and_decay() -> None:
    from hyperscout import acquisition

    for acq, kind in [(acquisition.UpperConfidenceBound(kappa=1.5), "ucb"),
                      (acquisition.ExpectedImprovement(xi=0.05), "ei"),
                      (acquisition.ProbabilityOfImprovement(xi=0.05), "pi")]:  # fmt: skip
        opt = hs.BayesianOptimization(black_box, {"x": (-2, 2), "y": (-2, 2)}, acq, random_state=0)
        opt.maximize(init_points=2, n_iter=2)
        gp = opt.study.sampler.inner
        assert isinstance(gp, hs.samplers.GPSampler) and gp.acquisition == kind
        assert (gp.kappa, gp.xi) == ((1.5, 0.0) if kind == "ucb" else (0.0, 0.05))
        assert len(opt.res) == 4
    decaying = acquisition.UpperConfidenceBound(kappa=2.0, exploration_decay=0.5, exploration_decay_delay=2)
    opt = hs.BayesianOptimization(black_box, {"x": (-2, 2), "y": (-2, 2)}, decaying, random_state=0)
    opt.maximize(init_points=2, n_iter=3)
    assert decaying.kappa == 0.5  # decayed after the 2nd and 3rd suggestions, as in bayesian-optimization
    assert opt.study.sampler.inner.kappa == 1.0  # the 3rd suggestion used kappa after one decay
    with pytest.raises(ValueError, match="give the acquisition once"):
        opt.maximize(init_points=0, n_iter=1, acq="ei")
    with pytest.raises(TypeError, match="acquisition_function must be"):
        hs.BayesianOptimization(black_box, {"x": (0, 1), "y": (0, 1)}, "ucb")
    with pytest.raises(ValueError, match="kappa must be a number >= 0"):
        acquisition.UpperConfidenceBound(kappa=-1)
    with pytest.raises(ValueError, match="exploration_decay"):
        acquisition.ExpectedImprovement(xi=0.1, exploration_decay=1.5)


def test_bayes_opt_acquisition_objects_are_read() -> None:
    theirs = pytest.importorskip("bayes_opt.acquisition", reason="reads bayesian-optimization's own objects")
    opt = hs.BayesianOptimization(black_box, {"x": (-2, 2), "y": (-2, 2)},
                                  theirs.UpperConfidenceBound(kappa=0.7), random_state=0)  # fmt: skip
    assert isinstance(opt.acquisition_function, hs.acquisition.UpperConfidenceBound)
    assert opt.acquisition_function.kappa == 0.7
    with pytest.raises(TypeError, match="acquisition_function must be"):
        hs.BayesianOptimization(black_box, {"x": (0, 1), "y": (0, 1)}, theirs.GPHedge([theirs.UpperConfidenceBound()]))


def test_target_space_and_bounds_forms() -> None:
    opt = hs.BayesianOptimization(f=None, pbounds={"x": (0, 1), "n": (1, 5, int), "k": ("a", "b")})
    assert opt.space.keys == ["x", "n", "k"] and opt.space.dim == 3
    assert opt.space.distributions == {"x": hs.Float(0.0, 1.0), "n": hs.Int(1, 5), "k": hs.Categorical(["a", "b"])}
    np.testing.assert_array_equal(opt.space.bounds[:2], [[0.0, 1.0], [1.0, 5.0]])
    opt.register({"x": 0.5, "n": 2, "k": "b"}, 1.0)
    assert opt.space.params.tolist() == [[0.5, 2, "b"]]
    assert opt.space.array_to_params([0.25, 3, "a"]) == {"x": 0.25, "n": 3, "k": "a"}
    assert opt.space.max() == opt.max and opt.space.res() == opt.res
    assert "points=1" in repr(opt.space)


def test_save_state_and_load_state_round_trip(tmp_path) -> None:
    from scipy.optimize import NonlinearConstraint

    from hyperscout import acquisition

    con = NonlinearConstraint(lambda x, y: x + y, -np.inf, 0.5)
    opt = hs.BayesianOptimization(black_box, {"x": (-2, 2), "y": (-2, 2)},
                                  acquisition.ExpectedImprovement(xi=0.1), con, random_state=0)  # fmt: skip
    opt.maximize(init_points=3, n_iter=2)
    path = tmp_path / "state.json"
    opt.save_state(path)
    again = hs.BayesianOptimization(black_box, {"x": (-2, 2), "y": (-2, 2)},
                                    acquisition.ExpectedImprovement(xi=0.0), con, random_state=0)  # fmt: skip
    again.load_state(path)
    assert again.res == opt.res and again.max == opt.max
    assert again.acquisition_function.xi == 0.1
    again.maximize(init_points=0, n_iter=1)
    assert len(again.res) == 6
    with pytest.raises(ValueError, match="holds the parameters"):
        hs.BayesianOptimization(black_box, {"x": (-2, 2), "z": (-2, 2)}).load_state(path)
    narrow = hs.BayesianOptimization(black_box, {"x": (-0.1, 0.1), "y": (-2, 2)}, constraint=con)
    with pytest.raises(ValueError, match="outside"):
        narrow.load_state(path)


def test_state_files_load_in_bayesian_optimization_and_back(tmp_path) -> None:
    bayes_opt = pytest.importorskip("bayes_opt", reason="loads the file in bayesian-optimization itself")
    from bayes_opt import acquisition

    pbounds = {"x": (-2, 2), "y": (-2, 2)}
    ours = hs.BayesianOptimization(black_box, pbounds, random_state=0)
    ours.maximize(init_points=3, n_iter=2)
    ours.save_state(tmp_path / "ours.json")
    theirs = bayes_opt.BayesianOptimization(black_box, pbounds, acquisition.ExpectedImprovement(xi=0.0),
                                            random_state=0, verbose=0)  # fmt: skip
    theirs.load_state(tmp_path / "ours.json")
    assert [float(t) for t in theirs.space.target] == [r["target"] for r in ours.res]
    theirs.maximize(init_points=0, n_iter=1)
    theirs.save_state(tmp_path / "theirs.json")
    back = hs.BayesianOptimization(black_box, pbounds, random_state=0)
    back.load_state(tmp_path / "theirs.json")
    assert len(back.res) == 6 and back.max["target"] == float(theirs.max["target"])
