"""Bayesian optimisation under an unknown constraint ``lb <= c(x) <= ub`` (``BayesianOptimization(constraint=...)``).

Each constraint component c_j gets its own GP (the same Matérn GP as the objective, on
standardised values); the acquisition of the objective is weighted by the probability that x is
feasible, as in Gardner et al. 2014 ("Bayesian optimization with inequality constraints", eq. 5)
and bayesian-optimization's ``ConstraintModel``. The components are taken as independent:

    P(feasible | x) = Π_j [Φ((ub_j − μ_j) / σ_j) − Φ((lb_j − μ_j) / σ_j)]

EI and PI are maximised in log form (``_gp/acquisition.py``), so the weight is added as
log P(feasible). Before any feasible point is known there is no incumbent to improve on, and the
acquisition is log P(feasible) alone: the search first looks for the feasible region.

Notation: m candidate points, k constraint components, μ, σ (m,) or (m, k) posterior mean and
standard deviation; lb, ub (k,) bounds (±inf allowed).

Example:
    >>> import numpy as np
    >>> lp, _, _ = log_prob_feasible(np.array([[0.0]]), np.array([[1.0]]), np.array([-np.inf]), np.array([0.0]))
    >>> round(float(np.exp(lp[0])), 3)  # P(c <= 0) for c ~ N(0, 1)
    0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import log_ndtr, ndtr

from ._gp.kernel import CATEGORICAL, NUMERIC
from ._gp.threads import one_blas_thread
from .samplers import BaseSampler, SamplerContext
from .samplers._base import fitted_search_space, latin_hypercube_start
from .samplers._encoding import SpaceEncoding
from .space import Distribution
from .trial import FrozenTrial, TrialState

#: The user attribute where ``BayesianOptimization`` keeps a trial's constraint values (a list of floats).
CONSTRAINT_ATTR = "constraint"

_LOG_TINY = -1e3  # log P(feasible) where it underflows: far worse than any feasible point, still finite


def _log_interval(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Φ(b) − Φ(a)) for a < b, stable in both tails (by symmetry, the far tail is computed on its small side)."""
    upper = a > 0  # both in the upper tail: Φ(b) − Φ(a) = Φ(−a) − Φ(−b)
    lo, hi = np.where(upper, -b, a), np.where(upper, -a, b)
    log_hi = log_ndtr(hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = -np.expm1(log_ndtr(lo) - log_hi)
        out = log_hi + np.log(diff)
    return np.where(np.isfinite(out), out, _LOG_TINY)


def log_prob_feasible(
    mean: np.ndarray, std: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log P(lb <= c <= ub) under independent normals N(μ_j, σ_j²), summed over j, with its derivatives.

    Args:
        mean, std: (m, k) posterior of each component at each point.
        lb, ub: (k,) bounds; ``-inf``/``inf`` for a one-sided constraint.

    Returns:
        ``(value (m,), d/dμ (m, k), d/dσ (m, k))``.
    """
    a = (lb[None, :] - mean) / std
    b = (ub[None, :] - mean) / std
    logp = _log_interval(a, b)
    pdf_a = np.where(np.isfinite(a), np.exp(-0.5 * np.where(np.isfinite(a), a, 0.0) ** 2), 0.0) / math.sqrt(2 * math.pi)
    pdf_b = np.where(np.isfinite(b), np.exp(-0.5 * np.where(np.isfinite(b), b, 0.0) ** 2), 0.0) / math.sqrt(2 * math.pi)
    p = np.maximum(np.exp(logp), 1e-300)
    # d/dμ log(Φ(b) − Φ(a)) = (φ(a) − φ(b)) / (σ P);  d/dσ = (a φ(a) − b φ(b)) / (σ P), with a φ(a) = 0 at a = ±inf
    a_pdf = np.where(np.isfinite(a), np.where(np.isfinite(a), a, 0.0) * pdf_a, 0.0)
    b_pdf = np.where(np.isfinite(b), np.where(np.isfinite(b), b, 0.0) * pdf_b, 0.0)
    d_mean = (pdf_a - pdf_b) / (std * p)
    d_std = (a_pdf - b_pdf) / (std * p)
    return logp.sum(axis=1), d_mean, d_std


def feasible(values: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """Rows (n, k) of constraint values with every component inside ``[lb, ub]``, shape (n,)."""
    return np.all((values >= lb) & (values <= ub), axis=1)


def prob_feasible(mean: np.ndarray, std: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """P(lb <= c <= ub), shape (m,): the product over components of ``ndtr(b) − ndtr(a)``."""
    return np.prod(ndtr((ub - mean) / std) - ndtr((lb - mean) / std), axis=1)


class ConstrainedGPSampler(BaseSampler):
    """GP Bayesian optimisation of one objective to maximise, weighted by the probability of feasibility.

    Reads each trial's constraint values from the user attribute ``"constraint"``. ``acquisition``
    is ``"ei"`` or ``"pi"`` (an upper confidence bound has no meaning as a weight, as in
    bayesian-optimization, which refuses it too). ``space`` fixes the parameters proposed (the
    current bounds); without it, the trials' parameters are used.
    """

    def __init__(
        self,
        *,
        lb: Sequence[float] | np.ndarray,
        ub: Sequence[float] | np.ndarray,
        seed: int | None = None,
        acquisition: str = "ei",
        xi: float = 0.0,
        n_startup_trials: int = 1,
        space: dict[str, Distribution] | None = None,
    ) -> None:
        super().__init__(seed=seed)
        if acquisition not in ("ei", "pi"):
            raise ValueError(f"acquisition under a constraint must be 'ei' or 'pi', got {acquisition!r}")
        self.lb = np.asarray(lb, dtype=float)
        self.ub = np.asarray(ub, dtype=float)
        self.acquisition = acquisition
        self.xi = xi
        self.n_startup_trials = n_startup_trials
        self.space = space

    def __repr__(self) -> str:
        return f"ConstrainedGPSampler(seed={self.seed!r}, acquisition={self.acquisition!r})"

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        return dict(sorted(self.space.items())) if self.space is not None else fitted_search_space(context)

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        return distribution.from_unit(context.uniform(name))

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        if not search_space:
            return {}
        done = [t for t in context.trials if _observed(t)]
        if len(done) < self.n_startup_trials:
            return latin_hypercube_start(context, search_space, self.n_startup_trials)
        # Small matrices: BLAS threads cost more than they save here (as in GPSampler).
        with one_blas_thread():
            return self._propose(context, search_space, done)

    def _propose(self, context: SamplerContext, space: dict[str, Distribution], done: list[FrozenTrial]) -> Any:
        from ._gp import acquisition as acq
        from ._gp import optim
        from ._gp.gp import Posterior, fit_theta
        from ._gp.transforms import power, standardize

        enc = SpaceEncoding(space)
        kinds = np.where(enc.is_cat, CATEGORICAL, NUMERIC)
        X = np.array([enc.encode(t.params) for t in done], dtype=float)
        raw = np.array([t.value for t in done], dtype=float)
        C = np.array([np.atleast_1d(t.user_attrs[CONSTRAINT_ATTR]) for t in done], dtype=float)
        if C.shape[1] != len(self.lb):
            raise ValueError(f"trials have {C.shape[1]} constraint values, the constraint has {len(self.lb)} bounds")
        ok = feasible(C, self.lb, self.ub)
        y = power(raw)
        post = Posterior.build(X, y, kinds, fit_theta(X, y, kinds))
        best = float(np.max(y[ok])) if ok.any() else None
        # One GP per component, on standardised values; the bounds move with them.
        models = []
        for j in range(C.shape[1]):
            c = C[:, j]
            mu, sd = float(np.mean(c)), float(np.std(c)) or 1.0
            z = standardize(c)
            models.append((Posterior.build(X, z, kinds, fit_theta(X, z, kinds)), mu, sd))
        lb = np.array([(self.lb[j] - mu) / sd for j, (_, mu, sd) in enumerate(models)])
        ub = np.array([(self.ub[j] - mu) / sd for j, (_, mu, sd) in enumerate(models)])

        def batch(Q: np.ndarray) -> np.ndarray:
            ms, ss = zip(*(m.predict(Q) for m, _, _ in models), strict=True)
            value, _, _ = log_prob_feasible(np.stack(ms, 1), np.sqrt(np.stack(ss, 1)), lb, ub)
            if best is not None:
                m, v = post.predict(Q)
                value = value + acq.evaluate(self.acquisition, m, np.sqrt(v), best, self.xi, 0.0)
            return value

        def with_grad(Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            parts = [m.predict_with_grad(Q) for m, _, _ in models]
            mc = np.stack([p[0] for p in parts], 1)
            sc = np.sqrt(np.stack([p[1] for p in parts], 1))
            value, dmu, dsd = log_prob_feasible(mc, sc, lb, ub)
            grad = sum(dmu[:, j, None] * p[2] + (dsd[:, j] / (2.0 * sc[:, j]))[:, None] * p[3]
                       for j, p in enumerate(parts))  # fmt: skip
            if best is not None:
                m, v, dm, dv = post.predict_with_grad(Q)
                s = np.sqrt(v)
                a, da_dm, da_ds = acq.evaluate_grad(self.acquisition, m, s, best, self.xi, 0.0)
                value = value + a
                grad = grad + da_dm[:, None] * dm + (da_ds / (2.0 * s))[:, None] * dv
            return value, np.asarray(grad)

        def snap(Q: np.ndarray) -> np.ndarray:
            return enc.snap(Q.copy())

        order = np.argsort(-np.where(ok, y, -np.inf))[: min(5, len(y))]
        top = np.where(np.isnan(X[order]), 0.5, X[order])
        x = optim.maximize(batch, with_grad, kinds, enc.n_choices, snap, context.rng("gp-constrained"), top, taken=X)
        return enc.decode(x)


def _observed(t: FrozenTrial) -> bool:
    return t.state is TrialState.COMPLETE and t.value is not None and CONSTRAINT_ATTR in t.user_attrs
