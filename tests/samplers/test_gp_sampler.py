"""GPSampler: it beats random search, handles every kind of space, and never crashes on odd data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

import hyperscout as hs
from hyperscout.samplers import GPSampler, RandomSampler

BRANIN_MIN = 0.397887


def branin_value(p: dict) -> float:
    x, y = p["x"], p["y"]
    return (
        (y - 5.1 / (4 * math.pi**2) * x**2 + 5 / math.pi * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10
    )


def branin(trial: hs.Trial) -> float:
    return branin_value({"x": trial.suggest_float("x", -5, 10), "y": trial.suggest_float("y", 0, 15)})


def _regret(sampler: hs.samplers.BaseSampler, seed: int, n: int) -> float:
    study = hs.create_study(sampler=sampler, seed=seed)
    study.optimize(branin, n_trials=n, show_progress_bar=False)
    return study.best_value - BRANIN_MIN


def test_beats_random_search_on_branin_over_seeds() -> None:
    seeds = range(6)
    gp = [_regret(GPSampler(seed=s), s, 30) for s in seeds]
    rnd = [_regret(RandomSampler(seed=s), s, 30) for s in seeds]
    # One-sided rank test with a margin: with 6 seeds a side, p < 0.01 needs a near-total separation.
    assert mannwhitneyu(gp, rnd, alternative="less").pvalue < 0.01
    assert np.median(gp) < 0.1 * np.median(rnd)


def test_same_seed_same_trials() -> None:
    def params(seed: int) -> list[dict]:
        study = hs.create_study(sampler=GPSampler(seed=seed, n_startup_trials=3))
        study.optimize(branin, n_trials=7, show_progress_bar=False)
        return [t.params for t in study.trials]

    assert params(3) == params(3)
    assert params(3) != params(4)


def test_mixed_space_with_log_int_step_categorical_and_maximize() -> None:
    def objective(trial: hs.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        layers = trial.suggest_int("layers", 1, 8)
        width = trial.suggest_int("width", 16, 256, log=True)
        drop = trial.suggest_float("dropout", 0.0, 0.5, step=0.1)
        act = trial.suggest_categorical("act", ["relu", "tanh", "gelu"])
        return -((math.log10(lr) + 3) ** 2) - (layers - 3) ** 2 / 10 - drop + (act == "gelu") + math.log(width) / 10

    study = hs.create_study(direction="maximize", sampler=GPSampler(seed=0, n_startup_trials=5))
    study.optimize(objective, n_trials=14, show_progress_bar=False)
    for t in study.trials:
        assert isinstance(t.params["layers"], int) and 1 <= t.params["layers"] <= 8
        assert isinstance(t.params["width"], int) and 16 <= t.params["width"] <= 256
        assert t.params["act"] in ("relu", "tanh", "gelu")
        assert abs(t.params["dropout"] * 10 - round(t.params["dropout"] * 10)) < 1e-9
        assert 1e-5 <= t.params["lr"] <= 1e-1
    startup_best = max(t.value for t in study.trials[:5])
    assert study.best_value > startup_best  # the model-guided trials improved on the initial design


def test_conditional_parameters_are_modelled_not_dropped() -> None:
    def objective(trial: hs.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            return (trial.suggest_float("xa", 0, 1) - 0.2) ** 2
        return 0.5 + (trial.suggest_float("xb", 0, 1) - 0.7) ** 2

    study = hs.create_study(sampler=GPSampler(seed=1, n_startup_trials=6))
    study.optimize(objective, n_trials=20, show_progress_bar=False)
    later = study.trials[6:]
    # The model learned that branch "a" is better and went there most of the time.
    assert sum(t.params["kind"] == "a" for t in later) >= len(later) // 2
    assert study.best_value < 0.01
    for t in study.trials:  # a parameter of the other branch never appears in a trial
        assert ("xa" in t.params) == (t.params["kind"] == "a")
        assert ("xb" in t.params) == (t.params["kind"] == "b")


@pytest.mark.parametrize(
    "objective",
    [
        pytest.param(lambda t: 1.0 + 0 * t.suggest_float("x", 0, 1), id="all-equal values"),
        pytest.param(lambda t: float(t.suggest_int("k", 0, 2)), id="duplicate points"),
        pytest.param(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("fixed", 2.0, 2.0), id="one-point dim"),
        pytest.param(lambda t: math.nan if t.number % 3 == 0 else t.suggest_float("x", 0, 1), id="NaN results"),
        pytest.param(lambda t: float(t.suggest_categorical("c", ["only"]) == "only"), id="one-point space"),
    ],
)
def test_degenerate_inputs_never_crash(objective) -> None:
    study = hs.create_study(sampler=GPSampler(seed=0, n_startup_trials=2))
    study.optimize(objective, n_trials=10, show_progress_bar=False)
    assert len(study.trials) == 10
    assert all(t.state in (hs.TrialState.COMPLETE, hs.TrialState.FAIL) for t in study.trials)


def test_batch_ask_gives_distinct_points() -> None:
    study = hs.create_study(sampler=GPSampler(seed=0, n_startup_trials=5))
    study.optimize(branin, n_trials=8, show_progress_bar=False)
    batch = study.ask({"x": hs.Float(-5, 10), "y": hs.Float(0, 15)}, n=4)
    points = np.array([[t.params["x"], t.params["y"]] for t in batch])
    gaps = [np.linalg.norm(points[i] - points[j]) for i in range(4) for j in range(i)]
    assert min(gaps) > 0.1  # the running trials enter as fantasies, so the batch spreads out
    for t in batch:
        study.tell(t, branin_value(t.params))
    assert len(study.get_trials(deepcopy=False, states=[hs.TrialState.COMPLETE])) == 12


def test_rejects_bad_options() -> None:
    with pytest.raises(ValueError, match="acquisition"):
        GPSampler(acquisition="foo")
    with pytest.raises(ValueError, match="n_startup_trials"):
        GPSampler(n_startup_trials=0)


def test_a_resumed_run_proposes_what_an_uninterrupted_one_would(tmp_path) -> None:
    straight = hs.create_study(sampler=GPSampler(seed=5, n_startup_trials=4))
    straight.optimize(branin, n_trials=10, show_progress_bar=False)
    url = f"sqlite:///{tmp_path / 'gp.db'}"
    first = hs.create_study("gp", url, sampler=GPSampler(seed=5, n_startup_trials=4))
    first.optimize(branin, n_trials=6, show_progress_bar=False)
    resumed = hs.load_study("gp", url, sampler=GPSampler(seed=5, n_startup_trials=4))  # a new process, in effect
    resumed.optimize(branin, n_trials=4, show_progress_bar=False)
    assert [t.params for t in resumed.trials] == [t.params for t in straight.trials]


def test_each_fit_starts_from_the_hyperparameters_recorded_with_the_previous_proposal(monkeypatch) -> None:
    from hyperscout._gp import gp

    starts: list[object] = []
    real = gp.fit_theta

    def spy(X, y, kinds, warm_start=None, **kw):  # type: ignore[no-untyped-def]
        starts.append(None if warm_start is None else list(warm_start))
        return real(X, y, kinds, warm_start=warm_start, **kw)

    monkeypatch.setattr(gp, "fit_theta", spy)
    study = hs.create_study(sampler=GPSampler(seed=0, n_startup_trials=4))
    study.optimize(branin, n_trials=8, show_progress_bar=False)
    recorded = [t.system_attrs.get("gp_theta") for t in study.trials]
    assert recorded[:4] == [None] * 4 and all(r is not None for r in recorded[4:])
    assert starts[0] is None  # the first fit has no previous one
    assert starts[1:] == [r["theta"] for r in recorded[4:7]]  # type: ignore[index]


def test_one_sampler_used_for_two_studies_proposes_as_a_fresh_one_would() -> None:
    # The sampler keeps the encoded rows of finished trials; trial 3 of the second study is not trial 3 of the first.
    shared = GPSampler(seed=1, n_startup_trials=4)
    first = hs.create_study(sampler=shared)
    first.optimize(branin, n_trials=8, show_progress_bar=False)
    other_start = [{"x": x, "y": y} for x, y in [(-4.0, 1.0), (9.0, 2.0), (0.0, 14.0), (3.0, 3.0)]]
    second = hs.create_study(sampler=shared)
    fresh = hs.create_study(sampler=GPSampler(seed=1, n_startup_trials=4))
    for study in (second, fresh):
        for point in other_start:  # trials 0-3 here hold other values than trials 0-3 of the first study
            study.enqueue_trial(point)
        study.optimize(branin, n_trials=8, show_progress_bar=False)
    assert [t.params for t in second.trials] == [t.params for t in fresh.trials]


def test_never_proposes_an_evaluated_point_again_in_a_small_integer_space() -> None:
    # 5 x 4 = 20 points, 20 trials: a deterministic objective learns nothing from a repeated point.
    def objective(trial: hs.Trial) -> float:
        return (trial.suggest_int("a", 1, 5) - 4) ** 2 + 0.3 * (trial.suggest_int("b", 1, 4) - 2) ** 2

    study = hs.create_study(sampler=GPSampler(seed=0, n_startup_trials=5))
    study.optimize(objective, n_trials=20, show_progress_bar=False)
    assert len({(t.params["a"], t.params["b"]) for t in study.trials}) == 20


def test_all_equal_values_do_not_send_the_search_to_the_corners() -> None:
    # A plateau: with nothing to rank, the largest posterior variance is at the edges of the box.
    def objective(trial: hs.Trial) -> float:
        return 1.0 + 0 * sum(trial.suggest_float(f"x{i}", 0, 1) for i in range(3))

    study = hs.create_study(sampler=GPSampler(seed=0, n_startup_trials=5))
    study.optimize(objective, n_trials=25, show_progress_bar=False)
    on_edge = [t for t in study.trials[5:] if any(v < 1e-6 or v > 1 - 1e-6 for v in t.params.values())]
    assert len(on_edge) <= 2


def _plateau_with_a_basin(trial: hs.Trial) -> float:
    # 1.0 on most of [0, 1]^4; inside a ball of radius 0.45 (about a fifth of the box) the squared distance
    # to its centre, scaled to [0, 1): a model that is switched off on most of its box, as a decision tree
    # with large min_samples_* is.
    x = np.array([trial.suggest_float(f"x{i}", 0, 1) for i in range(4)])
    r2 = float(np.sum((x - np.array([0.3, 0.7, 0.25, 0.6])) ** 2)) / 0.45**2
    return min(1.0, r2)


def test_beats_random_search_on_a_plateau_with_a_narrow_basin() -> None:
    def best(sampler: hs.samplers.BaseSampler, seed: int) -> float:
        study = hs.create_study(sampler=sampler, seed=seed)
        study.optimize(_plateau_with_a_basin, n_trials=30, show_progress_bar=False)
        return study.best_value

    gp = [best(GPSampler(seed=s), s) for s in range(10)]
    rnd = [best(RandomSampler(seed=s), s) for s in range(10)]
    assert mannwhitneyu(gp, rnd, alternative="less").pvalue < 0.01
    assert np.median(gp) < 0.2 * np.median(rnd)


def test_the_first_trial_is_the_centre_of_the_space_unless_told_otherwise() -> None:
    def objective(trial: hs.Trial) -> float:
        trial.suggest_float("lr", 1e-4, 1e0, log=True)
        trial.suggest_int("k", 1, 9)
        trial.suggest_categorical("kernel", ["rbf", "poly"])
        return 0.0

    centred = hs.create_study(sampler=GPSampler(seed=3))
    centred.optimize(objective, n_trials=2, show_progress_bar=False)
    first = centred.trials[0].params
    assert first["lr"] == pytest.approx(1e-2) and first["k"] == 5 and first["kernel"] == "rbf"
    assert centred.trials[1].params != first  # only trial 0
    plain = hs.create_study(sampler=GPSampler(seed=3, centre_start=False))
    plain.optimize(objective, n_trials=1, show_progress_bar=False)
    assert plain.trials[0].params["lr"] != pytest.approx(1e-2)


def test_rejects_an_unknown_trust_region_or_centre_start() -> None:
    for bad in ("sometimes", 1, None):
        with pytest.raises(ValueError, match="trust_region"):
            GPSampler(trust_region=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="centre_start"):
        GPSampler(centre_start="no")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", [True, "alternate"])
def test_trust_region_modes_find_the_branin_minimum(mode) -> None:
    regrets = [_regret(GPSampler(seed=s, trust_region=mode), s, 30) for s in range(3)]
    assert np.median(regrets) < 0.05
