"""The optimisation history: each complete trial's value by trial number, and the best so far."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..study import Study
from ..trial import FrozenTrial, TrialState
from ._common import (
    STATE_COLOURS,
    base_layout,
    empty_figure,
    go,
    hover_number,
    scored,
    state_counts,
    subtitle,
    target_of,
)

_TITLE = "Optimisation history"


def plot_optimization_history(
    study: Study,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective value",
) -> Any:
    """Each complete trial's value against its number, with the best value so far as a step line.

    Pruned trials appear at the last value they reported (they are not candidates for the best);
    failed trials have no value, and the subtitle counts them.

    Args:
        study: the study to draw.
        target: what to draw instead of the objective value; required for a study with several
            objectives (then there is no "best so far": which way is better is not known).
        target_name: the title of the value axis.

    Returns:
        A ``plotly.graph_objects.Figure``; one with no data and a message when no trial completed.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5, show_progress_bar=False)
        >>> [trace.name for trace in plot_optimization_history(study).data]
        ['Complete', 'Best so far']
    """
    tgt = target_of(study, target, target_name)
    trials = study.trials
    points = scored(trials, tgt)
    counts = state_counts(trials)
    note = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n and s is not TrialState.COMPLETE)
    if not points:
        return empty_figure(_TITLE, "No complete trial yet" + (f" ({note})" if note else ""))
    g = go()
    fig = g.Figure()
    numbers = [t.number for t, _ in points]
    values = [v for _, v in points]
    fig.add_trace(
        g.Scatter(
            x=numbers, y=values, mode="markers", name="Complete",
            marker={"color": STATE_COLOURS[TrialState.COMPLETE]},
            hovertemplate=f"trial %{{x}}<br>value {hover_number('y')}<extra></extra>",
        )
    )  # fmt: skip
    if tgt.direction is not None:
        best: list[float] = []
        for v in values:
            if not best:
                best.append(v)
            else:
                best.append(min(best[-1], v) if tgt.direction == "minimize" else max(best[-1], v))
        # Carry the best line to the last trial of the study, so that it reads as "best up to now".
        last = trials[-1].number
        fig.add_trace(
            g.Scatter(
                x=[*numbers, last] if last > numbers[-1] else numbers,
                y=[*best, best[-1]] if last > numbers[-1] else best,
                mode="lines", name="Best so far", line={"shape": "hv", "color": "#d62728"},
                hovertemplate=f"best after trial %{{x}}: {hover_number('y')}<extra></extra>",
            )
        )  # fmt: skip
        pruned = [t for t in trials if t.state.stopped_early and t.intermediate_values and target is None]
        if pruned:
            fig.add_trace(
                g.Scatter(
                    x=[t.number for t in pruned],
                    y=[t.intermediate_values[max(t.intermediate_values)] for t in pruned],
                    mode="markers", name="Pruned or paused (last reported value)",
                    marker={"color": STATE_COLOURS[TrialState.PRUNED], "symbol": "x", "opacity": 0.6},
                    hovertemplate=f"trial %{{x}} (stopped early)<br>last value {hover_number('y')}<extra></extra>",
                )
            )  # fmt: skip
    fig.update_layout(
        **base_layout(subtitle(_TITLE, note)),
        xaxis={"title": {"text": "Trial"}},
        yaxis={"title": {"text": tgt.name}},
    )
    return fig
