"""Checks of the arguments of public entry points, with messages that say what is accepted.

The rules, everywhere: a wrong type is a ``TypeError``, a value of the right type out of range a
``ValueError``; each message names the argument, the value given and what is accepted. Booleans
and strings are never numbers (``True`` is an ``int`` to Python, not a count or a duration to a
user), and a flag must be a bool (``log="no"`` would otherwise be true).

Example:
    >>> check_seconds("timeout", 2)
    2.0
    >>> check_seconds("timeout", True)
    Traceback (most recent call last):
    ...
    TypeError: timeout must be a positive number of seconds or None, got True
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "is_number",
    "is_bool",
    "check_count",
    "check_seconds",
    "check_flag",
    "check_catch",
    "check_callbacks",
    "check_constraints_func",
]


def is_number(x: Any) -> bool:
    """A real number that is not a bool (numpy's numbers count, numpy's bools do not)."""
    return isinstance(x, numbers.Real) and not is_bool(x)


def is_bool(x: Any) -> bool:
    """``True``/``False``, or a numpy bool."""
    return isinstance(x, bool) or (type(x).__module__ == "numpy" and type(x).__name__ in ("bool_", "bool"))


def check_count(name: str, value: Any, *, minimum: int = 0, none_ok: bool = True, extra: str = "") -> int | None:
    """``value`` as an int ``>= minimum`` (or None when ``none_ok``); ``extra`` names more accepted values."""
    what = f"an int >= {minimum}{extra}" + (" or None" if none_ok else "")
    if value is None and none_ok:
        return None
    if not isinstance(value, numbers.Integral) or is_bool(value):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def check_seconds(name: str, value: Any, *, none_ok: bool = True) -> float | None:
    """``value`` as a positive number of seconds (``math.inf`` allowed), or None when ``none_ok``."""
    what = "a positive number of seconds" + (" or None" if none_ok else "")
    if value is None and none_ok:
        return None
    if not is_number(value):
        raise TypeError(f"{name} must be {what}, got {value!r}")
    if not value > 0:  # also NaN
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return float(value)


def check_flag(name: str, value: Any, *, none_ok: bool = False) -> bool | None:
    """``value`` as a bool: only ``True`` or ``False`` (or None when ``none_ok``)."""
    if value is None and none_ok:
        return None
    if not is_bool(value):
        raise TypeError(f"{name} must be True or False{' or None' if none_ok else ''}, got {value!r}")
    return bool(value)


def check_catch(value: Any) -> tuple[type[BaseException], ...]:
    """``catch=`` as a tuple of exception classes (one class, or a list or tuple of them).

    Checked before any trial starts: Python only complains about a bad ``except`` clause when an
    exception reaches it, which would leave that trial RUNNING.
    """
    items = (value,) if isinstance(value, type) else value
    if isinstance(items, (list, tuple, set, frozenset)) and all(
        isinstance(c, type) and issubclass(c, BaseException) for c in items
    ):
        return tuple(items)
    raise TypeError(
        f"catch must be an exception class or a tuple of them (e.g. catch=(ValueError, RuntimeError)), got {value!r}"
    )


def check_callbacks(value: Any) -> tuple[Callable[..., Any], ...]:
    """``callbacks=`` as a tuple of callables (one callable, or a list or tuple of them)."""
    if callable(value):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        items = tuple(value)
        if all(callable(c) for c in items):
            return items
    raise TypeError(f"callbacks must be a list of functions f(study, trial), got {value!r}")


def check_constraints_func(value: Any) -> Any:
    """``value`` when it is None or callable: a ``constraints_func`` (a trial → a sequence of floats).

    Example:
        >>> check_constraints_func(None) is None
        True
    """
    if value is not None and not callable(value):
        raise TypeError(
            f"constraints_func must be a function of a FrozenTrial returning a sequence of floats "
            f"(feasible when all are <= 0) or None, got {value!r}"
        )
    return value
