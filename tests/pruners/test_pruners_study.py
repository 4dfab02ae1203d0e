"""Pruners in a real study: trials get pruned, and pruned trials keep their curves in memory and in SQLite."""

from __future__ import annotations

import math

import pytest

import hyperscout as hs
from hyperscout import TrialState

P = hs.pruners
N_STEPS = 8


def _storage(storage_url: str | None):
    # One in-memory storage object shared by every call of a test, as test_study.py does.
    return hs.storages.InMemoryStorage() if storage_url is None else storage_url


def _curve(x: float, step: int) -> float:
    """A loss that falls until step 4 and then stays flat (so PatientPruner sees stagnation)."""
    return x + 1.0 / min(step, 4)


def _objective(sign: float):
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(1, N_STEPS + 1):
            trial.report(sign * _curve(x, step), step)
            if trial.should_prune():
                raise hs.TrialPruned()
        return sign * _curve(x, N_STEPS)

    return objective


PRUNERS = {
    "median": lambda d: P.MedianPruner(n_startup_trials=3),
    "percentile": lambda d: P.PercentilePruner(25.0, n_startup_trials=3, n_warmup_steps=1),
    "asha": lambda d: P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
    "hyperband": lambda d: P.HyperbandPruner(min_resource=1, reduction_factor=2),  # max_resource="auto"
    "patient": lambda d: P.PatientPruner(P.MedianPruner(n_startup_trials=3), patience=2),
    "threshold": lambda d: P.ThresholdPruner(
        n_warmup_steps=3, **({"upper": 1.2} if d == "minimize" else {"lower": -1.2})
    ),
}


def _run(name: str, direction: str, storage, n_trials: int = 24, study_name: str = "s") -> hs.Study:
    study = hs.create_study(
        study_name, storage, direction=direction, seed=3, sampler=hs.samplers.RandomSampler(seed=3),
        pruner=PRUNERS[name](direction),
    )  # fmt: skip
    study.optimize(_objective(1.0 if direction == "minimize" else -1.0), n_trials=n_trials, show_progress_bar=False)
    return study


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_pruning_happens_and_pruned_curves_are_stored(name, storage_url):
    storage = _storage(storage_url)
    _run(name, "minimize", storage)
    study = hs.load_study("s", storage)  # read back from storage, as another process would
    trials = study.trials
    pruned = [t for t in trials if t.state is TrialState.PRUNED]
    complete = [t for t in trials if t.state is TrialState.COMPLETE]
    assert pruned, f"{name} pruned nothing"
    assert complete, f"{name} pruned everything"
    assert len(pruned) + len(complete) == len(trials) == 24
    for t in pruned:
        assert t.values is None and t.error is None
        k = t.last_step
        # Never at the last step (ASHA without max_resource has a rung there): the trial has cost a full run.
        assert k is not None and 1 <= k < N_STEPS
        assert t.intermediate_values == {s: _curve(t.params["x"], s) for s in range(1, k + 1)}
    for t in complete:
        assert t.last_step == N_STEPS and t.value == _curve(t.params["x"], N_STEPS)
    # The curves keep their ranks, so a pruner must not lose the winner: every pruned trial would have ended
    # worse than the best complete one.
    best = min(t.value for t in complete)
    assert all(_curve(t.params["x"], N_STEPS) > best for t in pruned)


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_maximize_prunes_the_same_trials_as_the_mirrored_minimize(name):
    lo = _run(name, "minimize", hs.storages.InMemoryStorage(), n_trials=16).trials
    hi = _run(name, "maximize", hs.storages.InMemoryStorage(), n_trials=16).trials
    assert [t.params for t in lo] == [t.params for t in hi]
    assert [(t.state, t.last_step) for t in lo] == [(t.state, t.last_step) for t in hi]
    assert any(t.state is TrialState.PRUNED for t in hi)


@pytest.mark.parametrize("name", ["median", "hyperband"])
def test_a_resumed_run_prunes_as_one_run_does(name, tmp_path):
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    one = _run(name, "minimize", hs.storages.InMemoryStorage(), n_trials=16).trials
    _run(name, "minimize", url, n_trials=7)
    _run(name, "minimize", url, n_trials=9)  # a new process resuming the same study
    two = hs.load_study("s", url).trials
    assert [(t.params, t.state, t.last_step) for t in one] == [(t.params, t.state, t.last_step) for t in two]


def test_nop_pruner_keeps_every_trial(storage_url):
    study = hs.create_study(storage=_storage(storage_url), seed=0, pruner=P.NopPruner())
    study.optimize(_objective(1.0), n_trials=5, show_progress_bar=False)
    assert all(t.state is TrialState.COMPLETE and t.last_step == N_STEPS for t in study.trials)


def test_nan_reports_are_stored_and_pruned(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("nan", storage, seed=0, pruner=P.ThresholdPruner(upper=10.0))

    def objective(trial: hs.Trial) -> float:
        for step in range(1, 4):
            trial.report(math.nan if step == 2 else 1.0, step)
            if trial.should_prune():
                raise hs.TrialPruned()
        return 1.0

    study.optimize(objective, n_trials=2, show_progress_bar=False)
    for t in hs.load_study("nan", storage).trials:
        assert t.state is TrialState.PRUNED
        assert t.intermediate_values[1] == 1.0 and math.isnan(t.intermediate_values[2])
        assert t.last_step == 2


def test_ask_tell_with_a_pruner():
    study = hs.create_study(direction="maximize", pruner=P.MedianPruner(n_startup_trials=2))
    for acc in (0.9, 0.8, 0.7, 0.6, 0.55, 0.85):  # enough complete curves for the rank check to judge at step 1
        t = study.ask()
        t.report(acc, 1)
        t.report(acc + 0.01, 2)
        study.tell(t, acc + 0.01)
    good, bad = study.ask(), study.ask()
    good.report(0.95, 1)
    bad.report(0.5, 1)
    assert not good.should_prune()
    assert bad.should_prune()
    study.tell(bad, state="pruned")
    assert study.trials[bad.number].intermediate_values == {1: 0.5}


def test_the_sampler_sees_the_trials_the_pruner_selects():
    """``trials_for_sampler`` narrows what the sampler learns from (Hyperband's per-bracket view)."""
    seen: list[list[int]] = []

    class OnlyEven(hs.pruners.NopPruner):
        def trials_for_sampler(self, number, trials):
            return [t for t in trials if t.number % 2 == 0]

    class Recording(hs.samplers.RandomSampler):
        def infer_relative_search_space(self, context):
            seen.append([t.number for t in context.trials])
            return {}

    study = hs.create_study(sampler=Recording(seed=0), pruner=OnlyEven())
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5, show_progress_bar=False)
    assert seen == [[], [0], [0], [0, 2], [0, 2]]
