"""The progress bar of ``optimize`` (tqdm), with the best value so far.

Shown by default on a terminal and in a Jupyter notebook (where stderr is no terminal, but a
widget or text bar is what a user expects); not under ``nohup`` or in a batch job's log file, where
the per-trial log lines tell the progress instead. While the bar is shown, hyperscout's log lines
are written through ``tqdm.write`` so that each lands above the bar rather than through it.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from ._log import writing_through
from .trial import FrozenTrial, TrialState


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (IPython's ``ZMQInteractiveShell``)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _make_bar(**kwargs: Any) -> Any:
    """A notebook widget bar in Jupyter where ipywidgets is installed, else a text bar on stderr."""
    from tqdm.auto import tqdm

    try:
        return tqdm(**kwargs)
    except ImportError:  # tqdm's notebook bar without ipywidgets ("IProgress not found")
        from tqdm.std import tqdm as text_tqdm

        return text_tqdm(file=sys.stderr, **kwargs)


class Progress:
    """A tqdm bar when enabled, nothing otherwise."""

    def __init__(
        self, enabled: bool | None, total: int | None, timeout: float | None, direction: str | None = None
    ) -> None:
        # ``direction``: which values are better, for the best value shown (None: several objectives).
        self._direction = direction
        if enabled is None:
            enabled = bool(getattr(sys.stderr, "isatty", lambda: False)()) or in_notebook()
        self._bar: Any = None
        self._writing = contextlib.ExitStack()
        if enabled:
            desc = None if total is not None or timeout is None else f"trials (≤{timeout:g} s)"
            self._bar = _make_bar(total=total, desc=desc, unit="trial", dynamic_ncols=True)
            self._writing.enter_context(writing_through(type(self._bar)))
        self._best: float | None = None

    @property
    def enabled(self) -> bool:
        return self._bar is not None

    def update(self, trial: FrozenTrial, *, advance: bool = True) -> None:
        """Show ``trial``'s outcome; ``advance=False`` for a resumed trial, which was counted when it started."""
        if self._bar is None:
            return
        if trial.state is TrialState.COMPLETE and trial.values and len(trial.values) == 1:
            v = trial.values[0]
            better = self._best is None or (v < self._best if self._direction == "minimize" else v > self._best)
            if better:
                self._best = v
                self._bar.set_postfix_str(f"best={v:.6g} (trial {trial.number})", refresh=False)
        self._bar.update(1 if advance else 0)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._writing.close()
