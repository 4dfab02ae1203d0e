"""Parameter importance: fANOVA over a random forest's trees, and the permutation alternative."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import hyperscout as hs
from hyperscout.importance import (
    _axis_measure,
    _tree_fractions,
    fanova_importances,
    get_param_importances,
    permutation_importances,
)

pytest.importorskip("sklearn")

NOISE_SPACE = {
    "x": hs.Float(-1.0, 1.0),
    "lr": hs.Float(1e-5, 1e-1, log=True),
    "units": hs.Int(1, 512, log=True),
    "depth": hs.Int(1, 10),
    "opt": hs.Categorical(["adam", "sgd", "rms"]),
}


def noise_study(n: int = 60, seed: int = 0) -> hs.Study:
    """Only x matters; the four other parameters are noise."""
    study = hs.create_study(sampler="random", seed=seed)
    for _ in range(n):
        t = study.ask(NOISE_SPACE)
        study.tell(t, (t.params["x"] - 0.3) ** 2)
    return study


@pytest.mark.parametrize("evaluator", ["fanova", "permutation"])
def test_finds_the_one_parameter_that_matters(evaluator: str) -> None:
    shares = get_param_importances(noise_study(), evaluator=evaluator, seed=0)
    assert set(shares) == set(NOISE_SPACE)
    assert list(shares)[0] == "x"
    assert shares["x"] > 0.8
    assert all(v < 0.1 for k, v in shares.items() if k != "x")
    assert math.isclose(sum(shares.values()), 1.0)
    assert list(shares.values()) == sorted(shares.values(), reverse=True)


@pytest.mark.parametrize("evaluator", ["fanova", "permutation"])
def test_the_same_seed_gives_the_same_answer(evaluator: str) -> None:
    study = noise_study(40)
    a = get_param_importances(study, evaluator=evaluator, seed=7)
    b = get_param_importances(study, evaluator=evaluator, seed=7)
    assert a == b
    c = get_param_importances(study, evaluator=evaluator, seed=8)
    assert a != c  # the seed does reach the forest
    assert list(c)[0] == "x"


def test_shares_of_an_additive_function_are_its_variance_shares() -> None:
    # y = x1 + 2 x2 with x uniform: Var = 1/12 + 4/12, so the main effects hold 20% and 80%.
    rng = np.random.default_rng(0)
    X = rng.random((400, 2))
    y = X[:, 0] + 2 * X[:, 1]
    f = fanova_importances(X, y, [hs.Float(0, 1), hs.Float(0, 1)], seed=0)
    assert f.sum() > 0.97  # additive: next to nothing is left for interactions
    np.testing.assert_allclose(f / f.sum(), [0.2, 0.8], atol=0.03)
    p = permutation_importances(X, y, seed=0)
    np.testing.assert_allclose(p / p.sum(), [0.2, 0.8], atol=0.05)


def test_a_pure_interaction_leaves_the_main_effects_small() -> None:
    # y = (x1 - 1/2)(x2 - 1/2) has no main effect at all: fANOVA gives both single parameters ~0.
    rng = np.random.default_rng(1)
    X = rng.random((400, 2))
    y = (X[:, 0] - 0.5) * (X[:, 1] - 0.5)
    f = fanova_importances(X, y, [hs.Float(0, 1), hs.Float(0, 1)], seed=0)
    assert f.sum() < 0.15


def _brute_force_fractions(tree: object, dists: list[hs.Distribution], n_cont: int = 401) -> np.ndarray:
    """Main-effect variance fractions of a fitted tree by enumerating a product grid with the prior's weights."""
    axes, weights = [], []
    for d in dists:
        m = _axis_measure(d)
        if m is None:  # continuous: midpoints of a fine grid, equal weights
            axes.append((np.arange(n_cont) + 0.5) / n_cont)
            weights.append(np.full(n_cont, 1.0 / n_cont))
        else:
            centres, cum = m
            axes.append(centres)
            weights.append(np.diff(np.concatenate([[0.0], cum])))
    mesh = np.meshgrid(*axes, indexing="ij")
    w = np.ones_like(mesh[0])
    for j, wj in enumerate(weights):
        shape = [1] * len(dists)
        shape[j] = len(wj)
        w = w * wj.reshape(shape)
    f = tree.predict(np.column_stack([g.ravel() for g in mesh])).reshape(mesh[0].shape)  # type: ignore[attr-defined]
    mean = float((w * f).sum())
    total = float((w * (f - mean) ** 2).sum())
    out = []
    for j, wj in enumerate(weights):
        others = tuple(i for i in range(len(dists)) if i != j)
        marginal = (w * f).sum(axis=others) / wj
        out.append(float((wj * (marginal - mean) ** 2).sum()) / total)
    return np.array(out)


def test_tree_decomposition_matches_brute_force_enumeration() -> None:
    """The exact per-tree computation equals integrating the tree over a grid, discrete and log axes included."""
    from sklearn.tree import DecisionTreeRegressor

    dists = [hs.Float(0, 1), hs.Categorical(["a", "b", "c"]), hs.Int(1, 6, log=True)]
    rng = np.random.default_rng(2)
    X = np.column_stack(
        [rng.random(200), [dists[1].to_unit(c) for c in rng.choice(["a", "b", "c"], 200)],
         [dists[2].to_unit(int(v)) for v in rng.integers(1, 7, 200)]]
    )  # fmt: skip
    y = np.sin(6 * X[:, 0]) + 2 * (X[:, 1] > 0.5) + X[:, 2] * X[:, 0] + 0.1 * rng.standard_normal(200)
    tree = DecisionTreeRegressor(max_depth=8, random_state=0).fit(X, y)
    exact = _tree_fractions(tree.tree_, [_axis_measure(d) for d in dists])
    assert exact is not None
    # The continuous axis is integrated on a 401-point grid: agreement to the grid's resolution.
    np.testing.assert_allclose(exact, _brute_force_fractions(tree, dists, n_cont=4001), atol=2e-3)


def test_axis_prior_of_a_log_int_gives_small_values_their_log_width() -> None:
    centres, cum = _axis_measure(hs.Int(1, 5, log=True))
    probs = np.diff(np.concatenate([[0.0], cum]))
    # A uniform draw of log x on [log 0.5, log 5.5] rounds to v with probability log((v+.5)/(v-.5)) / log 11.
    expected = [math.log((v + 0.5) / (v - 0.5)) / math.log(11) for v in range(1, 6)]
    np.testing.assert_allclose(probs, expected, atol=1e-9)
    assert list(centres) == sorted(centres)
    assert _axis_measure(hs.Float(0, 1)) is None  # continuous: uniform on the unit interval


def test_a_constant_objective_gives_every_parameter_zero() -> None:
    study = hs.create_study(sampler="random", seed=0)
    for _ in range(10):
        study.tell(study.ask({"a": hs.Float(0, 1), "b": hs.Int(0, 3)}), 1.0)
    for evaluator in ("fanova", "permutation"):
        assert get_param_importances(study, evaluator=evaluator) == {"a": 0.0, "b": 0.0}


def test_raw_fractions_leave_room_for_interactions() -> None:
    study = hs.create_study(sampler="random", seed=0)
    for _ in range(80):
        t = study.ask({"a": hs.Float(-1, 1), "b": hs.Float(-1, 1)})
        study.tell(t, t.params["a"] * t.params["b"] + 0.3 * t.params["a"])
    raw = get_param_importances(study, normalize=False)
    assert sum(raw.values()) < 0.8  # a*b is an interaction, which no single parameter explains
    assert raw["a"] > raw["b"]


def test_conditional_parameters_are_left_out_unless_asked_for() -> None:
    study = hs.create_study(sampler="random", seed=0)
    for i in range(30):
        t = study.ask({"x": hs.Float(0, 1)})
        if i % 2:
            t.suggest_float("only_some", 0, 1)
        study.tell(t, t.params["x"])
    assert list(get_param_importances(study)) == ["x"]
    both = get_param_importances(study, params=["x", "only_some"])  # on the 15 trials that have both
    assert set(both) == {"x", "only_some"} and list(both)[0] == "x"


def test_failed_and_pruned_trials_are_ignored_and_a_target_picks_an_objective() -> None:
    study = hs.create_study(directions=["minimize", "minimize"], sampler="random", seed=0)
    for i in range(40):
        t = study.ask({"a": hs.Float(0, 1), "b": hs.Float(0, 1)})
        if i % 5 == 0:
            study.tell(t, state="fail")
        elif i % 5 == 1:
            study.tell(t, state="pruned")
        else:
            study.tell(t, [t.params["a"], t.params["b"]])
    with pytest.raises(ValueError, match="target="):
        get_param_importances(study)
    assert list(get_param_importances(study, target=lambda t: t.values[0])) == ["a", "b"]
    assert list(get_param_importances(study, target=lambda t: t.values[1])) == ["b", "a"]


def test_bad_arguments_are_named() -> None:
    study = noise_study(5)
    with pytest.raises(ValueError, match="'anova'"):
        get_param_importances(study, evaluator="anova")
    with pytest.raises(ValueError, match="nope"):
        get_param_importances(study, params=["nope"])
    with pytest.raises(ValueError, match="n_trees"):
        get_param_importances(study, n_trees=0)
    with pytest.raises(ValueError, match="n_repeats"):
        permutation_importances(np.zeros((3, 1)), np.zeros(3), n_repeats=0)
    one = hs.create_study()
    one.tell(one.ask({"x": hs.Float(0, 1)}), 1.0)
    for few in (one, hs.create_study()):
        with pytest.raises(ValueError, match="at least 2 complete trials"):
            get_param_importances(few)


def test_a_missing_sklearn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    study = noise_study(5)
    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)
    with pytest.raises(ImportError, match=r"hyperscout\[sklearn\]"):
        get_param_importances(study)
