"""Multi-fidelity: the model-based samplers learn from the trials a pruner stopped early.

``impute_stopped`` gives each stopped trial a stand-in final value by rank-matching its last
intermediate value against the complete trials at the same step; the GP and forest samplers fit
the stopped trials at those values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import hyperscout as hs
from hyperscout.pruners._curves import score_at
from hyperscout.samplers import BaseSampler, SamplerContext
from hyperscout.samplers._base import _running_scores, impute_stopped, observations
from hyperscout.space import Distribution, Float
from hyperscout.trial import FrozenTrial, TrialState

NAN = math.nan
X = {"x": Float(0.0, 1.0)}


def _done(n: int, curve: dict[int, float], value: float, x: float = 0.5) -> FrozenTrial:
    return FrozenTrial(n, TrialState.COMPLETE, {"x": x}, X, (value,), curve)


def _stopped(n: int, curve: dict[int, float], x: float = 0.5, state: TrialState = TrialState.PRUNED) -> FrozenTrial:
    return FrozenTrial(n, state, {"x": x}, X, None, curve)


# Three complete trials. At step 1 they score 0.5, 0.7, 0.8; at step 2 (best so far) 0.3, 0.5, 0.6;
# their final values, best to worst, are 0.3, 0.6, 0.9 (the order differs from step 1 on purpose).
COMPLETE = [
    _done(0, {1: 0.5, 2: 0.3}, 0.3),
    _done(1, {1: 0.8, 2: 0.6}, 0.6),
    _done(2, {1: 0.7, 2: 0.5}, 0.9),
]

# (curve of the stopped trial, expected stand-in when minimising)
CASES = [
    ({1: 0.75}, 0.7),  # beaten by 2 of 3 at step 1: q = 2/3 → 0.6 + (1/3)·0.3
    ({1: 0.7}, 0.6),  # ties one: q = (1 + ½)/3 = ½ → the median final value
    ({1: 0.95}, 0.9),  # worse than all: the worst final value, nothing worse invented
    ({1: 0.1}, 0.3),  # better than all: the best final value, nothing better invented
    ({1: 0.9, 2: 0.55}, 0.7),  # stopped at step 2: compared with 0.3, 0.5, 0.6 there
    ({1: 0.4, 2: 0.9}, 0.5),  # its score is its best so far (0.4): beaten by one, q = 1/3
    ({1: NAN}, 0.9),  # a NaN is worse than any number
    ({1: 0.1, 2: NAN}, 0.9),  # ... and a curve that ends in NaN has diverged: its earlier best is void
    ({1: NAN, 2: 0.55}, 0.7),  # a NaN followed by a number: the number counts
]


@pytest.mark.parametrize(("curve", "expected"), CASES)
def test_stand_in_is_the_matching_quantile_of_the_final_values(curve, expected) -> None:
    out = impute_stopped([*COMPLETE, _stopped(9, curve)], "minimize")
    assert out.keys() == {9}
    assert out[9] == pytest.approx(expected)


@pytest.mark.parametrize(("curve", "expected"), CASES)
def test_maximising_mirrors_minimising(curve, expected) -> None:
    flipped = [_done(t.number, {s: -v for s, v in t.intermediate_values.items()}, -t.values[0]) for t in COMPLETE]
    out = impute_stopped([*flipped, _stopped(9, {s: -v for s, v in curve.items()})], "maximize")
    assert out[9] == pytest.approx(-expected)


def test_paused_is_treated_like_pruned() -> None:
    curve = {1: 0.75}
    pruned = impute_stopped([*COMPLETE, _stopped(9, curve)], "minimize")
    paused = impute_stopped([*COMPLETE, _stopped(9, curve, state=TrialState.PAUSED)], "minimize")
    assert pruned == paused == {9: pytest.approx(0.7)}


def test_ties_between_complete_trials_count_half() -> None:
    same = [_done(0, {1: 0.5}, 0.2), _done(1, {1: 0.5}, 0.4), _done(2, {1: 0.5}, 0.6)]
    assert impute_stopped([*same, _stopped(9, {1: 0.5})], "minimize")[9] == pytest.approx(0.4)
    nans = [_done(0, {1: NAN}, 0.2), _done(1, {1: NAN}, 0.4)]
    assert impute_stopped([*nans, _stopped(9, {1: NAN})], "minimize")[9] == pytest.approx(0.3)
    # a complete trial whose value at the step is NaN ranks below every number
    mixed = [_done(0, {1: NAN}, 0.2), _done(1, {1: 0.9}, 0.4)]
    assert impute_stopped([*mixed, _stopped(9, {1: 5.0})], "minimize")[9] == pytest.approx(0.3)


def test_complete_trials_are_compared_at_their_first_report_at_or_after_the_step() -> None:
    sparse = [_done(0, {2: 0.9, 4: 0.2}, 0.2), _done(1, {2: 0.4, 4: 0.3}, 0.3)]
    # at step 3: 0.2 and 0.3 (their step-4 scores), not 0.9 and 0.4
    assert impute_stopped([*sparse, _stopped(9, {3: 0.5})], "minimize")[9] == pytest.approx(0.3)


def test_fallbacks() -> None:
    # no complete trial reported at or after the step: the worst complete final value
    assert impute_stopped([*COMPLETE, _stopped(9, {7: 0.1})], "minimize") == {9: pytest.approx(0.9)}
    assert impute_stopped([*COMPLETE, _stopped(9, {7: 0.1})], "maximize") == {9: pytest.approx(0.3)}
    # a complete trial that never reported counts for that worst value, not for the comparison
    silent = _done(3, {}, 2.0)
    assert impute_stopped([*COMPLETE, silent, _stopped(9, {7: 0.1})], "minimize") == {9: pytest.approx(2.0)}
    assert impute_stopped([*COMPLETE, silent, _stopped(9, {1: 0.95})], "minimize") == {9: pytest.approx(0.9)}
    # no complete trial: nothing is imputed
    assert impute_stopped([_stopped(9, {1: 0.5}), _stopped(8, {2: 0.1})], "minimize") == {}
    # only stopped trials with a curve get a value; running, failed and waiting trials never do
    others = [
        _stopped(5, {}),
        FrozenTrial(6, TrialState.RUNNING, {}, {}, None, {1: 0.1}),
        FrozenTrial(7, TrialState.FAIL, {}, {}, None, {1: 0.1}),
        FrozenTrial(8, TrialState.WAITING, {}, {}),
    ]
    assert impute_stopped([*COMPLETE, *others], "minimize") == {}
    with pytest.raises(ValueError, match="direction"):
        impute_stopped(COMPLETE, "minimise")


def test_stand_ins_stay_within_the_final_values_and_follow_the_scores() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        complete = [
            _done(i, {s: float(v) for s, v in enumerate(rng.normal(size=4))}, float(rng.normal()))
            for i in range(int(rng.integers(1, 8)))
        ]
        finals = [t.values[0] for t in complete]
        step = int(rng.integers(4))
        scores = np.sort(rng.normal(size=6))
        stopped = [_stopped(100 + j, {step: float(v)}) for j, v in enumerate(scores)]
        out = impute_stopped([*complete, *stopped], "minimize")
        values = [out[t.number] for t in stopped]
        assert min(finals) - 1e-12 <= min(values) and max(values) <= max(finals) + 1e-12
        assert values == sorted(values)  # a better score never gets a worse stand-in


def test_scores_are_those_the_pruners_use() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        steps = sorted(rng.choice(20, size=int(rng.integers(1, 8)), replace=False).tolist())
        curve = {s: (NAN if rng.random() < 0.2 else float(rng.normal())) for s in steps}
        for direction, sign in (("minimize", 1.0), ("maximize", -1.0)):
            got = _running_scores(curve, sign)
            assert got[0] == steps
            assert got[1] == [score_at(curve, s, direction) for s in steps]


def test_observations_put_stopped_trials_after_complete_ones_and_skip_several_objectives() -> None:
    trials = [*COMPLETE, _stopped(9, {1: 0.95}), FrozenTrial(10, TrialState.RUNNING, {}, {}, None, {1: 0.1})]
    fitted, values = observations(SamplerContext(11, 0, ("minimize",), trials))
    assert [t.number for t in fitted] == [0, 1, 2, 9]
    assert values == pytest.approx([0.3, 0.6, 0.9, 0.9])
    two = [FrozenTrial(0, TrialState.COMPLETE, {}, {}, (0.3, 1.0), {1: 0.5}), _stopped(9, {1: 0.95})]
    fitted, _ = observations(SamplerContext(11, 0, ("minimize", "minimize"), two))
    assert [t.number for t in fitted] == [0]


# -- the samplers ------------------------------------------------------------------------------------


class Blind(BaseSampler):
    """``inner`` as it was before it learned from stopped trials: it never sees them."""

    def __init__(self, inner: BaseSampler) -> None:
        super().__init__(seed=inner.seed)
        self.inner = inner

    def _ctx(self, c: SamplerContext) -> SamplerContext:
        return SamplerContext(c.number, c.seed, c.directions, [t for t in c.trials if not t.state.stopped_early])

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        return self.inner.infer_relative_search_space(self._ctx(context))

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        return self.inner.sample_relative(self._ctx(context), search_space)

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return self.inner.sample_independent(self._ctx(context), name, distribution)


def _gp(seed: int) -> BaseSampler:
    return hs.samplers.GPSampler(seed=seed, n_startup_trials=3)


def _forest(seed: int) -> BaseSampler:
    return hs.samplers.ForestSampler(seed=seed, n_startup_trials=3, n_estimators=32)


def _propose(sampler: BaseSampler, trials: list[FrozenTrial], seed: int) -> float:
    ctx = SamplerContext(len(trials), seed, ("minimize",), trials)
    return sampler.sample_relative(ctx, sampler.infer_relative_search_space(ctx))["x"]


def _half_pruned(direction: str = "minimize") -> list[FrozenTrial]:
    """Complete trials in (0.5, 1], better towards 0.5; the trials in [0, 0.5] all pruned, bad at step 1."""
    sign = 1.0 if direction == "minimize" else -1.0
    trials = [
        _done(i, {1: sign * (x + 0.5), 5: sign * x}, sign * x, x=x)
        for i, x in enumerate([0.55, 0.65, 0.75, 0.85, 0.95])
    ]
    return trials + [_stopped(5 + i, {1: sign * 3.0}, x=x) for i, x in enumerate([0.05, 0.15, 0.25, 0.35, 0.45])]


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_gp_proposes_away_from_a_region_whose_trials_were_all_pruned(direction) -> None:
    trials = _half_pruned(direction)
    blind = [t for t in trials if not t.state.stopped_early]

    def proposals(ts: list[FrozenTrial]) -> list[float]:
        out = []
        for seed in range(5):
            ctx = SamplerContext(len(trials), seed, (direction,), ts)
            s = _gp(seed)
            out.append(s.sample_relative(ctx, s.infer_relative_search_space(ctx))["x"])
        return out

    assert sum(x > 0.5 for x in proposals(trials)) >= 4
    # Without them, the trend of the complete trials sends the GP into the pruned half.
    assert sum(x <= 0.5 for x in proposals(blind)) >= 4


def test_forest_proposes_away_from_a_region_whose_trials_were_all_pruned() -> None:
    # The forest refines around its best trial and never extrapolates into an empty region, so it
    # stays out of [0, 0.5] here with or without the pruned trials; what they change is below.
    trials = _half_pruned()
    assert sum(_propose(_forest(seed), trials, seed) > 0.5 for seed in range(5)) >= 4


def _closed_loop(make: Any, seed: int, n: int = 10) -> list[FrozenTrial]:
    """A 1-d study whose optimum (x → 0.5⁺) borders a region where every trial is pruned (x ≤ 0.5)."""

    def record(number: int, x: float) -> FrozenTrial:
        if x <= 0.5:
            return _stopped(number, {1: 2.0}, x=x)
        return _done(number, {1: x + 0.5, 2: x}, x, x=x)

    trials = [record(i, x) for i, x in enumerate([0.05, 0.25, 0.45, 0.6, 0.8, 0.95])]
    for _ in range(n):
        trials.append(record(len(trials), _propose(make(seed), trials, seed)))
    return trials


@pytest.mark.parametrize("make", [_gp, _forest], ids=["gp", "forest"])
def test_learning_from_pruned_trials_finds_the_edge_of_the_pruned_region(make) -> None:
    for seed in range(3):
        learning = _closed_loop(make, seed)
        blind = _closed_loop(lambda s: Blind(make(s)), seed)
        best = min(t.values[0] for t in learning if t.values)
        best_blind = min(t.values[0] for t in blind if t.values)
        # Blind, the GP keeps proposing a pruned point (it never learns why it got no value) and
        # the forest stalls at its best complete trial; learning, both close in on x = 0.5.
        assert best < 0.52 < best_blind, (seed, best, best_blind)


def _objective(trial: hs.Trial) -> float:
    # The complete trials' trend points below x = 0.4, where every configuration is much worse; the
    # curves show it from the first step, so the median rule prunes most trials that go there.
    x = trial.suggest_float("x", 0.0, 1.0)
    final = x if x >= 0.4 else 2.0 - x
    for step in range(1, 6):
        trial.report(final + 0.5 / step, step)
        if trial.should_prune():
            raise hs.TrialPruned()
    return final


def _study(sampler: BaseSampler, seed: int) -> hs.Study:
    study = hs.create_study(sampler=sampler, pruner=hs.pruners.MedianPruner(n_startup_trials=3), seed=seed)
    study.optimize(_objective, n_trials=25, show_progress_bar=False)
    return study


def test_gp_with_a_median_pruner_end_to_end() -> None:
    in_bad, in_bad_blind = 0, 0
    for seed in range(3):
        study = _study(hs.samplers.GPSampler(seed=seed, n_startup_trials=5), seed)
        assert any(t.state is TrialState.PRUNED for t in study.trials)
        assert study.best_value < 0.43  # the optimum is 0.4
        in_bad += sum(t.params["x"] < 0.4 for t in study.trials[5:])
        blind = _study(Blind(hs.samplers.GPSampler(seed=seed, n_startup_trials=5)), seed)
        in_bad_blind += sum(t.params["x"] < 0.4 for t in blind.trials[5:])
    # 60 model-based trials in all: few go back where the pruner showed it bad, far fewer than blind.
    assert in_bad <= 12 and in_bad * 2 < in_bad_blind, (in_bad, in_bad_blind)


def test_same_trials_same_proposal() -> None:
    a = _study(hs.samplers.GPSampler(seed=4, n_startup_trials=5), 4)
    b = _study(hs.samplers.GPSampler(seed=4, n_startup_trials=5), 4)
    assert [(t.params, t.state) for t in a.trials] == [(t.params, t.state) for t in b.trials]
    trials = _half_pruned()
    assert _propose(_forest(1), trials, 1) == _propose(_forest(1), list(trials), 1)
