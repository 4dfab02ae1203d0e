"""``Trial``: what the live trial adds on top of the lifecycle (most of its behaviour is tested through studies)."""

from __future__ import annotations

import re

import pytest

import hyperscout as hs


def test_the_same_range_gives_one_shared_distribution_in_every_trial() -> None:
    study = hs.create_study(seed=0)
    first, second = study.ask(), study.ask()
    first.suggest_float("lr", 1e-4, 1e-1, log=True)
    second.suggest_float("lr", 1e-4, 1e-1, log=True)
    assert first.distributions["lr"] is second.distributions["lr"]
    # 1 and 1.0 are equal keys to a dict, not to this cache: an int bound stays an int bound
    first.suggest_int("n", 1, 5)
    second.suggest_float("f", 1.0, 5.0)
    assert type(first.distributions["n"].low) is int and type(second.distributions["f"].low) is float


@pytest.mark.parametrize("low", [[1], 2.5])
def test_bad_ranges_are_refused_every_time_not_cached(low) -> None:
    trial = hs.create_study().ask()
    for name in ("a", "b"):  # the second refusal must not come from a cache
        with pytest.raises(ValueError, match=f"parameter '{name}'"):
            trial.suggest_int(name, low, 2)


@pytest.mark.parametrize("value", ["0.5", True, b"1", None, [0.5]])
def test_report_takes_numbers_only(value) -> None:
    trial = hs.create_study().ask()
    with pytest.raises(TypeError, match=re.escape(f"report value must be a number, got {value!r}")):
        trial.report(value, 0)
    trial.report(0.5, 0)  # and a number still goes in
