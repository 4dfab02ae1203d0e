"""Prune a trial whose best value so far is worse than the median of the others at the same step.

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.trial import FrozenTrial, TrialState
    >>> def done(n, v):  # a complete trial at v after 3 steps, ending at v after 9
    ...     return FrozenTrial(n, TrialState.COMPLETE, {}, {}, (v,), {3: v, 9: v})
    >>> others = [done(n, v) for n, v in enumerate([0.2, 0.4, 0.6])]
    >>> me = FrozenTrial(3, TrialState.RUNNING, {}, {}, intermediate_values={3: 0.5})
    >>> hs.pruners.MedianPruner(n_startup_trials=3, rank_check=False).prune(me, others, "minimize")
    True
    >>> hs.pruners.MedianPruner(n_startup_trials=3, rank_check=False).prune(me, others, "maximize")
    False
"""

from __future__ import annotations

from .percentile import PercentilePruner


class MedianPruner(PercentilePruner):
    """``PercentilePruner(50.0)``: stop a trial that is worse than the median of the others so far.

    The decision rule, the handling of NaN, missing steps and ties, and the options are those of
    ``PercentilePruner``; a score exactly at the median is kept.

    Args:
        n_startup_trials: finished (complete or pruned) trials needed before anything is pruned.
        n_warmup_steps: steps below this are never judged.
        interval_steps: judge once per this many steps (counted from ``n_warmup_steps``).
        n_min_trials: other trials that must have reached the step for it to be judged.
        rank_check: before judging at a step, learn from the trials that ran further whether early
            ranks predict final ones; judge by a predicted final score when they do, postpone the
            decision when they do not (learning curves that cross); and stop a trial predicted to end
            worse than the best final score even allowing for the model's largest error. False: rank
            by score so far.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(pruner=hs.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3))
    """

    def __init__(
        self,
        *,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        n_min_trials: int = 1,
        rank_check: bool = True,
    ) -> None:
        super().__init__(
            50.0,
            n_startup_trials=n_startup_trials,
            n_warmup_steps=n_warmup_steps,
            interval_steps=interval_steps,
            n_min_trials=n_min_trials,
            rank_check=rank_check,
        )

    def __repr__(self) -> str:
        return self._repr(exclude=("percentile",))
