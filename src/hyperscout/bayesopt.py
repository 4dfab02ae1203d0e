"""The interface users of bayesian-optimization know, built on a study.

It maximises a function (``f=``, ``pbounds=``) or the cross-validated score of a scikit-learn
estimator (``estimator=``, ``param_distributions=``; see ``docs/sklearn.md``). The function form
speaks bayesian-optimization 3's API: ``maximize``, ``suggest``/``register``, ``probe``,
``set_bounds``, ``constraint=``, ``acquisition_function=`` (``hyperscout.acquisition``), ``res``,
``max``, ``space`` and ``save_state``/``load_state``.

Example:
    >>> import hyperscout as hs
    >>> def f(x, y):
    ...     return -(x - 1) ** 2 - (y + 0.5) ** 2
    >>> opt = hs.BayesianOptimization(f=f, pbounds={"x": (-2, 2), "y": (-1, 1)}, random_state=1)
    >>> opt.maximize(init_points=4, n_iter=8)
    >>> sorted(opt.max)
    ['params', 'target']
"""

from __future__ import annotations

import json
import math
import os
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._bayesopt_constraint import CONSTRAINT_ATTR, ConstrainedGPSampler
from ._checks import check_flag, is_number
from ._log import info_lines
from ._wrapping import WrappedSampler
from .acquisition import AcquisitionFunction, ExpectedImprovement, ProbabilityOfImprovement, UpperConfidenceBound
from .acquisition import as_acquisition as _as_acquisition
from .samplers import BaseSampler, GPSampler, QMCSampler, SamplerContext
from .space import Categorical, Distribution, Float, Int, parse_space
from .storages import BaseStorage
from .study import Study, create_study
from .trial import FrozenTrial, Trial, TrialState

__all__ = ["BayesianOptimization", "TargetSpace"]


def _pbounds(pbounds: Mapping[str, Any]) -> dict[str, Distribution]:
    """bayesian-optimization semantics: ``(low, high)`` is a float range, whatever its type;
    ``(low, high, int)`` an integer range, ``(low, high, float)`` a float one; a list (or another
    tuple) the categories; hyperscout distributions are kept."""
    out: dict[str, Distribution] = {}
    for name, spec in pbounds.items():
        try:
            if isinstance(spec, tuple) and len(spec) == 2 and all(is_number(v) for v in spec):
                out[name] = Float(float(spec[0]), float(spec[1]))
            elif (
                isinstance(spec, tuple) and len(spec) == 3 and spec[2] in (int, float) and all(map(is_number, spec[:2]))
            ):
                low, high = spec[0], spec[1]
                out[name] = Int(int(low), int(high)) if spec[2] is int else Float(float(low), float(high))
            elif isinstance(spec, tuple) and not any(v is None for v in spec):
                out[name] = Categorical(spec)
            else:
                out.update(parse_space({name: spec}))
        except ValueError as e:
            msg = str(e)
            raise ValueError(msg if msg.startswith("parameter ") else f"parameter {name!r}: {msg}") from None
    return out


def _shown_bounds(dist: Distribution) -> str:
    if isinstance(dist, (Float, Int)):
        return f"({dist.low!r}, {dist.high!r})"
    return repr(dist)


class _WithinBounds(WrappedSampler):
    """Proposes over the current bounds (``set_bounds``), not those of the trials so far."""

    def __init__(self, inner: BaseSampler, dists: Mapping[str, Distribution]) -> None:
        super().__init__(inner)
        self.dists = dists

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        return {k: self.dists.get(k, d) for k, d in self.inner.infer_relative_search_space(context).items()}


def _seed(random_state: Any) -> int | None:
    if random_state is None or (is_number(random_state) and float(random_state).is_integer()):
        return None if random_state is None else int(random_state)
    if hasattr(random_state, "randint"):  # a numpy RandomState, as bayesian-optimization accepts
        return int(random_state.randint(np.iinfo(np.int32).max))
    raise TypeError(f"random_state must be an int, a numpy RandomState or None, got {random_state!r}")


class TargetSpace:
    """The search space and the points evaluated so far: bayesian-optimization's ``optimizer.space``.

    ``keys`` (parameter names in ``pbounds`` order), ``bounds`` (an array of ``[low, high]`` rows;
    NaN for a list of categories), ``dim``, ``params`` and ``target`` (arrays, one row per point),
    ``constraint_values``, ``len(space)`` (points evaluated), ``params_to_array``/``array_to_params``,
    ``res()`` and ``max()``; ``distributions`` holds the hyperscout distributions.

    Example:
        >>> import hyperscout as hs
        >>> opt = hs.BayesianOptimization(f=lambda x, y: x - y, pbounds={"x": (0, 1), "y": (2, 3)})
        >>> opt.space.keys, opt.space.bounds.tolist(), len(opt.space)
        (['x', 'y'], [[0.0, 1.0], [2.0, 3.0]], 0)
    """

    def __init__(self, owner: BayesianOptimization) -> None:
        self._owner = owner

    def __repr__(self) -> str:
        return f"TargetSpace(keys={self.keys!r}, points={len(self)})"

    @property
    def distributions(self) -> dict[str, Distribution]:
        return dict(self._owner.distributions)

    @property
    def keys(self) -> list[str]:
        return list(self._owner.distributions)

    @property
    def dim(self) -> int:
        return len(self._owner.distributions)

    @property
    def bounds(self) -> np.ndarray:
        rows = [[d.low, d.high] if isinstance(d, (Float, Int)) else [math.nan, math.nan]
                for d in self._owner.distributions.values()]  # fmt: skip
        return np.array(rows, dtype=float)

    def __len__(self) -> int:
        return len(self._owner.res)

    @property
    def empty(self) -> bool:
        return len(self) == 0

    @property
    def params(self) -> np.ndarray:
        rows = [self.params_to_array(r["params"]) for r in self._owner.res]
        return np.array(rows) if rows else np.empty((0, self.dim))

    @property
    def target(self) -> np.ndarray:
        return np.array([r["target"] for r in self._owner.res], dtype=float)

    @property
    def constraint_values(self) -> np.ndarray | None:
        if self._owner.constraint is None:
            return None
        return np.array([np.atleast_1d(r["constraint"]) for r in self._owner.res], dtype=float)

    def params_to_array(self, params: Mapping[str, Any]) -> np.ndarray:
        """The values of ``params`` in ``keys`` order (a float array when every value is a number)."""
        if set(params) != set(self.keys):
            raise ValueError(f"params names {sorted(params)} do not match the parameters {self.keys}")
        values = [params[k] for k in self.keys]
        return np.array(values, dtype=float if all(is_number(v) for v in values) else object)

    def array_to_params(self, x: Any) -> dict[str, Any]:
        """``{name: value}`` from values in ``keys`` order."""
        values = list(np.asarray(x, dtype=object).ravel())
        if len(values) != self.dim:
            raise ValueError(f"expected {self.dim} values in the order {self.keys}, got {len(values)}")
        return {k: v.item() if isinstance(v, np.generic) else v for k, v in zip(self.keys, values, strict=True)}

    def res(self) -> list[dict[str, Any]]:
        return self._owner.res

    def max(self) -> dict[str, Any] | None:
        return self._owner.max


class BayesianOptimization:
    """Maximise a function, or a scikit-learn estimator's cross-validated score, by Bayesian optimisation.

    Two forms share this class:

    * ``BayesianOptimization(f=black_box, pbounds={"x": (-2, 2)})`` maximises ``f(**params)``, as in
      bayesian-optimization 3: a ``(low, high)`` pair is a float range, whatever its type,
      ``(low, high, int)`` an integer range, a tuple of other values the categories, and any
      hyperscout distribution (``hs.Int(1, 10)``, ``hs.Float(1e-4, 1, log=True)``) is accepted.
      ``f`` may be None when you evaluate points yourself (``suggest``/``register``).
    * ``BayesianOptimization(estimator=rf, param_distributions={...})`` maximises the mean
      cross-validated score of ``estimator`` with those parameters; ``maximize(X, y, ...)`` takes
      the training data. Here ``(10, 200)`` is an integer range, ``(None, 30)`` means "None or an
      integer up to 30", and lists are choices (``hyperscout.sklearn``'s rules; needs scikit-learn).
      ``cv`` and ``scoring`` are scikit-learn's (default: 5 folds, the estimator's ``score``);
      ``n_jobs`` fits the folds of one candidate in parallel.

    ``maximize`` evaluates the points queued by ``probe``, ``init_points`` quasi-random points, then
    ``n_iter`` points chosen by the GP with ``acquisition_function`` (``hyperscout.acquisition``;
    log expected improvement by default, where bayesian-optimization uses an upper confidence
    bound with ``kappa=2.576`` unless constrained). With ``constraint=`` (an object with ``fun``,
    ``lb`` and ``ub``, such as ``scipy.optimize.NonlinearConstraint``) a point is feasible when
    ``lb <= constraint.fun(**params) <= ub``; a GP on the constraint values weights the
    acquisition by the probability of feasibility, and ``max`` is the best feasible point. A point
    outside the bounds given to ``probe`` or ``register`` raises ``ValueError``: it is never
    replaced by another. With ``storage=`` and ``study_name=`` the run is persisted and a later
    ``maximize`` resumes it (in the estimator form, folds already scored are not fitted again);
    ``save_state``/``load_state`` write and read bayesian-optimization's JSON state file.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> opt = BayesianOptimization(estimator=DecisionTreeClassifier(random_state=0),
        ...                            param_distributions={"max_depth": (None, 4)}, random_state=0, cv=3)
        >>> opt.maximize(X, y, init_points=2, n_iter=1)
        >>> len(opt.res)
        3
    """

    EI = "ei"
    UCB = "ucb"
    PI = "pi"

    def __init__(
        self,
        f: Callable[..., float] | None = None,
        pbounds: Mapping[str, Any] | None = None,
        acquisition_function: AcquisitionFunction | None = None,
        constraint: Any = None,
        random_state: Any = None,
        verbose: int = 0,
        bounds_transformer: Any = None,
        allow_duplicate_points: bool = False,
        *,
        estimator: Any = None,
        param_distributions: Mapping[str, Any] | None = None,
        cv: Any = None,
        scoring: Any = None,
        n_jobs: int | None = None,
        storage: BaseStorage | str | None = None,
        study_name: str | None = None,
    ) -> None:
        self._estimator: Any = None
        if estimator is not None:
            if f is not None or pbounds is not None:
                raise ValueError(
                    "give f= and pbounds= (a function to maximise) or estimator= and param_distributions= "
                    "(a scikit-learn estimator to tune), not both"
                )
            if not param_distributions:
                raise ValueError("estimator= needs param_distributions= naming at least one parameter")
            if constraint is not None:
                raise ValueError("constraint= goes with f= and pbounds=; the estimator form has no constraint")
            from ._sklearn.folds import EstimatorObjective  # scikit-learn is imported only in this form

            self._estimator = EstimatorObjective(estimator, param_distributions)
            self.distributions: dict[str, Distribution] = dict(self._estimator.dists)
        else:
            if f is not None and not callable(f):
                raise TypeError(
                    f"f must be callable or None, got {f!r} (or pass estimator= to tune a scikit-learn model)"
                )
            if param_distributions is not None or cv is not None or scoring is not None:
                raise ValueError("param_distributions=, cv= and scoring= go with estimator=; a function takes pbounds=")
            if not pbounds:
                raise ValueError("pbounds must name at least one parameter")
            self.distributions = _pbounds(pbounds)
        if bounds_transformer is not None:
            raise ValueError(
                f"bounds_transformer={bounds_transformer!r} is not supported; narrow the bounds yourself with "
                "set_bounds between maximize calls, or use hs.samplers.GPSampler(trust_region=True) on a study"
            )
        self.acquisition_function: AcquisitionFunction | None = (
            None if acquisition_function is None else _as_acquisition(acquisition_function)
        )
        self.constraint = constraint
        self._lb = self._ub = np.empty(0)
        if constraint is not None:
            if not all(hasattr(constraint, a) for a in ("fun", "lb", "ub")):
                raise TypeError(
                    f"constraint must have fun, lb and ub (a scipy.optimize.NonlinearConstraint), got {constraint!r}"
                )
            self._lb = np.atleast_1d(np.asarray(constraint.lb, dtype=float))
            self._ub = np.atleast_1d(np.asarray(constraint.ub, dtype=float))
            if self._lb.shape != self._ub.shape or np.any(self._lb >= self._ub):
                raise ValueError(f"constraint needs lb < ub, one pair per value, got lb={constraint.lb!r}, "
                                 f"ub={constraint.ub!r}")  # fmt: skip
            if self.acquisition_function is not None and self.acquisition_function.kind == "ucb":
                raise ValueError(
                    "an upper confidence bound cannot be weighted by a probability of feasibility; with constraint= "
                    "use acquisition.ExpectedImprovement or acquisition.ProbabilityOfImprovement"
                )
        check_flag("allow_duplicate_points", allow_duplicate_points)
        self.allow_duplicate_points = allow_duplicate_points
        self.f = f
        self.estimator = estimator
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state
        self._seed = _seed(random_state)
        self.verbose = verbose
        self.space = TargetSpace(self)
        self._queue: deque[dict[str, Any]] = deque()  # lazy probes, evaluated first by the next maximize
        self._pending: list[tuple[Trial, dict[str, Any]]] = []  # suggestions not registered yet
        with info_lines(verbose > 0):
            self.study: Study = create_study(
                study_name, storage, direction="maximize", sampler=QMCSampler(self.distributions, seed=self._seed),
                seed=self._seed,
            )  # fmt: skip
        self._bound = False

    # -- evaluating

    def _objective(self, trial: Trial) -> float:
        if self._estimator is not None:
            return float(self._estimator(trial))
        if self.f is None:
            raise TypeError("f is None: evaluate points yourself (suggest, then register), or pass f=")
        params = {name: trial.suggest(name, dist) for name, dist in self.distributions.items()}
        value = self.f(**params)
        if self.constraint is not None:
            if self.constraint.fun is None:
                raise TypeError(
                    "constraint.fun is None: register points with register(params, target, constraint_value)"
                )
            trial.set_user_attr(CONSTRAINT_ATTR, self._constraint_list(self.constraint.fun(**params)))
        return value

    def _constraint_list(self, value: Any) -> list[float]:
        values = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
        if values.shape != self._lb.shape:
            raise ValueError(f"the constraint gave {values.size} values, its bounds have {self._lb.size}")
        return [float(v) for v in values]

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._estimator.decode(params) if self._estimator is not None else dict(params)

    def _checked(self, params: Any) -> dict[str, Any]:
        """Stored values of ``params`` (a dict, or values in ``pbounds`` order); refuses a point out of bounds."""
        keys = list(self.distributions)
        if isinstance(params, Mapping):
            missing = [k for k in keys if k not in params]
            extra = [k for k in params if k not in self.distributions]
            if missing or extra:
                raise ValueError(f"params must name each parameter {keys} once; missing {missing}, unknown {extra}")
            given = dict(params)
        elif isinstance(params, (str, bytes)) or not hasattr(params, "__len__"):
            raise TypeError(f"params must be a dict or a list of values in pbounds order {keys}, got {params!r}")
        else:
            values = list(np.asarray(params, dtype=object).ravel())
            if len(values) != len(keys):
                raise ValueError(f"params as a list needs {len(keys)} values in the order {keys}, got {len(values)}")
            given = dict(zip(keys, values, strict=True))
        given = {k: v.item() if isinstance(v, np.generic) else v for k, v in given.items()}
        if self._estimator is not None:
            return self._estimator.encode(given)
        out = {}
        for k in keys:
            dist, v = self.distributions[k], given[k]
            if not dist.contains(v):
                raise ValueError(
                    f"params[{k!r}]={v!r} is outside {k}'s bounds {_shown_bounds(dist)}; a point outside the bounds is "
                    f"not evaluated in place of another. Widen them first: set_bounds({{{k!r}: (low, high)}})"
                )
            out[k] = dist.cast(v)
        return out

    def _function_form_only(self, method: str) -> None:
        if self._estimator is not None:
            raise ValueError(
                f"{method} is for the function form (f=, pbounds=); the estimator form evaluates its candidates "
                "itself: call maximize(X, y, ...)"
            )

    def _complete(self) -> list[FrozenTrial]:
        return self.study.get_trials(deepcopy=False, states=[TrialState.COMPLETE])

    def _is_known(self, params: Mapping[str, Any]) -> bool:
        return any(t.params == params for t in self._complete())

    def _evaluate(self, params: dict[str, Any]) -> None:
        """Evaluate one point now; as in bayesian-optimization, a point already evaluated is skipped
        unless duplicates are allowed."""
        if self._estimator is not None and not self._bound:
            raise RuntimeError("probe(lazy=False) in the estimator form needs the data: call maximize(X, y) first")
        if not self.allow_duplicate_points and self._is_known(params):
            return
        self.study.enqueue(params)
        with info_lines(self.verbose > 0):
            self.study.optimize(self._objective, n_trials=1, show_progress_bar=False)

    def probe(self, params: Any, lazy: bool = True) -> None:
        """Evaluate ``params`` (a dict, or values in ``pbounds`` order) first in the next ``maximize``, or now.

        A point outside the bounds raises ``ValueError``. The estimator form needs the data
        (``maximize(X, y)``) before ``lazy=False``.
        """
        checked = self._checked(params)
        if lazy:
            self._queue.append(checked)
        else:
            self._evaluate(checked)

    # -- choosing points

    def _acquisition(self, acq: Any = None, kappa: Any = None, xi: Any = None) -> AcquisitionFunction:
        if acq is None and kappa is None and xi is None:
            return self.acquisition_function if self.acquisition_function is not None else ExpectedImprovement()
        if self.acquisition_function is not None:
            raise ValueError(
                "give the acquisition once: acquisition_function= to the constructor, or acq=/kappa=/xi= to maximize"
            )
        name = str("ei" if acq is None else acq).lower()
        if name not in (self.EI, self.UCB, self.PI):
            raise ValueError(f"acq must be 'ei', 'ucb' or 'pi' (or BayesianOptimization.EI/UCB/PI), got {acq!r}")
        if name == self.UCB:
            return UpperConfidenceBound(kappa=2.576 if kappa is None else kappa)
        return (ExpectedImprovement if name == self.EI else ProbabilityOfImprovement)(xi=0.0 if xi is None else xi)

    def _model_sampler(self, acquisition: AcquisitionFunction) -> BaseSampler:
        kappa, xi = acquisition.kappa_xi
        if self.constraint is not None:
            if acquisition.kind == "ucb":
                raise ValueError("with constraint= the acquisition must be expected or probability of improvement")
            return ConstrainedGPSampler(lb=self._lb, ub=self._ub, seed=self._seed, acquisition=acquisition.kind, xi=xi,
                                        space=dict(self.distributions))  # fmt: skip
        gp = GPSampler(seed=self._seed, n_startup_trials=1, acquisition=acquisition.kind, kappa=kappa, xi=xi)
        return _WithinBounds(gp, self.distributions)

    def suggest(self) -> dict[str, Any]:
        """The next point to evaluate, without evaluating it; report its value with ``register``.

        The first points are quasi-random; once one point is known, they maximise the acquisition.

        Example:
            >>> import hyperscout as hs
            >>> opt = hs.BayesianOptimization(f=None, pbounds={"x": (-2, 2)}, random_state=0)
            >>> for _ in range(3):
            ...     point = opt.suggest()
            ...     opt.register(point, target=-point["x"] ** 2)
            >>> len(opt.res)
            3
        """
        self._function_form_only("suggest")
        acquisition = self._acquisition()
        if self._complete():
            self.study.sampler = self._model_sampler(acquisition)
            acquisition.decay_exploration()
        else:
            self.study.sampler = QMCSampler(dict(self.distributions), seed=self._seed)
        trial = self.study.ask()
        stored = {name: trial.suggest(name, dist) for name, dist in self.distributions.items()}
        self._pending.append((trial, stored))
        return self._params(stored)

    def register(self, params: Any, target: float, constraint_value: Any = None) -> None:
        """Record ``target``, the value of the function at ``params`` (a dict, or values in ``pbounds`` order).

        ``params`` may come from ``suggest`` or anywhere inside the bounds (outside them:
        ``ValueError``). With ``constraint=``, ``constraint_value`` is the constraint's value there.
        A point already registered raises ``ValueError`` unless ``allow_duplicate_points=True``.
        """
        self._function_form_only("register")
        if not is_number(target):
            raise TypeError(f"target must be a number, got {target!r}")
        if (constraint_value is None) != (self.constraint is None):
            raise ValueError(
                "constraint_value is needed exactly when the optimizer has a constraint "
                f"(constraint={self.constraint!r}, constraint_value={constraint_value!r})"
            )
        checked = self._checked(params)
        if not self.allow_duplicate_points and self._is_known(checked):
            raise ValueError(
                f"the point {self._params(checked)} is already registered; pass allow_duplicate_points=True "
                "to register it again (for a noisy function)"
            )
        match = next((i for i, (_, stored) in enumerate(self._pending) if stored == checked), None)
        if match is not None:
            trial = self._pending.pop(match)[0]
        else:
            self.study.enqueue(checked)
            trial = self.study.ask()
            for name, dist in self.distributions.items():
                trial.suggest(name, dist)
        if self.constraint is not None:
            trial.set_user_attr(CONSTRAINT_ATTR, self._constraint_list(constraint_value))
        with info_lines(self.verbose > 0):
            self.study.tell(trial, float(target))

    def set_bounds(self, new_bounds: Mapping[str, Any]) -> None:
        """Change the ``(low, high)`` of some ranges; the points evaluated so far are kept.

        ``max`` then considers only the points inside the new bounds, as in bayesian-optimization.

        Example:
            >>> import hyperscout as hs
            >>> opt = hs.BayesianOptimization(f=lambda x: -x * x, pbounds={"x": (-2, 2)}, random_state=0)
            >>> opt.set_bounds({"x": (-1, 0.5)})
            >>> opt.space.bounds.tolist()
            [[-1.0, 0.5]]
        """
        self._function_form_only("set_bounds")
        if not isinstance(new_bounds, Mapping):
            raise TypeError(f"new_bounds must be a dict of name -> (low, high), got {new_bounds!r}")
        updated = dict(self.distributions)
        for name, bounds in new_bounds.items():
            old = self.distributions.get(name)
            if old is None:
                raise ValueError(f"set_bounds: {name!r} is not a parameter; the parameters are {list(updated)}")
            if not isinstance(old, (Float, Int)):
                raise ValueError(f"set_bounds: {name!r} is {old!r}, not a (low, high) range")
            if (
                not isinstance(bounds, (tuple, list, np.ndarray))
                or len(bounds) != 2
                or not all(is_number(v) for v in bounds)
            ):
                raise ValueError(f"set_bounds: {name!r} needs (low, high), two numbers, got {bounds!r}")
            try:
                if isinstance(old, Int):
                    updated[name] = Int(int(bounds[0]), int(bounds[1]), log=old.log)
                else:
                    updated[name] = Float(float(bounds[0]), float(bounds[1]), log=old.log)
            except ValueError as e:
                raise ValueError(f"set_bounds: parameter {name!r}: {e}") from None
        self.distributions.clear()
        self.distributions.update(updated)  # in place: the samplers hold this dict

    def maximize(
        self,
        *data: Any,
        init_points: int = 5,
        n_iter: int = 25,
        acq: str | None = None,
        kappa: float | None = None,
        xi: float | None = None,
        groups: Any = None,
        **fit_params: Any,
    ) -> None:
        """Evaluate the queued probes, ``init_points`` quasi-random points, then ``n_iter`` points chosen by the GP.

        The estimator form takes the data first: ``maximize(X, y, init_points=5, n_iter=10)``
        (``groups`` goes to the splitter, other keywords to the estimator's ``fit``). The function
        form also accepts bayesian-optimization's positional order ``maximize(init_points, n_iter)``.
        ``acq``, ``kappa`` and ``xi`` are bayesian-optimization 1.x's way to pick the acquisition
        (``acquisition_function=`` is the 3.x way; give one of them).
        """
        if self._estimator is None:
            if groups is not None or fit_params:
                raise TypeError(f"unexpected arguments {sorted([*fit_params, *(['groups'] if groups else [])])}")
            names = ("init_points", "n_iter", "acq", "kappa", "xi")
            if len(data) > len(names):
                raise TypeError(f"maximize() takes at most {len(names)} positional arguments ({', '.join(names)})")
            given = dict(zip(names, data, strict=False))
            init_points = given.get("init_points", init_points)
            n_iter = given.get("n_iter", n_iter)
            acq = given.get("acq", acq)
            kappa = given.get("kappa", kappa)
            xi = given.get("xi", xi)
        elif len(data) not in (1, 2):
            raise TypeError("in the estimator form, maximize takes the training data first: maximize(X, y, ...)")
        acquisition = self._acquisition(acq, kappa, xi)
        for name, n in (("init_points", init_points), ("n_iter", n_iter)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"{name} must be a non-negative int, got {n!r}")
        if self._estimator is None and self.f is None:
            raise TypeError("f is None: evaluate points yourself (suggest, then register), or pass f=")
        if self._estimator is not None:
            X, y = data[0], data[1] if len(data) > 1 else None
            self._estimator.bind(self.study, X, y, groups, fit_params, cv=self.cv, scoring=self.scoring,
                                 n_jobs=self.n_jobs, verbose=self.verbose)  # fmt: skip
            self._bound = True
        show = self.verbose > 0
        while self._queue:
            self._evaluate(self._queue.popleft())
        pending = len(self.study.get_trials(deepcopy=False, states=[TrialState.WAITING]))
        if init_points + pending:
            self.study.sampler = QMCSampler(dict(self.distributions), seed=self._seed)
            with info_lines(show):  # verbose=0 is silent, as in bayesian-optimization
                self.study.optimize(self._objective, n_trials=init_points + pending, show_progress_bar=show)
        if not n_iter:
            return
        if acquisition.exploration_decay is None:
            self.study.sampler = self._model_sampler(acquisition)
            with info_lines(show):
                self.study.optimize(self._objective, n_trials=n_iter, show_progress_bar=show)
            return
        for _ in range(n_iter):  # kappa or xi changes after each suggestion
            self.study.sampler = self._model_sampler(acquisition)
            with info_lines(show):
                self.study.optimize(self._objective, n_trials=1, show_progress_bar=False)
            acquisition.decay_exploration()

    # -- results

    def _allowed(self, t: FrozenTrial) -> bool:
        if self.constraint is None:
            return True
        values = np.asarray(t.user_attrs.get(CONSTRAINT_ATTR, []), dtype=float)
        return values.shape == self._lb.shape and bool(np.all((values >= self._lb) & (values <= self._ub)))

    def _record(self, t: FrozenTrial) -> dict[str, Any]:
        out: dict[str, Any] = {"target": t.value, "params": self._params(t.params)}
        if self.constraint is not None:
            values = t.user_attrs.get(CONSTRAINT_ATTR)
            out["constraint"] = None if values is None else values[0] if len(values) == 1 else np.array(values)
            out["allowed"] = self._allowed(t)
        return out

    @property
    def res(self) -> list[dict[str, Any]]:
        """Every evaluated point in order: ``{"target": value, "params": {...}}``; with a constraint,
        also ``"constraint"`` (its value) and ``"allowed"`` (whether the point is feasible)."""
        return [self._record(t) for t in self._complete()]

    @property
    def max(self) -> dict[str, Any] | None:
        """The best point that is feasible and inside the current bounds, as in ``res``; None before there is one."""
        inside = self._estimator is not None or (lambda t: all(
            d.contains(t.params.get(k)) for k, d in self.distributions.items()))  # fmt: skip
        candidates = [t for t in self._complete() if self._allowed(t) and (inside is True or inside(t))]
        if not candidates:
            return None
        best = max(candidates, key=lambda t: (t.value, -t.number))
        out = self._record(best)
        out.pop("allowed", None)
        return out

    # -- saving and loading a run

    def save_state(self, path: str | os.PathLike[str]) -> None:
        """Write the evaluated points to a JSON file in bayesian-optimization 3's ``save_state`` layout.

        ``load_state`` reads it back (here, or in bayesian-optimization: its ``gp_params`` are
        bayesian-optimization's defaults, as hyperscout refits its own GP from the points). For a
        run that survives crashes and runs on several machines, pass ``storage=`` instead.

        Example:
            >>> import hyperscout as hs, tempfile, os
            >>> opt = hs.BayesianOptimization(f=lambda x: -x * x, pbounds={"x": (-2, 2)}, random_state=0)
            >>> opt.maximize(init_points=3, n_iter=0)
            >>> path = os.path.join(tempfile.mkdtemp(), "state.json")
            >>> opt.save_state(path)
            >>> again = hs.BayesianOptimization(f=lambda x: -x * x, pbounds={"x": (-2, 2)}, random_state=0)
            >>> again.load_state(path)
            >>> again.res == opt.res
            True
        """
        self._function_form_only("save_state")  # the estimator form persists with storage=
        rows = self.res
        keys = self.space.keys
        bounds = {k: [d.low, d.high] if isinstance(d, (Float, Int)) else list(d.grid())
                  for k, d in self.distributions.items()}  # fmt: skip
        state = {
            "pbounds": bounds,
            "transformed_bounds": None,
            "keys": keys,
            "params": [[r["params"][k] for k in keys] for r in rows],
            "target": [r["target"] for r in rows],
            "constraint_values": (
                None if self.constraint is None else [np.asarray(r["constraint"]).tolist() for r in rows]
            ),
            "gp_params": {
                "kernel": {"length_scale": 1.0, "length_scale_bounds": [1e-05, 100000.0], "nu": 2.5},
                "alpha": 1e-06,
                "normalize_y": True,
                "n_restarts_optimizer": 5,
            },
            "allow_duplicate_points": self.allow_duplicate_points,
            "verbose": self.verbose,
            "random_state": None,
            "acquisition_params": self._acquisition().get_acquisition_params(),
        }
        with Path(path).open("w") as fh:
            json.dump(state, fh, indent=2)

    def load_state(self, path: str | os.PathLike[str]) -> None:
        """Register the points of a ``save_state`` file (written here or by bayesian-optimization 3).

        The file's parameters must be this optimizer's; its points must lie inside the bounds.
        The acquisition's parameters are restored when the file's acquisition is of the same kind.
        """
        self._function_form_only("load_state")
        with Path(path).open() as fh:
            state = json.load(fh)
        keys = state.get("keys")
        if not isinstance(keys, list) or sorted(keys) != sorted(self.distributions):
            raise ValueError(f"{os.fspath(path)!r} holds the parameters {keys!r}, not {list(self.distributions)}")
        constraints = state.get("constraint_values")
        for i, (row, target) in enumerate(zip(state["params"], state["target"], strict=True)):
            value = None if constraints is None or self.constraint is None else constraints[i]
            self.register(dict(zip(keys, row, strict=True)), target, value)
        params = state.get("acquisition_params") or {}
        acquisition = self.acquisition_function
        if acquisition is not None and set(acquisition.get_acquisition_params()) <= set(params):
            acquisition.set_acquisition_params(params)
