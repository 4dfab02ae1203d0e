"""Prune a trial that is, with significance, worse than the best trial on the same instances.

For objectives that average a score over many instances (folds, problems, seeds), each reported
as one "step": ``trial.report(score_on_instance_i, i)``. After each report the trial's scores and
the best complete trial's scores on the instances both have are compared pairwise with the
one-sided Wilcoxon signed-rank test (Wilcoxon 1945); the trial stops when the test says it is worse
with p below ``p_threshold``. Unlike the median pruner, the steps need not come in order and need
not be a learning curve: instance ``i`` of one trial is matched with instance ``i`` of the best.

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.trial import FrozenTrial, TrialState
    >>> best = FrozenTrial(0, TrialState.COMPLETE, {}, {}, (0.1,), {i: 0.1 for i in range(8)})
    >>> me = FrozenTrial(1, TrialState.RUNNING, {}, {}, None, {i: 0.5 + i / 100 for i in range(8)})
    >>> hs.pruners.WilcoxonPruner(p_threshold=0.05).prune(me, [best], "minimize")
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..trial import FrozenTrial, TrialState
from . import _curves
from ._base import BasePruner


class WilcoxonPruner(BasePruner):
    """Stop a trial whose per-instance scores are significantly worse than the best trial's (Optuna's name).

    Report one score per instance as a step (``trial.report(loss_i, i)``, in any order) and make
    the objective return their mean, so that the best trial's value and its per-instance scores
    agree. A trial is never pruned while its mean so far is no worse than the best trial's mean
    (the test may call a trial with a few bad instances worse; its mean says otherwise), nor
    before ``n_startup_steps`` instances are shared with the best trial, nor when either trial has
    a NaN or infinite score.

    Args:
        p_threshold: prune when the one-sided p-value is below this (0 to 1; smaller prunes less).
        n_startup_steps: instances that must be shared with the best trial before judging (at least 2 are).

    Example:
        >>> import hyperscout as hs
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -1, 1)
        ...     losses = []
        ...     for i in range(20):  # e.g. the problems of a benchmark
        ...         losses.append((x - 0.1 * (i % 3)) ** 2)
        ...         trial.report(losses[-1], i)
        ...         if trial.should_prune():
        ...             raise hs.TrialPruned()
        ...     return sum(losses) / len(losses)
        >>> study = hs.create_study(seed=0, pruner=hs.pruners.WilcoxonPruner(p_threshold=0.1))
        >>> study.optimize(objective, n_trials=15, show_progress_bar=False)
        >>> any(t.state is hs.TrialState.PRUNED for t in study.trials)
        True
    """

    def __init__(self, *, p_threshold: float = 0.1, n_startup_steps: int = 2) -> None:
        if isinstance(p_threshold, bool) or not isinstance(p_threshold, (int, float)) or not 0.0 <= p_threshold <= 1.0:
            raise ValueError(f"p_threshold must be a number from 0 to 1, got {p_threshold!r}")
        if isinstance(n_startup_steps, bool) or not isinstance(n_startup_steps, int) or n_startup_steps < 0:
            raise ValueError(f"n_startup_steps must be a non-negative int, got {n_startup_steps!r}")
        self.p_threshold = float(p_threshold)
        self.n_startup_steps = n_startup_steps

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        sign = _curves.check_direction(direction)
        mine = trial.intermediate_values
        if not mine or not all(math.isfinite(v) for v in mine.values()):
            return False
        complete = [t for t in trials if t.state is TrialState.COMPLETE and t.values and t.intermediate_values]
        if not complete:
            return False
        # The best complete trial by final value; the earliest on ties, as study.best_trial.
        best = min(complete, key=lambda t: (sign * t.values[0] if t.values else math.inf, t.number))
        theirs = best.intermediate_values
        if not all(math.isfinite(v) for v in theirs.values()):
            return False
        shared = sorted(set(mine) & set(theirs))
        if len(shared) < max(2, self.n_startup_steps):
            return False
        # "Lower is better" differences: positive where this trial did worse on an instance.
        diffs = [sign * (mine[s] - theirs[s]) for s in shared]
        my_mean = sign * sum(mine.values()) / len(mine)
        best_mean = sign * sum(theirs.values()) / len(theirs)
        if my_mean <= best_mean:
            return False  # no worse on average so far: keep it, whatever the ranks say
        from scipy.stats import wilcoxon  # slow to import; only needed once a trial is judged

        # zsplit: instances where the two tie count half for each side, so all-equal scores give p = 1.
        p = float(wilcoxon(diffs, alternative="greater", zero_method="zsplit").pvalue)
        return p < self.p_threshold
