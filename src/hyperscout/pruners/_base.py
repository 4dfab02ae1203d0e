"""The pruner interface: decide from intermediate values whether a running trial should stop."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from ..trial import FrozenTrial


class BasePruner(ABC):
    """Subclass this to write a pruner; like samplers, pruners never touch storage.

    ``prune`` receives the trial being judged (with its intermediate values so far), every other
    trial of the study, and the study's direction (``"minimize"`` or ``"maximize"``).
    """

    @abstractmethod
    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        """Whether ``trial`` should stop now."""


class NopPruner(BasePruner):
    """Never prunes.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(pruner=hs.pruners.NopPruner())
    """

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        return False
