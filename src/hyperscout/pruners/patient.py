"""Wait for a trial to stop improving before letting another pruner (or stagnation alone) stop it.

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.trial import FrozenTrial, TrialState
    >>> flat = FrozenTrial(0, TrialState.RUNNING, {}, {}, intermediate_values={0: 1.0, 1: 0.5, 2: 0.5, 3: 0.6})
    >>> hs.pruners.PatientPruner(None, patience=2).prune(flat, [], "minimize")
    True
    >>> hs.pruners.PatientPruner(None, patience=3).prune(flat, [], "minimize")
    False
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..trial import FrozenTrial
from . import _curves
from ._base import BasePruner


class PatientPruner(BasePruner):
    """Prune only a trial that has stagnated, and then only if ``wrapped`` agrees.

    A trial has stagnated when its last ``patience`` reports did not improve on the best value it
    reported before them by more than ``min_delta`` (reports are counted, not step numbers, so a
    trial that reports every 5 steps waits ``5 * patience`` steps). A NaN counts as no improvement.
    With fewer than ``patience + 1`` reports a trial has not stagnated; ``patience=0`` makes every
    trial count as stagnated, leaving the decision to ``wrapped``. When the trial has stagnated the
    answer is ``wrapped.prune(...)``, or simply "prune" when ``wrapped`` is None.

    Args:
        wrapped: the pruner to consult once the trial has stagnated, or None.
        patience: how many reports without improvement to tolerate.
        min_delta: the least change that counts as an improvement (``>= 0``).

    Example:
        >>> import hyperscout as hs
        >>> pruner = hs.pruners.PatientPruner(hs.pruners.MedianPruner(), patience=3)
    """

    def __init__(self, wrapped: BasePruner | None, patience: int, *, min_delta: float = 0.0) -> None:
        if wrapped is not None and not isinstance(wrapped, BasePruner):
            raise TypeError(f"wrapped must be a pruner or None, got {wrapped!r}")
        self.wrapped = wrapped
        self.patience = _curves.check_int("patience", patience, 0)
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float)) or not min_delta >= 0:
            raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")
        self.min_delta = float(min_delta)

    def stagnated(self, trial: FrozenTrial, direction: str) -> bool:
        """Whether ``trial``'s last ``patience`` reports brought no improvement."""
        sign = _curves.check_direction(direction)
        values = [_curves.oriented(trial.intermediate_values[s], sign) for s in sorted(trial.intermediate_values)]
        if not values:
            return False
        if self.patience == 0:
            return True
        if len(values) <= self.patience:
            return False
        before, recent = min(values[: -self.patience]), min(values[-self.patience :])
        # ``inf - min_delta`` stays inf: after only NaNs before, any number is an improvement.
        improved = recent < before - self.min_delta if before != math.inf else recent != math.inf
        return not improved

    def trials_for_sampler(self, number: int, trials: Sequence[FrozenTrial]) -> Sequence[FrozenTrial]:
        return trials if self.wrapped is None else self.wrapped.trials_for_sampler(number, trials)

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        if not self.stagnated(trial, direction):
            return False
        return True if self.wrapped is None else self.wrapped.prune(trial, trials, direction)
