"""The sampler conformance suite: what every sampler must do, for samplers in and outside hyperscout.

Each ``check_*`` function takes a ``SamplerCase`` (how to build the sampler, and what kind of
sampler it is) and a storage (an in-memory storage object or a SQLite URL, as ``storage=``
accepts), runs small studies and asserts; it raises ``AssertionError`` saying what went wrong.
``parametrize_sampler_checks`` turns a list of cases into one pytest test per case, check and
storage, as scikit-learn's ``parametrize_with_checks`` does.

Example, in the test file of a sampler of your own::

    from hyperscout.testing import SamplerCase, make_storage, parametrize_sampler_checks

    @parametrize_sampler_checks([SamplerCase("mine", lambda seed, problem: MySampler(seed=seed))])
    def test_my_sampler_conforms(case, check, storage_kind, tmp_path):
        check(case, make_storage(storage_kind, tmp_path))

The checks cover every distribution (floats, log, steps, ints, categoricals of mixed types,
``OrNone``), conditional define-by-run spaces, reproducibility by seed, NaN objectives and the
ask/tell interface. ``SamplerCase`` flags relax what does not apply: ``seeded=False`` for a
sampler that takes no seed, ``exhaustible=True`` for one that proposes each point of a finite set
once (a grid), ``space_filling=False`` for a model-based optimiser that may rightly concentrate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

import hyperscout as hs
from hyperscout import TrialState
from hyperscout.samplers import BaseSampler, GridSampler
from hyperscout.space import Categorical, Distribution, Float, Int, OrNone

from ._storage_kinds import make_storage

__all__ = [
    "ALL_TYPES",
    "ALL_TYPES_PROBLEM",
    "CONDITIONAL",
    "SAMPLER_CHECKS",
    "Problem",
    "SamplerCase",
    "check_ask_and_tell_use_the_sampler",
    "check_conditional_define_by_run_spaces",
    "check_different_seeds_give_different_trials",
    "check_nan_objective_does_not_crash",
    "check_same_seed_gives_identical_trials",
    "check_suggested_values_are_valid_for_every_distribution",
    "fingerprint",
    "make_storage",
    "n_grid_points",
    "parametrize_sampler_checks",
    "point_key",
    "run_case",
    "typed_params",
]


@dataclass(frozen=True)
class Problem:
    objective: Callable[[hs.Trial], float]
    space: dict[str, Distribution]  # every parameter the objective may ask for
    grid: list[dict[str, list[Any]]]  # a grid of values the objective accepts (for samplers that need one)
    expected_keys: Callable[[Mapping[str, Any]], set[str]]  # the parameters a trial with these values must have


ALL_TYPES: dict[str, Distribution] = {
    "float": Float(-2.0, 3.0),
    "float_log": Float(1e-4, 10.0, log=True),
    "float_step": Float(0.1, 0.9, step=0.2),
    "int": Int(-5, 5),
    "int_log": Int(1, 1000, log=True),
    "int_step": Int(0, 20, step=4),
    "categorical": Categorical((None, True, 1, 2.5, "a")),
    "or_none_int": OrNone(Int(1, 30)),
    "or_none_float": OrNone(Float(0.0, 0.5)),
}


def _suggest_from(trial: hs.Trial, name: str, d: Distribution) -> Any:
    """Ask through the public ``suggest_*`` method for the distribution's kind."""
    if isinstance(d, Float):
        return trial.suggest_float(name, d.low, d.high, log=d.log, step=d.step)
    if isinstance(d, Int):
        return trial.suggest_int(name, d.low, d.high, log=d.log, step=d.step)
    if isinstance(d, Categorical):
        return trial.suggest_categorical(name, list(d.choices))
    return trial.suggest(name, d)


def _all_types_objective(trial: hs.Trial) -> float:
    values = {name: _suggest_from(trial, name, d) for name, d in ALL_TYPES.items()}
    return sum(float(v) for v in values.values() if isinstance(v, (int, float)))


def _two_values(d: Distribution) -> list[Any]:
    out: list[Any] = []
    for u in (0.0, 0.7):
        v = d.from_unit(u)
        if not any(type(v) is type(w) and v == w for w in out):
            out.append(v)
    return out


ALL_TYPES_PROBLEM = Problem(
    objective=_all_types_objective,
    space=ALL_TYPES,
    grid=[{name: _two_values(d) for name, d in ALL_TYPES.items()}],
    expected_keys=lambda params: set(ALL_TYPES),
)


def _conditional_objective(trial: hs.Trial) -> float:
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    if kind == "a":
        return trial.suggest_float("x", 0.0, 1.0)
    if kind == "b":
        n = trial.suggest_int("n", 1, 100, log=True)
        if n > 10:
            return n + trial.suggest_float("m", -1.0, 1.0)
        return float(n)
    return 0.0


def _conditional_keys(params: Mapping[str, Any]) -> set[str]:
    kind = params["kind"]
    if kind == "a":
        return {"kind", "x"}
    if kind == "b":
        return {"kind", "n", "m"} if params["n"] > 10 else {"kind", "n"}
    return {"kind"}


CONDITIONAL = Problem(
    objective=_conditional_objective,
    space={
        "kind": Categorical(("a", "b", "c")),
        "x": Float(0.0, 1.0),
        "n": Int(1, 100, log=True),
        "m": Float(-1.0, 1.0),
    },
    grid=[
        {"kind": ["a"], "x": [0.0, 0.5, 1.0]},
        {"kind": ["b"], "n": [1, 5]},
        {"kind": ["b"], "n": [20, 100], "m": [-1.0, 1.0]},
        {"kind": ["c"]},
    ],
    expected_keys=_conditional_keys,
)


@dataclass(frozen=True)
class SamplerCase:
    """A sampler under test: ``make(seed, problem)`` builds it (``problem.grid`` serves a grid sampler).

    Example:
        >>> case = SamplerCase("random", lambda seed, problem: hs.samplers.RandomSampler(seed=seed))
        >>> case.make(0, CONDITIONAL).seed
        0
    """

    id: str
    make: Callable[[int | None, Problem], BaseSampler]
    seeded: bool = True  # different seeds give different trials
    exhaustible: bool = False  # proposes each point of a finite set once, then stops the study
    # spreads trials over the whole space whatever the objective returns (random-like), so every
    # branch and many distinct values show up; a model-based optimiser may rightly concentrate
    space_filling: bool = True


def run_case(
    case: SamplerCase,
    problem: Problem,
    *,
    seed: int | None = 0,
    n_trials: int | None = 20,
    storage: Any = None,
    name: str | None = None,
    objective: Callable[[hs.Trial], Any] | None = None,
) -> hs.Study:
    """A study of ``case``'s sampler that ran ``objective`` (by default ``problem.objective``) ``n_trials`` times."""
    study = hs.create_study(name, storage, sampler=case.make(seed, problem), seed=seed)
    study.optimize(objective or problem.objective, n_trials=n_trials, show_progress_bar=False)
    return study


def n_grid_points(problem: Problem) -> int:
    """How many points ``problem.grid`` has."""
    return len(GridSampler(problem.grid).points)


def _expected_count(case: SamplerCase, problem: Problem, n_trials: int) -> int:
    return min(n_trials, n_grid_points(problem)) if case.exhaustible else n_trials


def typed_params(params: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Params with their types, so that True and 1 (or 1 and 1.0) compare different."""
    return sorted((k, type(v).__name__, repr(v)) for k, v in params.items())


def point_key(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A hashable form of one point."""
    return tuple(sorted((k, repr(v)) for k, v in params.items()))


def fingerprint(study: hs.Study) -> list[tuple[Any, ...]]:
    """Number, state, values and typed parameters of every trial: equal fingerprints, equal studies."""
    return [(t.number, t.state, t.values, typed_params(t.params)) for t in study.trials]


def _type_ok(d: Distribution, v: Any) -> bool:
    if isinstance(d, OrNone):
        return v is None or _type_ok(d.inner, v)
    if isinstance(d, Float):
        return type(v) is float
    if isinstance(d, Int):
        return type(v) is int
    assert isinstance(d, Categorical)
    return any(type(v) is type(c) and v == c for c in d.choices)


def check_suggested_values_are_valid_for_every_distribution(case: SamplerCase, storage: Any) -> None:
    """Every distribution kind: values inside it, of its type, stored as the objective saw them."""
    seen: list[dict[str, Any]] = []

    def objective(trial):
        seen.append({name: _suggest_from(trial, name, d) for name, d in ALL_TYPES.items()})
        return float(trial.number)

    study = run_case(case, ALL_TYPES_PROBLEM, n_trials=16, storage=storage, name="s", objective=objective)

    assert len(seen) == 16
    for params in seen:
        for name, d in ALL_TYPES.items():
            assert d.contains(params[name]), (name, params[name])
            assert _type_ok(d, params[name]), (name, params[name])
    # what the storage kept is what the objective saw, types included, with the right distributions
    reloaded = hs.load_study("s", storage)
    assert [t.state for t in reloaded.trials] == [TrialState.COMPLETE] * 16
    assert [typed_params(t.params) for t in reloaded.trials] == [typed_params(p) for p in seen]
    assert all(dict(t.distributions) == ALL_TYPES for t in reloaded.trials)
    assert fingerprint(reloaded) == fingerprint(study)
    if case.space_filling and case.seeded:  # proposing one point over and over is not searching
        assert len({p["float"] for p in seen}) == len({p["float_log"] for p in seen}) == 16
        assert len({p["int_log"] for p in seen}) >= 6
        assert len({p["or_none_float"] for p in seen}) >= 4


def check_conditional_define_by_run_spaces(case: SamplerCase, storage: Any) -> None:
    """A parameter exists only in the trials that took its branch, with its own distribution."""
    study = run_case(case, CONDITIONAL, n_trials=30, storage=storage)

    trials = study.trials
    assert len(trials) == _expected_count(case, CONDITIONAL, 30)
    assert all(t.state is TrialState.COMPLETE for t in trials)
    for t in trials:
        # a parameter exists only in the trials that took its branch
        assert set(t.params) == CONDITIONAL.expected_keys(t.params), t.params
        assert set(t.distributions) == set(t.params)
        for name, value in t.params.items():
            assert CONDITIONAL.space[name].contains(value), (name, value)
            assert t.distributions[name] == CONDITIONAL.space[name]
    if case.space_filling:
        branches = {(t.params["kind"], t.params.get("n", 0) > 10) for t in trials}
        assert branches == {("a", False), ("b", False), ("b", True), ("c", False)}


def check_same_seed_gives_identical_trials(case: SamplerCase, storage: Any) -> None:
    """The same seed gives the same trials, in two studies of one storage."""
    for problem, n in ((CONDITIONAL, 25), (ALL_TYPES_PROBLEM, 10)):
        first = run_case(case, problem, seed=42, n_trials=n, storage=storage)
        second = run_case(case, problem, seed=42, n_trials=n, storage=storage)
        assert first.study_name != second.study_name
        assert len(first.trials) == _expected_count(case, problem, n)
        assert fingerprint(first) == fingerprint(second)


def check_different_seeds_give_different_trials(case: SamplerCase, storage: Any) -> None:
    """Seeds 1 and 2 give different sequences of trials (not only a different first one)."""
    if not case.seeded:
        return  # this sampler takes no seed (a grid): nothing to compare
    for problem in (CONDITIONAL, ALL_TYPES_PROBLEM):
        a = run_case(case, problem, seed=1, n_trials=10)
        b = run_case(case, problem, seed=2, n_trials=10)
        assert [typed_params(t.params) for t in a.trials] != [typed_params(t.params) for t in b.trials]
        # not only the first trial: the sequences differ along the way
        pairs = zip(a.trials, b.trials, strict=True)
        differing = sum(typed_params(x.params) != typed_params(y.params) for x, y in pairs)
        assert differing >= 5


def check_nan_objective_does_not_crash(case: SamplerCase, storage: Any) -> None:
    """NaN objectives FAIL with the reason and the study goes on; the finite values still count."""

    def always_nan(trial):
        CONDITIONAL.objective(trial)  # ask for the parameters as usual
        return math.nan

    study = run_case(case, CONDITIONAL, n_trials=12, storage=storage, objective=always_nan)
    trials = study.trials
    if case.exhaustible:  # may stop early, or retry failed points, but only after trying every point
        fresh = min(12, n_grid_points(CONDITIONAL))
        assert fresh <= len(trials) <= 12
        assert len({point_key(t.params) for t in trials[:fresh]}) == fresh
    else:
        assert len(trials) == 12
    assert all(t.state is TrialState.FAIL for t in trials)
    assert all("nan" in (t.error or "").lower() for t in trials)
    assert all(set(t.params) == CONDITIONAL.expected_keys(t.params) for t in trials)
    with pytest.raises(ValueError, match="no complete trial"):
        _ = study.best_trial

    # some NaN, some numbers: the finite ones still count
    def sometimes_nan(trial):
        value = CONDITIONAL.objective(trial)
        return math.nan if trial.number % 3 == 0 else value

    mixed = run_case(case, CONDITIONAL, seed=5, n_trials=12, storage=storage, objective=sometimes_nan)
    states = [t.state for t in mixed.trials]
    assert states == [TrialState.FAIL if i % 3 == 0 else TrialState.COMPLETE for i in range(len(states))]
    assert mixed.best_trial.number % 3 != 0


def check_ask_and_tell_use_the_sampler(case: SamplerCase, storage: Any) -> None:
    """``ask``/``tell`` use the sampler, and propose what ``optimize`` does for the same seed."""
    study = hs.create_study("s", storage, sampler=case.make(3, CONDITIONAL), seed=3)
    told = []
    for _ in range(6):
        trial = study.ask()
        told.append(study.tell(trial, CONDITIONAL.objective(trial)))
    assert [t.state for t in told] == [TrialState.COMPLETE] * 6
    stored = hs.load_study("s", storage).trials
    assert [typed_params(t.params) for t in told] == [typed_params(t.params) for t in stored]
    # ask/tell and optimize propose the same trials for the same seed
    via_optimize = run_case(case, CONDITIONAL, seed=3, n_trials=6, storage=storage)
    assert [typed_params(t.params) for t in told] == [typed_params(t.params) for t in via_optimize.trials]


#: Every check, in the order ``parametrize_sampler_checks`` runs them.
SAMPLER_CHECKS: tuple[Callable[[SamplerCase, Any], None], ...] = (
    check_suggested_values_are_valid_for_every_distribution,
    check_conditional_define_by_run_spaces,
    check_same_seed_gives_identical_trials,
    check_different_seeds_give_different_trials,
    check_nan_objective_does_not_crash,
    check_ask_and_tell_use_the_sampler,
)


def parametrize_sampler_checks(
    cases: Sequence[SamplerCase], storages: Sequence[str] = ("memory", "sqlite")
) -> pytest.MarkDecorator:
    """One test per case, check and storage kind: the test receives ``case``, ``check`` and ``storage_kind``.

    Call ``check(case, make_storage(storage_kind, tmp_path))`` in its body (see the module docstring).
    """
    params = [
        pytest.param(case, check, kind, id=f"{case.id}-{check.__name__.removeprefix('check_')}-{kind}")
        for case in cases
        for check in SAMPLER_CHECKS
        for kind in storages
    ]
    return pytest.mark.parametrize(("case", "check", "storage_kind"), params)
