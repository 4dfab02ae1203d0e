"""Cross-validating candidates inside a study: one fold, the fold pruner, ``cv_results_``, resumption.

``_fit_and_score`` fits and scores a clone on one train/test split and returns a JSON-ready record.
``CrossValidator`` holds what one ``fit`` call shares across candidates (data, splits, scorers),
runs a candidate's folds, stores each fold record on its trial as soon as it is known, and builds
scikit-learn's ``cv_results_``. ``FoldPruner`` stops a candidate that can no longer beat the best.
``attach``, ``resume`` and ``cv_objective`` tie a search to its study: a fingerprint of the data,
candidates a crash interrupted, and fold scores reused instead of refitted.

Example:
    >>> _rank(np.array([0.5, 0.9, np.nan, 0.9]))  # as scikit-learn ranks: ties share, NaN is last
    array([3, 1, 4, 1], dtype=int32)
"""

from __future__ import annotations

import inspect
import json
import math
import numbers
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, indexable
from sklearn.utils.parallel import Parallel, delayed

from .._pickling import error_text
from ..pruners import BasePruner
from ..space import Distribution
from ..study import Study
from ..trial import FrozenTrial, Trial, TrialPruned, TrialState
from .space import PreparedSpace, prepare_space

_FOLD = "cv_fold_{}"
ORIGIN = "cv_origin"
_STUDY_ATTR = "sklearn_cv"


# -- one fold ---------------------------------------------------------------------------------------


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
                f"{error_text(e)}",
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
            "error": error_text(e),
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


class FoldPruner(BasePruner):
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


class CrossValidator:
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


def attach(study: Study, cv: CrossValidator) -> None:
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


def params_key(params: Mapping[str, Any]) -> str:
    return json.dumps(dict(sorted(params.items())), sort_keys=True, default=repr)


def resume(study: Study, cv: CrossValidator) -> tuple[int, dict[str, dict[int, dict[str, Any]]]]:
    """Enqueue candidates a crash or Ctrl-C interrupted; returns ``(finished candidates, stored folds)``.

    Stored folds are keyed by the candidate's parameters, so a re-run (or a duplicate proposal)
    fits only the folds that are missing.
    """
    trials = study.trials
    folds: dict[str, dict[int, dict[str, Any]]] = {}
    for t in trials:
        if t.params:
            got = folds.setdefault(params_key(t.params), {})
            for k, rec in cv.folds_of(t).items():
                got.setdefault(k, rec)
    finished = [t for t in trials if cv.is_candidate(t)]
    covered = {params_key(t.params) for t in finished}
    for t in trials:
        if t.state in (TrialState.WAITING, TrialState.RUNNING):
            fixed = t.system_attrs.get("fixed_params") or t.params
            covered.add(params_key(fixed))
    for t in trials:
        if t.state is TrialState.FAIL and t.params and not cv.is_candidate(t):
            key = params_key(t.params)
            if key not in covered:
                covered.add(key)
                study.enqueue(dict(t.params), user_attrs={ORIGIN: t.user_attrs.get(ORIGIN, t.number)})
    return len(finished), folds


def _proposal_keys(study: Study, number: int) -> list[str] | None:
    """The parameter names a grid proposed (or a re-run fixed) for trial ``number``."""
    system = study.trials[number].system_attrs
    fixed = system.get("fixed_params") or system.get("proposed")
    return list(fixed) if fixed else None


def cv_objective(
    study: Study,
    cv: CrossValidator,
    space: PreparedSpace,
    stored: dict[str, dict[int, dict[str, Any]]],
    *,
    prune: bool,
) -> Callable[[Trial], float]:
    def objective(trial: Trial) -> float:
        names = list(space.dists)
        if space.grid is not None:
            names = _proposal_keys(study, trial.number) or names
        tokens = {name: trial.suggest(name, space.dists[name]) for name in names}
        cache = stored.setdefault(params_key(tokens), {})
        return cv.objective(trial, space.codec.decode(tokens), cache, prune=prune)

    return objective


# -- for hs.BayesianOptimization(estimator=...) --------------------------------------------------------


class EstimatorObjective:
    """The cross-validated score of an estimator as an objective; what ``BayesianOptimization(estimator=...)`` runs.

    ``bayesopt`` imports it from here only when given an estimator, so that ``import hyperscout``
    never imports scikit-learn.
    """

    def __init__(self, estimator: Any, param_distributions: Mapping[str, Any]) -> None:
        self.estimator = estimator
        self.space = prepare_space(estimator, param_distributions, grid=False)
        self._cv: CrossValidator | None = None
        self._stored: dict[str, dict[int, dict[str, Any]]] = {}
        self._study: Study | None = None

    @property
    def dists(self) -> dict[str, Distribution]:
        return self.space.dists

    def bind(self, study: Study, X: Any, y: Any, groups: Any, fit_params: Mapping[str, Any], **cv_args: Any) -> None:
        """Attach the data to ``study``: check its fingerprint and enqueue interrupted candidates."""
        cv = CrossValidator(self.estimator, X, y, groups, fit_params, refit=True, error_score=np.nan,
                             return_train_score=False, **cv_args)  # fmt: skip
        attach(study, cv)
        _, self._stored = resume(study, cv)
        self._cv, self._study = cv, study

    def __call__(self, trial: Trial) -> float:
        if self._cv is None or self._study is None:
            raise RuntimeError("bind() the data before running the objective")
        return cv_objective(self._study, self._cv, self.space, self._stored, prune=False)(trial)

    def decode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.space.codec.decode(params)

    def encode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.space.codec.encode(params)
