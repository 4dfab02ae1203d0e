"""hyperscout: hyperparameter optimisation that finds more with fewer evaluations and never loses work.

Example:
    >>> import hyperscout as hs
    >>> study = hs.create_study(seed=0)
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10, show_progress_bar=False)
    >>> len(study.trials)
    10
"""

from __future__ import annotations

from . import distributions, exceptions, importance, logging, pruners, samplers, storages, visualization
from ._version import __version__
from .bayesopt import BayesianOptimization
from .samplers import SearchSpaceExhausted
from .space import Categorical, Distribution, Float, Int, OrNone, parse_space
from .storages import DuplicatedStudyError, StorageError
from .study import Study, copy_study, create_study, delete_study, get_all_study_names, load_study
from .trial import FrozenTrial, Trial, TrialPruned, TrialState, create_trial

__all__ = [
    "__version__",
    "create_study",
    "BayesianOptimization",
    "load_study",
    "delete_study",
    "get_all_study_names",
    "Study",
    "Trial",
    "FrozenTrial",
    "TrialState",
    "TrialPruned",
    "Float",
    "Int",
    "Categorical",
    "OrNone",
    "Distribution",
    "parse_space",
    "samplers",
    "pruners",
    "storages",
    "visualization",
    "importance",
    "exceptions",
    "logging",
    "distributions",
    "copy_study",
    "create_trial",
    "StorageError",
    "DuplicatedStudyError",
    "SearchSpaceExhausted",
]
