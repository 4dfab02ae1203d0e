"""TPESampler: ranking, groups of conditional parameters, discrete dims, and the Parzen numerics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hyperscout as hs
from hyperscout import _tpe
from hyperscout._multi_objective import hypervolume, non_dominated_ranks
from hyperscout.samplers import SamplerContext, TPESampler
from hyperscout.samplers.tpe import _groups, _rank, _ranked, _split_several
from hyperscout.space import Float, Int, OrNone
from hyperscout.trial import FrozenTrial, TrialState


def _t(number, params, value=None, state=TrialState.COMPLETE, steps=None, dists=None):
    dists = dists or {k: Float(-10.0, 10.0) for k in params}
    values = None if value is None else (value if isinstance(value, tuple) else (value,))
    return FrozenTrial(
        number=number,
        state=state,
        params=params,
        distributions=dists,
        values=values,
        intermediate_values=steps or {},
    )


# ---------------------------------------------------------------------------------------------------
# ranking and grouping


def test_rank_puts_complete_trials_first_then_pruned_by_progress():
    trials = [
        _t(0, {"x": 0.0}, 3.0),
        _t(1, {"x": 1.0}, None, TrialState.PRUNED, steps={0: 0.1, 1: 0.2}),
        _t(2, {"x": 2.0}, 1.0),
        _t(3, {"x": 3.0}, None, TrialState.PRUNED, steps={0: 0.05}),
        _t(4, {"x": 4.0}, None, TrialState.FAIL),
        _t(5, {"x": 5.0}, None, TrialState.PRUNED),  # pruned before reporting: no evidence
        _t(6, {"x": 6.0}, None, TrialState.PRUNED, steps={0: math.nan, 1: math.nan}),
    ]
    assert [t.number for t in _rank(trials, ["minimize"])] == [2, 0, 1, 6, 3]
    assert [t.number for t in _rank(trials, ["maximize"])] == [0, 2, 1, 6, 3]


def test_a_trial_stopped_where_it_looked_good_never_ranks_above_a_complete_one():
    """The pruner stopped trial 1 at step 2, where it led: it judged that the trial would end worse.

    Ranked by its value at step 2 (an earlier, BOHB-style rule), it entered the good group ahead of the
    complete trials, and the sampler proposed the stopped configuration again and again.
    """
    curve = {0: {1: 0.9, 2: 0.8, 4: 0.5}, 1: {1: 0.5, 2: 0.3}, 2: {1: 0.4}, 3: {1: 0.6, 2: 0.7, 4: 0.1}}
    trials = [
        _t(0, {"x": 0.0}, 0.5, steps=curve[0]),
        _t(1, {"x": 1.0}, None, TrialState.PRUNED, steps=curve[1]),  # ahead of both complete trials at step 2
        _t(2, {"x": 2.0}, None, TrialState.PRUNED, steps=curve[2]),  # stopped earlier
        _t(3, {"x": 3.0}, 0.1, steps=curve[3]),
    ]
    assert [t.number for t in _rank(trials, ["minimize"])] == [3, 0, 1, 2]
    assert [t.number for t in _rank(trials, ["maximize"])] == [0, 3, 1, 2]
    # The complete trials keep their losses (for the improvement weights); the pruned ones have none.
    ranked, losses, n_feasible = _ranked(trials, ["minimize"])
    assert losses is not None and losses.tolist() == [0.1, 0.5, math.inf, math.inf] and n_feasible == 4


def test_infeasible_trials_rank_after_feasible_ones_by_violation():
    def t(n, value, constraints):
        return FrozenTrial(n, TrialState.COMPLETE, {}, {}, (value,), system_attrs={"constraints": constraints})

    trials = [t(0, 1.0, [2.0]), t(1, 5.0, [-1.0]), t(2, 0.0, [0.5, 0.2]), t(3, 3.0, [0.0]), t(4, 9.0, None)]
    ranked, losses, n_feasible = _ranked(trials, ["minimize"])
    assert [x.number for x in ranked] == [3, 1, 2, 0, 4]  # feasible by value, then by violation, unknown last
    assert losses.tolist() == [3.0, 5.0, 0.0, 1.0, 9.0] and n_feasible == 2


def test_constrained_tpe_heads_for_the_feasible_region():
    # minimise x + y subject to x + y >= 1.2: the unconstrained optimum (0, 0) is infeasible
    def objective(trial):
        return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)

    def constraints(trial):
        return [1.2 - trial.params["x"] - trial.params["y"]]

    best = []
    for seed in range(3):
        sampler = hs.samplers.TPESampler(seed=seed, constraints_func=constraints)
        study = hs.create_study(sampler=sampler)
        study.optimize(objective, n_trials=40, show_progress_bar=False)
        late = study.trials[20:]
        assert sum(t.constraints["0"] <= 0 for t in late) >= 10  # most late proposals are feasible
        best.append(study.best_value)
    assert all(1.2 <= b < 1.3 for b in best), best


def test_rank_of_several_objectives_follows_pareto_fronts():
    trials = [_t(0, {}, (1.0, 5.0)), _t(1, {}, (2.0, 6.0)), _t(2, {}, (5.0, 1.0)), _t(3, {}, (6.0, 6.0))]
    assert [t.number for t in _rank(trials, ["minimize", "minimize"])][2:] == [1, 3]
    assert list(non_dominated_ranks(np.array([[1.0, 5.0], [2.0, 6.0], [5.0, 1.0], [6.0, 6.0]]))) == [0, 1, 0, 2]


def test_split_of_several_objectives_keeps_non_dominated_trials_ahead():
    rng = np.random.default_rng(0)
    trials = [_t(i, {"x": 0.0}, (float(a), float(b))) for i, (a, b) in enumerate(rng.random((40, 2)))]
    front = non_dominated_ranks(np.array([t.values for t in trials])) == 0
    n_front = int(front.sum())
    for n_good in (n_front - 1, n_front, n_front + 3):
        ranked, w = _split_several(_rank(trials, ["minimize", "minimize"]), ["minimize"] * 2, n_good)
        first = {t.number for t in ranked[:n_front]}
        assert first == set(np.flatnonzero(front).tolist())  # all non-dominated trials ahead of dominated ones
        assert w.tolist() == [1.0] * n_good + [0.0] * (40 - n_good)


def test_split_of_several_objectives_in_a_constrained_study():
    def t(n, values, constraints):
        return FrozenTrial(n, TrialState.COMPLETE, {}, {}, values, system_attrs={"constraints": constraints})

    # trial 0 dominates every other but is infeasible; 3 is dominated by 1 among the feasible ones
    trials = [t(0, (0.0, 0.0), [1.0]), t(1, (1.0, 1.0), [0.0]), t(2, (0.5, 3.0), [-1.0]), t(3, (2.0, 2.0), [-1.0])]
    ranked, w = _split_several(trials, ["minimize", "minimize"], 3)
    assert [x.number for x in ranked] == [1, 2, 3, 0]  # feasible fronts {1, 2}, {3}, then the infeasible one
    assert w.tolist() == [1.0, 1.0, 1.0, 0.0]


def test_several_objectives_reproducible_and_better_than_random():
    def f(trial):
        x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(4)]
        g = 1 + 9 * sum(x[1:]) / 3
        return x[0], g * (1 - math.sqrt(x[0] / g))  # ZDT1 on 4 parameters

    def hv(sampler):
        study = hs.create_study(sampler=sampler, directions=["minimize", "minimize"])
        study.optimize(f, n_trials=60, show_progress_bar=False)
        pts = np.array([t.values for t in study.trials])
        return hypervolume(pts, [1.1, 11.0]), [t.params for t in study.trials]

    tpe = [hv(TPESampler(seed=s)) for s in range(4)]
    rnd = [hv(hs.samplers.RandomSampler(seed=s))[0] for s in range(4)]
    assert hv(TPESampler(seed=0))[1] == tpe[0][1]  # same seed, same trials
    hv_tpe = [h for h, _ in tpe]
    assert np.median(hv_tpe) > np.median(rnd) + 0.5, (hv_tpe, rnd)
    assert sum(a > b for a, b in zip(hv_tpe, rnd, strict=True)) >= 3, (hv_tpe, rnd)  # seed by seed


def test_several_objectives_mirror_maximize_and_minimize():
    def f(trial):
        x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(3)]
        return x[0] + x[2], (1 - x[0]) * (1 + x[1])

    lo = hs.create_study(sampler=TPESampler(seed=1), directions=["minimize", "minimize"])
    lo.optimize(f, n_trials=30, show_progress_bar=False)
    hi = hs.create_study(sampler=TPESampler(seed=1), directions=["maximize", "minimize"])
    hi.optimize(lambda t: (-f(t)[0], f(t)[1]), n_trials=30, show_progress_bar=False)
    assert [t.params for t in lo.trials] == [t.params for t in hi.trials]


def test_groups_split_parameters_by_the_trials_that_use_them():
    space = {k: Float(0.0, 1.0) for k in ("kind", "a1", "a2", "b1", "c")}
    trials = [
        {"kind": 0.1, "a1": 0.1, "a2": 0.2, "c": 0.5},
        {"kind": 0.9, "b1": 0.3, "c": 0.5},
        {"kind": 0.1, "a1": 0.1, "a2": 0.2},
    ]
    assert _groups(trials, space, joint=True) == [["a1", "a2"], ["b1"], ["c"], ["kind"]]
    assert _groups(trials, space, joint=False) == [[k] for k in space]


# ---------------------------------------------------------------------------------------------------
# the sampler


def test_conditional_branches_are_modelled_from_the_trials_that_used_them():
    """The good branch's parameter converges, and the bad branch is chosen rarely once learned."""

    def objective(trial):
        kind = trial.suggest_categorical("kind", ["good", "bad"])
        if kind == "good":
            return (trial.suggest_float("g", -5, 5) - 2.0) ** 2
        return 10.0 + trial.suggest_float("b", -5, 5) ** 2

    study = hs.create_study(sampler=TPESampler(seed=1))
    study.optimize(objective, n_trials=60, show_progress_bar=False)
    late = study.trials[30:]
    assert sum(t.params["kind"] == "good" for t in late) >= 24
    assert abs(study.best_params["g"] - 2.0) < 0.3
    assert all(set(t.params) in ({"kind", "g"}, {"kind", "b"}) for t in study.trials)


def test_a_plateau_of_tied_values_does_not_hold_the_search():
    """A branch whose trials all tie (a quantised CV error, say) is left once it stops improving.

    Split by rank, the tied "flat" trials filled the good group and TPE kept choosing them: in these
    8 seeds it never left the plateau in one and spent 11 of the last 20 trials on it in another.
    Ties with the threshold now count as bad, so the search moves to where improvements are found.
    """

    def objective(trial):
        kind = trial.suggest_categorical("kind", ["flat", "sharp", "bad"])
        if kind == "flat":
            trial.suggest_float("a", 0, 1)
            return 1.0
        if kind == "sharp":  # below the plateau only within 0.125 of 0.7
            return 8 * abs(trial.suggest_float("x", 0, 1) - 0.7)
        return 2.0 + trial.suggest_float("b", 0, 1)

    for seed in range(8):
        study = hs.create_study(sampler=TPESampler(seed=seed))
        study.optimize(objective, n_trials=40, show_progress_bar=False)
        assert study.best_value < 1.0, seed
        assert sum(t.params["kind"] == "flat" for t in study.trials[20:]) <= 5, seed


def test_categorical_and_discrete_parameters_converge():
    def objective(trial):
        c = trial.suggest_categorical("c", ["a", "b", "c", "d", "e"])
        n = trial.suggest_int("n", 1, 64, log=True)
        depth = trial.suggest("depth", OrNone(Int(1, 10)))
        return (c != "d") + abs(math.log2(n) - 3) + (0 if depth is None else 1)

    solved = 0
    for seed in range(8):  # 5 x 11 x 64 points; random search solves it in 60 trials ~11% of the time
        study = hs.create_study(sampler=TPESampler(seed=seed))
        study.optimize(objective, n_trials=60, show_progress_bar=False)
        solved += study.best_params == {"c": "d", "n": 8, "depth": None}
    assert solved >= 5


def test_maximize_and_minimize_are_mirror_images():
    def f(trial):
        return (trial.suggest_float("x", -3, 3) - 1.0) ** 2

    lo = hs.create_study(sampler=TPESampler(seed=3))
    lo.optimize(f, n_trials=30, show_progress_bar=False)
    hi = hs.create_study(sampler=TPESampler(seed=3), direction="maximize")
    hi.optimize(lambda t: -f(t), n_trials=30, show_progress_bar=False)
    assert [t.params for t in lo.trials] == [t.params for t in hi.trials]


def test_multi_objective_study_runs_and_improves_the_front():
    def f(trial):
        x, y = trial.suggest_float("x", 0, 1), trial.suggest_float("y", 0, 1)
        return x + y, (1 - x) + y  # y = 0 is Pareto-optimal

    study = hs.create_study(sampler=TPESampler(seed=0), directions=["minimize", "minimize"])
    study.optimize(f, n_trials=50, show_progress_bar=False)
    ys = [t.params["y"] for t in study.trials]
    assert np.median(ys[30:]) < np.median(ys[:10])


def test_pruned_trials_inform_the_model():
    """With only pruned trials beyond the start-up, the sampler still models them (no crash, no random walk)."""
    history = [_t(i, {"x": float(x)}, float(x) ** 2) for i, x in enumerate(np.linspace(-9, 9, 10))]
    history += [
        _t(10 + i, {"x": float(x)}, None, TrialState.PRUNED, steps={0: float(x) ** 2})
        for i, x in enumerate(np.linspace(-9, 9, 10))
    ]
    ctx = SamplerContext(number=20, seed=0, directions=("minimize",), trials=history)
    sampler = TPESampler(seed=0)
    proposals = [
        sampler.sample_relative(SamplerContext(20 + k, 0, ("minimize",), history), {"x": Float(-10.0, 10.0)})["x"]
        for k in range(20)
    ]
    assert sampler.infer_relative_search_space(ctx) == {"x": Float(-10.0, 10.0)}
    assert np.median(np.abs(proposals)) < 4.0


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_startup_trials"):
        TPESampler(n_startup_trials=0)
    with pytest.raises(ValueError, match="n_ei_candidates"):
        TPESampler(n_ei_candidates=True)
    with pytest.raises(ValueError, match="prior_weight"):
        TPESampler(prior_weight=-1)
    with pytest.raises(ValueError, match="bandwidth"):
        TPESampler(bandwidth=float("nan"))
    with pytest.raises(ValueError, match="gamma"):
        TPESampler(gamma=0.25)  # type: ignore[arg-type]


def test_get_sampler_knows_tpe():
    assert isinstance(hs.samplers.get_sampler("tpe", seed=1), TPESampler)


# ---------------------------------------------------------------------------------------------------
# numerics


@settings(max_examples=50, deadline=None)
@given(
    xs=st.lists(st.floats(0.0, 1.0), min_size=0, max_size=12),
    cats=st.integers(0, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_parzen_samples_stay_in_the_cube_and_densities_are_finite(xs, cats, seed):
    n = len(xs)
    X = np.array(xs, dtype=float).reshape(n, 1)
    C = (np.arange(n) % max(cats, 1)).reshape(n, 1) if cats else np.zeros((n, 0), dtype=int)
    edges = [np.linspace(0, 1, 4) if seed % 2 else None]
    pe = _tpe.fit(X, C, [cats] if cats else [], edges, np.ones(n))
    x, c = pe.sample(np.random.default_rng(seed), 64)
    assert np.all((x >= 0) & (x <= 1))
    if cats:
        assert np.all((c >= 0) & (c < cats))
    logp = pe.log_pdf(x, c)
    assert np.all(np.isfinite(logp))


def test_parzen_density_integrates_to_one_and_matches_its_samples():
    pe = _tpe.fit(np.array([[0.1, 0.9], [0.95, 0.2], [0.5, 0.5]]), np.zeros((3, 0), int), [], [None, None], np.ones(3))
    g = (np.arange(200) + 0.5) / 200
    grid = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    p = np.exp(pe.log_pdf(grid, np.zeros((len(grid), 0), int)))
    assert p.mean() == pytest.approx(1.0, abs=2e-3)
    x, _ = pe.sample(np.random.default_rng(0), 100_000)
    np.testing.assert_allclose(x.mean(axis=0), (grid * p[:, None]).mean(axis=0) / p.mean(), atol=5e-3)


def test_log_pdf_matches_a_direct_sum_of_truncated_normals():
    """The Gaussian part is computed as matrix products; check it against scipy, kernel by kernel."""
    from scipy.special import logsumexp
    from scipy.stats import truncnorm

    rng = np.random.default_rng(0)
    X = np.vstack([rng.random((40, 3)), [[0.0, 1.0, 0.5], [1e-9, 0.999999, 0.5]]])  # narrow kernels at the ends
    pe = _tpe.fit(X, np.zeros((42, 0), int), [], [None, None, None], rng.random(42) + 0.1)
    x = np.vstack([rng.random((30, 3)), [[0.0, 1.0, 0.5], [1.0, 0.0, 0.0]]])
    a, b = (0 - pe.mu) / pe.sigma, (1 - pe.mu) / pe.sigma  # (K, 3)
    per_kernel = truncnorm.logpdf(x[:, None, :], a, b, loc=pe.mu, scale=pe.sigma).sum(axis=2)  # (m, K)
    expected = logsumexp(per_kernel + np.log(pe.w), axis=1)
    np.testing.assert_allclose(pe.log_pdf(x, np.zeros((32, 0), int)), expected, rtol=1e-9, atol=1e-9)


def test_discrete_masses_match_sampled_frequencies():
    pe = _tpe.fit(np.array([[0.3]]), np.zeros((1, 0), int), [], [np.linspace(0, 1, 6)], np.ones(1))
    x, _ = pe.sample(np.random.default_rng(0), 100_000)
    values, counts = np.unique(x[:, 0], return_counts=True)
    np.testing.assert_allclose(values, [0.1, 0.3, 0.5, 0.7, 0.9])
    masses = np.exp(pe.log_pdf(values[:, None], np.zeros((5, 0), int)))
    assert masses.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(counts / counts.sum(), masses, atol=5e-3)


def test_split_weights_follow_the_improvement_over_the_threshold():
    wl, wg = _tpe.split_weights(np.array([0.0, 1.0, 2.5, 3.0, 7.0]), 3)  # y* = 3.0
    np.testing.assert_allclose(wl, np.array([3.0, 2.0, 0.5, 0.0, 0.0]) / (5.5 / 3))
    assert wl.mean() * 5 / 3 == pytest.approx(1.0)  # a mean of 1 over the trials in l
    assert wg.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_split_weights_send_ties_with_the_threshold_to_g():
    # the 2nd and 3rd trials tie with the best trial outside the top 3: they improve on nothing
    wl, wg = _tpe.split_weights(np.array([0.5, 1.0, 1.0, 1.0, 2.0]), 3)
    assert wl.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert wg.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0]
    # the whole top ties with y*: l is left to its prior, and every trial is in g
    wl, wg = _tpe.split_weights(np.array([1.0, 1.0, 1.0, 2.0]), 2)
    assert not wl.any() and wg.all()


def test_split_weights_fall_back_to_the_rank_split():
    wl, wg = _tpe.split_weights(np.array([0.0, 1.0, math.inf, math.inf]), 3)  # no finite threshold
    assert wl.tolist() == [1.0, 1.0, 1.0, 0.0] and wg.tolist() == [0.0, 0.0, 0.0, 1.0]
    wl, wg = _tpe.split_weights(np.array([0.0, 1.0]), 2)  # no trial outside the top
    assert wl.tolist() == [1.0, 1.0] and not wg.any()


@settings(max_examples=100, deadline=None)
@given(
    losses=st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, math.inf]), min_size=1, max_size=30),
    n_good=st.integers(0, 30),
)
def test_split_weights_put_each_trial_in_one_group(losses, n_good):
    ranked = np.sort(np.array(losses))
    wl, wg = _tpe.split_weights(ranked, n_good)
    assert np.all(wl >= 0) and np.all(np.isfinite(wl))
    assert np.all((wl > 0) != (wg > 0))  # one group each (l may be empty: the prior alone)
    assert not wl[n_good:].any()  # only the top can be good
    assert np.all(np.diff(wl) <= 1e-12)  # a better trial never weighs less


def test_log_mass_is_accurate_far_in_both_tails():
    from scipy.stats import norm

    out = _tpe._log_mass(np.array([-40.0, 30.0, -1.0]), np.array([-39.0, 31.0, 1.0]))
    left = norm.logcdf(-39.0) + np.log1p(-np.exp(norm.logcdf(-40.0) - norm.logcdf(-39.0)))
    assert np.isfinite(left) and left < -700  # Φ(b) − Φ(a) itself would underflow to 0 here
    assert out[0] == pytest.approx(left, rel=1e-9)
    assert out[1] == pytest.approx(_tpe._log_mass(np.array([-31.0]), np.array([-30.0]))[0], rel=1e-12)  # symmetry
    assert out[2] == pytest.approx(np.log(norm.cdf(1) - norm.cdf(-1)), rel=1e-12)


def test_categorical_kernels_prefer_the_observed_category():
    pe = _tpe.fit(np.zeros((3, 0)), np.array([[2], [2], [0]]), [4], [], np.ones(3))
    logp = pe.log_pdf(np.zeros((4, 0)), np.arange(4).reshape(4, 1))
    assert np.argmax(logp) == 2
    assert np.exp(logp).sum() == pytest.approx(1.0)
    assert logp[1] == pytest.approx(logp[3])  # unobserved categories share what is left
    assert logp[0] > logp[1]


def test_learns_from_pruned_trials_under_hyperband():
    """Most trials are stopped early; TPE must still find the good region from their partial curves."""

    def objective(trial):
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_float("y", -5, 5)
        final = (x - 1.5) ** 2 + (y + 2.0) ** 2
        for epoch in range(1, 28):
            trial.report(final + 10.0 / epoch, epoch)  # a learning curve converging to the final value
            if trial.should_prune():
                raise hs.TrialPruned()
        return final

    def best(sampler, seed):
        pruner = hs.pruners.HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3)
        study = hs.create_study(sampler=sampler, pruner=pruner, seed=seed)
        study.optimize(objective, n_trials=80, show_progress_bar=False)
        assert sum(t.state is TrialState.PRUNED for t in study.trials) > 20  # pruning is doing its job
        return study.best_value if any(t.state is TrialState.COMPLETE for t in study.trials) else math.inf

    tpe = [best(TPESampler(seed=s), s) for s in range(6)]
    rnd = [best(hs.samplers.RandomSampler(seed=s), s) for s in range(6)]
    assert np.median(tpe) < 0.5 * np.median(rnd), (tpe, rnd)


def test_flags_are_bools_and_weights_numbers() -> None:
    # multivariate="no" was taken as true, prior_weight=True as 1.0.
    for kwargs in ({"multivariate": "no"}, {"constant_liar": 0}):
        with pytest.raises(TypeError, match=rf"{next(iter(kwargs))} must be True or False( or None)?, got"):
            TPESampler(**kwargs)
    for kwargs in ({"prior_weight": True}, {"bandwidth": "1"}):
        with pytest.raises(ValueError, match=rf"{next(iter(kwargs))} must be a positive number"):
            TPESampler(**kwargs)
