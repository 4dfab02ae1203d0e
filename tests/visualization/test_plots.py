"""The plots of ``hyperscout.visualization``, tested through the data they draw (never pixels)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import hyperscout as hs
from hyperscout import visualization as viz

pytest.importorskip("plotly")

# The plots of several objectives need a multi-objective study (and a reference point): test_pareto.py
# checks them on no trial, one trial and many, and that objective names show as typed.
MULTI_OBJECTIVE = {"plot_pareto_front", "plot_hypervolume_history"}
NAMES = [name for name in viz.__all__ if name not in MULTI_OBJECTIVE]
ALL_PLOTS: list[Callable[..., Any]] = [getattr(viz, name) for name in NAMES]
SPACE = {
    "lr": hs.Float(1e-5, 1e-1, log=True),
    "units": hs.Int(2, 256, log=True),
    "opt": hs.Categorical(["adam", "sgd", "<b>rms</b>"]),
    "depth": hs.Int(1, 8),
}


def value_of(p: dict[str, Any]) -> float:
    return (math.log10(p["lr"]) + 3) ** 2 + 0.01 * p["units"] + {"adam": 0.0, "sgd": 1.0, "<b>rms</b>": 2.0}[p["opt"]]


def mixed_study(direction: str = "minimize", n: int = 24) -> hs.Study:
    """Complete, pruned and failed trials, one running and one waiting; log, categorical and conditional params."""
    study = hs.create_study(study_name="mixed", direction=direction, sampler="random", seed=0)
    for i in range(n):
        trial = study.ask(SPACE)
        if trial.params["opt"] == "sgd":
            trial.suggest_float("momentum", 0.0, 1.0)  # conditional: only some trials have it
        v = value_of(trial.params)
        for step in range(4 if i % 6 != 4 else 2):
            trial.report(v * (4 - step), step)
        if i % 6 == 4:
            study.tell(trial, state="pruned")
        elif i % 6 == 5:
            study.tell(trial, state="fail", error="boom")
        else:
            study.tell(trial, v)
    study.ask(SPACE)  # left running
    study.enqueue({"lr": 1e-3})  # waiting
    return study


@pytest.fixture(scope="module")
def study() -> hs.Study:
    return mixed_study()


def complete(study: hs.Study) -> list[hs.FrozenTrial]:
    return study.get_trials(deepcopy=False, states=[hs.TrialState.COMPLETE])


def is_empty(fig: Any) -> bool:
    return len(fig.data) == 0 and bool(fig.layout.annotations) and bool(fig.layout.annotations[0].text)


# -- every plot --------------------------------------------------------------------------------------


@pytest.mark.parametrize("plot", ALL_PLOTS, ids=NAMES)
def test_every_plot_draws_the_mixed_study(plot: Callable[..., Any], study: hs.Study) -> None:
    fig = plot(study)
    assert len(fig.data) > 0
    json.loads(fig.to_json())  # it serialises: what the report and the dashboard do with it


@pytest.mark.parametrize("plot", ALL_PLOTS, ids=NAMES)
def test_every_plot_of_a_study_without_trials_is_an_empty_figure_that_says_why(plot: Callable[..., Any]) -> None:
    fig = plot(hs.create_study())
    assert is_empty(fig)


@pytest.mark.parametrize("plot", ALL_PLOTS, ids=NAMES)
def test_every_plot_of_a_study_with_one_complete_trial_draws_or_explains(plot: Callable[..., Any]) -> None:
    study = hs.create_study()
    study.tell(study.ask({"x": hs.Float(0, 1), "c": hs.Categorical(["a", "b"])}), 1.5)
    fig = plot(study)
    if plot in (viz.plot_contour, viz.plot_param_importances):
        assert is_empty(fig)
        assert "2 complete trials" in fig.layout.annotations[0].text
    elif plot is viz.plot_intermediate_values:
        assert is_empty(fig)  # it reported nothing
    else:
        assert len(fig.data) >= 1


@pytest.mark.parametrize("plot", ALL_PLOTS, ids=NAMES)
def test_every_plot_of_a_study_with_only_failed_and_pruned_trials_does_not_raise(plot: Callable[..., Any]) -> None:
    study = hs.create_study()
    t = study.ask({"x": hs.Float(0, 1)})
    t.report(0.5, 0)
    study.tell(t, state="pruned")
    study.tell(study.ask({"x": hs.Float(0, 1)}), state="fail")
    fig = plot(study)
    if plot in (viz.plot_intermediate_values, viz.plot_timeline):
        assert len(fig.data) >= 1
    else:
        assert is_empty(fig)


@pytest.mark.parametrize(
    "plot",
    [viz.plot_optimization_history, viz.plot_slice, viz.plot_contour, viz.plot_parallel_coordinate,
     viz.plot_param_importances, viz.plot_edf],
)  # fmt: skip
def test_several_objectives_need_a_target(plot: Callable[..., Any]) -> None:
    study = hs.create_study(directions=["minimize", "maximize"], sampler="random", seed=0)
    for _ in range(6):
        t = study.ask({"x": hs.Float(0, 1), "y": hs.Float(0, 1)})
        study.tell(t, [t.params["x"], t.params["y"]])
    with pytest.raises(ValueError, match="target="):
        plot(study)
    fig = plot(study, target=lambda t: t.values[1], target_name="second")
    assert len(fig.data) > 0


def test_user_text_reaches_plotly_as_entities_never_as_markup() -> None:
    # plotly renders <a href>, <b>, ... in labels; a parameter named or valued like markup must show as typed.
    study = hs.create_study(sampler="random", seed=0)
    evil = "<img src=x onerror=alert(1)>"
    for i in range(8):
        t = study.ask({"<b>p</b>": hs.Float(0, 1), "c": hs.Categorical([evil, "ok"])})
        study.tell(t, float(i))
    for plot in ALL_PLOTS:
        texts = list(strings(plot(study).to_plotly_json()))
        assert not [s for s in texts if "<img" in s or "<b>p" in s], plot.__name__
    assert "&lt;img src=x onerror=alert(1)&gt;" in strings(viz.plot_slice(study).to_plotly_json())


def strings(obj: Any) -> Iterator[str]:
    """Every string inside a figure's dict (plotly's own JSON escapes <, which would hide markup)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from strings(v)
    elif isinstance(obj, (list, tuple, np.ndarray)):
        for v in obj:
            yield from strings(v)


def test_a_missing_plotly_names_the_extra(monkeypatch: pytest.MonkeyPatch, study: hs.Study) -> None:
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    with pytest.raises(ImportError, match=r"hyperscout\[viz\]"):
        viz.plot_optimization_history(study)


def test_importing_the_package_imports_neither_plotly_nor_sklearn() -> None:
    code = (
        "import sys, hyperscout, hyperscout.visualization, hyperscout.importance, hyperscout.dashboard, "
        "hyperscout.cli\n"
        "heavy = [m for m in ('plotly', 'sklearn', 'scipy.interpolate', 'scipy.spatial') if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- optimisation history ------------------------------------------------------------------------------


def test_history_draws_the_complete_values_and_the_running_best(study: hs.Study) -> None:
    fig = viz.plot_optimization_history(study)
    points, best = fig.data[0], fig.data[1]
    done = complete(study)
    assert list(points.x) == [t.number for t in done]
    assert list(points.y) == [t.value for t in done]
    assert list(best.y)[: len(done)] == list(np.minimum.accumulate([t.value for t in done]))
    assert best.x[-1] == study.trials[-1].number  # carried to the end of the study
    assert "pruned" in fig.layout.title.text and "fail" in fig.layout.title.text


def test_history_best_goes_up_when_maximising() -> None:
    fig = viz.plot_optimization_history(mixed_study("maximize"))
    ys = list(fig.data[1].y)
    assert ys == sorted(ys) and ys[-1] == max(fig.data[0].y)


def test_history_shows_pruned_trials_at_their_last_reported_value(study: hs.Study) -> None:
    pruned = [t for t in study.trials if t.state is hs.TrialState.PRUNED]
    trace = next(d for d in viz.plot_optimization_history(study).data if d.name.startswith("Pruned"))
    assert list(trace.x) == [t.number for t in pruned]
    assert list(trace.y) == [t.intermediate_values[1] for t in pruned]


# -- slice ---------------------------------------------------------------------------------------------


def test_slice_has_a_panel_per_parameter_with_log_and_category_axes(study: hs.Study) -> None:
    fig = viz.plot_slice(study)
    names = ["lr", "units", "opt", "depth", "momentum"]
    assert [d.name for d in fig.data] == names
    layout = fig.layout
    assert layout.xaxis.type == "log" and layout.xaxis2.type == "log"  # lr, units
    assert layout.xaxis3.type == "category"
    assert list(layout.xaxis3.categoryarray) == ["adam", "sgd", "&lt;b&gt;rms&lt;/b&gt;"]
    assert layout.xaxis4.type == "linear"
    done = complete(study)
    assert len(fig.data[0].x) == len(done)
    assert len(fig.data[4].x) == sum("momentum" in t.params for t in done)  # conditional: only its trials
    assert sorted(fig.data[2].x) == sorted(
        {"adam": "adam", "sgd": "sgd", "<b>rms</b>": "&lt;b&gt;rms&lt;/b&gt;"}[t.params["opt"]] for t in done
    )


def test_slice_of_chosen_parameters_and_an_unknown_one(study: hs.Study) -> None:
    assert [d.name for d in viz.plot_slice(study, ["depth"]).data] == ["depth"]
    with pytest.raises(ValueError, match="nope"):
        viz.plot_slice(study, ["nope"])


# -- contour -------------------------------------------------------------------------------------------


def test_contour_interpolates_linearly_between_the_trials_in_log_space() -> None:
    # z is linear in log10(lr) and depth, so linear interpolation in the drawn coordinates is exact.
    study = hs.create_study(sampler="random", seed=3)
    for _ in range(25):
        t = study.ask({"lr": hs.Float(1e-4, 1.0, log=True), "depth": hs.Int(1, 10)})
        study.tell(t, 2 * math.log10(t.params["lr"]) - 0.5 * t.params["depth"])
    fig = viz.plot_contour(study, resolution=30)
    contour, points = fig.data
    gx, gy, gz = np.array(contour.x), np.array(contour.y), np.array(contour.z, dtype=float)
    assert gz.shape == (30, 30)
    expected = 2 * gx[None, :] - 0.5 * gy[:, None]
    inside = np.isfinite(gz)
    assert inside.mean() > 0.5
    np.testing.assert_allclose(gz[inside], expected[inside], atol=1e-9)
    lrs = [t.params["lr"] for t in complete(study)]
    np.testing.assert_allclose(sorted(points.x), sorted(np.log10(lrs)))
    assert fig.layout.xaxis.ticktext  # labelled with values, not exponents


def test_contour_draws_every_pair_and_puts_categories_at_their_positions(study: hs.Study) -> None:
    fig = viz.plot_contour(study, ["lr", "opt", "depth"])
    scatters = [d for d in fig.data if d.type == "scatter"]
    assert len(scatters) == 3  # lr-opt, lr-depth, opt-depth
    opt_axis = fig.layout.yaxis  # the first panel is (lr, opt)
    assert list(opt_axis.tickvals) == [0, 1, 2]
    assert set(scatters[0].y) <= {0.0, 1.0, 2.0}


def test_contour_needs_two_parameters() -> None:
    study = hs.create_study(sampler="random", seed=0)
    for _ in range(3):
        study.tell(study.ask({"x": hs.Float(0, 1)}), 1.0)
    assert is_empty(viz.plot_contour(study))
    with pytest.raises(ValueError, match="resolution"):
        viz.plot_contour(study, resolution=1)


def test_contour_of_collinear_trials_draws_the_points_only() -> None:
    study = hs.create_study()
    for x in (0.1, 0.2, 0.3):
        study.enqueue({"x": x, "y": x})
        study.tell(study.ask({"x": hs.Float(0, 1), "y": hs.Float(0, 1)}), x)
    assert [d.type for d in viz.plot_contour(study).data] == ["scatter"]


# -- parallel coordinates ------------------------------------------------------------------------------


def test_parallel_coordinates_axes_in_log10_and_by_category(study: hs.Study) -> None:
    fig = viz.plot_parallel_coordinate(study, ["lr", "opt", "depth"])
    dims = fig.data[0].dimensions
    assert [d.label for d in dims] == ["Objective value", "lr", "opt", "depth"]
    done = complete(study)
    assert list(dims[0].values) == [t.value for t in done]
    np.testing.assert_allclose(dims[1].values, [math.log10(t.params["lr"]) for t in done])
    assert list(dims[2].ticktext) == ["adam", "sgd", "&lt;b&gt;rms&lt;/b&gt;"]
    assert list(dims[2].values) == [["adam", "sgd", "<b>rms</b>"].index(t.params["opt"]) for t in done]


def test_parallel_coordinates_leave_out_trials_without_a_conditional_parameter(study: hs.Study) -> None:
    fig = viz.plot_parallel_coordinate(study)  # all parameters, momentum included
    with_momentum = [t for t in complete(study) if "momentum" in t.params]
    assert len(fig.data[0].dimensions[0].values) == len(with_momentum)
    assert f"{len(complete(study)) - len(with_momentum)} trial(s)" in fig.layout.title.text


# -- importances ---------------------------------------------------------------------------------------


def test_importance_bars_rank_the_parameter_that_matters_first() -> None:
    pytest.importorskip("sklearn")
    study = hs.create_study(sampler="random", seed=1)
    for _ in range(40):
        t = study.ask({"x": hs.Float(-1, 1), "noise": hs.Float(0, 1), "c": hs.Categorical(["a", "b"])})
        study.tell(t, t.params["x"] ** 2)
    bar = viz.plot_param_importances(study, seed=0).data[0]
    assert bar.y[-1] == "x"  # plotly draws the last bar on top
    assert list(bar.x) == sorted(bar.x)
    assert math.isclose(sum(bar.x), 1.0)
    assert list(viz.plot_param_importances(study, seed=0).data[0].x) == list(bar.x)  # seeded


# -- intermediate values -------------------------------------------------------------------------------


def test_intermediate_values_one_trace_per_state_with_gaps_between_trials(study: hs.Study) -> None:
    fig = viz.plot_intermediate_values(study)
    by_name = {d.name: d for d in fig.data}
    assert set(by_name) == {"Complete", "Pruned", "Fail"}
    pruned = [t for t in study.trials if t.state is hs.TrialState.PRUNED]
    xs = list(by_name["Pruned"].x)
    assert xs.count(None) == len(pruned)
    assert len(xs) == sum(len(t.intermediate_values) + 1 for t in pruned)
    assert max(x for x in xs if x is not None) == 1  # pruned after two steps


# -- edf -----------------------------------------------------------------------------------------------


def test_edf_is_the_empirical_distribution_and_compares_studies(study: hs.Study) -> None:
    other = hs.create_study(study_name="other", sampler="random", seed=5)
    for v in (3.0, 1.0, 2.0):
        other.tell(other.ask({"x": hs.Float(0, 1)}), v)
    fig = viz.plot_edf([study, other])
    assert [d.name for d in fig.data] == ["mixed", "other"]
    assert list(fig.data[1].x) == [1.0, 2.0, 3.0]
    assert list(fig.data[1].y) == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert list(fig.data[0].x) == sorted(t.value for t in complete(study))


# -- timeline ------------------------------------------------------------------------------------------


def test_timeline_has_a_bar_per_started_trial_and_a_row_per_worker() -> None:
    study = hs.create_study(study_name="tl", sampler="random", seed=0)
    study.tell(study.ask({"x": hs.Float(0, 1)}), 1.0)
    # A second worker process on the same storage: the same study opened by a Study with another worker id.
    other = hs.load_study("tl", study._lifecycle.storage)
    other._lifecycle.worker = "machine-b/4242/99"
    other.tell(other.ask({"x": hs.Float(0, 1)}), state="fail")
    study.ask({"x": hs.Float(0, 1)})  # running: its bar ends now
    study.enqueue({"x": 0.5})  # waiting: no bar
    before = time.time()
    fig = viz.plot_timeline(study)
    bars = {d.name: d for d in fig.data}
    assert set(bars) == {"Complete", "Fail", "Running"}
    assert list(bars["Fail"].y) == ["machine-b/4242"]
    assert bars["Complete"].y[0] == bars["Running"].y[0] != "machine-b/4242"
    assert len(fig.layout.yaxis.categoryarray) == 2
    running = study.trials[2]
    assert running.started_at is not None
    assert bars["Running"].x[0] / 1000 == pytest.approx(before - running.started_at, abs=1.0)
    assert "1 trial(s) waiting" in fig.layout.title.text


# -- categories in the contour, rounded numbers, legends -------------------------------------------------------------


def _category_study() -> hs.Study:
    """Value 0 for kind "a" and 10 for kind "b", whatever x: any mixing of the two would show as 0 < z < 10."""
    study = hs.create_study()
    space = {"kind": hs.Categorical(["a", "b", "c"]), "x": hs.Float(0.0, 1.0), "y": hs.Categorical([1, 2])}
    for i, (kind, x, y) in enumerate([("a", 0.1, 1), ("a", 0.9, 2), ("b", 0.2, 1), ("b", 0.6, 1), ("b", 0.6, 2),
                                      ("c", 0.5, 2)]):  # fmt: skip
        study.enqueue({"kind": kind, "x": x, "y": y})
        study.tell(study.ask(space), {"a": 0.0, "b": 10.0, "c": 5.0}[kind] + 0.001 * i)
    return study


def test_contour_never_interpolates_across_a_categorical_axis() -> None:
    fig = viz.plot_contour(_category_study(), ["kind", "x"], resolution=11)
    heatmap, points = fig.data
    assert heatmap.type == "heatmap"
    assert list(heatmap.x) == [0.0, 1.0, 2.0]  # one column per category, nothing in between
    z = np.array(heatmap.z, dtype=float)
    grid = np.array(heatmap.y)
    np.testing.assert_allclose(grid, np.linspace(0.1, 0.9, 11))
    # "a": interpolated between its own trials (0.000 at x=0.1, 0.001 at x=0.9) over their whole span.
    np.testing.assert_allclose(z[:, 0], np.interp(grid, [0.1, 0.9], [0.0, 0.001]))
    # "b": between x=0.2 and 0.6 only (the two trials at 0.6 averaged); blank beyond its trials.
    inside = (grid >= 0.2 - 1e-12) & (grid <= 0.6 + 1e-12)
    assert np.isnan(z[~inside, 1]).all()
    np.testing.assert_allclose(z[inside, 1], np.interp(grid[inside], [0.2, 0.6], [10.002, 10.0035]))
    assert np.isnan(z[:, 2]).all()  # "c" has one trial: its marker, no surface
    assert list(fig.layout.xaxis.range) == [-0.5, 2.5]


def test_contour_of_two_categorical_parameters_shows_each_cells_mean() -> None:
    fig = viz.plot_contour(_category_study(), ["kind", "y"])
    heatmap = fig.data[0]
    z = np.array(heatmap.z, dtype=float)  # rows: y in (1, 2); columns: kind in (a, b, c)
    np.testing.assert_allclose(z, [[0.0, (10.002 + 10.003) / 2, np.nan], [0.001, 10.004, 5.005]])


def test_hover_text_and_ticks_show_numbers_to_four_significant_digits(study: hs.Study) -> None:
    contour = viz.plot_contour(study, ["lr", "opt"])
    points = contour.data[-1]
    for number, value, lr, opt in points.customdata:
        trial = study.trials[int(number)]
        assert value == f"{value_of(trial.params):.4g}" and lr == f"{trial.params['lr']:.4g}"
        assert opt in ("adam", "sgd", "&lt;b&gt;rms&lt;/b&gt;")
    slice_ = viz.plot_slice(study, ["lr", "opt"])
    assert ":.4~g}" in slice_.data[0].hovertemplate and ":.4~g}" in slice_.data[1].hovertemplate.split("<br>")[2]
    assert "%{x}" in slice_.data[1].hovertemplate  # a category is shown as it is
    rank = viz.plot_rank(study, ["lr", "units"])
    assert rank.data[0].hovertemplate.count(":.4~g}") == 3
    for plot in (viz.plot_optimization_history, viz.plot_intermediate_values, viz.plot_edf):
        assert all(":.4~g}" in trace.hovertemplate for trace in plot(study).data)
    dims = viz.plot_parallel_coordinate(study, ["lr", "depth"]).data[0].dimensions
    assert [d.tickformat for d in dims] == [".4~g"] * 3
    # Log ticks drawn in log10 coordinates are labelled with the values, rounded.
    ticks = viz.plot_contour(study, ["lr", "depth"]).layout.xaxis.ticktext
    assert ticks and all(t == f"{float(t):.4g}" for t in ticks)


@pytest.mark.parametrize("plot", [viz.plot_optimization_history, viz.plot_intermediate_values, viz.plot_timeline])
def test_legends_lie_in_a_row_under_the_plot_so_a_narrow_window_keeps_them(plot: Callable[..., Any],
                                                                          study: hs.Study) -> None:  # fmt: skip
    legend = plot(study).layout.legend
    assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == ("h", "container", 0, "bottom")
