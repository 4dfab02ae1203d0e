"""Benchmark problems for ``benchmarks/runner.py``: five test functions with a known minimum and one real tuning task.

Every problem is minimised. A problem is a name, a list of float parameters ``(name, low, high, log)``, a function
of a ``{name: value}`` dict and its known minimum (``None`` when unknown); the runner reports the *regret* of a run,
its best value found minus that minimum.

=============  ===  ==============================  ===================================================
name           dim  box                             minimum
=============  ===  ==============================  ===================================================
branin         2    x1 in [-5, 10], x2 in [0, 15]   0.397887 (three global minimisers)
hartmann6      6    [0, 1]^6                        -3.32237 at (0.20169, 0.15001, 0.47687, 0.27533, ...)
ackley5        5    [-5, 10]^5 (see below)          0 at the origin
rosenbrock4    4    [-5, 10]^4                      0 at (1, 1, 1, 1)
levy6          6    [-10, 10]^6                     0 at (1, ..., 1)
svc_digits     2    C in [1e-2, 1e3] (log),         unknown: the regret of this problem is the best 3-fold
                    gamma in [1e-5, 1e-1] (log)     CV error itself (i.e. measured from 0)
=============  ===  ==============================  ===================================================

Ackley runs on the asymmetric box [-5, 10]^5 rather than the textbook [-32.768, 32.768]^5, as in the TuRBO paper
(Eriksson et al., 2019). Two reasons: (1) on the symmetric box the minimiser is the exact centre, which rewards any
optimiser whose initial design or acquisition search happens to probe the centre of the box rather than its
modelling, while on [-5, 10] the origin is a third of the way along each axis; (2) on the large box the function is
an almost flat plateau at ~20-21 covered by small-scale ripples, so with 50 evaluations every optimiser ends with
nearly the same regret and the row says nothing. The smaller box keeps the many local minima but gives the global
basin a size that 50 evaluations can find.

The SVC problem is scikit-learn's ``SVC(C=C, gamma=gamma)`` (RBF kernel) on ``load_digits`` (1,797 8x8 images,
raw pixel values 0-16), scored by ``1 - mean(cross_val_score(..., cv=3))`` (stratified, unshuffled folds, hence
deterministic). Its minimum is unknown, so ``optimum`` is ``None`` and the runner's "regret" is the best CV error
itself; it is comparable across optimisers and across runs, unlike a regret measured from the best value seen in
one run.

To add a problem, write its function of a params dict and add one ``Problem`` entry to ``_PROBLEMS``.

Nothing here runs on its own; see ``benchmarks/runner.py`` (``python benchmarks/runner.py --help``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Params = Mapping[str, float]


@dataclass(frozen=True)
class Param:
    """A float parameter on ``[low, high]``; ``log=True`` means the natural scale to search is log10."""

    name: str
    low: float
    high: float
    log: bool = False


@dataclass(frozen=True)
class Problem:
    """A minimisation problem: ``func(params)`` with ``params`` a dict keyed by the parameters' names."""

    name: str
    params: tuple[Param, ...]
    func: Callable[[Params], float]
    optimum: float | None
    description: str = ""

    @property
    def dim(self) -> int:
        return len(self.params)

    def __call__(self, params: Params) -> float:
        return float(self.func(params))

    def regret(self, value: float) -> float:
        """How far ``value`` is above the known minimum (the value itself when the minimum is unknown)."""
        return value - self.optimum if self.optimum is not None else value


def _box(prefix: str, low: float, high: float, dim: int) -> tuple[Param, ...]:
    return tuple(Param(f"{prefix}{i}", low, high) for i in range(dim))


def _vector(params: Params, prefix: str, dim: int) -> np.ndarray:
    return np.array([params[f"{prefix}{i}"] for i in range(dim)], dtype=float)


# -- synthetic functions ---------------------------------------------------------------------------------------------


def branin(params: Params) -> float:
    x1, x2 = params["x1"], params["x2"]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def hartmann6(params: Params) -> float:
    x = _vector(params, "x", 6)
    return float(-np.sum(_H6_ALPHA * np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1))))


def ackley(params: Params, dim: int = 5) -> float:
    x = _vector(params, "x", dim)
    a, b, c = 20.0, 0.2, 2 * math.pi
    return float(-a * np.exp(-b * np.sqrt(np.mean(x**2))) - np.exp(np.mean(np.cos(c * x))) + a + math.e)


def rosenbrock(params: Params, dim: int = 4) -> float:
    x = _vector(params, "x", dim)
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (x[:-1] - 1) ** 2))


def levy(params: Params, dim: int = 6) -> float:
    w = 1 + (_vector(params, "x", dim) - 1) / 4
    head = math.sin(math.pi * w[0]) ** 2
    body = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(head + body + tail)


# -- a real tuning task ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X, y


def svc_digits(params: Params) -> float:
    """3-fold cross-validation error of an RBF SVC on the digits data."""
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    X, y = _digits()
    scores = cross_val_score(SVC(C=params["C"], gamma=params["gamma"]), X, y, cv=3)
    return float(1.0 - np.mean(scores))


# -- the registry ----------------------------------------------------------------------------------------------------

_PROBLEMS = [
    Problem(
        "branin",
        (Param("x1", -5.0, 10.0), Param("x2", 0.0, 15.0)),
        branin,
        0.39788735772973816,
        "Branin-Hoo, 2-d, three global minima",
    ),
    Problem(
        "hartmann6",
        _box("x", 0.0, 1.0, 6),
        hartmann6,
        -3.322368011415515,
        "Hartmann-6 on the unit cube",
    ),
    Problem("ackley5", _box("x", -5.0, 10.0, 5), ackley, 0.0, "Ackley-5 on [-5, 10]^5 (see the module docstring)"),
    Problem("rosenbrock4", _box("x", -5.0, 10.0, 4), rosenbrock, 0.0, "Rosenbrock-4 on [-5, 10]^4"),
    Problem("levy6", _box("x", -10.0, 10.0, 6), levy, 0.0, "Levy-6 on [-10, 10]^6"),
    Problem(
        "svc_digits",
        (Param("C", 1e-2, 1e3, log=True), Param("gamma", 1e-5, 1e-1, log=True)),
        svc_digits,
        None,
        "SVC on load_digits, 3-fold CV error; regret = best error itself",
    ),
]

#: Every problem by name, in the order of the result tables.
PROBLEMS: dict[str, Problem] = {p.name: p for p in _PROBLEMS}
