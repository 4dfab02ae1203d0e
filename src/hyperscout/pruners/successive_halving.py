"""Asynchronous successive halving (ASHA): at each rung, keep the best ``1 / reduction_factor`` of trials.

Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning" (ASHA), with rungs at
resources ``min_resource * reduction_factor ** (min_early_stopping_rate + k)`` for ``k = 0, 1, ...``.
A trial's resource is its report step (e.g. epochs completed).

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.trial import FrozenTrial, TrialState
    >>> others = [FrozenTrial(n, TrialState.COMPLETE, {}, {}, (v,), {1: v}) for n, v in enumerate([0.1, 0.2, 0.3])]
    >>> pruner = hs.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    >>> pruner.prune(FrozenTrial(3, TrialState.RUNNING, {}, {}, intermediate_values={1: 0.15}), others, "minimize")
    False
    >>> pruner.prune(FrozenTrial(3, TrialState.RUNNING, {}, {}, intermediate_values={1: 0.25}), others, "minimize")
    True
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..trial import FrozenTrial, TrialState
from . import _curves
from ._base import BasePruner


class SuccessiveHalvingPruner(BasePruner):
    """ASHA: when a trial reaches a rung, it goes on only if it ranks in the top ``1 / reduction_factor``.

    The decision: the trial's latest report (at step ``s``; the previous report at ``p < s``) reaches
    every rung whose resource ``R`` has ``p < R <= s``. At each such rung, the trial's score (its best
    value up to ``s``) is ranked among the rung scores of every other trial (complete, pruned or
    running) that reached that rung, each taken as its best value up to the first step it reported at
    or after ``R``. With ``n`` scores including its own, the trial is promoted when its score is at most
    the ``max(1, n // reduction_factor)``-th best (ties promote); otherwise it is pruned. So the first
    trials at a rung go on only while they are the best there, and a trial alone at a rung always does.
    A rung is judged once, at the report that reaches it: call ``should_prune()`` after every report.
    Rungs at or beyond ``max_resource`` are never judged, so a trial is not pruned at its final step.

    Args:
        min_resource: the resource of the first rung, or ``"auto"``: 1/100 of the last step of the
            lowest-numbered complete trial (at least 1), with no pruning until a trial has completed.
        reduction_factor: ``eta``; rungs are ``eta`` times apart and keep ``1/eta`` of their trials.
        min_early_stopping_rate: skips the first rungs (``s`` in the ASHA paper).
        max_resource: the resource of a full run, or None when unknown.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(pruner=hs.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))
    """

    def __init__(
        self,
        *,
        min_resource: int | str = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        max_resource: int | None = None,
    ) -> None:
        if min_resource != "auto":
            _curves.check_int("min_resource (or 'auto')", min_resource, 1)
        self.min_resource = min_resource
        self.reduction_factor = _curves.check_int("reduction_factor", reduction_factor, 2)
        self.min_early_stopping_rate = _curves.check_int("min_early_stopping_rate", min_early_stopping_rate, 0)
        if max_resource is not None:
            _curves.check_int("max_resource", max_resource, 1)
        self.max_resource = max_resource

    def resolved_min_resource(self, trials: Sequence[FrozenTrial]) -> int | None:
        """``min_resource``, with ``"auto"`` worked out from ``trials`` (None while it cannot be)."""
        if isinstance(self.min_resource, int):
            return self.min_resource
        for t in sorted(trials, key=lambda t: t.number):
            if t.state is TrialState.COMPLETE and t.last_step is not None:
                return max(1, t.last_step // 100)
        return None

    def rungs(self, min_resource: int) -> Iterator[int]:
        """The rung resources, ascending, below ``max_resource`` (endless when that is None)."""
        r = min_resource * self.reduction_factor**self.min_early_stopping_rate
        while self.max_resource is None or r < self.max_resource:
            yield r
            r *= self.reduction_factor

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        _curves.check_direction(direction)
        curve = trial.intermediate_values
        if not curve:
            return False
        min_resource = self.resolved_min_resource(trials)
        if min_resource is None:
            return False
        step = max(curve)
        previous = max((s for s in curve if s < step), default=-1)
        mine = _curves.score_at(curve, step, direction)
        others = _curves.evidence(trials, trial.number)
        for rung in self.rungs(min_resource):
            if rung > step:
                break
            if rung > previous and not self._promoted(mine, rung, others, direction):
                return True
        return False

    def _promoted(self, mine: float, rung: int, others: Sequence[FrozenTrial], direction: str) -> bool:
        scores = [mine]
        for t in others:
            reached = _curves.first_step_at_or_after(t.intermediate_values, rung)
            if reached is not None:
                scores.append(_curves.score_at(t.intermediate_values, reached, direction))
        scores.sort()
        keep = max(1, len(scores) // self.reduction_factor)
        return mine <= scores[keep - 1]
