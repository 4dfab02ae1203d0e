"""A trust region for the acquisition search, grown and shrunk from the history alone (TuRBO).

Notation: y (n,) the observations after the start-up design, in trial order, larger is better;
d the number of numeric dims; ℓ (d,) the GP's length-scales; x* the incumbent in the unit cube.

Eriksson et al. 2019 ("Scalable global optimization via local Bayesian optimization", TuRBO)
keep a box of side L around the incumbent: after ``τ_succ`` improvements in a row L doubles (up
to ``L_max``), after ``τ_fail`` failures in a row it halves, and below ``L_min`` it starts again at
``L_init``. Each side is L · w_j with w_j = ℓ_j / (Π ℓ)^(1/d): wide along dims the model finds
flat, narrow along the ones that matter.

Why the GP sampler uses it: with a global acquisition search, a model that has seen mostly equal
values (a plateau: a decision tree whose large ``min_samples_*`` switch it off) reverts to its
prior far from the data, where its variance is largest, so expected improvement sends trial after
trial to the corners of the box, which are exactly where such models switch off. A box around the
incumbent keeps the search where something good was found, and the failure count opens it up
again (a restart) once that region is exhausted. The state is a function of the trials alone, so
a resumed or parallel run computes the same box.
"""

from __future__ import annotations

import numpy as np

L_INIT = 0.8
L_MAX = 1.6
L_MIN = 0.5**7
TAU_SUCC = 3


def side_length(y: np.ndarray, best_before: float, d: int) -> float:
    """L after replaying ``y`` (the observations since the start-up design, in order).

    ``best_before`` is the best value of the start-up design. An observation succeeds when it beats
    the best so far at all (beyond rounding): TuRBO asks for 1e-3 of |best|, which depends on where
    zero is, and a margin relative to the range of values counted the last steps into a narrow
    minimum as failures. ``τ_fail = max(4, d)`` (TuRBO's rule for one point per step).
    """
    tau_fail = max(4, d)
    length, succ, fail = L_INIT, 0, 0
    best = best_before
    for v in y:
        v = float(v)
        if v > best + 1e-12 * max(1.0, abs(best)):
            succ, fail = succ + 1, 0
        else:
            succ, fail = 0, fail + 1
        best = max(best, v)
        if succ == TAU_SUCC:
            length, succ = min(2.0 * length, L_MAX), 0
        elif fail == tau_fail:
            length, fail = length / 2.0, 0
        if length < L_MIN:
            length, succ, fail = L_INIT, 0, 0
    return length


def box(
    centre: np.ndarray, length: float, lengthscales: np.ndarray, numeric: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)`` of the trust region in the unit cube; categorical and inactive dims stay whole.

    Example:
        >>> lo, hi = box(np.array([0.5, 0.9]), 0.4, np.array([1.0, 1.0]), np.array([True, True]))
        >>> lo.round(2).tolist(), hi.round(2).tolist()
        ([0.3, 0.7], [0.7, 1.0])
    """
    d = len(centre)
    lo, hi = np.zeros(d), np.ones(d)
    use = numeric & np.isfinite(centre)
    if not use.any():
        return lo, hi
    ls = lengthscales[use]
    w = ls / np.exp(np.mean(np.log(ls)))
    half = 0.5 * length * w
    lo[use] = np.clip(centre[use] - half, 0.0, 1.0)
    hi[use] = np.clip(centre[use] + half, 0.0, 1.0)
    return lo, hi
