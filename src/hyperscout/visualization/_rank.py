"""The rank plot: the trials in each plane of two parameters, coloured by how their values rank."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from ..study import Study
from ..trial import FrozenTrial
from ._common import (
    NUMBER_FORMAT,
    Axis,
    base_layout,
    colour_scale,
    go,
    hover_number,
    make_subplots,
    param_axis,
    param_plot,
    text,
)

_TITLE = "Rank plot"
_COLUMNS = 3


def _ranks(values: Sequence[float], direction: str | None) -> list[float]:
    """Each value's rank as a fraction: 0 for the best, 1 for the worst (ties share the lower rank)."""
    sign = -1.0 if direction == "maximize" else 1.0
    ordered = sorted(sign * v for v in values)
    n = max(len(values) - 1, 1)
    first: dict[float, int] = {}
    for i, v in enumerate(ordered):
        first.setdefault(v, i)
    return [first[sign * v] / n for v in values]


def _xs(axis: Axis, values: list[Any]) -> list[Any]:
    return [axis.label(v) for v in values] if axis.kind == "category" else values


def plot_rank(
    study: Study,
    params: Sequence[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective value",
) -> Any:
    """Each complete trial in the plane of every pair of parameters, coloured by the rank of its value.

    Optuna's ``plot_rank``: where the best trials lie with respect to two parameters at once,
    whatever the scale of the values (a rank, unlike the value itself, is not dominated by a few
    very bad trials). With one parameter, the value itself is the vertical axis. Log-scaled
    parameters get a log axis and categorical ones a category axis; a trial appears in the panels
    of the parameters it used (conditional parameters).

    Args:
        study: the study to draw.
        params: the parameters to draw (default: all, in the order the trials first used them).
        target: what to rank instead of the objective value; required for a study with several objectives.
        target_name: the name of the value in the hover text and the one-parameter axis.

    Returns:
        A ``plotly.graph_objects.Figure`` with one panel per pair of parameters; one with no data
        and a message when no trial completed.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 1, 3), n_trials=6,
        ...                show_progress_bar=False)
        >>> fig = plot_rank(study)
        >>> fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
        ('x', 'n')
    """
    plot = param_plot(study, params, target, target_name, _TITLE)
    if plot.empty is not None:
        return plot.empty
    tgt, points, complete, names = plot.target, plot.points, plot.complete, plot.names
    ranks = dict(zip((t.number for t in complete), _ranks([v for _, v in points], tgt.direction), strict=True))
    values = {t.number: v for t, v in points}
    axes = {n: param_axis(n, complete) for n in names}
    pairs: list[tuple[str, str | None]] = list(itertools.combinations(names, 2)) or [(names[0], None)]
    g = go()
    cols = min(_COLUMNS, len(pairs))
    rows = -(-len(pairs) // cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.08, vertical_spacing=0.15)
    for i, (a, b) in enumerate(pairs):
        row, col = i // cols + 1, i % cols + 1
        ax = axes[a]
        used = [t for t in complete if a in t.params and ax.coord(t.params[a]) is not None]
        if b is not None:
            used = [t for t in used if b in t.params and axes[b].coord(t.params[b]) is not None]
        ys = _xs(axes[b], [t.params[b] for t in used]) if b is not None else [values[t.number] for t in used]
        fig.add_trace(
            g.Scatter(
                x=_xs(ax, [t.params[a] for t in used]), y=ys, mode="markers", showlegend=False,
                marker={"color": [ranks[t.number] for t in used], "coloraxis": "coloraxis", "line": {"width": 0.5}},
                customdata=[[t.number, values[t.number]] for t in used],
                hovertemplate=f"trial %{{customdata[0]}}<br>{tgt.name} {hover_number('customdata[1]')}<br>"
                f"{text(a)} {ax.hover('x')}" + (f"<br>{text(b)} {axes[b].hover('y')}" if b else "") + "<extra></extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
        fig.update_xaxes(title_text=ax.title, row=row, col=col, **ax.plotly_axis(coords=False))
        y_axis = (
            axes[b].plotly_axis(coords=False) if b is not None else {"type": "linear", "hoverformat": NUMBER_FORMAT}
        )
        fig.update_yaxes(title_text=axes[b].title if b is not None else tgt.name, row=row, col=col, **y_axis)
    fig.update_layout(
        **base_layout(_TITLE),
        coloraxis={**colour_scale("minimize"), "cmin": 0.0, "cmax": 1.0,
                   "colorbar": {"title": {"text": "Rank (0: best)"}}},
        height=max(420, 340 * rows),
    )  # fmt: skip
    return fig
