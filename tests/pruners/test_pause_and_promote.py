"""Pause-and-promote (ASHA's promotion variant): trials pause at rungs and resume from their checkpoints."""

from __future__ import annotations

import functools
import warnings
from collections import Counter
from pathlib import Path

import pytest

import hyperscout as hs
from hyperscout.trial import FrozenTrial, TrialState

P = hs.pruners
EPOCHS = 27


def _t(number: int, curve: dict[int, float], state: TrialState = TrialState.PAUSED) -> FrozenTrial:
    values = (curve[max(curve)],) if state is TrialState.COMPLETE else None
    return FrozenTrial(number, state, {}, {}, values, curve)


def _asha(**kw: object) -> hs.pruners.SuccessiveHalvingPruner:
    return P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, max_resource=EPOCHS, pause=True, **kw)


# -- the decision rule on hand-made curves --------------------------------------------------------------


def test_the_first_trials_at_a_rung_pause_until_eta_have_reached_it():
    asha = _asha()
    me = _t(0, {1: 0.5}, TrialState.RUNNING)
    assert asha.prune(me, [], "minimize")  # alone: 1 // 3 = 0 places
    assert asha.prune(_t(1, {1: 0.1}, TrialState.RUNNING), [_t(0, {1: 0.5})], "minimize")
    # The third trial at rung 1 opens one place: the best of the three takes it.
    others = [_t(0, {1: 0.5}), _t(1, {1: 0.3})]
    assert not asha.prune(_t(2, {1: 0.1}, TrialState.RUNNING), others, "minimize")
    assert asha.prune(_t(2, {1: 0.4}, TrialState.RUNNING), others, "minimize")
    # The stopping variant lets a lone trial go on.
    assert not P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3).prune(me, [], "minimize")


def test_promotable_names_the_paused_trials_now_in_the_top_third_of_their_rung():
    asha = _asha()
    trials = [_t(0, {1: 0.5}), _t(1, {1: 0.2}), _t(2, {1: 0.9})]
    assert asha.promotable(trials, "minimize") == [1]
    assert asha.promotable(trials, "maximize") == [2]
    # A running trial past the rung counts in the rung (it was promoted), and still takes the place.
    trials.append(_t(3, {1: 0.1, 2: 0.1}, TrialState.RUNNING))
    assert asha.promotable(trials, "minimize") == []  # 4 // 3 = 1 place, taken by trial 3
    trials += [_t(4, {1: 0.8}), _t(5, {1: 0.7})]
    assert asha.promotable(trials, "minimize") == [1]  # 6 // 3 = 2 places: trials 3 and 1


def test_final_promotes_the_best_paused_trial_of_a_rung_that_is_too_small():
    asha = _asha()
    trials = [_t(0, {1: 0.5}), _t(1, {1: 0.2})]
    assert asha.promotable(trials, "minimize") == []
    assert asha.promotable(trials, "minimize", final=True) == [1]


def test_higher_rungs_are_promoted_first_and_ties_promote():
    asha = _asha()
    low = [_t(n, {1: v}) for n, v in enumerate([0.1, 0.5, 0.6])]
    high = [_t(3 + n, {3: v}) for n, v in enumerate([0.3, 0.3, 0.3])]  # reported first at step 3
    # Rung 3 has one place for three tied trials: ties promote, all three, the lowest number first.
    # Rung 1 (six trials, two places: 0.1 and 0.3) then promotes trial 0.
    assert asha.promotable([*low, *high], "minimize") == [3, 4, 5, 0]
    # NaN is the worst score: never promoted ahead of a number.
    nan = [_t(0, {1: float("nan")}), _t(1, {1: 0.9}), _t(2, {1: 1.0})]
    assert asha.promotable(nan, "minimize") == [1]


def test_a_pruner_without_pause_promotes_nothing_and_does_not_pause():
    stopping = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    assert not stopping.pauses and stopping.promotable([_t(0, {1: 0.1})] * 3, "minimize", final=True) == []
    assert not P.MedianPruner().pauses
    assert _asha().pauses and P.HyperbandPruner(max_resource=EPOCHS, pause=True).pauses
    with pytest.raises(TypeError, match="pause"):
        P.HyperbandPruner(pause=1)  # type: ignore[arg-type]


def test_hyperband_promotes_within_each_bracket():
    hb = P.HyperbandPruner(min_resource=1, max_resource=EPOCHS, reduction_factor=3, pause=True)
    by_bracket: dict[int, list[int]] = {}
    for n in range(200):
        by_bracket.setdefault(hb.bracket(n, []), []).append(n)
    b0 = by_bracket[0][:3]
    b1 = by_bracket[1][:3]
    # Bracket 0 judges at step 1; bracket 1's first rung is 3, so a step-1 report is not a rung there.
    trials = [_t(b0[0], {1: 0.5}), _t(b0[1], {1: 0.4}), _t(b0[2], {1: 0.6})]
    trials += [_t(b1[0], {3: 0.1}), _t(b1[1], {3: 0.05})]  # two at rung 3: no place yet
    assert hb.promotable(trials, "minimize") == [b0[1]]
    assert hb.promotable(trials, "minimize", final=True) == [b1[1], b0[1]]  # the higher step first


# -- studies -----------------------------------------------------------------------------------------


def _curve(x: float, epoch: int) -> float:
    return (x - 0.3) ** 2 + 1.0 / (epoch + 1)


def checkpointing(trial: hs.Trial, log: str | None = None, epochs: int = EPOCHS) -> float:
    """Continues from the epoch saved in its checkpoint_dir; every epoch trained leaves a file (x: exclusive)."""
    x = trial.suggest_float("x", 0, 1)
    saved = trial.checkpoint_dir / "epoch"
    start = int(saved.read_text()) + 1 if saved.exists() else 1
    for epoch in range(start, epochs + 1):
        if log is not None:
            with open(Path(log) / f"{trial.number}-{epoch}", "x"):
                pass
        trial.report(_curve(x, epoch), epoch)
        saved.write_text(str(epoch))
        if trial.should_prune():
            raise hs.TrialPruned()
    return _curve(x, epochs)


def _epochs(log: Path) -> Counter[int]:
    return Counter(int(p.name.split("-")[0]) for p in log.iterdir())


@pytest.mark.parametrize(
    "pruner",
    [P.HyperbandPruner(min_resource=1, max_resource=EPOCHS, pause=True), _asha()],
    ids=["hyperband", "asha"],
)
def test_paused_trials_resume_where_they_stopped_and_train_each_epoch_once(pruner, tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    study = hs.create_study(sampler="random", seed=3, pruner=pruner, checkpoint_root=tmp_path / "ck")
    study.optimize(functools.partial(checkpointing, log=str(log)), n_trials=30, show_progress_bar=False)
    trials = study.trials
    assert len(trials) == 30  # resumed trials keep their number: n_trials counts configurations
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PAUSED}
    resumed = [t for t in trials if t.system_attrs.get("resumed_at")]
    assert resumed, "some trial was promoted"
    assert pruner.promotable(trials, "minimize", final=True) == []  # the run drained
    epochs = _epochs(log)  # opening with "x" would have raised on an epoch trained twice
    for t in trials:
        assert sorted(t.intermediate_values) == list(range(1, epochs[t.number] + 1))
        if t.state is TrialState.PAUSED:
            assert t.system_attrs["paused_at"][-1] == t.last_step < EPOCHS
        else:
            assert t.last_step == EPOCHS
    assert all(len(t.system_attrs.get("paused_at", [])) >= 1 for t in resumed)
    assert sum(epochs.values()) < 0.4 * 30 * EPOCHS
    assert study.best_trial.state is TrialState.COMPLETE


def test_the_same_seed_pauses_and_promotes_the_same_way(tmp_path):
    def run() -> list[tuple[int, str, dict[int, float]]]:
        pruner = P.HyperbandPruner(min_resource=1, max_resource=9, pause=True)
        study = hs.create_study(sampler="tpe", seed=5, pruner=pruner, checkpoint_root=tmp_path / str(run.n))
        run.n += 1
        study.optimize(functools.partial(checkpointing, epochs=9), n_trials=15, show_progress_bar=False)
        return [(t.number, t.state.value, dict(t.intermediate_values)) for t in study.trials]

    run.n = 0  # type: ignore[attr-defined]
    assert run() == run()


def test_a_trial_that_restarts_instead_of_continuing_is_warned_once_and_its_reports_stand():
    def restarting(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        for epoch in range(1, 10):
            trial.report(_curve(x, epoch), epoch)
            if trial.should_prune():
                raise hs.TrialPruned()
        return _curve(x, 9)

    study = hs.create_study(sampler="random", seed=0, pruner=P.HyperbandPruner(max_resource=9, pause=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(restarting, n_trials=12, show_progress_bar=False)
    restarts = [w for w in caught if "training from the start" in str(w.message)]
    resumed = [t for t in study.trials if t.system_attrs.get("resumed_at")]
    assert resumed and len(restarts) == sum(len(t.system_attrs["paused_at"]) for t in resumed if t.last_step == 9) > 0
    assert "checkpoint_dir" in str(restarts[0].message)
    for t in study.trials:
        assert sorted(t.intermediate_values) == list(range(1, t.last_step + 1))


def test_trial_pruned_raised_by_the_objective_itself_still_prunes():
    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.report(x, 1)
        if x > 0.5:
            raise hs.TrialPruned()  # the objective's own reason, not the pruner's
        trial.report(x, 2)
        trial.should_prune()
        return x

    study = hs.create_study(sampler="random", seed=1, pruner=_asha())
    study.optimize(objective, n_trials=10, show_progress_bar=False)
    for t in study.trials:
        if t.params["x"] > 0.5:
            assert t.state is TrialState.PRUNED


@pytest.mark.filterwarnings("ignore:trial .* was resumed")
def test_will_pause_tells_the_objective_to_save_before_stopping():
    seen = []

    def objective(trial: hs.Trial) -> float:
        trial.suggest_float("x", 0, 1)
        for step in (1, 2):  # judged at rung 1; step 2 is the last (no pruner judges there)
            trial.report(float(trial.number), step)  # each trial worse than the last, whatever the sampler proposes
            stop = trial.should_prune()
            seen.append((stop, trial.will_pause()))
            if stop:
                raise hs.TrialPruned()
        return 0.0

    hs.create_study(seed=0, pruner=_asha()).optimize(objective, n_trials=3, show_progress_bar=False)
    assert seen[0] == (True, True)
    seen.clear()
    stopping = P.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, rank_check=False)
    hs.create_study(seed=0, pruner=stopping).optimize(objective, n_trials=4, show_progress_bar=False)
    assert all(not pause for _, pause in seen) and any(stop for stop, _ in seen)


@pytest.mark.all_storages
def test_pause_and_promote_across_worker_processes(storage_url, tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    pruner = P.HyperbandPruner(min_resource=1, max_resource=9, pause=True)
    study = hs.create_study("pp", storage_url, sampler="random", seed=2, pruner=pruner, checkpoint_root=tmp_path / "c")
    study.optimize(functools.partial(checkpointing, log=str(log), epochs=9), n_trials=16, n_jobs=2)
    trials = study.trials
    assert len(trials) == 16
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PAUSED}
    epochs = _epochs(log)  # no epoch trained twice: no trial was resumed by two workers
    for t in trials:
        assert sorted(t.intermediate_values) == list(range(1, epochs[t.number] + 1))
    # The run drained: every paused trial that the last chance would promote was promoted.
    assert pruner.promotable(trials, "minimize", final=True) == []


def test_a_retried_trial_gets_the_checkpoint_dir_of_the_trial_it_retries(tmp_path):
    from hyperscout.storages import Event

    study = hs.create_study(checkpoint_root=tmp_path)
    first = study.ask({"x": hs.Float(0, 1)})
    (first.checkpoint_dir / "state").write_text("epoch 4")
    data = {"number": 1, "state": "waiting", "t": 0.0, "system_attrs": {"fixed_params": first.params, "retry_of": 0}}
    study._lifecycle.view.append([Event("create", 1, data, claim="trial/1")])
    retry = study.ask()
    assert retry.number == 1 and retry.checkpoint_dir == first.checkpoint_dir == tmp_path / "trial-0"
    assert (retry.checkpoint_dir / "state").read_text() == "epoch 4"


def test_checkpoint_root_is_recorded_in_the_study_and_defaults_beside_a_file_storage(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    study = hs.create_study("s", url)
    root = study.checkpoint_root
    assert root.parent == tmp_path / "db.sqlite.checkpoints" and root.name.endswith("-s")
    assert hs.load_study("s", url).checkpoint_root == root
    with pytest.raises(ValueError, match="keeps its checkpoints"):
        hs.create_study("s", url, checkpoint_root=tmp_path / "elsewhere")
    other = hs.create_study("t", url, checkpoint_root=tmp_path / "mine")
    assert other.ask().checkpoint_dir == tmp_path / "mine" / "trial-0"
    assert hs.load_study("t", url).checkpoint_root == tmp_path / "mine"


def test_pause_and_promote_with_isolated_trials(tmp_path):
    log = tmp_path / "log"
    log.mkdir()
    pruner = P.HyperbandPruner(min_resource=1, max_resource=9, pause=True)
    study = hs.create_study(sampler="random", seed=3, pruner=pruner, checkpoint_root=tmp_path / "c")
    objective = functools.partial(checkpointing, log=str(log), epochs=9)
    study.optimize(objective, n_trials=8, isolate=True, show_progress_bar=False)
    epochs = _epochs(log)
    assert any(t.system_attrs.get("resumed_at") for t in study.trials)
    for t in study.trials:
        assert sorted(t.intermediate_values) == list(range(1, epochs[t.number] + 1))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_progress_counts_each_configuration_once_and_callbacks_see_finished_trials(n_jobs, tmp_path, capsys):
    seen: list[tuple[int, TrialState]] = []
    pruner = P.HyperbandPruner(min_resource=1, max_resource=9, pause=True)
    study = hs.create_study(sampler="random", seed=2, pruner=pruner, checkpoint_root=tmp_path / "c")
    study.optimize(
        functools.partial(checkpointing, epochs=9),
        n_trials=16,
        n_jobs=n_jobs,
        show_progress_bar=True,
        callbacks=[lambda s, t: seen.append((t.number, t.state))],
    )
    err = capsys.readouterr().err
    assert "16/16" in err and "17/16" not in err  # a paused trial counts when it pauses, not again when resumed
    assert any(t.state is TrialState.PAUSED for t in study.trials)  # some stayed paused: counted all the same
    assert sorted(n for n, _ in seen) == [t.number for t in study.trials if t.state.is_finished]
