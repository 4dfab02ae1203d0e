"""Benchmark problems for ``benchmarks/runner.py``: five test functions with a known minimum and two real tuning tasks.

Every problem is minimised. A problem is a name, a tuple of parameters, a function of a ``{name: value}`` dict and
its known minimum (``None`` when unknown); the runner reports the *regret* of a run, its best value found minus that
minimum (the best value itself when the minimum is unknown).

A parameter (``Param``) is a float or an integer on ``[low, high]`` (``log=True``: the natural scale to search is
logarithmic) or a categorical over ``choices``; ``when=(name, value)`` makes it *conditional*: it exists only when
the categorical parameter ``name``, listed before it, takes ``value``. ``Problem.active(params)`` keeps the
parameters that exist for given values, and calling a problem passes only those to its function, so an optimiser with
a flat search space (scikit-optimize, bayes_opt) can propose every parameter and the inactive ones are ignored.

================  ===  ==============================  ===================================================
name              dim  space                           minimum
================  ===  ==============================  ===================================================
branin            2    x1 in [-5, 10], x2 in [0, 15]   0.397887 (three global minimisers)
hartmann6         6    [0, 1]^6                        -3.32237 at (0.20169, 0.15001, 0.47687, 0.27533, ...)
ackley5           5    [-5, 10]^5 (see below)          0 at the origin
rosenbrock4       4    [-5, 10]^4                      0 at (1, 1, 1, 1)
levy6             6    [-10, 10]^6                     0 at (1, ..., 1)
svc_digits        2    C in [1e-2, 1e3] (log),         unknown: the regret of this problem is the best 3-fold
                       gamma in [1e-5, 1e-1] (log)     CV error itself (i.e. measured from 0)
wine_conditional  7    classifier in {svc,             unknown, as for svc_digits; the best of a scan of
                       random_forest,                  ~1,300 points is 0.00565 (one sample misclassified;
                       logistic_regression}, then 1-3  SVC, gamma ~0.05, C from 3 to 100); the best logistic
                       parameters of that classifier   regression 0.0224, the best forest 0.039
                       (see below; at most 4 active)
================  ===  ==============================  ===================================================

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

The conditional problem chooses a classifier for scikit-learn's ``load_wine`` (178 samples, 13 features on very
different scales, 3 classes) and scores it the same way (``1 - mean`` 3-fold stratified, unshuffled CV accuracy):

* ``classifier = "svc"``: ``StandardScaler`` then ``SVC(C=C, gamma=gamma)``, ``C`` in [1e-2, 1e3] (log),
  ``gamma`` in [1e-5, 1e-1] (log);
* ``classifier = "random_forest"``: ``RandomForestClassifier(n_estimators, max_depth, max_features,
  random_state=0)``, ``n_estimators`` an integer in [5, 50] (log), ``max_depth`` an integer in [2, 20],
  ``max_features`` a float in [0.1, 1.0] (a fraction of the features); no scaler, trees do not need one;
* ``classifier = "logistic_regression"``: ``StandardScaler`` then ``LogisticRegression(C=lr_C, max_iter=1000)``,
  ``lr_C`` in [1e-3, 1e3] (log): a name of its own, so that a flat optimiser does not mistake it for the SVC's ``C``.

The forest's size is capped at 50 trees (not 200) to keep an evaluation under ~0.2 s: a forest costs ~3 ms per tree
and fold, and 200 trees took 0.66 s per evaluation, several times the other classifiers' 0.01-0.02 s; on 118 training
samples more trees barely change the error. The function is deterministic (fixed folds, a fixed forest seed).

To add a problem, write its function of a params dict and add one ``Problem`` entry to ``_PROBLEMS``.

Nothing here runs on its own; see ``benchmarks/runner.py`` (``python benchmarks/runner.py --help``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

#: Parameter values by name: floats, ints, or the chosen value of a categorical.
Params = Mapping[str, Any]

KINDS = ("float", "int", "categorical")


@dataclass(frozen=True)
class Param:
    """One parameter of a problem.

    ``kind`` is ``"float"`` or ``"int"`` on ``[low, high]`` (``log=True``: search on a log scale) or
    ``"categorical"`` over ``choices`` (``low``/``high``/``log`` unused). ``when=(name, value)``: the parameter exists
    only when the categorical parameter ``name`` takes ``value``. ``Param(name, low, high, log)`` is a float.
    """

    name: str
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    kind: str = "float"
    choices: tuple[str, ...] = ()
    when: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"parameter {self.name!r}: kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "categorical":
            if len(self.choices) < 2 or len(set(self.choices)) != len(self.choices):
                raise ValueError(f"parameter {self.name!r}: needs two or more distinct choices, got {self.choices!r}")
            return
        if not self.low < self.high or (self.log and self.low <= 0):
            raise ValueError(f"parameter {self.name!r}: bad range [{self.low!r}, {self.high!r}] (log={self.log})")
        if self.kind == "int" and (self.low != int(self.low) or self.high != int(self.high)):
            raise ValueError(f"parameter {self.name!r}: integer bounds expected, got [{self.low!r}, {self.high!r}]")


def integer(name: str, low: int, high: int, log: bool = False, when: tuple[str, str] | None = None) -> Param:
    """An integer parameter on ``[low, high]``."""
    return Param(name, low, high, log, kind="int", when=when)


def categorical(name: str, choices: tuple[str, ...], when: tuple[str, str] | None = None) -> Param:
    """A categorical parameter over ``choices``."""
    return Param(name, kind="categorical", choices=choices, when=when)


@dataclass(frozen=True)
class Problem:
    """A minimisation problem: ``func(params)`` with ``params`` a dict of the active parameters' values by name."""

    name: str
    params: tuple[Param, ...]
    func: Callable[[Params], float]
    optimum: float | None
    description: str = ""

    def __post_init__(self) -> None:
        seen: dict[str, Param] = {}
        for p in self.params:
            if p.name in seen:
                raise ValueError(f"problem {self.name!r}: parameter {p.name!r} appears twice")
            if p.when is not None:
                parent = seen.get(p.when[0])
                # A parent listed first lets a define-by-run objective ask the parameters in the listed order.
                if parent is None or parent.kind != "categorical" or p.when[1] not in parent.choices:
                    raise ValueError(
                        f"problem {self.name!r}: parameter {p.name!r} depends on {p.when!r}, which is not a choice "
                        "of a categorical parameter listed before it"
                    )
            seen[p.name] = p

    @property
    def dim(self) -> int:
        return len(self.params)

    @property
    def conditional(self) -> bool:
        """Whether some parameter exists only for some values of another."""
        return any(p.when is not None for p in self.params)

    def active(self, params: Params) -> dict[str, Any]:
        """The values of the parameters that exist given ``params`` (which may hold inactive ones too).

        Example:
            >>> PROBLEMS["wine_conditional"].active({"classifier": "logistic_regression", "C": 1.0, "lr_C": 2.0})
            {'classifier': 'logistic_regression', 'lr_C': 2.0}
        """
        out: dict[str, Any] = {}
        for p in self.params:
            if p.when is None or (p.when[0] in out and out[p.when[0]] == p.when[1]):
                out[p.name] = params[p.name]
        return out

    def __call__(self, params: Params) -> float:
        return float(self.func(self.active(params)))

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


@lru_cache(maxsize=1)
def _wine() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    return X, y


def wine_conditional(params: Params) -> float:
    """3-fold cross-validation error of the chosen classifier, with its own hyperparameters, on the wine data."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    model: Any
    classifier = params["classifier"]
    if classifier == "svc":
        model = make_pipeline(StandardScaler(), SVC(C=params["C"], gamma=params["gamma"]))
    elif classifier == "random_forest":
        model = RandomForestClassifier(
            n_estimators=int(params["n_estimators"]),
            max_depth=int(params["max_depth"]),
            max_features=float(params["max_features"]),
            random_state=0,
            n_jobs=1,
        )
    elif classifier == "logistic_regression":
        model = make_pipeline(StandardScaler(), LogisticRegression(C=params["lr_C"], max_iter=1000))
    else:
        raise ValueError(f"unknown classifier {classifier!r}")
    X, y = _wine()
    return float(1.0 - np.mean(cross_val_score(model, X, y, cv=3)))


_WINE = "classifier"
_SVC, _RF, _LR = (_WINE, "svc"), (_WINE, "random_forest"), (_WINE, "logistic_regression")

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
    Problem(
        "wine_conditional",
        (
            categorical(_WINE, ("svc", "random_forest", "logistic_regression")),
            Param("C", 1e-2, 1e3, log=True, when=_SVC),
            Param("gamma", 1e-5, 1e-1, log=True, when=_SVC),
            integer("n_estimators", 5, 50, log=True, when=_RF),
            integer("max_depth", 2, 20, when=_RF),
            Param("max_features", 0.1, 1.0, when=_RF),
            Param("lr_C", 1e-3, 1e3, log=True, when=_LR),
        ),
        wine_conditional,
        None,
        "classifier choice (SVC / random forest / logistic regression) on load_wine, 3-fold CV error",
    ),
]

#: Every problem by name, in the order of the result tables.
PROBLEMS: dict[str, Problem] = {p.name: p for p in _PROBLEMS}
