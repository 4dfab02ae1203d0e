"""Several worker processes on one study, per shared backend: every trial recorded exactly once,
numbers contiguous, no grid point run twice, and a log with no gaps.

The workers are spawned (not forked) processes, as on macOS and Windows and as on several machines:
each opens the storage from its URL.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

import hyperscout as hs
from hyperscout.storages import get_storage

BACKENDS = ["sqlite", "journal", "postgresql", "mariadb"]
N_WORKERS = 3
N_TRIALS = 8
GRID = {"a": [1, 2, 3, 4, 5], "b": ["x", "y", "z"]}  # 15 points: not a multiple of the worker count


def _objective(trial: hs.Trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    trial.report(x, 0)
    return x * x


def _grid_objective(trial: hs.Trial) -> float:
    return trial.suggest_int("a", 1, 5) + len(trial.suggest_categorical("b", ["x", "y", "z"]))


def _work(url: str, name: str, grid: bool, start_at: float) -> list[int]:
    """One worker: wait for the common start, then join (or create) the study and run trials."""
    time.sleep(max(0.0, start_at - time.time()))
    sampler = hs.samplers.GridSampler(GRID) if grid else hs.samplers.RandomSampler()
    study = hs.create_study(name, url, sampler=sampler)
    numbers: list[int] = []
    study.optimize(
        _grid_objective if grid else _objective,
        n_trials=None if grid else N_TRIALS,
        callbacks=[lambda s, t: numbers.append(t.number)],
        show_progress_bar=False,
    )
    return numbers


@pytest.fixture(scope="module")
def pool() -> Iterator[Any]:
    # One pool for the module: starting interpreters is most of the cost of these tests.
    with multiprocessing.get_context("spawn").Pool(N_WORKERS) as p:
        yield p


def _run(pool: Any, url: str, name: str, grid: bool) -> list[list[int]]:
    # Every task sleeps until the common start, so each of the idle workers takes exactly one and
    # they all hit the storage at once (including the race to create the study).
    start_at = time.time() + 1.0
    results = [pool.apply_async(_work, (url, name, grid, start_at)) for _ in range(N_WORKERS)]
    return [r.get(timeout=300) for r in results]


def _check_log(url: str, name: str, n_trials: int) -> list[hs.FrozenTrial]:
    storage = get_storage(url)
    info = storage.find_study(name)
    assert info is not None
    log = storage.read(info.id, 0)
    # Positions are gap-free and in order: a reader that remembers the last one never skips an event.
    assert [pos for pos, _ in log] == list(range(1, len(log) + 1))
    creates = [e.trial for _, e in log if e.kind == "create"]
    finishes = Counter(e.trial for _, e in log if e.kind == "finish")
    assert creates == list(range(n_trials))
    assert finishes == Counter(range(n_trials))  # each trial finished exactly once
    claims = [e.claim for _, e in log if e.claim is not None]
    assert len(claims) == len(set(claims))
    storage.close()
    trials = hs.load_study(name, url).trials
    assert all(t.state is hs.TrialState.COMPLETE for t in trials)
    return trials


@pytest.mark.parametrize("kind", BACKENDS)
def test_workers_share_one_study(kind, pool, make_storage_url):
    url = make_storage_url(kind)
    per_worker = _run(pool, url, "random", grid=False)
    total = N_WORKERS * N_TRIALS
    assert [len(numbers) for numbers in per_worker] == [N_TRIALS] * N_WORKERS
    assert sorted(n for numbers in per_worker for n in numbers) == list(range(total))
    trials = _check_log(url, "random", total)
    assert [t.number for t in trials] == list(range(total))
    assert all(t.intermediate_values == {0: t.params["x"]} for t in trials)
    assert hs.get_all_study_names(url) == ["random"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_grid_split_over_workers_runs_each_point_once(kind, pool, make_storage_url):
    url = make_storage_url(kind)
    per_worker = _run(pool, url, "grid", grid=True)
    assert sorted(n for numbers in per_worker for n in numbers) == list(range(15))
    trials = _check_log(url, "grid", 15)
    points = [(t.params["a"], t.params["b"]) for t in trials]
    assert sorted(points) == sorted((a, b) for a in GRID["a"] for b in GRID["b"])
