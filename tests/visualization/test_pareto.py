"""plot_pareto_front and plot_hypervolume_history, through the data they draw: 0, 1 and many trials."""

from __future__ import annotations

import pytest

import hyperscout as hs
from hyperscout import visualization as viz

pytest.importorskip("plotly")


def _study(points: list[tuple[float, ...]], directions=("minimize", "minimize"), constraints=None) -> hs.Study:
    """A study whose trial i has objective values points[i] (and constraint values constraints[i])."""
    cons = None if constraints is None else (lambda t: constraints[t.number])
    study = hs.create_study(directions=list(directions), constraints_func=cons)
    for p in points:
        trial = study.ask({"x": hs.Float(0, 1)})
        study.tell(trial, list(p))
    return study


def _trace(fig, name):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def _xy(fig, name):
    trace = _trace(fig, name)
    return sorted(zip(trace.x, trace.y, strict=True))


def test_no_complete_trial_gives_an_empty_figure_with_a_message():
    study = hs.create_study(directions=["minimize", "minimize"])
    study.tell(study.ask(), state="fail")
    for fig in (viz.plot_pareto_front(study), viz.plot_hypervolume_history(study, [1.0, 1.0])):
        assert fig.data == ()
        assert "No complete trial" in fig.layout.annotations[0].text


def test_one_trial_is_the_front():
    fig = viz.plot_pareto_front(_study([(1.0, 2.0)]))
    assert [t.name for t in fig.data] == ["Best trials"]
    assert list(fig.data[0].x) == [1.0] and list(fig.data[0].y) == [2.0]
    hv = viz.plot_hypervolume_history(_study([(1.0, 2.0)]), [3.0, 3.0])
    assert list(hv.data[0].y) == [2.0]


def test_many_trials_front_dominated_and_infeasible():
    points = [(1.0, 4.0), (2.0, 2.0), (3.0, 3.0), (4.0, 1.0), (0.5, 0.5)]
    # the last trial would dominate all, but it is infeasible
    study = _study(points, constraints=[[0.0], [-1.0], [0.0], [-2.0], [1.0]])
    fig = viz.plot_pareto_front(study, target_names=["error", "<b>size</b>"])
    assert _xy(fig, "Best trials") == [(1.0, 4.0), (2.0, 2.0), (4.0, 1.0)]
    assert {t.number for t in study.best_trials} == {0, 1, 3}
    assert _xy(fig, "Trials") == [(3.0, 3.0)]
    assert _xy(fig, "Infeasible") == [(0.5, 0.5)]
    assert fig.layout.xaxis.title.text == "error"
    assert fig.layout.yaxis.title.text == "&lt;b&gt;size&lt;/b&gt;"  # shown as typed
    assert "1 infeasible" in fig.layout.title.text
    assert "Trials" not in [t.name for t in viz.plot_pareto_front(study, include_dominated_trials=False).data]
    hv = viz.plot_hypervolume_history(study, [5.0, 5.0])
    # boxes up to (5, 5): (1,4) 4x1 = 4; (2,2) adds 3x3 less the 3x1 shared = 6; (3,3) nothing; (4,1) adds 1x1
    assert list(hv.data[0].y) == [4.0, 10.0, 10.0, 11.0, 11.0]  # the infeasible trial adds nothing
    assert list(hv.data[0].x) == [0, 1, 2, 3, 4]


def test_three_objectives_and_maximised_ones():
    study = _study([(1.0, 1.0, 3.0), (2.0, 0.5, 1.0), (3.0, 0.1, 0.5)], directions=("minimize", "maximize", "minimize"))
    fig = viz.plot_pareto_front(study)
    assert fig.data[0].type == "scatter3d" and fig.layout.scene.zaxis.title.text == "Objective 2"
    assert len(_trace(fig, "Best trials").x) == 3  # none dominates another once the second is maximised
    hv = viz.plot_hypervolume_history(study, [4.0, 0.0, 4.0])
    assert hv.data[0].y[0] == pytest.approx(3.0 * 1.0 * 1.0)


def test_targets_pick_two_numbers_of_a_study_with_more():
    study = _study([(1.0, 5.0, 0.0), (2.0, 1.0, 0.0)], directions=("minimize",) * 3)
    fig = viz.plot_pareto_front(study, targets=lambda t: (t.values[0], t.values[1]))
    assert len(_trace(fig, "Best trials").x) == 2 and fig.data[0].type == "scatter"


def test_bad_arguments_are_refused():
    single = hs.create_study()
    single.tell(single.ask({"x": hs.Float(0, 1)}), 1.0)
    with pytest.raises(ValueError, match="2 or 3 objectives"):
        viz.plot_pareto_front(single)
    with pytest.raises(ValueError, match="several objectives"):
        viz.plot_hypervolume_history(single, [1.0])
    study = _study([(1.0, 2.0)])
    with pytest.raises(ValueError, match="target_names"):
        viz.plot_pareto_front(study, target_names=["only one"])
    with pytest.raises(ValueError, match="reference_point"):
        viz.plot_hypervolume_history(study, [1.0, True])
    with pytest.raises(TypeError, match="reference_point"):
        viz.plot_hypervolume_history(study, 1.0)
