"""Parameter importances as a bar chart (``hyperscout.importance`` does the work)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..importance import EVALUATORS, get_param_importances, importance_data
from ..study import Study
from ..trial import FrozenTrial
from ._common import base_layout, empty_figure, go, subtitle, target_of, text

_TITLE = "Parameter importances"


def plot_param_importances(
    study: Study,
    *,
    evaluator: str = "fanova",
    params: Sequence[str] | None = None,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective value",
    seed: int = 0,
) -> Any:
    """Each parameter's share of the objective's variance, most important on top.

    See ``hyperscout.importance.get_param_importances`` for what the shares mean; they sum to 1.

    Args:
        study: the study to analyse.
        evaluator: ``"fanova"`` or ``"permutation"``.
        params: the parameters to rank (default: those every complete trial has).
        target: what to explain instead of the objective value; required for a study with several objectives.
        target_name: named in the subtitle.
        seed: seeds the random forest: the same seed draws the same bars.

    Returns:
        A ``plotly.graph_objects.Figure`` with one horizontal bar per parameter; one with no data and
        a message when fewer than two trials completed or there is no parameter.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> plot_param_importances(study).layout.annotations[0].text
        'Importance needs at least 2 complete trials; there are 0'
    """
    if evaluator not in EVALUATORS:
        raise ValueError(f"evaluator must be one of {list(EVALUATORS)}, got {evaluator!r}")
    tgt = target_of(study, target, target_name)
    names, _, _, y = importance_data(study, params=params, target=tgt.value)
    if len(y) < 2:
        return empty_figure(_TITLE, f"Importance needs at least 2 complete trials; there are {len(y)}")
    if not names:
        return empty_figure(_TITLE, "The complete trials have no parameter in common")
    shares = get_param_importances(study, evaluator=evaluator, params=names, target=tgt.value, seed=seed)
    method = "functional ANOVA" if evaluator == "fanova" else "permutation"
    return importance_figure(shares, f"share of the variance of {tgt.name} ({method}, {len(y)} trials)")


def importance_figure(shares: Mapping[str, float], note: str = "") -> Any:
    """The bar chart of ``{parameter: share}`` (as ``get_param_importances`` returns), with ``note`` as subtitle.

    Example:
        >>> fig = importance_figure({"lr": 0.9, "batch": 0.1})
        >>> list(fig.data[0].y)  # plotly draws the first bar lowest
        ['batch', 'lr']
    """
    if not shares:
        return empty_figure(_TITLE, "No parameter to rank")
    order = sorted(shares, key=lambda k: (shares[k], k))
    g = go()
    fig = g.Figure(
        g.Bar(
            x=[shares[k] for k in order], y=[text(k) for k in order], orientation="h",
            text=[f"{shares[k]:.2f}" for k in order], textposition="outside",
            marker={"color": "#1f77b4"}, hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        **base_layout(subtitle(_TITLE, note)),
        xaxis={"title": {"text": "Share of variance"}, "range": [0, 1.1]},
        yaxis={"automargin": True, "type": "category"},
        height=max(300, 60 + 35 * len(shares)),
    )
    return fig
