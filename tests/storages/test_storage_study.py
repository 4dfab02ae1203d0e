"""Studies end to end on every backend, PostgreSQL and MariaDB included: what one process writes,
another reads back the same, and reproducible runs do not depend on where trials are kept."""

from __future__ import annotations

import pytest

import hyperscout as hs
from hyperscout import TrialState
from hyperscout._workers import Identity, worker_id
from hyperscout.storages import Event

pytestmark = pytest.mark.all_storages


def _storage(storage_url: str | None):
    # In memory, the "other process" is the same storage object.
    return hs.storages.InMemoryStorage() if storage_url is None else storage_url


def _objective(trial: hs.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 1e-3, 10, log=True)
    n = trial.suggest_int("n", 1, 9, step=2)
    kind = trial.suggest_categorical("kind", ["a", None, 3, 2.5, True])
    for step in range(3):
        trial.report(x / (step + 1), step)
    trial.set_user_attr("tags", {"kind": kind, "list": [1, "ü"]})
    return x * n, -x


def test_a_run_reads_back_identically(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("s", storage, directions=["minimize", "maximize"], sampler="random", seed=3)
    study.set_user_attr("owner", "me")
    study.optimize(_objective, n_trials=6, show_progress_bar=False)
    loaded = hs.load_study("s", storage)
    assert loaded.trials == study.trials
    assert loaded.user_attrs == {"owner": "me"}
    assert loaded.directions == ("minimize", "maximize")
    assert {t.number for t in loaded.best_trials} == {t.number for t in study.best_trials}


def test_proposals_do_not_depend_on_the_backend(storage_url):
    def run(storage):
        study = hs.create_study("r", storage, sampler="random", seed=11)
        study.optimize(_objective, n_trials=5, show_progress_bar=False)
        return [(t.params, t.values, t.intermediate_values) for t in study.trials]

    assert run(_storage(storage_url)) == run(hs.storages.InMemoryStorage())


def test_ask_tell_enqueue_and_states(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("s", storage, seed=0)
    assert study.enqueue({"x": 0.25}) == 0
    first = study.ask({"x": hs.Float(0, 1)})
    assert (first.number, first.params) == (0, {"x": 0.25})
    second = study.ask({"x": hs.Float(0, 1)})
    study.tell(second, state="pruned")
    study.tell(first, 0.5)
    third = study.ask()
    study.tell(third, state="fail", error="boom")
    trials = hs.load_study("s", storage).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]
    assert trials[0].value == 0.5 and trials[2].error == "boom"
    with pytest.raises(ValueError, match="already finished"):
        hs.load_study("s", storage).tell(0, 1.0)


def test_delete_and_recreate(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("s", storage)
    study.tell(study.ask({"x": hs.Float(0, 1)}), 1.0)
    hs.create_study("other", storage)
    hs.delete_study("s", storage)
    assert hs.get_all_study_names(storage) == ["other"]
    again = hs.create_study("s", storage)
    assert again.trials == []
    assert again.ask().number == 0


def test_a_dead_local_workers_trial_is_reaped_on_resume(storage_url):
    storage = _storage(storage_url)
    study = hs.create_study("s", storage, seed=0)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, show_progress_bar=False)
    # A trial left RUNNING by a process of this host that no longer exists (beyond Linux's largest pid).
    me = Identity.parse(worker_id())
    assert me is not None
    gone = Identity(me.host, 2**22 + 1, "1", me.namespace, me.boot, "gone")
    data = {"number": 2, "state": "running", "t": 0.0, "worker": str(gone),
            "system_attrs": {"hb": 10.0}}  # fmt: skip
    study._lifecycle.storage.append(study._lifecycle.view.info.id, [Event("create", 2, data, claim="trial/2")])
    resumed = hs.create_study("s", storage)
    trials = resumed.trials
    assert trials[2].state is TrialState.FAIL and "died" in trials[2].error
    resumed.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, show_progress_bar=False)
    assert [t.state for t in resumed.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL, TrialState.COMPLETE]
