"""Samplers: the conformance suite (``hyperscout.testing.samplers``) on every sampler (add yours to ``SAMPLERS``),
then sampler-specific tests."""

from __future__ import annotations

import math
import threading
import warnings
from collections import Counter
from typing import Any

import numpy as np
import pytest
import scipy.stats
from scipy.stats import qmc

import hyperscout as hs
from hyperscout import TrialState
from hyperscout.samplers import (
    BaseSampler,
    GridSampler,
    QMCSampler,
    RandomSampler,
    SamplerContext,
    SearchSpaceExhausted,
)
from hyperscout.space import Categorical, Float, Int, OrNone
from hyperscout.testing import SamplerCase, make_storage
from hyperscout.testing import samplers as conformance
from hyperscout.testing.samplers import n_grid_points, point_key, run_case, typed_params

# ---------------------------------------------------------------------------------------------------
# the samplers under test: a new sampler joins this list. The checks themselves are public, in
# hyperscout.testing.samplers, so that a sampler written outside the package can run them too.

# A model-based sampler joins as e.g. SamplerCase("gp", lambda seed, p: GPSampler(seed=seed), space_filling=False).
SAMPLERS = [
    SamplerCase("random", lambda seed, p: RandomSampler(seed=seed)),
    SamplerCase("qmc", lambda seed, p: QMCSampler(seed=seed)),
    SamplerCase("qmc-space", lambda seed, p: QMCSampler(search_space=p.space, seed=seed)),
    SamplerCase("grid", lambda seed, p: GridSampler(p.grid, seed=seed), seeded=False, exhaustible=True),
    SamplerCase("tpe", lambda seed, p: hs.samplers.TPESampler(seed=seed), space_filling=False),
    SamplerCase(
        "tpe-independent", lambda seed, p: hs.samplers.TPESampler(seed=seed, multivariate=False), space_filling=False
    ),
    SamplerCase("gp", lambda seed, p: hs.samplers.GPSampler(seed=seed), space_filling=False),
    SamplerCase("auto", lambda seed, p: hs.samplers.AutoSampler(seed=seed), space_filling=False),
    # past its GP budget: TPE, or CMA-ES warm-started from the GP's trials
    SamplerCase("auto-long", lambda seed, p: hs.samplers.AutoSampler(seed=seed, gp_max_trials=5), space_filling=False),
    SamplerCase("cmaes", lambda seed, p: hs.samplers.CmaEsSampler(seed=seed), space_filling=False),
    SamplerCase(
        "cmaes-warm",
        lambda seed, p: hs.samplers.CmaEsSampler(seed=seed, warm_start=True, n_startup_trials=5),
        space_filling=False,
    ),
    SamplerCase("forest", lambda seed, p: hs.samplers.ForestSampler(seed=seed), space_filling=False),
    # small generations, so that the checks' short studies breed children
    SamplerCase("nsga2", lambda seed, p: hs.samplers.NSGAIISampler(seed=seed, population_size=4), space_filling=False),
    SamplerCase(
        "nsga2-sbx",
        lambda seed, p: hs.samplers.NSGAIISampler(seed=seed, population_size=4, crossover="sbx", mutation="polynomial"),
        space_filling=False,
    ),
    # continuous floats get 5 values each; it walks a tree of combinations, so it need not fill the space
    SamplerCase(
        "brute-force", lambda seed, p: hs.samplers.BruteForceSampler(seed=seed, float_points=5), space_filling=False
    ),
    SamplerCase(
        "partial-fixed",
        lambda seed, p: hs.samplers.PartialFixedSampler({"int": 2}, RandomSampler(seed=seed)),
    ),
    SamplerCase(
        "partial-fixed-tpe",
        lambda seed, p: hs.samplers.PartialFixedSampler({"int": 2}, hs.samplers.TPESampler(seed=seed)),
        space_filling=False,
    ),
]
SEEDED = [c for c in SAMPLERS if c.seeded]

_run, _key, _typed, _n_points = run_case, point_key, typed_params, n_grid_points


def _cases(cases: list[SamplerCase]) -> Any:
    return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: pytest.FixtureRequest, tmp_path) -> Any:
    """One storage that several studies of a test share: an in-memory object or a SQLite file URL."""
    return make_storage(request.param, tmp_path)


# ---------------------------------------------------------------------------------------------------
# conformance


@_cases(SAMPLERS)
def test_suggested_values_are_valid_for_every_distribution(case, storage):
    conformance.check_suggested_values_are_valid_for_every_distribution(case, storage)


@_cases(SAMPLERS)
def test_conditional_define_by_run_spaces(case, storage):
    conformance.check_conditional_define_by_run_spaces(case, storage)


@_cases(SAMPLERS)
def test_same_seed_gives_identical_trials(case, storage):
    conformance.check_same_seed_gives_identical_trials(case, storage)


@_cases(SEEDED)
def test_different_seeds_give_different_trials(case):
    conformance.check_different_seeds_give_different_trials(case, None)


@_cases(SAMPLERS)
def test_nan_objective_does_not_crash(case, storage):
    conformance.check_nan_objective_does_not_crash(case, storage)


@_cases(SAMPLERS)
def test_ask_and_tell_use_the_sampler(case, storage):
    conformance.check_ask_and_tell_use_the_sampler(case, storage)


# ---------------------------------------------------------------------------------------------------
# RandomSampler


def test_random_value_depends_only_on_seed_trial_number_and_name():
    def run(objective):
        study = hs.create_study(sampler=RandomSampler(seed=11))
        study.optimize(objective, n_trials=12, show_progress_bar=False)
        return study

    def x_only(trial):
        return trial.suggest_float("x", 0.0, 1.0)

    def other_first(trial):
        trial.suggest_int("a", 0, 100)
        trial.suggest_categorical("b", ["p", "q"])
        return trial.suggest_float("x", 0.0, 1.0)

    def x_then_other(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.suggest_float("y", 0.0, 1.0)
        return x

    def x_from_trial_5(trial):
        if trial.number < 5:
            return 0.0 if trial.number % 2 else math.nan
        return trial.suggest_float("x", 0.0, 1.0)

    base = [t.params["x"] for t in run(x_only).trials]
    assert len(set(base)) == 12
    assert [t.params["x"] for t in run(other_first).trials] == base
    both = run(x_then_other).trials
    assert [t.params["x"] for t in both] == base
    assert [t.params["y"] for t in both] != base  # another name, another draw
    assert [t.params.get("x") for t in run(x_from_trial_5).trials][5:] == base[5:]


def test_random_sampler_ignores_the_history():
    study = hs.create_study(sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5, show_progress_bar=False)
    sampler = RandomSampler(seed=0)
    d = Float(1e-3, 1.0, log=True)
    with_history = SamplerContext(7, 123, ("minimize",), study.trials)
    without = SamplerContext(7, 123, ("maximize",), [])
    assert sampler.sample_independent(with_history, "lr", d) == sampler.sample_independent(without, "lr", d)
    other_number = SamplerContext(8, 123, ("minimize",), [])
    other_seed = SamplerContext(7, 124, ("minimize",), [])
    value = sampler.sample_independent(without, "lr", d)
    assert sampler.sample_independent(other_number, "lr", d) != value
    assert sampler.sample_independent(other_seed, "lr", d) != value
    assert sampler.sample_independent(without, "lr2", d) != value


def test_random_study_seed_is_used_when_the_sampler_has_none():
    def run():
        study = hs.create_study(sampler=RandomSampler(), seed=9)
        study.optimize(lambda t: t.suggest_float("x", -1, 1), n_trials=5, show_progress_bar=False)
        return [t.params["x"] for t in study.trials]

    assert run() == run()


def test_random_sampling_is_uniform_in_the_unit_encoding():
    sampler = RandomSampler(seed=0)

    def draws(name, d, n=600):
        return [sampler.sample_independent(SamplerContext(i, 5, ("minimize",), []), name, d) for i in range(n)]

    logs = np.log10(draws("lr", Float(1e-3, 1e3, log=True)))
    assert scipy.stats.kstest(logs, scipy.stats.uniform(-3, 6).cdf).pvalue > 1e-3
    plain = draws("x", Float(-5.0, 5.0))
    assert scipy.stats.kstest(plain, scipy.stats.uniform(-5, 10).cdf).pvalue > 1e-3
    counts = Counter(draws("k", Int(1, 4), n=2000))
    assert sorted(counts) == [1, 2, 3, 4]
    assert scipy.stats.chisquare(list(counts.values())).pvalue > 1e-3
    with_none = Counter(v is None for v in draws("d", OrNone(Int(1, 3)), n=2000))
    assert with_none[True] / 2000 == pytest.approx(0.25, abs=0.04)


# ---------------------------------------------------------------------------------------------------
# QMCSampler

UNIT_SQUARE = {"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)}


def _points(sampler: BaseSampler, n: int = 64, storage: Any = None, name: str | None = None) -> np.ndarray:
    study = hs.create_study(name, storage, sampler=sampler)
    study.optimize(
        lambda t: t.suggest_float("x", 0.0, 1.0) + t.suggest_float("y", 0.0, 1.0),
        n_trials=n,
        show_progress_bar=False,
    )
    return np.array([[t.params["x"], t.params["y"]] for t in study.trials])


@pytest.mark.parametrize("explicit_space", [True, False], ids=["search_space", "inferred"])
def test_qmc_covers_the_space_better_than_random(explicit_space):
    ratios = []
    for seed in range(5):
        space = UNIT_SQUARE if explicit_space else None
        q = qmc.discrepancy(_points(QMCSampler(search_space=space, seed=seed)))
        r = qmc.discrepancy(_points(RandomSampler(seed=seed)))
        assert q < r, seed
        ratios.append(q / r)
    assert np.mean(ratios) < 0.5


def test_qmc_points_are_stratified():
    # The first 2^m scrambled Sobol points put exactly one point in each 1/2^m slice of each axis.
    pts = _points(QMCSampler(search_space=UNIT_SQUARE, seed=3))
    for axis in range(2):
        assert sorted(np.floor(pts[:, axis] * 64).astype(int)) == list(range(64))
    # and a categorical / integer gets each value equally often
    space = {"c": Categorical(("a", "b", "c", "d")), "k": Int(1, 8)}
    study = hs.create_study(sampler=QMCSampler(search_space=space, seed=3))
    study.optimize(
        lambda t: len(t.suggest_categorical("c", ["a", "b", "c", "d"])) + t.suggest_int("k", 1, 8),
        n_trials=64,
        show_progress_bar=False,
    )
    assert Counter(t.params["c"] for t in study.trials) == {"a": 16, "b": 16, "c": 16, "d": 16}
    assert Counter(t.params["k"] for t in study.trials) == {k: 8 for k in range(1, 9)}


def test_qmc_resumed_study_continues_the_sequence(tmp_path):
    url = f"sqlite:///{tmp_path / 'q.db'}"
    whole = _points(QMCSampler(search_space=UNIT_SQUARE, seed=4), n=40)
    _points(QMCSampler(search_space=UNIT_SQUARE, seed=4), n=25, storage=url, name="q")
    resumed = _points(QMCSampler(search_space=UNIT_SQUARE, seed=4), n=15, storage=url, name="q")
    assert resumed.shape == (40, 2)
    np.testing.assert_array_equal(resumed, whole)


# ---------------------------------------------------------------------------------------------------
# GridSampler

GRID = {"a": [1, 2, 3], "b": ["x", "y"], "c": (1, 2)}


def _grid_objective(trial: hs.Trial) -> float:
    a = trial.suggest_categorical("a", GRID["a"])
    b = trial.suggest_categorical("b", GRID["b"])
    c = trial.suggest_int("c", 1, 2)
    return a * 10 + c + (0.5 if b == "y" else 0.0)


def test_grid_evaluates_every_point_once_and_stops_by_itself(storage):
    sampler = GridSampler(GRID)
    assert len(sampler.points) == 12
    study = hs.create_study("g", storage, sampler=sampler)
    study.optimize(_grid_objective, show_progress_bar=False)  # n_trials=None: the grid ends the run

    trials = study.trials
    assert [t.params for t in trials] == sampler.points  # every point, once, in ParameterGrid order
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert study.best_params == {"a": 1, "b": "x", "c": 1}

    study.optimize(_grid_objective, show_progress_bar=False)
    study.optimize(_grid_objective, n_trials=5, show_progress_bar=False)
    assert len(study.trials) == 12
    with pytest.raises(SearchSpaceExhausted):
        study.ask()
    assert len(study.trials) == 12
    # another process opening the same study sees the grid as done too
    again = hs.load_study("g", storage, sampler=GridSampler(GRID))
    with pytest.raises(SearchSpaceExhausted):
        again.ask()
    assert len(again.trials) == 12


def test_grid_budget_split_over_runs():
    study = hs.create_study(sampler=GridSampler(GRID))
    study.optimize(_grid_objective, n_trials=5, show_progress_bar=False)
    assert len(study.trials) == 5
    study.optimize(_grid_objective, n_trials=100, show_progress_bar=False)
    assert sorted(_key(t.params) for t in study.trials) == sorted(_key(p) for p in GridSampler(GRID).points)


def _failing_grid_objective(trial: hs.Trial) -> float:
    value = _grid_objective(trial)
    if trial.params["a"] == 2:
        raise RuntimeError("boom")
    return math.nan if trial.params["b"] == "y" else value


def test_grid_failed_points_are_retried_after_the_rest_then_given_up():
    sampler = GridSampler(GRID, retry_failed=1)
    study = hs.create_study(sampler=sampler)
    study.optimize(_failing_grid_objective, show_progress_bar=False)

    trials = study.trials
    failed_points = [p for p in sampler.points if p["a"] == 2 or p["b"] == "y"]
    assert len(failed_points) == 8
    # every point once, in order; then each failed point once more, in order; then the study stops
    assert [t.params for t in trials] == sampler.points + failed_points
    assert Counter(t.state for t in trials) == {TrialState.FAIL: 16, TrialState.COMPLETE: 4}
    with pytest.raises(SearchSpaceExhausted):
        study.ask()


def test_grid_without_retries_runs_each_point_once_even_if_it_fails():
    sampler = GridSampler(GRID, retry_failed=0)
    study = hs.create_study(sampler=sampler)
    study.optimize(_failing_grid_objective, show_progress_bar=False)
    trials = study.trials
    assert [t.params for t in trials] == sampler.points
    assert Counter(t.state for t in trials) == {TrialState.FAIL: 8, TrialState.COMPLETE: 4}
    for bad in (-1, 1.5, True, None):
        with pytest.raises(ValueError, match="retry_failed"):
            GridSampler(GRID, retry_failed=bad)


def test_grid_complete_points_never_run_twice():
    def sometimes_nan(trial):
        value = _grid_objective(trial)
        return math.nan if trial.number % 2 else value

    study = hs.create_study(sampler=GridSampler(GRID))
    study.optimize(sometimes_nan, show_progress_bar=False)
    complete = [_key(t.params) for t in study.trials if t.state is TrialState.COMPLETE]
    assert len(complete) == len(set(complete))
    assert {_key(t.params) for t in study.trials} == {_key(p) for p in GridSampler(GRID).points}


def test_grid_list_of_dicts():
    grid = [
        {"kernel": ["linear"], "C": [0.1, 1.0, 10.0]},
        {"kernel": ["rbf"], "C": [1.0, 10.0], "gamma": [0.01, 0.1]},
    ]

    def objective(trial):
        kernel = trial.suggest_categorical("kernel", ["linear", "rbf"])
        c = trial.suggest_float("C", 0.01, 100.0, log=True)
        if kernel == "rbf":
            return c * trial.suggest_float("gamma", 1e-3, 1.0, log=True)
        return c

    sampler = GridSampler(grid)
    assert len(sampler.points) == 3 + 4
    study = hs.create_study(sampler=sampler)
    study.optimize(objective, show_progress_bar=False)
    params = [t.params for t in study.trials]
    assert params == sampler.points
    assert sorted(_key(p) for p in params) == sorted(
        [_key({"kernel": "linear", "C": c}) for c in (0.1, 1.0, 10.0)]
        + [_key({"kernel": "rbf", "C": c, "gamma": g}) for c in (1.0, 10.0) for g in (0.01, 0.1)]
    )
    # grid values keep their meaning through the user's distributions
    assert all(isinstance(t.distributions["C"], Float) for t in study.trials)


def test_grid_same_name_with_int_and_float_values_in_two_subgrids():
    # 1 and 1.0 are the same value to a Categorical; the grid must still hand each point out once
    grid = [{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "C": [1.0, 10.0]}]

    def objective(trial):
        trial.suggest_categorical("kernel", ["linear", "rbf"])
        return trial.suggest_float("C", 0.1, 100.0)

    study = hs.create_study(sampler=GridSampler(grid))
    study.optimize(objective, n_trials=10, show_progress_bar=False)
    assert sorted((t.params["kernel"], t.params["C"]) for t in study.trials) == [
        ("linear", 1),
        ("linear", 10),
        ("rbf", 1),
        ("rbf", 10),
    ]


def test_grid_rejects_what_it_cannot_enumerate():
    with pytest.raises(ValueError, match=r"parameter 'lr'.*continuous"):
        GridSampler({"lr": (1e-4, 1e-1)})
    with pytest.raises(ValueError, match=r"parameter 'lr'.*continuous"):
        GridSampler([{"a": [1]}, {"lr": Float(0.0, 1.0)}])
    with pytest.raises(ValueError, match=r"parameter 'a'"):
        GridSampler({"a": []})
    with pytest.raises(ValueError, match="dict of name"):
        GridSampler([])
    with pytest.raises(ValueError, match="dict of name"):
        GridSampler(["a", "b"])
    assert [p["x"] for p in GridSampler({"x": Float(0.0, 1.0, step=0.25)}).points] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert [p["n"] for p in GridSampler({"n": (1, 4)}).points] == [1, 2, 3, 4]
    assert [p["d"] for p in GridSampler({"d": (None, 2)}).points] == [None, 1, 2]


def test_grid_parameter_outside_the_grid_is_an_error_naming_it():
    study = hs.create_study(sampler=GridSampler({"a": [1, 2]}))
    trial = study.ask()
    assert trial.suggest_categorical("a", [1, 2]) == 1
    with pytest.raises(ValueError, match=r"'z' is not in the grid"):
        trial.suggest_float("z", 0.0, 1.0)


def test_grid_value_outside_the_objectives_range_is_not_silently_replaced():
    study = hs.create_study(sampler=GridSampler({"x": [5.0]}))
    trial = study.ask()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="'x'"):
            trial.suggest_float("x", 0.0, 1.0)


def test_two_studies_sharing_a_sqlite_file_never_repeat_a_point(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    one = hs.create_study("g", url, sampler=GridSampler(GRID))
    two = hs.create_study("g", url, sampler=GridSampler(GRID))  # load_if_exists: the same study
    assert one.study_name == two.study_name

    # both hold a running trial at once: the second is handed a different point
    t1, t2 = one.ask(), two.ask()
    p1 = {"a": t1.suggest_categorical("a", GRID["a"]), "b": t1.suggest_categorical("b", GRID["b"])}
    p2 = {"a": t2.suggest_categorical("a", GRID["a"]), "b": t2.suggest_categorical("b", GRID["b"])}
    p1["c"], p2["c"] = t1.suggest_int("c", 1, 2), t2.suggest_int("c", 1, 2)
    assert p1 != p2
    one.tell(t1, 0.0)
    two.tell(t2, 0.0)

    # then they alternate until both find the grid exhausted
    done = {id(one): False, id(two): False}
    by_study = Counter()
    while not all(done.values()):
        for study in (one, two):
            if done[id(study)]:
                continue
            try:
                trial = study.ask()
            except SearchSpaceExhausted:
                done[id(study)] = True
                continue
            study.tell(trial, _grid_objective(trial))
            by_study[id(study)] += 1
    trials = hs.load_study("g", url).trials
    assert len(trials) == 12
    assert sorted(_key(t.params) for t in trials) == sorted(_key(p) for p in GridSampler(GRID).points)
    assert by_study[id(one)] >= 4 and by_study[id(two)] >= 4


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_threads_sharing_a_study_never_repeat_a_point(backend, tmp_path):
    grid = {"a": list(range(10)), "b": list(range(6))}
    storage = hs.storages.InMemoryStorage() if backend == "memory" else f"sqlite:///{tmp_path / 't.db'}"
    hs.create_study("g", storage)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work():
        try:
            study = hs.load_study("g", storage, sampler=GridSampler(grid))
            barrier.wait()
            study.optimize(
                lambda t: t.suggest_categorical("a", grid["a"]) + t.suggest_categorical("b", grid["b"]),
                show_progress_bar=False,
            )
        except BaseException as e:  # reported below; a thread's exception would vanish otherwise
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    trials = hs.load_study("g", storage).trials
    assert len(trials) == 60
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert len({(t.params["a"], t.params["b"]) for t in trials}) == 60


@pytest.mark.parametrize("grid", [{}, [{}]])
def test_an_empty_grid_is_one_point_then_the_study_stops(grid):
    # As scikit-learn's ParameterGrid({}): one point, the empty assignment. It ran forever.
    study = hs.create_study(sampler=GridSampler(grid))
    study.optimize(lambda t: 1.0, show_progress_bar=False)  # n_trials=None: the grid ends the run
    assert [t.params for t in study.trials] == [{}]
    study.optimize(lambda t: 1.0, show_progress_bar=False)
    assert len(study.trials) == 1


def test_the_empty_point_of_a_list_of_grids_runs_once():
    study = hs.create_study(sampler=GridSampler([{}, {"x": [1, 2]}]))
    study.optimize(lambda t: t.suggest_categorical("x", [1, 2]) if t.number else 0.0, show_progress_bar=False)
    assert sorted(str(t.params) for t in study.trials) == ["{'x': 1}", "{'x': 2}", "{}"]
