"""The contour plot: the objective over pairs of parameters, interpolated between the trials."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..study import Study
from ..trial import FrozenTrial
from ._common import (
    Axis,
    base_layout,
    colour_scale,
    empty_figure,
    go,
    make_subplots,
    param_axis,
    param_names,
    scored,
    target_of,
)

_TITLE = "Contour plot"
_COLUMNS = 3


def plot_contour(
    study: Study,
    params: Sequence[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective value",
    resolution: int = 60,
) -> Any:
    """The objective over each pair of parameters: the trials as points, linearly interpolated between them.

    Log-scaled parameters are drawn (and interpolated) in log10, categorical ones at the positions of
    their choices. Nothing is extrapolated: outside the convex hull of the trials the plot is blank.
    All panels share one colour scale, darkest where the value is best.

    Args:
        study: the study to draw.
        params: the parameters to pair (default: all; with ``d`` parameters there are ``d(d-1)/2`` panels).
        target: what to draw instead of the objective value; required for a study with several objectives.
        target_name: the title of the colour scale.
        resolution: grid points per axis of the interpolation.

    Returns:
        A ``plotly.graph_objects.Figure``; one with no data and a message when fewer than two trials
        completed or fewer than two parameters are given.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=6,
        ...                show_progress_bar=False)
        >>> [trace.type for trace in plot_contour(study).data]
        ['contour', 'scatter']
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    tgt = target_of(study, target, target_name)
    points = scored(study.trials, tgt)
    if len(points) < 2:
        return empty_figure(_TITLE, f"A contour needs at least 2 complete trials; this study has {len(points)}")
    complete = [t for t, _ in points]
    names = param_names(complete, params)
    if len(names) < 2:
        return empty_figure(_TITLE, f"A contour needs at least 2 parameters; there are {len(names)}")
    g = go()
    pairs = list(itertools.combinations(names, 2))
    cols = min(_COLUMNS, len(pairs))
    rows = -(-len(pairs) // cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.08, vertical_spacing=0.15)
    axes = {n: param_axis(n, complete) for n in names}
    for i, (nx, ny) in enumerate(pairs):
        row, col = i // cols + 1, i % cols + 1
        ax, ay = axes[nx], axes[ny]
        xs, ys, zs, nums = [], [], [], []
        for t, v in points:
            cx = ax.coord(t.params.get(nx)) if nx in t.params else None
            cy = ay.coord(t.params.get(ny)) if ny in t.params else None
            if cx is not None and cy is not None:
                xs.append(cx)
                ys.append(cy)
                zs.append(v)
                nums.append(t.number)
        surface = _interpolate(np.array(xs), np.array(ys), np.array(zs), resolution)
        if surface is not None:
            gx, gy, gz = surface
            fig.add_trace(
                g.Contour(
                    x=gx, y=gy, z=gz, coloraxis="coloraxis", connectgaps=False, showlegend=False,
                    contours={"coloring": "heatmap"}, line={"width": 0.3}, hoverinfo="skip",
                ),
                row=row, col=col,
            )  # fmt: skip
        fig.add_trace(
            g.Scatter(
                x=xs, y=ys, mode="markers", showlegend=False, customdata=np.array([nums, zs]).T,
                marker={"color": "white", "size": 6, "line": {"color": "black", "width": 1}},
                hovertemplate="trial %{customdata[0]}<br>value %{customdata[1]}<extra></extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
        fig.update_xaxes(title_text=ax.title, row=row, col=col, **_axis(ax, xs))
        fig.update_yaxes(title_text=ay.title, row=row, col=col, **_axis(ay, ys))
    fig.update_layout(
        **base_layout(_TITLE),
        coloraxis={**colour_scale(tgt.direction), "colorbar": {"title": {"text": tgt.name}}},
        height=max(450, 380 * rows),
    )
    return fig


def _axis(axis: Axis, coords: list[float]) -> dict[str, Any]:
    out = axis.plotly_axis(coords=True)
    if coords:
        lo, hi = min(coords), max(coords)
        pad = 0.05 * (hi - lo) if hi > lo else 0.5
        out["range"] = [lo - pad, hi + pad]
    return out


def _interpolate(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, resolution: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``z`` linearly interpolated on a ``resolution``² grid over the trials' box; ``None`` when impossible.

    The interpolation needs a triangle: three points, not on one line.
    """
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    from scipy.spatial import Delaunay, QhullError  # slow to import; only plots need it

    gx = np.linspace(x.min(), x.max(), resolution)
    gy = np.linspace(y.min(), y.max(), resolution)
    # Triangulate in the unit square: otherwise the axis with the larger numbers decides the triangles.
    pts = np.column_stack([(x - x.min()) / np.ptp(x), (y - y.min()) / np.ptp(y)])
    from threadpoolctl import threadpool_limits

    try:
        tri = Delaunay(pts)
    except QhullError:  # the points are collinear after all
        return None
    mx, my = np.meshgrid(np.linspace(0, 1, resolution), np.linspace(0, 1, resolution))
    q = np.column_stack([mx.ravel(), my.ravel()])
    # Barycentric weights in the triangle holding each grid point, as griddata(method="linear")
    # computes them. The triangles' transforms are hundreds of tiny LAPACK solves: BLAS threads
    # only make them wait for each other (0.9 s instead of 1 ms for 30 trials on two busy cores).
    with threadpool_limits(limits=1, user_api="blas"):
        simplex = tri.find_simplex(q)
    inside = simplex >= 0
    trans = tri.transform[simplex[inside]]
    b = np.einsum("ijk,ik->ij", trans[:, :2, :], q[inside] - trans[:, 2, :])
    weights = np.column_stack([b, 1 - b.sum(axis=1)])
    gz = np.full(len(q), np.nan)
    gz[inside] = (z[tri.simplices[simplex[inside]]] * weights).sum(axis=1)
    if not inside.any():
        return None
    return gx, gy, gz.reshape(resolution, resolution)
