"""Bayesian optimisation with a Gaussian-process surrogate and expected improvement.

The glue between trials and the numerics of ``hyperscout._gp``: trials → arrays in the unit cube →
GP posterior → acquisition maximum → parameter values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._checks import check_constraints_func
from .._gp.kernel import CATEGORICAL, NUMERIC
from .._gp.threads import one_blas_thread
from ..space import Categorical, Distribution, OrNone
from ..trial import CONSTRAINTS, FrozenTrial, TrialState, constraint_violation, is_constrained
from ._base import (
    BaseSampler,
    SamplerContext,
    fitted_search_space,
    latin_hypercube_start,
    observations,
    values_of,
)
from ._encoding import SpaceEncoding


class GPSampler(BaseSampler):
    """Gaussian-process Bayesian optimisation (Matérn-5/2, MAP hyperparameters, log EI).

    * The first ``n_startup_trials`` trials follow a Latin hypercube design. With ``centre_start``
      (the default) trial 0 is the centre of the space: the middle of each range on its own scale
      (the geometric middle of a log range) and the first of each list of choices, where people
      put the values they believe in (``centre_of``).
    * Then every trial refits the GP to the complete trials and proposes the maximiser of the
      acquisition: ``"ei"`` (log expected improvement, the default), ``"ucb"`` (μ + κσ) or
      ``"pi"`` (log probability of improvement). A point already evaluated or running is never
      proposed again while an untried one is left, and while every value seen is equal (a
      plateau) the next point is drawn uniformly instead of where the model is most unsure (the
      corners of the box).
    * ``trust_region=True`` confines the acquisition search to a box around the best trial that
      grows on success and shrinks on failure (TuRBO); ``"alternate"`` on every other trial. Off
      by default: it helped on smooth tasks and hurt on tree models (``docs/samplers-measurements.md``).
    * Trials stopped early by a pruner (PRUNED or PAUSED) join the fit with a stand-in final value,
      rank-matched from their last intermediate value (``impute_stopped``), so the model learns
      that the regions they tried were bad; they count towards ``n_startup_trials``.
    * Log-scale parameters are modelled in log space, integers and steps on their grid,
      categoricals with a Hamming kernel; a parameter absent from a trial (a conditional one) is
      modelled as inactive, not dropped.
    * Trials still running elsewhere enter as fantasies at their posterior mean (the "Kriging
      believer"), so parallel workers and ``study.ask(n=8)`` batches spread out.
    * In a constrained study (``constraints_func`` here or in ``create_study``) each constraint
      gets its own GP, and the acquisition is multiplied by the probability that every constraint
      holds (constrained log EI, Gardner et al. 2014). Until a trial is feasible, it proposes where
      that probability is highest. Trials whose constraints could not be computed count as
      infeasible and are left out of the constraint GPs.
    * With several objectives (``directions=[...]``), one GP per objective and log expected
      hypervolume improvement, computed exactly from a box decomposition of the region the
      feasible Pareto front leaves (``_gp/pareto.py``), with the hypervolume measured from the
      front's worst value in each objective plus half the front's range (no farther than the
      worst trial plus 10% of the trials' range); each objective is
      standardised (``output_transform`` applies to one objective only). Every other proposal instead
      maximises the expected improvement of one random weighting of the objectives (ParEGO's
      augmented Chebyshev scalarisation, each objective scaled to [0, 1]), which spreads the trials
      along the front where the hypervolume alone keeps returning to one of its ends. Meant for 2-3
      objectives: the boxes grow quickly beyond. ``trust_region`` and stopped trials apply to one
      objective only; ``acquisition`` to one objective and to the weighted steps.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(sampler=hs.samplers.GPSampler(seed=0))
        >>> study.optimize(lambda t: (t.suggest_float("x", -2, 2) - 0.5) ** 2, n_trials=15, show_progress_bar=False)
        >>> abs(study.best_params["x"] - 0.5) < 0.1
        True
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        n_startup_trials: int = 10,
        acquisition: str = "ei",
        kappa: float = 2.576,
        xi: float = 0.0,
        output_transform: str = "power",
        trust_region: bool | str = False,
        centre_start: bool = True,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.constraints_func = check_constraints_func(constraints_func)
        if not (isinstance(trust_region, bool) or trust_region == "alternate"):
            raise ValueError(f"trust_region must be True, False or 'alternate', got {trust_region!r}")
        if not isinstance(centre_start, bool):
            raise ValueError(f"centre_start must be True or False, got {centre_start!r}")
        self.centre_start = centre_start
        self.trust_region = trust_region
        if output_transform not in ("power", "standardize"):
            raise ValueError(f"output_transform must be 'power' or 'standardize', got {output_transform!r}")
        self.output_transform = output_transform
        if acquisition not in ("ei", "ucb", "pi"):
            raise ValueError(f"acquisition must be 'ei', 'ucb' or 'pi', got {acquisition!r}")
        if isinstance(n_startup_trials, bool) or not isinstance(n_startup_trials, int) or n_startup_trials < 1:
            raise ValueError(f"n_startup_trials must be >= 1, got {n_startup_trials}")
        self.n_startup_trials = n_startup_trials
        self.acquisition = acquisition
        self.kappa = kappa
        self.xi = xi
        # θ of a proposal in the making, by trial number, until ``proposal_attrs`` records it with the trial.
        # With several GPs (objectives, constraints), also how many: their θ are stored one after the other.
        self._theta: dict[int, tuple[Any, ...]] = {}
        # Encoded rows of finished trials, per search space: trial number -> (its values, its row).
        self._rows: dict[tuple[tuple[str, Distribution], ...], dict[int, tuple[dict[str, Any], list[float]]]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Caches stay behind: a worker process builds its own.
        return {**self.__dict__, "_theta": {}, "_rows": {}}

    def __repr__(self) -> str:
        return f"GPSampler(seed={self.seed!r}, acquisition={self.acquisition!r})"

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        if len(context.directions) == 1:
            return fitted_search_space(context)
        space: dict[str, Distribution] = {}
        for t in _complete_finite(context.trials):
            space.update({k: d for k, d in t.distributions.items() if not d.is_single})
        return dict(sorted(space.items()))

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        if not search_space:
            return {}
        if len(context.directions) > 1:
            fitted = _complete_finite(context.trials)
            objectives = np.array([t.values for t in fitted], dtype=float).reshape(len(fitted), -1)
        else:
            fitted, values = observations(context)
            objectives = np.array(values, dtype=float).reshape(-1, 1)
        if len(fitted) < self.n_startup_trials:
            return latin_hypercube_start(context, search_space, self.n_startup_trials)
        if len(context.directions) > 1 or is_constrained(fitted):
            with one_blas_thread():
                return self._propose_general(context, search_space, fitted, objectives)
        finite = [v for v in values if math.isfinite(v)]
        if not finite or max(finite) == min(finite):
            # Every trial scored the same (a plateau): the model has nothing to rank, and the largest
            # variance, which expected improvement then chases, is in the corners of the box, where
            # hyperparameters usually switch a model off. Spread out uniformly instead, as random search does.
            rng = context.rng("gp-flat")
            return {k: d.from_unit(float(rng.random())) for k, d in search_space.items()}
        # The matrices here are small (n ≤ a few hundred): BLAS threads cost more in start-up and
        # contention than they save (measured: 0.105 s per suggestion at 100 trials on 2 cores
        # with threads, 0.048 s without), and they would compete with parallel workers.
        with one_blas_thread():
            return self._propose(context, search_space, fitted, values)

    def _propose(
        self,
        context: SamplerContext,
        search_space: dict[str, Distribution],
        fitted: list[FrozenTrial],
        values: list[float],
    ) -> dict[str, Any]:
        # scipy.optimize and scipy.stats are imported on first use: `import hyperscout` stays fast.
        from .._gp import acquisition as acq
        from .._gp import optim
        from .._gp.gp import Posterior, fit_theta
        from .._gp.transforms import power, standardize

        transform = power if self.output_transform == "power" else standardize

        enc = SpaceEncoding(search_space)
        kinds = np.where(enc.is_cat, CATEGORICAL, NUMERIC)
        n_choices = enc.n_choices
        X = self._encoded(enc, search_space, fitted)
        sign = 1.0 if context.directions[0] == "maximize" else -1.0
        raw = sign * np.array(values, dtype=float)
        y = transform(raw)

        # The fit starts from θ of the latest proposal that recorded one (``proposal_attrs``), read
        # back from the trials, not kept in this object: a resumed run, or another process, then
        # proposes what an uninterrupted serial run would.
        theta = fit_theta(X, y, kinds, warm_start=_recorded_models(context.trials, enc.names)[0])
        self._theta[context.number] = (enc.names, theta)
        post = Posterior.build(X, y, kinds, theta)
        best = float(np.max(y))
        running = [t for t in context.trials if t.state is TrialState.RUNNING and values_of(t)]
        if running:
            Xr = np.array([enc.encode(values_of(t)) for t in running])
            fantasy, _ = post.predict(Xr)
            post = Posterior.build(np.vstack([X, Xr]), np.r_[y, fantasy], kinds, theta)
            # Believe the fantasies: one predicted to beat the incumbent raises the bar, or EI
            # would send the next worker right next to it.
            best = max(best, float(np.max(fantasy)))

        def batch(C: np.ndarray) -> np.ndarray:
            m, v = post.predict(C)
            return acq.evaluate(self.acquisition, m, np.sqrt(v), best, self.xi, self.kappa)

        def with_grad(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            m, v, dm, dv = post.predict_with_grad(C)
            s = np.sqrt(v)
            a, da_dm, da_ds = acq.evaluate_grad(self.acquisition, m, s, best, self.xi, self.kappa)
            return a, da_dm[:, None] * dm + (da_ds / (2.0 * s))[:, None] * dv

        def snap(C: np.ndarray) -> np.ndarray:
            return enc.snap(C.copy())

        top = X[np.argsort(-y)[: min(5, len(y))]]
        top = np.where(np.isnan(top), 0.5, top)
        # Points already evaluated, or running: proposing one again would learn nothing (see optim.maximize).
        taken = np.vstack([X, Xr]) if running else X
        local = self.trust_region is True or (self.trust_region == "alternate" and context.number % 2 == 1)
        region = self._region(fitted, raw, X, kinds, post) if local else None
        rng = context.rng("gp")
        # Dims the model finds nearly irrelevant are not refined, or the refinement drifts to their bounds.
        flat = optim.flat_dims(kinds, np.exp(theta[: X.shape[1]]))
        x = optim.maximize(batch, with_grad, kinds, n_choices, snap, rng, top, taken=taken, box=region, frozen=flat)
        if region is not None and optim.is_row_of(x, taken):  # every point of the region was tried
            x = optim.maximize(batch, with_grad, kinds, n_choices, snap, rng, top, taken=taken, frozen=flat)
        return enc.decode(x)

    def _propose_general(
        self,
        context: SamplerContext,
        search_space: dict[str, Distribution],
        fitted: list[FrozenTrial],
        objectives: np.ndarray,
    ) -> dict[str, Any]:
        """Several objectives or constraints: one GP per objective and per constraint, then
        log EI (one objective) or log EHVI (several), plus the log probability of feasibility."""
        from .._gp import acquisition as acq
        from .._gp import optim
        from .._gp.constrained import log_feasibility_grad, standardize_constraints
        from .._gp.gp import Posterior, fit_theta
        from .._gp.pareto import box_decomposition, log_ehvi_grad, reference_point
        from .._gp.transforms import power, standardize
        from .._multi_objective import non_dominated_ranks

        n_obj = objectives.shape[1]
        # Several objectives are only standardised: the power transform bends an objective that piles up at
        # its best value (f1 = 0 at one end of a front) into a cliff, which the GP fits with a doubt there
        # that the hypervolume improvement pays for (docs/samplers-measurements.md).
        transform = power if self.output_transform == "power" and n_obj == 1 else standardize
        enc = SpaceEncoding(search_space)
        kinds = np.where(enc.is_cat, CATEGORICAL, NUMERIC)
        X = self._encoded(enc, search_space, fitted)
        signs = np.array([1.0 if d == "maximize" else -1.0 for d in context.directions])
        Y = np.column_stack([transform(signs[j] * objectives[:, j]) for j in range(n_obj)])  # larger is better
        feasible = np.array([constraint_violation(t) <= 0 for t in fitted])
        if n_obj > 1 and feasible.any() and context.number % 2 == 1:
            # Every other proposal targets one random trade-off instead (ParEGO, Knowles 2006): EHVI alone
            # keeps returning to an end of the front, where a small doubt that an objective could pass its
            # best value buys a slab of hypervolume as tall as the front (docs/samplers-measurements.md);
            # a random weighting spreads the proposals along the front.
            Y = transform(-_chebyshev(-signs * objectives, context.rng("gp-parego")))[:, None]
            n_obj = 1
        C, with_c = _constraint_values(fitted)

        # One fit per model, each warm-started from what the latest proposal recorded (see _propose).
        recorded = _recorded_models(context.trials, enc.names, n_obj + C.shape[1])
        models: list[tuple[np.ndarray, np.ndarray]] = [(X, Y[:, j]) for j in range(n_obj)]
        thresholds = np.empty(0)
        if C.shape[1]:
            Z, thresholds = standardize_constraints(C[with_c])
            models += [(X[with_c], Z[:, k]) for k in range(C.shape[1])]
        thetas = [fit_theta(Xm, ym, kinds, warm_start=recorded[i]) for i, (Xm, ym) in enumerate(models)]
        self._theta[context.number] = (enc.names, np.concatenate(thetas), len(thetas))
        posts = [Posterior.build(Xm, ym, kinds, th) for (Xm, ym), th in zip(models, thetas, strict=True)]

        running = [t for t in context.trials if t.state is TrialState.RUNNING and values_of(t)]
        Xr = np.array([enc.encode(values_of(t)) for t in running]) if running else np.empty((0, X.shape[1]))
        Yf = Y[feasible]
        Xtop = X[feasible]
        if running:
            # Kriging believer for every model; a running trial joins the front when its fantasy is feasible.
            fantasies = [p.predict(Xr)[0] for p in posts]
            posts = [
                Posterior.build(np.vstack([p.X, Xr]), np.r_[p.y, f], kinds, p.theta)
                for p, f in zip(posts, fantasies, strict=True)
            ]
            ok = np.all(np.array(fantasies[n_obj:]).reshape(-1, len(running)).T <= thresholds, axis=1)
            Yf = np.vstack([Yf, np.column_stack(fantasies[:n_obj])[ok]])
        have_feasible = len(Yf) > 0
        if have_feasible and n_obj > 1:
            losses = -Y[feasible] if feasible.any() else -Yf
            lower, upper = box_decomposition(-Yf, reference_point(losses))

        def value_grad(Cand: np.ndarray, grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
            preds = [p.predict_with_grad(Cand) if grad else (*p.predict(Cand), None, None) for p in posts]
            mean = np.column_stack([q[0] for q in preds])
            std = np.sqrt(np.column_stack([q[1] for q in preds]))
            total = np.zeros(len(Cand))
            d_mean = np.zeros_like(mean)
            d_std = np.zeros_like(std)
            if have_feasible and n_obj == 1:
                a, dm, ds = acq.evaluate_grad(
                    self.acquisition, mean[:, 0], std[:, 0], float(np.max(Yf)), self.xi, self.kappa
                )
                total += a
                d_mean[:, 0], d_std[:, 0] = dm, ds
            elif have_feasible:
                a, dm, ds = log_ehvi_grad(-mean[:, :n_obj], std[:, :n_obj], lower, upper)
                total += a
                d_mean[:, :n_obj], d_std[:, :n_obj] = -dm, ds
            if len(thresholds):
                a, dm, ds = log_feasibility_grad(mean[:, n_obj:], std[:, n_obj:], thresholds)
                total += a
                d_mean[:, n_obj:], d_std[:, n_obj:] = dm, ds
            if not grad:
                return total, None
            g = np.zeros_like(Cand, dtype=float)
            for j, q in enumerate(preds):
                g += d_mean[:, j : j + 1] * q[2] + (d_std[:, j] / (2.0 * std[:, j]))[:, None] * q[3]
            return total, g

        def batch(Cand: np.ndarray) -> np.ndarray:
            return value_grad(Cand, False)[0]

        def with_grad(Cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            v, g = value_grad(Cand, True)
            assert g is not None
            return v, g

        def snap(Cand: np.ndarray) -> np.ndarray:
            return enc.snap(Cand.copy())

        rng = context.rng("gp")
        if Xtop.shape[0]:
            # Local search starts from the best feasible points: the front (several objectives), or the top 5.
            score = -non_dominated_ranks(-Y[feasible]) if n_obj > 1 else Y[feasible, 0]
            order = np.lexsort((rng.random(len(score)), -score))
            top = Xtop[order[:5]]
        else:
            top = X[np.argsort([constraint_violation(t) for t in fitted], kind="stable")[:5]]
        top = np.where(np.isnan(top), 0.5, top)
        taken = np.vstack([X, Xr]) if running else X
        x = optim.maximize(batch, with_grad, kinds, enc.n_choices, snap, rng, top, taken=taken)
        return enc.decode(x)

    def _encoded(self, enc: SpaceEncoding, space: dict[str, Distribution], trials: list[FrozenTrial]) -> np.ndarray:
        """``enc.encode`` of each trial's values, reusing the row of a trial seen before with the same values.

        Re-encoding every trial at every suggestion cost ~9 % of a suggestion at 200 trials. The row
        is reused only while the trial's values are equal to those it was encoded from, so a trial
        number met again in another study, or a paused trial that gained a parameter, is encoded anew.
        """
        cache = self._rows.setdefault(tuple(space.items()), {})
        rows = []
        for t in trials:
            values = values_of(t)
            hit = cache.get(t.number)
            if hit is None or hit[0] != values:
                hit = cache[t.number] = (dict(values), enc.encode(values))
            rows.append(hit[1])
        return np.array(rows, dtype=float)

    def _region(
        self, fitted: list[FrozenTrial], raw: np.ndarray, X: np.ndarray, kinds: np.ndarray, post: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """The trust region (``_gp/trust_region.py``) around the incumbent, from the trials in number order."""
        from .._gp import trust_region

        order = np.argsort([t.number for t in fitted], kind="stable")
        y = raw[order]
        k = min(self.n_startup_trials, len(y))
        length = trust_region.side_length(y[k:], float(np.max(y[:k])), int(np.sum(kinds != CATEGORICAL)))
        lengthscales = np.exp(post.theta[: X.shape[1]])
        return trust_region.box(X[int(np.argmax(raw))], length, lengthscales, kinds != CATEGORICAL)

    def proposal_attrs(self, context: SamplerContext, params: dict[str, Any]) -> dict[str, Any]:
        fitted = self._theta.pop(context.number, None)
        if fitted is None:
            return {}
        names, theta, *models = fitted
        record: dict[str, Any] = {"names": names, "theta": [round(float(v), 6) for v in theta]}
        if models:  # several GPs (objectives, then constraints), their θ one after the other
            record["models"] = models[0]
        return {_THETA_KEY: record}

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        if self.centre_start and context.number == 0:
            return centre_of(distribution)
        return distribution.from_unit(context.uniform(name))


_THETA_KEY = "gp_theta"  # system attribute: the GP hyperparameters a proposal was made with


def _recorded_models(trials: Sequence[FrozenTrial], names: list[str], count: int = 1) -> list[np.ndarray | None]:
    """θ of each of ``count`` GPs, recorded by the latest trial proposed over the same parameters with as many.

    A record without a count is of one GP (the one-objective proposal writes none).
    """
    recorded = [
        (t.number, rec["theta"])
        for t in trials
        if isinstance(rec := t.system_attrs.get(_THETA_KEY), dict)
        and rec.get("names") == names
        and rec.get("models", 1) == count
    ]
    if not recorded:
        return [None] * count
    return list(np.split(np.asarray(max(recorded)[1], dtype=float), count))


def _chebyshev(losses: np.ndarray, rng: np.random.Generator, rho: float = 0.05) -> np.ndarray:
    """Each row's augmented Chebyshev scalarisation under random weights (ParEGO's), to be minimised, (n,).

    Each objective is scaled to [0, 1] over the rows; the weights are uniform on the simplex.

    Example:
        >>> losses = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
        >>> bool(_chebyshev(losses, np.random.default_rng(0))[2] < 0.6)
        True
    """
    lo, hi = losses.min(axis=0), losses.max(axis=0)
    unit = (losses - lo) / np.where(hi > lo, hi - lo, 1.0)
    w = rng.dirichlet(np.ones(losses.shape[1]))
    return np.max(w * unit, axis=1) + rho * (unit @ w)


def _complete_finite(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """The complete trials whose every objective value is finite: what the GPs of several objectives fit."""
    return [
        t for t in trials if t.state is TrialState.COMPLETE and t.values and all(math.isfinite(v) for v in t.values)
    ]


def _constraint_values(trials: Sequence[FrozenTrial]) -> tuple[np.ndarray, np.ndarray]:
    """The constraint values (n, K) of the trials, and which rows hold them (n,).

    K is the number of values of the latest trial that has them; a trial whose constraints could not be
    computed (None) or that has another number of them gets a row of NaN, left out of the constraint GPs.
    """
    lists = [t.system_attrs.get(CONSTRAINTS) for t in trials]
    latest = next((c for c in reversed(lists) if isinstance(c, list | tuple)), None)
    k = len(latest) if latest is not None else 0
    ok = np.array([isinstance(c, list | tuple) and len(c) == k for c in lists], dtype=bool)
    C = np.full((len(trials), k), np.nan)
    for i, c in enumerate(lists):
        if ok[i] and k:
            C[i] = c
    if not ok.any():
        C = np.zeros((len(trials), 0))
    return C, ok


def centre_of(distribution: Distribution) -> Any:
    """The middle of a range (on its own scale: the geometric middle of a log range), the first of the choices.

    Where the first trial goes with ``centre_start``: people write a range around the values they
    believe in (``C`` from 1e-2 to 1e3 centres on 3) and list first the choice they would try first
    (``["rbf", "poly", "sigmoid"]``). An optional parameter gets its inner distribution's centre.

    Example:
        >>> from hyperscout.space import Categorical, Float, Int, OrNone
        >>> [centre_of(d) for d in (Float(0, 4), Int(1, 9), Categorical(["b", "a"]), OrNone(Int(2, 4)))]
        [2.0, 5, 'b', 3]
    """
    if isinstance(distribution, OrNone):
        return centre_of(distribution.inner)
    if isinstance(distribution, Categorical):
        return distribution.choices[0]
    return distribution.from_unit(0.5)
