"""scikit-learn's ``*SearchCV`` with a hyperscout study inside: change one import, keep the rest.

``GridSearchCV``, ``RandomizedSearchCV``, ``BayesSearchCV`` and the general ``SearchCV`` are
scikit-learn estimators with the attributes users know (``best_params_``, ``cv_results_``, ...).
What the study adds:

* any sampler (``sampler="gp"``, ``hs.samplers.GPSampler()``, ...) instead of a fixed grid or random draws;
* persistence and resumption: with ``storage=`` and ``study_name=``, every fold score is written as
  soon as it is known, and calling ``fit`` again after a crash or Ctrl-C evaluates only the
  (candidate, fold) pairs that are missing;
* fold-level early stopping (``prune_folds=True``): a candidate that can no longer beat the best one
  is not fitted on its remaining folds.

How a search is stored (one trial per candidate, each fold score as a user attribute and an
intermediate value) and how pruning decides are described in ``docs/sklearn.md``.

Example:
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hyperscout.sklearn import GridSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.01, 1.0]}, cv=3).fit(X, y)
    >>> search.best_params_
    {'C': 1.0}
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

try:
    from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
    from sklearn.exceptions import FitFailedWarning
    from sklearn.utils import check_random_state
    from sklearn.utils.metadata_routing import process_routing
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.validation import check_is_fitted
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"hyperscout.sklearn needs scikit-learn, an optional extra (hyperscout[sklearn]): "
        f"pip install scikit-learn ({e})"
    ) from e

try:  # scikit-learn >= 1.9: experimental callbacks (set_callbacks)
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    _CALLBACKS = True
except ImportError:  # pragma: no cover - depends on the scikit-learn version

    class CallbackSupportMixin:  # type: ignore[no-redef]
        """Nothing: this scikit-learn has no callbacks."""

    def with_callbacks(method: Any) -> Any:  # type: ignore[no-redef]
        return method

    _CALLBACKS = False

from ._checks import check_flag, check_seconds
from ._log import info_lines
from ._sklearn.folds import (
    ORIGIN,
    CrossValidator,
    FoldPruner,
    attach,
    candidate_claim,
    cv_objective,
    fit_in_task,
    params_key,
    resume,
    scorer_dict,
)
from ._sklearn.skopt_compat import (
    CallbackSampler,
    category_decoder,
    check_callbacks,
    optimize_result,
    sampler_from_optimizer_kwargs,
    skopt_space,
)
from ._sklearn.space import CandidateSampler, PreparedSpace, prepare_candidates, prepare_space, with_rvs
from .samplers import BaseSampler, GridSampler, get_sampler
from .storages import BaseStorage
from .study import Study, create_study, load_study
from .trial import FrozenTrial, TrialState

__all__ = ["SearchCV", "GridSearchCV", "RandomizedSearchCV", "BayesSearchCV"]


# -- the estimators ---------------------------------------------------------------------------------


def _seed_of(random_state: Any) -> int | None:
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        return None if random_state is None else int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _refit_only(attr: str) -> Callable[[Any], bool]:
    def check(self: SearchCV) -> bool:
        if not self.refit:
            raise AttributeError(
                f"This {type(self).__name__} instance was initialized with `refit=False`. {attr} is available "
                "only after refitting on the best parameters. You can refit an estimator manually using the "
                "`best_params_` attribute (or pass refit=True)"
            )
        return True

    return check


def _estimator_has(attr: str) -> Callable[[Any], bool]:
    """For ``available_if``: the refit best estimator (or, before fit, the estimator) has ``attr``."""

    def check(self: SearchCV) -> bool:
        _refit_only(attr)(self)
        getattr(self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator, attr)
        return True

    return check


def _can_score(self: SearchCV) -> bool:
    """``score`` exists with a ``scoring``, or when the estimator has its own ``score``."""
    _refit_only("score")(self)
    if self.scoring is None:
        _ = (self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator).score
    return True


def _warn_or_raise_about_failures(candidates: list[tuple[Any, dict[int, dict[str, Any]]]], error_score: Any) -> None:
    """scikit-learn's report of failed fits: a ``FitFailedWarning``, or a ``ValueError`` when all failed."""
    errors = [rec["error"] for _, folds in candidates for rec in folds.values() if rec.get("error")]
    if not errors:
        return
    total = sum(len(f) for _, f in candidates)
    line = "-" * 80 + "\n"
    summary = "\n".join(f"{line}{n} fits failed with the following error:\n{e}" for e, n in Counter(errors).items())
    if len(errors) == total:
        raise ValueError(
            f"\nAll the {total} fits failed.\nIt is very likely that your model is misconfigured.\n"
            "You can try to debug the error by setting error_score='raise'.\n\n"
            f"Below are more details about the failures:\n{summary}"
        )
    warnings.warn(
        f"\n{len(errors)} fits failed out of a total of {total}.\nThe score on these train-test partitions for "
        f"these parameters will be set to {error_score}.\nIf these failures are not expected, you can try to "
        f"debug them by setting error_score='raise'.\n\nBelow are more details about the failures:\n{summary}",
        FitFailedWarning,
        stacklevel=5 if _CALLBACKS else 4,  # fit is wrapped by with_callbacks where there are callbacks
    )


def _keep(estimator: Any, args: Mapping[str, Any]) -> None:
    """Store the constructor's arguments unchanged, as scikit-learn's ``clone`` and ``get_params`` expect."""
    for name, value in args.items():
        if name != "self" and not name.startswith("__"):
            setattr(estimator, name, value)


def _delegate(method: str) -> Any:
    """A method that calls the refit best estimator's ``method``, present only where that one is."""

    def call(self: SearchCV, X: Any) -> Any:
        check_is_fitted(self)
        return getattr(self.best_estimator_, method)(X)

    call.__name__ = call.__qualname__ = method
    call.__doc__ = f"The best estimator's ``{method}``."
    return available_if(_estimator_has(method))(call)


_Refit: TypeAlias = "bool | str | Callable[[dict[str, Any]], int]"


#: The prefix of each scorer's name in the metadata router (``get_metadata_routing``).
_SCORER = "scorer__"


def _routing_enabled() -> bool:
    from sklearn import get_config

    return bool(get_config().get("enable_metadata_routing", False))


#: ``_Plan.sampler`` of a search whose ``space`` is an explicit list of candidates.
_CANDIDATES = "_candidates"


@dataclass(frozen=True)
class _Plan:
    space: Any
    sampler: BaseSampler | str | None
    n_trials: int | None
    random_state: Any


class SearchCV(CallbackSupportMixin, MetaEstimatorMixin, BaseEstimator):
    """Cross-validated hyperparameter search driven by any hyperscout sampler.

    Args:
        estimator: a scikit-learn estimator (or ``Pipeline``: name nested parameters ``step__param``).
        search_space: parameter name -> a list of values, a ``(low, high)`` range (integers give
            an integer range; ``(None, high)`` means "None or up to high"), a ``scipy.stats``
            distribution, or an ``hs.Float``/``hs.Int``/``hs.Categorical``. With ``sampler="grid"``
            a list of such dicts is accepted too.
        sampler: ``"auto"``, a name (``"random"``, ``"qmc"``, ``"gp"``, ``"grid"``, ...) or a sampler object.
        n_trials: how many candidates the study should hold when ``fit`` returns (a resumed search
            runs only the missing ones); ``None`` with a grid means every point.
        scoring: as in scikit-learn's ``GridSearchCV``.
        cv: as in scikit-learn's ``GridSearchCV``.
        refit: as in scikit-learn's ``GridSearchCV``.
        error_score: as in scikit-learn's ``GridSearchCV``.
        return_train_score: as in scikit-learn's ``GridSearchCV``.
        verbose: as in scikit-learn's ``GridSearchCV``.
        n_jobs: workers for the folds of one candidate (joblib, like ``cross_validate(n_jobs=...)``);
            candidates run one after another.
        timeout: stop starting new candidates after this many seconds.
        storage: where the study lives (``"sqlite:///search.db"``); with ``study_name`` too, calling
            ``fit`` again resumes the search, skipping every (candidate, fold) already scored.
        study_name: the study's name in ``storage``.
        random_state: the study's seed (an int, ``None`` or a ``RandomState``).
        prune_folds: skip the remaining folds of a candidate that can no longer beat the best one.

    Attributes (after ``fit``): ``cv_results_``, ``best_index_``, ``best_params_``, ``best_score_``,
    ``best_estimator_``, ``refit_time_``, ``scorer_``, ``multimetric_``, ``n_splits_`` as in
    scikit-learn, plus ``study_`` (the ``hs.Study``), ``n_fits_`` (fold fits run by this call),
    ``n_fits_reused_`` (fold scores read from the study instead) and ``n_fits_pruned_`` (fold fits
    the pruner skipped, over the whole study).

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.svm import SVC
        >>> from hyperscout.sklearn import SearchCV
        >>> X, y = load_iris(return_X_y=True)
        >>> search = SearchCV(SVC(), {"C": (1e-2, 1e2)}, n_trials=5, cv=3, random_state=0).fit(X, y)
        >>> len(search.cv_results_["params"])
        5
    """

    def __init__(
        self, estimator: Any, search_space: Any, *, sampler: BaseSampler | str | None = "auto",
        n_trials: int | None = 10, scoring: Any = None, cv: Any = None, refit: _Refit = True, n_jobs: int | None = None,
        timeout: float | None = None, storage: BaseStorage | str | None = None, study_name: str | None = None,
        random_state: Any = None, error_score: Any = np.nan, return_train_score: bool = False, verbose: int = 0,
        prune_folds: bool = False,
    ) -> None:  # fmt: skip
        _keep(self, locals())

    def _plan(self) -> _Plan:
        """What to search and how; the named variants map their scikit-learn arguments here."""
        return _Plan(self.search_space, self.sampler, self.n_trials, self.random_state)

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags

    # -- fit

    def _space_and_sampler(self, plan: _Plan, seed: int | None) -> tuple[PreparedSpace, BaseSampler, int | None]:
        sampler, budget = plan.sampler, None if plan.n_trials is None else int(plan.n_trials)
        if sampler == _CANDIDATES:
            if not plan.space:
                raise ValueError("No fits were performed. Was the CV iterator empty? Were there no candidates?")
            space = prepare_candidates(self.estimator, plan.space)
            assert space.grid is not None
            return space, space.grid, len(plan.space)
        if isinstance(sampler, GridSampler):
            space = prepare_space(self.estimator, sampler.search_space, grid=True)
            return PreparedSpace(space.codec, space.encoded, dict(sampler.distributions), sampler), sampler, budget
        if sampler == "grid":
            space = prepare_space(self.estimator, plan.space, grid=True, seed=seed)
            assert space.grid is not None
            return space, space.grid, budget
        space = prepare_space(self.estimator, plan.space, grid=False)
        if budget is None and self.timeout is None:
            raise ValueError("n_trials=None runs forever without a grid; give n_trials or a timeout")
        return space, get_sampler(sampler, seed=seed), budget

    @with_callbacks
    def fit(self, X: Any, y: Any = None, *, groups: Any = None, **fit_params: Any) -> SearchCV:
        """Search, then (with ``refit``) fit the best candidate on all of ``X, y``.

        ``groups`` goes to the splitter (``GroupKFold``, ...); other keyword arguments go to the
        estimator's ``fit``, cut to each fold's rows when they have one entry per sample.
        """
        plan = self._plan()
        n = plan.n_trials
        if n is not None and (isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1):
            raise ValueError(f"the number of candidates must be a positive int or None, got {n!r}")
        timeout = check_seconds("timeout", self.timeout)  # True is not 1 s
        check_flag("prune_folds", self.prune_folds)
        if not (self.refit in (True, False) or isinstance(self.refit, str) or callable(self.refit)):
            raise ValueError(f"refit must be a bool, a metric name or a callable, got {self.refit!r}")
        seed = _seed_of(plan.random_state)
        space, sampler, budget = self._space_and_sampler(plan, seed)
        root = self._callbacks_begin(X, y, fit_params)
        score_params = None
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params, **({} if groups is None else {"groups": groups}))
            fit_params, groups = dict(routed.estimator.fit), routed.splitter.split.get("groups")
            score_params = {
                name[len(_SCORER) :]: dict(p.score) for name, p in routed.items() if name.startswith(_SCORER)
            }
        cv = CrossValidator(
            self.estimator, X, y, groups, fit_params, cv=self.cv, scoring=self.scoring, refit=self.refit,
            error_score=self.error_score, return_train_score=self.return_train_score, n_jobs=self.n_jobs,
            pre_dispatch=getattr(self, "pre_dispatch", "2*n_jobs"), verbose=self.verbose, score_params=score_params,
        )  # fmt: skip
        if score_params is None and fit_params.get("sample_weight") is not None:
            for name, scorer in cv.scorers.items():
                if name not in cv.weighted:
                    shown = f"{name}={scorer}" if cv.multimetric else f"{scorer}"
                    warnings.warn(
                        f"The scoring {shown} does not support sample_weight, which may lead to statistically "
                        f"incorrect results when fitting {self} with sample_weight. ",
                        UserWarning,
                        stacklevel=2,
                    )
        pruner = FoldPruner(cv.n_splits) if self.prune_folds else None
        with info_lines(self.verbose > 0):  # verbose=0 is silent, as in scikit-learn
            study = create_study(self.study_name, self.storage, direction="maximize", sampler=sampler,
                                 pruner=pruner, seed=seed)  # fmt: skip
        self._study = study
        attach(study, cv)
        done, stored = resume(study, cv)
        remaining = None if budget is None else max(0, budget - done)
        if self.verbose > 0:
            todo = "the remaining grid points" if remaining is None else f"{remaining} candidates"
            total = "" if remaining is None else f", totalling {remaining * cv.n_splits} fits"
            print(f"Fitting {cv.n_splits} folds for each of {todo}{total}; {done} candidates already in study "
                  f"{study.study_name!r}")  # fmt: skip
        if root is not None:
            cv.caller = self
            cv.callback_ctx = root.subcontext(
                task_name="search",
                max_subtasks=None if remaining is None else remaining * cv.n_splits,
                sequential_subtasks=False,
            ).call_on_fit_task_begin(estimator=self)
        if remaining != 0:
            objective = cv_objective(study, cv, space, stored, prune=self.prune_folds)
            with info_lines(self.verbose > 0):
                study.optimize(objective, n_trials=remaining, timeout=timeout, catch=(), show_progress_bar=False)
        if cv.callback_ctx is not None:
            cv.callback_ctx.call_on_fit_task_end(estimator=self)
        self._finish(study, cv, space, X, y, fit_params, root)
        return self

    def _callbacks_begin(self, X: Any, y: Any, fit_params: Mapping[str, Any]) -> Any:
        """scikit-learn's callback context of this fit (``set_callbacks``); ``None`` when no callback listens."""
        if not _CALLBACKS or not (hasattr(self, "_skl_callbacks") or hasattr(self, "_parent_callback_ctx")):
            return None
        sw = fit_params.get("sample_weight")
        self._callback_metadata = None if sw is None else {"sample_weight": sw}
        root = self._init_callback_context(max_subtasks=1 + (self.refit is not False))
        return root.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=self._callback_metadata)

    def _finish(
        self, study: Study, cv: CrossValidator, space: PreparedSpace, X: Any, y: Any, fit_params: Any, root: Any
    ) -> None:
        every = study.trials
        trials = [t for t in every if cv.is_candidate(t)]
        if not trials:
            raise RuntimeError(
                f"no candidate finished in study {study.study_name!r} (timeout={self.timeout!r}); "
                "allow more time or trials"
            )
        order = {}
        if space.grid is not None:
            order = {params_key(p): i for i, p in reversed(list(enumerate(space.grid.points)))}

        def position(t: FrozenTrial) -> tuple[float, int]:
            origin = int(t.user_attrs.get(ORIGIN, t.number))
            at = None
            if isinstance(space.grid, CandidateSampler):
                at = space.grid.position(candidate_claim(t, every), t.params)
            return (order.get(params_key(t.params), math.inf) if at is None else at, origin)

        trials.sort(key=position)
        candidates = [(space.codec.decode(t.params), cv.folds_of(t)) for t in trials]
        results = cv.results(candidates)
        _warn_or_raise_about_failures(candidates, self.error_score)
        self.n_fits_ = cv.fits_run
        self.n_fits_reused_ = cv.fits_reused
        self.n_fits_pruned_ = sum(cv.n_splits - len(f) for t, (_, f) in zip(trials, candidates, strict=True)
                                  if t.state is TrialState.PRUNED)  # fmt: skip
        self.multimetric_ = cv.multimetric
        self.n_splits_ = cv.n_splits
        self.scorer_ = cv.scorers["score"] if cv.dynamic or not cv.multimetric else cv.scorers
        self.cv_results_ = results
        self._study_ref = (study.storage_url, study.study_name)
        if self.refit or not cv.multimetric:
            if callable(self.refit):
                best = self.refit(results)
                if not isinstance(best, numbers.Integral) or isinstance(best, bool):
                    raise TypeError(f"best_index_ returned is not an integer: the refit callable returned {best!r}")
                best = int(best)
                if not 0 <= best < len(candidates):
                    raise IndexError(
                        f"best_index_ index out of range: the refit callable returned {best}, outside "
                        f"0..{len(candidates) - 1}"
                    )
                self.best_index_ = int(best)
            else:
                self.best_index_ = int(np.argmin(results[f"rank_test_{cv.metric}"]))
                self.best_score_ = float(results[f"mean_test_{cv.metric}"][self.best_index_])
            self.best_params_ = results["params"][self.best_index_]
        hooks = {"estimator": self, "X": X, "y": y, "metadata": getattr(self, "_callback_metadata", None)}
        if self.refit:
            best_est = clone(self.estimator).set_params(**clone(self.best_params_, safe=False))
            ctx = None if root is None else root.subcontext(task_name="refit-with-best-params")
            start = time.perf_counter()
            fit_in_task(best_est, X, y, fit_params, ctx, hooks)
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = best_est
            if hasattr(best_est, "feature_names_in_"):
                self.feature_names_in_ = best_est.feature_names_in_
        if root is not None:
            root.call_on_fit_task_end(**hooks)

    def _sk_visual_block_(self) -> Any:
        """The HTML diagram shows the refit best estimator once there is one, the estimator before."""
        try:  # where scikit-learn's own searches take it (a private module: its place moved in 1.7)
            from sklearn.utils._repr_html.estimator import _VisualBlock
        except ImportError:  # pragma: no cover - scikit-learn < 1.7
            from sklearn.utils._estimator_html_repr import _VisualBlock

        fitted = hasattr(self, "best_estimator_")
        key, est = ("best_estimator_", self.best_estimator_) if fitted else ("estimator", self.estimator)
        return _VisualBlock("parallel", [est], names=[f"{key}: {type(est).__name__}"], name_details=[str(est)])

    # -- the study behind the search

    @property
    def study_(self) -> Study:
        """The ``hs.Study`` that holds every candidate (reopened from storage after unpickling)."""
        study = self.__dict__.get("_study")
        if study is not None:
            return study
        ref = self.__dict__.get("_study_ref")
        if ref is None:
            raise AttributeError(f"{type(self).__name__} has no study_ before fit")
        url, name = ref
        if url is None:
            raise AttributeError(
                f"the study {name!r} lived in memory and does not survive pickling; pass storage= to keep it"
            )
        self._study = load_study(name, url)
        return self._study

    def __getstate__(self) -> dict[str, Any]:
        # A study holds a database connection and threads; the reference to it is enough.
        state = dict(super().__getstate__())
        state.pop("_study", None)
        return state

    # -- what the best estimator does

    @property
    def classes_(self) -> Any:
        _estimator_has("classes_")(self)
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        try:
            check_is_fitted(self)
        except Exception as e:
            raise AttributeError(f"{type(self).__name__} has no n_features_in_ before fit") from e
        return int(self.best_estimator_.n_features_in_)

    predict = _delegate("predict")
    predict_proba = _delegate("predict_proba")
    predict_log_proba = _delegate("predict_log_proba")
    decision_function = _delegate("decision_function")
    score_samples = _delegate("score_samples")
    transform = _delegate("transform")
    inverse_transform = _delegate("inverse_transform")

    @available_if(_can_score)
    def score(self, X: Any, y: Any = None, **params: Any) -> float:
        """The refit metric of the best estimator on ``X, y`` (its own ``score`` without ``scoring``).

        ``params`` (with scikit-learn's metadata routing enabled only) go to the scorer that asks for them.
        """
        _refit_only("score")(self)
        check_is_fitted(self)
        name = self.refit if self.multimetric_ and isinstance(self.scorer_, Mapping) else "score"
        kw: dict[str, Any] = {}
        if params:
            if not _routing_enabled():
                raise ValueError(
                    f"Passing extra keyword arguments to {type(self).__name__}.score is only supported if "
                    "enable_metadata_routing=True, which you can set using `sklearn.set_config`. Extra "
                    f"parameters passed are: {set(params)}"
                )
            kw = dict(process_routing(self, "score", **params)[_SCORER + str(name)].score)
        scorer: Any = self.scorer_[self.refit] if isinstance(self.scorer_, Mapping) else self.scorer_
        value = scorer(self.best_estimator_, X, y, **kw) if y is not None else scorer(self.best_estimator_, X, **kw)
        return float(value[self.refit] if isinstance(value, Mapping) else value)

    def get_metadata_routing(self) -> Any:
        """Where scikit-learn's metadata routing sends the metadata given to ``fit`` and ``score``.

        The estimator's ``fit`` gets what it requests, each scorer what it requests for ``score``,
        and the splitter ``groups``, as in scikit-learn's searches.
        """
        from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping

        router = MetadataRouter(owner=self)
        router.add(estimator=self.estimator, method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        scorers, _ = scorer_dict(self.estimator, self.scoring)
        for name, scorer in scorers.items():
            mapping = MethodMapping().add(caller="score", callee="score").add(caller="fit", callee="score")
            router.add(**{_SCORER + name: scorer}, method_mapping=mapping)
        router.add(splitter=self.cv, method_mapping=MethodMapping().add(caller="fit", callee="split"))
        return router


class GridSearchCV(SearchCV):
    """Every point of ``param_grid``, as scikit-learn's ``GridSearchCV`` (same order, same results).

    ``param_grid`` is read by scikit-learn's ``ParameterGrid``: a dict of name -> list of values
    (or ``range``, array), or a list of such dicts. The extra
    arguments ``storage``, ``study_name``, ``timeout`` and ``prune_folds`` are those of ``SearchCV``.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> from hyperscout.sklearn import GridSearchCV
        >>> X, y = load_iris(return_X_y=True)
        >>> search = GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 3]}, cv=3).fit(X, y)
        >>> search.best_params_, search.best_score_ > 0.9
        ({'max_depth': 3}, True)
    """

    def __init__(
        self, estimator: Any, param_grid: Any, *, scoring: Any = None, n_jobs: int | None = None, refit: _Refit = True,
        cv: Any = None, verbose: int = 0, pre_dispatch: Any = "2*n_jobs", error_score: Any = np.nan,
        return_train_score: bool = False, storage: BaseStorage | str | None = None, study_name: str | None = None,
        timeout: float | None = None, prune_folds: bool = False,
    ) -> None:  # fmt: skip
        _keep(self, locals())

    def _plan(self) -> _Plan:
        from sklearn.model_selection import ParameterGrid

        return _Plan(list(ParameterGrid(self.param_grid)), _CANDIDATES, None, None)


class RandomizedSearchCV(SearchCV):
    """``n_iter`` random candidates, as scikit-learn's ``RandomizedSearchCV``: the very same ones.

    The candidates come from scikit-learn's ``ParameterSampler`` with the same ``random_state``, so
    they are scikit-learn's draw for draw (any ``scipy.stats`` distribution, lists, a list of dicts;
    without replacement when every parameter is a list). The extra arguments are those of ``SearchCV``.

    Example:
        >>> from scipy.stats import loguniform
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.svm import SVC
        >>> from hyperscout.sklearn import RandomizedSearchCV
        >>> X, y = load_iris(return_X_y=True)
        >>> search = RandomizedSearchCV(SVC(), {"C": loguniform(1e-2, 1e2)}, n_iter=4, cv=3, random_state=0)
        >>> len(search.fit(X, y).cv_results_["params"])
        4
    """

    def __init__(
        self, estimator: Any, param_distributions: Any, *, n_iter: int = 10, scoring: Any = None,
        n_jobs: int | None = None, refit: _Refit = True, cv: Any = None, verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs", random_state: Any = None, error_score: Any = np.nan,
        return_train_score: bool = False, storage: BaseStorage | str | None = None, study_name: str | None = None,
        timeout: float | None = None, prune_folds: bool = False,
    ) -> None:  # fmt: skip
        _keep(self, locals())

    def _plan(self) -> _Plan:
        from sklearn.model_selection import ParameterSampler

        n = self.n_iter
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1:
            raise ValueError(f"the number of candidates must be a positive int, got n_iter={n!r}")
        # scikit-learn's own sampler: the same candidates as its RandomizedSearchCV, draw for draw.
        space = with_rvs(self.param_distributions)  # hs.Float & co. get the rvs scikit-learn draws from
        candidates = list(ParameterSampler(space, int(n), random_state=self.random_state))
        return _Plan(candidates, _CANDIDATES, None, None)


class BayesSearchCV(SearchCV):
    """``n_iter`` candidates chosen by Gaussian-process Bayesian optimisation (``hs.samplers.GPSampler``).

    A drop-in for scikit-optimize's ``BayesSearchCV``: ``search_spaces`` maps names to
    ``skopt.space.Real/Integer/Categorical`` objects, scikit-optimize's tuples (``(low, high)``,
    ``(1e-6, 1e6, "log-uniform")``, ``(low, high, "log-uniform", base)``), lists of categories or
    hyperscout distributions; scikit-optimize is imported only by you, never by this class.
    ``optimizer_kwargs`` reads the ``skopt.Optimizer`` arguments that have a meaning here
    (``acq_func``, ``n_initial_points``, ``base_estimator``, ...; others are refused with what to
    use instead), and ``fit(..., callback=...)`` calls scikit-optimize style callbacks after each
    candidate. ``n_points`` must be 1: candidates are proposed one at a time, each from every
    earlier result, and ``n_jobs`` fits the folds of one candidate in parallel. The extra arguments
    are those of ``SearchCV``; see ``docs/migrating-from-scikit-optimize.md``.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.svm import SVC
        >>> from hyperscout.sklearn import BayesSearchCV
        >>> X, y = load_iris(return_X_y=True)
        >>> search = BayesSearchCV(SVC(), {"C": (1e-2, 1e2, "log-uniform")}, n_iter=3, cv=3, random_state=0)
        >>> search.fit(X, y).study_.sampler
        GPSampler(seed=0, acquisition='ei')
    """

    def __init__(
        self, estimator: Any, search_spaces: Any, *, optimizer_kwargs: Mapping[str, Any] | None = None,
        n_iter: int = 50, scoring: Any = None, n_jobs: int | None = None, n_points: int = 1, refit: _Refit = True,
        cv: Any = None, verbose: int = 0, pre_dispatch: Any = "2*n_jobs", random_state: Any = None,
        error_score: Any = np.nan, return_train_score: bool = False, storage: BaseStorage | str | None = None,
        study_name: str | None = None, timeout: float | None = None, prune_folds: bool = False,
    ) -> None:  # fmt: skip
        _keep(self, locals())

    def fit(
        self, X: Any, y: Any = None, *, groups: Any = None, callback: Any = None, **fit_params: Any
    ) -> BayesSearchCV:
        """As ``SearchCV.fit``; ``callback`` (a callable or a list) is called as in scikit-optimize.

        Each callback gets a ``scipy.optimize.OptimizeResult`` after each candidate (``x_iters``,
        ``func_vals`` = minus the mean test scores, ``x``, ``fun``); one that returns ``True`` stops
        the search, so ``skopt.callbacks.DeltaYStopper`` or ``DeadlineStopper`` work unchanged.
        """
        self._callbacks = check_callbacks(callback)
        super().fit(X, y, groups=groups, **fit_params)
        sampler = self.study_.sampler
        if isinstance(sampler, CallbackSampler):  # the last candidate, which no later proposal reported
            sampler.report(self.study_.trials)
        return self

    @property
    def optimizer_results_(self) -> list[Any]:
        """scikit-optimize's attribute: ``[OptimizeResult]`` of the candidates (``x_iters``, ``func_vals``, ...)."""
        check_is_fitted(self)
        with warnings.catch_warnings():  # fit has already warned about the space
            warnings.simplefilter("ignore")
            decode = category_decoder(skopt_space(self.search_spaces))
        return [optimize_result(self.study_.trials, decode)]

    @property
    def total_iterations(self) -> int:
        """scikit-optimize's attribute: the number of candidates ``fit`` evaluates (``n_iter``)."""
        return int(self.n_iter)

    def _plan(self) -> _Plan:
        n = self.n_points
        if n != 1:
            raise ValueError(
                f"n_points={n!r} is not supported: candidates are proposed one at a time, each using every earlier "
                "result; use n_jobs= to fit the folds of a candidate in parallel"
            )
        space = skopt_space(self.search_spaces)
        sampler = sampler_from_optimizer_kwargs(self.optimizer_kwargs, _seed_of(self.random_state))
        callbacks = self.__dict__.get("_callbacks")
        if callbacks:
            sampler = CallbackSampler(sampler, callbacks, category_decoder(space))
        return _Plan(space, sampler, self.n_iter, self.random_state)
