"""The ``hyperscout`` logger and its default handler (the public face is ``hyperscout.logging``).

The library logs under the ``hyperscout`` logger: one INFO line per finished trial, WARNINGs for
what users should know. Like Optuna, it sets that logger up when it is first imported: level INFO,
a handler that writes to stderr, and no propagation to the root logger (so an application that
configures the root logger does not print each line twice); ``hyperscout.logging`` changes each.

The default handler looks ``sys.stderr`` up when it writes rather than when it is made: a Jupyter
kernel, pytest or a user's ``contextlib.redirect_stderr`` replace ``sys.stderr`` after import, and
a handler holding the old stream would write where nobody reads (or to a closed file). While a
progress bar is on screen it writes through ``tqdm.write``, which clears the bar, prints the line
and draws the bar again, so log lines and the bar do not garble each other.

Example:
    >>> import logging
    >>> get_logger("hyperscout.study").name
    'hyperscout.study'
    >>> LIBRARY_LOGGER.level == logging.INFO
    True
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = [
    "LIBRARY_LOGGER", "DefaultHandler", "DEFAULT_HANDLER", "configure", "get_logger", "info_lines", "writing_through",
]  # fmt: skip

LIBRARY_LOGGER = logging.getLogger("hyperscout")

_lock = threading.Lock()
_configured = False


class DefaultHandler(logging.Handler):
    """Writes each record to the current ``sys.stderr``, or through ``tqdm.write`` while a bar is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("[%(levelname)1.1s %(asctime)s] %(message)s"))
        #: The tqdm class whose ``write`` clears and redraws the bars on screen (None: no bar shown).
        self.bar_class: Any = None
        #: How many bars are on screen (nested optimize calls each show one).
        self.bars = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = self.format(record)
            if self.bar_class is not None:
                self.bar_class.write(msg, file=sys.stderr)
            else:
                stream = sys.stderr
                if stream is None:  # pythonw and some services have no stderr: nowhere to write
                    return
                stream.write(msg + "\n")
                stream.flush()
        except Exception:
            self.handleError(record)


DEFAULT_HANDLER = DefaultHandler()


def configure() -> None:
    """Install the default handler and level INFO on the ``hyperscout`` logger, once per process."""
    global _configured
    with _lock:
        if _configured:
            return
        _configured = True
        LIBRARY_LOGGER.addHandler(DEFAULT_HANDLER)
        if LIBRARY_LOGGER.level == logging.NOTSET:  # a level the program set before this point stays
            LIBRARY_LOGGER.setLevel(logging.INFO)
        LIBRARY_LOGGER.propagate = False


def get_logger(name: str) -> logging.Logger:
    """The logger ``name`` (under ``hyperscout``), with the library's logger set up."""
    configure()
    return logging.getLogger(name)


@contextlib.contextmanager
def writing_through(bar_class: Any) -> Iterator[None]:
    """While in this block, the default handler writes through ``bar_class.write`` (a tqdm class)."""
    with _lock:
        DEFAULT_HANDLER.bars += 1
        DEFAULT_HANDLER.bar_class = bar_class
    try:
        yield
    finally:
        with _lock:
            DEFAULT_HANDLER.bars -= 1
            if not DEFAULT_HANDLER.bars:
                DEFAULT_HANDLER.bar_class = None


@contextlib.contextmanager
def info_lines(shown: bool) -> Iterator[None]:
    """While in this block, hide the INFO lines unless ``shown`` (warnings always show).

    For the faces that copy another library's ``verbose=0`` convention (scikit-learn's SearchCV,
    bayesian-optimization): silent unless asked, as their users expect.
    """
    level = LIBRARY_LOGGER.level
    if not shown and LIBRARY_LOGGER.getEffectiveLevel() < logging.WARNING:
        LIBRARY_LOGGER.setLevel(logging.WARNING)
    try:
        yield
    finally:
        LIBRARY_LOGGER.setLevel(level)
