"""Pruning for XGBoost: report a validation metric after each boosting round and stop a poor trial early.

Works with the native API and with the scikit-learn wrappers::

    dtrain, dvalid = xgb.DMatrix(X_train, y_train), xgb.DMatrix(X_valid, y_valid)
    params = {"objective": "binary:logistic", "eval_metric": "logloss", "eta": trial.suggest_float(...)}
    pruning = XGBoostPruningCallback(trial, "validation-logloss")
    booster = xgb.train(params, dtrain, num_boost_round=200, evals=[(dvalid, "validation")], callbacks=[pruning])

    model = xgb.XGBClassifier(eval_metric="logloss", callbacks=[XGBoostPruningCallback(trial, "validation_0-logloss")])
    model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)])

``import hyperscout`` does not import XGBoost, and neither does importing this module: XGBoost is
imported when a callback is made (``pip install xgboost``, or ``pip install -e ".[xgboost]"`` in a
hyperscout checkout).

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.integrations.xgboost import XGBoostPruningCallback
    >>> study = hs.create_study()
    >>> callback = XGBoostPruningCallback(study.ask(), "validation-logloss")
    >>> callback.observation_key
    'validation-logloss'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..trial import Trial
from ._common import check_name, check_trial, import_framework
from .torch import report_and_prune

__all__ = ["XGBoostPruningCallback"]

_WHO = "XGBoostPruningCallback"
#: The class actually made: XGBoostPruningCallback and xgboost's TrainingCallback, built once XGBoost is imported.
_BOUND: dict[type, type] = {}


def _with_training_callback(cls: type) -> type:
    """``cls`` with XGBoost's ``TrainingCallback`` as a second base, as ``xgb.train`` requires of a callback."""
    if cls not in _BOUND:
        xgb_callback = import_framework("xgboost.callback", "xgboost", _WHO)
        namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
        _BOUND[cls] = type(cls.__name__, (cls, xgb_callback.TrainingCallback), namespace)
    return _BOUND[cls]


class XGBoostPruningCallback:
    """An XGBoost callback that reports a validation metric each round and prunes the trial when told.

    After each boosting round it reports the latest value of ``observation_key`` with
    ``trial.report`` and raises [`TrialPruned`][hyperscout.exceptions.TrialPruned] when the study's
    pruner says to stop; the exception leaves ``xgb.train`` (or ``fit``) and the objective, and the
    trial is recorded as pruned. Under ``xgb.cv`` the mean over the folds is reported.

    The step reported is the number of rounds completed (1, 2, ...), the resource that the ASHA and
    Hyperband pruners count; Optuna's callback reports the 0-based round instead.

    Args:
        trial: the running trial (the objective's argument).
        observation_key: ``"<evaluation name>-<metric>"``: with ``xgb.train(..., evals=[(dvalid,
            "validation")])`` and ``eval_metric="logloss"`` it is ``"validation-logloss"``; the
            scikit-learn wrappers name their ``eval_set`` entries ``validation_0``, ``validation_1``, ...;
            ``xgb.cv`` names them ``train`` and ``test``.

    Raises:
        TypeError: if ``trial`` is not a hyperscout trial or ``observation_key`` is not a string.
        ImportError: if XGBoost is not installed.
        ValueError: during training, if no evaluation set gives ``observation_key`` (the message lists those that do).

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(pruner=hs.pruners.MedianPruner())
        >>> XGBoostPruningCallback(study.ask(), "validation_0-logloss")
        hyperscout.integrations.xgboost.XGBoostPruningCallback(trial=0, observation_key='validation_0-logloss')
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> XGBoostPruningCallback:
        # A subclass of XGBoost's TrainingCallback, made on first use so that this module imports without XGBoost.
        return super().__new__(cls if cls in _BOUND.values() else _with_training_callback(cls))

    def __init__(self, trial: Trial, observation_key: str) -> None:
        check_trial(trial, _WHO)
        check_name(observation_key, "observation_key", _WHO)
        self.trial = trial
        self.observation_key = observation_key

    def __repr__(self) -> str:
        return (
            f"hyperscout.integrations.xgboost.XGBoostPruningCallback(trial={self.trial.number}, "
            f"observation_key={self.observation_key!r})"
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> XGBoostPruningCallback:
        # scikit-learn's clone() deep-copies an estimator's parameters, callbacks included; a copy
        # must still report to the running trial, not to a copy of it.
        duplicate = super().__new__(type(self))
        duplicate.__dict__.update(self.__dict__)
        return duplicate

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle finds the class by name, which names the class without XGBoost's base: rebuild from that.
        declared = next(cls for cls, bound in _BOUND.items() if bound is type(self))
        return (declared, (self.trial, self.observation_key), self.__dict__)

    def after_iteration(self, model: Any, epoch: int, evals_log: Mapping[str, Mapping[str, Sequence[Any]]]) -> bool:
        """Report the round's value of ``observation_key``; raise ``TrialPruned`` when the pruner says so."""
        scores = {f"{data}-{metric}": log[-1] for data, metrics in evals_log.items() for metric, log in metrics.items()}
        if self.observation_key not in scores:
            if not scores:
                raise ValueError(
                    f"{_WHO}: XGBoost evaluates nothing, so {self.observation_key!r} cannot be reported; pass "
                    'evals=[(dvalid, "validation")] to xgb.train, or eval_set=[(X_valid, y_valid)] to fit'
                )
            raise ValueError(
                f"{_WHO}: no evaluation gives {self.observation_key!r}; the evaluations are {sorted(scores)} "
                '("<evaluation name>-<metric>")'
            )
        score = scores[self.observation_key]
        if isinstance(score, tuple):  # xgb.cv: (mean, standard deviation) over the folds
            score = score[0]
        report_and_prune(self.trial, score, epoch + 1)
        return False
