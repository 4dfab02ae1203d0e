"""The timeline: when each trial ran, one row per worker process, coloured by state."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from ..study import Study
from ..trial import TrialState
from ._common import STATE_COLOURS, base_layout, empty_figure, go, state_counts, subtitle, text

_TITLE = "Timeline of trials"


def _labels(workers: list[str | None]) -> dict[str | None, str]:
    # "host/pid" reads well; the process start time is kept only when a pid was reused on a host.
    short = {w: ("unknown worker" if w is None else "/".join(w.split("/")[:2])) for w in workers}
    clash = {s for s in short.values() if list(short.values()).count(s) > 1}
    return {w: text(w if s in clash and w is not None else s) for w, s in short.items()}


def plot_timeline(study: Study) -> Any:
    """A bar per trial from its start to its end (now, for a running trial), one row per worker.

    Rows are the worker processes (``host/pid``) in the order they started their first trial, so
    idle workers, stragglers and the effect of parallelism are visible at a glance.

    Args:
        study: the study to draw.

    Returns:
        A ``plotly.graph_objects.Figure`` with one horizontal bar trace per state present; one with
        no data and a message when no trial has started.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
        >>> [(trace.name, len(trace.x)) for trace in plot_timeline(study).data]
        [('Complete', 3)]
    """
    trials = [t for t in study.trials if t.started_at is not None]
    if not trials:
        return empty_figure(_TITLE, "No trial has started yet")
    now = time.time()
    workers = {t.number: t.worker if isinstance(t.worker, str) else None for t in trials}
    order: list[str | None] = []
    for t in sorted(trials, key=lambda t: (t.started_at or 0.0, t.number)):
        if workers[t.number] not in order:
            order.append(workers[t.number])
    labels = _labels(order)
    g = go()
    fig = g.Figure()
    for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.PAUSED, TrialState.FAIL, TrialState.RUNNING):
        group = [t for t in trials if t.state is state]
        if not group:
            continue
        starts = [t.started_at or now for t in group]
        ends = [t.finished_at if t.finished_at is not None else now for t in group]
        fig.add_trace(
            g.Bar(
                orientation="h", name=state.value.capitalize(),
                y=[labels[workers[t.number]] for t in group],
                base=[dt.datetime.fromtimestamp(s).isoformat() for s in starts],
                x=[max(0.0, e - s) * 1000.0 for s, e in zip(starts, ends, strict=True)],  # a date axis counts in ms
                customdata=[[t.number, round(max(0.0, e - s), 3)] for t, s, e in zip(group, starts, ends, strict=True)],
                marker={"color": STATE_COLOURS[state], "line": {"width": 0.5, "color": "white"}},
                hovertemplate="trial %{customdata[0]}<br>%{customdata[1]} s<extra>%{fullData.name}</extra>",
            )
        )  # fmt: skip
    waiting = state_counts(study.trials)[TrialState.WAITING]
    note = f"{len(order)} worker(s)" + (f"; {waiting} trial(s) waiting" if waiting else "")
    fig.update_layout(
        **base_layout(subtitle(_TITLE, note)),
        barmode="overlay",
        xaxis={"type": "date", "title": {"text": "Time"}},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": [labels[w] for w in reversed(order)],
               "automargin": True},
        height=max(300, 120 + 40 * len(order)),
    )  # fmt: skip
    return fig
