"""The interface users of bayesian-optimization know, built on a study.

It maximises a function (``f=``, ``pbounds=``) or, in the survey's form, the cross-validated score
of a scikit-learn estimator (``estimator=``, ``param_distributions=``; see ``docs/sklearn.md``).

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

from collections.abc import Callable, Mapping
from typing import Any

from ._log import info_lines
from .samplers import GPSampler, QMCSampler
from .space import Distribution, Float, parse_space
from .storages import BaseStorage
from .study import Study, create_study
from .trial import Trial, TrialState

__all__ = ["BayesianOptimization"]


def _pbounds(pbounds: Mapping[str, Any]) -> dict[str, Distribution]:
    """bayesian-optimization semantics: a ``(low, high)`` pair is a float range, whatever its type."""
    out: dict[str, Distribution] = {}
    for name, spec in pbounds.items():
        if isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(v, (int, float)) for v in spec):
            try:
                out[name] = Float(float(spec[0]), float(spec[1]))
            except ValueError as e:
                raise ValueError(f"parameter {name!r}: {e}") from None
        else:
            out.update(parse_space({name: spec}))
    return out


class BayesianOptimization:
    """Maximise a function, or a scikit-learn estimator's cross-validated score, by Bayesian optimisation.

    Two forms share this class:

    * ``BayesianOptimization(f=black_box, pbounds={"x": (-2, 2)})`` maximises ``f(**params)``, as in
      bayesian-optimization: a ``(low, high)`` pair is a float range, whatever its type, and any
      hyperscout distribution (``hs.Int(1, 10)``, ``hs.Float(1e-4, 1, log=True)``) is accepted;
    * ``BayesianOptimization(estimator=rf, param_distributions={...})`` maximises the mean
      cross-validated score of ``estimator`` with those parameters; ``maximize(X, y, ...)`` takes
      the training data. Here ``(10, 200)`` is an integer range, ``(None, 30)`` means "None or an
      integer up to 30", and lists are choices (``hyperscout.sklearn``'s rules; needs scikit-learn).
      ``cv`` and ``scoring`` are scikit-learn's (default: 5 folds, the estimator's ``score``);
      ``n_jobs`` fits the folds of one candidate in parallel.

    ``maximize`` evaluates ``init_points`` quasi-random points, then ``n_iter`` points chosen by the
    GP. With ``storage=`` and ``study_name=`` the run is persisted and a later ``maximize`` resumes
    it (in the estimator form, folds already scored are not fitted again).

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
        random_state: int | None = None,
        verbose: int = 0,
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
            from ._sklearn.folds import EstimatorObjective  # scikit-learn is imported only in this form

            self._estimator = EstimatorObjective(estimator, param_distributions)
            self.space = self._estimator.dists
        else:
            if not callable(f):
                raise TypeError(f"f must be callable, got {f!r} (or pass estimator= to tune a scikit-learn model)")
            if param_distributions is not None or cv is not None or scoring is not None:
                raise ValueError("param_distributions=, cv= and scoring= go with estimator=; a function takes pbounds=")
            if not pbounds:
                raise ValueError("pbounds must name at least one parameter")
            self.space = _pbounds(pbounds)
        self.f = f
        self.estimator = estimator
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        with info_lines(verbose > 0):
            self.study: Study = create_study(
                study_name, storage, direction="maximize", sampler=QMCSampler(self.space, seed=random_state),
                seed=random_state,
            )  # fmt: skip
        self._bound = False

    def _objective(self, trial: Trial) -> float:
        if self._estimator is not None:
            return float(self._estimator(trial))
        assert self.f is not None  # the constructor checked it
        params = {name: trial.suggest(name, dist) for name, dist in self.space.items()}
        return self.f(**params)

    def _params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return self._estimator.decode(params) if self._estimator is not None else dict(params)

    def probe(self, params: Mapping[str, Any], lazy: bool = True) -> None:
        """Evaluate ``params`` next (``lazy=True``) or now (``lazy=False``; the estimator form needs data first)."""
        self.study.enqueue(self._estimator.encode(params) if self._estimator is not None else dict(params))
        if not lazy:
            if self._estimator is not None and not self._bound:
                raise RuntimeError("probe(lazy=False) in the estimator form needs the data: call maximize(X, y) first")
            self.study.optimize(self._objective, n_trials=1, show_progress_bar=False)

    def maximize(
        self,
        *data: Any,
        init_points: int = 5,
        n_iter: int = 25,
        acq: str = "ei",
        kappa: float = 2.576,
        xi: float = 0.0,
        groups: Any = None,
        **fit_params: Any,
    ) -> None:
        """Evaluate ``init_points`` quasi-random points, then ``n_iter`` points chosen by the GP.

        The estimator form takes the data first: ``maximize(X, y, init_points=5, n_iter=10)``
        (``groups`` goes to the splitter, other keywords to the estimator's ``fit``). The function
        form also accepts bayesian-optimization's positional order ``maximize(init_points, n_iter)``.
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
        acq = str(acq).lower()
        if acq not in (self.EI, self.UCB, self.PI):
            raise ValueError(f"acq must be 'ei', 'ucb' or 'pi' (or BayesianOptimization.EI/UCB/PI), got {acq!r}")
        for name, n in (("init_points", init_points), ("n_iter", n_iter)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"{name} must be a non-negative int, got {n!r}")
        if self._estimator is not None:
            X, y = data[0], data[1] if len(data) > 1 else None
            self._estimator.bind(self.study, X, y, groups, fit_params, cv=self.cv, scoring=self.scoring,
                                 n_jobs=self.n_jobs, verbose=self.verbose)  # fmt: skip
            self._bound = True
        show = self.verbose > 0
        pending = len(self.study.get_trials(deepcopy=False, states=[TrialState.WAITING]))
        if init_points + pending:
            self.study.sampler = QMCSampler(self.space, seed=self.random_state)
            with info_lines(show):  # verbose=0 is silent, as in bayesian-optimization
                self.study.optimize(self._objective, n_trials=init_points + pending, show_progress_bar=show)
        if n_iter:
            self.study.sampler = GPSampler(seed=self.random_state, n_startup_trials=1, acquisition=acq,
                                           kappa=kappa, xi=xi)  # fmt: skip
            with info_lines(show):
                self.study.optimize(self._objective, n_trials=n_iter, show_progress_bar=show)

    @property
    def res(self) -> list[dict[str, Any]]:
        """Every evaluated point in order: ``{"target": value, "params": {...}}``."""
        trials = self.study.get_trials(deepcopy=False, states=[TrialState.COMPLETE])
        return [{"target": t.value, "params": self._params(t.params)} for t in trials]

    @property
    def max(self) -> dict[str, Any]:
        """The best point: ``{"target": value, "params": {...}}``."""
        best = self.study.best_trial
        return {"target": best.value, "params": self._params(best.params)}
