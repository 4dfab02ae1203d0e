"""plot_rank, through the data it draws: a panel per pair of parameters, colour = rank of the value."""

from __future__ import annotations

import pytest

import hyperscout as hs
from hyperscout import visualization as viz

pytest.importorskip("plotly")


def _study(direction: str, values: list[float]) -> hs.Study:
    study = hs.create_study(direction=direction)
    for i, v in enumerate(values):
        t = study.ask({"x": hs.Float(0, 10), "k": hs.Categorical(["a", "b"]), "n": hs.Int(1, 100, log=True)})
        study.tell(t, v)
        assert t.number == i
    return study


@pytest.mark.parametrize(("direction", "best"), [("minimize", 1), ("maximize", 2)])
def test_colours_are_ranks_with_zero_for_the_best(direction, best) -> None:
    study = _study(direction, [5.0, 1.0, 9.0, 5.0])
    fig = viz.plot_rank(study)
    assert len(fig.data) == 3  # (x, k), (x, n), (k, n)
    trace = fig.data[0]
    ranks = dict(zip((c[0] for c in trace.customdata), trace.marker.color, strict=True))
    assert ranks[best] == 0.0 and max(ranks.values()) == 1.0
    assert ranks[0] == ranks[3]  # equal values share a rank
    assert fig.layout.xaxis.title.text == "x" and fig.layout.yaxis.title.text == "k"
    assert fig.layout.yaxis.type == "category" and fig.layout.xaxis3.type == "category"
    assert fig.layout.yaxis2.type == "log"


def test_one_parameter_draws_the_value_and_chosen_params_limit_the_panels() -> None:
    study = hs.create_study(seed=0)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=5, show_progress_bar=False)
    fig = viz.plot_rank(study)
    assert len(fig.data) == 1
    assert list(fig.data[0].y) == [t.value for t in study.trials]
    assert fig.layout.yaxis.title.text == "Objective value"
    assert len(viz.plot_rank(_study("minimize", [1.0, 2.0]), params=["x", "n"]).data) == 1
