"""The storage conformance suite: the contract every backend keeps, for backends in and outside hyperscout.

A backend is an append-only log of events per study with unique claims (see ``storages/_base.py``).
Each ``check_*`` function takes a fresh, empty storage object and asserts that it keeps the
contract: studies (create, find, list, delete), the log (order, positions, incremental reads,
per-study logs, JSON only), claims (first wins, exact comparison, all-or-nothing appends, one
winner among threads), heartbeats and the clock. ``parametrize_storage_checks`` makes one pytest
test per factory and check.

Example, in the test file of a backend of your own::

    from hyperscout.testing import parametrize_storage_checks

    @parametrize_storage_checks({"mine": lambda folder: MyStorage(folder / "log")})
    def test_my_storage_conforms(make, check, tmp_path):
        storage = make(tmp_path)
        try:
            check(storage)
        finally:
            storage.close()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from ..storages import BaseStorage, ClaimTaken, DuplicatedStudyError, Event

__all__ = [
    "STORAGE_CHECKS",
    "parametrize_storage_checks",
    "check_create_find_list",
    "check_duplicate_study",
    "check_delete",
    "check_append_read_order_and_positions",
    "check_event_fields_round_trip",
    "check_incremental_read",
    "check_logs_are_per_study",
    "check_claims_first_wins",
    "check_claims_and_names_compare_exactly",
    "check_append_with_a_taken_claim_appends_nothing",
    "check_the_same_claim_twice_in_one_append_is_refused",
    "check_non_json_data_is_refused_and_appends_nothing",
    "check_beats",
    "check_a_finish_drops_the_trials_heartbeat",
    "check_now_is_a_current_clock",
    "check_concurrent_claims_have_one_winner",
    "check_constraints_are_kept",
]


def _event(i: int, claim: str | None = None, trial: int | None = 0) -> Event:
    return Event("report", trial, {"step": i, "value": i / 2}, claim=claim)


def _steps(storage: BaseStorage, study_id: int, after: int = 0) -> list[int]:
    return [e.data["step"] for _, e in storage.read(study_id, after)]


# ---------------------------------------------------------------------------------------------------
# studies


def check_create_find_list(storage: BaseStorage) -> None:
    """Create find list."""
    a = storage.create_study("a", ["minimize"], 1)
    b = storage.create_study("b", ("minimize", "maximize"), 2**62)
    assert (a.name, a.directions, a.seed) == ("a", ("minimize",), 1)
    assert (b.name, b.directions, b.seed) == ("b", ("minimize", "maximize"), 2**62)
    assert a.id != b.id
    assert storage.find_study("a") == a
    assert storage.find_study("b") == b
    assert storage.find_study("c") is None
    assert [s.name for s in storage.list_studies()] == ["a", "b"]
    assert storage.read(a.id, 0) == []


def check_duplicate_study(storage: BaseStorage) -> None:
    """Duplicate study."""
    info = storage.create_study("a", ["minimize"], 0)
    storage.append(info.id, [_event(0)])
    with pytest.raises(DuplicatedStudyError, match="'a'"):
        storage.create_study("a", ["maximize"], 1)
    assert storage.find_study("a") == info
    assert len(storage.read(info.id, 0)) == 1
    assert isinstance(DuplicatedStudyError("x"), ValueError)


def check_delete(storage: BaseStorage) -> None:
    """Delete."""
    a = storage.create_study("a", ["minimize"], 0)
    b = storage.create_study("b", ["minimize"], 0)
    storage.append(a.id, [_event(0, claim="trial/0")])
    storage.append(b.id, [_event(5)])
    storage.beat(a.id, 0, 1.0)
    storage.delete_study("a")
    assert storage.find_study("a") is None
    assert [s.name for s in storage.list_studies()] == ["b"]
    assert _steps(storage, b.id) == [5]
    with pytest.raises(KeyError, match="'a'"):
        storage.delete_study("a")
    # The name can be used again, with a fresh log, fresh claims and no heartbeats.
    again = storage.create_study("a", ["minimize"], 0)
    assert storage.read(again.id, 0) == []
    assert storage.beats(again.id) == {}
    storage.append(again.id, [_event(1, claim="trial/0")])
    assert [pos for pos, _ in storage.read(again.id, 0)] == [1]


# ---------------------------------------------------------------------------------------------------
# the log


def check_append_read_order_and_positions(storage: BaseStorage) -> None:
    """Append read order and positions."""
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_event(0), _event(1)])
    storage.append(info.id, [_event(2)])
    storage.append(info.id, [_event(3), _event(4), _event(5)])
    got = storage.read(info.id, 0)
    assert [pos for pos, _ in got] == [1, 2, 3, 4, 5, 6]
    assert [e.data["step"] for _, e in got] == [0, 1, 2, 3, 4, 5]
    assert got[0][1] == _event(0)  # kind, trial, data and claim come back as they went in


def check_event_fields_round_trip(storage: BaseStorage) -> None:
    """Event fields round trip."""
    info = storage.create_study("s", ["minimize"], 0)
    events = [
        Event(
            "create", 0, {"number": 0, "state": "running", "t": 1.5, "nested": {"a": [1, None, "x", True]}}, "trial/0"
        ),
        Event("study_attr", None, {"key": "k", "value": "ünïcode ✓", "system": False}),
        Event("finish", 0, {"state": "complete", "values": [0.1, -2.0], "error": None, "t": 2.5}, "finish/0"),
    ]
    storage.append(info.id, events)
    assert [e for _, e in storage.read(info.id, 0)] == events


def check_incremental_read(storage: BaseStorage) -> None:
    """Incremental read."""
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_event(i) for i in range(5)])
    assert _steps(storage, info.id, after=3) == [3, 4]
    assert [pos for pos, _ in storage.read(info.id, 3)] == [4, 5]
    assert storage.read(info.id, 5) == []
    storage.append(info.id, [_event(5)])
    assert storage.read(info.id, 5) == [(6, _event(5))]
    assert storage.read(info.id, 100) == []


def check_logs_are_per_study(storage: BaseStorage) -> None:
    """Logs are per study."""
    a = storage.create_study("a", ["minimize"], 0)
    b = storage.create_study("b", ["minimize"], 0)
    storage.append(a.id, [_event(0), _event(1)])
    storage.append(b.id, [_event(10)])
    storage.append(a.id, [_event(2)])
    assert storage.read(a.id, 0) == [(1, _event(0)), (2, _event(1)), (3, _event(2))]
    assert storage.read(b.id, 0) == [(1, _event(10))]


def check_claims_first_wins(storage: BaseStorage) -> None:
    """Claims first wins."""
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_event(0, claim="trial/0")])
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_event(1, claim="trial/0")])
    assert _steps(storage, info.id) == [0]
    # Claims are per study.
    other = storage.create_study("other", ["minimize"], 0)
    storage.append(other.id, [_event(7, claim="trial/0")])
    assert _steps(storage, other.id) == [7]


def check_claims_and_names_compare_exactly(storage: BaseStorage) -> None:
    """Claims and names compare exactly."""
    # MySQL's default collations would equate all of these (case, accents, trailing spaces).
    info = storage.create_study("s", ["minimize"], 0)
    for name in ("S", "s ", "ś"):
        assert storage.create_study(name, ["minimize"], 0).name == name
    assert [s.name for s in storage.list_studies()] == ["s", "S", "s ", "ś"]
    found = storage.find_study("S")
    assert found is not None and found.name == "S"
    claims = ["grid:a", "grid:A", "grid:a ", "grid:à"]
    for i, claim in enumerate(claims):
        storage.append(info.id, [_event(i, claim=claim)])
    assert [e.claim for _, e in storage.read(info.id, 0)] == claims
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_event(9, claim="grid:A")])


def check_append_with_a_taken_claim_appends_nothing(storage: BaseStorage) -> None:
    """Append with a taken claim appends nothing."""
    info = storage.create_study("s", ["minimize"], 0)
    storage.append(info.id, [_event(0, claim="grid:abc")])
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_event(1), _event(2, claim="trial/1"), _event(3, claim="grid:abc"), _event(4)])
    assert _steps(storage, info.id) == [0]
    # trial/1 was not taken by the refused append.
    storage.append(info.id, [_event(5, claim="trial/1")])
    assert storage.read(info.id, 0) == [(1, _event(0, claim="grid:abc")), (2, _event(5, claim="trial/1"))]


def check_the_same_claim_twice_in_one_append_is_refused(storage: BaseStorage) -> None:
    """The same claim twice in one append is refused."""
    info = storage.create_study("s", ["minimize"], 0)
    with pytest.raises(ClaimTaken):
        storage.append(info.id, [_event(0, claim="x"), _event(1, claim="x")])
    assert storage.read(info.id, 0) == []
    storage.append(info.id, [_event(2, claim="x")])
    assert _steps(storage, info.id) == [2]


def check_non_json_data_is_refused_and_appends_nothing(storage: BaseStorage) -> None:
    """Non json data is refused and appends nothing."""
    info = storage.create_study("s", ["minimize"], 0)
    with pytest.raises(TypeError, match="JSON"):
        storage.append(info.id, [_event(0), Event("attr", 0, {"key": "k", "value": object()})])
    assert storage.read(info.id, 0) == []


def check_beats(storage: BaseStorage) -> None:
    """Beats."""
    info = storage.create_study("s", ["minimize"], 0)
    other = storage.create_study("o", ["minimize"], 0)
    assert storage.beats(info.id) == {}
    storage.beat(info.id, 0, 100.0)
    storage.beat(info.id, 3, 101.0)
    storage.beat(info.id, 0, 105.5)  # overwritten in place
    storage.beat(other.id, 0, 1.0)
    assert storage.beats(info.id) == {0: 105.5, 3: 101.0}
    assert storage.beats(other.id) == {0: 1.0}
    assert storage.read(info.id, 0) == []  # heartbeats are not events


def check_a_finish_drops_the_trials_heartbeat(storage: BaseStorage) -> None:
    """A finish drops the trials heartbeat."""
    info = storage.create_study("s", ["minimize"], 0)
    storage.beat(info.id, 0, 100.0)
    storage.beat(info.id, 1, 100.0)
    storage.append(info.id, [Event("finish", 0, {"state": "complete", "values": [1.0], "t": 1.0}, "finish/0")])
    # Only running trials keep a heartbeat, so beats() costs what runs, not what ever ran.
    assert storage.beats(info.id) == {1: 100.0}
    storage.beat(info.id, 1, 101.0)
    assert storage.beats(info.id) == {1: 101.0}


def check_now_is_a_current_clock(storage: BaseStorage) -> None:
    """Now is a current clock."""
    before = time.time()
    first = storage.now()
    time.sleep(0.05)
    second = storage.now()
    # The server runs on this machine, so its clock agrees with ours (allowing for timestamp granularity).
    assert before - 1 < first < time.time() + 1
    assert second - first >= 0.03


def check_concurrent_claims_have_one_winner(storage: BaseStorage) -> None:
    """Concurrent claims have one winner."""
    info = storage.create_study("s", ["minimize"], 0)
    wins, losses = [], []
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            storage.append(info.id, [_event(i), _event(i, claim="only-one")])
            wins.append(i)
        except ClaimTaken:
            losses.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == 7
    assert [pos for pos, _ in storage.read(info.id, 0)] == [1, 2]
    assert _steps(storage, info.id) == [wins[0], wins[0]]


def check_constraints_are_kept(storage: BaseStorage) -> None:
    """A constrained study's constraint values are kept with each trial, and a study opened anew reads them."""
    from ..samplers import RandomSampler
    from ..study import create_study, load_study
    from ..trial import TrialState

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -2.0, 2.0)
        trial.set_user_attr("c", 0.5 - x)
        return x * x

    study = create_study(
        study_name="constrained", storage=storage, sampler=RandomSampler(seed=3),
        constraints_func=lambda t: [t.user_attrs["c"], -1.0],
    )  # fmt: skip
    study.optimize(objective, n_trials=8, show_progress_bar=False)
    study.tell(study.ask(), state=TrialState.FAIL)
    again = load_study("constrained", storage, sampler=RandomSampler(seed=3))
    trials = again.trials
    for t in trials[:8]:
        assert t.constraints == {"0": t.user_attrs["c"], "1": -1.0}
    assert trials[8].constraints == {}  # a failed trial has none
    feasible = [t for t in trials[:8] if t.user_attrs["c"] <= 0]
    if feasible:
        assert again.best_trial.number == min(feasible, key=lambda t: t.values or ()).number
    else:
        with pytest.raises(ValueError, match="feasible"):
            _ = again.best_trial


#: Every check, in the order ``parametrize_storage_checks`` runs them.
STORAGE_CHECKS: tuple[Callable[[BaseStorage], None], ...] = (
    check_create_find_list,
    check_duplicate_study,
    check_delete,
    check_append_read_order_and_positions,
    check_event_fields_round_trip,
    check_incremental_read,
    check_logs_are_per_study,
    check_claims_first_wins,
    check_claims_and_names_compare_exactly,
    check_append_with_a_taken_claim_appends_nothing,
    check_the_same_claim_twice_in_one_append_is_refused,
    check_non_json_data_is_refused_and_appends_nothing,
    check_beats,
    check_a_finish_drops_the_trials_heartbeat,
    check_now_is_a_current_clock,
    check_concurrent_claims_have_one_winner,
    check_constraints_are_kept,
)


def parametrize_storage_checks(factories: Mapping[str, Callable[[Path], BaseStorage]]) -> pytest.MarkDecorator:
    """One test per factory and check: the test receives ``make`` (call it with a fresh folder) and ``check``."""
    params = [
        pytest.param(make, check, id=f"{name}-{check.__name__.removeprefix('check_')}")
        for name, make in factories.items()
        for check in STORAGE_CHECKS
    ]
    return pytest.mark.parametrize(("make", "check"), params)
