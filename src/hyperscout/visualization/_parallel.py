"""Parallel coordinates: every complete trial as a line through the objective and its parameters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..study import Study
from ..trial import FrozenTrial
from ._common import NUMBER_FORMAT, base_layout, colour_scale, empty_figure, go, param_axis, param_plot, subtitle

_TITLE = "Parallel coordinates"


def plot_parallel_coordinate(
    study: Study,
    params: Sequence[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective value",
) -> Any:
    """Each complete trial as a line through the objective axis and one axis per parameter.

    Log-scaled parameters are drawn in log10 with ticks labelled by value; categorical ones at
    the positions of their choices. A trial that lacks one of the parameters (a conditional one)
    cannot be drawn as a line and is left out; the subtitle says how many were.

    Args:
        study: the study to draw.
        params: the parameters to draw (default: all, in the order the trials first used them).
        target: what to draw instead of the objective value; required for a study with several objectives.
        target_name: the title of the objective axis.

    Returns:
        A ``plotly.graph_objects.Figure`` with one ``parcoords`` trace; one with no data and a
        message when no trial completed.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> study.optimize(lambda t: t.suggest_int("n", 1, 9) * 1.0, n_trials=4, show_progress_bar=False)
        >>> [d.label for d in plot_parallel_coordinate(study).data[0].dimensions]
        ['Objective value', 'n']
    """
    plot = param_plot(study, params, target, target_name, _TITLE, min_params=0)
    if plot.empty is not None:
        return plot.empty
    tgt, points, complete, names = plot.target, plot.points, plot.complete, plot.names
    axes = [param_axis(n, complete) for n in names]
    rows = []
    for t, v in points:
        coords = [a.coord(t.params[n]) if n in t.params else None for n, a in zip(names, axes, strict=True)]
        if all(c is not None for c in coords):
            rows.append((v, coords))
    left_out = len(points) - len(rows)
    note = f"{left_out} trial(s) without every parameter left out" if left_out else ""
    if not rows:
        return empty_figure(_TITLE, "No complete trial has all of these parameters")
    values = [v for v, _ in rows]
    dims: list[dict[str, Any]] = [{"label": tgt.name, "values": values, "tickformat": NUMBER_FORMAT}]
    for j, axis in enumerate(axes):
        col = [c[j] for _, c in rows]
        dim: dict[str, Any] = {"label": axis.title, "values": col, "tickformat": NUMBER_FORMAT}
        if axis.kind == "category":
            k = len(axis.labels)
            dim.update(tickvals=list(range(k)), ticktext=axis.labels, range=[0, max(1, k - 1)])
        elif axis.kind == "log":
            ticks = axis.plotly_axis(coords=True)
            dim.update(tickvals=ticks["tickvals"], ticktext=ticks["ticktext"])
        dims.append(dim)
    g = go()
    fig = g.Figure(
        g.Parcoords(
            dimensions=dims,
            line={"color": values, "showscale": True, "colorbar": {"title": {"text": tgt.name}},
                  **colour_scale(tgt.direction)},
        )
    )  # fmt: skip
    fig.update_layout(**base_layout(subtitle(_TITLE, note)))
    return fig
