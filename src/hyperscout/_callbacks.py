"""Callbacks for ``Study.optimize`` that Optuna users know by name (``hs.study.MaxTrialsCallback``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .trial import FrozenTrial, TrialState

__all__ = ["MaxTrialsCallback"]


class MaxTrialsCallback:
    """Stop ``optimize`` once the study holds ``n_trials`` trials in ``states``, counting every worker's.

    ``optimize(n_trials=...)`` counts the trials of one call; this counts the study's, so that a
    script run again, or run by several workers on one storage, stops at a total.

    Args:
        n_trials: how many trials the study should hold.
        states: which trials count (default: complete ones); ``None`` counts every state.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> stop = hs.study.MaxTrialsCallback(5)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20, callbacks=[stop],
        ...                show_progress_bar=False)
        >>> len(study.trials)
        5
    """

    def __init__(self, n_trials: int, states: Iterable[TrialState] | None = (TrialState.COMPLETE,)) -> None:
        if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0:
            raise ValueError(f"n_trials must be a non-negative int, got {n_trials!r}")
        self._n_trials = n_trials
        self._states = None if states is None else tuple(states)
        for s in self._states or ():
            if not isinstance(s, TrialState):
                raise TypeError(f"states must be hs.TrialState members or None, got {s!r}")

    def __repr__(self) -> str:
        return f"hyperscout.study.MaxTrialsCallback({self._n_trials}, states={self._states!r})"

    def __call__(self, study: Any, trial: FrozenTrial) -> None:
        if len(study.get_trials(deepcopy=False, states=self._states)) >= self._n_trials:
            study.stop()
