"""Acquisition functions for ``hs.BayesianOptimization``, named as in bayesian-optimization's ``acquisition`` module.

``from bayes_opt import acquisition`` becomes ``from hyperscout import acquisition``; the three
classes take the same parameters. Each describes how the next point is chosen from the Gaussian
process; the maths is in ``docs/bayesian-optimization.md``. Two differences from
bayesian-optimization: EI and PI are maximised in log form (the same maximiser, a smoother
surface), and ``xi`` is measured on the standardised scale the GP is fitted on (bayesian-optimization
measures it in units of the target).

Example:
    >>> import hyperscout as hs
    >>> from hyperscout import acquisition
    >>> opt = hs.BayesianOptimization(f=lambda x: -x * x, pbounds={"x": (-1, 1)}, random_state=0,
    ...                               acquisition_function=acquisition.UpperConfidenceBound(kappa=1.0))
    >>> opt.maximize(init_points=2, n_iter=2)
    >>> len(opt.res)
    4
"""

from __future__ import annotations

from typing import Any

from ._checks import is_bool

__all__ = ["AcquisitionFunction", "UpperConfidenceBound", "ExpectedImprovement", "ProbabilityOfImprovement"]


def _check_decay(exploration_decay: Any, exploration_decay_delay: Any) -> None:
    if exploration_decay is not None and (
        is_bool(exploration_decay) or not isinstance(exploration_decay, (int, float)) or not 0 < exploration_decay <= 1
    ):
        raise ValueError(f"exploration_decay must be None or in (0, 1], got {exploration_decay!r}")
    if exploration_decay_delay is not None and (
        is_bool(exploration_decay_delay) or not isinstance(exploration_decay_delay, int) or exploration_decay_delay < 0
    ):
        raise ValueError(f"exploration_decay_delay must be None or an int >= 0, got {exploration_decay_delay!r}")


def _check_nonnegative(name: str, value: Any) -> float:
    if is_bool(value) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


class AcquisitionFunction:
    """Base of the acquisition functions: the GP acquisition ``kind`` and its exploration decay.

    With ``exploration_decay`` the exploration parameter (``kappa`` or ``xi``) is multiplied by it
    after the n-th suggestion of the model for every n >= ``exploration_decay_delay`` (after every
    one when the delay is None), as in bayesian-optimization. The quasi-random first points are
    not suggestions of the model and do not count.
    """

    kind = ""
    _param = ""

    def __init__(self, exploration_decay: float | None = None, exploration_decay_delay: int | None = None) -> None:
        _check_decay(exploration_decay, exploration_decay_delay)
        self.exploration_decay = exploration_decay
        self.exploration_decay_delay = exploration_decay_delay
        self.i = 0  # suggestions made so far

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._param}={getattr(self, self._param)!r})"

    def decay_exploration(self) -> None:
        """Count one suggestion and decay the exploration parameter if it is time to."""
        self.i += 1
        delay = self.exploration_decay_delay
        if self.exploration_decay is not None and (delay is None or delay <= self.i):
            setattr(self, self._param, getattr(self, self._param) * self.exploration_decay)

    def get_acquisition_params(self) -> dict[str, Any]:
        """The parameters, as bayesian-optimization's ``save_state`` writes them."""
        return {
            self._param: getattr(self, self._param),
            "exploration_decay": self.exploration_decay,
            "exploration_decay_delay": self.exploration_decay_delay,
        }

    def set_acquisition_params(self, params: dict[str, Any]) -> None:
        """Restore what ``get_acquisition_params`` returned (``load_state``)."""
        setattr(self, self._param, _check_nonnegative(self._param, params[self._param]))
        _check_decay(params.get("exploration_decay"), params.get("exploration_decay_delay"))
        self.exploration_decay = params.get("exploration_decay")
        self.exploration_decay_delay = params.get("exploration_decay_delay")

    @property
    def kappa_xi(self) -> tuple[float, float]:
        """``(kappa, xi)`` as ``GPSampler`` takes them."""
        return float(getattr(self, "kappa", 0.0)), float(getattr(self, "xi", 0.0))


class UpperConfidenceBound(AcquisitionFunction):
    """μ + κσ: larger ``kappa`` explores more (bayesian-optimization's default, with ``kappa=2.576``).

    Example:
        >>> UpperConfidenceBound(kappa=1.0)
        UpperConfidenceBound(kappa=1.0)
    """

    kind = "ucb"
    _param = "kappa"

    def __init__(
        self,
        kappa: float = 2.576,
        exploration_decay: float | None = None,
        exploration_decay_delay: int | None = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(exploration_decay, exploration_decay_delay)
        self.kappa = _check_nonnegative("kappa", kappa)


class ExpectedImprovement(AcquisitionFunction):
    """Expected improvement over the best value by at least ``xi`` (log EI; hyperscout's default, ``xi=0``).

    Example:
        >>> ExpectedImprovement(xi=0.01)
        ExpectedImprovement(xi=0.01)
    """

    kind = "ei"
    _param = "xi"

    def __init__(
        self,
        xi: float = 0.0,
        exploration_decay: float | None = None,
        exploration_decay_delay: int | None = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(exploration_decay, exploration_decay_delay)
        self.xi = _check_nonnegative("xi", xi)


class ProbabilityOfImprovement(AcquisitionFunction):
    """Probability of improving on the best value by at least ``xi`` (maximised as log PI).

    Example:
        >>> ProbabilityOfImprovement(xi=0.1)
        ProbabilityOfImprovement(xi=0.1)
    """

    kind = "pi"
    _param = "xi"

    def __init__(
        self,
        xi: float = 0.0,
        exploration_decay: float | None = None,
        exploration_decay_delay: int | None = None,
        random_state: Any = None,
    ) -> None:
        super().__init__(exploration_decay, exploration_decay_delay)
        self.xi = _check_nonnegative("xi", xi)


_BY_NAME = {"UpperConfidenceBound": UpperConfidenceBound, "ExpectedImprovement": ExpectedImprovement,
            "ProbabilityOfImprovement": ProbabilityOfImprovement}  # fmt: skip


def as_acquisition(value: Any) -> AcquisitionFunction:
    """One of ours, from one of ours or from bayesian-optimization's object of the same name (read by its attributes).

    Example:
        >>> as_acquisition(UpperConfidenceBound(kappa=3.0)).kappa
        3.0
    """
    if isinstance(value, AcquisitionFunction):
        return value
    cls = _BY_NAME.get(type(value).__name__)
    if cls is not None and type(value).__module__.startswith("bayes_opt"):
        out = cls()
        out.set_acquisition_params({k: getattr(value, k, None) for k in out.get_acquisition_params()})
        return out
    raise TypeError(
        f"acquisition_function must be hyperscout.acquisition.UpperConfidenceBound, ExpectedImprovement or "
        f"ProbabilityOfImprovement (or bayesian-optimization's class of that name), got {value!r}"
    )
