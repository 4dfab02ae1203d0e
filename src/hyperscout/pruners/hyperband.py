"""Hyperband: several ASHA brackets of different aggressiveness, each trial in one of them.

Li et al. 2018, "Hyperband: A Novel Bandit-Based Approach to Hyperparameter Optimization" (JMLR),
Algorithm 1, run asynchronously: bracket ``b`` is a ``SuccessiveHalvingPruner`` with
``min_early_stopping_rate = b`` over the trials of that bracket only.

Example:
    >>> import hyperscout as hs
    >>> pruner = hs.pruners.HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3)
    >>> pruner.n_brackets([])
    4
    >>> [pruner.bracket(n, []) for n in range(8)]
    [0, 0, 0, 1, 1, 1, 0, 0]
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Sequence

from ..trial import FrozenTrial, TrialState
from . import _curves
from ._base import BasePruner
from .successive_halving import SuccessiveHalvingPruner


def _budgets(n_brackets: int, eta: int) -> list[int]:
    """Hyperband's trial count of each bracket, ``ceil((s_max + 1) * eta**s / (s + 1))`` with ``s = s_max - b``.

    Only the proportions matter: trials are spread over brackets in these proportions.
    """
    out = []
    for b in range(n_brackets):
        s = n_brackets - 1 - b
        out.append(math.ceil(n_brackets * eta**s / (s + 1)))
    return out


@functools.lru_cache(maxsize=65536)
def _bracket(number: int, n_brackets: int, eta: int) -> int:
    """The bracket of trial ``number``: a keyed hash of the number, weighted by the bracket budgets.

    A hash rather than ``number % n`` so that trials asked in a row do not cycle through the brackets
    in lockstep with anything else that depends on the number; blake2b rather than ``hash()`` so that
    every process agrees.
    """
    budgets = _budgets(n_brackets, eta)
    digest = hashlib.blake2b(f"hyperband/{number}".encode(), digest_size=8).digest()
    ticket = int.from_bytes(digest, "little") % sum(budgets)
    for b, budget in enumerate(budgets):
        ticket -= budget
        if ticket < 0:
            return b
    raise AssertionError("unreachable: the ticket is below the sum of the budgets")


class HyperbandPruner(BasePruner):
    """Hyperband over ASHA brackets; a trial's bracket depends only on its number.

    With ``s_max = floor(log_eta(max_resource / min_resource))`` there are ``s_max + 1`` brackets.
    Bracket ``b`` prunes at rungs ``min_resource * eta**(b + k)`` below ``max_resource`` exactly as
    ``SuccessiveHalvingPruner`` does, comparing a trial only with the trials of its own bracket; the
    last bracket (``b = s_max``) usually has no rung below ``max_resource`` and runs its trials to the
    end. Trials are spread over the brackets in Hyperband's proportions (the most aggressive bracket
    gets the most) by a hash of the trial number, so every process puts a trial in the same bracket.

    Args:
        min_resource: the resource (report step) of the first rung of bracket 0.
        max_resource: the resource of a full run, or ``"auto"``: the last step of the lowest-numbered
            complete trial (in a serial run, the first trial to complete); nothing is pruned until then.
        reduction_factor: ``eta``: rungs are ``eta`` times apart and keep ``1/eta`` of their trials.
        pause: pause and promote instead of stopping, in every bracket (``SuccessiveHalvingPruner``'s
            ``pause``): a paused trial resumes when it enters the top ``1/eta`` of its rung.
        rank_check: before judging at a rung, learn from the trials of every bracket that ran
            further whether early ranks predict final ones; judge by a predicted final score when
            they do, postpone the decision when they do not (learning curves that cross); and stop a
            trial predicted to end worse than the best final score even allowing for the model's
            largest error. False: rank by score so far.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(pruner=hs.pruners.HyperbandPruner(min_resource=1, max_resource=30))
    """

    def __init__(
        self,
        *,
        min_resource: int = 1,
        max_resource: int | str = "auto",
        reduction_factor: int = 3,
        pause: bool = False,
        rank_check: bool = True,
    ) -> None:
        self.min_resource = _curves.check_int("min_resource", min_resource, 1)
        if max_resource != "auto":
            _curves.check_int("max_resource (or 'auto')", max_resource, 1)
            if isinstance(max_resource, int) and max_resource < min_resource:
                raise ValueError(f"max_resource must be >= min_resource, got {max_resource!r} < {min_resource!r}")
        self.max_resource = max_resource
        self.reduction_factor = _curves.check_int("reduction_factor", reduction_factor, 2)
        self.pause = _curves.check_bool("pause", pause)
        self.rank_check = _curves.check_bool("rank_check", rank_check)

    def resolved_max_resource(self, trials: Sequence[FrozenTrial]) -> int | None:
        """``max_resource``, with ``"auto"`` worked out from ``trials`` (None while it cannot be)."""
        if isinstance(self.max_resource, int):
            return self.max_resource
        for t in sorted(trials, key=lambda t: t.number):
            if t.state is TrialState.COMPLETE and t.last_step is not None:
                return t.last_step
        return None

    def n_brackets(self, trials: Sequence[FrozenTrial]) -> int | None:
        """How many brackets there are (None while ``max_resource`` is unknown, 0 if below ``min_resource``)."""
        top = self.resolved_max_resource(trials)
        if top is None:
            return None
        n, r = 0, self.min_resource
        while r <= top:  # integer arithmetic: math.log(27, 3) is 3.0000000000000004
            n, r = n + 1, r * self.reduction_factor
        return n

    def bracket(self, number: int, trials: Sequence[FrozenTrial]) -> int | None:
        """The bracket of trial ``number`` (None while the brackets are unknown)."""
        n = self.n_brackets(trials)
        return _bracket(number, n, self.reduction_factor) if n else None

    def trials_for_sampler(self, number: int, trials: Sequence[FrozenTrial]) -> Sequence[FrozenTrial]:
        """``trials`` without the pruned (or paused) trials of other brackets.

        A pruned trial's worth is how far it got, and that depends on its bracket: stopped at step 3 is
        a failure in a bracket whose first rung is at 3 but a success in one that already pruned at 1.
        Complete trials all ran to the end and stay comparable, so they are all kept.
        """
        n = self.n_brackets(trials)
        if not n:
            return trials
        mine = _bracket(number, n, self.reduction_factor)
        return [t for t in trials if not t.state.stopped_early or _bracket(t.number, n, self.reduction_factor) == mine]

    def prune(self, trial: FrozenTrial, trials: Sequence[FrozenTrial], direction: str) -> bool:
        _curves.check_direction(direction)
        if not trial.intermediate_values:
            return False
        n = self.n_brackets(trials)
        if not n:
            return False
        mine = _bracket(trial.number, n, self.reduction_factor)
        same = [t for t in trials if _bracket(t.number, n, self.reduction_factor) == mine]
        return self._asha(mine, trials).stops(trial, same, direction, fit_trials=trials)

    def promotable(self, trials: Sequence[FrozenTrial], direction: str, *, final: bool = False) -> list[int]:
        """The PAUSED trials to resume, each judged within its bracket; the highest rung first."""
        if not self.pause or not any(t.state is TrialState.PAUSED for t in trials):
            return []
        n = self.n_brackets(trials)
        if not n:
            return []
        by_bracket: dict[int, list[FrozenTrial]] = {}
        for t in trials:
            by_bracket.setdefault(_bracket(t.number, n, self.reduction_factor), []).append(t)
        found = []
        for b, members in by_bracket.items():
            steps = {t.number: max(t.intermediate_values, default=0) for t in members}
            for rank, number in enumerate(
                self._asha(b, trials).promotable(members, direction, final=final, fit_trials=trials)
            ):
                found.append((-steps[number], rank, number))
        return [number for _, _, number in sorted(found)]

    def _asha(self, bracket: int, trials: Sequence[FrozenTrial]) -> SuccessiveHalvingPruner:
        return SuccessiveHalvingPruner(
            min_resource=self.min_resource,
            reduction_factor=self.reduction_factor,
            min_early_stopping_rate=bracket,
            max_resource=self.resolved_max_resource(trials),
            pause=self.pause,
            rank_check=self.rank_check,
        )
