"""The pruner interface: decide from intermediate values whether a running trial should stop."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from ..trial import FrozenTrial


class BasePruner(ABC):
    """Subclass this to write a pruner; like samplers, pruners never touch storage.

    ``prune`` receives the trial being judged (with its intermediate values so far), every other
    trial of the study, and the study's direction (``"minimize"`` or ``"maximize"``). It must be a
    pure function of those: the same records give the same answer in any process, so a pruner works
    unchanged in serial, process-parallel and shared-database runs. Constructors only store their
    (keyword) arguments, which the default ``repr`` shows.
    """

    @property
    def pauses(self) -> bool:
        """Whether a trial this pruner stops is paused (resumable when ``promotable`` names it), not pruned.

        True for a pruner constructed with ``pause=True`` (its ``pause`` attribute).
        """
        return getattr(self, "pause", False) is True

    @abstractmethod
    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        """Whether ``trial`` should stop now (be paused, for a pruner that ``pauses``)."""

    def promotable(self, trials: Sequence[FrozenTrial], direction: str, *, final: bool = False) -> list[int]:
        """Numbers of the PAUSED trials to resume now, the first to resume first (default: none).

        ``final`` is true when the run will start no new trial: the last chance to promote.
        """
        return []

    def trials_for_sampler(self, number: int, trials: Sequence[FrozenTrial]) -> Sequence[FrozenTrial]:
        """The trials a sampler should learn from when it proposes trial ``number`` (default: all).

        A pruner whose trials are not comparable with each other (Hyperband's brackets prune at
        different steps) narrows the list here, so that a sampler that ranks pruned trials by how far
        they got compares like with like.
        """
        return trials

    def _repr(self, exclude: Sequence[str] = ()) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_") and k not in exclude)
        return f"{type(self).__name__}({args})"

    def __repr__(self) -> str:
        return self._repr()
