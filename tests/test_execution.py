"""``_execution``: the one run loop, driven with a bare ``Lifecycle`` (the run layer never needs a ``Study``)."""

from __future__ import annotations

import os
import pickle
import signal
import time
from typing import Any

import pytest

from hyperscout._execution import Delivery, RunSpec, Terminated, run_serial, terminate_cleanly
from hyperscout._lifecycle import Lifecycle
from hyperscout.samplers import RandomSampler
from hyperscout.space import Float
from hyperscout.storages import InMemoryStorage
from hyperscout.storages._view import StudyView
from hyperscout.trial import FrozenTrial, TrialState


class _Progress:
    """Records what the loop tells the progress bar."""

    enabled = True

    def __init__(self) -> None:
        self.updates: list[tuple[int, str, bool]] = []

    def update(self, trial: FrozenTrial, *, advance: bool = True) -> None:
        self.updates.append((trial.number, trial.state.value, advance))


def _lifecycle() -> Lifecycle:
    storage = InMemoryStorage()
    return Lifecycle(StudyView(storage, storage.create_study("s", ("minimize",), 0)), RandomSampler(seed=0), None, 0)


def _spec(life: Lifecycle, n_trials: int | None, **kw: Any) -> RunSpec:
    return RunSpec.new(life, n_trials=n_trials, timeout=None, catch=(Exception,), retry_failed=0, **kw)


def test_the_serial_run_is_the_worker_loop_with_one_slot_per_trial() -> None:
    life = _lifecycle()
    seen: list[int] = []
    progress = _Progress()
    spec = _spec(life, 4, single_worker=True)
    run_serial(life, lambda t: t.suggest("x", Float(0, 1)), spec, Delivery([lambda f: seen.append(f.number)], progress))
    trials = life.view.trials()
    assert seen == [0, 1, 2, 3]
    assert [t.system_attrs["run"] for t in trials] == [[spec.run_id, slot] for slot in range(4)]
    assert progress.updates == [(n, "complete", True) for n in range(4)]


def test_stop_requested_ends_the_run_after_the_running_trial_and_is_cleared() -> None:
    life = _lifecycle()

    def stop_after_two(frozen: FrozenTrial) -> None:
        if frozen.number == 1:
            life.stop_requested = True

    run_serial(life, lambda t: 0.0, _spec(life, 10, single_worker=True), Delivery([stop_after_two], _Progress()))
    assert len(life.view) == 2 and life.stop_requested is False


def test_the_first_trials_all_raising_stop_the_run_with_the_objectives_error() -> None:
    life = _lifecycle()

    def broken(trial: Any) -> float:
        raise ZeroDivisionError("always")

    with pytest.raises(ZeroDivisionError) as info:
        run_serial(life, broken, _spec(life, 10, single_worker=True), Delivery([], _Progress()))
    assert len(life.view) == 3
    assert any("first 3 trial(s) of this run all raised" in note for note in getattr(info.value, "__notes__", []))


def _frozen(number: int, state: TrialState) -> FrozenTrial:
    return FrozenTrial(number, state, {}, {}, values=(1.0,) if state is TrialState.COMPLETE else None)


def test_delivery_rules_for_paused_resumed_and_requeued_trials() -> None:
    seen: list[int] = []
    progress = _Progress()
    delivery = Delivery([lambda f: seen.append(f.number)], progress)
    delivery.trial(_frozen(0, TrialState.PAUSED), resumed=False)  # counted when it pauses; no callback
    delivery.trial(_frozen(0, TrialState.COMPLETE), resumed=True)  # callbacks; not counted twice
    delivery.trial(_frozen(1, TrialState.FAIL), resumed=False, requeued=True)  # its retry counts instead
    assert seen == [0, 1]
    assert progress.updates == [(0, "paused", True), (0, "complete", False)]


# -- SIGTERM and SIGHUP take the path of Ctrl-C --------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)])
def test_a_terminating_signal_records_the_running_trial_as_failed(
    sig: int, terminating_signals_at_default: None
) -> None:
    life = _lifecycle()

    def objective(trial: Any) -> float:
        trial.suggest("x", Float(0.0, 1.0))
        os.kill(os.getpid(), sig)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the handler raises in here
            time.sleep(0.01)
        return 0.0

    with pytest.raises(Terminated) as caught:
        run_serial(life, objective, _spec(life, 3, single_worker=True), Delivery([], _Progress()))
    assert caught.value.code == 128 + sig
    (trial,) = life.view.trials()
    assert trial.state is TrialState.FAIL and trial.error == f"terminated by {signal.Signals(sig).name}"
    assert signal.getsignal(sig) is signal.SIG_DFL  # given back once the run ended


def test_terminate_cleanly_leaves_a_programs_own_handler_alone() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with terminate_cleanly():
            os.kill(os.getpid(), signal.SIGTERM)
            deadline = time.monotonic() + 60
            while not seen and time.monotonic() < deadline:
                time.sleep(0.01)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_terminated_crosses_process_boundaries() -> None:
    again = pickle.loads(pickle.dumps(Terminated(signal.SIGTERM)))
    assert (type(again), again.signum, again.code, str(again)) == (Terminated, 15, 143, "terminated by SIGTERM")
