"""The bayesian-optimization style interface, end to end."""

from __future__ import annotations

import math

import pytest

import hyperscout as hs


def black_box(x: float, y: float) -> float:
    return -(x**2) - (y - 1) ** 2 + 1


def test_maximize_finds_the_maximum_and_reports_max_and_res() -> None:
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (2, 4), "y": (-3, 3)}, random_state=1)
    opt.maximize(init_points=4, n_iter=12)
    assert len(opt.res) == 16
    assert set(opt.max) == {"target", "params"}
    assert opt.max["target"] == max(r["target"] for r in opt.res)
    # The maximum on this box is at x = 2 (an edge), y = 1: -3.
    assert opt.max["target"] > -3.05
    assert isinstance(opt.max["params"]["x"], float)  # integer bounds are float ranges, as in bayes_opt
    assert all(2 <= r["params"]["x"] <= 4 and -3 <= r["params"]["y"] <= 3 for r in opt.res)


@pytest.mark.parametrize("acq", ["ei", "ucb", "pi", hs.BayesianOptimization.EI, "UCB"])
def test_every_acquisition_runs(acq: str) -> None:
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0)
    opt.maximize(init_points=3, n_iter=3, acq=acq)
    assert len(opt.res) == 6


def test_same_random_state_same_points() -> None:
    def points(seed: int) -> list[dict]:
        opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=seed)
        opt.maximize(init_points=3, n_iter=3)
        return [r["params"] for r in opt.res]

    assert points(7) == points(7)
    assert points(7) != points(8)


def test_probe_and_resume_from_storage(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'bo.db'}"
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0,
                                  storage=url, study_name="bo")  # fmt: skip
    opt.probe({"x": 0.0, "y": 1.0}, lazy=False)
    assert opt.max == {"target": 1.0, "params": {"x": 0.0, "y": 1.0}}
    opt.maximize(init_points=2, n_iter=1)
    again = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0,
                                    storage=url, study_name="bo")  # fmt: skip
    assert len(again.res) == 4  # the earlier run is loaded, not repeated
    again.maximize(init_points=0, n_iter=2)
    assert len(again.res) == 6
    assert again.max["target"] == 1.0


def test_lazy_probe_runs_first_in_the_next_maximize() -> None:
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (-2, 2), "y": (-2, 2)}, random_state=0)
    opt.probe({"x": 0.5, "y": 0.5})
    opt.maximize(init_points=1, n_iter=0)
    assert opt.res[0]["params"] == {"x": 0.5, "y": 0.5}
    assert len(opt.res) == 2


def test_hyperscout_distributions_in_pbounds() -> None:
    def f(lr: float, n: int) -> float:
        return -abs(math.log10(lr) + 2) - abs(n - 3)

    opt = hs.BayesianOptimization(f=f, pbounds={"lr": hs.Float(1e-4, 1.0, log=True), "n": hs.Int(1, 6)},
                                  random_state=0)  # fmt: skip
    opt.maximize(init_points=4, n_iter=6)
    assert all(isinstance(r["params"]["n"], int) for r in opt.res)


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="callable"):
        hs.BayesianOptimization(f=None, pbounds={"x": (0, 1)})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        hs.BayesianOptimization(f=black_box, pbounds={})
    with pytest.raises(ValueError, match="parameter 'x'"):
        hs.BayesianOptimization(f=black_box, pbounds={"x": (3, 1)})
    opt = hs.BayesianOptimization(f=black_box, pbounds={"x": (0, 1), "y": (0, 1)})
    with pytest.raises(ValueError, match="acq"):
        opt.maximize(acq="thompson")
    with pytest.raises(ValueError, match="n_iter"):
        opt.maximize(n_iter=-1)
