"""Prune a trial whose score falls below a percentile of the other trials' scores at the same step.

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.trial import FrozenTrial, TrialState
    >>> def done(n, curve):
    ...     return FrozenTrial(n, TrialState.COMPLETE, {}, {}, values=(curve[max(curve)],), intermediate_values=curve)
    >>> others = [done(0, {1: 0.5, 5: 0.4}), done(1, {1: 0.6, 5: 0.5}), done(2, {1: 0.7, 5: 0.6})]
    >>> me = FrozenTrial(3, TrialState.RUNNING, {}, {}, intermediate_values={1: 0.9})
    >>> hs.pruners.PercentilePruner(25.0, n_startup_trials=3, rank_check=False).prune(me, others, "minimize")
    True
    >>> last = FrozenTrial(3, TrialState.RUNNING, {}, {}, intermediate_values={1: 0.9, 5: 0.9})  # at the last step
    >>> hs.pruners.PercentilePruner(25.0, n_startup_trials=3, rank_check=False).prune(last, others, "minimize")
    False
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

from ..trial import FrozenTrial
from . import _curves, _ranks
from ._base import BasePruner


class PercentilePruner(BasePruner):
    """Stop a trial whose best value so far is worse than the ``percentile``-th best of the others.

    The decision at the trial's latest step ``s``: let ``x`` be the trial's score at ``s`` (its best
    value reported up to ``s``) and ``P`` the ``percentile``-th percentile (lower is better, so 25 keeps
    the best quarter) of the scores at ``s`` of every other trial that reached ``s`` (complete, pruned or
    running; a trial that skipped ``s`` itself counts with its best value before it). Prune when ``x`` is
    strictly worse than ``P``: ties never prune. Nothing is pruned before ``n_startup_trials`` trials
    have finished, before step ``n_warmup_steps``, at a step that is not the first reported in its
    interval of ``interval_steps``, or while fewer than ``n_min_trials`` other trials reached ``s``.

    Args:
        percentile: in ``[0, 100]``; the share of the best trials kept at each step.
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
        >>> study = hs.create_study(pruner=hs.pruners.PercentilePruner(25.0, n_warmup_steps=5))
    """

    def __init__(
        self,
        percentile: float,
        *,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        n_min_trials: int = 1,
        rank_check: bool = True,
    ) -> None:
        if isinstance(percentile, bool) or not isinstance(percentile, (int, float)) or not 0 <= percentile <= 100:
            raise ValueError(f"percentile must be a number in [0, 100], got {percentile!r}")
        self.percentile = float(percentile)
        self.n_startup_trials = _curves.check_int("n_startup_trials", n_startup_trials, 0)
        self.n_warmup_steps = _curves.check_int("n_warmup_steps", n_warmup_steps, 0)
        self.interval_steps = _curves.check_int("interval_steps", interval_steps, 1)
        self.n_min_trials = _curves.check_int("n_min_trials", n_min_trials, 1)
        self.rank_check = _curves.check_bool("rank_check", rank_check)

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        _curves.check_direction(direction)
        step = _curves.judged_step(trial.intermediate_values, self.n_warmup_steps, self.interval_steps)
        if step is None or _curves.n_finished(trials, trial.number) < self.n_startup_trials:
            return False
        final = _curves.final_step(trials)
        if final is not None and step >= final:
            return False  # the trial has cost a full run: stopping it now would only throw its result away
        score = functools.partial(_curves.score_at, step=step, direction=direction)
        model = None
        if self.rank_check:
            judge, model = _ranks.judging_model(trials, step, final, direction)
            if not judge:
                return False
            if model is not None:
                score = functools.partial(model.predict, direction=direction)
        others = sorted(
            score(t.intermediate_values)
            for t in _curves.evidence(trials, trial.number)
            if max(t.intermediate_values) >= step
        )
        # A trial that reported nothing up to ``step`` (only later steps) has no score there.
        others = [s for s in others if not math.isnan(s)]
        if len(others) < self.n_min_trials:
            return False
        if model is not None and model.cannot_win(trial.intermediate_values, direction, _ranks.STEP_MARGIN):
            return True
        return score(trial.intermediate_values) > _curves.percentile(others, self.percentile)
