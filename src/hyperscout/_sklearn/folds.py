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
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
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


def _number(value: Any, name: str) -> float:
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"scoring must return a number, got {value!r} ({type(value)}) instead. (scorer={name})")
    return float(value)


def _scores(
    scorers: Mapping[str, Any], est: Any, X: Any, y: Any, error_score: Any, params: Mapping[str, Mapping[str, Any]]
) -> dict[str, float | None]:
    """Each scorer's score; a lone callable that returns a dict gives one score per key, as in scikit-learn."""
    out: dict[str, float | None] = {}
    for name, scorer in scorers.items():
        kw = params.get(name, {})
        try:
            s = scorer(est, X, y, **kw) if y is not None else scorer(est, X, **kw)
        except Exception:
            if error_score == "raise":
                raise
            warnings.warn(
                f"Scoring failed. The score on this train-test partition for these parameters will be set to "
                f"{error_score}. Details: \n{traceback.format_exc()}",
                UserWarning,
                stacklevel=2,
            )
            s = error_score
        if isinstance(s, Mapping) and len(scorers) == 1:
            values = {str(k): _number(v, str(k)) for k, v in s.items()}
        else:
            values = {name: _number(s, name)}
        out.update({k: None if math.isnan(v) else v for k, v in values.items()})
    return out


def fit_in_task(est: Any, X: Any, y: Any, fit_params: Mapping[str, Any], ctx: Any, hooks: Mapping[str, Any]) -> None:
    """``est.fit(X, y, **fit_params)``, as a task of scikit-learn's callbacks when ``ctx`` is one.

    The task begins before the fit and ends after it, whether the fit succeeds or raises.
    """
    with nullcontext() if ctx is None else ctx.propagate_callback_context(est):
        if ctx is not None:
            ctx.call_on_fit_task_begin(**hooks)
        try:
            if y is None:
                est.fit(X, **fit_params)
            else:
                est.fit(X, y, **fit_params)
        finally:
            if ctx is not None:
                ctx.call_on_fit_task_end(**hooks)


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
    score_params: Mapping[str, Mapping[str, Any]] | None = None,
    callback_ctx: Any = None,
    caller: Any = None,
) -> dict[str, Any]:
    """Fit a clone on ``train``, score it on ``test``; a JSON-ready record of the fold.

    ``callback_ctx`` (scikit-learn's experimental callbacks, ``set_callbacks``) gets the fold's
    ``on_fit_task_begin``/``on_fit_task_end`` with ``caller``, the search, as scikit-learn calls them.
    """
    est = clone(estimator).set_params(**{k: clone(v, safe=False) for k, v in params.items()})
    X_train, y_train = _split(est, X, y, train, None)
    X_test, y_test = _split(est, X, y, test, train)
    n_samples = len(train) + len(test)
    train_params = _fold_params(fit_params, n_samples, train)
    sw = train_params.get("sample_weight")
    hooks = {"estimator": caller, "X": X_train, "y": y_train, "metadata": None if sw is None else {"sample_weight": sw}}
    start = time.perf_counter()
    try:
        fit_in_task(est, X_train, y_train, train_params, callback_ctx, hooks)
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
    score_params = score_params or {}
    test_kw = {name: _fold_params(p, n_samples, test) for name, p in score_params.items()}
    record = {"test": _scores(scorers, est, X_test, y_test, error_score, test_kw)}
    record["score_time"] = time.perf_counter() - start
    record["fit_time"] = fit_time
    record["error"] = None
    if return_train:
        train_kw = {name: _fold_params(p, n_samples, train) for name, p in score_params.items()}
        record["train"] = _scores(scorers, est, X_train, y_train, error_score, train_kw)
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


def scorer_dict(estimator: Any, scoring: Any) -> tuple[dict[str, Any], bool]:
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
        score_params: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        if not (error_score == "raise" or isinstance(error_score, numbers.Real)):
            raise ValueError(f"error_score must be 'raise' or a number, got {error_score!r}")
        self.estimator = estimator
        self.X, self.y, self.groups = indexable(X, y, groups)
        self.fit_params = dict(fit_params)
        self.refit = refit
        self.scorers, self.multimetric = scorer_dict(estimator, scoring)
        #: A callable ``scoring`` may return a dict: its keys become the metrics once a fold is scored.
        self.dynamic = callable(scoring)
        self.names = list(self.scorers)
        self.metric = "score"
        if self.multimetric:
            self._use_metrics(self.names)
        self.cv = check_cv(cv, self.y, classifier=is_classifier(estimator))
        self.splits = [(np.asarray(tr), np.asarray(te)) for tr, te in self.cv.split(self.X, self.y, self.groups)]
        if not self.splits:
            raise ValueError("No fits were performed. Was the CV iterator empty? Were there no candidates?")
        expected = self.cv.get_n_splits(self.X, self.y, self.groups)
        if len(self.splits) != expected:
            raise ValueError(
                f"cv.split and cv.get_n_splits return inconsistent results. Expected {expected} splits, "
                f"got {len(self.splits)}"
            )
        # As scikit-learn does, a sample_weight given to fit also weighs the scores that accept one;
        # with metadata routing, each scorer gets what it requested instead.
        sw = self.fit_params.get("sample_weight")
        self.weighted = frozenset(n for n, s in self.scorers.items() if sw is not None and _takes_sample_weight(s))
        self.score_params: dict[str, dict[str, Any]] = {n: {"sample_weight": sw} for n in self.weighted}
        self.routed = score_params is not None
        if score_params is not None:
            self.score_params = {n: dict(score_params.get(n, {})) for n in self.scorers}
        self.error_score = error_score
        self.return_train_score = bool(return_train_score)
        self.n_jobs = n_jobs
        self.pre_dispatch = pre_dispatch
        self.verbose = verbose
        self.scoring = scoring
        self.fits_run = 0
        self.fits_reused = 0
        #: scikit-learn's callback context of the search (``set_callbacks``), and the search itself.
        self.callback_ctx: Any = None
        self.caller: Any = None
        self._tasks = 0

    def _use_metrics(self, names: list[str]) -> None:
        if not (self.refit is False or callable(self.refit) or (isinstance(self.refit, str) and self.refit in names)):
            raise ValueError(
                "For multi-metric scoring, the parameter refit must be set to a scorer key or a callable to "
                "refit an estimator with the best parameter setting on the whole data and make the best_* "
                "attributes available for that metric. If this is not needed, refit should be set to False "
                f"explicitly. {self.refit!r} was passed. (The metrics are {names}.)"
            )
        self.names = list(names)
        self.multimetric = True
        self.metric = self.refit if isinstance(self.refit, str) else names[0]

    def learn(self, rec: Mapping[str, Any]) -> None:
        """With a callable ``scoring``, take the metric names from the first fold it scored."""
        if self.dynamic and not rec.get("error") and list(rec["test"]) != self.names:
            if list(rec["test"]) != ["score"]:
                self._use_metrics(list(rec["test"]))

    def score_of(self, rec: Mapping[str, Any], name: str, part: str = "test") -> float | None:
        """A fold's score of metric ``name``; a failed fit holds ``error_score`` for every metric."""
        scores = rec.get(part) or {}
        if name in scores:
            return scores[name]
        return next(iter(scores.values()), None) if rec.get("error") else None

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
            "fit_params": _digest((self.fit_params, self.score_params) if self.routed else self.fit_params),
        }

    # -- the stored record of a candidate

    def folds_of(self, trial: FrozenTrial) -> dict[int, dict[str, Any]]:
        """The usable fold records of a trial (those holding every metric this search needs)."""
        out = {}
        for k in range(self.n_splits):
            rec = trial.user_attrs.get(_FOLD.format(k))
            if not isinstance(rec, Mapping) or not isinstance(rec.get("test"), Mapping):
                continue
            need = set() if self.dynamic or rec.get("error") else set(self.names)
            if not need <= set(rec["test"]):
                continue
            if self.return_train_score and not (isinstance(rec.get("train"), Mapping) and need <= set(rec["train"])):
                continue
            self.learn(rec)
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
        tail = (self.fit_params, self.scorers, self.return_train_score, self.error_score, self.score_params)
        contexts: list[Any] = [None] * len(folds)
        if self.callback_ctx is not None:
            # Made here, before the folds go to workers, as scikit-learn does.
            contexts = [
                self.callback_ctx.subcontext(task_name="candidate-split-evaluation", task_id=self._tasks + i)
                for i in range(len(folds))
            ]
            self._tasks += len(folds)
        jobs = [
            (self.estimator, params, *args, *self.splits[k], *tail, ctx, self.caller)
            for k, ctx in zip(folds, contexts, strict=True)
        ]
        self.fits_run += len(folds)
        if self.n_jobs in (None, 1) or len(folds) == 1:
            return [_fit_and_score(*job) for job in jobs]
        parallel = Parallel(n_jobs=self.n_jobs, pre_dispatch=self.pre_dispatch)
        return list(parallel(delayed(_fit_and_score)(*job) for job in jobs))

    def _record(self, trial: Trial, k: int, rec: dict[str, Any]) -> None:
        self.learn(rec)
        trial.set_user_attr(_FOLD.format(k), rec)
        score = self.score_of(rec, self.metric)
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
            if any(self.score_of(r, self.metric) is None for r in records.values()):
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
                    self._say(trial.number, k, params, rec)
            if stop_early():
                raise TrialPruned()
        values = [v for k in range(K) if (v := self.score_of(records[k], self.metric)) is not None]
        return math.nan if len(values) < K else float(np.mean(values))

    def _say(self, number: int, k: int, params: Mapping[str, Any], rec: Mapping[str, Any]) -> None:
        """One line per fold, as scikit-learn prints with ``verbose=2`` (and the scores with ``verbose>2``)."""

        def show(v: float | None) -> str:
            return "nan" if v is None else f"{v:.3f}"

        took = rec["fit_time"] + rec["score_time"]
        line = f"[CV {k + 1}/{self.n_splits}; trial {number}] END {_describe(params)};"
        if self.verbose > 2:
            parts = []
            for name in self.names:
                test = show(self.score_of(rec, name))
                if self.return_train_score:
                    test = f"(train={show(self.score_of(rec, name, 'train'))}, test={test})"
                parts.append(f"{'' if not self.multimetric else name + ': '}{test}")
            line += " score=" + ", ".join(parts) + ";"
        print(f"{line} total time={took:.2f}s")

    # -- cv_results_

    def results(self, candidates: Sequence[tuple[dict[str, Any], dict[int, dict[str, Any]]]]) -> dict[str, Any]:
        """``cv_results_`` with scikit-learn's keys, in its order, from ``(params, folds)`` per candidate."""
        n, K = len(candidates), self.n_splits

        def grid_of(part: str, name: str | None = None) -> np.ndarray:
            """``[candidate, fold]`` of a time (``name=None``) or a score; NaN where there is none."""
            a = np.full((n, K), np.nan)
            for i, (_, folds) in enumerate(candidates):
                for k, rec in folds.items():
                    v = rec.get(part) if name is None else self.score_of(rec, name, part)
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
        for name in self.names:
            parts = [("test", True)] + ([("train", False)] if self.return_train_score else [])
            for part, rank in parts:
                a = grid_of(part, name)
                for k in range(K):
                    out[f"split{k}_{part}_{name}"] = a[:, k]
                means = a.mean(axis=1) if K else np.full(n, np.nan)
                out[f"mean_{part}_{name}"] = means
                whole = np.array([len(folds) == K for _, folds in candidates], dtype=bool)
                if not np.isfinite(means[whole]).all():  # a pruned candidate's missing folds are no news
                    warnings.warn(
                        f"One or more of the {part} scores are non-finite: {means}", UserWarning, stacklevel=4
                    )
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


def candidate_claim(trial: FrozenTrial, trials: Sequence[FrozenTrial]) -> str | None:
    """The grid claim of a trial, or of the trial it re-runs (``ORIGIN``), if any."""
    claim = trial.system_attrs.get("grid")
    origin = trial.user_attrs.get(ORIGIN)
    if claim is None and isinstance(origin, int) and 0 <= origin < len(trials):
        claim = trials[origin].system_attrs.get("grid")
    return claim if isinstance(claim, str) else None


def _slot(params: Mapping[str, Any], trial: FrozenTrial, trials: Sequence[FrozenTrial]) -> str:
    """Which stored folds a trial may reuse: those of the same parameters, or, for a candidate of an
    explicit list (``GridSearchCV``, ``RandomizedSearchCV``: their claims end in ``@position``), of
    the same position only, so that a repeated candidate is fitted again as scikit-learn does."""
    claim = candidate_claim(trial, trials)
    position = claim.rsplit("@", 1)[1].split("#")[0] if claim and "@" in claim else None
    key = params_key(params)
    return key if position is None else f"{key}@{position}"


def resume(study: Study, cv: CrossValidator) -> tuple[int, dict[str, dict[int, dict[str, Any]]]]:
    """Enqueue candidates a crash or Ctrl-C interrupted; returns ``(finished candidates, stored folds)``.

    Stored folds are keyed by the candidate's parameters, so a re-run (or a duplicate proposal)
    fits only the folds that are missing.
    """
    trials = study.trials
    folds: dict[str, dict[int, dict[str, Any]]] = {}
    for t in trials:
        if t.params:
            got = folds.setdefault(_slot(t.params, t, trials), {})
            for k, rec in cv.folds_of(t).items():
                got.setdefault(k, rec)
    finished = [t for t in trials if cv.is_candidate(t)]
    covered = {_slot(t.params, t, trials) for t in finished}
    for t in trials:
        if t.state in (TrialState.WAITING, TrialState.RUNNING):
            fixed = t.system_attrs.get("fixed_params") or t.params
            covered.add(_slot(fixed, t, trials))
    for t in trials:
        if t.state is TrialState.FAIL and t.params and not cv.is_candidate(t):
            key = _slot(t.params, t, trials)
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
        trials = study.trials
        cache = stored.setdefault(_slot(tokens, trials[trial.number], trials), {})
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
