"""How much hyperscout tells you while it runs, through the standard ``logging`` module.

hyperscout logs under the ``hyperscout`` logger: one INFO line per finished trial (its value or
state, parameters and the best trial so far) and WARNINGs for what you should know (a failed
trial and why). By default these go to stderr, as Optuna's do; the functions here have Optuna's
names, so ``optuna.logging.set_verbosity(optuna.logging.WARNING)`` ports unchanged.

Example:
    >>> import hyperscout as hs
    >>> hs.logging.set_verbosity(hs.logging.WARNING)  # only warnings and errors from now on
    >>> hs.logging.get_verbosity() == hs.logging.WARNING
    True
    >>> hs.logging.set_verbosity(hs.logging.INFO)  # back to one line per trial
"""

from __future__ import annotations

import logging as _logging
from logging import CRITICAL, DEBUG, ERROR, FATAL, INFO, WARN, WARNING

from ._log import DEFAULT_HANDLER, LIBRARY_LOGGER, configure

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "disable_default_handler",
    "disable_propagation",
    "enable_default_handler",
    "enable_propagation",
    "get_logger",
    "get_verbosity",
    "set_verbosity",
]

_LEVELS = {"CRITICAL": CRITICAL, "ERROR": ERROR, "WARNING": WARNING, "INFO": INFO, "DEBUG": DEBUG}


def get_logger(name: str) -> _logging.Logger:
    """The standard logger ``name``, with hyperscout's logger set up (as Optuna's ``get_logger``).

    Example:
        >>> import hyperscout as hs
        >>> hs.logging.get_logger("hyperscout.study").name
        'hyperscout.study'
    """
    configure()
    return _logging.getLogger(name)


def get_verbosity() -> int:
    """The level of the ``hyperscout`` logger (``hs.logging.INFO`` unless changed).

    Example:
        >>> import hyperscout as hs
        >>> hs.logging.get_verbosity() == hs.logging.INFO
        True
    """
    configure()
    return LIBRARY_LOGGER.getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Show only messages at ``verbosity`` or above (``hs.logging.WARNING`` hides the per-trial lines).

    Args:
        verbosity: a level: ``hs.logging.DEBUG``, ``INFO``, ``WARNING``, ``ERROR`` or ``CRITICAL``
            (or the standard ``logging`` module's same numbers).

    Example:
        >>> import hyperscout as hs
        >>> hs.logging.set_verbosity(hs.logging.ERROR)
        >>> hs.logging.get_verbosity()
        40
        >>> hs.logging.set_verbosity(hs.logging.INFO)
    """
    if isinstance(verbosity, bool) or not isinstance(verbosity, int) or verbosity < 0:
        names = ", ".join(f"hs.logging.{k}" for k in _LEVELS)
        raise ValueError(f"verbosity must be a logging level ({names}), got {verbosity!r}")
    configure()
    LIBRARY_LOGGER.setLevel(verbosity)


def disable_default_handler() -> None:
    """Stop writing hyperscout's messages to stderr (your own handlers still receive them).

    Example:
        >>> import hyperscout as hs
        >>> hs.logging.disable_default_handler()
        >>> hs.logging.enable_default_handler()
    """
    configure()
    LIBRARY_LOGGER.removeHandler(DEFAULT_HANDLER)


def enable_default_handler() -> None:
    """Write hyperscout's messages to stderr again (the default).

    Example:
        >>> import hyperscout as hs
        >>> hs.logging.enable_default_handler()
    """
    configure()
    LIBRARY_LOGGER.addHandler(DEFAULT_HANDLER)


def disable_propagation() -> None:
    """Keep hyperscout's messages from reaching the root logger's handlers (the default).

    Example:
        >>> import hyperscout as hs
        >>> hs.logging.disable_propagation()
    """
    configure()
    LIBRARY_LOGGER.propagate = False


def enable_propagation() -> None:
    """Pass hyperscout's messages on to the root logger's handlers too (e.g. your ``logging.basicConfig``).

    Call ``disable_default_handler()`` as well, or each message is written twice.

    Example:
        >>> import hyperscout as hs
        >>> hs.logging.enable_propagation()
        >>> hs.logging.disable_propagation()
    """
    configure()
    LIBRARY_LOGGER.propagate = True
