"""ForestSampler: valid values on every kind of space, determinism, awareness of running trials, and search quality."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from scipy.stats import wilcoxon

import hyperscout as hs
from hyperscout import TrialState
from hyperscout.samplers import RandomSampler, SamplerContext
from hyperscout.samplers.forest import ForestSampler
from hyperscout.space import Distribution, Float, Int, OrNone
from hyperscout.testing.samplers import ALL_TYPES
from hyperscout.trial import FrozenTrial

SPACE: dict[str, Distribution] = dict(ALL_TYPES)  # every kind of distribution, as the shared suite uses


def _fast(seed: int | None = 0, **kwargs: Any) -> ForestSampler:
    """A small forest: the tests check behaviour, not the last digit of quality."""
    options: dict[str, Any] = {"n_startup_trials": 5, "n_estimators": 16, "n_candidates": 300, **kwargs}
    return ForestSampler(seed=seed, **options)


def _type_ok(d: Distribution, v: Any) -> bool:
    if isinstance(d, OrNone):
        return v is None or _type_ok(d.inner, v)
    if isinstance(d, Float):
        return type(v) is float
    if isinstance(d, Int):
        return type(v) is int
    return any(type(v) is type(c) and v == c for c in d.choices)


def _mixed_objective(trial: hs.Trial) -> float:
    p = {name: trial.suggest(name, d) for name, d in SPACE.items()}
    value = (p["float"] - 1.0) ** 2 + abs(math.log10(p["float_log"]) + 2) + abs(p["int"] - 2) / 5
    value += 0.0 if p["categorical"] == "a" else 1.0
    value += 0.5 if p["or_none_int"] is None else p["or_none_int"] / 30
    return value


def test_values_are_valid_and_typed_for_every_distribution() -> None:
    study = hs.create_study(sampler=_fast(random_fraction=0.0))
    study.optimize(_mixed_objective, n_trials=25, show_progress_bar=False)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 25
    for t in study.trials:
        for name, d in SPACE.items():
            assert d.contains(t.params[name]), (name, t.params[name])
            assert _type_ok(d, t.params[name]), (name, t.params[name])
    model_based = study.trials[5:]
    # the model-guided trials improve on the start-up design and do not repeat a point
    assert study.best_value < min(t.value for t in study.trials[:5])
    assert len({repr(sorted(t.params.items())) for t in model_based}) == len(model_based)


def test_maximize_finds_the_peak_of_a_mixed_space() -> None:
    def objective(trial: hs.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        layers = trial.suggest_int("layers", 1, 8)
        act = trial.suggest_categorical("act", ["relu", "tanh", "gelu", "silu"])
        return -((math.log10(lr) + 3) ** 2) - (layers - 3) ** 2 / 4 + 2.0 * (act == "gelu")

    study = hs.create_study(direction="maximize", sampler=_fast(seed=1))
    study.optimize(objective, n_trials=30, show_progress_bar=False)
    assert study.best_params["act"] == "gelu"
    assert study.best_value > 1.5  # the peak is 2.0; random search's median best at 30 trials is ~0.9
    later = study.trials[15:]
    assert sum(t.params["act"] == "gelu" for t in later) >= len(later) // 2


def _conditional(trial: hs.Trial) -> float:
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    if kind == "a":
        return 1.0 + (trial.suggest_float("x", 0.0, 1.0) - 0.3) ** 2
    if kind == "b":
        n = trial.suggest_int("n", 1, 100, log=True)
        if n > 10:
            return (trial.suggest_float("m", -1.0, 1.0) - 0.5) ** 2 + abs(n - 40) / 100
        return 2.0 + 1.0 / n
    return 3.0


def test_conditional_parameters_exist_only_in_their_branch_and_the_best_branch_wins() -> None:
    study = hs.create_study(sampler=_fast(seed=2, n_startup_trials=8))
    study.optimize(_conditional, n_trials=40, show_progress_bar=False)
    for t in study.trials:
        assert ("x" in t.params) == (t.params["kind"] == "a")
        assert ("n" in t.params) == (t.params["kind"] == "b")
        assert ("m" in t.params) == (t.params["kind"] == "b" and t.params["n"] > 10)
    later = study.trials[20:]
    assert sum("m" in t.params for t in later) >= len(later) // 2  # the deepest branch holds the minimum
    assert study.best_value < 0.1


def test_activity_of_conditional_parameters_is_learned_from_the_trials() -> None:
    from hyperscout.samplers.forest import _Activity, _Encoding

    study = hs.create_study(sampler=RandomSampler(seed=0))
    study.optimize(_conditional, n_trials=60, show_progress_bar=False)
    space = ForestSampler().infer_relative_search_space(SamplerContext(60, 0, ("minimize",), study.trials))
    enc = _Encoding(space)
    assert enc.names == ["kind", "m", "n", "x"]
    activity = _Activity(np.array([enc.encode(t.params) for t in study.trials]))
    every = {"kind": "a", "m": 0.1, "n": 50, "x": 0.5}
    rows = [dict(every, kind="a"), dict(every, kind="b"), dict(every, kind="b", n=3), dict(every, kind="c")]
    masked = activity.mask(np.array([enc.encode(r) for r in rows]))
    used = [{n for n, v in zip(enc.names, row, strict=True) if not np.isnan(v)} for row in masked]
    assert used == [{"kind", "x"}, {"kind", "n", "m"}, {"kind", "n"}, {"kind"}]


def test_same_seed_same_trials_and_other_seed_other_trials() -> None:
    def params(seed: int) -> list[dict[str, Any]]:
        study = hs.create_study(sampler=_fast(seed=seed))
        study.optimize(_conditional, n_trials=12, show_progress_bar=False)
        return [dict(t.params) for t in study.trials]

    assert params(3) == params(3)
    differing = sum(a != b for a, b in zip(params(3), params(4), strict=True))
    assert differing >= 10


def test_a_resumed_run_proposes_what_an_uninterrupted_one_would(tmp_path) -> None:
    straight = hs.create_study(sampler=_fast(seed=5))
    straight.optimize(_conditional, n_trials=12, show_progress_bar=False)
    url = f"sqlite:///{tmp_path / 'forest.db'}"
    first = hs.create_study("f", url, sampler=_fast(seed=5))
    first.optimize(_conditional, n_trials=7, show_progress_bar=False)
    resumed = hs.load_study("f", url, sampler=_fast(seed=5))  # a new process, in effect
    resumed.optimize(_conditional, n_trials=5, show_progress_bar=False)
    assert [t.params for t in resumed.trials] == [t.params for t in straight.trials]


def _branin(trial: hs.Trial) -> float:
    x, y = trial.suggest_float("x", -5.0, 10.0), trial.suggest_float("y", 0.0, 15.0)
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


def test_a_running_trial_moves_the_next_proposal_elsewhere() -> None:
    sampler = _fast(seed=0, random_fraction=0.0)
    study = hs.create_study(sampler=sampler, seed=0)
    study.optimize(_branin, n_trials=15, show_progress_bar=False)
    complete = list(study.trials)
    space = sampler.infer_relative_search_space(SamplerContext(15, 0, ("minimize",), complete))

    alone = sampler.sample_relative(SamplerContext(15, 0, ("minimize",), complete), space)
    # The same trial number (the same random draws), with another worker already running that point.
    running = FrozenTrial(16, TrialState.RUNNING, {}, {}, system_attrs={"proposed": alone})
    beside = sampler.sample_relative(SamplerContext(15, 0, ("minimize",), [*complete, running]), space)
    assert beside != alone
    assert math.hypot((beside["x"] - alone["x"]) / 15, (beside["y"] - alone["y"]) / 15) > 1e-3  # not a hair away
    # and a batch of asks spreads out
    batch = study.ask({"x": hs.Float(-5.0, 10.0), "y": hs.Float(0.0, 15.0)}, n=4)
    points = np.array([[t.params["x"], t.params["y"]] for t in batch])
    assert min(np.linalg.norm(points[i] - points[j]) for i in range(4) for j in range(i)) > 1e-3
    assert {t.state for t in study.trials[15:]} == {TrialState.RUNNING}


def test_a_finite_space_is_covered_before_any_point_repeats() -> None:
    def objective(trial: hs.Trial) -> float:
        return float(trial.suggest_int("k", 0, 3) + 10 * (trial.suggest_categorical("c", ["p", "q"]) == "q"))

    study = hs.create_study(sampler=_fast(seed=0, n_startup_trials=2, random_fraction=0.0))
    study.optimize(objective, n_trials=12, show_progress_bar=False)  # 8 points, then repeats must be allowed
    points = [(t.params["k"], t.params["c"]) for t in study.trials]
    assert len(set(points[:8])) >= 7  # the Latin-hypercube start-up may pair up once; the model never repeats
    assert len(set(points)) == 8
    assert all(t.state is TrialState.COMPLETE for t in study.trials)


@pytest.mark.parametrize(
    "objective",
    [
        pytest.param(lambda t: 1.0 + 0 * t.suggest_float("x", 0, 1), id="all-equal values"),
        pytest.param(lambda t: math.nan if t.number % 3 == 0 else t.suggest_float("x", 0, 1), id="NaN results"),
        pytest.param(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("fixed", 2.0, 2.0), id="one-point dim"),
        pytest.param(lambda t: float(t.suggest_categorical("c", ["only"]) == "only"), id="one-point space"),
        pytest.param(lambda t: 1.7e308 * t.suggest_float("x", -1, 1), id="huge values"),
    ],
)
def test_degenerate_inputs_never_crash(objective) -> None:
    study = hs.create_study(sampler=_fast(n_startup_trials=2))
    study.optimize(objective, n_trials=10, show_progress_bar=False)
    assert len(study.trials) == 10
    assert all(t.state in (TrialState.COMPLETE, TrialState.FAIL) for t in study.trials)


def test_several_objectives_fall_back_to_independent_random_sampling() -> None:
    study = hs.create_study(directions=["minimize", "maximize"], sampler=_fast(n_startup_trials=2))
    study.optimize(
        lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=8, show_progress_bar=False
    )
    ctx = SamplerContext(8, 0, ("minimize", "maximize"), study.trials)
    assert study.sampler.infer_relative_search_space(ctx) == {}
    assert len({t.params["x"] for t in study.trials}) == 8


def test_beats_random_search_on_branin_over_seeds() -> None:
    def regret(sampler: hs.samplers.BaseSampler, seed: int) -> float:
        study = hs.create_study(sampler=sampler, seed=seed)
        study.optimize(_branin, n_trials=25, show_progress_bar=False)
        return study.best_value - 0.397887

    seeds = range(8)
    forest = np.array([regret(_fast(seed=s), s) for s in seeds])
    rnd = np.array([regret(RandomSampler(seed=s), s) for s in seeds])
    # Paired by seed, one-sided: with 8 pairs p < 0.05 allows the forest to lose at most one or two.
    assert wilcoxon(forest, rnd, alternative="less").pvalue < 0.05
    assert np.mean(forest) < 0.3 * np.mean(rnd)


def test_missing_scikit_learn_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` now raises ImportError
    with pytest.raises(ImportError, match=r"hyperscout\[sklearn\]"):
        ForestSampler()


def test_scikit_learn_lost_after_construction_names_the_extra(monkeypatch) -> None:
    study = hs.create_study(sampler=_fast(n_startup_trials=2))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, show_progress_bar=False)
    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)
    with pytest.raises(ImportError, match=r"hyperscout\[sklearn\]"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, show_progress_bar=False)


def test_importing_the_sampler_does_not_import_scikit_learn() -> None:
    code = "import sys, hyperscout.samplers.forest; sys.exit('sklearn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_startup_trials": 0}, "n_startup_trials"),
        ({"n_startup_trials": 2.5}, "n_startup_trials"),
        ({"n_estimators": 0}, "n_estimators"),
        ({"n_estimators": True}, "n_estimators"),
        ({"min_samples_leaf": 0}, "min_samples_leaf"),
        ({"n_candidates": -1}, "n_candidates"),
        ({"model": "gbm"}, "model"),
        ({"output_transform": "sqrt"}, "output_transform"),
        ({"max_features": 0.0}, "max_features"),
        ({"max_features": 1.5}, "max_features"),
        ({"random_fraction": -0.1}, "random_fraction"),
        ({"random_fraction": 1.1}, "random_fraction"),
        ({"random_fraction": math.nan}, "random_fraction"),
        ({"xi": -1.0}, "xi"),
        ({"xi": math.inf}, "xi"),
    ],
)
def test_rejects_bad_options(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ForestSampler(**kwargs)


def test_stores_its_arguments() -> None:
    s = ForestSampler(seed=3, n_estimators=20, model="random_forest", random_fraction=0.0)
    assert (s.seed, s.n_estimators, s.model, s.random_fraction) == (3, 20, "random_forest", 0.0)
    assert "random_forest" in repr(s)


def test_is_chosen_by_its_name():
    sampler = hs.samplers.get_sampler("forest", seed=1)
    assert isinstance(sampler, hs.samplers.ForestSampler) and sampler.seed == 1
