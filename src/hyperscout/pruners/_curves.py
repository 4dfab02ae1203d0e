"""Reading learning curves: the rules every pruner shares for scores, steps and evidence.

A *curve* is a trial's ``intermediate_values`` (step → value). Pruners compare curves on one scale,
"lower is better": values of a maximised study are negated, and NaN becomes ``+inf`` so that it ranks
below every number (a NaN is worse than anything; two NaNs tie).

The score of a trial at step ``s`` is the best value it reported at any step ``<= s``, except that a
trial whose most recent value at or before ``s`` is NaN scores NaN: a model that has diverged will not
return to its earlier best. Using the best so far (for the trial judged and for the others alike) makes
the comparison indifferent to which steps each trial happened to report, and to noisy or overfitting
curves.

Example:
    >>> score_at({0: 3.0, 2: 1.0, 5: 2.0}, 4, "minimize")
    1.0
    >>> score_at({0: 3.0, 2: float("nan")}, 2, "minimize")
    inf
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ..trial import FrozenTrial, TrialState

#: States whose curves count as evidence. A pruned (or paused) trial's curve is what it reported
#: before it was stopped, and a running trial's is what it has reported so far; both are honest
#: measurements. A failed trial's curve is not: the error may have corrupted it.
EVIDENCE_STATES = frozenset({TrialState.COMPLETE, TrialState.PRUNED, TrialState.PAUSED, TrialState.RUNNING})

#: States that count as "finished" for ``n_startup_trials`` (a paused trial is done for now).
FINISHED_STATES = frozenset({TrialState.COMPLETE, TrialState.PRUNED, TrialState.PAUSED})


def check_direction(direction: str) -> float:
    """The sign that turns ``direction``'s values into "lower is better" ones."""
    if direction == "minimize":
        return 1.0
    if direction == "maximize":
        return -1.0
    raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` if it is an int ``>= minimum``; otherwise a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is a bool; otherwise a TypeError naming ``name``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def oriented(value: float, sign: float) -> float:
    """``value`` on the lower-is-better scale, NaN as ``+inf``."""
    return math.inf if math.isnan(value) else sign * value


def score_at(curve: Mapping[int, float], step: int, direction: str) -> float:
    """The score (lower is better) of ``curve`` at ``step``; ``nan`` when it reported nothing up to it."""
    sign = check_direction(direction)
    best = math.nan
    last_step = -1
    last_nan = False
    for s, v in curve.items():
        if s > step:
            continue
        o = oriented(v, sign)
        if not o >= best:  # also true while best is still NaN
            best = o
        if s > last_step:
            last_step, last_nan = s, math.isnan(v)
    return math.inf if last_nan else best


def first_step_at_or_after(curve: Mapping[int, float], step: int) -> int | None:
    """The first step ``>= step`` that ``curve`` reported, or None."""
    after = [s for s in curve if s >= step]
    return min(after) if after else None


def evidence(trials: Iterable[FrozenTrial], exclude: int) -> list[FrozenTrial]:
    """The other trials whose curves count (see ``EVIDENCE_STATES``) and that reported something."""
    return [t for t in trials if t.number != exclude and t.state in EVIDENCE_STATES and t.intermediate_values]


def n_finished(trials: Iterable[FrozenTrial], exclude: int) -> int:
    return sum(1 for t in trials if t.number != exclude and t.state in FINISHED_STATES)


def final_step(trials: Iterable[FrozenTrial]) -> int | None:
    """The last step of a full run as far as the records show: the furthest last step of a complete trial.

    None while no trial has completed (nothing says where a run ends).
    """
    ends = [t.last_step for t in trials if t.state is TrialState.COMPLETE and t.last_step is not None]
    return max(ends, default=None)


def judged_step(curve: Mapping[int, float], n_warmup_steps: int, interval_steps: int) -> int | None:
    """The step a pruner judges now, or None when it should not judge at this report.

    The latest step is judged when it is past the warm-up and is the first step reported in its
    interval (intervals of ``interval_steps`` steps, counted from ``n_warmup_steps``). Counting by
    interval, not by ``step % interval_steps``, keeps a trial that skips steps from never being judged.
    """
    if not curve:
        return None
    step = max(curve)
    if step < n_warmup_steps:
        return None
    if interval_steps > 1:
        window = (step - n_warmup_steps) // interval_steps
        earlier = [s for s in curve if n_warmup_steps <= s < step]
        if earlier and (max(earlier) - n_warmup_steps) // interval_steps == window:
            return None
    return step


def percentile(sorted_scores: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (linear interpolation) of ascending scores that may hold ``+inf``.

    ``numpy.percentile`` would turn ``inf - inf`` into NaN where a score lies exactly on an infinite one.
    """
    pos = (len(sorted_scores) - 1) * q / 100.0
    lo = math.floor(pos)
    frac = pos - lo
    a = sorted_scores[lo]
    if frac == 0.0:
        return a
    b = sorted_scores[lo + 1]
    return b if math.isinf(b) else a + frac * (b - a)
