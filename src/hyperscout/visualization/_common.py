"""What every plot shares: the lazy plotly import, the value being plotted, parameter axes, empty figures.

Every string that comes from users (parameter names, categorical values, study names) goes through
``text()`` before plotly sees it: plotly reads a small subset of HTML in titles, labels and hover
text (``<b>``, ``<a href=...>``), so a value such as ``<a href=...>`` must reach it as entities and
be shown as typed.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..space import Categorical, Distribution, Float, Int, OrNone
from ..study import Study
from ..trial import FrozenTrial, TrialState

PLOTLY_EXTRA = "plotting needs plotly, an optional extra (hyperscout[viz]): pip install plotly"
#: Colours of trial states, the same in every plot.
STATE_COLOURS = {
    TrialState.COMPLETE: "#1f77b4",
    TrialState.PRUNED: "#ff7f0e",
    TrialState.FAIL: "#d62728",
    TrialState.RUNNING: "#2ca02c",
    TrialState.WAITING: "#7f7f7f",
    TrialState.PAUSED: "#9467bd",
}
#: How numbers read in hover text and tick labels: 4 significant digits, trailing zeros dropped (d3-format).
NUMBER_FORMAT = ".4~g"
#: An OrNone over more values than this is drawn on a numeric axis (None left out) rather than by category.
_MAX_CATEGORIES = 50


def go() -> Any:
    """``plotly.graph_objects``, or an ImportError naming the extra to install."""
    try:
        import plotly.graph_objects as go_
    except ImportError:
        raise ImportError(PLOTLY_EXTRA) from None
    return go_


def make_subplots(**kwargs: Any) -> Any:
    """``plotly.subplots.make_subplots(**kwargs)``."""
    go()  # the same ImportError when plotly is missing
    from plotly.subplots import make_subplots as make

    return make(**kwargs)


def text(value: Any) -> str:
    """``value`` as plotly text that shows exactly as ``str(value)`` reads."""
    return html.escape(str(value), quote=False)


@dataclass(frozen=True)
class Target:
    """The number a plot draws for each complete trial, its axis title, and which way is better."""

    value: Callable[[FrozenTrial], float]
    name: str
    direction: str | None


def target_of(study: Study, target: Callable[[FrozenTrial], float] | None, target_name: str) -> Target:
    """The objective of a single-objective study, or ``target`` (required with several objectives)."""
    if target is not None:
        if not callable(target):
            raise ValueError(f"target must be a function of a FrozenTrial, got {target!r}")
        return Target(target, text(target_name), None)
    if len(study.directions) != 1:
        raise ValueError(
            f"study {study.study_name!r} has {len(study.directions)} objectives; pass target=, "
            "e.g. target=lambda t: t.values[0]"
        )
    return Target(lambda t: t.values[0] if t.values else math.nan, text(target_name), study.directions[0])


def scored(trials: Sequence[FrozenTrial], target: Target) -> list[tuple[FrozenTrial, float]]:
    """The complete trials with a finite target value, by number."""
    out = []
    for t in trials:
        if t.state is TrialState.COMPLETE:
            v = float(target.value(t))
            if math.isfinite(v):
                out.append((t, v))
    return out


def number(value: float) -> str:
    """``value`` to 4 significant digits, as the plots' hover text shows numbers (``NUMBER_FORMAT``)."""
    return f"{value:.4g}"


def hover_number(field: str) -> str:
    """A hovertemplate placeholder showing the number ``field`` (``"y"``, ``"customdata[1]"``) rounded."""
    return f"%{{{field}:{NUMBER_FORMAT}}}"


#: Legends lie in rows under the plot, across its width: to the right of the plot they squeeze it,
#: or are cut off, in a narrow window. With nothing on the right, a narrow right margin does; a
#: colour bar widens it as it needs.
LEGEND = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"}
MARGIN = {"r": 24}


def base_layout(title: str, **more: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "template": "plotly_white", "legend": LEGEND, "margin": MARGIN, **more}


def empty_figure(title: str, message: str) -> Any:
    """A figure with no data and ``message`` in its middle: what every plot shows when it has nothing to draw."""
    fig = go().Figure()
    fig.update_layout(
        **base_layout(title),
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {"text": message, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
             "font": {"size": 16}}
        ],
    )  # fmt: skip
    return fig


@dataclass(frozen=True)
class ParamPlot:
    """What the plots of parameters (slice, rank, contour, parallel coordinates) start from.

    ``empty`` is the figure to return instead, saying why, when there is too little to draw.
    """

    target: Target
    points: list[tuple[FrozenTrial, float]]
    names: list[str]
    empty: Any = None

    @property
    def complete(self) -> list[FrozenTrial]:
        return [t for t, _ in self.points]


def param_plot(
    study: Study,
    params: Sequence[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
    title: str,
    *,
    min_trials: int = 1,
    min_params: int = 1,
) -> ParamPlot:
    """The target, the scored complete trials and the parameter names of a plot; or the empty figure to show."""
    tgt = target_of(study, target, target_name)
    points = scored(study.trials, tgt)
    if len(points) < min_trials:
        why = (
            "No complete trial yet"
            if min_trials == 1
            else f"This plot needs at least {min_trials} complete trials; this study has {len(points)}"
        )
        return ParamPlot(tgt, points, [], empty_figure(title, why))
    names = param_names([t for t, _ in points], params)
    if len(names) < min_params:
        why = (
            "The complete trials have no parameters"
            if min_params == 1
            else f"This plot needs at least {min_params} parameters; there are {len(names)}"
        )
        return ParamPlot(tgt, points, names, empty_figure(title, why))
    return ParamPlot(tgt, points, names)


def state_counts(trials: Sequence[FrozenTrial]) -> dict[TrialState, int]:
    counts = {s: 0 for s in TrialState}
    for t in trials:
        counts[t.state] += 1
    return counts


def subtitle(title: str, note: str) -> str:
    return f"{title}<br><sup>{note}</sup>" if note else title


def param_names(trials: Sequence[FrozenTrial], params: Sequence[str] | None) -> list[str]:
    """``params`` checked against the trials, or every parameter the trials have, in order of first use."""
    seen: list[str] = []
    for t in trials:
        seen.extend(k for k in t.params if k not in seen)
    if params is None:
        return seen
    names = [str(p) for p in params]
    unknown = [p for p in names if p not in seen]
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; the trials have {seen}")
    return names


def latest_distribution(name: str, trials: Sequence[FrozenTrial]) -> Distribution | None:
    # A parameter's range may change during a study; the most recent one describes the axis.
    for t in reversed(trials):
        d = t.distributions.get(name)
        if d is not None:
            return d
    return None


@dataclass
class Axis:
    """How one parameter is drawn.

    ``kind`` is ``"linear"``, ``"log"`` or ``"category"``. ``coord`` maps a value to a number on
    the axis (the category index, ``log10`` of a log-scaled value), or ``None`` when the value
    cannot be drawn (``None`` on a numeric axis); ``labels`` are the categories, already escaped.
    """

    name: str
    kind: str
    labels: list[str] = field(default_factory=list)
    keys: list[Any] = field(default_factory=list)
    dropped: int = 0
    coords_range: tuple[float, float] = (0.0, 1.0)

    @property
    def title(self) -> str:
        note = f" ({self.dropped} None not shown)" if self.dropped else ""
        return text(self.name) + note

    def coord(self, value: Any) -> float | None:
        if self.kind == "category":
            key = _key(value)
            return float(self.keys.index(key)) if key in self.keys else None
        if value is None or isinstance(value, (bool, str)):
            return None
        v = float(value)
        if self.kind == "log":
            return math.log10(v) if v > 0 else None
        return v

    def label(self, value: Any) -> str:
        """The category label of ``value`` (a category axis only)."""
        return self.labels[self.keys.index(_key(value))]

    def plotly_axis(self, coords: bool) -> dict[str, Any]:
        """Axis settings; with ``coords`` the data are ``coord`` numbers, else raw values (or labels)."""
        if self.kind == "category":
            if coords:
                return {"tickvals": list(range(len(self.labels))), "ticktext": self.labels, "type": "linear"}
            return {"type": "category", "categoryorder": "array", "categoryarray": self.labels}
        if self.kind == "log":
            if coords:
                return {"type": "linear", **log_ticks(self.coords_range)}
            return {"type": "log", "hoverformat": NUMBER_FORMAT}
        return {"type": "linear", "hoverformat": NUMBER_FORMAT}

    def hover(self, field: str) -> str:
        """A hovertemplate placeholder for this axis's value in ``field``: rounded unless it is a category."""
        return f"%{{{field}}}" if self.kind == "category" else hover_number(field)


def _key(value: Any) -> tuple[str, Any]:
    # True == 1 == 1.0 in Python; a categorical may hold both True and 1, which are different choices.
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    return ("num", float(value))


def _labels(values: Sequence[Any]) -> list[str]:
    plain = [str(v) for v in values]
    # "1" and 1 would both read 1: show reprs when plain text is ambiguous.
    if len(set(plain)) < len(plain):
        plain = [repr(v) for v in values]
    return [text(s) for s in plain]


def param_axis(name: str, trials: Sequence[FrozenTrial]) -> Axis:
    """The axis of parameter ``name`` as the trials use it (log, category, or plain numbers)."""
    dist = latest_distribution(name, trials)
    values = [t.params[name] for t in trials if name in t.params]
    categories: list[Any] | None = None
    if isinstance(dist, Categorical):
        categories = list(dist.choices)
    elif isinstance(dist, OrNone) and dist.inner.size is not None and dist.inner.size < _MAX_CATEGORIES:
        categories = dist.grid()
    elif any(isinstance(v, (str, bool)) for v in values) or not isinstance(dist, (Float, Int, OrNone)):
        categories = []
    if categories is not None:
        keys = [_key(c) for c in categories]
        for v in values:  # values from an older range of the parameter, or of another type
            if _key(v) not in keys:
                keys.append(_key(v))
                categories.append(v)
        return Axis(name, "category", _labels(categories), keys)
    inner = dist.inner if isinstance(dist, OrNone) else dist
    log = bool(getattr(inner, "log", False)) and all(v is None or v > 0 for v in values)
    axis = Axis(name, "log" if log else "linear", dropped=sum(v is None for v in values))
    coords = [c for v in values if (c := axis.coord(v)) is not None]
    if coords:
        axis.coords_range = (min(coords), max(coords))
    return axis


def log_ticks(span: tuple[float, float]) -> dict[str, Any]:
    """Tick positions (in log10) and labels (the values) for a log axis drawn in log10 coordinates."""
    lo, hi = span
    if hi - lo < 1:
        # Less than a decade: powers of ten would fall outside; label a few points in between.
        vals = [lo + (hi - lo) * k / 4 for k in range(5)] if hi > lo else [lo]
    else:
        first, last = math.floor(lo), math.ceil(hi)
        step = max(1, (last - first) // 6)
        vals = [float(v) for v in range(first, last + 1, step)]
    return {"tickvals": vals, "ticktext": [number(10.0**v) for v in vals]}


def colour_scale(direction: str | None) -> dict[str, Any]:
    """A colour scale where the best values are the darkest, whichever the direction."""
    return {"colorscale": "Blues", "reversescale": direction == "minimize"}
