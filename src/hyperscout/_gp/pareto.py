"""Expected hypervolume improvement of independent Gaussian predictions, in log form, exactly.

Everything here minimises (as ``hyperscout._multi_objective`` does). Notation:

==========  ==========  ===================================================================
name        shape       meaning
==========  ==========  ===================================================================
front       (k, M)      the observed points (their losses), M objectives
ref         (M,)        the reference point: the hypervolume counts what lies below it
lower       (B, M)      lower corners of B disjoint boxes (``-inf`` allowed)
upper       (B, M)      upper corners of the same boxes (finite, at most ``ref``)
μ, σ        (m, M)      posterior mean and standard deviation of each loss at m candidates
==========  ==========  ===================================================================

**Box decomposition.** The region that a new point ``y`` can add to the hypervolume is
N = {y < ref : no point of the front weakly dominates y}. ``box_decomposition`` cuts it into
disjoint boxes: for two objectives the staircase under the front (k + 1 boxes); for more, slices
along the first objective, one slab per distinct first coordinate, each slab decomposed in the
remaining objectives by recursion on the front points that already count there, and a box that is
the same in consecutive slabs merged into one (so a 3-objective front of k points gives O(k) boxes
in practice, not O(k²)).

**Exact EHVI.** The improvement of ``y`` is HVI(y) = Σ_b Π_j max(0, u_bj − max(y_j, l_bj)): the
part of box b that y dominates. With one independent GP per objective, the factors of a box are
independent, so E[HVI] = Σ_b Π_j E_bj with, for Y ~ N(μ, σ²) (Yang et al. 2019, "Efficient
computation of expected hypervolume improvement using box decomposition algorithms", eq. 9 in
another form):

    E[max(0, u − max(Y, l))] = E[(u − Y)⁺] − E[(l − Y)⁺] = σ (h(z_u) − h(z_l)),  z_a = (a − μ) / σ,

h(z) = φ(z) + z Φ(z) as in ``acquisition.py`` (the second term is 0 for l = −∞). No Monte Carlo
sampling is needed. We return log EHVI = logsumexp_b Σ_j log E_bj, computed with log h, so far
from the front it stays finite and has a slope (the log-EI idea of Ament et al. 2023). Derivatives:
∂E/∂μ = −(Φ(z_u) − Φ(z_l)), ∂E/∂σ = φ(z_u) − φ(z_l).

Example:
    >>> import numpy as np
    >>> lower, upper = box_decomposition(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([3.0, 3.0]))
    >>> len(lower), float(np.sum(np.prod(upper - np.maximum(lower, 0.0), axis=1)))  # the part of [0, 3]² left
    (3, 6.0)
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

from .acquisition import log_h

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)

__all__ = ["box_decomposition", "log_ehvi", "log_ehvi_grad", "reference_point"]


def reference_point(losses: np.ndarray) -> np.ndarray:
    """Where the hypervolume is measured from: each objective's worst loss on the Pareto front of ``losses`` plus
    half the front's range, but no farther than its worst loss over all rows plus 10% of their range.

    A margin beyond the front so that its extreme points add volume too; the range is taken as at
    least 1 (the losses are standardised) so a single point still gets one. Not farther: measured
    from the worst of every trial, a front's end gets a box as tall as the distance from it to the
    worst trial, so the expected hypervolume improvement keeps paying for a small doubt that the end
    could move; half the front's range still credits new segments beyond it (a disconnected front).

    Example:
        >>> reference_point(np.array([[0.0, 1.0], [2.0, 0.0]])).tolist()
        [2.2, 1.1]
        >>> reference_point(np.array([[0.0, 1.0], [1.0, 0.0], [5.0, 5.0]])).tolist()  # (5, 5) is dominated
        [1.5, 1.5]
    """
    from .._multi_objective import non_dominated_ranks

    losses = np.asarray(losses, dtype=float)
    hi, lo = losses.max(axis=0), losses.min(axis=0)
    front = losses[non_dominated_ranks(losses) == 0]
    front_hi, front_lo = front.max(axis=0), front.min(axis=0)
    return np.minimum(front_hi + 0.5 * np.maximum(front_hi - front_lo, 1.0), hi + 0.1 * np.maximum(hi - lo, 1.0))


def _pareto_2d(P: np.ndarray) -> np.ndarray:
    """The non-dominated rows of ``P`` (k, 2), sorted by the first objective (so the second falls)."""
    P = P[np.lexsort((P[:, 1], P[:, 0]))]
    keep = []
    best = np.inf
    for i, y in enumerate(P[:, 1]):
        if y < best:
            keep.append(i)
            best = y
    return P[keep]


Box = tuple[tuple[float, ...], tuple[float, ...]]  # (lower corner, upper corner)


def _staircase(P: np.ndarray, ref: np.ndarray) -> list[Box]:
    """Disjoint boxes (lower, upper) of the 2-objective non-dominated region under ``ref``."""
    if len(P) == 0:
        return [((-np.inf, -np.inf), (float(ref[0]), float(ref[1])))]
    P = _pareto_2d(P)
    boxes: list[Box] = [((-np.inf, -np.inf), (float(P[0, 0]), float(ref[1])))]
    for i in range(len(P)):
        right = float(P[i + 1, 0]) if i + 1 < len(P) else float(ref[0])
        boxes.append(((float(P[i, 0]), -np.inf), (right, float(P[i, 1]))))
    return boxes


def _decompose(P: np.ndarray, ref: np.ndarray) -> list[Box]:
    M = len(ref)
    if M == 1:
        return [((-np.inf,), (float(min(P[:, 0].min(), ref[0])) if len(P) else float(ref[0]),))]
    if M == 2:
        return _staircase(P, ref)
    cuts = np.unique(P[:, 0]) if len(P) else np.empty(0)
    edges = np.r_[-np.inf, cuts, ref[0]]
    out: list[Box] = []
    open_boxes: dict[Box, float] = {}
    for i in range(len(edges) - 1):
        # In the slab [edges[i], edges[i+1]) along objective 0, exactly the points with p_0 <= edges[i] can
        # dominate; the non-dominated part of the slab is their decomposition in the other objectives.
        inside = P[P[:, 0] <= edges[i], 1:]
        current = set(_decompose(inside, ref[1:]))
        for box in list(open_boxes):
            if box not in current:  # the box ends where this slab begins
                start = open_boxes.pop(box)
                out.append(((start, *box[0]), (float(edges[i]), *box[1])))
        for box in current:
            open_boxes.setdefault(box, float(edges[i]))
    for box, start in open_boxes.items():
        out.append(((start, *box[0]), (float(ref[0]), *box[1])))
    return out


def box_decomposition(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes ``(lower (B, M), upper (B, M))`` whose union is the region a new point could add.

    That region is every y < ``ref`` that no point of ``front`` weakly dominates; points of
    ``front`` not below ``ref`` in every objective are ignored. Lower corners may be ``-inf``.

    Example:
        >>> lower, upper = box_decomposition(np.empty((0, 2)), np.array([1.0, 1.0]))
        >>> lower.tolist(), upper.tolist()
        ([[-inf, -inf]], [[1.0, 1.0]])
    """
    ref = np.asarray(ref, dtype=float).ravel()
    P = np.asarray(front, dtype=float).reshape(-1, len(ref))
    P = P[np.all(P < ref, axis=1)]
    boxes = sorted(_decompose(P, ref))
    lower = np.array([b[0] for b in boxes], dtype=float).reshape(-1, len(ref))
    upper = np.array([b[1] for b in boxes], dtype=float).reshape(-1, len(ref))
    keep = np.all(upper > lower, axis=1)  # slabs of zero width (ties) hold no volume
    return lower[keep], upper[keep]


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 − exp(x)) for x <= 0; −inf at 0.

    One branch of Mächler's (2012): for x ≪ 0 it loses relative accuracy in a result near 0, but
    keeps the absolute accuracy that a sum of logs needs, at half the cost (it runs over every box).
    """
    with np.errstate(divide="ignore"):
        return np.log(-np.expm1(np.minimum(x, 0.0)))


def _terms(
    mean: np.ndarray, std: np.ndarray, lower: np.ndarray, upper: np.ndarray, grad: bool
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]] | None]:
    """log E_bj summed over objectives, (m, B); with ``grad``, (∂/∂μ_j, ∂/∂σ_j) of each log E_bj, (m, B) each.

    Each objective's bounds take few distinct values, so log h, log Φ and log φ are computed once per
    distinct value and gathered into the boxes.
    """
    m, M = mean.shape
    total = np.zeros((m, len(lower)))
    parts: list[tuple[np.ndarray, np.ndarray]] | None = [] if grad else None
    for j in range(M):
        s = std[:, j : j + 1]
        finite_lo = np.isfinite(lower[:, j])
        values, inverse = np.unique(np.r_[upper[:, j], lower[finite_lo, j]], return_inverse=True)
        z = (values[None, :] - mean[:, j : j + 1]) / s  # (m, G)
        with np.errstate(divide="ignore"):
            lh = np.log(s) + log_h(z.ravel()).reshape(z.shape)  # log σ h(z) = log E[(a − Y)⁺]
        iu = inverse[: len(upper)]
        il = np.full(len(lower), -1)
        il[finite_lo] = inverse[len(upper) :]
        lu = lh[:, iu]
        diff = np.where(finite_lo, lh[:, np.maximum(il, 0)] - lu, -np.inf)
        with np.errstate(invalid="ignore"):
            t = lu + _log1mexp(diff)  # log(σ h(z_u) − σ h(z_l))
        total += t
        if parts is not None:
            lphi_all, lcdf_all = -0.5 * z * z - _HALF_LOG_2PI, log_ndtr(z)
            safe_t = np.where(np.isfinite(t), t, -1e300)

            def ratio(table: np.ndarray, idx: np.ndarray, mask: np.ndarray, safe_t: np.ndarray = safe_t) -> np.ndarray:
                r = np.exp(np.minimum(table[:, idx] - safe_t, 700.0))
                return np.where(mask, r, 0.0)

            ones = np.ones(len(upper), dtype=bool)
            lo_idx = np.maximum(il, 0)
            d_mu = -(ratio(lcdf_all, iu, ones) - ratio(lcdf_all, lo_idx, finite_lo))
            d_sigma = ratio(lphi_all, iu, ones) - ratio(lphi_all, lo_idx, finite_lo)
            parts.append((d_mu, d_sigma))
    return total, parts


def _logsumexp_rows(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log Σ_b exp(S_b) of each row, and the weights exp(S_b − that) (rows of −inf give −inf and 0)."""
    top = np.max(S, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(S - top)
    tot = e.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(tot) + top
        w = np.where(tot > 0, e / tot, 0.0)
    return out[:, 0], w


def log_ehvi(mean: np.ndarray, std: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """log E[HVI] at m candidates (m,), for independent N(μ_j, σ_j²) losses and the boxes of ``box_decomposition``.

    Example:
        >>> lower, upper = box_decomposition(np.array([[0.0, 0.0]]), np.array([1.0, 1.0]))
        >>> round(float(np.exp(log_ehvi(np.array([[-1.0, -1.0]]), np.full((1, 2), 1e-9), lower, upper))[0]), 9)  # 4 − 1
        3.0
    """
    total, _ = _terms(np.asarray(mean, float), np.asarray(std, float), lower, upper, grad=False)
    return _logsumexp_rows(total)[0]


def log_ehvi_grad(
    mean: np.ndarray, std: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log E[HVI] (m,) and its derivatives with respect to μ and σ, (m, M) each."""
    mean, std = np.asarray(mean, float), np.asarray(std, float)
    total, parts = _terms(mean, std, lower, upper, grad=True)
    value, w = _logsumexp_rows(total)
    assert parts is not None
    d_mu = np.stack([np.sum(w * dm, axis=1) for dm, _ in parts], axis=1)
    d_sigma = np.stack([np.sum(w * ds, axis=1) for _, ds in parts], axis=1)
    return value, d_mu, d_sigma
