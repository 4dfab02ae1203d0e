"""The progress bar of ``optimize`` (tqdm), with the best value so far."""

from __future__ import annotations

import sys
from typing import Any

from .trial import FrozenTrial, TrialState


class Progress:
    """A tqdm bar when enabled, nothing otherwise."""

    def __init__(
        self, enabled: bool | None, total: int | None, timeout: float | None, direction: str | None = None
    ) -> None:
        # ``direction``: which values are better, for the best value shown (None: several objectives).
        self._direction = direction
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm

            desc = None if total is not None or timeout is None else f"trials (≤{timeout:g} s)"
            self._bar = tqdm(total=total, desc=desc, unit="trial", dynamic_ncols=True)
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
