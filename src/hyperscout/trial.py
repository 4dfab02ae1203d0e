"""Trials: the live, define-by-run ``Trial`` an objective receives, and the immutable ``FrozenTrial`` record.

Example:
    >>> import hyperscout as hs
    >>> study = hs.create_study(seed=0)
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     return (x - 2) ** 2
    >>> study.optimize(objective, n_trials=5, show_progress_bar=False)
    >>> study.trials[0].state
    <TrialState.COMPLETE: 'complete'>
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ._checks import is_bool
from ._multi_objective import violation
from .exceptions import TrialPruned
from .space import Categorical, Distribution, Float, Int

__all__ = ["TrialState", "FrozenTrial", "Trial", "TrialOwner", "TrialPruned", "FixedTrial", "create_trial"]

#: The system attribute that holds a finished trial's constraint values (Optuna's key): a list of
#: floats, feasible when all are <= 0; ``None`` when the constraints function raised.
CONSTRAINTS = "constraints"


class TrialState(str, enum.Enum):
    """Where a trial is in its life."""

    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAIL = "fail"
    WAITING = "waiting"
    #: Stopped at a rung by a promoting pruner; it may be resumed from its checkpoint later.
    PAUSED = "paused"

    @property
    def is_finished(self) -> bool:
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)

    @property
    def stopped_early(self) -> bool:
        """PRUNED or PAUSED: the trial has intermediate values but no final value."""
        return self in (TrialState.PRUNED, TrialState.PAUSED)


def _to_datetime(t: float | None) -> _dt.datetime | None:
    return None if t is None else _dt.datetime.fromtimestamp(t)


@dataclass(frozen=True)
class FrozenTrial:
    """An immutable record of one trial, as samplers, pruners and users see it."""

    number: int
    state: TrialState
    params: Mapping[str, Any]
    distributions: Mapping[str, Distribution]
    values: tuple[float, ...] | None = None
    intermediate_values: Mapping[int, float] = field(default_factory=dict)
    user_attrs: Mapping[str, Any] = field(default_factory=dict)
    system_attrs: Mapping[str, Any] = field(default_factory=dict)
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None
    #: The worker (``host/pid/process start``) that started, or last resumed, the trial (None while WAITING).
    worker: str | None = field(default=None, compare=False)
    #: Where in the study's log the last event that changed this trial lies: it grows with every change.
    log_position: int = field(default=0, compare=False)

    @property
    def value(self) -> float | None:
        """The objective value of a single-objective trial (``None`` until it completes)."""
        if self.values is None:
            return None
        if len(self.values) != 1:
            raise RuntimeError(f"trial {self.number} has {len(self.values)} objective values; use .values")
        return self.values[0]

    @property
    def datetime_start(self) -> _dt.datetime | None:
        return _to_datetime(self.started_at)

    @property
    def datetime_complete(self) -> _dt.datetime | None:
        return _to_datetime(self.finished_at)

    @property
    def duration(self) -> _dt.timedelta | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return _dt.timedelta(seconds=self.finished_at - self.started_at)

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate_values) if self.intermediate_values else None

    @property
    def constraints(self) -> dict[str, float]:
        """The trial's constraint values by index (``{"0": c0, ...}``, Optuna's form); empty if it has none.

        A trial is feasible when every value is <= 0. They are computed by the study's or the
        sampler's ``constraints_func`` when the trial finishes (complete or pruned).

        Example:
            >>> t = FrozenTrial(0, TrialState.COMPLETE, {}, {}, (1.0,), system_attrs={"constraints": [0.5, -1.0]})
            >>> t.constraints
            {'0': 0.5, '1': -1.0}
        """
        values = self.system_attrs.get(CONSTRAINTS)
        return {str(i): float(c) for i, c in enumerate(values or ())}


def constraint_violation(trial: FrozenTrial) -> float:
    """A trial's total constraint violation: 0 when feasible or unconstrained, else the sum of its positive values.

    ``inf`` when its constraints function raised (the values are unknown, so it cannot count as feasible).

    Example:
        >>> t = FrozenTrial(0, TrialState.COMPLETE, {}, {}, (1.0,), system_attrs={"constraints": [0.5, -1.0, 2.0]})
        >>> constraint_violation(t)
        2.5
    """
    if CONSTRAINTS not in trial.system_attrs:
        return 0.0
    return violation(trial.system_attrs[CONSTRAINTS])


def is_constrained(trials: Sequence[FrozenTrial]) -> bool:
    """Whether any of ``trials`` had its constraints computed (the study is a constrained one)."""
    return any(CONSTRAINTS in t.system_attrs for t in trials)


class TrialOwner(Protocol):
    """What a live ``Trial`` asks of whoever runs it: the study's lifecycle (``_lifecycle.Lifecycle``),
    or in an isolated trial's process a pipe to it. A protocol, so that trial.py imports neither."""

    def suggest(self, trial: Trial, name: str, distribution: Distribution) -> Any: ...
    def report(self, trial: Trial, value: float, step: int) -> None: ...
    def should_prune(self, trial: Trial) -> bool: ...
    def set_trial_attr(self, trial: Trial, key: str, value: Any) -> None: ...
    def user_attrs(self, number: int) -> dict[str, Any]: ...
    def checkpoint_dir(self, number: int) -> Path: ...
    def will_pause(self, number: int) -> bool: ...


class Trial:
    """A running trial: the objective asks it for parameter values, define-by-run.

    Asking the same name twice returns the same value. Conditional spaces are natural: a parameter
    asked for only in one branch exists only in the trials that took that branch.

    Example:
        >>> def objective(trial):
        ...     kind = trial.suggest_categorical("kind", ["svm", "tree"])
        ...     if kind == "svm":
        ...         c = trial.suggest_float("C", 1e-3, 1e3, log=True)
        ...         return c
        ...     return trial.suggest_int("depth", 1, 10)
    """

    def __init__(
        self,
        owner: TrialOwner,
        number: int,
        *,
        params: Mapping[str, Any] | None = None,
        distributions: Mapping[str, Distribution] | None = None,
    ) -> None:
        # ``params``/``distributions``: what a resumed trial asked for before it paused.
        self._owner = owner
        self.number = number
        self._params: dict[str, Any] = dict(params or {})
        self._distributions: dict[str, Distribution] = dict(distributions or {})

    def __repr__(self) -> str:
        return f"hyperscout.Trial(number={self.number}, params={self._params!r})"

    @property
    def params(self) -> dict[str, Any]:
        """The values suggested so far."""
        return dict(self._params)

    @property
    def distributions(self) -> dict[str, Distribution]:
        return dict(self._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._owner.user_attrs(self.number))

    @property
    def study(self) -> Any:
        """The ``hs.Study`` this trial belongs to (as Optuna's ``trial.study``).

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study(study_name="mine")
            >>> study.ask().study.study_name
            'mine'
        """
        # A live trial's owner is its study's lifecycle, which knows the Study around it; an
        # isolated trial's owner is a pipe to another process and has none.
        study = getattr(self._owner, "study", None)
        if study is None:
            raise RuntimeError(
                f"trial {self.number} runs in a process of its own (isolate=True or a time/memory limit), "
                "where trial.study is not available; pass what the objective needs from the study as arguments"
            )
        return study

    def suggest(self, name: str, distribution: Distribution) -> Any:
        """Suggest a value for ``name`` from any ``Distribution``."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"parameter names must be non-empty strings, got {name!r}")
        if not isinstance(distribution, Distribution):
            raise TypeError(f"parameter {name!r}: expected a Distribution, got {distribution!r}")
        if name in self._params:
            if self._distributions[name] != distribution:
                raise ValueError(
                    f"parameter {name!r} was already suggested in this trial from "
                    f"{self._distributions[name]!r}; it cannot change to {distribution!r}"
                )
            return self._params[name]
        value = self._owner.suggest(self, name, distribution)
        self._params[name] = value
        self._distributions[name] = distribution
        return value

    def _checked(self, name: str, make: Any) -> Any:
        try:
            return make()
        except (ValueError, TypeError) as e:
            raise type(e)(f"parameter {name!r}: {e}") from None

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]`` (``log=True`` samples evenly in log space)."""
        return self.suggest(name, self._checked(name, lambda: _distribution(Float, low, high, log, step)))

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        """Suggest an integer in ``[low, high]`` on the grid ``low, low + step, ...``."""
        return self.suggest(name, self._checked(name, lambda: _distribution(Int, low, high, log, step)))

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """Suggest one of ``choices`` (the value itself, never its index)."""
        # Categorical itself refuses a string (which tuple() would split into letters).
        return self.suggest(name, self._checked(name, lambda: Categorical(choices)))

    def report(self, value: float, step: int) -> None:
        """Record an intermediate value (e.g. validation loss after epoch ``step``)."""
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"report step must be a non-negative int, got {step!r}")
        if is_bool(value) or isinstance(value, (str, bytes)):  # float() would take "0.5" and True
            raise TypeError(f"report value must be a number, got {value!r}")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"report value must be a number, got {value!r}") from None
        self._owner.report(self, value, step)

    def should_prune(self) -> bool:
        """Whether the study's pruner says to stop this trial now (then ``raise hs.TrialPruned()``)."""
        return self._owner.should_prune(self)

    @property
    def checkpoint_dir(self) -> Path:
        """A directory for this trial's own files (model checkpoints), created on first use.

        A trial paused by a promoting pruner and resumed later, and a trial re-run after its worker
        died (``retry_failed``), get the same directory as before, so the objective can continue
        from what it saved rather than start again. It lies under the study's ``checkpoint_root``
        (see ``hs.create_study``).

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study()
            >>> study.ask().checkpoint_dir.name
            'trial-0'
        """
        return self._owner.checkpoint_dir(self.number)

    def will_pause(self) -> bool:
        """Whether this trial, told to stop by ``should_prune()``, will be paused and may resume later.

        True only under a pruner created with ``pause=True``; save the training state to
        ``checkpoint_dir`` before raising ``hs.TrialPruned`` so that a resumed trial continues.
        """
        return self._owner.will_pause(self.number)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable value to this trial."""
        if not isinstance(key, str):
            raise ValueError(f"attribute keys must be strings, got {key!r}")
        self._owner.set_trial_attr(self, key, value)


class FixedTrial:
    """A trial whose parameters are given: run an objective once on chosen values, e.g. in a unit test.

    ``suggest_*`` return the value in ``params`` (a ``ValueError`` if the objective asks for a name
    that is not there, a warning if the value lies outside the range asked for); ``report`` and
    ``should_prune`` do nothing, as in Optuna's ``FixedTrial``.

    Example:
        >>> import hyperscout as hs
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -10, 10) ** 2 + trial.suggest_int("y", 0, 3)
        >>> objective(hs.trial.FixedTrial({"x": 2.0, "y": 1}))
        5.0
    """

    def __init__(self, params: Mapping[str, Any], number: int = 0) -> None:
        if not isinstance(params, Mapping):
            raise TypeError(f"FixedTrial params must be a dict of parameter values, got {params!r}")
        if isinstance(number, bool) or not isinstance(number, int):
            raise TypeError(f"FixedTrial number must be an int, got {number!r}")
        self._given = dict(params)
        self.number = number
        self._params: dict[str, Any] = {}
        self._distributions: dict[str, Distribution] = {}
        self._user_attrs: dict[str, Any] = {}
        self.datetime_start = _dt.datetime.now()

    def __repr__(self) -> str:
        return f"hyperscout.trial.FixedTrial({self._given!r}, number={self.number})"

    @property
    def params(self) -> dict[str, Any]:
        """The values the objective asked for so far."""
        return dict(self._params)

    @property
    def distributions(self) -> dict[str, Distribution]:
        return dict(self._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._user_attrs)

    def suggest(self, name: str, distribution: Distribution) -> Any:
        """The given value of ``name`` (checked against ``distribution``)."""
        if name not in self._given:
            raise ValueError(
                f"the objective asked for parameter {name!r}, which this FixedTrial was not given; "
                f"it has {sorted(self._given)}"
            )
        value = self._given[name]
        if distribution.contains(value):
            value = distribution.cast(value)
        else:
            warnings.warn(f"FixedTrial: the value {value!r} of {name!r} is outside {distribution!r}", stacklevel=3)
        self._params[name] = value
        self._distributions[name] = distribution
        return value

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """The given value of ``name``, which should lie in ``[low, high]``."""
        return self.suggest(name, _distribution(Float, low, high, log, step))  # type: ignore[no-any-return]

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        """The given value of ``name``, which should be an integer in ``[low, high]``."""
        return self.suggest(name, _distribution(Int, low, high, log, step))  # type: ignore[no-any-return]

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        """The given value of ``name``, which should be one of ``choices``."""
        return self.suggest(name, Categorical(choices))

    def report(self, value: float, step: int) -> None:
        """Does nothing: a fixed trial belongs to no study."""

    def should_prune(self) -> bool:
        """Always False: a fixed trial runs to the end."""
        return False

    def will_pause(self) -> bool:
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        """Keep ``value`` in ``user_attrs`` (nothing is stored anywhere else)."""
        if not isinstance(key, str):
            raise ValueError(f"attribute keys must be strings, got {key!r}")
        self._user_attrs[key] = value


def create_trial(
    *,
    state: TrialState | str = TrialState.COMPLETE,
    value: float | None = None,
    values: Sequence[float] | None = None,
    params: Mapping[str, Any] | None = None,
    distributions: Mapping[str, Distribution] | None = None,
    user_attrs: Mapping[str, Any] | None = None,
    system_attrs: Mapping[str, Any] | None = None,
    intermediate_values: Mapping[int, float] | None = None,
) -> FrozenTrial:
    """A finished trial made by hand, to add to a study with ``study.add_trial`` (Optuna's ``create_trial``).

    Use it to seed a study with results you already have. Its ``number`` is -1 until a study adds it.

    Args:
        state: ``COMPLETE`` (needs ``value`` or ``values``), ``PRUNED``, ``FAIL`` or ``WAITING``.
        params: parameter name -> value; each value must lie in its distribution.
        distributions: parameter name -> distribution, with the same keys as ``params``.

    Example:
        >>> import hyperscout as hs
        >>> trial = hs.create_trial(params={"x": 2.0}, distributions={"x": hs.Float(0, 10)}, value=4.0)
        >>> study = hs.create_study()
        >>> study.add_trial(trial)
        >>> study.best_params
        {'x': 2.0}
    """
    try:
        st = state if isinstance(state, TrialState) else TrialState(str(state).lower())
    except ValueError:
        st = None
    allowed = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.WAITING)
    if st not in allowed:
        raise ValueError(f"state must be one of {[s.name for s in allowed]}, got {state!r}")
    if value is not None and values is not None:
        raise ValueError("give value= or values=, not both")
    vals: tuple[float, ...] | None = None
    if value is not None or values is not None:
        raw = (value,) if value is not None else tuple(values or ())
        checked, problem = check_values(list(raw), len(raw))
        if problem or not raw:
            raise ValueError(f"values must be finite numbers, got {value if value is not None else values!r}")
        vals = checked
    if st is TrialState.COMPLETE and vals is None:
        raise ValueError("a COMPLETE trial needs value= (or values= for several objectives)")
    if st is not TrialState.COMPLETE and vals is not None:
        raise ValueError(f"only a COMPLETE trial has a value; this one is {st.name}")
    params = dict(params or {})
    dists = dict(distributions or {})
    if set(params) != set(dists):
        raise ValueError(
            f"params and distributions must have the same keys, got params {sorted(params)} "
            f"and distributions {sorted(dists)}"
        )
    for name, dist in dists.items():
        if not isinstance(dist, Distribution):
            raise TypeError(f"distributions[{name!r}] must be a Distribution (e.g. hs.Float), got {dist!r}")
        if not dist.contains(params[name]):
            raise ValueError(f"params[{name!r}] = {params[name]!r} lies outside {dist!r}")
        params[name] = dist.cast(params[name])
    steps = {}
    for step, v in dict(intermediate_values or {}).items():
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"intermediate_values keys must be non-negative int steps, got {step!r}")
        steps[step] = float(v)
    now = time.time()
    return FrozenTrial(
        number=-1,
        state=st,
        params=params,
        distributions=dists,
        values=vals,
        intermediate_values=steps,
        user_attrs=dict(user_attrs or {}),
        system_attrs=dict(system_attrs or {}),
        started_at=None if st is TrialState.WAITING else now,
        finished_at=None if st is TrialState.WAITING else now,
    )


@functools.lru_cache(maxsize=1024, typed=True)
def _cached_distribution(kind: type[Float] | type[Int], low: Any, high: Any, log: bool, step: Any) -> Distribution:
    return kind(low, high, log=log, step=step)


def _distribution(kind: type[Float] | type[Int], low: Any, high: Any, log: bool, step: Any) -> Distribution:
    """``kind(low, high, log=log, step=step)``, built and validated once per set of arguments.

    An objective asks for the same ranges in every trial, and validating them again each time was a
    tenth of the optimiser's own cost per trial; distributions are frozen, so one object serves all.
    """
    try:
        return _cached_distribution(kind, low, high, log, step)
    except TypeError as e:
        if "unhashable" not in str(e):
            raise
        return kind(low, high, log=log, step=step)  # not a cache key: let the constructor say what is wrong


def check_values(values: Any, n_objectives: int) -> tuple[tuple[float, ...] | None, str | None]:
    """Validate what an objective returned: ``(values, None)`` or ``(None, reason it is invalid)``."""
    seq = values if isinstance(values, (list, tuple)) else (values,)
    if len(seq) != n_objectives:
        return None, f"the objective returned {len(seq)} value(s) but the study has {n_objectives} objective(s)"
    out = []
    for v in seq:
        # float() would read "0.5" and True as numbers; an objective returning them has a bug
        # that recording 0.5 or 1.0 would hide (numpy numbers and 0-d arrays or tensors are fine).
        if is_bool(v) or isinstance(v, (str, bytes)):
            return None, f"the objective returned {v!r} ({type(v).__name__}), which is not a number"
        try:
            f = float(v)
        except (TypeError, ValueError):
            return None, f"the objective returned {v!r}, which is not a number"
        if math.isnan(f) or math.isinf(f):
            return None, f"the objective returned {f}; NaN and infinite values are recorded as failures"
        out.append(f)
    return tuple(out), None
