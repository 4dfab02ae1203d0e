"""The slice plot: the objective against each parameter on its own, one panel per parameter."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..study import Study
from ..trial import FrozenTrial
from ._common import base_layout, go, hover_number, make_subplots, param_axis, param_plot, text

_TITLE = "Slice plot"
_COLUMNS = 4


def plot_slice(
    study: Study,
    params: Sequence[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective value",
) -> Any:
    """The value of each complete trial against each parameter, coloured by trial number.

    Log-scaled parameters get a log axis and categorical ones a category axis in the order of their
    choices. A trial appears in the panels of the parameters it used (conditional parameters).

    Args:
        study: the study to draw.
        params: the parameters to draw (default: all, in the order the trials first used them).
        target: what to draw instead of the objective value; required for a study with several objectives.
        target_name: the title of the value axis.

    Returns:
        A ``plotly.graph_objects.Figure``, one panel per parameter; one with no data and a message
        when no trial completed.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 1e-3, 1, log=True), n_trials=4, show_progress_bar=False)
        >>> plot_slice(study).layout.xaxis.type
        'log'
    """
    plot = param_plot(study, params, target, target_name, _TITLE)
    if plot.empty is not None:
        return plot.empty
    tgt, points, complete, names = plot.target, plot.points, plot.complete, plot.names
    g = go()
    cols = min(_COLUMNS, len(names))
    rows = -(-len(names) // cols)
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, horizontal_spacing=0.04, vertical_spacing=0.18)
    for i, name in enumerate(names):
        axis = param_axis(name, complete)
        row, col = i // cols + 1, i % cols + 1
        used = [(t, v) for t, v in points if name in t.params and axis.coord(t.params[name]) is not None]
        if axis.kind == "category":
            xs: list[Any] = [axis.label(t.params[name]) for t, _ in used]
        else:
            xs = [t.params[name] for t, _ in used]
        fig.add_trace(
            g.Scatter(
                x=xs, y=[v for _, v in used], mode="markers", name=axis.title, showlegend=False,
                marker={"color": [t.number for t, _ in used], "coloraxis": "coloraxis", "line": {"width": 0.5}},
                customdata=[t.number for t, _ in used],
                hovertemplate=f"trial %{{customdata}}<br>{text(name)} {axis.hover('x')}<br>"
                f"{tgt.name} {hover_number('y')}<extra></extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
        fig.update_xaxes(title_text=axis.title, row=row, col=col, **axis.plotly_axis(coords=False))
    for r in range(1, rows + 1):
        fig.update_yaxes(title_text=tgt.name, row=r, col=1)
    fig.update_layout(
        **base_layout(_TITLE),
        coloraxis={"colorscale": "Blues", "colorbar": {"title": {"text": "Trial"}}},
        height=max(400, 320 * rows),
    )
    return fig
