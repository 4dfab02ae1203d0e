"""Replay a study's event log into trials, incrementally.

``StudyView.sync()`` reads only the events after the last position it applied, so keeping a
10,000-trial study up to date costs what changed, not what exists. Frozen trials are rebuilt only
when one of their events arrives, and ``trials()`` hands out the cached records.
"""

from __future__ import annotations

from typing import Any

from ..space import Distribution, distribution_from_json
from ..trial import FrozenTrial, TrialState
from ._base import BaseStorage, Event, StudyInfo


class _Record:
    __slots__ = (
        "number", "state", "params", "dists", "values", "steps", "user", "system",
        "started", "finished", "error", "worker", "position", "reaped",
    )  # fmt: skip

    def __init__(self, number: int, state: TrialState, created: float, worker: str | None) -> None:
        self.number = number
        self.state = state
        self.params: dict[str, Any] = {}
        self.dists: dict[str, Distribution] = {}
        self.values: tuple[float, ...] | None = None
        self.steps: dict[int, float] = {}
        self.user: dict[str, Any] = {}
        self.system: dict[str, Any] = {}
        self.started = created if state is TrialState.RUNNING else None
        self.finished: float | None = None
        self.error: str | None = None
        self.worker = worker
        self.position = 0  # of the last event in the log that changed this trial
        self.reaped = False  # finished by a reaper, who took its worker for dead: a late result may follow

    def freeze(self) -> FrozenTrial:
        return FrozenTrial(
            number=self.number,
            state=self.state,
            params=dict(self.params),
            distributions=dict(self.dists),
            values=self.values,
            intermediate_values=dict(self.steps),
            user_attrs=dict(self.user),
            system_attrs=dict(self.system),
            started_at=self.started,
            finished_at=self.finished,
            error=self.error,
            worker=self.worker,
            log_position=self.position,
        )


class StudyView:
    """The state of one study as its log says, kept current by ``sync``."""

    def __init__(self, storage: BaseStorage, info: StudyInfo) -> None:
        self.storage = storage
        self.info = info
        self.position = 0
        self._records: list[_Record] = []
        self._frozen: list[FrozenTrial | None] = []
        self._dist_cache: dict[str, Distribution] = {}
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        #: Numbers of the trials that are enqueued and not yet started.
        self.waiting: set[int] = set()
        #: Numbers of the trials that are PAUSED (a promoting pruner may resume them).
        self.paused: set[int] = set()

    def sync(self) -> None:
        """Apply every event appended since the last sync."""
        for pos, event in self.storage.read(self.info.id, self.position):
            self._apply(event, pos)
            self.position = pos

    def append(self, events: list[Event]) -> None:
        """Append to the log and bring the view up to date with what was appended.

        When nobody else wrote since our last read, our own events are the next ones in the log
        and are applied without reading them back; otherwise a sync reads everything in order.
        """
        # What other processes will read back is the JSON: apply that, not the caller's objects
        # (a tuple would stay a tuple here and be a list everywhere else).
        events = [e.normalized() for e in events]
        first = self.storage.append(self.info.id, events)
        if first != self.position + 1:
            self.sync()
            return
        for i, event in enumerate(events):
            self._apply(event, first + i)
            self.position = first + i

    def __len__(self) -> int:
        return len(self._records)

    def record(self, number: int) -> _Record:
        return self._records[number]

    def frozen(self, number: int) -> FrozenTrial:
        f = self._frozen[number]
        if f is None:
            f = self._frozen[number] = self._records[number].freeze()
        return f

    def trials(self) -> list[FrozenTrial]:
        return [self.frozen(i) for i in range(len(self._records))]

    def _dist(self, payload: dict[str, Any]) -> Distribution:
        # Many trials share the same distribution; parse each JSON form once.
        key = repr(sorted(payload.items()))
        d = self._dist_cache.get(key)
        if d is None:
            d = self._dist_cache[key] = distribution_from_json(payload)
        return d

    def _set_params(self, rec: _Record, data: dict[str, Any]) -> None:
        for name, value in data.get("params", {}).items():
            rec.dists[name] = self._dist(data["dists"][name])
            rec.params[name] = value

    def _apply(self, e: Event, pos: int) -> None:
        d = e.data
        if e.kind == "study_attr":
            (self.system_attrs if d.get("system") else self.user_attrs)[d["key"]] = d["value"]
            return
        if e.kind == "create":
            n = d["number"]
            if n != len(self._records):  # claims make this impossible unless the log was edited by hand
                raise RuntimeError(f"corrupt log: trial {n} created after {len(self._records)} trials")
            rec = _Record(n, TrialState(d["state"]), d["t"], d.get("worker"))
            rec.position = pos
            self._set_params(rec, d)
            rec.user.update(d.get("user_attrs", {}))
            rec.system.update(d.get("system_attrs", {}))
            self._records.append(rec)
            self._frozen.append(None)
            if rec.state is TrialState.WAITING:
                self.waiting.add(n)
            return
        assert e.trial is not None
        rec = self._records[e.trial]
        rec.position = pos
        self._frozen[e.trial] = None
        if e.kind in ("start", "finish"):
            self.waiting.discard(e.trial)
        if e.kind in ("pause", "resume", "finish"):
            # A reaper finished it first (it took the worker for dead). Its own worker's outcome,
            # appended later as a ``late`` finish, replaces the reaper's FAIL; anything else is moot.
            if rec.state.is_finished and not (e.kind == "finish" and d.get("late") and rec.reaped):
                return
            self.paused.discard(e.trial)
        if e.kind == "start":
            rec.state = TrialState.RUNNING
            rec.started = d["t"]
            rec.worker = d.get("worker")
        elif e.kind == "pause":
            # A promoting pruner stopped it at a rung; ``paused_at`` lists the steps it paused at.
            rec.state = TrialState.PAUSED
            rec.system["paused_at"] = [*rec.system.get("paused_at", []), int(d["step"])]
            rec.finished = d["t"]  # when it stopped running; cleared if it resumes
            self.paused.add(e.trial)
        elif e.kind == "resume":
            # Promoted: it runs again (keeping its first start time), on the worker that resumed it.
            rec.state = TrialState.RUNNING
            rec.worker = d.get("worker")
            rec.finished = None
            rec.system["resumed_at"] = d["t"]
            if d.get("hb"):
                rec.system["hb"] = d["hb"]
        elif e.kind == "params":
            self._set_params(rec, d)
        elif e.kind == "report":
            rec.steps[int(d["step"])] = float(d["value"])
        elif e.kind == "attr":
            (rec.system if d.get("system") else rec.user)[d["key"]] = d["value"]
        elif e.kind == "finish":
            rec.state = TrialState(d["state"])
            rec.values = None if d.get("values") is None else tuple(float(v) for v in d["values"])
            rec.error = d.get("error")
            rec.finished = d["t"]
            rec.reaped = bool(d.get("reaped"))
        else:
            raise RuntimeError(f"unknown event kind {e.kind!r}; was this log written by a newer hyperscout?")
