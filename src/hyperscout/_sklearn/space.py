"""Search spaces of the ``*SearchCV`` family: parsing, storable values, checks before any fit.

A scikit-learn grid may list values a JSON log cannot hold (estimators, tuples); ``_Codec`` stores
them as their ``repr`` and maps them back. ``prepare_space`` parses a space, encodes it and asks the
estimator whether it accepts every name and a few values per parameter, so that a typo fails in
milliseconds rather than after the first fold. ``prepare_candidates`` does the same for an explicit
list of candidates (scikit-learn's own ``ParameterGrid``/``ParameterSampler`` draws), which
``CandidateSampler`` proposes in order.

Example:
    >>> codec = _Codec()
    >>> codec.encode_space({"hidden_layer_sizes": [(50,), (100,)], "alpha": (1e-4, 1e-1)})
    {'hidden_layer_sizes': ['(50,)', '(100,)'], 'alpha': (0.0001, 0.1)}
    >>> codec.decode({"hidden_layer_sizes": "(100,)", "alpha": 0.01})
    {'hidden_layer_sizes': (100,), 'alpha': 0.01}
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone

from ..samplers import GridSampler, SamplerContext
from ..space import Distribution, Float, Int, OrNone, parse_space

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
class PreparedSpace:
    """A search space as the study sees it: encoded values, distributions, and the way back."""

    codec: _Codec
    #: ``dict`` for a sampled space; a list of encoded grids for a grid.
    encoded: dict[str, Any] | list[dict[str, Any]]
    dists: dict[str, Distribution]
    grid: GridSampler | None = None


def prepare_space(estimator: Any, spec: Any, *, grid: bool, seed: int | None = None) -> PreparedSpace:
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
    if grid:
        sampler = GridSampler(encoded, retry_failed=0, seed=seed)
        dists: dict[str, Distribution] = dict(sampler.distributions)
    else:
        sampler = None
        dists = parse_space(encoded[0])
    probes = {n: [codec.decode({n: x})[n] for x in _probe_values(d)] for n, d in dists.items()}
    # A step the space swaps in (``"clf": [SVC()]`` over a ``None`` step) brings the names under it.
    base = clone(estimator)
    for n in sorted(probes, key=lambda n: n.count("__")):
        step = next((v for v in probes[n] if hasattr(v, "get_params")), None)
        if step is not None and n in base.get_params(deep=True):
            base.set_params(**{n: clone(step)})
    _check_names(base, names)
    _check_values(base, probes)
    return PreparedSpace(codec, encoded if grid else encoded[0], dists, sampler)


class CandidateSampler(GridSampler):
    """A fixed list of candidates, proposed in order, each once; duplicates are candidates of their own.

    ``GridSearchCV`` and ``RandomizedSearchCV`` draw their candidates with scikit-learn's
    ``ParameterGrid`` and ``ParameterSampler``, so they evaluate exactly the candidates
    scikit-learn's classes do (same order, same random draws, repeated values kept). Each
    candidate is claimed in the study's log by its position and value before it runs, so a
    resumed or shared search never evaluates a position twice.
    """

    def __init__(self, points: Sequence[Mapping[str, Any]]) -> None:
        # A grid of one point per candidate keeps the list's order and its repeated points.
        super().__init__([{k: [v] for k, v in p.items()} for p in points], retry_failed=0)
        self._claims = [f"{claim}@{i}" for i, claim in enumerate(self._claims)]

    def __repr__(self) -> str:
        return f"CandidateSampler(<{len(self.points)} candidates>)"

    def claim(self, context: SamplerContext, params: dict[str, Any]) -> str | None:
        for i, _ in self._free(context):
            if self.points[i] == params:
                return self._claims[i]
        return None

    def position(self, claim: str | None, params: Mapping[str, Any]) -> int | None:
        """The index in the list of the candidate that made ``claim`` (else the first one with ``params``)."""
        if claim is not None and "@" in claim:
            return int(claim.rsplit("@", 1)[1].split("#")[0])
        return next((i for i, p in enumerate(self.points) if p == params), None)


class Rvs:
    """A hyperscout distribution with the ``rvs`` method scikit-learn's ``ParameterSampler`` draws from.

    Lets ``RandomizedSearchCV`` take ``hs.Float``/``hs.Int``/``hs.Categorical`` besides ``scipy.stats``
    distributions: one uniform number from the sampler's random state, mapped through the unit interval.

    Example:
        >>> from hyperscout.space import Int
        >>> Rvs(Int(1, 10)).rvs(random_state=np.random.RandomState(0))
        6
    """

    def __init__(self, dist: Distribution) -> None:
        self.dist = dist

    def rvs(self, random_state: Any = None) -> Any:
        rng = random_state if isinstance(random_state, np.random.RandomState) else np.random.RandomState(random_state)
        return self.dist.from_unit(float(rng.uniform()))

    def __repr__(self) -> str:
        return repr(self.dist)


def with_rvs(spec: Any) -> Any:
    """``spec`` (a dict or a list of dicts) with each hyperscout distribution wrapped in ``Rvs``."""
    if isinstance(spec, Mapping):
        return {k: Rvs(v) if isinstance(v, Distribution) else v for k, v in spec.items()}
    if isinstance(spec, list):
        return [with_rvs(s) for s in spec]
    return spec


def _set_one_by_one(estimator: Any, params: Mapping[str, Any]) -> None:
    """``set_params`` name by name (steps before their parameters), naming the first unknown name."""
    for name in sorted(params, key=lambda n: n.count("__")):
        try:
            estimator.set_params(**{name: clone(params[name], safe=False)})
        except ValueError:
            if name in estimator.get_params(deep=True):
                raise
            _check_names(estimator, [name])


def prepare_candidates(estimator: Any, candidates: Sequence[Mapping[str, Any]]) -> PreparedSpace:
    """A space that is an explicit list of candidates; every parameter name is checked before any fit.

    Values are not checked: as in scikit-learn, a value the estimator rejects fails inside its fold
    and gets ``error_score``. A name the estimator does not have (after the candidate's earlier
    names, a pipeline step swapped in, are set) raises a ``ValueError`` suggesting close names.
    """
    codec = _Codec()
    points = [{k: codec.encode_values(k, [v])[0] for k, v in c.items()} for c in candidates]
    checked: set[tuple[str, ...]] = set()
    for c in candidates:
        names = tuple(sorted(c))
        if names not in checked:
            checked.add(names)
            _set_one_by_one(clone(estimator), c)
    sampler = CandidateSampler(points)
    return PreparedSpace(codec, points, dict(sampler.distributions), sampler)
