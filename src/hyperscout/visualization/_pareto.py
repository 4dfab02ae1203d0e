"""Several objectives: the Pareto front of a study, and its hypervolume trial by trial."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._checks import is_number
from .._multi_objective import hypervolume, oriented, pareto_mask
from ..study import Study
from ..trial import FrozenTrial, TrialState, constraint_violation
from ._common import STATE_COLOURS, base_layout, empty_figure, go, subtitle, text

_FRONT_TITLE = "Pareto front"
_HV_TITLE = "Hypervolume history"
_INFEASIBLE = "#bbbbbb"


def _complete(study: Study) -> list[FrozenTrial]:
    return [t for t in study.trials if t.state is TrialState.COMPLETE and t.values is not None]


def _hover(t: FrozenTrial) -> str:
    params = "<br>".join(f"{text(k)}: {text(v)}" for k, v in t.params.items())
    return f"trial {t.number}" + (f"<br>{params}" if params else "")


def plot_pareto_front(
    study: Study,
    *,
    target_names: Sequence[str] | None = None,
    include_dominated_trials: bool = True,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Any:
    """The complete trials in objective space, the Pareto-optimal ones (``study.best_trials``) highlighted.

    Two objectives give a 2-D scatter, three a 3-D one. In a constrained study the infeasible
    trials are drawn in grey, apart: they are never on the front. Hovering shows each trial's
    number and parameters.

    Args:
        study: a study with two or three objectives (or any study, with ``targets``).
        target_names: the axis titles, one per objective (``"Objective 0"``, ... by default).
        include_dominated_trials: also draw the feasible trials that are not on the front.
        targets: what to draw instead of the objective values: a function of a trial returning two
            or three numbers (the front is then the non-dominated trials of these, all minimised).

    Returns:
        A ``plotly.graph_objects.Figure`` with the traces "Best trials", "Trials" and "Infeasible"
        (those that have points); one with no data and a message when no trial completed.

    Example:
        >>> import hyperscout as hs
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     return x, 1 - x**0.5
        >>> study = hs.create_study(directions=["minimize", "minimize"], seed=0)
        >>> study.optimize(objective, n_trials=5, show_progress_bar=False)
        >>> [trace.name for trace in plot_pareto_front(study, target_names=["error", "size"]).data]
        ['Best trials']
    """
    if targets is not None and not callable(targets):
        raise ValueError(f"targets must be a function of a FrozenTrial returning 2 or 3 numbers, got {targets!r}")
    if not isinstance(include_dominated_trials, bool):
        raise TypeError(f"include_dominated_trials must be True or False, got {include_dominated_trials!r}")
    n_obj = len(study.directions)
    if targets is None and n_obj not in (2, 3):
        raise ValueError(
            f"plot_pareto_front draws 2 or 3 objectives; study {study.study_name!r} has {n_obj} "
            "(pass targets= to pick 2 or 3 numbers of each trial)"
        )
    trials = _complete(study)
    if targets is not None:
        points = [tuple(float(v) for v in targets(t)) for t in trials]
        n_obj = len(points[0]) if points else 2
        if points and (n_obj not in (2, 3) or any(len(p) != n_obj for p in points)):
            raise ValueError(f"targets must return 2 or 3 numbers for every trial, got {points[0]!r}")
    else:
        points = [tuple(t.values or ()) for t in trials]
    if target_names is None:
        names = [f"Objective {i}" for i in range(n_obj)]
    elif isinstance(target_names, str) or len(list(target_names)) != n_obj:
        raise ValueError(f"target_names must name the {n_obj} objectives, got {target_names!r}")
    else:
        names = [text(n) for n in target_names]
    if not trials:
        return empty_figure(_FRONT_TITLE, "No complete trial yet")
    feasible = [constraint_violation(t) <= 0 for t in trials]
    on_front = np.zeros(len(trials), dtype=bool)
    idx = [i for i, ok in enumerate(feasible) if ok]
    if idx:
        pts = np.array([points[i] for i in idx], dtype=float)
        pts = oriented(pts, study.directions) if targets is None else pts
        on_front[np.array(idx)[pareto_mask(pts)]] = True
    groups = [
        ("Best trials", [i for i in range(len(trials)) if on_front[i]], "#d62728"),
        ("Trials", [i for i in idx if not on_front[i]] if include_dominated_trials else [],
         STATE_COLOURS[TrialState.COMPLETE]),
        ("Infeasible", [i for i, ok in enumerate(feasible) if not ok], _INFEASIBLE),
    ]  # fmt: skip
    g = go()
    fig = g.Figure()
    for name, members, colour in groups:
        if not members:
            continue
        cols = list(zip(*(points[i] for i in members), strict=True))
        common = {
            "mode": "markers", "name": name, "marker": {"color": colour},
            "text": [_hover(trials[i]) for i in members], "hovertemplate": "%{text}<extra></extra>",
        }  # fmt: skip
        if n_obj == 2:
            fig.add_trace(g.Scatter(x=cols[0], y=cols[1], **common))
        else:
            fig.add_trace(g.Scatter3d(x=cols[0], y=cols[1], z=cols[2], **common))
    n_bad = len(trials) - sum(feasible)
    title = subtitle(_FRONT_TITLE, f"{n_bad} infeasible trial(s) in grey" if n_bad else "")
    if n_obj == 2:
        fig.update_layout(**base_layout(title), xaxis={"title": names[0]}, yaxis={"title": names[1]})
    else:
        axes = {"xaxis": {"title": names[0]}, "yaxis": {"title": names[1]}, "zaxis": {"title": names[2]}}
        fig.update_layout(**base_layout(title), scene=axes)
    return fig


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Any:
    """The hypervolume of the feasible complete trials so far, against the trial number.

    The hypervolume is the volume of objective space that the trials dominate, up to
    ``reference_point``, a point worse than every trial that should count, in each objective's
    own terms (for a maximised objective, a value below the trials'). It grows as the front
    advances and spreads; compare runs only at the same reference point.

    Args:
        study: a study with two or more objectives.
        reference_point: one number per objective.

    Returns:
        A ``plotly.graph_objects.Figure`` with one line, "Hypervolume"; one with no data and a
        message when no trial completed.

    Example:
        >>> import hyperscout as hs
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     return x, x**2
        >>> study = hs.create_study(directions=["minimize", "maximize"], seed=0)
        >>> study.optimize(objective, n_trials=4, show_progress_bar=False)
        >>> fig = plot_hypervolume_history(study, reference_point=[1.0, 0.0])
        >>> len(fig.data[0].y)
        4
    """
    n_obj = len(study.directions)
    if n_obj < 2:
        raise ValueError(
            f"plot_hypervolume_history is for studies with several objectives; study {study.study_name!r} has one "
            "(plot_optimization_history shows its progress)"
        )
    if isinstance(reference_point, str) or not hasattr(reference_point, "__len__"):
        raise TypeError(f"reference_point must be a sequence of {n_obj} numbers, got {reference_point!r}")
    ref = list(reference_point)
    if len(ref) != n_obj or not all(is_number(v) and math.isfinite(v) for v in ref):
        raise ValueError(f"reference_point must be {n_obj} finite numbers (one per objective), got {reference_point!r}")
    trials = _complete(study)
    if not trials:
        return empty_figure(_HV_TITLE, "No complete trial yet")
    r = oriented([ref], study.directions)[0]
    numbers, volumes = [], []
    kept = np.empty((0, n_obj))
    current = 0.0
    for t in trials:
        if constraint_violation(t) <= 0:
            p = oriented([t.values], study.directions)
            # Only a point inside the reference box that nothing kept dominates changes the volume.
            if np.all(p < r) and not np.any(np.all(kept <= p, axis=1)):
                kept = np.vstack([kept, p])
                kept = kept[pareto_mask(kept)]
                current = hypervolume(kept, r)
        numbers.append(t.number)
        volumes.append(current)
    g = go()
    fig = g.Figure()
    fig.add_trace(
        g.Scatter(
            x=numbers, y=volumes, mode="lines+markers", name="Hypervolume", line={"shape": "hv"},
            hovertemplate="after trial %{x}: %{y}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(**base_layout(_HV_TITLE), xaxis={"title": "Trial"}, yaxis={"title": "Hypervolume"})
    return fig
