"""Asynchronous successive halving (ASHA): at each rung, keep the best ``1 / reduction_factor`` of trials.

Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning" (ASHA), with rungs at
resources ``min_resource * reduction_factor ** (min_early_stopping_rate + k)`` for ``k = 0, 1, ...``.
A trial's resource is its report step (e.g. epochs completed).

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.trial import FrozenTrial, TrialState
    >>> done = lambda n, v: FrozenTrial(n, TrialState.COMPLETE, {}, {}, (v,), {1: v, 4: v})  # ends at step 4
    >>> others = [done(n, v) for n, v in enumerate([0.1, 0.2, 0.3])]
    >>> pruner = hs.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, rank_check=False)
    >>> pruner.prune(FrozenTrial(3, TrialState.RUNNING, {}, {}, intermediate_values={1: 0.15}), others, "minimize")
    False
    >>> pruner.prune(FrozenTrial(3, TrialState.RUNNING, {}, {}, intermediate_values={1: 0.25}), others, "minimize")
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from ..trial import FrozenTrial, TrialState
from . import _curves, _ranks
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

    With ``pause=True`` (ASHA's promotion variant, Algorithm 2 of the paper) a trial that does not
    make the cut is *paused* rather than stopped, and the cut is ``n // reduction_factor`` without the
    ``max(1, ...)``: the first trial at a rung waits there until ``reduction_factor`` trials have
    reached it. Before a worker starts a new trial it resumes a paused one that has since entered the
    top ``n // reduction_factor`` of its rung (``promotable``; higher rungs first), with the same
    number and parameters, so the objective can continue from ``trial.checkpoint_dir``. When the run
    will start no new trial, the best paused trial of each rung is promoted even if the rung holds
    fewer than ``reduction_factor`` trials, so the best configuration still trains to the end, as in
    synchronous successive halving. Pausing needs ``optimize``: with ``ask``/``tell``, record such a
    trial as pruned yourself.

    Args:
        min_resource: the resource of the first rung, or ``"auto"``: 1/100 of the last step of the
            lowest-numbered complete trial (at least 1), with no pruning until a trial has completed.
        reduction_factor: ``eta``; rungs are ``eta`` times apart and keep ``1/eta`` of their trials.
        min_early_stopping_rate: skips the first rungs (``s`` in the ASHA paper).
        max_resource: the resource of a full run, or None when unknown.
        pause: pause trials at rungs and promote them later instead of stopping them (see above).
        rank_check: before judging at a rung, learn from the trials that ran further whether early
            ranks predict final ones; judge by a predicted final score when they do, postpone the
            decision when they do not (learning curves that cross); and stop a trial predicted to end
            worse than the best final score even allowing for the model's largest error. False: rank
            by score so far.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(pruner=hs.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))
        >>> promoting = hs.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3, pause=True)
    """

    def __init__(
        self,
        *,
        min_resource: int | str = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        max_resource: int | None = None,
        pause: bool = False,
        rank_check: bool = True,
    ) -> None:
        if min_resource != "auto":
            _curves.check_int("min_resource (or 'auto')", min_resource, 1)
        self.min_resource = min_resource
        self.reduction_factor = _curves.check_int("reduction_factor", reduction_factor, 2)
        self.min_early_stopping_rate = _curves.check_int("min_early_stopping_rate", min_early_stopping_rate, 0)
        if max_resource is not None:
            _curves.check_int("max_resource", max_resource, 1)
        self.max_resource = max_resource
        self.pause = _curves.check_bool("pause", pause)
        self.rank_check = _curves.check_bool("rank_check", rank_check)

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
        return self.stops(trial, trials, direction)

    def stops(
        self,
        trial: FrozenTrial,
        trials: Sequence[FrozenTrial],
        direction: str,
        fit_trials: Sequence[FrozenTrial] | None = None,
    ) -> bool:
        """``prune``, with the rank check's model fitted on ``fit_trials`` (default: ``trials``).

        Hyperband ranks a trial among the trials of its bracket (``trials``) but learns how early ranks
        predict final ones from every bracket (``fit_trials``).
        """
        _curves.check_direction(direction)
        curve = trial.intermediate_values
        if not curve:
            return False
        min_resource = self.resolved_min_resource(trials)
        if min_resource is None:
            return False
        step = max(curve)
        previous = max((s for s in curve if s < step), default=-1)
        others = _curves.evidence(trials, trial.number)
        # Without max_resource, a rung at or after the last step of the complete trials would judge a trial that
        # has already cost a full run: it is not judged (with max_resource, no rung reaches it).
        end = _curves.final_step(trials) if self.max_resource is None else None
        for rung in self.rungs(min_resource):
            if rung > step or (end is not None and rung >= end):
                break
            if rung > previous:
                judge, model = self._judging(rung, trials if fit_trials is None else fit_trials, direction)
                if judge and not self._promoted(
                    trial, step, rung, others, direction, model, at_least_one=not self.pause
                ):
                    return True
        return False

    def promotable(
        self,
        trials: Sequence[FrozenTrial],
        direction: str,
        *,
        final: bool = False,
        fit_trials: Sequence[FrozenTrial] | None = None,
    ) -> list[int]:
        """The PAUSED trials now in the top ``n // reduction_factor`` of the rung they paused at.

        Ordered as ASHA's ``get_job`` promotes: the highest rung first, then the best score, then
        the lowest number. With ``final``, the cut is at least 1 (see the class docstring). With the
        rank check, trials are ranked by predicted final score at rungs the check trusts, and a
        trial whose rung it no longer trusts waits (until ``final``, when it is ranked by score);
        the check's model is fitted on ``fit_trials`` (default: ``trials``).
        """
        _curves.check_direction(direction)
        if not self.pause:
            return []
        paused = [t for t in trials if t.state is TrialState.PAUSED and t.intermediate_values]
        min_resource = self.resolved_min_resource(trials) if paused else None
        if min_resource is None:
            return []
        found = []
        for t in paused:
            step = max(t.intermediate_values)
            rung = max((r for r in self.rungs_up_to(min_resource, step)), default=None)
            if rung is None:
                continue  # paused before the first rung (by hand, or under other settings): not ours to judge
            judge, model = self._judging(rung, trials if fit_trials is None else fit_trials, direction)
            if not judge and not final:
                continue  # paused on evidence that no longer holds: wait for more, or for the end of the run
            others = _curves.evidence(trials, t.number)
            if self._promoted(t, step, rung, others, direction, model, at_least_one=final):
                mine = _curves.score_at(t.intermediate_values, step, direction) if model is None else 0.0
                found.append((-rung, model.predict(t.intermediate_values, direction) if model else mine, t.number))
        return [n for _, _, n in sorted(found)]

    def rungs_up_to(self, min_resource: int, step: int) -> Iterator[int]:
        """The rungs at or below ``step``."""
        for rung in self.rungs(min_resource):
            if rung > step:
                return
            yield rung

    def final_step(self, trials: Sequence[FrozenTrial]) -> int | None:
        """The step of a full run: ``max_resource``, or the last step of the complete trials (None if none)."""
        if self.max_resource is not None:
            return self.max_resource
        return max((t.last_step or 0 for t in trials if t.state is TrialState.COMPLETE), default=None)

    def _judging(
        self, rung: int, fit_trials: Sequence[FrozenTrial], direction: str
    ) -> tuple[bool, _ranks.FinalModel | None]:
        if not self.rank_check:
            return True, None
        # A pausing pruner keeps MIN_CURVES: it judges by scores until there is a model, so it has nothing to gain
        # from an earlier one, and fitting from 5 curves cost it epochs on the CNN curves of benchmarks/pruning.py.
        min_curves = _ranks.MIN_CURVES if self.pause else _ranks.RUNG_MIN_CURVES
        return _ranks.judging_model(
            fit_trials, rung, self.final_step(fit_trials), direction, unknown=self.pause, min_curves=min_curves
        )

    def _promoted(
        self,
        trial: FrozenTrial,
        step: int,
        rung: int,
        others: Sequence[FrozenTrial],
        direction: str,
        model: _ranks.FinalModel | None,
        *,
        at_least_one: bool,
    ) -> bool:
        if model is None:
            mine = _curves.score_at(trial.intermediate_values, step, direction)
            scores = [mine]
            for t in others:
                reached = _curves.first_step_at_or_after(t.intermediate_values, rung)
                if reached is not None:
                    scores.append(_curves.score_at(t.intermediate_values, reached, direction))
        else:  # every trial judged by its predicted final score from its features at the rung
            if model.cannot_win(trial.intermediate_values, direction, _ranks.RUNG_MARGIN):
                return False
            mine = model.predict(trial.intermediate_values, direction)
            scores = [mine]
            for t in others:
                if max(t.intermediate_values) >= rung:
                    predicted = model.predict(t.intermediate_values, direction)
                    if not math.isnan(predicted):
                        scores.append(predicted)
        scores.sort()
        keep = len(scores) // self.reduction_factor
        if at_least_one:
            keep = max(1, keep)
        return keep > 0 and mine <= scores[keep - 1]
