"""Do early ranks predict final ones? A model of the final score fitted on the trials that ran long enough.

When learning curves cross (a slow learner ends best), ranking trials by their score at an early step
stops the winner. The pruners' *rank check* instead judges a trial at step ``s`` by a predicted final
score, and only when the prediction has proved itself on the trials that already reached the final step.

Notation (scores are on the "lower is better" scale of ``_curves``):

=========  ===========================================================================
``T``      the final step (``max_resource``, or the last step of the complete trials)
``y_s``    a trial's score at step ``s`` (best value reported up to ``s``)
``h``      ``s // 3``: the earlier step the slope is measured from
``x``      features ``(y_s, y_s - y_h)``, shape ``(2,)``; ``y_h := y_s`` when nothing was reported up to ``h``
``F``      the *fit set*: trials that reached ``T`` (any state), ``n`` of them, scores ``y_T`` finite
=========  ===========================================================================

The model is ridge regression ``y_T ~ b0 + b . z`` on standardised features ``z`` over ``F``, with
penalty ``lambda = 1e-3 * n``; a prediction is clipped at the trial's ``y_s`` (a best-so-far score can only
improve), and so are the leave-one-out predictions. Its trustworthiness is ``rho``: Spearman's rank
correlation between each fit trial's leave-one-out prediction and its real ``y_T`` (for ridge, the
leave-one-out residual is ``e_i / (1 - H_ii)`` with ``H`` the hat matrix, so no refit is needed). Everything
is a function of the trial records alone: no random numbers, no clock, and trials sorted by number, so every
process that sees the same records decides the same way.

*Cannot win.* For a model of ``T`` itself, with ``r_i = y_T,i - loo_i`` the leave-one-out residuals,
``y*`` the best ``y_T`` of the fit set and ``c`` a margin (``STEP_MARGIN`` or ``RUNG_MARGIN``), a trial
whose prediction is ``p`` cannot win when ``p + c * min_i r_i > y*``: it would have to beat its
prediction by more than ``c`` times the most any fit trial beat a prediction made without it. A trial
whose ``y_s`` is at least as good as every fit trial's is never judged so (the model would extrapolate,
and stopping such trials could starve the fit set of better curves).

Example:
    >>> from hyperscout.trial import FrozenTrial, TrialState
    >>> def done(n, slow):  # slow learners end best: a crossing
    ...     curve = {t: (1 - slow) * 2 / t + slow * (3 - t / 5) - slow * 0.5 for t in range(1, 11)}
    ...     return FrozenTrial(n, TrialState.COMPLETE, {}, {}, (curve[10],), curve)
    >>> model = fit_final_model([done(n, n / 9) for n in range(10)], 3, 10, "minimize")
    >>> model is not None and model.rho > 0.9
    True
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..trial import FrozenTrial
from . import _curves

#: Curves that must have reached the final step before a rank check can trust a model.
MIN_CURVES = 6
#: The same for the stopping pruners that judge a trial at a few rungs (successive halving, Hyperband): until there
#: is a model they postpone, so every trial before it runs to the end; a trial is judged at most a few times, so a
#: model from one curve fewer has fewer chances to stop a winner than under the median rule, which judges at every
#: step. Pausing ones keep ``MIN_CURVES``.
RUNG_MIN_CURVES = 5
#: The leave-one-out rank correlation a model needs before pruning by its predictions.
MIN_RANK_CORRELATION = 0.5
#: "Cannot win" margins, in multiples of the model's largest leave-one-out under-prediction: for a pruner that
#: judges a trial at every step (percentile, median) and for one that judges it at a few rungs (successive
#: halving, Hyperband). More judgments of the same trial are more chances to stop a winner, hence the wider one.
STEP_MARGIN = 2.0
RUNG_MARGIN = 1.0


def features(curve: Mapping[int, float], step: int, direction: str) -> tuple[float, float]:
    """``(y_s, y_s - y_h)`` of ``curve`` at ``step`` (see the notation table)."""
    y_s = _curves.score_at(curve, step, direction)
    y_h = _curves.score_at(curve, step // 3, direction)
    if math.isnan(y_h) or math.isinf(y_h) or math.isinf(y_s):
        return y_s, 0.0
    return y_s, y_s - y_h


@dataclass(frozen=True)
class FinalModel:
    """A fitted model of the final score from the features at ``step``; ``rho`` says how far to trust it."""

    step: int
    mean: tuple[float, float]
    scale: tuple[float, float]
    coef: tuple[float, float, float]
    rho: float
    n: int
    #: Whether the model predicts the final step itself (not a step short of it, for want of curves).
    final: bool = False
    #: The most negative leave-one-out residual ``y_i - loo_i``: the most a fit trial beat its prediction by.
    low: float = 0.0
    #: The best target score of the fit set, and the best score at ``step`` of the fit set.
    best: float = math.inf
    leader: float = math.inf

    def cannot_win(self, curve: Mapping[int, float], direction: str, margin: float) -> bool:
        """Whether ``curve`` ends worse than the best final score so far even if it beats its prediction by
        ``margin`` times the model's largest leave-one-out under-prediction.

        Only for a model of the final step, and never for a curve at least as good at ``step`` as every fit
        curve: there the model would extrapolate, and stopping it could keep new evidence from ever arriving.
        """
        if not self.final or self.leads(curve, direction):
            return False
        return bool(self.predict(curve, direction) + margin * self.low > self.best)

    def leads(self, curve: Mapping[int, float], direction: str) -> bool:
        """Whether ``curve`` is at least as good at ``step`` as every fit curve: the model would extrapolate."""
        y_s = features(curve, self.step, direction)[0]
        return bool(y_s <= self.leader)

    def predict(self, curve: Mapping[int, float], direction: str) -> float:
        """The predicted final score of ``curve`` (``inf`` for a curve whose score is ``inf``; nan if none)."""
        y_s, slope = features(curve, self.step, direction)
        if math.isnan(y_s) or math.isinf(y_s):
            return y_s
        z = ((y_s - self.mean[0]) / self.scale[0], (slope - self.mean[1]) / self.scale[1])
        # A score is the best value so far, so the final score is at least as good as the score now: a model
        # fitted on worse curves would otherwise predict a trial already better than all of them to end worse.
        return min(y_s, self.coef[0] + self.coef[1] * z[0] + self.coef[2] * z[1])


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import rankdata

    ra, rb = rankdata(a), rankdata(b)
    sa, sb = ra.std(), rb.std()
    if sa == 0.0 or sb == 0.0:
        return 0.0
    return float(((ra - ra.mean()) * (rb - rb.mean())).mean() / (sa * sb))


def fit_final_model(
    trials: Sequence[FrozenTrial], step: int, final_step: int, direction: str, min_curves: int = MIN_CURVES
) -> FinalModel | None:
    """The model of ``y_T`` (``T = final_step``) from the features at ``step``; None with under ``min_curves``."""
    rows, target = [], []
    for t in sorted(trials, key=lambda t: t.number):
        curve = t.intermediate_values
        if t.state not in _curves.EVIDENCE_STATES or not curve or max(curve) < final_step:
            continue
        y_T = _curves.score_at(curve, final_step, direction)
        x = features(curve, step, direction)
        if all(math.isfinite(v) for v in (y_T, *x)):
            rows.append(x)
            target.append(y_T)
    n = len(rows)
    if n < min_curves:
        return None
    X, y = np.asarray(rows), np.asarray(target)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0.0] = 1.0
    Z = (X - mean) / scale
    y_mean = y.mean()
    gram = Z.T @ Z + 1e-3 * n * np.eye(2)
    beta = np.linalg.solve(gram, Z.T @ (y - y_mean))
    # Leave-one-out predictions of ridge with an unpenalised intercept: y_i - e_i / (1 - H_ii).
    hat = np.einsum("ij,jk,ik->i", Z, np.linalg.inv(gram), Z) + 1.0 / n
    residual = y - (y_mean + Z @ beta)
    loo = np.minimum(y - residual / np.maximum(1.0 - hat, 1e-12), X[:, 0])  # clipped as ``predict`` is
    return FinalModel(
        step=step,
        mean=(float(mean[0]), float(mean[1])),
        scale=(float(scale[0]), float(scale[1])),
        coef=(float(y_mean), float(beta[0]), float(beta[1])),
        rho=_spearman(loo, y),
        n=n,
        low=float(np.min(y - loo)),
        best=float(y.min()),
        leader=float(X[:, 0].min()),
    )


def judging_model(
    trials: Sequence[FrozenTrial],
    step: int,
    final_step: int | None,
    direction: str,
    *,
    unknown: bool = False,
    min_curves: int = MIN_CURVES,
) -> tuple[bool, FinalModel | None]:
    """Whether a pruner may judge at ``step`` and, if so, the model to judge by (None: by scores so far).

    ``(True, None)`` at or after the final step (scores are final scores there). ``(unknown, None)``
    while the final step is unknown or fewer than ``min_curves`` trials reached a step after ``step``
    (there is no evidence either way: a stopping pruner postpones, a pausing one, whose decisions are
    revised later, judges by scores so far). ``(False, None)`` when the model's ``rho`` is below
    ``MIN_RANK_CORRELATION`` (the decision is postponed to a later step). Otherwise ``(True, model)``.
    The model predicts the score at ``min(final_step, S)``, ``S`` the furthest step that ``min_curves``
    trials reached (``MIN_CURVES``, or ``RUNG_MIN_CURVES`` for a stopping pruner that judges at rungs).
    """
    if final_step is None:
        return unknown, None
    if step >= final_step:
        return True, None
    reached = sorted(
        (max(t.intermediate_values) for t in trials if t.state in _curves.EVIDENCE_STATES and t.intermediate_values),
        reverse=True,
    )
    target = min(final_step, reached[min_curves - 1]) if len(reached) >= min_curves else step
    model = fit_final_model(trials, step, target, direction, min_curves) if target > step else None
    if model is None:
        return unknown, None
    if not model.rho >= MIN_RANK_CORRELATION:
        return False, None
    return True, dataclasses.replace(model, final=target >= final_step)
