"""BruteForceSampler (every combination of a define-by-run space, once) and PartialFixedSampler."""

from __future__ import annotations

import pytest

import hyperscout as hs
from hyperscout.samplers import BruteForceSampler, PartialFixedSampler, RandomSampler


def _conditional(trial) -> float:
    # Optuna's own example: 5 + 6 combinations, the range of b depending on a.
    if trial.suggest_categorical("c", ["float", "int"]) == "float":
        return trial.suggest_float("x", 1, 3, step=0.5)
    a = trial.suggest_int("a", 1, 3)
    return a + trial.suggest_int("b", a, 3)


def _combos(study: hs.Study) -> list[tuple]:
    return [tuple(sorted(t.params.items())) for t in study.trials]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_combination_once_then_the_study_stops(seed) -> None:
    study = hs.create_study(sampler=BruteForceSampler(seed=seed))
    study.optimize(_conditional, show_progress_bar=False)
    combos = _combos(study)
    assert len(combos) == len(set(combos)) == 11
    assert {c for c in combos if ("c", "int") in c} == {
        (("a", a), ("b", b), ("c", "int")) for a in (1, 2, 3) for b in range(a, 4)
    }
    study.optimize(_conditional, n_trials=5, show_progress_bar=False)  # nothing left: no new trial
    assert len(study.trials) == 11


def test_the_order_depends_on_the_seed_and_a_run_is_reproducible() -> None:
    runs = {}
    for seed in (0, 0, 1):
        study = hs.create_study(sampler=BruteForceSampler(seed=seed))
        study.optimize(_conditional, show_progress_bar=False)
        runs.setdefault(seed, []).append(_combos(study))
    assert runs[0][0] == runs[0][1]
    assert runs[0][0] != runs[1][0]


def test_failed_trials_count_as_tried() -> None:
    def fails_on_two(trial) -> float:
        n = trial.suggest_int("n", 1, 4)
        if n == 2:
            raise ValueError("two is bad")
        return float(n)

    study = hs.create_study(sampler=BruteForceSampler(seed=0))
    study.optimize(fails_on_two, show_progress_bar=False)
    assert sorted(t.params["n"] for t in study.trials) == [1, 2, 3, 4]


def test_a_continuous_float_is_refused_unless_float_points_says_how_many() -> None:
    study = hs.create_study(sampler=BruteForceSampler(seed=0))
    with pytest.raises(ValueError, match=r"finite set of values for parameter 'x'.*give it a step.*float_points"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
    study = hs.create_study(sampler=BruteForceSampler(seed=0, float_points=5))
    study.optimize(lambda t: t.suggest_float("x", 1e-3, 10, log=True), show_progress_bar=False)
    assert sorted(round(t.params["x"], 6) for t in study.trials) == [0.001, 0.01, 0.1, 1.0, 10.0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"float_points": 1}, ValueError, "float_points must be an int of at least 2, or None, got 1"),
        ({"avoid_premature_stop": "no"}, TypeError, "avoid_premature_stop must be True or False, got 'no'"),
    ],
)
def test_brute_force_refuses_bad_options(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        BruteForceSampler(**kwargs)


def test_partial_fixed_holds_its_parameters_and_searches_the_rest() -> None:
    sampler = PartialFixedSampler({"kind": "b", "n": 7}, hs.samplers.TPESampler(seed=0, n_startup_trials=3))

    def objective(trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b"])
        n = trial.suggest_int("n", 1, 10)
        return trial.suggest_float("x", -1, 1) ** 2 + n + (kind == "a")

    study = hs.create_study(sampler=sampler)
    study.optimize(objective, n_trials=12, show_progress_bar=False)
    assert {(t.params["kind"], t.params["n"]) for t in study.trials} == {("b", 7)}
    assert len({t.params["x"] for t in study.trials}) == 12
    # after the start-up trials TPE proposes jointly, and the fixed values ride in its proposal
    assert study.trials[-1].system_attrs["proposed"]["n"] == 7


def test_partial_fixed_says_when_a_fixed_value_is_out_of_range() -> None:
    study = hs.create_study(sampler=PartialFixedSampler({"n": 20}, RandomSampler(seed=0)))
    with pytest.raises(ValueError, match=r"fixed value 20 of parameter 'n' is outside Int\(low=1, high=10"):
        study.optimize(lambda t: t.suggest_int("n", 1, 10), n_trials=3, show_progress_bar=False)
    with pytest.raises(TypeError, match="base_sampler must be a hs.samplers sampler, got 'tpe'"):
        PartialFixedSampler({"n": 1}, "tpe")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fixed_params must be a dict"):
        PartialFixedSampler([("n", 1)], RandomSampler())  # type: ignore[arg-type]
