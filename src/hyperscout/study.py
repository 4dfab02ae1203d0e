"""Studies: a named optimisation task, its trials, and the ways to run them.

Example:
    >>> import hyperscout as hs
    >>> study = hs.create_study(direction="minimize", seed=0)
    >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=20, show_progress_bar=False)
    >>> round(study.best_params["x"], 1) == round(study.best_trial.params["x"], 1)
    True
"""

from __future__ import annotations

import copy
import math
import os
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._callbacks import MaxTrialsCallback
from ._checks import (
    check_callbacks,
    check_catch,
    check_constraints_func,
    check_count,
    check_flag,
    check_seconds,
)
from ._dataframe import trials_dataframe
from ._execution import Delivery, RunSpec, run_serial
from ._lifecycle import Lifecycle
from ._log import get_logger
from ._multi_objective import oriented, pareto_mask
from ._progress import Progress
from .exceptions import DuplicatedStudyError
from .pruners import BasePruner
from .samplers import BaseSampler, get_sampler
from .space import parse_space
from .storages import BaseStorage, get_storage
from .storages._view import StudyView
from .trial import FrozenTrial, Trial, TrialState, constraint_violation

__all__ = [
    "MaxTrialsCallback", "Study", "copy_study", "create_study", "load_study", "delete_study", "get_all_study_names",
]  # fmt: skip

_DIRECTIONS = ("minimize", "maximize")
#: What a storage URL starts with (``sqlite://``, ``postgresql+psycopg://``): a study name must not.
_URL = re.compile(r"^[a-z][a-z0-9+]*://", re.IGNORECASE)
_logger = get_logger("hyperscout.study")
_ALIASES = {"min": "minimize", "minimise": "minimize", "max": "maximize", "maximise": "maximize"}


def _direction(d: Any) -> str:
    if isinstance(d, (list, tuple)):
        raise ValueError(f"direction= takes one string; for several objectives write directions={list(d)!r}")
    key = str(d).lower()
    key = _ALIASES.get(key, key)
    if key not in _DIRECTIONS:
        raise ValueError(f"direction must be 'minimize' or 'maximize', got {d!r}")
    return key


class Study:
    """A named optimisation task whose trials live in a storage.

    Create one with ``hs.create_study``; several processes or machines may work on the same study
    through a shared storage URL.
    """

    def __init__(
        self,
        study_name: str,
        storage: BaseStorage | str,
        *,
        sampler: BaseSampler | str | None = "auto",
        pruner: BasePruner | None = None,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        """Open the existing study ``study_name`` in ``storage`` (``create_study`` makes one).

        Example:
            >>> import hyperscout as hs
            >>> storage = hs.storages.InMemoryStorage()
            >>> _ = hs.create_study(study_name="s", storage=storage)
            >>> hs.Study("s", storage)
            hyperscout.Study(name='s', directions=['minimize'], trials=0)
        """
        store = get_storage(storage, create=False)
        info = store.find_study(study_name)
        if info is None:
            names = [s.name for s in store.list_studies()]
            raise KeyError(f"no study named {study_name!r} in this storage; it has {names}")
        # Everything that changes a trial lives in the lifecycle; this class only reads and delegates.
        check_constraints_func(constraints_func)
        self._lifecycle = Lifecycle(
            StudyView(store, info),
            get_sampler(sampler, seed=seed),
            pruner,
            seed if seed is not None else info.seed,
            constraints_func=constraints_func,
        )
        self._lifecycle.facade = self  # trial.study

    def __repr__(self) -> str:
        return (
            f"hyperscout.Study(name={self.study_name!r}, directions={list(self.directions)!r}, "
            f"trials={len(self._lifecycle.view)})"
        )

    @property
    def sampler(self) -> BaseSampler:
        return self._lifecycle.sampler

    @sampler.setter
    def sampler(self, sampler: BaseSampler) -> None:
        self._lifecycle.sampler = sampler

    @property
    def pruner(self) -> BasePruner | None:
        return self._lifecycle.pruner

    @pruner.setter
    def pruner(self, pruner: BasePruner | None) -> None:
        self._lifecycle.pruner = pruner

    # -- identity ---------------------------------------------------------------------------------

    @property
    def study_name(self) -> str:
        return self._lifecycle.view.info.name

    @property
    def directions(self) -> tuple[str, ...]:
        return self._lifecycle.directions

    @property
    def direction(self) -> str:
        if len(self.directions) != 1:
            raise RuntimeError(f"this study has {len(self.directions)} objectives; use .directions")
        return self.directions[0]

    @property
    def seed(self) -> int:
        """The seed every sampler draw derives from (with the trial number)."""
        return self._lifecycle.seed

    @property
    def storage_url(self) -> str | None:
        return self._lifecycle.storage.url

    # -- reading ----------------------------------------------------------------------------------

    def get_trials(self, deepcopy: bool = True, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        """All trials, or those in ``states``, ordered by number (Optuna's signature).

        Args:
            deepcopy: copy each trial, so that changing a returned trial's ``params`` or
                ``user_attrs`` dict cannot change what the study holds; ``False`` is faster.
            states: the states to keep, e.g. ``[hs.TrialState.COMPLETE]``.

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study()
            >>> study.tell(study.ask(), state="fail").number
            0
            >>> len(study.get_trials(deepcopy=False, states=[hs.TrialState.COMPLETE]))
            0
        """
        if not isinstance(deepcopy, bool):
            hint = " (to filter by state, write get_trials(states=...))" if not isinstance(deepcopy, int) else ""
            raise TypeError(f"deepcopy must be True or False, got {deepcopy!r}{hint}")
        self._lifecycle.sync()
        trials = self._lifecycle.view.trials()
        if states is not None:
            wanted = {TrialState(str(getattr(s, "value", s)).lower()) for s in states}
            trials = [t for t in trials if t.state in wanted]
        return copy.deepcopy(trials) if deepcopy else trials

    @property
    def trials(self) -> list[FrozenTrial]:
        """Every trial, ordered by number (records shared with the study: do not change their dicts)."""
        return self.get_trials(deepcopy=False)

    def _feasible_complete(self) -> tuple[list[FrozenTrial], int]:
        """The complete trials that satisfy every constraint, and how many complete ones do not."""
        complete = self.get_trials(deepcopy=False, states=[TrialState.COMPLETE])
        feasible = [t for t in complete if constraint_violation(t) <= 0]
        return feasible, len(complete) - len(feasible)

    def _best(self) -> FrozenTrial | None:
        if len(self.directions) != 1:
            raise RuntimeError("best_trial is for single-objective studies; use best_trials for the Pareto front")
        feasible, infeasible = self._feasible_complete()
        if not feasible:
            if infeasible:
                raise ValueError(
                    f"study {self.study_name!r} has no feasible trial yet: all {infeasible} complete trial(s) "
                    "violate a constraint (a trial is feasible when all its constraint values are <= 0; "
                    "see trial.constraints)"
                )
            return None
        pick = min if self.direction == "minimize" else max
        return pick(feasible, key=lambda t: t.values[0] if t.values else math.nan)

    @property
    def best_trial(self) -> FrozenTrial:
        """The complete trial with the best value (the earliest one on ties).

        In a constrained study, the best of the feasible trials; a ``ValueError`` says so when none is.
        """
        best = self._best()
        if best is None:
            states = {s.value: 0 for s in TrialState}
            for t in self._lifecycle.view.trials():
                states[t.state.value] += 1
            raise ValueError(f"study {self.study_name!r} has no complete trial yet (trials by state: {states})")
        return best

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.best_trial.params)

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The Pareto-optimal complete trials (every complete trial that no other one dominates).

        In a constrained study, the Pareto front of the feasible trials: empty when none is feasible,
        as in Optuna.
        """
        feasible, _ = self._feasible_complete()
        pts = [t for t in feasible if t.values is not None and len(t.values) == len(self.directions)]
        if not pts:
            return []
        mask = pareto_mask(oriented([t.values for t in pts], self.directions))
        return [t for t, keep in zip(pts, mask, strict=True) if keep]

    @property
    def user_attrs(self) -> dict[str, Any]:
        self._lifecycle.sync()
        return dict(self._lifecycle.view.user_attrs)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable value to the study."""
        self._lifecycle.set_study_attr(key, value)

    def trials_dataframe(self, attrs: Sequence[str] | None = None, multi_index: bool = False) -> Any:
        """A pandas DataFrame with one row per trial (``pip install pandas``).

        States are upper case, as in Optuna (``df[df.state == "COMPLETE"]``).

        Args:
            attrs: the trial attributes to include, in order (Optuna's argument): any of
                ``number``, ``state``, ``value``, ``datetime_start``, ``datetime_complete``,
                ``duration``, ``params``, ``user_attrs``, ``system_attrs``,
                ``intermediate_values``, ``error``, ``constraints``. By default all but
                ``system_attrs`` and ``intermediate_values``, and ``constraints`` only in a
                constrained study.
            multi_index: columns like ``("params", "x")`` rather than ``params_x``.

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study(seed=0)
            >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
            >>> df = study.trials_dataframe(attrs=("number", "value", "params", "state"))
            >>> list(df.columns)
            ['number', 'value', 'params_x', 'state']
            >>> len(df[df.state == "COMPLETE"])
            3
        """
        return trials_dataframe(self.trials, len(self.directions), attrs, multi_index)

    # -- running ----------------------------------------------------------------------------------

    def optimize(
        self,
        objective: Callable[[Trial], Any],
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int | None = None,
        catch: Iterable[type[BaseException]] | type[BaseException] = (Exception,),
        callbacks: Iterable[Callable[[Study, FrozenTrial], None]] = (),
        show_progress_bar: bool | None = None,
        *,
        executor: Any = None,
        isolate: bool = False,
        trial_timeout: float | None = None,
        trial_memory_limit: int | str | None = None,
        retry_failed: int = 0,
        gc_after_trial: bool = False,
    ) -> None:
        """Run ``objective`` on new trials until ``n_trials`` ran, ``timeout`` seconds passed, or the
        sampler has nothing left (an exhausted grid).

        An objective that raises one of ``catch``, or returns NaN/inf, makes that trial FAIL with
        the error text and the study goes on; but if the first trials of the run all raise, the
        objective's own exception is raised rather than spending the whole budget. Every finished
        trial is committed to storage before the next one starts; Ctrl-C marks the running trial
        FAIL and re-raises.

        Args:
            n_jobs: worker processes (``-1``: one per CPU). With more than one, the objective (and
                the sampler and pruner) must be picklable; ``n_trials`` stays exact, and callbacks
                and the progress bar run in this process as trials finish. See docs/parallel.md.
            executor: a ``concurrent.futures.Executor`` (or a ``dask.distributed.Client``) whose
                workers run the trials; ``n_jobs`` tasks, by default as many as it has workers.
            isolate: run each trial in a child process of its own, so a trial that crashes the
                interpreter is recorded as FAIL and the study goes on.
            trial_timeout: seconds after which an isolated trial is killed and recorded as FAIL.
            trial_memory_limit: bytes (or ``"2GB"``) of address space an isolated trial may use.
            retry_failed: run a trial whose worker died (``kill -9``, a lost machine) again, with
                the same parameters, up to this many times.
            gc_after_trial: run Python's garbage collector after each trial, in the process that
                ran it (Optuna's option, for objectives that leave large objects in reference cycles).
        """
        # Every argument is checked before a trial starts (booleans and strings are not numbers).
        n_trials = check_count("n_trials", n_trials)
        timeout = check_seconds("timeout", timeout)
        if not callable(objective):
            raise TypeError(f"objective must be callable, got {objective!r}")
        if not (type(n_jobs) is int and n_jobs == -1):
            n_jobs = check_count("n_jobs", n_jobs, minimum=1, extra=", -1 (one per CPU)")
        trial_timeout = check_seconds("trial_timeout", trial_timeout)
        retry_failed = int(check_count("retry_failed", retry_failed, none_ok=False) or 0)
        isolate = bool(check_flag("isolate", isolate))
        show_progress_bar = check_flag("show_progress_bar", show_progress_bar, none_ok=True)
        gc_after_trial = bool(check_flag("gc_after_trial", gc_after_trial))
        catch_t = check_catch(catch)
        cbs = check_callbacks(callbacks)
        limits = None
        if isolate or trial_timeout is not None or trial_memory_limit is not None:
            from ._isolate import Limits, parse_memory
            from .exceptions import TrialCrashed

            limits = Limits(
                float(trial_timeout) if trial_timeout is not None else None, parse_memory(trial_memory_limit)
            )
            catch_t = (*catch_t, TrialCrashed)  # a crashed trial always FAILs and the study goes on
        life = self._lifecycle
        progress = Progress(
            show_progress_bar, n_trials, timeout, self.directions[0] if len(self.directions) == 1 else None
        )
        # The run layer never sees this Study: callbacks reach it with the study bound in.
        delivery = Delivery([_bind(cb, self) for cb in cbs], progress)
        try:
            if executor is None and n_jobs in (None, 1):
                run_objective: Callable[[Trial], Any] = objective
                if limits is not None:
                    from ._isolate import IsolatedObjective
                    from ._pickling import dumps

                    run_objective = IsolatedObjective(dumps(objective, "the objective"), limits)
                spec = RunSpec.new(
                    life,
                    n_trials=n_trials,
                    timeout=timeout,
                    catch=catch_t,
                    retry_failed=retry_failed,
                    single_worker=True,
                    gc_after_trial=gc_after_trial,
                )
                run_serial(life, run_objective, spec, delivery)
            else:
                from ._parallel import run_parallel

                spec = RunSpec.new(
                    life, n_trials=n_trials, timeout=timeout, catch=catch_t, retry_failed=retry_failed,
                    gc_after_trial=gc_after_trial,
                )  # fmt: skip
                run_parallel(life, objective, spec, n_jobs=n_jobs, executor=executor, delivery=delivery, limits=limits)
        finally:
            progress.close()

    def stop(self) -> None:
        """Ask ``optimize`` to stop after the running trial (call it from a callback)."""
        self._lifecycle.stop_requested = True

    def close(self) -> None:
        """Release the storage's connections (a database's pool). The study stays usable: it reconnects.

        A study that is garbage-collected releases them too; ``close`` (or ``with``) does it now.

        Example:
            >>> import hyperscout as hs
            >>> with hs.create_study() as study:
            ...     study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, show_progress_bar=False)
        """
        self._lifecycle.storage.close()

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(self, space: Mapping[str, Any] | None = None, *, n: int | None = None) -> Any:
        """Start a trial (or a list of ``n`` trials) to evaluate yourself; finish with ``tell``.

        With ``space`` (anything ``parse_space`` accepts), every parameter is suggested at once.

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study()
            >>> trial = study.ask({"x": hs.Float(0, 1)})
            >>> study.tell(trial, trial.params["x"] ** 2).state.value
            'complete'
        """
        if n is not None:
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"n must be a positive int, got {n!r}")
            return [self.ask(space) for _ in range(n)]
        parsed = parse_space(space) if space is not None else None
        trial = self._lifecycle.start(heartbeat=None)
        if parsed:
            for name, dist in parsed.items():
                trial.suggest(name, dist)
        return trial

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = None,
        state: TrialState | str | None = None,
        *,
        error: str | None = None,
    ) -> FrozenTrial:
        """Record the outcome of a trial from ``ask``: its value(s), or a state (``"pruned"``, ``"fail"``)."""
        number = trial.number if isinstance(trial, Trial) else int(trial)
        return self._lifecycle.tell(number, values, state, error=error)

    def enqueue_trial(
        self,
        params: Mapping[str, Any],
        user_attrs: Mapping[str, Any] | None = None,
        skip_if_exists: bool = False,
    ) -> None:
        """Queue a trial with fixed parameter values, run before any new one (Optuna's name for ``enqueue``).

        Args:
            skip_if_exists: queue nothing when a trial with these values already exists (finished,
                running or queued), e.g. when a script that seeds a study with known points is run again.

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study()
            >>> study.enqueue_trial({"x": 0.5})
            >>> study.enqueue_trial({"x": 0.5}, skip_if_exists=True)
            >>> len(study.trials)
            1
        """
        if not isinstance(skip_if_exists, bool):
            raise TypeError(f"skip_if_exists must be True or False, got {skip_if_exists!r}")
        if skip_if_exists and self._has_trial_with(params):
            _logger.info(f"Trial with parameters {dict(params)} already exists; not enqueueing it again.")
            return
        self.enqueue(params, user_attrs)

    def _has_trial_with(self, params: Mapping[str, Any]) -> bool:
        wanted = dict(params)
        for t in self.get_trials(deepcopy=False):
            known = t.system_attrs.get("fixed_params", {}) if t.state is TrialState.WAITING else t.params
            if all(k in known and known[k] == v for k, v in wanted.items()):
                return True
        return False

    def add_trial(self, trial: FrozenTrial) -> None:
        """Add a finished trial made elsewhere (``hs.create_trial``, or another study's) as the next trial.

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study()
            >>> study.add_trial(hs.create_trial(params={"x": 1}, distributions={"x": hs.Int(0, 5)}, value=2.0))
            >>> study.trials[0].params, study.best_value
            ({'x': 1}, 2.0)
        """
        if not isinstance(trial, FrozenTrial):
            raise TypeError(f"add_trial takes a FrozenTrial (e.g. from hs.create_trial), got {trial!r}")
        self._lifecycle.add(trial)

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """``add_trial`` for each of ``trials``, in order.

        Example:
            >>> import hyperscout as hs
            >>> source = hs.create_study(seed=0)
            >>> source.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
            >>> target = hs.create_study()
            >>> target.add_trials(source.trials)
            >>> len(target.trials)
            3
        """
        for trial in trials:
            self.add_trial(trial)

    def enqueue(self, params: Mapping[str, Any], user_attrs: Mapping[str, Any] | None = None) -> int:
        """Queue a trial with fixed parameter values; the next worker runs it first. Returns its number.

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study()
            >>> study.enqueue({"x": 0.5})
            0
        """
        return self._lifecycle.enqueue(params, user_attrs)

    @property
    def checkpoint_root(self) -> Path:
        """The folder under which each trial's ``checkpoint_dir`` lies (recorded in the study on first use)."""
        return self._lifecycle.checkpoint_root


def _around(lifecycle: Lifecycle) -> Study:
    """A ``Study`` over an existing lifecycle (a worker process's), for ``trial.study``."""
    study = Study.__new__(Study)
    study._lifecycle = lifecycle  # noqa: SLF001 - this module's own class
    lifecycle.facade = study
    return study


Lifecycle.study_factory = _around


def _bind(callback: Callable[[Study, FrozenTrial], None], study: Study) -> Callable[[FrozenTrial], None]:
    def bound(frozen: FrozenTrial) -> None:
        callback(study, frozen)

    return bound


def create_study(
    study_name: str | None = None,
    storage: BaseStorage | str | None = None,
    *,
    direction: str | None = None,
    directions: Sequence[str] | None = None,
    sampler: BaseSampler | str | None = "auto",
    pruner: BasePruner | None = None,
    load_if_exists: bool = True,
    seed: int | None = None,
    checkpoint_root: str | os.PathLike[str] | None = None,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Study:
    """Create a study, or continue the one of that name in ``storage``.

    ``storage`` is ``None`` (in memory), a URL (``"sqlite:///hyperscout.db"``,
    ``"postgresql://user@host/db"``, ``"mysql://user@host/db"``) or a storage object. With
    ``load_if_exists=True`` (the default) re-running the same command resumes the study: finished
    trials are kept and trials left RUNNING by a dead process are marked FAIL.

    ``checkpoint_root`` is the folder under which every ``trial.checkpoint_dir`` lies, recorded in
    the study so that every worker uses it; by default, ``<file>.checkpoints/`` beside a SQLite or
    journal file, ``./hyperscout-checkpoints/`` for a database server (give a shared folder when
    workers run on several machines) and a temporary folder in memory.

    ``constraints_func`` makes the study a constrained one: ``f(frozen_trial)`` returns a sequence
    of floats, and a trial is feasible when all are <= 0. It is computed once, when a trial
    completes or is pruned, and stored with the trial (``trial.constraints``); ``best_trial``,
    ``best_value`` and ``best_trials`` then consider feasible trials only, and the samplers steer
    towards them. A sampler's own ``constraints_func`` (Optuna's place for it) does the same.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(direction="maximize", seed=42)
        >>> study.direction
        'maximize'
    """
    if direction is not None and directions is not None:
        raise ValueError("give direction= or directions=, not both")
    if isinstance(directions, str) or (directions is not None and not isinstance(directions, Iterable)):
        # A string is a sequence too: "minimize" was read as the directions 'm', 'i', ...
        raise TypeError(
            f"directions must be a list such as ['minimize', 'maximize'], got {directions!r}"
            + (f"; for one objective write direction={directions!r}" if isinstance(directions, str) else "")
        )
    dirs = tuple(_direction(d) for d in (directions if directions is not None else [direction or "minimize"]))
    if not dirs:
        raise ValueError("directions must name at least one objective")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    check_flag("load_if_exists", load_if_exists)
    if pruner is not None and not isinstance(pruner, BasePruner):
        raise TypeError(f"pruner must be a hs.pruners pruner or None, got {pruner!r}")
    if isinstance(study_name, str) and _URL.match(study_name):
        # Given where the name goes, a URL made an in-memory study named after it: nothing was saved.
        raise ValueError(
            f"study_name {study_name!r} looks like a storage URL; to keep the study in it write "
            f"create_study(storage={study_name!r}) (and study_name=... to name the study)"
        )
    store = get_storage(storage)
    name = study_name if study_name is not None else f"study-{uuid.uuid4().hex[:12]}"
    if not isinstance(name, str) or not name or len(name) > 255:
        raise ValueError(f"study_name must be a non-empty string of at most 255 characters, got {study_name!r}")
    info = store.find_study(name)
    if info is not None and not load_if_exists:
        raise DuplicatedStudyError(f"a study named {name!r} already exists; pass load_if_exists=True to continue it")
    if info is None:
        try:
            info = store.create_study(name, dirs, seed if seed is not None else secrets.randbits(63))
            where = "memory" if store.url is None else repr(store)  # the repr hides a password
            _logger.info(f"A new study created in {where} with name: {name}")
        except DuplicatedStudyError:
            if not load_if_exists:
                raise
            info = store.find_study(name)
            assert info is not None
    if info.directions != dirs and (directions is not None or direction is not None):
        raise ValueError(
            f"study {name!r} exists with directions {list(info.directions)}, not {list(dirs)}; "
            "use another study_name or the same directions"
        )
    study = Study(name, store, sampler=sampler, pruner=pruner, seed=seed, constraints_func=constraints_func)
    life = study._lifecycle  # noqa: SLF001 - this module's own class
    life.reap()
    if checkpoint_root is not None:
        wanted = os.path.abspath(os.fspath(checkpoint_root))
        life.set_checkpoint_root(wanted)
        if str(study.checkpoint_root) != wanted:
            raise ValueError(
                f"study {name!r} keeps its checkpoints in {str(study.checkpoint_root)!r}, not {wanted!r}; "
                "pass that checkpoint_root (or none), or move the folder and use a new study"
            )
    return study


def load_study(
    study_name: str,
    storage: BaseStorage | str,
    *,
    sampler: BaseSampler | str | None = "auto",
    pruner: BasePruner | None = None,
    seed: int | None = None,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Study:
    """Open an existing study; ``KeyError`` naming the studies that exist if there is none."""
    study = Study(study_name, storage, sampler=sampler, pruner=pruner, seed=seed, constraints_func=constraints_func)
    study._lifecycle.sync()  # noqa: SLF001 - this module's own class
    return study


def delete_study(study_name: str, storage: BaseStorage | str) -> None:
    """Remove a study and all its trials."""
    get_storage(storage, create=False).delete_study(study_name)


def get_all_study_names(storage: BaseStorage | str) -> list[str]:
    """The names of every study in ``storage``, oldest first."""
    return [s.name for s in get_storage(storage, create=False).list_studies()]


def copy_study(
    *,
    from_study_name: str,
    from_storage: BaseStorage | str,
    to_storage: BaseStorage | str,
    to_study_name: str | None = None,
) -> None:
    """Copy a study, its attributes and its trials into another storage (Optuna's ``copy_study``).

    Finished and queued trials are copied with their numbers' order kept; running and paused ones
    are left out (they have no outcome yet). ``to_study_name`` defaults to the same name, which
    must not exist in ``to_storage`` yet.

    Example:
        >>> import hyperscout as hs
        >>> source = hs.storages.InMemoryStorage()
        >>> study = hs.create_study(study_name="s", storage=source, seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
        >>> target = hs.storages.InMemoryStorage()
        >>> hs.copy_study(from_study_name="s", from_storage=source, to_storage=target)
        >>> len(hs.load_study("s", target).trials)
        3
    """
    source = load_study(from_study_name, from_storage, sampler="random")
    name = from_study_name if to_study_name is None else to_study_name
    target = create_study(name, to_storage, directions=list(source.directions), load_if_exists=False)
    for key, value in source.user_attrs.items():
        target.set_user_attr(key, value)
    skipped = []
    for trial in source.get_trials(deepcopy=False):
        if trial.state in (TrialState.RUNNING, TrialState.PAUSED):
            skipped.append(trial.number)
            continue
        target.add_trial(trial)
    if skipped:
        _logger.warning(f"copy_study: left out trial(s) {skipped}, which were still running or paused")
