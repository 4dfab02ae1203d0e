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


def test_large_numeric_study_moves_to_tpe():
    assert _choose(_numeric(199))[0] == "gp"
    name, why = _choose(_numeric(200))
    assert name == "tpe" and "200 trials to fit" in why
    assert _choose(_numeric(30), gp_max_trials=30)[0] == "tpe"


def test_several_objectives_use_tpe():
    assert _choose(_numeric(5), directions=("minimize", "maximize")) == ("tpe", "several objectives")


def test_conditional_space_stays_with_the_gp():
    kinds = {"kind": Categorical(("a", "b"))}
    trials = [
        _t(0, {"kind": "a", "x": 0.1}, {**kinds, "x": Float(0.0, 1.0)}),
        _t(1, {"kind": "b", "n": 3}, {**kinds, "n": Int(1, 10)}),
    ]
    assert _choose(trials)[0] == "gp"


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
    assert name == "tpe" and "30 trials to fit" in why
    silent = _t(30, {"x": 0.5, "n": 3}, NUMERIC, state=TrialState.PRUNED)  # no curve: nothing to fit
    assert _choose([*_numeric(20), *stopped[:9], silent], gp_max_trials=30)[0] == "gp"


def test_the_choice_is_what_the_proposals_come_from():
    """A study driven by the auto sampler proposes what the chosen sampler proposes for the same records."""
    study = hs.create_study(sampler=AutoSampler(seed=3), seed=3)
    study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 0.5) ** 2, n_trials=14, show_progress_bar=False)
    gp = hs.create_study(sampler=hs.samplers.GPSampler(seed=3), seed=3)
    gp.optimize(lambda t: (t.suggest_float("x", -2, 2) - 0.5) ** 2, n_trials=14, show_progress_bar=False)
    assert [t.params for t in study.trials] == [t.params for t in gp.trials]


def test_default_sampler_is_auto():
    assert isinstance(hs.create_study().sampler, AutoSampler)
    assert isinstance(hs.samplers.get_sampler("auto"), AutoSampler)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="gp_max_trials"):
        AutoSampler(gp_max_trials=-1)
