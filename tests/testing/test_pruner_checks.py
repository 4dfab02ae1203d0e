"""``hyperscout.testing.pruners`` as someone writing a pruner outside the package uses it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hyperscout.pruners import BasePruner
from hyperscout.testing import parametrize_pruner_checks
from hyperscout.testing import pruners as conformance
from hyperscout.trial import FrozenTrial


class AboveFirst(BasePruner):
    """Defined outside hyperscout: prune a trial whose latest value is worse than trial 0's at that step."""

    def __init__(self, *, margin: float = 0.0) -> None:
        self.margin = margin

    def prune(self, trial: FrozenTrial, others: Sequence[FrozenTrial], direction: str) -> bool:
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
        step = trial.last_step
        first = next((t for t in others if t.number == 0), None)
        if step is None or first is None or step not in first.intermediate_values:
            return False
        sign = 1.0 if direction == "minimize" else -1.0
        return sign * (trial.intermediate_values[step] - first.intermediate_values[step]) > self.margin


class Impatient(AboveFirst):
    """Breaks the contract: prunes a trial that has nothing to be compared with."""

    def prune(self, trial: FrozenTrial, others: Sequence[FrozenTrial], direction: str) -> bool:
        return trial.last_step is not None or super().prune(trial, others, direction)


@parametrize_pruner_checks({"above-first": lambda: AboveFirst(margin=0.5)})
def test_a_pruner_from_outside_the_package_passes_every_check(make, check) -> None:
    check(make)


def test_a_pruner_that_breaks_the_contract_fails() -> None:
    with pytest.raises(AssertionError):
        conformance.check_no_report_and_single_trial_are_never_pruned(lambda: Impatient())
