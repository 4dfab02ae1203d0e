"""AutoSampler: each rule picks the sampler it documents, and the pick is a function of the records alone."""

from __future__ import annotations

import pytest

import hyperscout as hs
from hyperscout.samplers import AutoSampler, SamplerContext
from hyperscout.space import Categorical, Float, Int
from hyperscout.trial import FrozenTrial, TrialState


def _t(number, params, dists, value=1.0, state=TrialState.COMPLETE, steps=None):
    return FrozenTrial(
        number=number,
        state=state,
        params=params,
        distributions=dists,
        values=None if state is not TrialState.COMPLETE else (value,),
        intermediate_values=steps or {},
    )


NUMERIC = {"x": Float(0.0, 1.0), "n": Int(1, 10)}


def _numeric(n):
    return [_t(i, {"x": 0.5, "n": 3}, NUMERIC, float(i)) for i in range(n)]


def _choose(trials, directions=("minimize",), **kw):
    ctx = SamplerContext(number=len(trials), seed=0, directions=directions, trials=trials)
    return AutoSampler(**kw).choose(ctx)


def test_small_numeric_study_uses_the_gp():
    assert _choose([]) == ("gp", "numeric search space, small budget")
    assert _choose(_numeric(50))[0] == "gp"


def test_large_numeric_study_moves_to_cmaes():
    assert _choose(_numeric(199))[0] == "gp"
    name, why = _choose(_numeric(200))
    assert name == "cmaes" and "200 trials to fit" in why
    assert _choose(_numeric(30), gp_max_trials=30)[0] == "cmaes"


def test_large_study_with_other_parameters_or_stopped_trials_moves_to_tpe():
    dists = {**NUMERIC, "kind": Categorical(("a", "b", "c"))}
    mixed = [_t(i, {"x": 0.5, "n": 3, "kind": "a"}, dists, float(i)) for i in range(30)]
    assert _choose(mixed, gp_max_trials=30) == ("tpe", "30 trials to fit (GP up to 30), not all parameters numeric")
    optional = {"x": Float(0.0, 1.0), "n": hs.OrNone(Int(1, 10))}
    maybe = [_t(i, {"x": 0.5, "n": None}, optional, float(i)) for i in range(30)]
    assert _choose(maybe, gp_max_trials=30)[0] == "tpe"
    stopped = _t(30, {"x": 0.5, "n": 3}, NUMERIC, state=TrialState.PRUNED, steps={1: 0.3})
    name, why = _choose([*_numeric(30), stopped], gp_max_trials=30)
    assert name == "tpe" and why.endswith("trials stopped early")


def test_several_objectives_use_the_gp_while_small_then_tpe():
    two = ("minimize", "maximize")
    assert _choose(_numeric(5), directions=two) == ("gp", "numeric search space, small budget, several objectives")
    name, why = _choose(_numeric(30), directions=two, gp_max_trials=30)
    assert name == "tpe" and why.endswith("several objectives")  # not CMA-ES, which has one objective
    dists = {"a": Categorical(("x", "y")), "b": Categorical((1, 2, 3)), "c": Float(0.0, 1.0)}
    categorical = [_t(0, {"a": "x", "b": 2, "c": 0.3}, dists)]
    assert _choose(categorical, directions=two) == ("tpe", "mostly categorical search space")
    assert _choose(_numeric(5), directions=("minimize",) * 4) == ("tpe", "more than three objectives")


def test_auto_with_several_objectives_and_constraints_runs_the_constrained_gp():
    def constraints(t):
        return [0.3 - t.params["x"]]  # feasible when x >= 0.3

    study = hs.create_study(directions=["minimize", "minimize"], seed=0, constraints_func=constraints)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1) ** 2), n_trials=20,
                   show_progress_bar=False)  # fmt: skip
    assert study.sampler.choose(SamplerContext(20, 0, study.directions, study.trials))[0] == "gp"
    # The GP models the constraint: every proposal after the 10 random ones is feasible or within 0.01
    # of it (by chance: 3 %), and the front reaches the constraint's edge, where the first objective is smallest.
    assert all(t.params["x"] >= 0.29 for t in study.trials[10:])
    assert min(t.params["x"] for t in study.best_trials) < 0.32
    assert all(t.params["x"] >= 0.3 for t in study.best_trials)


def test_conditional_space_uses_tpe():
    kinds = {"kind": Categorical(("a", "b"))}
    a = {**kinds, "x": Float(0.0, 1.0), "y": Float(0.0, 1.0)}
    first = _t(0, {"kind": "a", "x": 0.1, "y": 0.2}, a)
    assert _choose([first])[0] == "gp"  # one branch seen so far: nothing says the space is conditional
    assert _choose([first, _t(1, {"kind": "a", "x": 0.3, "y": 0.4}, a)])[0] == "gp"
    other = _t(2, {"kind": "b", "n": 3, "m": 4}, {**kinds, "n": Int(1, 10), "m": Int(1, 10)})
    assert _choose([first, other]) == ("tpe", "conditional search space")
    failed = _t(1, {"kind": "b", "n": 3}, {**kinds, "n": Int(1, 10)}, state=TrialState.FAIL)
    assert _choose([first, failed])[0] == "gp"  # only what the models fit counts


def test_mostly_categorical_space_uses_tpe():
    dists = {"a": Categorical(("x", "y")), "b": Categorical((1, 2, 3)), "c": Float(0.0, 1.0)}
    trials = [_t(0, {"a": "x", "b": 2, "c": 0.3}, dists)]
    assert _choose(trials) == ("tpe", "mostly categorical search space")
    half = {"a": Categorical(("x", "y")), "c": Float(0.0, 1.0)}
    assert _choose([_t(0, {"a": "x", "c": 0.3}, half)])[0] == "gp"  # half is not "mostly"


@pytest.mark.parametrize("state", [TrialState.PRUNED, TrialState.PAUSED])
def test_pruned_trials_stay_with_the_gp_which_fits_them(state):
    # The GP fits stopped trials at rank-matched stand-in values (benchmarks/multifidelity.py: lower
    # regret than TPE under the median rule and Hyperband), so pruning no longer changes the pick.
    stopped = _t(5, {"x": 0.5, "n": 3}, NUMERIC, state=state, steps={1: 0.3})
    assert _choose([*_numeric(5), stopped]) == ("gp", "numeric search space, small budget")


def test_stopped_trials_count_towards_the_gp_budget():
    # ... and they cost the GP as much as complete ones, so they count towards gp_max_trials
    stopped = [_t(i, {"x": 0.5, "n": 3}, NUMERIC, state=TrialState.PRUNED, steps={1: 0.3}) for i in range(20, 30)]
    assert _choose([*_numeric(20), *stopped], gp_max_trials=31)[0] == "gp"
    name, why = _choose([*_numeric(20), *stopped], gp_max_trials=30)
    assert name == "tpe" and "30 trials to fit" in why  # CMA-ES cannot learn from stopped trials
    silent = _t(30, {"x": 0.5, "n": 3}, NUMERIC, state=TrialState.PRUNED)  # no curve: nothing to fit
    assert _choose([*_numeric(20), *stopped[:9], silent], gp_max_trials=30)[0] == "gp"


def test_the_choice_is_what_the_proposals_come_from():
    """A study driven by the auto sampler proposes what the chosen sampler proposes for the same records."""
    study = hs.create_study(sampler=AutoSampler(seed=3), seed=3)
    study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 0.5) ** 2, n_trials=14, show_progress_bar=False)
    gp = hs.create_study(sampler=hs.samplers.GPSampler(seed=3), seed=3)
    gp.optimize(lambda t: (t.suggest_float("x", -2, 2) - 0.5) ** 2, n_trials=14, show_progress_bar=False)
    assert [t.params for t in study.trials] == [t.params for t in gp.trials]


def test_past_the_gp_budget_the_proposals_are_cmaes_ones():
    def objective(t):
        return (t.suggest_float("x", -2, 2) - 0.5) ** 2 + t.suggest_int("n", 0, 9)

    auto = hs.create_study(sampler=AutoSampler(seed=3, gp_max_trials=0), seed=3)
    auto.optimize(objective, n_trials=25, show_progress_bar=False)
    cma = hs.create_study(sampler=hs.samplers.CmaEsSampler(seed=3, warm_start=True), seed=3)
    cma.optimize(objective, n_trials=25, show_progress_bar=False)
    assert [t.params for t in auto.trials] == [t.params for t in cma.trials]


def test_default_sampler_is_auto():
    assert isinstance(hs.create_study().sampler, AutoSampler)
    assert isinstance(hs.samplers.get_sampler("auto"), AutoSampler)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="gp_max_trials"):
        AutoSampler(gp_max_trials=-1)


def test_a_small_study_with_several_objectives_gets_the_trials_of_the_gp_with_its_seed():
    # benchmarks/multi_objective.py judges sampler="auto" by the GP's runs on this equivalence.
    def objective(t):
        x, y = t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)
        return x, (1 + y) * (1 - x**0.5)

    auto = hs.create_study(directions=["minimize", "minimize"], seed=4, sampler="auto")
    auto.optimize(objective, n_trials=14, show_progress_bar=False)
    gp = hs.create_study(directions=["minimize", "minimize"], sampler=hs.samplers.GPSampler(seed=4))
    gp.optimize(objective, n_trials=14, show_progress_bar=False)
    assert [t.params for t in auto.trials] == [t.params for t in gp.trials]
