"""Pruners: stop unpromising trials early from their intermediate values.

An objective reports a value per step and asks whether to stop; the study's pruner decides from the
trial's curve and the other trials' curves (see ``docs/pruning.md`` for when to use which).

Example:
    >>> import hyperscout as hs
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", 0, 1)
    ...     for step in range(1, 10):
    ...         trial.report(x + 1 / step, step)
    ...         if trial.should_prune():
    ...             raise hs.TrialPruned()
    ...     return x
    >>> study = hs.create_study(seed=0, pruner=hs.pruners.MedianPruner(n_startup_trials=2))
    >>> study.optimize(objective, n_trials=10, show_progress_bar=False)
    >>> any(t.state is hs.TrialState.PRUNED for t in study.trials)
    True
"""

from __future__ import annotations

from ._base import BasePruner
from .hyperband import HyperbandPruner
from .median import MedianPruner
from .nop import NopPruner
from .patient import PatientPruner
from .percentile import PercentilePruner
from .successive_halving import SuccessiveHalvingPruner
from .threshold import ThresholdPruner
from .wilcoxon import WilcoxonPruner

__all__ = [
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PatientPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "ThresholdPruner",
    "WilcoxonPruner",
]
