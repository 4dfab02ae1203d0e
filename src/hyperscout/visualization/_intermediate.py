"""Learning curves: the intermediate values each trial reported, by step, coloured by state."""

from __future__ import annotations

from typing import Any

from ..study import Study
from ..trial import TrialState
from ._common import STATE_COLOURS, base_layout, empty_figure, go, hover_number

_TITLE = "Intermediate values"


def plot_intermediate_values(study: Study) -> Any:
    """The values each trial reported with ``trial.report(value, step)``, one line per trial.

    Lines are grouped by state (complete, pruned, running, failed), one legend entry each, so that a
    pruner's decisions are visible: the pruned curves stop where the pruner stopped them.

    Args:
        study: the study to draw.

    Returns:
        A ``plotly.graph_objects.Figure`` with one line trace per state present; one with no data
        and a message when no trial reported a value.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> def objective(trial):
        ...     for step in range(3):
        ...         trial.report(1.0 / (step + 1), step)
        ...     return 0.3
        >>> study.optimize(objective, n_trials=2, show_progress_bar=False)
        >>> [(trace.name, len(trace.x)) for trace in plot_intermediate_values(study).data]  # 3 steps + a gap, twice
        [('Complete', 8)]
    """
    trials = [t for t in study.trials if t.intermediate_values]
    if not trials:
        return empty_figure(_TITLE, "No trial reported an intermediate value")
    g = go()
    fig = g.Figure()
    order = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.PAUSED, TrialState.RUNNING, TrialState.FAIL)
    for state in (*order, TrialState.WAITING):
        group = [t for t in trials if t.state is state]
        if not group:
            continue
        # One trace per state with a gap (None) between trials: thousands of trials stay one trace.
        xs: list[Any] = []
        ys: list[Any] = []
        nums: list[Any] = []
        for t in group:
            steps = sorted(t.intermediate_values)
            xs += [*steps, None]
            ys += [*(t.intermediate_values[s] for s in steps), None]
            nums += [t.number] * len(steps) + [None]
        fig.add_trace(
            g.Scatter(
                x=xs, y=ys, customdata=nums, mode="lines+markers", name=state.value.capitalize(),
                connectgaps=False, line={"color": STATE_COLOURS[state], "width": 1},
                marker={"size": 3, "color": STATE_COLOURS[state]}, opacity=0.8,
                hovertemplate=f"trial %{{customdata}}<br>step %{{x}}<br>value {hover_number('y')}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        **base_layout(_TITLE),
        xaxis={"title": {"text": "Step"}},
        yaxis={"title": {"text": "Intermediate value"}},
    )
    return fig
