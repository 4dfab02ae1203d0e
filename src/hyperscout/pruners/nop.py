"""A pruner that never prunes: a study with it records intermediate values and runs every trial to the end.

Example:
    >>> import hyperscout as hs
    >>> hs.pruners.NopPruner()
    NopPruner()
"""

from __future__ import annotations

from collections.abc import Sequence

from ..trial import FrozenTrial
from . import _curves
from ._base import BasePruner


class NopPruner(BasePruner):
    """Never prunes (the same as ``pruner=None``, but explicit, e.g. as ``PatientPruner``'s fallback).

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(pruner=hs.pruners.NopPruner())
    """

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        _curves.check_direction(direction)
        return False
