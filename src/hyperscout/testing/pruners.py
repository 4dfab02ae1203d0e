"""The pruner conformance suite: what every pruner must do, for pruners in and outside hyperscout.

A pruner is a pure function of frozen trial records (``prune(trial, others, direction)``). Each
``check_*`` function takes ``make``, a function of no arguments that returns a new pruner, and
asserts on hand-made records: a trial with no report or alone is never pruned, a bad direction is
refused, the decision depends only on the records (and leaves them untouched), and the repr names
the class and its options. ``parametrize_pruner_checks`` makes one pytest test per pruner and check.

Example, in the test file of a pruner of your own::

    from hyperscout.testing import parametrize_pruner_checks

    @parametrize_pruner_checks({"mine": lambda: MyPruner(patience=3)})
    def test_my_pruner_conforms(make, check):
        check(make)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from ..pruners import BasePruner, PercentilePruner
from ..trial import FrozenTrial, TrialState

__all__ = [
    "PRUNER_CHECKS",
    "check_bad_direction_is_refused",
    "check_no_report_and_single_trial_are_never_pruned",
    "check_pure_function_of_the_records",
    "check_repr_names_the_class_and_options",
    "parametrize_pruner_checks",
]

MakePruner = Callable[[], BasePruner]


def _trial(number: int, curve: dict[int, float], state: TrialState = TrialState.COMPLETE) -> FrozenTrial:
    """A trial record with ``curve`` as intermediate values (complete ones get their last value)."""
    values = (curve[max(curve)],) if state is TrialState.COMPLETE and curve else None
    return FrozenTrial(number, state, {}, {}, values=values, intermediate_values=dict(curve))


def _running(number: int, curve: dict[int, float]) -> FrozenTrial:
    return _trial(number, curve, TrialState.RUNNING)


def check_no_report_and_single_trial_are_never_pruned(
    make: MakePruner, directions: tuple[str, ...] = ("minimize", "maximize")
) -> None:
    """With nothing to compare against (no report, no other trial), a trial goes on, in each direction."""
    for direction in directions:
        pruner = make()
        assert pruner.prune(_running(0, {}), [], direction) is False
        alone = _running(0, {s: 5.0 - s for s in range(1, 10)})
        for step in range(1, 10):
            curve = {s: v for s, v in alone.intermediate_values.items() if s <= step}
            assert not pruner.prune(_running(0, curve), [], direction), (direction, step)


def check_bad_direction_is_refused(make: MakePruner) -> None:
    """A direction other than minimize/maximize is a ``ValueError`` that names it."""
    with pytest.raises(ValueError, match="sideways"):
        make().prune(_running(0, {1: 1.0}), [], "sideways")


def check_pure_function_of_the_records(make: MakePruner) -> None:
    """The same records give the same decisions (from a fresh pruner too), and are left unchanged."""
    pruner = make()
    others = [_trial(i, {1: float(i), 2: float(i) / 2, 4: float(i) / 4}) for i in range(8)]
    me = _running(8, {1: 6.5, 2: 6.0, 4: 5.9})
    snapshot = [dict(t.intermediate_values) for t in others]

    def upto(k: int) -> FrozenTrial:
        return _running(8, {s: v for s, v in me.intermediate_values.items() if s <= k})

    first = [pruner.prune(upto(k), others, "minimize") for k in (1, 2, 4)]
    again = [make().prune(upto(k), others, "minimize") for k in (1, 2, 4)]
    assert first == again
    assert [dict(t.intermediate_values) for t in others] == snapshot


def check_repr_names_the_class_and_options(make: MakePruner) -> None:
    """``repr`` is ``ClassName(option=value, ...)`` with every public option and no private attribute."""
    pruner = make()
    text = repr(pruner)
    assert text.startswith(type(pruner).__name__ + "(")
    assert "(_" not in text and ", _" not in text  # no private attribute shown
    for key, value in vars(pruner).items():
        # PercentilePruner's ``percentile`` is shown; MedianPruner, a PercentilePruner at 50, hides it.
        if not key.startswith("_") and key != "percentile" or type(pruner) is PercentilePruner:
            assert f"{key}={value!r}" in text


#: Every check, in the order ``parametrize_pruner_checks`` runs them.
PRUNER_CHECKS: tuple[Callable[[MakePruner], None], ...] = (
    check_no_report_and_single_trial_are_never_pruned,
    check_bad_direction_is_refused,
    check_pure_function_of_the_records,
    check_repr_names_the_class_and_options,
)


def parametrize_pruner_checks(factories: Mapping[str, MakePruner]) -> pytest.MarkDecorator:
    """One test per pruner and check: the test receives ``make`` and ``check`` and calls ``check(make)``."""
    params = [
        pytest.param(make, check, id=f"{name}-{check.__name__.removeprefix('check_')}")
        for name, make in factories.items()
        for check in PRUNER_CHECKS
    ]
    return pytest.mark.parametrize(("make", "check"), params)
