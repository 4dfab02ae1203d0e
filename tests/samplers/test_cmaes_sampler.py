"""CmaEsSampler: valid values of every kind, a state replayed from the trials alone, restarts, and search quality."""

from __future__ import annotations

import math
import pickle
import random
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

import hyperscout as hs
from hyperscout import TrialState
from hyperscout.samplers import RandomSampler, SamplerContext, intersection_search_space
from hyperscout.samplers.cmaes import CmaEsSampler, _Encoding, _Replay
from hyperscout.space import Categorical, Distribution, Float, Int, OrNone
from hyperscout.testing.samplers import ALL_TYPES

NUMERIC: dict[str, Distribution] = {k: d for k, d in ALL_TYPES.items() if isinstance(d, (Float, Int))}
OTHER: dict[str, Distribution] = {"cat": Categorical(("a", "b", 3)), "maybe": OrNone(Int(1, 30))}


def _state(study: hs.Study, sampler: CmaEsSampler) -> _Replay:
    """The replay the sampler would propose the next trial from."""
    ctx = SamplerContext(len(study.trials), study.seed, study.directions, study.trials)
    space = sampler.infer_relative_search_space(ctx)
    sign = -1.0 if study.directions[0] == "maximize" else 1.0
    enc = _Encoding(space, sampler.with_margin)
    replay = sampler._replay(enc, ctx.seed, sign, ctx.trials, sampler._start(enc, ctx.trials))
    replay.advance()
    return replay


def _shifted_sphere(trial: hs.Trial) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - 1.5 + 0.5 * i) ** 2 for i in range(5))


def _rastrigin(trial: hs.Trial) -> float:
    xs = [trial.suggest_float(f"x{i}", -5.12, 5.12) for i in range(2)]
    return 10 * len(xs) + sum(x * x - 10 * math.cos(2 * math.pi * x) for x in xs)


def _mixed(trial: hs.Trial) -> float:
    """Continuous, integer and stepped dimensions; some trials fail or are pruned."""
    x = trial.suggest_float("x", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    k = trial.suggest_int("k", -4, 4)
    f = trial.suggest_float("f", 0.0, 1.0, step=0.25)
    if trial.number % 9 == 4:
        raise hs.TrialPruned()
    if trial.number % 9 == 7:
        return math.nan  # recorded as FAIL
    return (x - 1.0) ** 2 + (math.log10(lr) + 3) ** 2 + (k - 2) ** 2 + f


# ---------------------------------------------------------------------------------------------------
# values and spaces


def test_every_numeric_kind_is_sampled_jointly_and_the_rest_by_the_fallback():
    asked: list[tuple[int, str]] = []

    class Spy(RandomSampler):
        def sample_independent(self, context, name, distribution):
            asked.append((context.number, name))
            return super().sample_independent(context, name, distribution)

    def objective(trial: hs.Trial) -> float:
        values = {name: trial.suggest(name, d) for name, d in {**NUMERIC, **OTHER}.items()}
        return sum(float(v) for v in values.values() if isinstance(v, (int, float)))

    study = hs.create_study(sampler=CmaEsSampler(seed=0, independent_sampler=Spy()))
    study.optimize(objective, n_trials=40, show_progress_bar=False)

    for t in study.trials:
        assert t.state is TrialState.COMPLETE
        for name, d in {**NUMERIC, **OTHER}.items():
            assert d.contains(t.params[name]), (name, t.params[name])
        for name, d in NUMERIC.items():
            assert type(t.params[name]) is (float if isinstance(d, Float) else int)
    # trial 0 is all fallback; from then on the numeric parameters are proposed jointly, and
    # only the categorical and the OrNone come from the fallback
    assert {name for n, name in asked if n == 0} == set(NUMERIC) | set(OTHER)
    assert {name for n, name in asked if n > 0} == set(OTHER)
    for t in study.trials[1:]:
        assert t.system_attrs["proposed"] == {k: t.params[k] for k in NUMERIC}
    # CMA-ES with margin keeps several values of each grid in play instead of collapsing early
    late = study.trials[20:]
    assert len({t.params["int"] for t in late}) >= 2 and len({t.params["float"] for t in late}) == len(late)


def test_conditional_parameters_come_from_the_fallback():
    asked: list[tuple[int, str]] = []

    class Spy(RandomSampler):
        def sample_independent(self, context, name, distribution):
            asked.append((context.number, name))
            return super().sample_independent(context, name, distribution)

    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", -3.0, 3.0)
        if trial.suggest_categorical("kind", ["a", "b"]) == "a":
            return x**2 + trial.suggest_float("y", 0.0, 1.0)
        return x**2 + 1 + trial.suggest_int("n", 1, 10)

    study = hs.create_study(sampler=CmaEsSampler(seed=3, independent_sampler=Spy()))
    study.optimize(objective, n_trials=40, show_progress_bar=False)

    kinds = {t.params["kind"] for t in study.trials}
    assert kinds == {"a", "b"}
    for t in study.trials:
        assert set(t.params) == ({"x", "kind", "y"} if t.params["kind"] == "a" else {"x", "kind", "n"})
    # once both branches have completed, x is the only joint parameter
    both = max(min(t.number for t in study.trials if t.params["kind"] == k) for k in kinds)
    for t in study.trials[both + 1 :]:
        assert set(t.system_attrs["proposed"]) == {"x"}
        assert (t.number, "x") not in asked
        assert (t.number, "y" if t.params["kind"] == "a" else "n") in asked


def test_one_dimension_and_a_maximised_objective():
    study = hs.create_study(direction="maximize", sampler=CmaEsSampler(seed=1))
    study.optimize(lambda t: -((t.suggest_float("x", -10.0, 10.0) - 3.0) ** 2), n_trials=60, show_progress_bar=False)
    assert abs(study.best_params["x"] - 3.0) < 0.05

    # maximising -f proposes exactly what minimising f does
    def params(direction: str, sign: float) -> list[dict[str, Any]]:
        s = hs.create_study(direction=direction, sampler=CmaEsSampler(seed=2))
        s.optimize(lambda t: sign * _mixed(t), n_trials=40, show_progress_bar=False)
        return [t.params for t in s.trials]

    assert params("minimize", 1.0) == params("maximize", -1.0)


def test_integer_problem_reaches_its_optimum_with_margin():
    def objective(trial: hs.Trial) -> float:
        return sum((trial.suggest_int(f"k{i}", -10, 10) - (i - 1)) ** 2 for i in range(4))

    for seed in range(3):
        study = hs.create_study(sampler=CmaEsSampler(seed=seed))
        study.optimize(objective, n_trials=150, show_progress_bar=False)
        assert study.best_value == 0, seed
        assert study.best_params == {"k0": -1, "k1": 0, "k2": 1, "k3": 2}


# ---------------------------------------------------------------------------------------------------
# determinism: a pure function of (seed, trial number, the trials)


def _fingerprint(study: hs.Study) -> list[tuple[Any, ...]]:
    return [(t.number, t.state, t.values, sorted(t.params.items())) for t in study.trials]


def test_same_seed_same_trials_and_another_seed_other_trials():
    def run(seed: int) -> hs.Study:
        study = hs.create_study(sampler=CmaEsSampler(seed=seed, tol_x=0.05))
        study.optimize(_mixed, n_trials=60, show_progress_bar=False)
        return study

    assert _fingerprint(run(5)) == _fingerprint(run(5))
    a, b = run(5), run(6)
    assert sum(x.params != y.params for x, y in zip(a.trials, b.trials, strict=True)) >= 55


@pytest.mark.parametrize("warm_start", [False, True])
def test_resumed_study_with_a_fresh_sampler_gives_the_same_trials(tmp_path, warm_start):
    url = f"sqlite:///{tmp_path / 'cma.db'}"
    # a small λ and a coarse tol_x make runs converge within the budget: the replay crosses restarts
    settings: dict[str, Any] = {"seed": 7, "popsize": 4, "tol_x": 0.1}
    if warm_start:  # from 6 trials of the fallback sampler
        settings.update(warm_start=True, n_startup_trials=6)
    whole = hs.create_study("whole", url, sampler=CmaEsSampler(**settings))
    whole.optimize(_mixed, n_trials=120, show_progress_bar=False)
    assert _state(whole, whole.sampler).restarts >= 1

    first = hs.create_study("split", url, sampler=CmaEsSampler(**settings))
    first.optimize(_mixed, n_trials=50, show_progress_bar=False)
    resumed = hs.load_study("split", url, sampler=CmaEsSampler(**settings))
    resumed.optimize(_mixed, n_trials=70, show_progress_bar=False)

    assert _fingerprint(hs.load_study("split", url)) == _fingerprint(whole)
    assert {t.state for t in whole.trials} == {TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED}


class _Checked(CmaEsSampler):
    """Checks every call against a fresh instance (no cache) seeing the same trials."""

    calls = 0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kwargs = kwargs

    def infer_relative_search_space(self, context):
        space = super().infer_relative_search_space(context)
        assert space == CmaEsSampler(**self.kwargs).infer_relative_search_space(context)
        complete = [t for t in context.trials if t.state is TrialState.COMPLETE]
        if len(complete) >= self.n_startup_trials:
            assert space == {
                k: d for k, d in intersection_search_space(complete).items() if not isinstance(d, Categorical)
            }
        return space

    def sample_relative(self, context, search_space):
        proposal = super().sample_relative(context, search_space)
        assert proposal == CmaEsSampler(**self.kwargs).sample_relative(context, search_space), context.number
        _Checked.calls += 1
        return proposal


@pytest.mark.parametrize(("restart_strategy", "warm_start"), [("ipop", False), ("bipop", False), ("ipop", True)])
def test_cache_never_changes_a_proposal_with_trials_in_flight(restart_strategy, warm_start):
    # Up to 4 trials run at once and finish in random order, as with parallel workers; some fail,
    # some are pruned. The cached sampler and a fresh one must agree at every step.
    def objective(trial: hs.Trial) -> float:
        x, k = trial.suggest_float("x", -5.0, 5.0), trial.suggest_int("k", -4, 4)
        c = trial.suggest_categorical("c", [0.0, 0.5])
        if trial.number % 9 == 4:
            raise hs.TrialPruned()
        return math.nan if trial.number % 9 == 7 else (x - 1) ** 2 + (k - 2) ** 2 + c

    # With warm_start, trials still running when CMA-ES starts finish later: the recorded start holds.
    warm: dict[str, Any] = {"warm_start": True, "n_startup_trials": 5} if warm_start else {}
    sampler = _Checked(seed=11, popsize=4, restart_strategy=restart_strategy, tol_x=0.1, **warm)
    study = hs.create_study(sampler=sampler)
    rng = random.Random(0)
    in_flight: list[hs.Trial] = []
    _Checked.calls = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NaN results
        for _ in range(100):
            in_flight.append(study.ask())
            while len(in_flight) > rng.randint(0, 3):
                trial = in_flight.pop(rng.randrange(len(in_flight)))
                try:
                    study.tell(trial, objective(trial))
                except hs.TrialPruned:
                    study.tell(trial, state="pruned")
    assert _Checked.calls >= (90 if warm_start else 95)
    replay = _state(study, sampler)
    assert replay.restarts >= 1
    assert replay.gens[-1].index >= 8


def test_a_trial_never_told_holds_its_generation_and_is_reported_once():
    sampler = CmaEsSampler(seed=0, popsize=4)
    study = hs.create_study(sampler=sampler)
    study.optimize(_shifted_sphere, n_trials=1, show_progress_bar=False)
    abandoned = study.ask()
    _shifted_sphere(abandoned)
    with pytest.warns(UserWarning, match=rf"waited for trial\(s\) \[{abandoned.number}\]") as record:
        study.optimize(_shifted_sphere, n_trials=60, show_progress_bar=False)
    assert sum("waited for" in str(w.message) for w in record) == 1
    assert _state(study, sampler).gens[-1].index == 0  # nothing told while it runs
    study.tell(abandoned, state="fail")
    study.optimize(_shifted_sphere, n_trials=1, show_progress_bar=False)
    assert _state(study, sampler).gens[-1].index == 1


def test_running_trials_draw_extras_from_the_generation_that_is_not_told_yet():
    sampler = CmaEsSampler(seed=4, popsize=6)
    study = hs.create_study(sampler=sampler)
    first = study.ask()
    study.tell(first, _shifted_sphere(first))  # the random start-up trial
    batch = study.ask(n=10)  # 6 core members of generation 0 and 4 extras
    proposals = [tuple(t.system_attrs["proposed"].values()) for t in (study.trials[i] for i in range(1, 11))]
    assert len(set(proposals)) == 10
    state = _state(study, sampler)
    assert [g.index for g in state.gens] == [0]
    assert [m.number for m in state.gens[0].core] == [1, 2, 3, 4, 5, 6]
    mean_before = state.gens[0].optimizer.mean.copy()

    # the core finishes: generation 1 starts, although the extras still run
    for trial in batch[:6]:
        study.tell(trial, _shifted_sphere(trial))
    state = _state(study, sampler)
    assert state.gens[-1].index == 1
    told_mean = state.gens[-1].optimizer.mean.copy()
    assert not np.allclose(told_mean, mean_before)
    # extras are evaluated but never told: whatever they return, generation 1 stays the same
    for trial in batch[6:]:
        _shifted_sphere(trial)
        study.tell(trial, -1e9)
    np.testing.assert_array_equal(_state(study, sampler).gens[-1].optimizer.mean, told_mean)
    nxt = study.ask()
    assert _state(study, sampler).gens[-1].core[0].number == nxt.number


def test_a_generation_completes_although_members_fail_or_are_pruned():
    sampler = CmaEsSampler(seed=0, restart_strategy=None)
    study = hs.create_study(sampler=sampler)
    study.optimize(_mixed, n_trials=120, show_progress_bar=False)
    failed = sum(t.state is not TrialState.COMPLETE for t in study.trials)
    assert failed >= 20
    popsize = 4 + math.floor(3 * math.log(4))
    # every trial after the start-up one joined a generation: none is left waiting for a value
    assert _state(study, sampler).gens[-1].index == (len(study.trials) - 1) // popsize
    first_gen = [t.value for t in study.trials[1 : popsize + 1] if t.value is not None]
    assert study.best_value < 0.5 * np.median(first_gen)


def test_sampler_survives_pickling_and_gives_the_same_trials():
    sampler = CmaEsSampler(seed=9)
    study = hs.create_study(sampler=sampler)
    study.optimize(_shifted_sphere, n_trials=30, show_progress_bar=False)
    copy = pickle.loads(pickle.dumps(sampler))
    assert copy._replays == {} and repr(copy) == repr(sampler)
    ctx = SamplerContext(len(study.trials), study.seed, study.directions, study.trials)
    space = sampler.infer_relative_search_space(ctx)
    assert copy.sample_relative(ctx, space) == sampler.sample_relative(ctx, space)


# ---------------------------------------------------------------------------------------------------
# search quality and restarts


def test_beats_random_search_on_a_shifted_sphere_over_seeds():
    seeds = range(5)

    def best(sampler: hs.samplers.BaseSampler, seed: int) -> float:
        study = hs.create_study(sampler=sampler, seed=seed)
        study.optimize(_shifted_sphere, n_trials=200, show_progress_bar=False)
        return study.best_value

    cma = [best(CmaEsSampler(seed=s), s) for s in seeds]
    rnd = [best(RandomSampler(seed=s), s) for s in seeds]
    # 5 seeds a side: p < 0.01 needs every CMA-ES run to beat every random one
    assert mannwhitneyu(cma, rnd, alternative="less").pvalue < 0.01
    assert np.median(cma) < 0.01 * np.median(rnd)


def test_ipop_restarts_double_the_population_on_rastrigin():
    sampler = CmaEsSampler(seed=0)
    study = hs.create_study(sampler=sampler)
    study.optimize(_rastrigin, n_trials=600, show_progress_bar=False)
    state = _state(study, sampler)
    popsize0 = 4 + math.floor(3 * math.log(2))
    assert state.restarts >= 1
    assert state.gens[-1].popsize == popsize0 * 2**state.restarts


def test_bipop_alternates_small_and_large_runs():
    sampler = CmaEsSampler(seed=2, restart_strategy="bipop", tol_x=0.05)
    study = hs.create_study(sampler=sampler)
    study.optimize(_rastrigin, n_trials=400, show_progress_bar=False)
    state = _state(study, sampler)
    # run 1 (large, λ0) → small runs until they have used as many evaluations → large (2 λ0) → ...
    assert state.restarts >= 3
    assert state.evals["small"] > 0 and state.evals["large"] > 0
    assert state.large_restarts >= 1


# ---------------------------------------------------------------------------------------------------
# errors and imports


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": True}, "seed"),
        ({"n_startup_trials": 0}, "n_startup_trials"),
        ({"n_startup_trials": 2.0}, "n_startup_trials"),
        ({"sigma0": 0.0}, "sigma0"),
        ({"sigma0": 1.5}, "sigma0"),
        ({"sigma0": math.nan}, "sigma0"),
        ({"popsize": 3}, "popsize"),
        ({"popsize": 10.0}, "popsize"),
        ({"restart_strategy": "lpop"}, "restart_strategy"),
        ({"inc_popsize": 1}, "inc_popsize"),
        ({"tol_x": -1e-3}, "tol_x"),
        ({"tol_x": 1.0}, "tol_x"),
        ({"with_margin": 1}, "with_margin"),
        ({"independent_sampler": "random"}, "independent_sampler"),
        ({"warm_start": 1}, "warm_start"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CmaEsSampler(**kwargs)


# ---------------------------------------------------------------------------------------------------
# warm start


def _sphere_study(seed: int, n_random: int) -> hs.Study:
    study = hs.create_study(sampler=RandomSampler(seed=seed), seed=seed)
    study.optimize(_shifted_sphere, n_trials=n_random, show_progress_bar=False)
    return study


def _corner_sphere(trial: hs.Trial) -> float:
    """A minimum far from the centre, where a cold start begins."""
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - 4.0 + 0.3 * i) ** 2 for i in range(5))


def test_warm_start_records_its_source_and_starts_from_the_best_tenth():
    study = _sphere_study(0, 40)
    study.sampler = CmaEsSampler(seed=0, warm_start=True)
    study.optimize(_shifted_sphere, n_trials=3, show_progress_bar=False)
    first, later = study.trials[40], study.trials[41:]
    assert first.system_attrs["cmaes_start"] == {"space": [f"x{i}" for i in range(5)], "source": list(range(40))}
    assert all("cmaes_start" not in t.system_attrs for t in later)

    enc = _Encoding({f"x{i}": Float(-5.0, 5.0) for i in range(5)}, True)
    replay = study.sampler._replay(enc, 0, 1.0, study.trials[:40], tuple(range(40)))
    best = sorted(study.trials[:40], key=lambda t: t.value)[:4]  # 10% of 40
    expected = np.mean([[(t.params[f"x{i}"] + 5) / 10 for i in range(5)] for t in best], axis=0)
    np.testing.assert_allclose(replay.gens[0].optimizer.mean, expected, atol=1e-12)


def test_warm_start_from_one_trial_starts_at_it():
    study = _sphere_study(1, 1)
    study.sampler = CmaEsSampler(seed=1, warm_start=True)
    study.optimize(_shifted_sphere, n_trials=1, show_progress_bar=False)
    enc = _Encoding({f"x{i}": Float(-5.0, 5.0) for i in range(5)}, True)
    replay = study.sampler._replay(enc, 1, 1.0, study.trials[:1], (0,))
    units = [(study.trials[0].params[f"x{i}"] + 5) / 10 for i in range(5)]
    np.testing.assert_allclose(replay.gens[0].optimizer.mean, units, atol=1e-12)


def test_a_recorded_start_is_replayed_even_without_warm_start():
    # The record says how the proposals were drawn: a sampler made with the default must follow it.
    study = _sphere_study(2, 20)
    study.sampler = CmaEsSampler(seed=2, warm_start=True)
    study.optimize(_shifted_sphere, n_trials=30, show_progress_bar=False)
    warm = _state(study, study.sampler)
    cold = _state(study, CmaEsSampler(seed=2))
    assert warm.gens[-1].index == cold.gens[-1].index >= 3
    np.testing.assert_array_equal(warm.gens[-1].optimizer.mean, cold.gens[-1].optimizer.mean)


def test_warm_start_continues_from_earlier_trials_better_than_a_cold_start():
    warm, cold = [], []
    for seed in range(8):
        for flag, out in ((True, warm), (False, cold)):
            study = hs.create_study(sampler=RandomSampler(seed=seed), seed=seed)
            study.optimize(_corner_sphere, n_trials=60, show_progress_bar=False)
            study.sampler = CmaEsSampler(seed=seed, warm_start=flag)
            study.optimize(_corner_sphere, n_trials=40, show_progress_bar=False)
            out.append(min(t.value for t in study.trials[60:]))
    assert mannwhitneyu(warm, cold, alternative="less").pvalue < 0.01, (warm, cold)


def test_multi_objective_study_is_an_error():
    study = hs.create_study(directions=["minimize", "maximize"], sampler=CmaEsSampler(seed=0))
    with pytest.raises(ValueError, match="single objective"):
        study.ask()


def test_importing_the_sampler_does_not_import_cmaes():
    code = "import sys, hyperscout.samplers.cmaes; assert 'cmaes' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
