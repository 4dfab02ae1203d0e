"""Pruning for LightGBM: report a validation metric after each boosting round and stop a poor trial early.

Works with the native API and with the scikit-learn wrappers::

    dtrain = lgb.Dataset(X_train, y_train)
    dvalid = lgb.Dataset(X_valid, y_valid, reference=dtrain)
    params = {"objective": "binary", "metric": "binary_logloss", "learning_rate": trial.suggest_float(...)}
    pruning = LightGBMPruningCallback(trial, "binary_logloss")  # the first validation set, "valid_0"
    booster = lgb.train(params, dtrain, num_boost_round=200, valid_sets=[dvalid], callbacks=[pruning])

    model = lgb.LGBMClassifier(learning_rate=...)
    pruning = LightGBMPruningCallback(trial, "binary_logloss")
    model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], callbacks=[pruning])

``import hyperscout`` does not import LightGBM, and neither does this module: the callback is a
plain callable, which is all LightGBM asks of one (``pip install lightgbm``, or
``pip install -e ".[lightgbm]"`` in a hyperscout checkout).

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.integrations.lightgbm import LightGBMPruningCallback
    >>> study = hs.create_study()
    >>> LightGBMPruningCallback(study.ask(), "binary_logloss").valid_name
    'valid_0'
"""

from __future__ import annotations

from typing import Any

from .._checks import check_count
from ..trial import Trial
from ._common import check_name, check_trial
from .torch import report_and_prune

__all__ = ["LightGBMPruningCallback"]

_WHO = "LightGBMPruningCallback"
#: ``lgb.cv`` names its averaged results "valid" (LightGBM 4) or "cv_agg" (LightGBM 3).
_CV_NAMES = ("valid", "cv_agg")


class LightGBMPruningCallback:
    """A LightGBM callback that reports a validation metric each round and prunes the trial when told.

    After each boosting round (or every ``report_interval`` rounds) it reports the value of
    ``metric`` on the validation set ``valid_name`` with ``trial.report`` and raises
    [`TrialPruned`][hyperscout.exceptions.TrialPruned] when the study's pruner says to stop; the
    exception leaves ``lgb.train`` (or ``fit``) and the objective, and the trial is recorded as
    pruned. Under ``lgb.cv`` the mean over the folds is reported.

    The step reported is the number of rounds completed (1, 2, ...), the resource that the ASHA and
    Hyperband pruners count; Optuna's callback reports the 0-based round instead.

    Args:
        trial: the running trial (the objective's argument).
        metric: a metric LightGBM evaluates (``params["metric"]``, or ``eval_metric`` in ``fit``),
            e.g. ``"binary_logloss"``, ``"auc"``, ``"l2"``.
        valid_name: the validation set's name: ``valid_names`` in ``lgb.train`` (by default
            ``valid_0``, ``valid_1``, ...) and ``eval_names`` in ``fit`` (the same default). Under
            ``lgb.cv`` the default also finds the averaged validation results.
        report_interval: report every this many rounds.

    Raises:
        TypeError: if ``trial`` is not a hyperscout trial, or ``metric``/``valid_name`` not a string.
        TypeError: if ``report_interval`` is not an int (a bool is not one).
        ValueError: if ``report_interval`` is below 1; during training, if ``metric`` is not
            evaluated on ``valid_name`` (the message lists what is), or if the metric improves upwards
            while the study minimises (or the other way round).

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(direction="maximize")
        >>> LightGBMPruningCallback(study.ask(), "auc", valid_name="valid_1", report_interval=5)
        hyperscout.integrations.lightgbm.LightGBMPruningCallback(trial=0, metric='auc', valid_name='valid_1')
    """

    def __init__(self, trial: Trial, metric: str, valid_name: str = "valid_0", report_interval: int = 1) -> None:
        check_trial(trial, _WHO)
        check_name(metric, "metric", _WHO)
        check_name(valid_name, "valid_name", _WHO)
        check_count(f"{_WHO}: report_interval", report_interval, minimum=1, none_ok=False)
        self.trial = trial
        self.metric = metric
        self.valid_name = valid_name
        self.report_interval = report_interval
        self._direction_checked = False

    def __repr__(self) -> str:
        return (
            f"hyperscout.integrations.lightgbm.LightGBMPruningCallback(trial={self.trial.number}, "
            f"metric={self.metric!r}, valid_name={self.valid_name!r})"
        )

    def __call__(self, env: Any) -> None:
        """Called by LightGBM after each round with its ``CallbackEnv``."""
        rounds = env.iteration + 1
        if rounds % self.report_interval:
            return
        results = list(env.evaluation_result_list or [])
        found = self._find(results)
        if found is None:
            if not results:
                raise ValueError(
                    f"{_WHO}: LightGBM evaluates nothing, so {self.metric!r} cannot be reported; pass "
                    "valid_sets=[dvalid] to lgb.train, or eval_set=[(X_valid, y_valid)] to fit"
                )
            evaluated = sorted({(entry[0], entry[1]) for entry in results})
            raise ValueError(
                f"{_WHO}: metric {self.metric!r} is not evaluated on {self.valid_name!r}; "
                f"evaluated (validation set, metric): {evaluated}"
            )
        score, higher_is_better = found[2], bool(found[3])
        if not self._direction_checked:
            self._check_direction(higher_is_better)
            self._direction_checked = True
        report_and_prune(self.trial, score, rounds)

    def _find(self, results: list[Any]) -> Any:
        for entry in results:
            name, metric = entry[0], entry[1]
            if metric != self.metric:
                continue
            cross_validated = len(entry) == 5  # (name, metric, mean, higher is better, standard deviation)
            if name == self.valid_name or (cross_validated and self.valid_name == "valid_0" and name in _CV_NAMES):
                return entry
        return None

    def _check_direction(self, higher_is_better: bool) -> None:
        """Refuse a metric that improves the other way from the study's objective: pruning would keep the worst."""
        try:
            directions = self.trial.study.directions
        except (AttributeError, RuntimeError):  # a FixedTrial, or a trial run in a process of its own
            return
        if len(directions) != 1:
            return
        wanted = "maximize" if higher_is_better else "minimize"
        if directions[0] != wanted:
            raise ValueError(
                f"{_WHO}: {self.metric!r} is better when {'higher' if higher_is_better else 'lower'}, but the "
                f"study is created with direction={directions[0]!r}; the pruner compares reported values as it "
                f"compares objective values, so report a metric that is better when "
                f"{'lower' if directions[0] == 'minimize' else 'higher'}, or use direction={wanted!r}"
            )
