"""What the report and the dashboard show of a study, as JSON-ready data: summary, figures, trial table."""

from __future__ import annotations

import functools
import gzip
import json
import math
import time
from collections.abc import Callable
from typing import Any

from .._multi_objective import oriented
from .._multi_objective import reference_point as reference_point_of
from ..importance import get_param_importances
from ..study import Study
from ..trial import FrozenTrial, TrialState, constraint_violation
from ..visualization import (
    plot_contour,
    plot_edf,
    plot_hypervolume_history,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_pareto_front,
    plot_slice,
    plot_timeline,
)
from ..visualization._common import PLOTLY_EXTRA, empty_figure, text
from ..visualization._importance import importance_figure


@functools.lru_cache(maxsize=1)
def plotly_js_gzip() -> bytes:
    """The installed plotly.js gzip-compressed (1.5 MB, not 4.8): what the report carries and the dashboard sends."""
    from plotly.offline import get_plotlyjs  # the figures need plotly already: no new dependency

    return gzip.compress(get_plotlyjs().encode(), compresslevel=9, mtime=0)


#: The figures of a study page, in the order they are shown, with their headings.
FIGURES = {
    "pareto": "Pareto front",
    "hypervolume": "Hypervolume history",
    "history": "Optimisation history",
    "importance": "Parameter importances",
    "slice": "Slice plot",
    "contour": "Contour plot (most important parameters)",
    "parallel": "Parallel coordinates",
    "intermediate": "Intermediate values",
    "edf": "Empirical distribution of the values",
    "timeline": "Timeline of trials",
}
#: Pairs of the this-many most important parameters are drawn in the contour plot.
CONTOUR_PARAMS = 3


def log_position(study: Study) -> int:
    """Where in the study's log the latest change to any trial lies: it grows whenever a trial changes."""
    return max((t.log_position for t in study.trials), default=0)


def summary(study: Study, now: float | None = None) -> dict[str, Any]:
    """Name, directions, counts by state, best trial(s) and time spent, as JSON-ready data.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(study_name="s", seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
        >>> s = summary(study)
        >>> s["states"]["complete"], sorted(s["best"][0]["params"])
        (3, ['x'])
    """
    now = time.time() if now is None else now
    trials = study.trials
    states = {s.value: 0 for s in TrialState}
    for t in trials:
        states[t.state.value] += 1
    if len(study.directions) == 1:
        best_trial = _best(trials, study.directions[0])
        best = [best_trial] if best_trial is not None else []
    else:
        best = study.best_trials
    starts = [t.started_at for t in trials if t.started_at is not None]
    ends = [t.finished_at if t.finished_at is not None else now for t in trials if t.started_at is not None]
    busy = sum(max(0.0, e - s) for s, e in zip(starts, ends, strict=True))
    return {
        "name": study.study_name,
        "directions": list(study.directions),
        "n_trials": len(trials),
        "states": states,
        "best": [
            {"number": t.number, "values": list(t.values or ()), "params": _jsonable(dict(t.params))} for t in best
        ],
        "trial_seconds": busy,
        "wall_seconds": (max(ends) - min(starts)) if starts else 0.0,
        "first_start": min(starts) if starts else None,
        "last_end": max(ends) if ends else None,
    }


def _best(trials: list[FrozenTrial], direction: str) -> FrozenTrial | None:
    complete = [t for t in trials if t.state is TrialState.COMPLETE and t.values and math.isfinite(t.values[0])]
    if not complete:
        return None
    sign = 1.0 if direction == "minimize" else -1.0
    return min(complete, key=lambda t: (sign * t.values[0], t.number) if t.values else (math.inf, t.number))


def trial_table(study: Study) -> dict[str, Any]:
    """Every trial as a row: number, state, value(s), one column per parameter, duration, start, error.

    Cells are plain JSON values (``None`` where empty); the pages render them as text.
    """
    trials = study.trials
    n_obj = len(study.directions)
    value_cols = ["value"] if n_obj == 1 else [f"values[{i}]" for i in range(n_obj)]
    names: list[str] = []
    for t in trials:
        names.extend(k for k in t.params if k not in names)
    rows = []
    for t in trials:
        values = list(t.values) if t.values is not None else [None] * n_obj
        duration = t.duration.total_seconds() if t.duration is not None else None
        start = t.datetime_start.isoformat(sep=" ", timespec="seconds") if t.datetime_start else None
        rows.append([t.number, t.state.value, *values, *(_jsonable(t.params.get(k)) for k in names), duration, start,
                     t.error])  # fmt: skip
    return {"columns": ["number", "state", *value_cols, *names, "duration (s)", "started", "error"], "rows": rows}


def _jsonable(value: Any) -> Any:
    # Parameters are JSON already (the storage holds nothing else); NaN, which JSON lacks, becomes text.
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def figures(study: Study) -> dict[str, Any]:
    """The plotly figures of a study page, keyed as in ``FIGURES``.

    A study with several objectives starts with its Pareto front (two or three objectives) and the
    history of its hypervolume (at ``reference_point(study)``); the other figures show its first
    objective. Without scikit-learn the importance panel says so instead of failing the page.
    """
    target: Callable[[FrozenTrial], float] | None = None
    name = "Objective value"
    out: dict[str, Any] = {}
    if len(study.directions) > 1:

        def target(t: FrozenTrial) -> float:
            return t.values[0] if t.values else math.nan

        name = f"Objective 0 ({study.directions[0]})"
        if len(study.directions) <= 3:  # more do not fit one scatter; the parallel coordinates show them
            out["pareto"] = plot_pareto_front(study)
        ref = reference_point(study)
        if ref is None:
            out["hypervolume"] = empty_figure(FIGURES["hypervolume"], "No feasible complete trial yet")
        else:
            out["hypervolume"] = plot_hypervolume_history(study, ref)
            shown = ", ".join(f"{v:.4g}" for v in ref)
            out["hypervolume"].update_layout(title={"text": f"{FIGURES['hypervolume']} (reference point {shown})"})
    out["history"] = plot_optimization_history(study, target=target, target_name=name)
    try:
        shares = get_param_importances(study, target=target)
        note = f"share of the variance of the {text(name.lower())} (functional ANOVA)"
        out["importance"] = importance_figure(shares, note)
        top = [k for k, _ in sorted(shares.items(), key=lambda kv: -kv[1])[:CONTOUR_PARAMS]]
    except (ValueError, ImportError) as e:  # fewer than 2 complete trials; scikit-learn not installed
        out["importance"] = empty_figure(FIGURES["importance"], text(e))
        top = None
    out["slice"] = plot_slice(study, target=target, target_name=name)
    if top is None or len(top) >= 2:
        out["contour"] = plot_contour(study, top, target=target, target_name=name)
    else:
        out["contour"] = empty_figure(FIGURES["contour"], "A contour needs at least 2 parameters")
    out["parallel"] = plot_parallel_coordinate(study, target=target, target_name=name)
    out["intermediate"] = plot_intermediate_values(study)
    out["edf"] = plot_edf(study, target=target, target_name=name)
    out["timeline"] = plot_timeline(study)
    return out


def reference_point(study: Study) -> list[float] | None:
    """The reference point of a page's hypervolume: each objective's worst feasible value, a tenth of its range further.

    The page has no reference point from the user, so it takes the trials' nadir, moved past it so that
    the trials at the edge of the front still add volume (a common choice, e.g. BoTorch's). It moves as
    trials arrive: compare hypervolumes only on one page. ``None`` without a feasible complete trial.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(directions=["minimize", "maximize"], sampler="random")
        >>> for x in (0.0, 1.0):
        ...     _ = study.tell(study.ask({"x": hs.Float(0, 1)}), [x, 2 * x])
        >>> reference_point(study)
        [1.1, -0.2]
    """
    rows = [t.values for t in study.trials if t.state is TrialState.COMPLETE and t.values is not None
            and constraint_violation(t) <= 0]  # fmt: skip
    if not rows:
        return None
    ref = reference_point_of(oriented(rows, study.directions))  # every objective minimised
    signs = [1.0 if d == "minimize" else -1.0 for d in study.directions]
    return [round(float(sign * r), 12) for sign, r in zip(signs, ref, strict=True)]


def figure_json(fig: Any) -> str:
    """A figure as JSON text that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where ``\\u003c`` and friends mean the
    same: no string can close the script element or open a comment.
    """
    return safe_json(fig.to_plotly_json())


def safe_json(data: Any) -> str:
    """``json.dumps(data)`` with the characters that matter to an HTML parser escaped.

    Example:
        >>> safe_json({"name": "</script>"})
        '{"name": "\\\\u003c/script\\\\u003e"}'
    """
    try:
        import plotly.utils  # its encoder knows numpy arrays, dates and NaN (as null)
    except ImportError:
        raise ImportError(PLOTLY_EXTRA) from None

    raw = json.dumps(data, cls=plotly.utils.PlotlyJSONEncoder)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        raw = raw.replace(ch, esc)
    return raw
