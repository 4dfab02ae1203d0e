"""Prune a trial whose latest intermediate value leaves a fixed band, or is NaN.

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.trial import FrozenTrial, TrialState
    >>> me = FrozenTrial(0, TrialState.RUNNING, {}, {}, intermediate_values={0: 0.3, 1: 12.0})
    >>> hs.pruners.ThresholdPruner(upper=10.0).prune(me, [], "minimize")
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..trial import FrozenTrial
from . import _curves
from ._base import BasePruner


def _bound(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ValueError(f"{name} must be a number or None, got {value!r}")
    return float(value)


class ThresholdPruner(BasePruner):
    """Stop a trial whose latest value is below ``lower``, above ``upper``, or NaN.

    The rule looks at the value of the latest step only (not the best so far) and at no other trial,
    so it works from the first trial on and the same way for both directions: use it to stop runs
    that diverge (a loss above ``upper``) or never get off the ground (an accuracy below ``lower``
    after ``n_warmup_steps``). A value exactly at a bound is kept.

    Args:
        lower: prune below this (``None``: no lower bound).
        upper: prune above this (``None``: no upper bound).
        n_warmup_steps: steps below this are never judged.
        interval_steps: judge once per this many steps (counted from ``n_warmup_steps``).

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(pruner=hs.pruners.ThresholdPruner(upper=1e3))
    """

    def __init__(
        self,
        *,
        lower: float | None = None,
        upper: float | None = None,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ) -> None:
        lo, hi = _bound("lower", lower), _bound("upper", upper)
        if lo is None and hi is None:
            raise ValueError("ThresholdPruner needs lower=, upper= or both; with neither it would never prune")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"lower must not exceed upper, got lower={lower!r} > upper={upper!r}")
        self.lower = lo
        self.upper = hi
        self.n_warmup_steps = _curves.check_int("n_warmup_steps", n_warmup_steps, 0)
        self.interval_steps = _curves.check_int("interval_steps", interval_steps, 1)

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        _curves.check_direction(direction)
        step = _curves.judged_step(trial.intermediate_values, self.n_warmup_steps, self.interval_steps)
        if step is None:
            return False
        value = trial.intermediate_values[step]
        return (
            math.isnan(value)
            or (self.lower is not None and value < self.lower)
            or (self.upper is not None and value > self.upper)
        )
