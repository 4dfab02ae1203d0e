"""The storage interface: an append-only log of events per study, plus heartbeats.

Every process appends events and replays the log into an in-memory view (``_view.StudyView``).
Reads are incremental ("events after position N"), and the log order decides every race:

* each event may carry a *claim*, a string unique within its study; an append whose claim is
  already taken fails as a whole with ``ClaimTaken``. Trial numbers (``trial/<n>``), starting a
  waiting trial (``start/<n>``), finishing a trial (``finish/<n>``) and grid points are all claims,
  so two workers can never create the same trial number, run the same enqueued trial, or record
  two outcomes for one trial, on any backend. Resuming a paused trial claims ``resume/<n>/<k>``
  (``k``: how many times it paused), so one worker alone resumes it each time. A trial that a
  reaper finished (taking its worker for dead) while the worker still ran it gets its worker's own
  outcome as a second ``finish`` marked ``late``, claiming ``result/<n>``; readers apply it over
  the reaper's FAIL, so a result that arrives is never thrown away.

Heartbeats of running trials are not events: they are overwritten in place, and a trial's
heartbeat is dropped when its ``finish`` event is appended, so ``beats()`` costs what is running,
not what ever ran.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import ClaimTaken, DuplicatedStudyError, StorageError
from ._url import mask_url

__all__ = ["BaseStorage", "Event", "StudyInfo", "ClaimTaken", "DuplicatedStudyError", "StorageError", "SCHEMA_VERSION"]

#: Version of the on-disk layout; a database written by a newer version is refused.
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Event:
    """One entry of a study's log.

    ``kind`` is one of ``create``, ``start``, ``params``, ``report``, ``attr``, ``pause``,
    ``resume``, ``finish``, ``study_attr``; ``trial`` is the trial number it concerns (``None`` for study events);
    ``data`` is a JSON-ready dict; ``claim`` an optional unique key (see the module docstring).
    """

    kind: str
    trial: int | None
    data: dict[str, Any]
    claim: str | None = None
    #: ``data`` as JSON text, once ``normalized()`` computed it.
    text: str | None = field(default=None, compare=False, repr=False)

    def data_json(self) -> str:
        if self.text is not None:
            return self.text
        try:
            return json.dumps(self.data, separators=(",", ":"))
        except TypeError as e:
            raise TypeError(f"hyperscout stores only JSON values: {e}") from None

    def normalized(self) -> Event:
        """This event as every reader will see it: ``data`` rebuilt from its JSON, which is kept.

        A tuple becomes a list, int keys become strings, and the caller's objects are no longer
        referenced. Normalising an already normalised event costs nothing, so the view and the
        memory storage can both ask for it.
        """
        if self.text is not None:
            return self
        text = self.data_json()
        return Event(self.kind, self.trial, json.loads(text), self.claim, text)


@dataclass(frozen=True)
class StudyInfo:
    """What a storage knows of a study without replaying its log."""

    id: int
    name: str
    directions: tuple[str, ...]
    seed: int
    created_at: float


class BaseStorage(ABC):
    """The few operations every backend implements; see the module docstring for the contract."""

    #: A URL another process can open (``None`` for storages that live in one process).
    url: str | None = None

    def __repr__(self) -> str:
        """``hyperscout.storages.SQLStorage('postgresql://user:***@host/db')``: the public path, no password.

        Example:
            >>> from hyperscout.storages import InMemoryStorage
            >>> InMemoryStorage()
            hyperscout.storages.InMemoryStorage()
        """
        cls = type(self)
        # Our backends are defined in private modules but named from ``hyperscout.storages``.
        module = "hyperscout.storages" if cls.__module__.startswith("hyperscout.storages.") else cls.__module__
        url = "" if self.url is None else repr(mask_url(self.url))
        return f"{module}.{cls.__qualname__}({url})"

    @abstractmethod
    def create_study(self, name: str, directions: Sequence[str], seed: int) -> StudyInfo:
        """Create a study; raise ``DuplicatedStudyError`` if the name is taken."""

    @abstractmethod
    def find_study(self, name: str) -> StudyInfo | None:
        """The study called ``name``, or ``None``."""

    @abstractmethod
    def list_studies(self) -> list[StudyInfo]:
        """Every study, oldest first."""

    @abstractmethod
    def delete_study(self, name: str) -> None:
        """Remove a study and its log; ``KeyError`` if there is none."""

    @abstractmethod
    def append(self, study_id: int, events: Sequence[Event]) -> int:
        """Append ``events`` atomically and durably, or raise ``ClaimTaken`` and append none.

        Returns the position given to the first event (the others follow it contiguously).
        """

    @abstractmethod
    def read(self, study_id: int, after: int) -> list[tuple[int, Event]]:
        """Events with position > ``after``, in log order, as ``(position, event)``."""

    @abstractmethod
    def beat(self, study_id: int, trial: int, at: float) -> None:
        """Record that running trial ``trial`` was alive at time ``at`` (a time from ``now()``)."""

    @abstractmethod
    def beats(self, study_id: int) -> dict[int, float]:
        """The last heartbeat of every trial that sent one and has no ``finish`` event yet.

        A backend forgets a trial's heartbeat when it appends (or reads) that trial's ``finish``
        event. A heartbeat that lands just after the finish may linger; readers look only at
        RUNNING trials, so it is harmless.
        """

    def now(self) -> float:
        """Seconds since the epoch on the storage's clock, which every worker of a study shares.

        Heartbeats are stamped and judged with it, so that workers on machines whose clocks
        disagree do not reap each other's live trials. A server-backed storage returns the
        server's time; the default is this machine's clock.
        """
        return time.time()

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release connections."""
