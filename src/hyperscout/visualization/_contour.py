"""The contour plot: the objective over pairs of parameters, interpolated between trials, never across categories."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..study import Study
from ..trial import FrozenTrial
from ._common import Axis, base_layout, colour_scale, go, make_subplots, number, param_axis, param_plot, text

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

    Log-scaled parameters are drawn (and interpolated) in log10. A categorical parameter is drawn
    as categories, one column (or row) each, and nothing is interpolated across them: within a
    category the value is interpolated along the other parameter between that category's own
    trials; with two categorical parameters each cell shows the mean value of its trials. Nothing
    is extrapolated: outside the trials (their convex hull, for two numeric parameters) the plot is
    blank. All panels share one colour scale, darkest where the value is best.

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
    plot = param_plot(study, params, target, target_name, _TITLE, min_trials=2, min_params=2)
    if plot.empty is not None:
        return plot.empty
    g = go()
    pairs = list(itertools.combinations(plot.names, 2))
    cols = min(_COLUMNS, len(pairs))
    rows = -(-len(pairs) // cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.08, vertical_spacing=0.15)
    axes = {n: param_axis(n, plot.complete) for n in plot.names}
    for i, (nx, ny) in enumerate(pairs):
        row, col = i // cols + 1, i % cols + 1
        ax, ay = axes[nx], axes[ny]
        xs, ys, zs, hover = [], [], [], []
        for t, v in plot.points:
            cx = ax.coord(t.params.get(nx)) if nx in t.params else None
            cy = ay.coord(t.params.get(ny)) if ny in t.params else None
            if cx is not None and cy is not None:
                xs.append(cx)
                ys.append(cy)
                zs.append(v)
                hover.append([t.number, number(v), _shown(ax, t.params[nx]), _shown(ay, t.params[ny])])
        x, y, z = np.array(xs), np.array(ys), np.array(zs)
        if ax.kind == "category" or ay.kind == "category":
            cells = _by_category(x, y, z, ax, ay, resolution)
            if cells is not None:
                fig.add_trace(
                    g.Heatmap(x=cells[0], y=cells[1], z=cells[2], coloraxis="coloraxis", showlegend=False,
                              hoverinfo="skip"),
                    row=row, col=col,
                )  # fmt: skip
        else:
            surface = _interpolate(x, y, z, resolution)
            if surface is not None:
                fig.add_trace(
                    g.Contour(
                        x=surface[0], y=surface[1], z=surface[2], coloraxis="coloraxis", connectgaps=False,
                        showlegend=False, contours={"coloring": "heatmap"}, line={"width": 0.3}, hoverinfo="skip",
                    ),
                    row=row, col=col,
                )  # fmt: skip
        fig.add_trace(
            g.Scatter(
                x=xs, y=ys, mode="markers", showlegend=False, customdata=hover,
                marker={"color": "white", "size": 6, "line": {"color": "black", "width": 1}},
                hovertemplate=f"trial %{{customdata[0]}}<br>{plot.target.name} %{{customdata[1]}}<br>"
                f"{text(nx)} %{{customdata[2]}}<br>{text(ny)} %{{customdata[3]}}<extra></extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
        fig.update_xaxes(title_text=ax.title, row=row, col=col, **_axis(ax, xs))
        fig.update_yaxes(title_text=ay.title, row=row, col=col, **_axis(ay, ys))
    fig.update_layout(
        **base_layout(_TITLE),
        coloraxis={**colour_scale(plot.target.direction), "colorbar": {"title": {"text": plot.target.name}}},
        height=max(450, 380 * rows),
    )
    return fig


def _shown(axis: Axis, value: Any) -> str:
    """A parameter's value as the hover text shows it: the category's label, or the number rounded."""
    return axis.label(value) if axis.kind == "category" else number(float(value))


def _axis(axis: Axis, coords: list[float]) -> dict[str, Any]:
    out = axis.plotly_axis(coords=True)
    if axis.kind == "category":
        out["range"] = [-0.5, len(axis.labels) - 0.5]  # each category a cell one unit wide
    elif coords:
        lo, hi = min(coords), max(coords)
        pad = 0.05 * (hi - lo) if hi > lo else 0.5
        out["range"] = [lo - pad, hi + pad]
    return out


def _by_category(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, ax: Axis, ay: Axis, resolution: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Cells for a pair with a categorical axis: nothing is interpolated across categories.

    Two categorical axes: each cell holds the mean value of the trials in it. One: within each
    category, ``z`` is interpolated linearly along the numeric axis between that category's own
    trials (their mean where several share a value), and left blank beyond them.
    """
    if ax.kind == "category" and ay.kind == "category":
        gx, gy = np.arange(len(ax.labels), dtype=float), np.arange(len(ay.labels), dtype=float)
        total = np.zeros((len(gy), len(gx)))
        count = np.zeros_like(total)
        np.add.at(total, (y.astype(int), x.astype(int)), z)
        np.add.at(count, (y.astype(int), x.astype(int)), 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return gx, gy, np.where(count > 0, total / count, np.nan)
    flip = ay.kind == "category"  # work with the categories on x, then transpose back
    cat, num, n_categories = (y, x, len(ay.labels)) if flip else (x, y, len(ax.labels))
    if len(num) == 0 or np.ptp(num) == 0:
        return None
    grid = np.linspace(num.min(), num.max(), resolution)
    gz = np.full((resolution, n_categories), np.nan)
    for k in range(n_categories):
        mine = cat == k
        at, inverse = np.unique(num[mine], return_inverse=True)
        if len(at) < 2:
            continue  # one value: nothing to interpolate between; the trial's marker shows it
        mean = np.bincount(inverse, weights=z[mine]) / np.bincount(inverse)
        inside = (grid >= at[0]) & (grid <= at[-1])
        gz[inside, k] = np.interp(grid[inside], at, mean)
    categories = np.arange(n_categories, dtype=float)
    return (grid, categories, gz.T) if flip else (categories, grid, gz)


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
