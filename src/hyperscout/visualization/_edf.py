"""The empirical distribution function of the objective values, for one study or several side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..study import Study
from ..trial import FrozenTrial
from ._common import base_layout, empty_figure, go, hover_number, scored, target_of, text

_TITLE = "Empirical distribution of the objective values"


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective value",
) -> Any:
    """For each value ``v``, the fraction of complete trials whose value is at most ``v``.

    Pass several studies (e.g. one per sampler on the same problem) to compare them: the curve
    that rises first (when minimising) found good values more often.

    Args:
        study: a study, or a list of studies (one curve each, named by study).
        target: what to draw instead of the objective value; required for studies with several objectives.
        target_name: the title of the value axis.

    Returns:
        A ``plotly.graph_objects.Figure`` with one step line per study that has a complete trial;
        one with no data and a message when none has.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(study_name="demo", seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4, show_progress_bar=False)
        >>> list(plot_edf(study).data[0].y)
        [0.25, 0.5, 0.75, 1.0]
    """
    studies = [study] if isinstance(study, Study) else list(study)
    g = go()
    fig = g.Figure()
    name = target_name
    for s in studies:
        tgt = target_of(s, target, target_name)
        name = tgt.name
        values = sorted(v for _, v in scored(s.trials, tgt))
        if not values:
            continue
        n = len(values)
        fig.add_trace(
            g.Scatter(
                x=values, y=[(i + 1) / n for i in range(n)], mode="lines", name=text(s.study_name),
                line={"shape": "hv"},
                hovertemplate=f"%{{y:.0%}} of trials at or below {hover_number('x')}<extra></extra>",
            )
        )  # fmt: skip
    if not fig.data:
        return empty_figure(_TITLE, "No complete trial yet")
    fig.update_layout(
        **base_layout(_TITLE),
        xaxis={"title": {"text": name}},
        yaxis={"title": {"text": "Cumulative probability"}, "range": [0, 1.05]},
        showlegend=len(studies) > 1,
    )
    return fig
