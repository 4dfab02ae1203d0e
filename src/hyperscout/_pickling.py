"""Sending things to other processes: objectives, samplers and exceptions, and an exception's one-line text.

The one home of these helpers: the parallel run pickles the objective, the sampler and the pruner
for its workers (``dumps``); worker processes and isolated trials send back the exception that
ended them (``dump_exception`` / ``load_exception``); every trial that failed records
``error_text`` of its exception.

Example:
    >>> import pickle
    >>> pickle.loads(dumps(len, "a function"))("abc")
    3
    >>> error_text(ValueError("bad x"))
    'ValueError: bad x'
"""

from __future__ import annotations

import pickle
import sys
import traceback
from typing import Any

__all__ = ["dump_exception", "dumps", "error_text", "load_exception"]


def error_text(e: BaseException) -> str:
    """``"ValueError: bad x"``: what a failed trial records as its error."""
    return "".join(traceback.format_exception_only(type(e), e)).strip()


def _module_of(obj: Any) -> str | None:
    func = getattr(obj, "func", None)  # functools.partial
    return getattr(func if callable(func) else obj, "__module__", None)


def dumps(obj: Any, what: str, *, by_value: bool = False) -> bytes:
    """Pickle ``obj`` for another process, or raise a ``TypeError`` that says how to make it picklable.

    Plain pickle sends functions by reference (module and name), which a worker process on this
    machine can import. cloudpickle, where installed, sends by value what cannot be imported
    there: lambdas and closures, and anything of an interactive ``__main__`` (a notebook), or of
    any ``__main__`` when ``by_value`` (an executor's workers do not run this script).
    """
    main = sys.modules.get("__main__")
    need_value = _module_of(obj) == "__main__" and (by_value or not getattr(main, "__file__", None))
    error: Exception | None = None
    if not need_value:
        try:
            return pickle.dumps(obj)
        except Exception as e:
            error = e
    try:
        import cloudpickle
    except ImportError:
        cloudpickle = None
    if cloudpickle is not None:
        try:
            data: bytes = cloudpickle.dumps(obj)
            return data
        except Exception as e:
            error = e
    why = str(error) if error is not None else "it is defined in an interactive session, which workers cannot import"
    raise TypeError(
        f"{what} {obj!r} cannot be sent to worker processes ({why}). n_jobs, executor= and isolate=True run "
        "it in other processes, so it must be picklable: define it at module level (not a lambda or a nested "
        "function) and pass data with functools.partial or a class with __call__; in a script, keep the "
        'optimize call under `if __name__ == "__main__":`. `pip install cloudpickle` also lets lambdas and '
        "closures through. Or run with n_jobs=1."
    ) from None


def dump_exception(e: BaseException) -> bytes | None:
    """``e`` pickled, or None when it cannot be re-created from its pickle (then its text stands in)."""
    try:
        data = pickle.dumps(e)
        pickle.loads(data)  # some exceptions pickle but cannot be re-created
        return data
    except Exception:
        return None


def load_exception(data: bytes | None, text: str) -> BaseException:
    """The exception ``dump_exception`` pickled, or a ``RuntimeError(text)`` where it could not."""
    if data is not None:
        try:
            exc = pickle.loads(data)
            if isinstance(exc, BaseException):
                return exc
        except Exception:
            pass
    return RuntimeError(text)
