"""Search-space distributions and their encoding into the unit interval.

A search space is a plain ``dict[str, Distribution]``. Every distribution

* validates itself when constructed (a ``ValueError`` that names the problem),
* maps a value to a point of the unit interval and back (``to_unit`` / ``from_unit``),
  so that samplers work on ``[0, 1]^d`` whatever the parameter types,
* enumerates its values when it is finite (``grid``), and
* round-trips through JSON with a stable type tag (``to_json`` / ``distribution_from_json``).

Unit encoding, as implemented:

============  ==================================================================
Float         ``u = (x - low) / (high - low)``; with ``log=True`` the same in ``log x``;
              with ``step`` the interval is widened by half a step at each end so
              every grid value owns an equal share of ``[0, 1]``.
Int           as Float over ``[low - step/2, high + step/2]`` (log: ``[low - 1/2, high + 1/2]``
              in log space), then rounded to the step grid.
Categorical   choice ``i`` of ``n`` owns ``[i/n, (i+1)/n)``; its centre is ``(i + 1/2)/n``.
OrNone        ``None`` owns ``[0, w)``, the wrapped distribution the rest, with
              ``w = 1/(k+1)`` for ``k`` inner values (``w = 1/2`` for a continuous one).
============  ==================================================================

Example:
    >>> import hyperscout as hs
    >>> space = hs.parse_space({"C": (1e-3, 1e3), "kernel": ["rbf", "linear"], "max_depth": (None, 30)})
    >>> space["C"]
    Float(low=0.001, high=1000.0, log=True, step=None)
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._checks import is_bool

__all__ = [
    "Distribution",
    "Float",
    "Int",
    "Categorical",
    "OrNone",
    "parse_space",
    "distribution_from_json",
]

_JSON_SCALARS = (type(None), bool, int, float, str)


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _is_integer(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _too_big(x: Any) -> bool:
    """Whether the number ``x`` (an int can be any size) is beyond what a float holds."""
    try:
        float(x)
    except OverflowError:
        return True
    return False


def _shown(x: Any) -> str:
    # repr of a 400-digit integer is no help (and Python refuses str() past 4,300 digits).
    if _is_integer(x) and _too_big(x):
        return f"an integer of about {int(int(x).bit_length() * 0.30103) + 1} digits"
    return repr(x)


def _check_log(kind: str, log: Any) -> None:
    # A flag must be a bool: log="no" is a non-empty string, which Python takes as true.
    if not is_bool(log):
        raise TypeError(f"{kind} log must be True or False, got log={log!r}")


class Distribution(ABC):
    """A one-dimensional search domain; subclasses are frozen dataclasses."""

    @abstractmethod
    def to_unit(self, value: Any) -> float:
        """Map a value of this distribution to ``[0, 1]``."""

    @abstractmethod
    def from_unit(self, u: float) -> Any:
        """Map a point of ``[0, 1]`` to a valid value (the inverse of ``to_unit``)."""

    @abstractmethod
    def contains(self, value: Any) -> bool:
        """Whether ``value`` is a valid value of this distribution."""

    @abstractmethod
    def grid(self) -> list[Any]:
        """Every value, in order; raises ``ValueError`` for a continuous distribution."""

    @abstractmethod
    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with a stable ``"type"`` tag."""

    @property
    @abstractmethod
    def size(self) -> int | None:
        """The number of values, or ``None`` for a continuous distribution (never enumerates)."""

    @property
    def is_finite(self) -> bool:
        """Whether ``grid()`` can enumerate the values."""
        return self.size is not None

    @property
    def is_single(self) -> bool:
        """Whether the distribution has exactly one value (nothing to search)."""
        return self.size == 1

    def cast(self, value: Any) -> Any:
        """Return ``value`` as the Python type this distribution hands to users."""
        return value


@dataclass(frozen=True)
class Float(Distribution):
    """A real number in ``[low, high]``, optionally on a log scale or a step grid.

    Example:
        >>> round(Float(1e-5, 1e-1, log=True).from_unit(0.5), 9)  # the middle of the range in log space
        0.001
    """

    low: float
    high: float
    log: bool = False
    step: float | None = None

    def __post_init__(self) -> None:
        if not (_is_number(self.low) and _is_number(self.high)):
            raise ValueError(f"Float bounds must be numbers, got low={self.low!r}, high={self.high!r}")
        _check_log("Float", self.log)
        for name in ("low", "high"):
            if _too_big(getattr(self, name)):
                raise ValueError(
                    f"Float {name} must be a finite number within about ±1.8e308 (what a float holds), "
                    f"got {name}={_shown(getattr(self, name))}"
                )
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError(f"Float bounds must be finite, got low={self.low!r}, high={self.high!r}")
        if self.low > self.high:
            raise ValueError(f"Float needs low <= high, got low={self.low!r} > high={self.high!r}")
        if self.log and self.low <= 0:
            raise ValueError(f"Float with log=True needs low > 0, got low={self.low!r}")
        if self.step is not None:
            if self.log:
                raise ValueError("Float cannot have both log=True and a step; choose one")
            if not _is_number(self.step) or not self.step > 0:
                raise ValueError(f"Float step must be a positive number, got step={self.step!r}")
            n = (self.high - self.low) / self.step
            if abs(n - round(n)) > 1e-8 * max(1.0, abs(n)):
                fit = round(self.low + math.floor(n + 1e-8) * self.step, 12)
                raise ValueError(
                    f"Float range {self.high - self.low!r} is not a multiple of step={self.step!r}; use high={fit!r}"
                )
            object.__setattr__(self, "step", float(self.step))
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))
        object.__setattr__(self, "log", bool(self.log))

    def _span(self) -> tuple[float, float]:
        if self.log:
            return math.log(self.low), math.log(self.high)
        if self.step is not None:
            return self.low - self.step / 2, self.high + self.step / 2
        return self.low, self.high

    @property
    def size(self) -> int | None:
        return None if self.step is None else int(round((self.high - self.low) / self.step)) + 1

    def to_unit(self, value: Any) -> float:
        a, b = self._span()
        x = math.log(value) if self.log else float(value)
        # Halves keep b - a finite for ranges as wide as [-1e308, 1e308].
        return 0.5 if b == a else min(1.0, max(0.0, (x / 2 - a / 2) / (b / 2 - a / 2)))

    def from_unit(self, u: float) -> float:
        a, b = self._span()
        u = min(1.0, max(0.0, float(u)))
        # (a + h) + h is nondecreasing in u, as the mapping must be (a * (1 - u) + b * u is not, in floating
        # point, when a and b are close); halves keep it finite for ranges as wide as [-1e308, 1e308].
        h = u * (b / 2 - a / 2)
        x = min(b, (a + h) + h)
        if self.log:  # exp(log(low)) can miss low by a unit in the last place: the ends are exact
            x = self.low if u == 0.0 else self.high if u == 1.0 else math.exp(x)
        elif self.step is not None:
            x = self.low + round((x - self.low) / self.step) * self.step
        return min(self.high, max(self.low, x))

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or not math.isfinite(value):
            return False
        if not self.low <= value <= self.high:
            return False
        if self.step is not None:
            k = (value - self.low) / self.step
            return abs(k - round(k)) < 1e-8 * max(1.0, abs(k))
        return True

    def grid(self) -> list[float]:
        if self.step is None:
            raise ValueError(f"{self!r} is continuous and cannot be enumerated; give step= or list the values")
        n = int(round((self.high - self.low) / self.step))
        return [min(self.high, self.low + i * self.step) for i in range(n + 1)]

    def to_json(self) -> dict[str, Any]:
        return {"type": "float", "low": self.low, "high": self.high, "log": self.log, "step": self.step}

    def cast(self, value: Any) -> float:
        return float(value)


@dataclass(frozen=True)
class Int(Distribution):
    """An integer in ``[low, high]`` on a step grid, optionally on a log scale.

    Example:
        >>> Int(1, 10).grid()
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    """

    low: int
    high: int
    log: bool = False
    step: int = 1

    def __post_init__(self) -> None:
        _check_log("Int", self.log)
        for name in ("low", "high", "step"):
            v = getattr(self, name)
            if _is_number(v) and _too_big(v):
                # Samplers work in floating point: a bound beyond what a float holds cannot be searched.
                raise ValueError(
                    f"Int {name} must be an integer within about ±1.8e308 (what a float holds), got {name}={_shown(v)}"
                )
            if _is_number(v) and float(v).is_integer():
                object.__setattr__(self, name, int(v))
            else:
                raise ValueError(f"Int {name} must be an integer, got {name}={v!r}")
        if self.low > self.high:
            raise ValueError(f"Int needs low <= high, got low={self.low} > high={self.high}")
        if self.step < 1:
            raise ValueError(f"Int step must be >= 1, got step={self.step}")
        if self.log and self.low < 1:
            raise ValueError(f"Int with log=True needs low >= 1, got low={self.low}")
        if self.log and self.step != 1:
            raise ValueError("Int cannot have both log=True and step > 1; choose one")
        if (self.high - self.low) % self.step:
            raise ValueError(
                f"Int range {self.high - self.low} is not a multiple of step={self.step}; "
                f"use high={self.low + (self.high - self.low) // self.step * self.step}"
            )
        object.__setattr__(self, "log", bool(self.log))

    def _span(self) -> tuple[float, float]:
        if self.log:
            return math.log(self.low - 0.5), math.log(self.high + 0.5)
        return self.low - self.step / 2, self.high + self.step / 2

    @property
    def size(self) -> int:
        return (self.high - self.low) // self.step + 1

    def to_unit(self, value: Any) -> float:
        a, b = self._span()
        x = math.log(value) if self.log else float(value)
        return min(1.0, max(0.0, (x - a) / (b - a)))

    def from_unit(self, u: float) -> int:
        a, b = self._span()
        x = a + min(1.0, max(0.0, float(u))) * (b - a)
        if self.log:
            x = math.exp(x)
        v = self.low + int(round((x - self.low) / self.step)) * self.step
        return min(self.high, max(self.low, v))

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or not math.isfinite(value) or not float(value).is_integer():
            return False
        return self.low <= value <= self.high and (int(value) - self.low) % self.step == 0

    def grid(self) -> list[int]:
        return list(range(self.low, self.high + 1, self.step))

    def to_json(self) -> dict[str, Any]:
        return {"type": "int", "low": self.low, "high": self.high, "log": self.log, "step": self.step}

    def cast(self, value: Any) -> int:
        return int(value)


@dataclass(frozen=True, eq=False)
class Categorical(Distribution):
    """One of a fixed list of JSON scalars (``None``, bool, int, float, str).

    Example:
        >>> Categorical(["rbf", "linear"]).from_unit(0.9)
        'linear'
    """

    choices: Sequence[Any]  # stored as a tuple

    def __post_init__(self) -> None:
        if isinstance(self.choices, (str, bytes)) or not isinstance(self.choices, Sequence):
            raise ValueError(f"Categorical choices must be a list or tuple, got {self.choices!r}")
        choices = tuple(self.choices)
        if not choices:
            raise ValueError("Categorical needs at least one choice, got an empty list")
        for c in choices:
            if not isinstance(c, _JSON_SCALARS) and not _is_number(c):
                raise ValueError(
                    f"Categorical choices must be None, bool, int, float or str so they can be stored "
                    f"as JSON, got {c!r} of type {type(c).__name__}; store a name and build the object "
                    "in your objective"
                )
            if _is_number(c) and not math.isfinite(c):
                raise ValueError(f"Categorical choices must be finite numbers; {c!r} cannot be stored as JSON")
        normalised = tuple(_plain(c) for c in choices)
        seen: list[Any] = []
        for c in normalised:
            if any(_same(c, s) for s in seen):
                raise ValueError(f"Categorical choices must be distinct, {c!r} appears twice")
            seen.append(c)
        object.__setattr__(self, "choices", normalised)

    def _key(self) -> tuple[tuple[str, Any], ...]:
        # True == 1 in Python, but [True, False] and [1, 0] are different choices.
        return tuple((type(c).__name__ if isinstance(c, (bool, str)) or c is None else "num", c) for c in self.choices)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Categorical) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def size(self) -> int:
        return len(self.choices)

    def index(self, value: Any) -> int:
        """The position of ``value`` among the choices; ``ValueError`` if absent."""
        for i, c in enumerate(self.choices):
            if _same(c, value):
                return i
        raise ValueError(f"{value!r} is not one of the choices {list(self.choices)!r}")

    def to_unit(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> Any:
        n = len(self.choices)
        return self.choices[min(n - 1, max(0, int(float(u) * n)))]

    def contains(self, value: Any) -> bool:
        return any(_same(c, value) for c in self.choices)

    def grid(self) -> list[Any]:
        return list(self.choices)

    def to_json(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices)}

    def cast(self, value: Any) -> Any:
        return self.choices[self.index(value)]


@dataclass(frozen=True)
class OrNone(Distribution):
    """``None`` or a value of another distribution, as in ``max_depth: (None, 30)``.

    Example:
        >>> OrNone(Int(1, 30)).from_unit(0.0) is None
        True
    """

    inner: Distribution

    def __post_init__(self) -> None:
        if not isinstance(self.inner, (Float, Int, Categorical)):
            raise ValueError(f"OrNone wraps a Float, Int or Categorical, got {self.inner!r}")
        if isinstance(self.inner, Categorical) and self.inner.contains(None):
            raise ValueError("OrNone cannot wrap a Categorical that already contains None")

    @property
    def size(self) -> int | None:
        n = self.inner.size
        return None if n is None else n + 1

    @property
    def none_share(self) -> float:
        """The share ``w`` of the unit interval that encodes ``None``."""
        n = self.inner.size
        return 0.5 if n is None else 1.0 / (n + 1)

    def to_unit(self, value: Any) -> float:
        w = self.none_share
        if value is None:
            return w / 2
        return w + (1 - w) * self.inner.to_unit(value)

    def from_unit(self, u: float) -> Any:
        w = self.none_share
        u = min(1.0, max(0.0, float(u)))
        if u < w:
            return None
        return self.inner.from_unit((u - w) / (1 - w))

    def contains(self, value: Any) -> bool:
        return value is None or self.inner.contains(value)

    def grid(self) -> list[Any]:
        return [None, *self.inner.grid()]

    def to_json(self) -> dict[str, Any]:
        return {"type": "or_none", "inner": self.inner.to_json()}

    def cast(self, value: Any) -> Any:
        return None if value is None else self.inner.cast(value)


def _plain(x: Any) -> Any:
    """numpy scalars become Python scalars so that they compare, hash and serialise plainly."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if _is_integer(x):
        return int(x)
    if _is_number(x):
        return float(x)
    return x


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a categorical of [1, True] must keep them apart.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if a is None or b is None:
        return a is b
    if isinstance(a, str) != isinstance(b, str):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


def distribution_from_json(data: Mapping[str, Any]) -> Distribution:
    """Rebuild a distribution from ``Distribution.to_json()`` output.

    Example:
        >>> distribution_from_json(Int(1, 5).to_json())
        Int(low=1, high=5, log=False, step=1)
    """
    kind = data.get("type")
    if kind == "float":
        return Float(data["low"], data["high"], log=data.get("log", False), step=data.get("step"))
    if kind == "int":
        return Int(data["low"], data["high"], log=data.get("log", False), step=data.get("step", 1))
    if kind == "categorical":
        return Categorical(tuple(data["choices"]))
    if kind == "or_none":
        return OrNone(distribution_from_json(data["inner"]))
    raise ValueError(f"unknown distribution type {kind!r} in {dict(data)!r}")


def _from_scipy(name: str, dist: Any) -> Distribution:
    dname = getattr(getattr(dist, "dist", None), "name", None)
    args = tuple(getattr(dist, "args", ()))
    kwds = dict(getattr(dist, "kwds", {}))
    loc, scale = kwds.get("loc", 0.0), kwds.get("scale", 1.0)
    if dname == "uniform":
        loc = args[0] if args else loc
        scale = args[1] if len(args) > 1 else scale
        return Float(loc, loc + scale)
    if dname in ("loguniform", "reciprocal"):
        a = args[0] if args else kwds["a"]
        b = args[1] if len(args) > 1 else kwds["b"]
        if loc != 0.0 or scale != 1.0:
            raise ValueError(f"parameter {name!r}: loguniform with loc/scale is not supported")
        return Float(a, b, log=True)
    if dname == "randint":
        low = args[0] if args else kwds["low"]
        high = args[1] if len(args) > 1 else kwds["high"]
        shift = args[2] if len(args) > 2 else kwds.get("loc", 0)
        return Int(int(low + shift), int(high + shift) - 1)
    raise ValueError(
        f"parameter {name!r}: scipy.stats.{dname} is not supported (it is unbounded or not uniform); "
        "use scipy.stats.uniform, loguniform or randint, or an hs.Float/hs.Int with explicit bounds"
    )


def _from_tuple(name: str, bounds: tuple[Any, Any]) -> Distribution:
    low, high = bounds
    if low is None and high is None:
        raise ValueError(f"parameter {name!r}: (None, None) has no range; give at least the upper bound")
    if high is None:
        raise ValueError(
            f"parameter {name!r}: (low, None) has no upper bound; write (None, high) for 'None or up to high'"
        )
    if low is None:
        if _is_integer(high):
            if high < 1:
                raise ValueError(
                    f"parameter {name!r}: (None, {high}) means 'None or an integer from 1 to {high}', "
                    "which needs high >= 1"
                )
            return OrNone(Int(1, high))
        if high <= 0:
            raise ValueError(
                f"parameter {name!r}: (None, {high}) means 'None or a float in (0, {high}]', which needs high > 0"
            )
        return OrNone(Float(0.0, high))
    if low > high:
        # Before the log-scale rule below, whose log10 of a bound <= 0 said only "math domain error".
        raise ValueError(f"(low, high) needs low <= high, got low={_shown(low)} > high={_shown(high)}")
    if _is_integer(low) and _is_integer(high):
        return Int(low, high)
    # A range spanning several orders of magnitude of positive numbers is almost always searched in
    # log space by people who tune by hand (C, gamma, learning rates).
    if _too_big(low) or _too_big(high):
        return Float(low, high)  # which says what is wrong
    log = low > 0 and math.log10(high) - math.log10(low) >= 3 - 1e-9
    return Float(low, high, log=log)


def parse_space(space: Mapping[str, Any]) -> dict[str, Distribution]:
    """Turn the forms users already write into a ``dict[str, Distribution]``.

    Accepted, per parameter:

    * a ``Distribution`` (``hs.Float``, ``hs.Int``, ``hs.Categorical``, ``hs.OrNone``): kept;
    * a list (a scikit-learn grid or ``param_distributions`` list): ``Categorical``;
    * a ``(low, high)`` tuple of numbers (bayesian-optimization ``pbounds``): ``Int`` when both are
      integers, else ``Float`` (log-scaled when positive and spanning >= 3 decades);
      ``(None, high)`` means "None, or a value up to high" (``OrNone``); any other tuple is refused;
    * a frozen ``scipy.stats`` distribution: ``uniform``, ``loguniform`` and ``randint``.

    Example:
        >>> parse_space({"n_estimators": (10, 200), "criterion": ["gini", "entropy"]})["n_estimators"]
        Int(low=10, high=200, log=False, step=1)
    """
    if not isinstance(space, Mapping):
        raise ValueError(f"a search space must be a dict of name -> distribution, got {type(space).__name__}")
    out: dict[str, Distribution] = {}
    for name, spec in space.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"parameter names must be non-empty strings, got {name!r}")
        try:
            out[name] = _parse_one(name, spec)
        except ValueError as e:
            msg = str(e)
            raise ValueError(msg if msg.startswith("parameter ") else f"parameter {name!r}: {msg}") from None
    return out


def _parse_one(name: str, spec: Any) -> Distribution:
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2 and all(v is None or _is_number(v) for v in spec):
        return _from_tuple(name, spec)
    if isinstance(spec, tuple):
        # Any other tuple is a slip ((1,), (0.0, 1, 2), (-1.0, "a")) that once became a list of choices.
        raise ValueError(
            f"{spec!r} is not a range: a tuple is (low, high), two numbers, or (None, high) for "
            f"'None or up to high'; for a list of choices write {list(spec)!r}"
        )
    if hasattr(spec, "rvs") and hasattr(spec, "dist"):
        return _from_scipy(name, spec)
    if isinstance(spec, (list, tuple)) or (hasattr(spec, "tolist") and hasattr(spec, "ndim")):
        values = spec.tolist() if hasattr(spec, "tolist") else list(spec)
        return Categorical(tuple(values))
    raise ValueError(
        f"cannot read {spec!r} as a search range; use a list of values, a (low, high) tuple, "
        "a scipy.stats distribution, or hs.Float/hs.Int/hs.Categorical (for a fixed value write [value])"
    )
