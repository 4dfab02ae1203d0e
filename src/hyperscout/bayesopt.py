"""The interface users of bayesian-optimization know, built on a study.

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
    """Maximise ``f(**params)`` over ``pbounds`` with Gaussian-process Bayesian optimisation.

    ``pbounds`` maps each name to a ``(low, high)`` float range, as in bayesian-optimization, or to
    any hyperscout distribution (e.g. ``hs.Float(1e-4, 1, log=True)``, ``hs.Int(1, 10)``).
    With ``storage=`` and ``study_name=`` the run is persisted and a later ``maximize`` resumes it.
    """

    EI = "ei"
    UCB = "ucb"
    PI = "pi"

    def __init__(
        self,
        f: Callable[..., float],
        pbounds: Mapping[str, Any],
        random_state: int | None = None,
        verbose: int = 0,
        *,
        storage: BaseStorage | str | None = None,
        study_name: str | None = None,
    ) -> None:
        if not callable(f):
            raise TypeError(f"f must be callable, got {f!r}")
        if not pbounds:
            raise ValueError("pbounds must name at least one parameter")
        self.f = f
        self.space = _pbounds(pbounds)
        self.random_state = random_state
        self.verbose = verbose
        self.study: Study = create_study(
            study_name, storage, direction="maximize", sampler=QMCSampler(self.space, seed=random_state),
            seed=random_state,
        )  # fmt: skip

    def _objective(self, trial: Trial) -> float:
        params = {name: trial.suggest(name, dist) for name, dist in self.space.items()}
        return self.f(**params)

    def probe(self, params: Mapping[str, Any], lazy: bool = True) -> None:
        """Evaluate ``params`` next (``lazy=True``) or now (``lazy=False``)."""
        self.study.enqueue(dict(params))
        if not lazy:
            self.study.optimize(self._objective, n_trials=1, show_progress_bar=False)

    def maximize(
        self, init_points: int = 5, n_iter: int = 25, acq: str = "ei", kappa: float = 2.576, xi: float = 0.0
    ) -> None:
        """Evaluate ``init_points`` quasi-random points, then ``n_iter`` points chosen by the GP."""
        acq = str(acq).lower()
        if acq not in (self.EI, self.UCB, self.PI):
            raise ValueError(f"acq must be 'ei', 'ucb' or 'pi' (or BayesianOptimization.EI/UCB/PI), got {acq!r}")
        for name, n in (("init_points", init_points), ("n_iter", n_iter)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"{name} must be a non-negative int, got {n!r}")
        show = self.verbose > 0
        pending = len(self.study.get_trials([TrialState.WAITING]))
        if init_points + pending:
            self.study.sampler = QMCSampler(self.space, seed=self.random_state)
            self.study.optimize(self._objective, n_trials=init_points + pending, show_progress_bar=show)
        if n_iter:
            self.study.sampler = GPSampler(seed=self.random_state, n_startup_trials=1, acquisition=acq,
                                           kappa=kappa, xi=xi)  # fmt: skip
            self.study.optimize(self._objective, n_trials=n_iter, show_progress_bar=show)

    @property
    def res(self) -> list[dict[str, Any]]:
        """Every evaluated point in order: ``{"target": value, "params": {...}}``."""
        return [{"target": t.value, "params": dict(t.params)} for t in self.study.get_trials([TrialState.COMPLETE])]

    @property
    def max(self) -> dict[str, Any]:
        """The best point: ``{"target": value, "params": {...}}``."""
        best = self.study.best_trial
        return {"target": best.value, "params": dict(best.params)}
