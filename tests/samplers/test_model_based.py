"""Behaviour every model-based sampler must show: it learns (beats random search) and it sees running trials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy.stats import wilcoxon

import hyperscout as hs
from hyperscout.samplers import BaseSampler, SamplerContext
from hyperscout.space import Float
from hyperscout.trial import FrozenTrial, TrialState


def _model_based() -> list[Any]:
    makers: dict[str, Callable[[int], BaseSampler]] = {
        "tpe": lambda seed: hs.samplers.TPESampler(seed=seed),
        "gp": lambda seed: hs.samplers.GPSampler(seed=seed),
    }
    for name, cls in (("forest", "ForestSampler"), ("cmaes", "CmaEsSampler"), ("auto", "AutoSampler")):
        if hasattr(hs.samplers, cls):
            makers[name] = lambda seed, c=cls: getattr(hs.samplers, c)(seed=seed)
    return [pytest.param(make, id=name) for name, make in makers.items()]


MODEL_BASED = _model_based()
# CMA-ES draws each trial of a generation from the same distribution (seeded by the trial number), so a
# trial still running elsewhere does not move the next draw; the population itself spreads them out.
SEES_RUNNING = [p for p in MODEL_BASED if p.id != "cmaes"]


def _shifted_bowl(trial: hs.Trial) -> float:
    # log-scale and integer parameters too: the model must work in the unit encoding, not on raw values
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 20)
    return (x - 1.3) ** 2 + (y + 2.1) ** 2 + (np.log10(lr) + 3.0) ** 2 + 0.1 * (n - 7) ** 2


@pytest.mark.parametrize("make", MODEL_BASED)
def test_beats_random_search(make):
    seeds = range(10)

    def best(sampler: BaseSampler, seed: int) -> float:
        study = hs.create_study(sampler=sampler, seed=seed)
        study.optimize(_shifted_bowl, n_trials=40, show_progress_bar=False)
        return study.best_value

    model = np.array([best(make(s), s) for s in seeds])
    random = np.array([best(hs.samplers.RandomSampler(seed=s), s) for s in seeds])
    # paired by seed (same start-up luck is not guaranteed, so a one-sided signed-rank test)
    assert wilcoxon(model, random, alternative="less").pvalue < 0.01, (model, random)
    assert np.median(model) < 0.5 * np.median(random)


def _trial(number: int, x: float, value: float | None, state: TrialState = TrialState.COMPLETE) -> FrozenTrial:
    dist = {"x": Float(-3.0, 3.0)}
    if state is TrialState.RUNNING:
        return FrozenTrial(
            number=number,
            state=state,
            params={},
            distributions={},
            values=None,
            system_attrs={"proposed": {"x": x}},
        )
    return FrozenTrial(number=number, state=state, params={"x": x}, distributions=dist, values=(value,))


@pytest.mark.parametrize("make", MODEL_BASED)
def test_concurrent_asks_get_different_points(make):
    study = hs.create_study(sampler=make(0), seed=0)
    study.optimize(_shifted_bowl, n_trials=15, show_progress_bar=False)
    batch = [study.ask() for _ in range(4)]
    points = {tuple(sorted(_shifted_bowl_params(t).items())) for t in batch}
    assert len(points) == 4


def _shifted_bowl_params(trial: hs.Trial) -> dict[str, Any]:
    _shifted_bowl(trial)
    return dict(trial.params)


@pytest.mark.parametrize("make", SEES_RUNNING)
def test_a_running_trial_changes_the_next_proposal(make):
    """Another worker already evaluating the proposed point must not get the same point again."""
    rng = np.random.default_rng(0)
    xs = rng.uniform(-3, 3, 20)
    history = [_trial(i, float(x), float((x - 1.0) ** 2)) for i, x in enumerate(xs)]
    sampler = make(0)

    def propose(trials: list[FrozenTrial]) -> float:
        ctx = SamplerContext(number=21, seed=0, directions=("minimize",), trials=trials)
        space = sampler.infer_relative_search_space(ctx)
        assert "x" in space
        return float(sampler.sample_relative(ctx, space)["x"])

    alone = propose(history)
    assert propose(history) == alone  # deterministic
    busy = propose([*history, _trial(20, alone, None, TrialState.RUNNING)])
    assert abs(busy - alone) > 1e-6
