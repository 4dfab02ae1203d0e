"""In-memory storage: the log lives in this process and is gone when it exits."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from ._base import BaseStorage, ClaimTaken, DuplicatedStudyError, Event, StudyInfo


class InMemoryStorage(BaseStorage):
    """Storage for quick experiments and tests; use a SQLite URL to keep the results.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(storage=hs.storages.InMemoryStorage())
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._studies: dict[str, StudyInfo] = {}
        self._logs: dict[int, list[Event]] = {}
        self._claims: dict[int, set[str]] = {}
        self._beats: dict[int, dict[int, float]] = {}
        self._next_id = 1

    def create_study(self, name: str, directions: Sequence[str], seed: int) -> StudyInfo:
        with self._lock:
            if name in self._studies:
                raise DuplicatedStudyError(f"a study named {name!r} already exists")
            info = StudyInfo(self._next_id, name, tuple(directions), seed, time.time())
            self._next_id += 1
            self._studies[name] = info
            self._logs[info.id] = []
            self._claims[info.id] = set()
            self._beats[info.id] = {}
            return info

    def find_study(self, name: str) -> StudyInfo | None:
        return self._studies.get(name)

    def list_studies(self) -> list[StudyInfo]:
        return sorted(self._studies.values(), key=lambda s: s.id)

    def delete_study(self, name: str) -> None:
        with self._lock:
            info = self._studies.pop(name, None)
            if info is None:
                raise KeyError(f"no study named {name!r}")
            for d in (self._logs, self._claims, self._beats):
                d.pop(info.id, None)

    def append(self, study_id: int, events: Sequence[Event]) -> int:
        with self._lock:
            claims = self._claims[study_id]
            new = [e.claim for e in events if e.claim is not None]
            if any(c in claims for c in new) or len(set(new)) != len(new):
                raise ClaimTaken(", ".join(new))
            # Keep JSON copies, as on disk: memory and SQL then hold and return the same values, and
            # mutating an object after storing it cannot rewrite the history.
            events = [e.normalized() for e in events]
            claims.update(new)
            log = self._logs[study_id]
            log.extend(events)
            beats = self._beats[study_id]
            for e in events:
                if e.kind == "finish" and e.trial is not None:
                    beats.pop(e.trial, None)
            return len(log) - len(events) + 1

    def read(self, study_id: int, after: int) -> list[tuple[int, Event]]:
        log = self._logs[study_id]
        return [(i + 1, log[i]) for i in range(after, len(log))]

    def beat(self, study_id: int, trial: int, at: float) -> None:
        self._beats[study_id][trial] = at

    def beats(self, study_id: int) -> dict[int, float]:
        return dict(self._beats[study_id])
