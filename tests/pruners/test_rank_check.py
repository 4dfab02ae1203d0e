"""The rank check: pruners that notice when early ranks do not predict final ones (crossing learning curves)."""

from __future__ import annotations

import dataclasses
import math

import pytest

import hyperscout as hs
from hyperscout import TrialState
from hyperscout.pruners import _ranks
from hyperscout.trial import FrozenTrial

P = hs.pruners
EPOCHS = 27
#: Configuration qualities in the order they are tried; the best (1.0) comes late, after the evidence.
QUALITIES = [0.3, 0.7, 0.1, 0.5, 0.9, 0.2, 0.6, 0.4, 0.8, 0.05, 0.35, 0.55, 0.75, 0.15, 0.45, 1.0, 0.25, 0.65]


def crossing(q: float, epoch: int) -> float:
    """Accuracy: the better the final value (higher ``q``), the slower it is reached, so curves cross."""
    tau = math.exp(math.log(30.0) * q)
    return 0.1 + (0.8 + 0.15 * q - 0.1) * (1 - math.exp(-epoch / tau)) / (1 - math.exp(-EPOCHS / tau))


def preserving(q: float, epoch: int) -> float:
    """Accuracy: the better the final value, the faster too; ranks never change."""
    return 0.1 + (0.8 + 0.15 * q - 0.1) * (1 - math.exp(-epoch / (1 + 3 * (1 - q))))


def objective(curve):
    def run(trial: hs.Trial) -> float:
        q = trial.suggest_float("q", 0.0, 1.0)
        for epoch in range(1, EPOCHS + 1):
            trial.report(curve(q, epoch), epoch)
            if trial.should_prune():
                raise hs.TrialPruned()
        return curve(q, EPOCHS)

    return run


PRUNERS = {
    "median": lambda check: P.MedianPruner(rank_check=check),
    "hyperband": lambda check: P.HyperbandPruner(min_resource=1, max_resource=EPOCHS, rank_check=check),
    "asha": lambda check: P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, rank_check=check),
}


def _study(name: str, check: bool, curve, storage=None, n_jobs: int = 1, qualities=QUALITIES) -> hs.Study:
    study = hs.create_study(
        "s", storage, direction="maximize", seed=0, sampler=hs.samplers.RandomSampler(seed=0),
        pruner=PRUNERS[name](check),
    )  # fmt: skip
    for q in qualities:
        study.enqueue({"q": q})
    study.optimize(objective(curve), n_trials=len(qualities), n_jobs=n_jobs, show_progress_bar=False)
    return study


def _winner(study: hs.Study) -> FrozenTrial:
    return next(t for t in study.trials if t.params["q"] == max(QUALITIES))


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_the_winner_of_crossing_curves_is_not_pruned(name):
    study = _study(name, True, crossing)
    assert _winner(study).state is TrialState.COMPLETE
    assert study.best_params == {"q": 1.0}
    assert any(t.state is TrialState.PRUNED for t in study.trials), "the check still prunes"
    # Without the check, ranking by the score so far stops the slow winner: the case the check exists for.
    assert _winner(_study(name, False, crossing)).state is TrialState.PRUNED


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_on_rank_preserving_curves_the_pruning_rate_stays(name):
    qualities = QUALITIES * 2
    with_check = _study(name, True, preserving, qualities=qualities).trials
    without = _study(name, False, preserving, qualities=qualities).trials
    pruned = lambda trials: sum(t.state is TrialState.PRUNED for t in trials)  # noqa: E731
    epochs = lambda trials: sum(t.last_step for t in trials)  # noqa: E731
    # The first trials run to the end while there is no evidence (MIN_CURVES), then the check trusts the ranks.
    assert pruned(with_check) >= pruned(without) - _ranks.MIN_CURVES
    assert epochs(with_check) <= epochs(without) + _ranks.MIN_CURVES * EPOCHS
    assert max(t.value or 0.0 for t in with_check) == max(t.value or 0.0 for t in without)


@pytest.mark.parametrize("curve", [crossing, preserving])  # preserving: the "cannot win" rule stops trials too
@pytest.mark.parametrize("name", ["median", "hyperband"])
def test_a_resumed_run_decides_as_one_run_does(name, curve, tmp_path):
    url = f"sqlite:///{tmp_path / 'resume.db'}"
    one = _study(name, True, curve).trials
    _study(name, True, curve, url, qualities=QUALITIES[:7])
    _study(name, True, curve, url, qualities=QUALITIES[7:])  # a new process resuming the same study
    two = hs.load_study("s", url).trials
    assert [(t.params, t.state, t.last_step) for t in one] == [(t.params, t.state, t.last_step) for t in two]


@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_decisions_depend_on_the_records_only(name):
    """The same records in any order give the same decision, as another worker process would see them."""
    trials = _study(name, True, crossing).trials
    pruner = PRUNERS[name](True)
    for t in trials:
        for step in sorted(t.intermediate_values):
            curve = {s: v for s, v in t.intermediate_values.items() if s <= step}
            me = FrozenTrial(t.number, TrialState.RUNNING, t.params, t.distributions, intermediate_values=curve)
            others = [o for o in trials if o.number < t.number]
            forward = pruner.prune(me, others, "maximize")
            assert pruner.prune(me, others[::-1], "maximize") == forward
            assert pruner.prune(me, others[1::2] + others[::2], "maximize") == forward


@pytest.mark.parametrize("name", ["median", "hyperband"])
def test_two_workers_keep_the_winner(name):
    study = _study(name, True, crossing, hs.storages.InMemoryStorage(), n_jobs=2)
    assert _winner(study).state is TrialState.COMPLETE
    assert study.best_params == {"q": 1.0}


def test_the_model_learns_reversed_ranks_and_says_how_far_to_trust_them():
    done = [
        FrozenTrial(n, TrialState.COMPLETE, {}, {}, (crossing(q, EPOCHS),), {e: crossing(q, e) for e in range(1, 28)})
        for n, q in enumerate(QUALITIES)
    ]
    model = _ranks.fit_final_model(done, 1, EPOCHS, "maximize")
    assert model is not None and model.rho > 0.9 and model.n == len(QUALITIES)
    slow_best, fast_worse = {1: crossing(1.0, 1)}, {1: crossing(0.2, 1)}
    assert slow_best[1] < fast_worse[1]  # behind at epoch 1 ...
    assert model.predict(slow_best, "maximize") < model.predict(fast_worse, "maximize")  # ... predicted ahead
    assert _ranks.fit_final_model(done[: _ranks.MIN_CURVES - 1], 1, EPOCHS, "maximize") is None
    # The same model, marked as one of the final step (every curve reached it).
    assert _ranks.judging_model(done, 1, EPOCHS, "maximize") == (True, dataclasses.replace(model, final=True))
    assert _ranks.judging_model(done, EPOCHS, EPOCHS, "maximize") == (True, None)
    assert _ranks.judging_model(done[:2], 1, EPOCHS, "maximize") == (False, None)
    assert _ranks.judging_model(done[:2], 1, EPOCHS, "maximize", unknown=True) == (True, None)
    noise = [
        FrozenTrial(n, TrialState.COMPLETE, {}, {}, None, {1: 100.0 + n, EPOCHS: float(final)})
        for n, final in enumerate([5, 2, 9, 0, 11, 7, 3, 10, 1, 8, 6, 4])  # unrelated to the early values
    ]
    untrusted = _ranks.fit_final_model(noise, 1, EPOCHS, "minimize")
    assert untrusted is not None and untrusted.rho < _ranks.MIN_RANK_CORRELATION
    assert _ranks.judging_model(noise, 1, EPOCHS, "minimize") == (False, None)  # postponed


@pytest.mark.parametrize("make", [P.MedianPruner, P.HyperbandPruner, P.SuccessiveHalvingPruner])
def test_rank_check_must_be_a_bool(make):
    with pytest.raises(TypeError, match="rank_check"):
        make(rank_check=1)
    with pytest.raises(TypeError, match="rank_check"):
        P.PercentilePruner(25.0, rank_check="yes")


def _complete(n: int, curve, q: float) -> FrozenTrial:
    values = {e: curve(q, e) for e in range(1, EPOCHS + 1)}
    return FrozenTrial(n, TrialState.COMPLETE, {}, {}, (values[EPOCHS],), values)


def _running(curve, q: float, last: int) -> FrozenTrial:
    return FrozenTrial(99, TrialState.RUNNING, {}, {}, intermediate_values={e: curve(q, e) for e in range(1, last + 1)})


def test_a_trial_that_cannot_catch_the_best_is_stopped_even_above_the_median():
    done = [_complete(n, preserving, q) for n, q in enumerate(QUALITIES) if q != 1.0]  # best final: q = 0.9
    _, model = _ranks.judging_model(done, 3, EPOCHS, "maximize")
    assert model is not None and model.final
    good, leader, winner = _running(preserving, 0.7, 3), _running(preserving, 0.95, 3), _running(preserving, 1.0, 3)
    # q = 0.7 is above the median of the others but predicted to end far below the best (q = 0.9): stopped.
    assert model.cannot_win(good.intermediate_values, "maximize", _ranks.STEP_MARGIN)
    assert P.MedianPruner().prune(good, done, "maximize")
    assert not P.MedianPruner(rank_check=False).prune(good, done, "maximize")
    # A trial that may beat the best goes on; one ahead of every finished curve at this step always does.
    assert not model.cannot_win(leader.intermediate_values, "maximize", _ranks.STEP_MARGIN)
    assert not model.cannot_win(winner.intermediate_values, "maximize", _ranks.STEP_MARGIN)
    assert not P.MedianPruner().prune(winner, done, "maximize")
    # Successive halving does not promote the hopeless trial at a rung where its rank alone would promote it.
    asha = P.SuccessiveHalvingPruner(min_resource=3, reduction_factor=2, max_resource=EPOCHS)
    assert asha.prune(good, done, "maximize")
    assert not asha.prune(winner, done, "maximize")


def test_cannot_win_needs_a_model_of_the_final_step():
    # Only 6 curves reach the end; the others stop at step 9: a model of step 9 says nothing about the winner.
    done = [_complete(n, preserving, q) for n, q in enumerate(QUALITIES[:6])]
    short = [
        FrozenTrial(10 + n, TrialState.PRUNED, {}, {}, None, {e: preserving(q, e) for e in range(1, 10)})
        for n, q in enumerate(QUALITIES[6:])
    ]
    _, model = _ranks.judging_model(done[:5] + short, 3, EPOCHS, "maximize")
    assert model is not None and not model.final
    assert not model.cannot_win(_running(preserving, 0.05, 3).intermediate_values, "maximize", 0.0)
    _, model = _ranks.judging_model(done + short, 3, EPOCHS, "maximize")
    assert model is not None and model.final


@pytest.mark.parametrize("name", ["median", "asha"])
def test_a_trial_already_better_than_every_final_score_is_not_predicted_to_end_worse(name):
    # The first curves to finish are all poor ones of the crossing kind (the slowest ends best), so the model learns
    # "ranks reverse". A much better configuration, already better at step 3 than any of them ended, was predicted to
    # end last: ranking by that prediction stopped it, and every such trial after it, so no good curve ever reached
    # the end. A score is the best value so far and can only improve: the prediction is clipped at it.
    poor = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    done = [_complete(n, crossing, q) for n, q in enumerate(poor)]

    def good(q: float, epoch: int) -> float:
        return 0.85 + 0.1 * (1 - math.exp(-epoch / 3))

    _, model = _ranks.judging_model(done, 3, EPOCHS, "maximize")
    # Scores are lower-is-better: a negative weight says a better score at step 3 predicts a worse final one.
    assert model is not None and model.coef[1] < 0
    me = _running(good, 1.0, 3)
    now = -good(1.0, 3)
    assert now < min(-crossing(q, EPOCHS) for q in poor)  # better now than any finished curve ended
    z = ((now - model.mean[0]) / model.scale[0], (now - (-good(1.0, 1)) - model.mean[1]) / model.scale[1])
    assert model.coef[0] + model.coef[1] * z[0] + model.coef[2] * z[1] > now  # the fit alone: worse than now
    assert model.predict(me.intermediate_values, "maximize") == now  # clipped
    pruner = {
        "median": P.MedianPruner(n_startup_trials=0),
        "asha": P.SuccessiveHalvingPruner(min_resource=3, reduction_factor=2, max_resource=EPOCHS),
    }[name]
    assert not pruner.prune(me, done, "maximize")
    # A trial behind the finished curves is still judged by its prediction.
    assert pruner.prune(_running(crossing, 0.07, 3), done, "maximize")


def test_stopping_rung_pruners_fit_their_model_from_one_curve_fewer_than_the_median_rule():
    # Five complete curves of the crossing kind: the median rule still postpones (no model yet); stopping successive
    # halving (and Hyperband, whose brackets are successive halving) judges by a model of the final step, which keeps
    # the slow winner and stops a fast learner that leads at the rung.
    done = [_complete(n, crossing, q) for n, q in enumerate([0.3, 0.7, 0.1, 0.5, 0.9])]
    assert _ranks.judging_model(done, 3, EPOCHS, "maximize") == (False, None)
    judge, model = _ranks.judging_model(done, 3, EPOCHS, "maximize", min_curves=_ranks.RUNG_MIN_CURVES)
    assert judge and model is not None and model.final and model.n == _ranks.RUNG_MIN_CURVES
    fast, slow = _running(crossing, 0.2, 3), _running(crossing, 1.0, 3)
    assert fast.intermediate_values[3] > slow.intermediate_values[3]
    assert not P.MedianPruner().prune(fast, done, "maximize")
    asha = P.SuccessiveHalvingPruner(min_resource=3, reduction_factor=3, max_resource=EPOCHS)
    assert not asha.prune(slow, done, "maximize")
    assert asha.prune(fast, done, "maximize")
    # With rank_check=False the fast learner, best at the rung by score, goes on.
    asha = P.SuccessiveHalvingPruner(min_resource=3, reduction_factor=3, max_resource=EPOCHS, rank_check=False)
    assert not asha.prune(fast, done, "maximize")
    # A pausing pruner has no model from five curves: it ranks by score, and the fast learner goes on.
    asha = P.SuccessiveHalvingPruner(min_resource=3, reduction_factor=3, max_resource=EPOCHS, pause=True)
    assert not asha.prune(fast, done, "maximize")
