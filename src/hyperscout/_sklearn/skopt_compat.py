"""scikit-optimize's ``BayesSearchCV`` habits, read by ``hyperscout.sklearn.BayesSearchCV``.

Three things a scikit-optimize user brings along:

* **search spaces**: ``skopt.space.Real/Integer/Categorical`` objects and the tuple shorthands of
  ``skopt.space.check_dimension`` (``(low, high)``, ``(low, high, prior)``, ``(low, high, prior, base)``),
  read by the rules scikit-optimize 0.10 applies (``skopt_dimension``). scikit-optimize is never
  imported: its objects are recognised by the module their class comes from.
* **optimizer_kwargs**: the arguments of ``skopt.Optimizer`` that have a meaning here
  (``sampler_from_optimizer_kwargs``); any other is refused, naming what to use instead.
* **fit callbacks**: ``callback(res)`` after each candidate, with ``res`` shaped like the
  ``OptimizeResult`` scikit-optimize passes (``x_iters``, ``func_vals``, ``x``, ``fun``); a callback
  that returns ``True`` stops the search (``CallbackSampler``).

Example:
    >>> skopt_dimension("C", (1e-6, 1e6, "log-uniform"))
    Float(low=1e-06, high=1000000.0, log=True, step=None)
    >>> skopt_dimension("degree", (1, 8))
    Int(low=1, high=8, log=False, step=1)
    >>> skopt_dimension("kernel", ("linear", "rbf"))
    ['linear', 'rbf']
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._wrapping import WrappedSampler
from ..samplers import BaseSampler, ForestSampler, GPSampler, SamplerContext, SearchSpaceExhausted
from ..space import Distribution, Float, Int
from ..trial import TrialState

_PRIORS = ("uniform", "log-uniform")


def _skopt_kind(x: Any) -> str | None:
    """``"Real"``, ``"Integer"`` or ``"Categorical"`` for a ``skopt.space`` object (or a subclass), else None."""
    for cls in type(x).__mro__:
        if cls.__module__.startswith("skopt.space") and cls.__name__ in ("Real", "Integer", "Categorical"):
            return cls.__name__
    return None


def _integral(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _range(name: str, low: Any, high: Any, prior: str = "uniform") -> Distribution:
    """``Int`` when both bounds are integers, else ``Float``; ``log`` for the log-uniform prior (any base)."""
    log = prior == "log-uniform"
    try:
        if _integral(low) and _integral(high):
            return Int(int(low), int(high), log=log)
        return Float(float(low), float(high), log=log)
    except ValueError as e:
        raise ValueError(f"search_spaces[{name!r}]: {e}") from None


def _tuple_range(spec: Sequence[Any]) -> tuple[Any, Any, str] | None:
    """``(low, high, prior)`` when scikit-optimize 0.10's ``check_dimension`` reads ``spec`` as a range."""
    n = len(spec)
    if n < 2 or n > 4 or not (_real(spec[0]) and _real(spec[1])):
        return None
    if n == 2:
        return spec[0], spec[1], "uniform"
    if n == 3 and isinstance(spec[2], str) and spec[2] in _PRIORS:
        return spec[0], spec[1], spec[2]
    if n == 4 and spec[2] == "log-uniform" and _integral(spec[3]):
        return spec[0], spec[1], "log-uniform"  # the base of the logarithm does not change the distribution
    return None


def skopt_dimension(name: str, spec: Any) -> Any:
    """One entry of a scikit-optimize search space, as ``hyperscout.sklearn`` reads a space.

    * ``Real(low, high, prior)``, ``Integer(...)``: ``hs.Float``/``hs.Int``, ``log=True`` for
      ``prior="log-uniform"`` (whatever the ``base``: it does not change the distribution);
    * ``Categorical(categories)``: the list of categories (``prior`` weights are not supported:
      the search model, not the weights, picks categories once it has data; a warning says so);
    * a tuple, by scikit-optimize 0.10's rules: ``(low, high)``, ``(low, high, "uniform" |
      "log-uniform")`` and ``(low, high, "log-uniform", base)`` are ranges (integers when both
      bounds are integers); other tuples are categories. ``(None, high)`` keeps hyperscout's meaning,
      "None or up to high" (scikit-optimize refuses it);
    * a list: categories, as in scikit-learn and in the rules ``check_dimension`` announces. Where
      scikit-optimize 0.10 still reads the list as a range (``[1, 10]``) a warning says so;
    * anything else (``hs.Float``, a scipy distribution, ...) is returned unchanged.

    Example:
        >>> skopt_dimension("gamma", (1e-6, 1e1, "log-uniform", 2))
        Float(low=1e-06, high=10.0, log=True, step=None)
    """
    kind = _skopt_kind(spec)
    if kind == "Categorical":
        weights = getattr(spec, "prior", None)
        if weights is not None and len(set(np.round(np.asarray(weights, dtype=float), 12))) > 1:
            warnings.warn(
                f"search_spaces[{name!r}]: the prior weights of Categorical are ignored; every category is "
                "equally likely in the first candidates, and the model chooses after that",
                UserWarning,
                stacklevel=4,
            )
        return list(spec.categories)
    if kind is not None:  # Real or Integer
        return _range(name, spec.low, spec.high, spec.prior)
    if isinstance(spec, tuple):
        if not spec:
            raise ValueError(f"search_spaces[{name!r}]: an empty tuple is neither a range nor a list of categories")
        if len(spec) == 2 and any(v is None for v in spec):
            return spec  # hyperscout's "None or up to high", read by parse_space
        if len(spec) == 2 and not any(isinstance(v, (str, bool, np.bool_)) for v in spec):
            if _tuple_range(spec) is None:
                raise ValueError(
                    f"search_spaces[{name!r}]: {spec!r} is neither a (low, high) range of numbers nor a "
                    "list of categories; write a list for categories"
                )
        found = _tuple_range(spec)
        return list(spec) if found is None else _range(name, *found)
    if isinstance(spec, (list, np.ndarray)):
        values = spec.tolist() if isinstance(spec, np.ndarray) else list(spec)
        found = _tuple_range(values)
        if found is not None:
            warnings.warn(
                f"search_spaces[{name!r}]: the list {values!r} is a list of {len(values)} categories here, as in "
                "scikit-learn; scikit-optimize 0.10 reads it as a range (and warns that later versions will "
                f"not). For a range write the tuple {tuple(values)!r}",
                UserWarning,
                stacklevel=4,
            )
        return values
    return spec


def skopt_space(spaces: Any) -> Any:
    """A ``search_spaces`` argument with every scikit-optimize form replaced (``skopt_dimension``).

    Lists of subspaces (``[{...}, ({...}, 20)]``, each searched by its own optimiser in
    scikit-optimize) are refused with what to write instead.
    """
    if isinstance(spaces, Mapping):
        return {name: skopt_dimension(name, spec) for name, spec in spaces.items()}
    if isinstance(spaces, list) and spaces and all(isinstance(s, (Mapping, tuple)) for s in spaces):
        raise ValueError(
            "search_spaces: a list of subspaces (each searched by its own optimiser in scikit-optimize) is not "
            "supported; give one dict. To choose between models, make the step a parameter: "
            "{'clf': [SVC(), LogisticRegression()], ...}, or run one BayesSearchCV per subspace"
        )
    return spaces


def category_decoder(space: Any) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Stored values back to the objects listed in ``space`` (the search stores an object as its ``repr``)."""
    back: dict[str, dict[str, Any]] = {}
    if isinstance(space, Mapping):
        for name, values in space.items():
            if isinstance(values, list):
                back[name] = {repr(v): v for v in values if not isinstance(v, (str, numbers.Number, type(None)))}

    def decode(params: Mapping[str, Any]) -> dict[str, Any]:
        return {k: back.get(k, {}).get(v, v) if isinstance(v, str) else v for k, v in params.items()}

    return decode


# -- optimizer_kwargs -----------------------------------------------------------------------------------

_ACQ = {"EI": "ei", "PI": "pi", "LCB": "ucb"}
# Arguments of skopt.Optimizer with no effect on which candidates are tried, accepted and ignored:
# BayesSearchCV overwrites random_state with its own (as scikit-optimize does), and model_queue_size
# only limits how many fitted models scikit-optimize keeps in memory.
_IGNORED = ("random_state", "model_queue_size")


def _refuse(key: str, value: Any, instead: str) -> ValueError:
    return ValueError(f"optimizer_kwargs[{key!r}]={value!r} is not supported: {instead}")


def sampler_from_optimizer_kwargs(kwargs: Mapping[str, Any] | None, seed: int | None) -> BaseSampler:
    """The sampler scikit-optimize's ``optimizer_kwargs`` describe.

    Read: ``base_estimator`` (``"GP"``: ``GPSampler``; ``"RF"``/``"ET"``: ``ForestSampler`` with a
    random forest or extra trees), ``n_initial_points`` (``n_startup_trials``), ``acq_func``
    (``"EI"``, ``"PI"``, ``"LCB"``, the last as an upper confidence bound on the score),
    ``acq_func_kwargs`` (``xi``, ``kappa``), ``initial_point_generator="lhs"`` and
    ``acq_optimizer="auto"`` (what hyperscout does anyway). ``random_state`` and
    ``model_queue_size`` are ignored, as they change nothing here. Anything else raises a
    ``ValueError`` naming what to use instead.

    Example:
        >>> sampler_from_optimizer_kwargs({"acq_func": "LCB", "n_initial_points": 5}, seed=0)
        GPSampler(seed=0, acquisition='ucb')
    """
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"optimizer_kwargs must be a dict or None, got {kwargs!r}")
    options: dict[str, Any] = {}
    model = "GP"
    for key, value in kwargs.items():
        if key in _IGNORED:
            continue
        if key == "base_estimator":
            model = value.upper() if isinstance(value, str) else value
            if model not in ("GP", "RF", "ET"):
                raise _refuse(key, value, "use 'GP', 'RF' or 'ET', or hyperscout.sklearn.SearchCV(..., "
                              "sampler=...) with any hyperscout sampler")  # fmt: skip
        elif key == "n_initial_points":
            if not _integral(value) or value < 1:
                raise _refuse(key, value, "give an int >= 1 (the first candidate is always a design point)")
            options["n_startup_trials"] = int(value)
        elif key == "acq_func":
            if value not in _ACQ:
                raise _refuse(key, value, f"use one of {sorted(_ACQ)} ('gp_hedge' and the '*ps' variants "
                              "are not available; 'EI', the default here, is what gp_hedge picks most)")  # fmt: skip
            options["acquisition"] = _ACQ[value]
        elif key == "acq_func_kwargs":
            unknown = sorted(set(value or {}) - {"xi", "kappa"})
            if unknown:
                raise _refuse(key, value, f"only 'xi' and 'kappa' are read, not {unknown}")
            options.update({k: float(v) for k, v in (value or {}).items()})
        elif key == "initial_point_generator":
            if value != "lhs":
                raise _refuse(key, value, "the first candidates are a Latin hypercube design ('lhs')")
        elif key == "acq_optimizer":
            if value != "auto":
                raise _refuse(key, value, "the acquisition is maximised by sampling then L-BFGS-B ('auto')")
        else:
            raise _refuse(key, value, "the keys read are base_estimator, n_initial_points, acq_func, "
                          "acq_func_kwargs, initial_point_generator, acq_optimizer (random_state and "
                          "model_queue_size are accepted and ignored)")  # fmt: skip
    if model == "GP":
        return GPSampler(seed=seed, **options)
    if "acquisition" in options and options["acquisition"] != "ei":
        raise _refuse("acq_func", kwargs["acq_func"], "a forest model ('RF', 'ET') uses expected improvement ('EI')")
    options.pop("acquisition", None)
    options.pop("kappa", None)
    return ForestSampler(seed=seed, model="random_forest" if model == "RF" else "extra_trees", **options)


# -- fit callbacks ----------------------------------------------------------------------------------------


def check_callbacks(callback: Any) -> list[Callable[[Any], Any]]:
    """scikit-optimize's ``check_callback``: ``None``, a callable or a list of callables."""
    if callback is None:
        return []
    if callable(callback):
        return [callback]
    if isinstance(callback, list) and all(callable(c) for c in callback):
        return list(callback)
    raise ValueError(f"callback must be a callable or a list of callables, got {callback!r}")


def optimize_result(trials: Sequence[Any], decode: Callable[[Any], Any]) -> Any:
    """The finished candidates as the ``scipy.optimize.OptimizeResult`` scikit-optimize builds.

    ``x_iters``: each candidate's values in sorted name order; ``func_vals``: minus the mean test
    scores (scikit-optimize minimises); ``x``, ``fun``: the best of them. ``space`` is None and
    ``models`` empty: hyperscout keeps no scikit-optimize objects.
    """
    from scipy.optimize import OptimizeResult

    done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None]
    names = sorted(done[-1].params) if done else []
    x_iters = [[decode(t.params).get(n) for n in names] for t in done]
    func_vals = np.array([-float(t.value) for t in done])
    best = int(np.argmin(func_vals)) if done else None
    return OptimizeResult(
        x=None if best is None else x_iters[best], fun=None if best is None else float(func_vals[best]),
        x_iters=x_iters, func_vals=func_vals, models=[], space=None, specs={"args": {}, "function": "BayesSearchCV"},
    )  # fmt: skip


class CallbackSampler(WrappedSampler):
    """Wraps a sampler; calls scikit-optimize style callbacks once per finished candidate.

    The callbacks run when the search is about to propose the next candidate (and, through
    ``report``, once more after the last one), with a ``scipy.optimize.OptimizeResult`` like the
    one scikit-optimize passes: ``x_iters`` (each candidate's values in sorted name order),
    ``func_vals`` (minus the mean test score: scikit-optimize minimises), ``x`` and ``fun`` (the
    best of them). A callback that returns ``True`` stops the search: no further candidate starts.
    """

    def __init__(self, inner: BaseSampler, callbacks: list[Callable[[Any], Any]], decode: Callable[[Any], Any]):
        super().__init__(inner)
        self.callbacks = callbacks
        self.decode = decode
        self.reported = 0
        self.stopped = False

    def report(self, trials: Sequence[Any]) -> bool:
        """Call the callbacks if a candidate finished since the last call; ``True`` if one asks to stop."""
        done = [t for t in trials if t.state is TrialState.COMPLETE and t.value is not None]
        if len(done) <= self.reported or self.stopped:
            return self.stopped
        self.reported = len(done)
        res = optimize_result(done, self.decode)
        decisions = [c(res) for c in self.callbacks]  # every callback runs, as in scikit-optimize
        self.stopped = any(d is not None and bool(d) for d in decisions)
        return self.stopped

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        if self.report(context.trials):
            raise SearchSpaceExhausted("a fit callback returned True: the search stops")
        return self.inner.infer_relative_search_space(context)
