"""Studies: a named optimisation task, its trials, and the ways to run them.

Example:
    >>> import hyperscout as hs
    >>> study = hs.create_study(direction="minimize", seed=0)
    >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=20, show_progress_bar=False)
    >>> round(study.best_params["x"], 1) == round(study.best_trial.params["x"], 1)
    True
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _execution
from ._progress import Progress
from .pruners import BasePruner
from .samplers import BaseSampler, SamplerContext, get_sampler
from .space import Distribution, parse_space
from .storages import BaseStorage, ClaimTaken, DuplicatedStudyError, Event, get_storage
from .storages._view import StudyView
from .trial import FrozenTrial, Trial, TrialState, check_values

__all__ = ["Study", "create_study", "load_study", "delete_study", "get_all_study_names"]

_DIRECTIONS = ("minimize", "maximize")
_ALIASES = {"min": "minimize", "minimise": "minimize", "max": "maximize", "maximise": "maximize"}


def _direction(d: Any) -> str:
    if isinstance(d, (list, tuple)):
        raise ValueError(f"direction= takes one string; for several objectives write directions={list(d)!r}")
    key = str(d).lower()
    key = _ALIASES.get(key, key)
    if key not in _DIRECTIONS:
        raise ValueError(f"direction must be 'minimize' or 'maximize', got {d!r}")
    return key


_CHECKPOINT_ROOT = "checkpoint_root"


def _default_checkpoint_root(storage: BaseStorage, info: Any) -> str:
    """Where a study keeps checkpoints unless told: beside a file storage, else in the working folder.

    ``<file>.checkpoints/<study id>-<name>`` for SQLite and journal files (every process that opens
    the file finds it); ``hyperscout-checkpoints/...`` in the current folder for a database server;
    a temporary folder for an in-memory study.
    """
    folder = f"{info.id}-{re.sub(r'[^A-Za-z0-9._-]+', '_', info.name)[:80]}"
    path = getattr(storage, "path", None)
    url = storage.url or ""
    if path is None and url.startswith("sqlite"):
        import sqlalchemy as sa

        database = sa.engine.make_url(url).database
        path = database if database and database != ":memory:" else None
    if path is not None:
        return os.path.join(os.path.abspath(os.fspath(path)) + ".checkpoints", folder)
    if not url:
        return os.path.join(tempfile.mkdtemp(prefix="hyperscout-"), folder)
    return os.path.join(os.getcwd(), "hyperscout-checkpoints", folder)


def _jsonable(name: str, value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name}: {value!r} ({type(value).__name__}) cannot be stored as JSON; store a number, string, "
            "bool, None, or a list/dict of those"
        ) from None
    return value


@dataclass
class _Live:
    """What this process knows of a trial it is running that the log does not hold yet."""

    fixed: dict[str, Any] = field(default_factory=dict)  # relative or enqueued values, not yet asked for
    pending: dict[str, tuple[Any, Distribution]] = field(default_factory=dict)  # asked, not yet written
    reported: set[int] = field(default_factory=set)
    resumed_at: int | None = None  # the step a resumed trial had paused at
    pause_step: int | None = None  # the step at which a pausing pruner said to stop
    warned_restart: bool = False


class Study:
    """A named optimisation task whose trials live in a storage.

    Create one with ``hs.create_study``; several processes or machines may work on the same study
    through a shared storage URL.
    """

    def __init__(
        self,
        view: StudyView,
        sampler: BaseSampler,
        pruner: BasePruner | None,
        seed: int,
    ) -> None:
        self._view = view
        self._storage: BaseStorage = view.storage
        self.sampler = sampler
        self.pruner = pruner
        self._seed = seed
        self._worker = _execution.worker_id()
        self._live: dict[int, _Live] = {}
        self._pending_lock = threading.Lock()
        self._stop_flag = False
        #: The storage's clock minus this machine's, kept by the heartbeat; trial times are stamped with it.
        self._clock_offset = 0.0

    def __repr__(self) -> str:
        return f"Study(name={self.study_name!r}, directions={list(self.directions)!r}, trials={len(self._view)})"

    # -- identity ---------------------------------------------------------------------------------

    @property
    def study_name(self) -> str:
        return self._view.info.name

    @property
    def directions(self) -> tuple[str, ...]:
        return self._view.info.directions

    @property
    def direction(self) -> str:
        if len(self.directions) != 1:
            raise RuntimeError(f"this study has {len(self.directions)} objectives; use .directions")
        return self.directions[0]

    @property
    def seed(self) -> int:
        """The seed every sampler draw derives from (with the trial number)."""
        return self.sampler.seed if self.sampler.seed is not None else self._seed

    @property
    def storage_url(self) -> str | None:
        return self._storage.url

    # -- reading ----------------------------------------------------------------------------------

    def _sync(self) -> None:
        self._view.sync()

    def get_trials(self, states: Iterable[TrialState] | None = None) -> list[FrozenTrial]:
        """All trials, or those in ``states``, ordered by number."""
        self._sync()
        trials = self._view.trials()
        if states is None:
            return trials
        wanted = set(states)
        return [t for t in trials if t.state in wanted]

    @property
    def trials(self) -> list[FrozenTrial]:
        return self.get_trials()

    def _best(self) -> FrozenTrial | None:
        if len(self.directions) != 1:
            raise RuntimeError("best_trial is for single-objective studies; use best_trials for the Pareto front")
        complete = self.get_trials([TrialState.COMPLETE])
        if not complete:
            return None
        pick = min if self.direction == "minimize" else max
        return pick(complete, key=lambda t: t.values[0] if t.values else math.nan)

    @property
    def best_trial(self) -> FrozenTrial:
        """The complete trial with the best value (the earliest one on ties)."""
        best = self._best()
        if best is None:
            states = {s.value: 0 for s in TrialState}
            for t in self._view.trials():
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
        """The Pareto-optimal complete trials (every complete trial that no other one dominates)."""
        signs = [1.0 if d == "minimize" else -1.0 for d in self.directions]
        pts = [
            (t, [s * v for s, v in zip(signs, t.values or (), strict=False)])
            for t in self.get_trials([TrialState.COMPLETE])
        ]

        def dominated(a: list[float]) -> bool:
            return any(
                all(x <= y for x, y in zip(b, a, strict=False)) and any(x < y for x, y in zip(b, a, strict=False))
                for _, b in pts
            )

        return [t for t, v in pts if not dominated(v)]

    @property
    def user_attrs(self) -> dict[str, Any]:
        self._sync()
        return dict(self._view.user_attrs)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable value to the study."""
        data = {"key": key, "value": _jsonable(f"study attribute {key!r}", value), "system": False}
        self._view.append([Event("study_attr", None, data)])

    def trials_dataframe(self) -> Any:
        """A pandas DataFrame with one row per trial (``pip install pandas``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("trials_dataframe() needs pandas: pip install pandas") from None
        rows = []
        for t in self.trials:
            row: dict[str, Any] = {"number": t.number, "state": t.state.value}
            if t.values is None:
                row.update(
                    {"value" if len(self.directions) == 1 else f"values_{i}": None for i in range(len(self.directions))}
                )
            elif len(t.values) == 1:
                row["value"] = t.values[0]
            else:
                row.update({f"values_{i}": v for i, v in enumerate(t.values)})
            row.update(
                {"datetime_start": t.datetime_start, "datetime_complete": t.datetime_complete, "duration": t.duration}
            )
            row.update({f"params_{k}": v for k, v in t.params.items()})
            row.update({f"user_attrs_{k}": v for k, v in t.user_attrs.items()})
            row["error"] = t.error
            rows.append(row)
        return pd.DataFrame(rows)

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
        """
        if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0):
            raise ValueError(f"n_trials must be a non-negative int or None, got {n_trials!r}")
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
        if not callable(objective):
            raise TypeError(f"objective must be callable, got {objective!r}")
        if n_jobs is not None and (
            isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or (n_jobs < 1 and n_jobs != -1)
        ):
            raise ValueError(f"n_jobs must be a positive int, -1 (one per CPU) or None, got {n_jobs!r}")
        if trial_timeout is not None and (
            isinstance(trial_timeout, bool) or not isinstance(trial_timeout, (int, float)) or not trial_timeout > 0
        ):
            raise ValueError(f"trial_timeout must be a positive number of seconds or None, got {trial_timeout!r}")
        if isinstance(retry_failed, bool) or not isinstance(retry_failed, int) or retry_failed < 0:
            raise ValueError(f"retry_failed must be a non-negative int, got {retry_failed!r}")
        catch_t = (catch,) if isinstance(catch, type) else tuple(catch)
        cbs = (callbacks,) if callable(callbacks) else tuple(callbacks)
        limits = None
        if isolate or trial_timeout is not None or trial_memory_limit is not None:
            from ._isolate import Limits, TrialCrashed, parse_memory

            limits = Limits(
                float(trial_timeout) if trial_timeout is not None else None, parse_memory(trial_memory_limit)
            )
            catch_t = (*catch_t, TrialCrashed)  # a crashed trial always FAILs and the study goes on
        progress = Progress(show_progress_bar, n_trials, timeout)
        try:
            if executor is None and n_jobs in (None, 1):
                run_objective: Callable[[Trial], Any] = objective
                if limits is not None:
                    from ._isolate import IsolatedObjective
                    from ._parallel import dumps

                    run_objective = IsolatedObjective(dumps(objective, "the objective"), limits)
                _execution.optimize_serial(
                    self, run_objective, n_trials=n_trials, timeout=timeout, catch=catch_t, callbacks=cbs,
                    progress=progress, retry_failed=retry_failed,
                )  # fmt: skip
            else:
                from ._parallel import optimize_parallel

                optimize_parallel(
                    self, objective, n_trials=n_trials, timeout=timeout, n_jobs=n_jobs, executor=executor,
                    catch=catch_t, callbacks=cbs, progress=progress, limits=limits, retry_failed=retry_failed,
                )  # fmt: skip
        finally:
            progress.close()

    def stop(self) -> None:
        """Ask ``optimize`` to stop after the running trial (call it from a callback)."""
        self._stop_flag = True

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
        trial = self._start_trial(heartbeat=None)
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
        self._sync()
        if not 0 <= number < len(self._view):
            raise ValueError(f"study {self.study_name!r} has no trial {number}")
        if self._view.record(number).state.is_finished:
            raise ValueError(f"trial {number} is already finished ({self._view.record(number).state.value})")
        if self._view.record(number).state is TrialState.WAITING:
            raise ValueError(f"trial {number} is enqueued and has not started; ask() starts it")
        try:
            st = TrialState(str(getattr(state, "value", state)).lower()) if state is not None else TrialState.COMPLETE
        except ValueError:
            names = [s.value for s in TrialState if s.is_finished]
            raise ValueError(f"state must be one of {names}, got {state!r}") from None
        if st in (TrialState.RUNNING, TrialState.WAITING):
            raise ValueError(f"tell() records a finished state, not {st.value!r}")
        out: tuple[float, ...] | None = None
        if st is TrialState.COMPLETE:
            if values is None:
                raise ValueError("tell() needs the objective value(s) of a complete trial")
            out, problem = self._check_values(values)
            if problem:
                warnings.warn(f"trial {number} recorded as FAIL: {problem}", stacklevel=2)
                st, error = TrialState.FAIL, problem
        self._live.setdefault(number, _Live())
        return self._finish(number, st, out, error)

    def enqueue(self, params: Mapping[str, Any], user_attrs: Mapping[str, Any] | None = None) -> int:
        """Queue a trial with fixed parameter values; the next worker runs it first. Returns its number.

        Example:
            >>> import hyperscout as hs
            >>> study = hs.create_study()
            >>> study.enqueue({"x": 0.5})
            0
        """
        fixed = {str(k): _jsonable(f"enqueued parameter {k!r}", v) for k, v in dict(params).items()}
        attrs = {str(k): _jsonable(f"user attribute {k!r}", v) for k, v in dict(user_attrs or {}).items()}
        for _ in range(1000):
            self._sync()
            n = len(self._view)
            data = {"number": n, "state": "waiting", "t": time.time(), "user_attrs": attrs,
                    "system_attrs": {"fixed_params": fixed}}  # fmt: skip
            try:
                self._view.append([Event("create", n, data, claim=f"trial/{n}")])
                return n
            except ClaimTaken:
                continue
        raise RuntimeError("could not enqueue: the trial counter kept moving (1000 attempts)")

    # -- the life of a trial (used by Trial and _execution) ----------------------------------------

    def _context(self, number: int) -> SamplerContext:
        pruner = self.pruner
        if pruner is None:
            return SamplerContext(number, self.seed, self.directions, self._view.trials)
        # A pruner may narrow what the sampler learns from (Hyperband: one bracket's pruned trials).
        return SamplerContext(
            number, self.seed, self.directions, lambda: pruner.trials_for_sampler(number, self._view.trials())
        )

    def _start_trial(self, heartbeat: float | None, tags: _execution.Tags | None = None) -> Trial:
        """Claim a waiting trial or create a new one, with the sampler's joint values recorded.

        ``tags``, called after each read of the log, gives system attributes (each with an optional
        claim) to record on the trial in the same append; it may raise to start no trial.
        """
        for _ in range(10_000):
            self._sync()
            tagged = tags() if tags is not None else ()
            now = time.time() + self._clock_offset
            waiting = min(self._view.waiting) if self._view.waiting else None
            if waiting is not None:
                events = [Event("start", waiting, {"t": now, "worker": self._worker}, claim=f"start/{waiting}")]
                if heartbeat:
                    events.append(Event("attr", waiting, {"key": "hb", "value": heartbeat, "system": True}))
                events += [
                    Event("attr", waiting, {"key": k, "value": v, "system": True}, claim=c) for k, v, c in tagged
                ]
                try:
                    self._view.append(events)
                except ClaimTaken:
                    continue
                fixed = dict(self._view.record(waiting).system.get("fixed_params", {}))
                self._live[waiting] = _Live(fixed=fixed)
                return Trial(self, waiting)
            n = len(self._view)
            ctx = self._context(n)
            space = self.sampler.infer_relative_search_space(ctx)
            params = {k: space[k].cast(v) for k, v in self.sampler.sample_relative(ctx, space).items()} if space else {}
            data: dict[str, Any] = {"number": n, "state": "running", "t": now, "worker": self._worker}
            system: dict[str, Any] = {}
            if heartbeat:
                system["hb"] = heartbeat
            if params:
                # Proposed values become params only when the objective asks for them, so a
                # conditional parameter never appears in a trial that did not use it; other
                # workers still see the proposal (to avoid proposing the same point).
                system["proposed"] = params
                system.update(self.sampler.proposal_attrs(ctx, params))
            if system:
                data["system_attrs"] = system
            events = [Event("create", n, data, claim=f"trial/{n}")]
            claim = self.sampler.claim(ctx, params) if params else None
            if claim:
                events.append(Event("attr", n, {"key": "grid", "value": claim, "system": True}, claim=claim))
            events += [Event("attr", n, {"key": k, "value": v, "system": True}, claim=c) for k, v, c in tagged]
            try:
                self._view.append(events)
            except ClaimTaken:
                continue
            self._live[n] = _Live(fixed=dict(params))
            return Trial(self, n)
        raise RuntimeError("could not start a trial: other workers kept taking every slot (10,000 attempts)")

    def _live_or_raise(self, number: int) -> _Live:
        live = self._live.get(number)
        if live is None:
            state = self._view.record(number).state.value if number < len(self._view) else "unknown"
            raise RuntimeError(f"trial {number} is already finished ({state}); start a new one with study.ask()")
        return live

    def _suggest(self, trial: Trial, name: str, distribution: Distribution) -> Any:
        live = self._live_or_raise(trial.number)
        if name in live.fixed:
            value = live.fixed.pop(name)
            if distribution.contains(value):
                value = distribution.cast(value)
                with self._pending_lock:
                    live.pending[name] = (value, distribution)
                return value
            warnings.warn(
                f"trial {trial.number}: the fixed value {value!r} of {name!r} is outside {distribution!r}; "
                "sampling a new value instead",
                stacklevel=3,
            )
        if distribution.is_single:
            value = distribution.grid()[0]
        else:
            value = self.sampler.sample_independent(self._context(trial.number), name, distribution)
            if not distribution.contains(value):
                raise RuntimeError(f"{self.sampler!r} returned {value!r} for {name!r}, outside {distribution!r}")
        value = distribution.cast(value)
        with self._pending_lock:
            live.pending[name] = (value, distribution)
        return value

    def _write(self, number: int, events: list[Event], *, from_heartbeat: bool = False) -> None:
        """Append trial ``number``'s not yet written parameter values, then ``events``, in one append.

        The values count as written only once the append succeeded. The heartbeat thread appends
        straight to storage (the view belongs to the main thread, which reads those events on its
        next sync); the lock keeps it and the main thread from writing the same values twice or
        losing one suggested in between.
        """
        with self._pending_lock:
            live = self._live.get(number)
            pending = dict(live.pending) if live is not None else {}
            if pending:
                data = {
                    "params": {k: v for k, (v, _) in pending.items()},
                    "dists": {k: d.to_json() for k, (_, d) in pending.items()},
                }
                events = [Event("params", number, data), *events]
            if not events:
                return
            if from_heartbeat:
                self._storage.append(self._view.info.id, events)
            else:
                self._view.append(events)
            if live is not None:
                for k in pending:
                    live.pending.pop(k, None)

    def _flush_params(self, number: int) -> None:
        """Make the values suggested so far durable (the heartbeat calls this for long trials)."""
        self._write(number, [], from_heartbeat=True)

    def _report(self, trial: Trial, value: float, step: int) -> None:
        live = self._live_or_raise(trial.number)
        if live.resumed_at is not None and step <= live.resumed_at and step not in live.reported:
            if not live.warned_restart:
                live.warned_restart = True
                warnings.warn(
                    f"trial {trial.number} was resumed after pausing at step {live.resumed_at} but reported "
                    f"step {step} again: it is training from the start. Save its state in trial.checkpoint_dir "
                    "before it pauses and load it when it starts, to continue instead (the earlier reports stand)",
                    stacklevel=3,
                )
            return
        if step in live.reported or step in self._view.record(trial.number).steps:
            warnings.warn(f"trial {trial.number} already reported step {step}; ignoring the new value", stacklevel=3)
            return
        live.reported.add(step)
        self._write(trial.number, [Event("report", trial.number, {"step": step, "value": value})])

    def _should_prune(self, trial: Trial) -> bool:
        if self.pruner is None:
            return False
        live = self._live.get(trial.number)
        if live is not None and live.resumed_at is not None and not live.reported:
            return False  # resumed, nothing new reported yet: its last rung was judged already
        self._sync()
        me = self._view.frozen(trial.number)
        others = [t for t in self._view.trials() if t.number != trial.number]
        if len(self.directions) != 1:
            raise NotImplementedError("pruning is for single-objective studies; this one has several objectives")
        stop = bool(self.pruner.prune(me, others, self.direction))
        if stop and live is not None and self.pruner.pauses:
            live.pause_step = me.last_step
        return stop

    def _will_pause(self, number: int) -> bool:
        """Whether trial ``number``, told to stop, will be paused (and may resume) rather than pruned."""
        live = self._live.get(number)
        steps = self._view.record(number).steps
        return live is not None and live.pause_step is not None and bool(steps) and live.pause_step == max(steps)

    def _stop_early(self, number: int) -> FrozenTrial:
        """Record trial ``number``, which raised ``TrialPruned``, as PAUSED or PRUNED.

        PAUSED only when a pausing pruner said to stop at the trial's latest step; a ``TrialPruned``
        the objective raised for reasons of its own still prunes.
        """
        if not self._will_pause(number):
            return self._finish(number, TrialState.PRUNED, None, None)
        data = {"step": max(self._view.record(number).steps), "t": time.time() + self._clock_offset}
        self._write(number, [Event("pause", number, data)])
        self._live.pop(number, None)
        return self._view.frozen(number)

    def _resume_paused(self, heartbeat: float | None, *, final: bool) -> Trial | None:
        """Resume the first PAUSED trial the pruner promotes, or return None when there is none.

        The ``resume/<n>/<k>`` claim (``k``: how many times it paused) lets one worker alone take it.
        The trial keeps its number, parameters and reports; the objective sees the values it asked
        for before and can reload its state from ``trial.checkpoint_dir``.
        """
        pruner = self.pruner
        if pruner is None or not pruner.pauses or len(self.directions) != 1:
            return None
        for _ in range(1000):
            self._sync()
            if not self._view.paused:
                return None
            order = pruner.promotable(self._view.trials(), self.direction, final=final)
            if not order:
                return None
            number = order[0]
            rec = self._view.record(number)
            k = len(rec.system.get("paused_at", []))
            data: dict[str, Any] = {"t": time.time() + self._clock_offset, "worker": self._worker}
            if heartbeat:
                data["hb"] = heartbeat
            try:
                self._view.append([Event("resume", number, data, claim=f"resume/{number}/{k}")])
            except ClaimTaken:
                continue
            rec = self._view.record(number)
            fixed = {**rec.system.get("proposed", {}), **rec.system.get("fixed_params", {})}
            self._live[number] = _Live(fixed={k: v for k, v in fixed.items() if k not in rec.params},
                                       resumed_at=max(rec.steps) if rec.steps else None)  # fmt: skip
            trial = Trial(self, number)
            trial._params, trial._distributions = dict(rec.params), dict(rec.dists)
            return trial
        raise RuntimeError("could not resume a paused trial: other workers kept taking them (1000 attempts)")

    def _set_trial_attr(self, trial: Trial, key: str, value: Any) -> None:
        self._live_or_raise(trial.number)
        data = {"key": key, "value": _jsonable(f"user attribute {key!r}", value), "system": False}
        self._write(trial.number, [Event("attr", trial.number, data)])

    def _frozen(self, number: int) -> FrozenTrial:
        self._sync()
        return self._view.frozen(number)

    @property
    def checkpoint_root(self) -> Path:
        """The folder under which each trial's ``checkpoint_dir`` lies (recorded in the study on first use)."""
        root = self._view.system_attrs.get(_CHECKPOINT_ROOT)
        if root is None:
            self._sync()
            root = self._view.system_attrs.get(_CHECKPOINT_ROOT)
        if root is None:
            self._set_checkpoint_root(_default_checkpoint_root(self._storage, self._view.info))
            root = self._view.system_attrs[_CHECKPOINT_ROOT]
        return Path(root)

    def _set_checkpoint_root(self, root: str | os.PathLike[str]) -> None:
        """Record ``root`` as the study's checkpoint folder, unless one is recorded already (that one stands)."""
        data = {"key": _CHECKPOINT_ROOT, "value": os.path.abspath(os.fspath(root)), "system": True}
        try:
            self._view.append([Event("study_attr", None, data, claim=_CHECKPOINT_ROOT)])
        except ClaimTaken:
            self._sync()

    def _checkpoint_dir(self, number: int) -> Path:
        """``trial-<n>`` under ``checkpoint_root``, where ``n`` is the first trial of ``number``'s retries."""
        self._sync()
        first = number
        for _ in range(len(self._view)):  # a chain of retries, never a cycle
            retry_of = self._view.record(first).system.get("retry_of")
            if retry_of is None:
                break
            first = int(retry_of)
        path = self.checkpoint_root / f"trial-{first}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _check_values(self, values: Any) -> tuple[tuple[float, ...] | None, str | None]:
        return check_values(values, len(self.directions))

    def _finish(
        self,
        number: int,
        state: TrialState,
        values: tuple[float, ...] | None,
        error: str | None,
        *,
        extra: Sequence[Event] = (),
    ) -> FrozenTrial:
        """Record the outcome of trial ``number`` (after ``extra`` events, in the same append)."""
        data = {
            "state": state.value,
            "values": list(values) if values is not None else None,
            "error": error,
            "t": time.time() + self._clock_offset,
        }
        try:
            self._write(number, [*extra, Event("finish", number, data, claim=f"finish/{number}")])
        except ClaimTaken:
            warnings.warn(
                f"trial {number} had already been finished by another worker (it was taken for dead); "
                "this result was not recorded",
                stacklevel=2,
            )
            self._sync()
        self._live.pop(number, None)
        return self._view.frozen(number)

    def _reap(self) -> list[int]:
        """Mark FAIL the RUNNING trials whose worker is dead; returns their numbers.

        A trial started with ``retry_failed`` left is enqueued again with the same parameters in
        the same append (``retry_of`` names the dead one), so the retry is neither lost nor doubled
        when several workers notice at once. A trial holding a sampler's claim (a grid point) is
        left to that sampler's own retry policy.
        """
        self._sync()
        reaped = []
        t = self._storage.now()
        for number, reason in _execution.dead_trials(self, t):
            for _ in range(1000):
                rec = self._view.record(number)
                if rec.state.is_finished:
                    break
                error = f"reaped: {reason}"
                events = []
                attempt = int(rec.system.get("attempt", 0))
                if attempt < int(rec.system.get("retry", 0)) and not rec.system.get("grid"):
                    m = len(self._view)
                    fixed = {**rec.system.get("proposed", {}), **rec.system.get("fixed_params", {}), **rec.params}
                    system = {"fixed_params": fixed, "retry_of": number, "attempt": attempt + 1}
                    retry = {"number": m, "state": "waiting", "t": t, "user_attrs": {}, "system_attrs": system}
                    events.append(Event("create", m, retry, claim=f"trial/{m}"))
                    error += f"; re-queued as trial {m}"
                data = {"state": TrialState.FAIL.value, "values": None, "error": error, "t": t}
                events.insert(0, Event("finish", number, data, claim=f"finish/{number}"))
                try:
                    self._view.append(events)
                    reaped.append(number)
                    break
                except ClaimTaken:  # another worker reaped it, or took the retry's number: look again
                    self._sync()
        return reaped


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

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(direction="maximize", seed=42)
        >>> study.direction
        'maximize'
    """
    if direction is not None and directions is not None:
        raise ValueError("give direction= or directions=, not both")
    dirs = tuple(_direction(d) for d in (directions if directions is not None else [direction or "minimize"]))
    if not dirs:
        raise ValueError("directions must name at least one objective")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    if pruner is not None and not isinstance(pruner, BasePruner):
        raise TypeError(f"pruner must be a hs.pruners pruner or None, got {pruner!r}")
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
    study = Study(
        StudyView(store, info), get_sampler(sampler, seed=seed), pruner, seed if seed is not None else info.seed
    )
    study._reap()
    if checkpoint_root is not None:
        wanted = os.path.abspath(os.fspath(checkpoint_root))
        study._set_checkpoint_root(wanted)
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
) -> Study:
    """Open an existing study; ``KeyError`` naming the studies that exist if there is none."""
    store = get_storage(storage, create=False)
    info = store.find_study(study_name)
    if info is None:
        names = [s.name for s in store.list_studies()]
        raise KeyError(f"no study named {study_name!r} in this storage; it has {names}")
    study = Study(
        StudyView(store, info), get_sampler(sampler, seed=seed), pruner, seed if seed is not None else info.seed
    )
    study._sync()
    return study


def delete_study(study_name: str, storage: BaseStorage | str) -> None:
    """Remove a study and all its trials."""
    get_storage(storage, create=False).delete_study(study_name)


def get_all_study_names(storage: BaseStorage | str) -> list[str]:
    """The names of every study in ``storage``, oldest first."""
    return [s.name for s in get_storage(storage, create=False).list_studies()]
