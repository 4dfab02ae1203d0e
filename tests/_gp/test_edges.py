"""The acquisition search does not pin proposals to the bounds of the box: flat dims, reflected local candidates."""

from __future__ import annotations

import logging

import numpy as np

import hyperscout as hs
from hyperscout._gp import optim
from hyperscout._gp.kernel import NUMERIC

KINDS = np.array([NUMERIC, NUMERIC])


def _maximize(frozen: np.ndarray | None, seed: int) -> np.ndarray:
    """A peak at x0 = 0.3 times a slight, steady rise along x1 towards x1 = 1 (as the variance gives far from data)."""

    def acq(C: np.ndarray) -> np.ndarray:
        return -50.0 * (C[:, 0] - 0.3) ** 2 + 0.05 * C[:, 1]

    def acq_grad(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return acq(C), np.column_stack([-100.0 * (C[:, 0] - 0.3), np.full(len(C), 0.05)])

    rng = np.random.default_rng(seed)
    centres = np.array([[0.3, 0.5]])
    return optim.maximize(acq, acq_grad, KINDS, np.zeros(2), lambda C: C, rng, centres, frozen=frozen)


def test_flat_dims_are_the_numeric_ones_with_a_long_length_scale() -> None:
    kinds = np.array([NUMERIC, NUMERIC, 1])
    got = optim.flat_dims(kinds, np.array([optim.FLAT_LENGTHSCALE / 2, optim.FLAT_LENGTHSCALE * 2, 50.0]))
    assert got.tolist() == [False, True, False]


def test_a_frozen_dim_keeps_the_values_of_the_starts_instead_of_riding_to_its_bound() -> None:
    free = np.array([_maximize(None, seed) for seed in range(8)])
    assert np.all(free[:, 1] > 0.999)  # the plain refinement ends on the bound, every time
    frozen = np.array([_maximize(np.array([False, True]), seed) for seed in range(8)])
    assert np.all(np.abs(frozen[:, 0] - 0.3) < 0.05)  # the dim that matters is still optimised
    # Off the bound, at values the starts had. Candidates near the bound still win the selection
    # (their acquisition is higher), so this removes the drift, not the preference.
    assert np.all(frozen[:, 1] < 1 - 1e-6)
    assert len(np.unique(frozen[:, 1].round(6))) > 4


def test_the_gp_sampler_does_not_pile_proposals_on_the_bounds_of_irrelevant_parameters() -> None:
    # Before flat dims were left out of the refinement, 11 or 12 of trials 10-24 had y or z within
    # 1 % of a bound on each of these seeds; uniform draws would put ~0.6 there.
    logging.getLogger("hyperscout").setLevel(logging.ERROR)

    def objective(trial: hs.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.suggest_float("y", 0, 1)
        trial.suggest_float("z", 1e-3, 1e3, log=True)
        return (x - 0.3) ** 2

    for seed in range(3):
        study = hs.create_study(sampler=hs.samplers.GPSampler(seed=seed))
        study.optimize(objective, n_trials=25, show_progress_bar=False)
        units = [(t.params["y"], (np.log10(t.params["z"]) + 3) / 6) for t in study.trials[10:]]
        at_edge = sum(any(min(u, 1 - u) <= 0.01 for u in row) for row in units)
        assert at_edge <= 6, (seed, at_edge)
        assert study.best_value < 1e-3


def test_local_candidates_around_a_point_on_a_bound_are_reflected_inside_not_piled_on_it() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 1.0], [0.5, 0.5]])
    got = optim._local(rng, 2000, KINDS, np.zeros(2), centres, 0.05, np.zeros(2), np.ones(2))
    assert got.min() >= 0.0 and got.max() <= 1.0
    assert np.count_nonzero((got == 0.0) | (got == 1.0)) == 0  # clipping put ~half of the first centre's there
    edge = got[: len(got) // 2]
    assert abs(float(np.mean(edge[:, 0])) - 0.05 * np.sqrt(2 / np.pi)) < 0.005  # a half-normal on the inner side
