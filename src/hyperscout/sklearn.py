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

import difflib
import inspect
import json
import math
import numbers
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

try:
    from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
    from sklearn.exceptions import FitFailedWarning
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import check_cv
    from sklearn.utils import _safe_indexing, check_random_state, indexable
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.parallel import Parallel, delayed
    from sklearn.utils.validation import check_is_fitted
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(f"hyperscout.sklearn needs scikit-learn: pip install 'hyperscout[sklearn]' ({e})") from e

from .pruners import BasePruner
from .samplers import BaseSampler, GridSampler, SamplerContext, SearchSpaceExhausted, get_sampler
from .space import Distribution, Float, Int, OrNone, parse_space
from .storages import BaseStorage
from .study import Study, create_study, load_study
from .trial import FrozenTrial, Trial, TrialPruned, TrialState

__all__ = ["SearchCV", "GridSearchCV", "RandomizedSearchCV", "BayesSearchCV"]

_FOLD = "cv_fold_{}"
_ORIGIN = "cv_origin"
_STUDY_ATTR = "sklearn_cv"
#: Integer ranges up to this size have every value checked against the estimator before fitting.
_CHECK_ALL_UP_TO = 100


# -- values JSON cannot hold ------------------------------------------------------------------------


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (bool, str)) or (isinstance(v, numbers.Real) and math.isfinite(float(v)))


def _is_range(spec: Any) -> bool:
    return isinstance(spec, tuple) and len(spec) == 2 and all(v is None or isinstance(v, numbers.Real) for v in spec)


class _Codec:
    """Stores the values a JSON log cannot hold (estimators, tuples, ...) as their ``repr``.

    scikit-learn grids often list objects (``"clf": [SVC(), LogisticRegression()]``,
    ``"hidden_layer_sizes": [(50,), (100,)]``); the study keeps a string per value and the search
    hands the object back. The strings depend only on the search space, so a resumed search maps
    stored values back to the same objects.
    """

    def __init__(self) -> None:
        self._back: dict[str, dict[str, Any]] = {}

    def encode_values(self, name: str, values: Sequence[Any]) -> list[Any]:
        scalars = {v for v in values if isinstance(v, str)}
        out = []
        for v in values:
            if _is_scalar(v):
                out.append(v.item() if isinstance(v, np.generic) else v)
                continue
            token = repr(v)
            if token in scalars:
                raise ValueError(
                    f"parameter {name!r}: the value {v!r} would be stored as the string {token!r}, which is "
                    "also one of its choices; rename the string choice"
                )
            self._back.setdefault(name, {}).setdefault(token, v)
            out.append(token)
        return out

    def encode_space(self, spec: Mapping[str, Any], *, ranges: bool = True) -> dict[str, Any]:
        """Encode every list of values; a ``(low, high)`` tuple stays a range when ``ranges``."""
        out: dict[str, Any] = {}
        for name, values in spec.items():
            if isinstance(values, np.ndarray):
                values = values.tolist()
            if isinstance(values, list) or (isinstance(values, tuple) and not (ranges and _is_range(values))):
                out[name] = self.encode_values(name, list(values))
            else:
                out[name] = values
        return out

    def encode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Stored form of user-given values (e.g. for ``probe``)."""
        return {k: (v if _is_scalar(v) else self.encode_values(k, [v])[0]) for k, v in params.items()}

    def decode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        back = self._back
        return {k: back[k].get(v, v) if k in back and isinstance(v, str) else v for k, v in params.items()}


# -- checking a space against an estimator before any fit --------------------------------------------


def _probe_values(dist: Distribution) -> list[Any]:
    """Values that stand for a distribution when checking it: every value, or its ends and middle."""
    if dist.size is not None and dist.size <= _CHECK_ALL_UP_TO:
        return dist.grid()
    if isinstance(dist, OrNone):
        return [None, *_probe_values(dist.inner)]
    if isinstance(dist, (Float, Int)):
        return [dist.low, dist.from_unit(0.5), dist.high]
    return [dist.from_unit(0.0), dist.from_unit(0.5), dist.from_unit(1.0)]


def _check_names(estimator: Any, names: Sequence[str]) -> None:
    valid = estimator.get_params(deep=True)
    lower = {v.lower(): v for v in valid}
    for name in names:
        if name not in valid:
            close = [lower[m] for m in difflib.get_close_matches(name.lower(), list(lower), n=3)]
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise ValueError(
                f"parameter {name!r} is not a parameter of {type(estimator).__name__}{hint} "
                f"(it has {len(valid)}: {sorted(valid)[:12]}{' ...' if len(valid) > 12 else ''})"
            )


def _check_values(estimator: Any, values: Mapping[str, Sequence[Any]]) -> None:
    """Raise a ``ValueError`` naming the first value the estimator (or its step) rejects."""
    for name, vs in values.items():
        for v in vs:
            probe = clone(estimator)
            try:
                probe.set_params(**{name: clone(v, safe=False)})
            except (ValueError, TypeError) as e:
                raise ValueError(f"search space: {name}={v!r} is rejected by {type(estimator).__name__}: {e}") from e
            owner = probe.get_params(deep=True)[name.rsplit("__", 1)[0]] if "__" in name else probe
            # A value that is itself an estimator (a pipeline step) is checked as well.
            for checked in (owner, v) if hasattr(v, "get_params") else (owner,):
                # scikit-learn checks parameter constraints only in fit; its private _validate_params
                # is the one way to run that check without fitting (others are not checked).
                validate = getattr(checked, "_validate_params", None)
                if not callable(validate) or not isinstance(getattr(checked, "_parameter_constraints", None), Mapping):
                    continue
                try:
                    validate()
                except (ValueError, TypeError) as e:
                    raise ValueError(f"search space: {name}={v!r} is rejected by {type(checked).__name__}: {e}") from e


@dataclass
class _Space:
    """A search space as the study sees it: encoded values, distributions, and the way back."""

    codec: _Codec
    #: ``dict`` for a sampled space; a list of encoded grids for a grid.
    encoded: dict[str, Any] | list[dict[str, Any]]
    dists: dict[str, Distribution]
    grid: GridSampler | None = None


def _prepare_space(estimator: Any, spec: Any, *, grid: bool, seed: int | None = None, shuffle: bool = False) -> _Space:
    """Parse, encode and check a search space against ``estimator``; nothing is fitted."""
    codec = _Codec()
    if isinstance(spec, Mapping):
        specs = [spec]
    elif (
        isinstance(spec, Sequence) and not isinstance(spec, str) and spec and all(isinstance(s, Mapping) for s in spec)
    ):
        specs = list(spec)
        if not grid:
            raise ValueError(
                "a list of search spaces is supported for grids only (GridSearchCV or sampler='grid'); "
                "for sampled searches give one dict"
            )
    else:
        raise ValueError(f"the search space must be a dict of parameter name -> values, got {spec!r}")
    encoded = [codec.encode_space(s, ranges=not grid) for s in specs]
    if not any(encoded):
        raise ValueError("the search space is empty; name at least one parameter")
    names = list(dict.fromkeys(n for e in encoded for n in e))
    _check_names(estimator, names)
    if grid:
        sampler = (_ShuffledGridSampler if shuffle else GridSampler)(encoded, retry_failed=0, seed=seed)
        dists: dict[str, Distribution] = dict(sampler.distributions)
    else:
        sampler = None
        dists = parse_space(encoded[0])
    _check_values(estimator, {n: [codec.decode({n: x})[n] for x in _probe_values(d)] for n, d in dists.items()})
    return _Space(codec, encoded if grid else encoded[0], dists, sampler)


class _ShuffledGridSampler(GridSampler):
    """A grid visited in an order drawn from the seed: random search without replacement.

    This is what scikit-learn's ``RandomizedSearchCV`` does when every parameter is a list.
    """

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        free = self._free(context)
        if not free:
            raise SearchSpaceExhausted(f"all {len(self.points)} points of the space have been evaluated or claimed")
        rank = np.random.default_rng([context.seed, len(self.points)]).permutation(len(self.points))
        fewest = min(attempt for _, attempt in free)
        pick = min((i for i, attempt in free if attempt == fewest), key=lambda i: rank[i])
        return dict(self.points[pick])


# -- one fold ---------------------------------------------------------------------------------------


def _error_text(e: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(e), e)).strip()


def _split(estimator: Any, X: Any, y: Any, rows: np.ndarray, cols: np.ndarray | None) -> tuple[Any, Any]:
    """Rows of ``X`` and ``y``; a precomputed kernel (a pairwise estimator) also takes the columns."""
    if _pairwise(estimator):
        if not hasattr(X, "shape"):
            raise ValueError("a pairwise estimator needs X as an array or a sparse matrix")
        Xs = X[np.ix_(rows, rows if cols is None else cols)]
    else:
        Xs = _safe_indexing(X, rows)
    return Xs, None if y is None else _safe_indexing(y, rows)


def _pairwise(estimator: Any) -> bool:
    try:
        from sklearn.utils import get_tags
    except ImportError:  # scikit-learn < 1.6
        return False
    return bool(get_tags(estimator).input_tags.pairwise)


def _fold_params(params: Mapping[str, Any], n_samples: int, rows: np.ndarray) -> dict[str, Any]:
    """Fit parameters aligned with the samples (``sample_weight``, ...) are cut to the fold's rows."""
    out = {}
    for k, v in params.items():
        aligned = hasattr(v, "__len__") and not isinstance(v, (str, bytes, Mapping))
        out[k] = _safe_indexing(v, rows) if aligned and len(v) == n_samples else v
    return out


def _takes_sample_weight(scorer: Any) -> bool:
    """Whether scikit-learn would pass ``sample_weight`` from ``fit`` to this scorer (it does since 1.7)."""
    accepts = getattr(scorer, "_accept_sample_weight", None)
    if callable(accepts):
        return bool(accepts())
    try:
        return "sample_weight" in inspect.signature(scorer).parameters
    except (TypeError, ValueError):
        return False


def _scores(
    scorers: Mapping[str, Any], est: Any, X: Any, y: Any, error_score: Any, weights: Mapping[str, Any]
) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name, scorer in scorers.items():
        kw = {"sample_weight": weights[name]} if name in weights else {}
        try:
            s = scorer(est, X, y, **kw) if y is not None else scorer(est, X, **kw)
            if isinstance(s, Mapping) or not isinstance(s, numbers.Real):
                raise TypeError(
                    f"scoring must give a number, got {s!r}; for several metrics pass scoring as a dict or list"
                )
            value = float(s)
        except Exception as e:
            if error_score == "raise":
                raise
            warnings.warn(
                f"scoring {name!r} failed; the score of this fold is set to error_score={error_score!r}: "
                f"{_error_text(e)}",
                UserWarning,
                stacklevel=2,
            )
            value = float(error_score)
        out[name] = None if math.isnan(value) else value
    return out


def _fit_and_score(
    estimator: Any,
    params: Mapping[str, Any],
    X: Any,
    y: Any,
    train: np.ndarray,
    test: np.ndarray,
    fit_params: Mapping[str, Any],
    scorers: Mapping[str, Any],
    return_train: bool,
    error_score: Any,
    weighted: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Fit a clone on ``train``, score it on ``test``; a JSON-ready record of the fold."""
    est = clone(estimator).set_params(**{k: clone(v, safe=False) for k, v in params.items()})
    X_train, y_train = _split(est, X, y, train, None)
    X_test, y_test = _split(est, X, y, test, train)
    n_samples = len(train) + len(test)
    start = time.perf_counter()
    try:
        if y_train is None:
            est.fit(X_train, **_fold_params(fit_params, n_samples, train))
        else:
            est.fit(X_train, y_train, **_fold_params(fit_params, n_samples, train))
    except Exception as e:
        if error_score == "raise":
            raise
        failed = None if math.isnan(float(error_score)) else float(error_score)
        record: dict[str, Any] = {
            "test": dict.fromkeys(scorers, failed),
            "fit_time": time.perf_counter() - start,
            "score_time": 0.0,
            "error": _error_text(e),
        }
        if return_train:
            record["train"] = dict.fromkeys(scorers, failed)
        return record
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    sw = fit_params.get("sample_weight")
    test_w = {name: _safe_indexing(sw, test) for name in weighted} if sw is not None else {}
    record = {"test": _scores(scorers, est, X_test, y_test, error_score, test_w)}
    record["score_time"] = time.perf_counter() - start
    record["fit_time"] = fit_time
    record["error"] = None
    if return_train:
        train_w = {name: _safe_indexing(sw, train) for name in weighted} if sw is not None else {}
        record["train"] = _scores(scorers, est, X_train, y_train, error_score, train_w)
    return record


# -- fingerprints -----------------------------------------------------------------------------------


def _digest(obj: Any) -> str:
    import joblib

    try:
        return str(joblib.hash(obj))
    except Exception:  # an unpicklable object (a lambda): its repr is the best we have
        return str(joblib.hash(repr(obj)))


# -- the fold pruner --------------------------------------------------------------------------------


class _FoldPruner(BasePruner):
    """Stops a candidate that cannot beat the best one even if its remaining folds score the best seen.

    After ``m`` of ``K`` folds with scores ``s_1..s_m``, the candidate's final mean is at most
    ``(s_1 + ... + s_m + (K - m) * U) / K`` where ``U`` is the highest fold score seen so far in the
    search (any candidate, any fold); when that bound is below the best complete candidate's mean,
    the remaining folds are not fitted. The bound is exact whenever no later fold beats ``U``, so
    the eventual best candidate is pruned only if it sets a new record on a fold it never reaches.
    """

    def __init__(self, n_splits: int) -> None:
        self.n_splits = n_splits

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        mine = [v for v in trial.intermediate_values.values() if math.isfinite(v)]
        if not mine or len(trial.intermediate_values) >= self.n_splits:
            return False
        best = max((t.value for t in trials if t.state is TrialState.COMPLETE and t.value is not None), default=None)
        if best is None:
            return False
        seen = [v for t in trials for v in t.intermediate_values.values() if math.isfinite(v)]
        ceiling = max([*seen, *mine])
        bound = (sum(mine) + (self.n_splits - len(mine)) * ceiling) / self.n_splits
        return bound < best


# -- evaluating candidates on the folds ---------------------------------------------------------------


def _scorer_dict(estimator: Any, scoring: Any) -> tuple[dict[str, Any], bool]:
    """``({name: scorer}, multimetric)``; a single metric is called ``"score"`` as in scikit-learn."""
    if scoring is None or isinstance(scoring, str) or callable(scoring):
        return {"score": check_scoring(estimator, scoring=scoring)}, False
    if isinstance(scoring, Mapping):
        items = list(scoring.items())
    elif isinstance(scoring, (list, tuple, set, frozenset)):
        names = list(scoring)
        if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError(f"a list of scorings must hold distinct metric names, got {scoring!r}")
        items = [(n, n) for n in (sorted(names) if isinstance(scoring, (set, frozenset)) else names)]
    else:
        raise ValueError(f"scoring must be None, a name, a callable, a list of names or a dict, got {scoring!r}")
    if not items:
        raise ValueError("scoring is an empty collection; name at least one metric")
    return {str(k): check_scoring(estimator, scoring=v) for k, v in items}, True


class _CrossValidator:
    """Everything about one ``fit`` call that does not depend on the candidate: data, splits, scorers."""

    def __init__(
        self,
        estimator: Any,
        X: Any,
        y: Any,
        groups: Any,
        fit_params: Mapping[str, Any],
        *,
        cv: Any,
        scoring: Any,
        refit: Any,
        error_score: Any,
        return_train_score: bool,
        n_jobs: int | None,
        pre_dispatch: Any = "2*n_jobs",
        verbose: int = 0,
    ) -> None:
        if not (error_score == "raise" or isinstance(error_score, numbers.Real)):
            raise ValueError(f"error_score must be 'raise' or a number, got {error_score!r}")
        self.estimator = estimator
        self.X, self.y, self.groups = indexable(X, y, groups)
        self.fit_params = dict(fit_params)
        self.cv = check_cv(cv, self.y, classifier=is_classifier(estimator))
        self.splits = [(np.asarray(tr), np.asarray(te)) for tr, te in self.cv.split(self.X, self.y, self.groups)]
        if not self.splits:
            raise ValueError(f"cv={cv!r} gave no train/test split")
        self.scorers, self.multimetric = _scorer_dict(estimator, scoring)
        if self.multimetric:
            if not (refit is False or callable(refit) or (isinstance(refit, str) and refit in self.scorers)):
                raise ValueError(
                    f"with several metrics, refit must be one of their names {list(self.scorers)}, a callable, "
                    f"or False; got {refit!r}"
                )
            self.metric = refit if isinstance(refit, str) else next(iter(self.scorers))
        else:
            self.metric = "score"
        # As scikit-learn does, a sample_weight given to fit also weighs the scores that accept one.
        weighted = self.fit_params.get("sample_weight") is not None
        self.weighted = frozenset(n for n, s in self.scorers.items() if weighted and _takes_sample_weight(s))
        self.error_score = error_score
        self.return_train_score = bool(return_train_score)
        self.n_jobs = n_jobs
        self.pre_dispatch = pre_dispatch
        self.verbose = verbose
        self.scoring = scoring
        self.fits_run = 0
        self.fits_reused = 0

    @property
    def n_splits(self) -> int:
        return len(self.splits)

    def fingerprint(self) -> dict[str, str]:
        est = clone(self.estimator)
        return {
            "data": _digest((self.X, self.y, self.groups)),
            "splits": _digest([(tr.tolist(), te.tolist()) for tr, te in self.splits]),
            "estimator": _digest(est),
            "scoring": _digest(self.scoring if isinstance(self.scoring, (str, type(None))) else self.scorers),
            "fit_params": _digest(self.fit_params),
        }

    # -- the stored record of a candidate

    def folds_of(self, trial: FrozenTrial) -> dict[int, dict[str, Any]]:
        """The usable fold records of a trial (those holding every metric this search needs)."""
        out = {}
        for k in range(self.n_splits):
            rec = trial.user_attrs.get(_FOLD.format(k))
            if not isinstance(rec, Mapping) or not set(self.scorers) <= set(rec.get("test", {})):
                continue
            if self.return_train_score and not set(self.scorers) <= set(rec.get("train") or {}):
                continue
            out[k] = dict(rec)
        return out

    def is_candidate(self, trial: FrozenTrial) -> bool:
        """Whether a trial is a finished candidate (complete, pruned, or failed after every fold)."""
        if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
            return True
        return trial.state is TrialState.FAIL and len(self.folds_of(trial)) == self.n_splits

    # -- running one candidate

    def _run(self, params: Mapping[str, Any], folds: list[int]) -> list[dict[str, Any]]:
        args = (self.X, self.y)
        tail = (self.fit_params, self.scorers, self.return_train_score, self.error_score, self.weighted)
        jobs = [(self.estimator, params, *args, *self.splits[k], *tail) for k in folds]
        self.fits_run += len(folds)
        if self.n_jobs in (None, 1) or len(folds) == 1:
            return [_fit_and_score(*job) for job in jobs]
        parallel = Parallel(n_jobs=self.n_jobs, pre_dispatch=self.pre_dispatch)
        return list(parallel(delayed(_fit_and_score)(*job) for job in jobs))

    def _record(self, trial: Trial, k: int, rec: dict[str, Any]) -> None:
        trial.set_user_attr(_FOLD.format(k), rec)
        score = rec["test"].get(self.metric)
        if score is not None:
            trial.report(score, step=k)

    def objective(
        self, trial: Trial, params: Mapping[str, Any], cache: dict[int, dict[str, Any]], *, prune: bool
    ) -> float:
        """Evaluate ``params`` on every fold; the mean test score of the metric.

        ``cache`` holds the folds already scored for these parameters (from storage, or an earlier
        identical candidate): they are copied into this trial instead of being fitted again, and
        every new fold is added to it.
        """
        K = self.n_splits
        records: dict[int, dict[str, Any]] = {}

        def stop_early() -> bool:
            if not prune or not records or len(records) == K:
                return False
            if any(r["test"].get(self.metric) is None for r in records.values()):
                return True  # a failed fold makes the mean NaN: the candidate cannot win
            return trial.should_prune()

        for k in sorted(cache):
            records[k] = cache[k]
            self._record(trial, k, cache[k])
            self.fits_reused += 1
        if stop_early():
            raise TrialPruned()
        todo = [k for k in range(K) if k not in records]
        batch = 1
        if self.n_jobs not in (None, 1):
            from joblib import effective_n_jobs

            batch = max(1, effective_n_jobs(self.n_jobs))
        # Batches as wide as the workers: each fold score is on disk soon after it is known, and the
        # pruner gets a say between batches.
        for i in range(0, len(todo), batch):
            chunk = todo[i : i + batch]
            for k, rec in zip(chunk, self._run(params, chunk), strict=True):
                records[k] = cache[k] = rec
                self._record(trial, k, rec)
                if self.verbose > 1:
                    took = rec["fit_time"] + rec["score_time"]
                    score = rec["test"][self.metric]
                    print(f"[CV {k + 1}/{K}; trial {trial.number}] {_describe(params)}; score={score} ({took:.2f}s)")
            if stop_early():
                raise TrialPruned()
        values = [records[k]["test"][self.metric] for k in range(K)]
        return math.nan if any(v is None for v in values) else float(np.mean(values))

    # -- cv_results_

    def results(self, candidates: Sequence[tuple[dict[str, Any], dict[int, dict[str, Any]]]]) -> dict[str, Any]:
        """``cv_results_`` with scikit-learn's keys, in its order, from ``(params, folds)`` per candidate."""
        n, K = len(candidates), self.n_splits

        def grid_of(part: str, name: str | None = None) -> np.ndarray:
            """``[candidate, fold]`` of a time (``name=None``) or a score; NaN where there is none."""
            a = np.full((n, K), np.nan)
            for i, (_, folds) in enumerate(candidates):
                for k, rec in folds.items():
                    v = rec.get(part) if name is None else (rec.get(part) or {}).get(name)
                    a[i, k] = np.nan if v is None else v
            return a

        out: dict[str, Any] = {}
        for key in ("fit_time", "score_time"):
            a = grid_of(key)
            seen = np.isfinite(a)
            counts = seen.sum(axis=1)
            sums = np.where(seen, a, 0.0).sum(axis=1)
            means = np.divide(sums, counts, out=np.full(n, np.nan), where=counts > 0)
            sq = np.where(seen, (a - means[:, None]) ** 2, 0.0).sum(axis=1)
            out[f"mean_{key}"] = means
            out[f"std_{key}"] = np.sqrt(np.divide(sq, counts, out=np.full(n, np.nan), where=counts > 0))
        params = [p for p, _ in candidates]
        out.update(_param_columns(params))
        out["params"] = params
        for name in self.scorers:
            parts = [("test", True)] + ([("train", False)] if self.return_train_score else [])
            for part, rank in parts:
                a = grid_of(part, name)
                for k in range(K):
                    out[f"split{k}_{part}_{name}"] = a[:, k]
                means = a.mean(axis=1) if K else np.full(n, np.nan)
                out[f"mean_{part}_{name}"] = means
                out[f"std_{part}_{name}"] = a.std(axis=1)
                if rank:
                    out[f"rank_{part}_{name}"] = _rank(means)
        return out


def _describe(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


def _rank(means: np.ndarray) -> np.ndarray:
    """scikit-learn's ranking: 1 is best, ties share the lowest rank, NaN ties with the worst."""
    from scipy.stats import rankdata

    if means.size == 0 or np.isnan(means).all():
        return np.ones(means.shape, dtype=np.int32)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    return rankdata(-filled, method="min").astype(np.int32)


def _param_columns(params: Sequence[Mapping[str, Any]]) -> dict[str, np.ma.MaskedArray]:
    """A masked array per parameter (masked where a candidate lacks it), typed as scikit-learn types them."""
    by_name: dict[str, dict[int, Any]] = {}
    for i, p in enumerate(params):
        for name, value in p.items():
            by_name.setdefault(f"param_{name}", {})[i] = value
    out = {}
    for key, values in by_name.items():
        try:
            arr = np.array(list(values.values()))
            dtype = arr.dtype if arr.dtype.kind != "U" and arr.ndim == 1 else np.dtype(object)
        except ValueError:
            dtype = np.dtype(object)
        col = np.ma.MaskedArray(np.empty(len(params), dtype=dtype), mask=True)
        for i, v in values.items():
            col[i] = v
        out[key] = col
    return out


# -- the study side: fingerprint check, resumption, candidates ------------------------------------------


def _attach(study: Study, cv: _CrossValidator) -> None:
    """Record the search's fingerprint on a new study; refuse to mix data in an existing one."""
    mine: dict[str, Any] = {"fingerprint": cv.fingerprint(), "n_splits": cv.n_splits, "metrics": list(cv.scorers)}
    stored = study.user_attrs.get(_STUDY_ATTR)
    if stored is None:
        if any(t.state is not TrialState.WAITING for t in study.trials):  # enqueued points are fine
            raise ValueError(
                f"study {study.study_name!r} already holds trials that are not a cross-validated search; "
                "use another study_name"
            )
        study.set_user_attr(_STUDY_ATTR, mine)
        return
    old = stored.get("fingerprint", {})
    changed = [k for k, v in mine["fingerprint"].items() if old.get(k) != v]
    if stored.get("n_splits") != cv.n_splits and "splits" not in changed:
        changed.append("splits")
    if changed:
        raise ValueError(
            f"study {study.study_name!r} holds a search on other {' and '.join(changed)} than this fit; "
            "its scores cannot be reused. Use another study_name (or delete the study) to start afresh. "
            "In nested cross-validation each outer fold needs its own study: leave storage=None there."
        )


def _params_key(params: Mapping[str, Any]) -> str:
    return json.dumps(dict(sorted(params.items())), sort_keys=True, default=repr)


def _resume(study: Study, cv: _CrossValidator) -> tuple[int, dict[str, dict[int, dict[str, Any]]]]:
    """Enqueue candidates a crash or Ctrl-C interrupted; returns ``(finished candidates, stored folds)``.

    Stored folds are keyed by the candidate's parameters, so a re-run (or a duplicate proposal)
    fits only the folds that are missing.
    """
    trials = study.trials
    folds: dict[str, dict[int, dict[str, Any]]] = {}
    for t in trials:
        if t.params:
            got = folds.setdefault(_params_key(t.params), {})
            for k, rec in cv.folds_of(t).items():
                got.setdefault(k, rec)
    finished = [t for t in trials if cv.is_candidate(t)]
    covered = {_params_key(t.params) for t in finished}
    for t in trials:
        if t.state in (TrialState.WAITING, TrialState.RUNNING):
            fixed = t.system_attrs.get("fixed_params") or t.params
            covered.add(_params_key(fixed))
    for t in trials:
        if t.state is TrialState.FAIL and t.params and not cv.is_candidate(t):
            key = _params_key(t.params)
            if key not in covered:
                covered.add(key)
                study.enqueue(dict(t.params), user_attrs={_ORIGIN: t.user_attrs.get(_ORIGIN, t.number)})
    return len(finished), folds


def _proposal_keys(study: Study, number: int) -> list[str] | None:
    """The parameter names a grid proposed (or a re-run fixed) for trial ``number``."""
    system = study.trials[number].system_attrs
    fixed = system.get("fixed_params") or system.get("proposed")
    return list(fixed) if fixed else None


def _objective(
    study: Study,
    cv: _CrossValidator,
    space: _Space,
    stored: dict[str, dict[int, dict[str, Any]]],
    *,
    prune: bool,
) -> Callable[[Trial], float]:
    def objective(trial: Trial) -> float:
        names = list(space.dists)
        if space.grid is not None:
            names = _proposal_keys(study, trial.number) or names
        tokens = {name: trial.suggest(name, space.dists[name]) for name in names}
        cache = stored.setdefault(_params_key(tokens), {})
        return cv.objective(trial, space.codec.decode(tokens), cache, prune=prune)

    return objective


def _seed_of(random_state: Any) -> int | None:
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        return None if random_state is None else int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


# -- the estimators ---------------------------------------------------------------------------------


def _estimator_has(attr: str) -> Callable[[Any], bool]:
    """For ``available_if``: the refit best estimator (or, before fit, the estimator) has ``attr``."""

    def check(self: SearchCV) -> bool:
        if not self.refit:
            raise AttributeError(
                f"{type(self).__name__} was created with refit=False, so {attr} is not available; refit the "
                "best parameters yourself (search.best_params_) or pass refit=True"
            )
        getattr(self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator, attr)
        return True

    return check


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


@dataclass(frozen=True)
class _Plan:
    space: Any
    sampler: BaseSampler | str | None
    n_trials: int | None
    random_state: Any


class SearchCV(MetaEstimatorMixin, BaseEstimator):
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
        scoring, cv, refit, error_score, return_train_score, verbose: as in scikit-learn's ``GridSearchCV``.
        n_jobs: workers for the folds of one candidate (joblib, like ``cross_validate(n_jobs=...)``);
            candidates run one after another.
        timeout: stop starting new candidates after this many seconds.
        storage, study_name: where the study lives (``"sqlite:///search.db"``); with both, calling
            ``fit`` again resumes the search, skipping every (candidate, fold) already scored.
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

    def _space_and_sampler(self, plan: _Plan, seed: int | None) -> tuple[_Space, BaseSampler, int | None]:
        sampler, budget = plan.sampler, None if plan.n_trials is None else int(plan.n_trials)
        if isinstance(sampler, GridSampler):
            space = _prepare_space(self.estimator, sampler.search_space, grid=True)
            return _Space(space.codec, space.encoded, dict(sampler.distributions), sampler), sampler, budget
        if isinstance(sampler, str) and sampler in ("grid", "_shuffled_grid"):
            shuffled = sampler == "_shuffled_grid"
            space = _prepare_space(self.estimator, plan.space, grid=True, seed=seed, shuffle=shuffled)
            assert space.grid is not None
            size = len(space.grid.points)
            if shuffled and budget is not None and budget > size:
                warnings.warn(
                    f"the space has only {size} points, fewer than n_iter={budget}; running {size}. "
                    "For exhaustive searches, use GridSearchCV.",
                    UserWarning,
                    stacklevel=3,
                )
                budget = size
            return space, space.grid, budget
        space = _prepare_space(self.estimator, plan.space, grid=False)
        if budget is None and self.timeout is None:
            raise ValueError("n_trials=None runs forever without a grid; give n_trials or a timeout")
        return space, get_sampler(sampler, seed=seed), budget

    def fit(self, X: Any, y: Any = None, *, groups: Any = None, **fit_params: Any) -> SearchCV:
        """Search, then (with ``refit``) fit the best candidate on all of ``X, y``.

        ``groups`` goes to the splitter (``GroupKFold``, ...); other keyword arguments go to the
        estimator's ``fit``, cut to each fold's rows when they have one entry per sample.
        """
        plan = self._plan()
        n = plan.n_trials
        if n is not None and (isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1):
            raise ValueError(f"the number of candidates must be a positive int or None, got {n!r}")
        if self.timeout is not None and not (isinstance(self.timeout, numbers.Real) and float(self.timeout) > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, got {self.timeout!r}")
        timeout = None if self.timeout is None else float(self.timeout)
        if not (self.refit in (True, False) or isinstance(self.refit, str) or callable(self.refit)):
            raise ValueError(f"refit must be a bool, a metric name or a callable, got {self.refit!r}")
        seed = _seed_of(plan.random_state)
        space, sampler, budget = self._space_and_sampler(plan, seed)
        cv = _CrossValidator(
            self.estimator, X, y, groups, fit_params, cv=self.cv, scoring=self.scoring, refit=self.refit,
            error_score=self.error_score, return_train_score=self.return_train_score, n_jobs=self.n_jobs,
            pre_dispatch=getattr(self, "pre_dispatch", "2*n_jobs"), verbose=self.verbose,
        )  # fmt: skip
        pruner = _FoldPruner(cv.n_splits) if self.prune_folds else None
        study = create_study(self.study_name, self.storage, direction="maximize", sampler=sampler, pruner=pruner,
                             seed=seed)  # fmt: skip
        self._study = study
        _attach(study, cv)
        done, stored = _resume(study, cv)
        remaining = None if budget is None else max(0, budget - done)
        if self.verbose > 0:
            todo = "the remaining grid points" if remaining is None else f"{remaining} candidates"
            print(f"Fitting {cv.n_splits} folds for each of {todo}; {done} candidates already in study "
                  f"{study.study_name!r}")  # fmt: skip
        if remaining != 0:
            objective = _objective(study, cv, space, stored, prune=self.prune_folds)
            study.optimize(objective, n_trials=remaining, timeout=timeout, catch=(), show_progress_bar=False)
        self._finish(study, cv, space, X, y, fit_params)
        return self

    def _finish(self, study: Study, cv: _CrossValidator, space: _Space, X: Any, y: Any, fit_params: Any) -> None:
        trials = [t for t in study.trials if cv.is_candidate(t)]
        if not trials:
            raise RuntimeError(
                f"no candidate finished in study {study.study_name!r} (timeout={self.timeout!r}); "
                "allow more time or trials"
            )
        order = {}
        if space.grid is not None:
            order = {_params_key(p): i for i, p in enumerate(space.grid.points)}

        def position(t: FrozenTrial) -> tuple[float, int]:
            origin = int(t.user_attrs.get(_ORIGIN, t.number))
            return (order.get(_params_key(t.params), math.inf), origin)

        trials.sort(key=position)
        candidates = [(space.codec.decode(t.params), cv.folds_of(t)) for t in trials]
        results = cv.results(candidates)
        errors = [rec["error"] for _, folds in candidates for rec in folds.values() if rec.get("error")]
        if errors:
            top = "\n".join(f"{n} fit(s) failed with: {e}" for e, n in Counter(errors).most_common(3))
            warnings.warn(
                f"{len(errors)} of {sum(len(f) for _, f in candidates)} fits failed; their scores are "
                f"error_score={self.error_score!r}. Set error_score='raise' to see the traceback.\n{top}",
                FitFailedWarning,
                stacklevel=3,
            )
        self.n_fits_ = cv.fits_run
        self.n_fits_reused_ = cv.fits_reused
        self.n_fits_pruned_ = sum(cv.n_splits - len(f) for t, (_, f) in zip(trials, candidates, strict=True)
                                  if t.state is TrialState.PRUNED)  # fmt: skip
        self.multimetric_ = cv.multimetric
        self.n_splits_ = cv.n_splits
        self.scorer_ = cv.scorers if cv.multimetric else cv.scorers["score"]
        self.cv_results_ = results
        self._study_ref = (study.storage_url, study.study_name)
        if self.refit or not cv.multimetric:
            if callable(self.refit):
                best = self.refit(results)
                if not isinstance(best, numbers.Integral) or isinstance(best, bool):
                    raise TypeError(f"refit callable must return an integer index, got {best!r}")
                best = int(best)
                if not 0 <= best < len(candidates):
                    raise IndexError(f"refit callable returned index {best}, outside 0..{len(candidates) - 1}")
                self.best_index_ = int(best)
            else:
                self.best_index_ = int(np.argmin(results[f"rank_test_{cv.metric}"]))
                self.best_score_ = float(results[f"mean_test_{cv.metric}"][self.best_index_])
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            best_est = clone(self.estimator).set_params(**clone(self.best_params_, safe=False))
            start = time.perf_counter()
            if y is None:
                best_est.fit(X, **fit_params)
            else:
                best_est.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = best_est
            if hasattr(best_est, "feature_names_in_"):
                self.feature_names_in_ = best_est.feature_names_in_

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

    def score(self, X: Any, y: Any = None) -> float:
        """The refit metric of the best estimator on ``X, y`` (its own ``score`` without ``scoring``)."""
        _estimator_has("score")(self)
        check_is_fitted(self)
        scorer: Any = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        return float(scorer(self.best_estimator_, X, y) if y is not None else scorer(self.best_estimator_, X))


class GridSearchCV(SearchCV):
    """Every point of ``param_grid``, as scikit-learn's ``GridSearchCV`` (same order, same results).

    ``param_grid`` is a dict of name -> list of values, or a list of such dicts. The extra
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
        return _Plan(self.param_grid, "grid", None, None)


class RandomizedSearchCV(SearchCV):
    """``n_iter`` random candidates, as scikit-learn's ``RandomizedSearchCV``.

    When every parameter is a list, candidates are drawn without replacement (as scikit-learn
    does); otherwise each is drawn independently. The extra arguments are those of ``SearchCV``.

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
        spec = self.param_distributions
        if isinstance(spec, Mapping):
            # scikit-learn reads a tuple as a list of values, never as a range.
            spec = {k: list(v) if isinstance(v, tuple) else v for k, v in spec.items()}
            all_lists = all(isinstance(v, (list, np.ndarray)) for v in spec.values())
        else:
            all_lists = False
        return _Plan(spec, "_shuffled_grid" if all_lists else "random", self.n_iter, self.random_state)


class BayesSearchCV(SearchCV):
    """``n_iter`` candidates chosen by Gaussian-process Bayesian optimisation (``hs.samplers.GPSampler``).

    Reads like scikit-optimize's ``BayesSearchCV``: ``search_spaces`` maps names to ``(low, high)``
    ranges, lists or hyperscout distributions. The extra arguments are those of ``SearchCV``.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.svm import SVC
        >>> from hyperscout.sklearn import BayesSearchCV
        >>> X, y = load_iris(return_X_y=True)
        >>> search = BayesSearchCV(SVC(), {"C": (1e-2, 1e2)}, n_iter=3, cv=3, random_state=0).fit(X, y)
        >>> search.study_.sampler
        GPSampler(seed=0, acquisition='ei')
    """

    def __init__(
        self, estimator: Any, search_spaces: Any, *, n_iter: int = 50, scoring: Any = None, n_jobs: int | None = None,
        refit: _Refit = True, cv: Any = None, verbose: int = 0, pre_dispatch: Any = "2*n_jobs",
        random_state: Any = None, error_score: Any = np.nan, return_train_score: bool = False,
        storage: BaseStorage | str | None = None, study_name: str | None = None, timeout: float | None = None,
        prune_folds: bool = False,
    ) -> None:  # fmt: skip
        _keep(self, locals())

    def _plan(self) -> _Plan:
        return _Plan(self.search_spaces, "gp", self.n_iter, self.random_state)


# -- for hs.BayesianOptimization(estimator=...) --------------------------------------------------------


class _EstimatorObjective:
    """The cross-validated score of an estimator as an objective; what ``BayesianOptimization(estimator=...)`` runs.

    Not public API (the module's ``__all__`` does not list it); kept here so that the scikit-learn
    machinery stays in one module and ``import hyperscout`` never imports scikit-learn.
    """

    def __init__(self, estimator: Any, param_distributions: Mapping[str, Any]) -> None:
        self.estimator = estimator
        self.space = _prepare_space(estimator, param_distributions, grid=False)
        self._cv: _CrossValidator | None = None
        self._stored: dict[str, dict[int, dict[str, Any]]] = {}
        self._study: Study | None = None

    @property
    def dists(self) -> dict[str, Distribution]:
        return self.space.dists

    def bind(self, study: Study, X: Any, y: Any, groups: Any, fit_params: Mapping[str, Any], **cv_args: Any) -> None:
        """Attach the data to ``study``: check its fingerprint and enqueue interrupted candidates."""
        cv = _CrossValidator(self.estimator, X, y, groups, fit_params, refit=True, error_score=np.nan,
                             return_train_score=False, **cv_args)  # fmt: skip
        _attach(study, cv)
        _, self._stored = _resume(study, cv)
        self._cv, self._study = cv, study

    def __call__(self, trial: Trial) -> float:
        if self._cv is None or self._study is None:
            raise RuntimeError("bind() the data before running the objective")
        return _objective(self._study, self._cv, self.space, self._stored, prune=False)(trial)

    def decode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.space.codec.decode(params)

    def encode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.space.codec.encode(params)
