"""The life of a trial: the one place a trial's state changes.

``Lifecycle`` starts a trial (claiming an enqueued one or creating one with the sampler's joint
proposal), answers its ``suggest``/``report``/``should_prune`` calls, stops it early (PRUNED, or
PAUSED under a promoting pruner), finishes it, resumes a paused one and reaps the trials of dead
workers. Every change is an event appended to the study's log (``storages``), so any process that
replays the log sees the same trials.

Who uses it:

- ``Study`` (``study.py``) is a facade over one ``Lifecycle``: ``ask`` is ``start``, ``tell`` is
  ``tell``; what ``optimize`` does and what a user's ask/tell does cannot drift apart.
- The run layer (``_execution``, ``_parallel``) receives a ``Lifecycle`` and drives trials through
  these public methods; it never sees a ``Study``.
- A live ``Trial`` (``trial.py``) calls back into it through the ``TrialOwner`` protocol.

Example:
    >>> from hyperscout.samplers import RandomSampler
    >>> from hyperscout.space import Float
    >>> from hyperscout.storages import InMemoryStorage
    >>> from hyperscout.storages._view import StudyView
    >>> storage = InMemoryStorage()
    >>> view = StudyView(storage, storage.create_study("s", ("minimize",), 0))
    >>> life = Lifecycle(view, RandomSampler(seed=0), None, 0)
    >>> trial = life.start()
    >>> 0 <= trial.suggest("x", Float(0, 1)) <= 1
    True
    >>> life.finish(trial.number, TrialState.COMPLETE, (0.5,), None).state.value
    'complete'
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from ._log import get_logger
from ._multi_objective import check_constraints, violation
from ._workers import dead_trials, local_pid, worker_id
from .pruners import BasePruner
from .samplers import BaseSampler, SamplerContext
from .space import Distribution
from .storages import BaseStorage, ClaimTaken, Event, StudyInfo
from .storages._view import StudyView
from .trial import CONSTRAINTS, FrozenTrial, Trial, TrialState, check_values

__all__ = ["CHECKPOINT_ROOT", "Lifecycle", "Tags", "jsonable"]

#: The study system attribute that holds the checkpoint folder.
CHECKPOINT_ROOT = "checkpoint_root"

#: Where the per-trial lines go: logged here, where a trial's outcome is recorded, so serial,
#: process-parallel and executor runs all log each trial once, in the process that recorded it.
_logger = get_logger("hyperscout.study")

#: ``(system attribute, value, claim or None)`` triples that ``Lifecycle.start`` records on a new trial.
Tags = Callable[[], Sequence[tuple[str, Any, "str | None"]]]


def jsonable(name: str, value: Any) -> Any:
    """``value`` itself when it can be stored as JSON, else a ``TypeError`` naming ``name``.

    Example:
        >>> jsonable("x", [1, "a"])
        [1, 'a']
    """
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name}: {value!r} ({type(value).__name__}) cannot be stored as JSON; store a number, string, "
            "bool, None, or a list/dict of those"
        ) from None
    return value


def _default_checkpoint_root(storage: BaseStorage, info: StudyInfo) -> str:
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


@dataclass
class _Live:
    """What this process knows of a trial it is running that the log does not hold yet."""

    fixed: dict[str, Any] = field(default_factory=dict)  # relative or enqueued values, not yet asked for
    pending: dict[str, tuple[Any, Distribution]] = field(default_factory=dict)  # asked, not yet written
    reported: set[int] = field(default_factory=set)
    resumed_at: int | None = None  # the step a resumed trial had paused at
    pause_step: int | None = None  # the step at which a pausing pruner said to stop
    warned_restart: bool = False


class Lifecycle:
    """The trials of one study as this process changes them: start, suggest, report, stop, finish, reap.

    Args:
        view: the study's replayed log (``storages.StudyView``); this object appends to it.
        sampler: proposes parameter values.
        pruner: decides on early stopping, or None.
        seed: the study's seed, used when the sampler has none of its own.
        worker: how trials started here name their worker (``_workers.worker_id()`` by default).
        constraints_func: ``f(frozen_trial) -> sequence of floats``, computed when a trial finishes
            (see ``finish``); when None, the sampler's own ``constraints_func``, if it has one.

    Attributes:
        clock_offset: the storage's clock minus this machine's; the heartbeat keeps it current and
            trial times are stamped with it.
        stop_requested: set by ``Study.stop()``; the run loop stops after the running trial.
    """

    #: Builds the ``Study`` facade around a lifecycle, for ``trial.study`` in a process that made
    #: the lifecycle without one (a worker process). ``study.py`` sets it when imported: this layer
    #: cannot import that module, which sits above it.
    study_factory: ClassVar[Callable[[Lifecycle], Any] | None] = None

    def __init__(
        self,
        view: StudyView,
        sampler: BaseSampler,
        pruner: BasePruner | None,
        seed: int,
        *,
        worker: str | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        self.view = view
        self.constraints_func = constraints_func
        self.storage: BaseStorage = view.storage
        self.sampler = sampler
        self.pruner = pruner
        self.study_seed = seed
        self.worker = worker if worker is not None else worker_id()
        self.clock_offset = 0.0
        self.stop_requested = False
        self._live: dict[int, _Live] = {}
        self._pending_lock = threading.Lock()
        #: The ``Study`` around this lifecycle (``trial.study``), set by the Study or made on first use.
        self.facade: Any = None
        self._best: tuple[int, float] | None = None  # see _best_complete
        self._best_scanned = 0
        self._best_unfinished: set[int] = set()

    @property
    def study(self) -> Any:
        """The ``Study`` facade over this lifecycle (what ``trial.study`` returns)."""
        if self.facade is None and Lifecycle.study_factory is not None:
            self.facade = Lifecycle.study_factory(self)
        return self.facade

    # -- the study as the log says ----------------------------------------------------------------

    @property
    def directions(self) -> tuple[str, ...]:
        return self.view.info.directions

    @property
    def seed(self) -> int:
        """The seed every sampler draw derives from (with the trial number)."""
        return self.sampler.seed if self.sampler.seed is not None else self.study_seed

    def sync(self) -> None:
        """Read what other processes appended since the last read."""
        self.view.sync()

    def frozen(self, number: int) -> FrozenTrial:
        """Trial ``number`` as the log says now."""
        self.sync()
        return self.view.frozen(number)

    def user_attrs(self, number: int) -> dict[str, Any]:
        """The user attributes of trial ``number`` (what ``Trial.user_attrs`` shows)."""
        return dict(self.frozen(number).user_attrs)

    def is_running_here(self, number: int) -> bool:
        """Whether this process runs trial ``number`` (started or resumed it, and has not finished it)."""
        return number in self._live

    def check_values(self, values: Any) -> tuple[tuple[float, ...] | None, str | None]:
        """What the objective returned, validated: ``(values, None)`` or ``(None, why it is invalid)``."""
        return check_values(values, len(self.directions))

    # -- starting ---------------------------------------------------------------------------------

    def context(self, number: int, params: Mapping[str, Any] | None = None) -> SamplerContext:
        """What the sampler sees when it proposes for trial ``number`` (which has taken ``params`` so far)."""
        pruner = self.pruner
        if pruner is None:
            return SamplerContext(number, self.seed, self.directions, self.view.trials, params)
        # A pruner may narrow what the sampler learns from (Hyperband: one bracket's pruned trials).
        return SamplerContext(
            number, self.seed, self.directions, lambda: pruner.trials_for_sampler(number, self.view.trials()), params
        )

    def start(self, heartbeat: float | None = None, tags: Tags | None = None) -> Trial:
        """Claim a waiting trial or create a new one, with the sampler's joint values recorded.

        ``heartbeat`` is the interval at which the caller will beat for it (None: never, as for
        ``ask``; such a trial is never reaped). ``tags``, called after each read of the log, gives
        system attributes (each with an optional claim) to record on the trial in the same append;
        it may raise to start no trial.
        """
        for _ in range(10_000):
            self.sync()
            tagged = tags() if tags is not None else ()
            now = time.time() + self.clock_offset
            waiting = min(self.view.waiting) if self.view.waiting else None
            if waiting is not None:
                events = [Event("start", waiting, {"t": now, "worker": self.worker}, claim=f"start/{waiting}")]
                if heartbeat:
                    events.append(Event("attr", waiting, {"key": "hb", "value": heartbeat, "system": True}))
                events += [
                    Event("attr", waiting, {"key": k, "value": v, "system": True}, claim=c) for k, v, c in tagged
                ]
                try:
                    self.view.append(events)
                except ClaimTaken:
                    continue
                fixed = dict(self.view.record(waiting).system.get("fixed_params", {}))
                self._live[waiting] = _Live(fixed=fixed)
                return Trial(self, waiting)
            n = len(self.view)
            ctx = self.context(n)
            space = self.sampler.infer_relative_search_space(ctx)
            params = {k: space[k].cast(v) for k, v in self.sampler.sample_relative(ctx, space).items()} if space else {}
            data: dict[str, Any] = {"number": n, "state": "running", "t": now, "worker": self.worker}
            system: dict[str, Any] = {}
            if heartbeat:
                system["hb"] = heartbeat
            if params:
                # Proposed values become params only when the objective asks for them, so a
                # conditional parameter never appears in a trial that did not use it; other
                # workers still see the proposal (to avoid proposing the same point).
                system["proposed"] = params
                system.update(self.sampler.proposal_attrs(ctx, params))
            # A tag without a claim rides in the create event: one event fewer per trial.
            system.update({k: v for k, v, c in tagged if c is None})
            if system:
                data["system_attrs"] = system
            events = [Event("create", n, data, claim=f"trial/{n}")]
            # Also for no parameters: the empty assignment is a grid point of its own (an empty grid).
            claim = self.sampler.claim(ctx, params)
            if claim:
                events.append(Event("attr", n, {"key": "grid", "value": claim, "system": True}, claim=claim))
            events += [
                Event("attr", n, {"key": k, "value": v, "system": True}, claim=c) for k, v, c in tagged if c is not None
            ]
            try:
                self.view.append(events)
            except ClaimTaken:
                continue
            self._live[n] = _Live(fixed=dict(params))
            return Trial(self, n)
        raise RuntimeError("could not start a trial: other workers kept taking every slot (10,000 attempts)")

    def enqueue(self, params: Mapping[str, Any], user_attrs: Mapping[str, Any] | None = None) -> int:
        """Queue a WAITING trial with fixed parameter values; returns its number."""
        if not isinstance(params, Mapping):
            raise TypeError(f"enqueue takes a dict of parameter name -> value, got {params!r}")
        if user_attrs is not None and not isinstance(user_attrs, Mapping):
            raise TypeError(f"user_attrs must be a dict of name -> value or None, got {user_attrs!r}")
        fixed = {str(k): jsonable(f"enqueued parameter {k!r}", v) for k, v in dict(params).items()}
        attrs = {str(k): jsonable(f"user attribute {k!r}", v) for k, v in dict(user_attrs or {}).items()}
        for _ in range(1000):
            self.sync()
            n = len(self.view)
            data = {"number": n, "state": "waiting", "t": time.time(), "user_attrs": attrs,
                    "system_attrs": {"fixed_params": fixed}}  # fmt: skip
            try:
                self.view.append([Event("create", n, data, claim=f"trial/{n}")])
                return n
            except ClaimTaken:
                continue
        raise RuntimeError("could not enqueue: the trial counter kept moving (1000 attempts)")

    def add(self, trial: FrozenTrial) -> int:
        """Record a trial made elsewhere (``create_trial``, another study) as the study's next one; its number.

        Its parameters, reports, attributes and outcome go into the log in one append, so no
        other process ever sees it half-added (or running, and reaps it).
        """
        if trial.state not in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.WAITING):
            raise ValueError(f"only a finished or WAITING trial can be added, got a {trial.state.name} one")
        if trial.state is TrialState.COMPLETE:
            if trial.values is None or len(trial.values) != len(self.directions):
                raise ValueError(
                    f"the trial has {0 if trial.values is None else len(trial.values)} value(s) but study "
                    f"{self.view.info.name!r} has {len(self.directions)} objective(s)"
                )
        params = {k: jsonable(f"parameter {k!r}", v) for k, v in trial.params.items()}
        user = {k: jsonable(f"user attribute {k!r}", v) for k, v in trial.user_attrs.items()}
        system = {k: jsonable(f"system attribute {k!r}", v) for k, v in trial.system_attrs.items()}
        dists = {k: trial.distributions[k].to_json() for k in params}
        for _ in range(1000):
            self.sync()
            n = len(self.view)
            now = time.time() + self.clock_offset
            if trial.state is TrialState.WAITING:
                data = {"number": n, "state": "waiting", "t": now, "user_attrs": user,
                        "system_attrs": {**system, "fixed_params": params}}  # fmt: skip
                events = [Event("create", n, data, claim=f"trial/{n}")]
            else:
                start = trial.started_at if trial.started_at is not None else now
                data = {"number": n, "state": "running", "t": start, "params": params, "dists": dists,
                        "user_attrs": user, "system_attrs": system}  # fmt: skip
                events = [Event("create", n, data, claim=f"trial/{n}")]
                events += [Event("report", n, {"step": k, "value": v}) for k, v in trial.intermediate_values.items()]
                end = {
                    "state": trial.state.value,
                    "t": trial.finished_at if trial.finished_at is not None else now,
                    "values": list(trial.values) if trial.values is not None else None,
                    "error": trial.error,
                }
                events.append(Event("finish", n, end, claim=f"finish/{n}"))
            try:
                self.view.append(events)
                return n
            except ClaimTaken:
                continue
        raise RuntimeError("could not add the trial: the trial counter kept moving (1000 attempts)")

    # -- while it runs (the TrialOwner protocol of trial.py) --------------------------------------

    def _live_or_raise(self, number: int) -> _Live:
        live = self._live.get(number)
        if live is None:
            state = self.view.record(number).state.value if number < len(self.view) else "unknown"
            raise RuntimeError(f"trial {number} is already finished ({state}); start a new one with study.ask()")
        return live

    def suggest(self, trial: Trial, name: str, distribution: Distribution) -> Any:
        """A value for parameter ``name`` of ``trial``: its fixed (enqueued or proposed) value, or a new draw."""
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
            value = self.sampler.sample_independent(self.context(trial.number, trial.params), name, distribution)
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
                self.storage.append(self.view.info.id, events)
            else:
                self.view.append(events)
            if live is not None:
                for k in pending:
                    live.pending.pop(k, None)

    def flush_params(self, number: int) -> None:
        """Make the values suggested so far durable (the heartbeat thread calls this for long trials)."""
        self._write(number, [], from_heartbeat=True)

    def report(self, trial: Trial, value: float, step: int) -> None:
        """Record ``trial``'s intermediate ``value`` at ``step`` (once per step)."""
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
        if step in live.reported or step in self.view.record(trial.number).steps:
            warnings.warn(f"trial {trial.number} already reported step {step}; ignoring the new value", stacklevel=3)
            return
        live.reported.add(step)
        self._write(trial.number, [Event("report", trial.number, {"step": step, "value": value})])

    def should_prune(self, trial: Trial) -> bool:
        """Whether the pruner says to stop ``trial`` now."""
        if self.pruner is None:
            return False
        live = self._live.get(trial.number)
        if live is not None and live.resumed_at is not None and not live.reported:
            return False  # resumed, nothing new reported yet: its last rung was judged already
        self.sync()
        me = self.view.frozen(trial.number)
        others = [t for t in self.view.trials() if t.number != trial.number]
        if len(self.directions) != 1:
            raise NotImplementedError("pruning is for single-objective studies; this one has several objectives")
        stop = bool(self.pruner.prune(me, others, self.directions[0]))
        if stop and live is not None and self.pruner.pauses:
            live.pause_step = me.last_step
        return stop

    def will_pause(self, number: int) -> bool:
        """Whether trial ``number``, told to stop, will be paused (and may resume) rather than pruned."""
        live = self._live.get(number)
        steps = self.view.record(number).steps
        return live is not None and live.pause_step is not None and bool(steps) and live.pause_step == max(steps)

    def set_trial_attr(self, trial: Trial, key: str, value: Any) -> None:
        """Attach a JSON-serialisable user attribute to ``trial``."""
        self._live_or_raise(trial.number)
        data = {"key": key, "value": jsonable(f"user attribute {key!r}", value), "system": False}
        self._write(trial.number, [Event("attr", trial.number, data)])

    def set_study_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable user attribute to the study."""
        data = {"key": key, "value": jsonable(f"study attribute {key!r}", value), "system": False}
        self.view.append([Event("study_attr", None, data)])

    # -- checkpoints ------------------------------------------------------------------------------

    @property
    def checkpoint_root(self) -> Path:
        """The folder under which each trial's ``checkpoint_dir`` lies (recorded in the study on first use)."""
        root = self.view.system_attrs.get(CHECKPOINT_ROOT)
        if root is None:
            self.sync()
            root = self.view.system_attrs.get(CHECKPOINT_ROOT)
        if root is None:
            self.set_checkpoint_root(_default_checkpoint_root(self.storage, self.view.info))
            root = self.view.system_attrs[CHECKPOINT_ROOT]
        return Path(root)

    def set_checkpoint_root(self, root: str | os.PathLike[str]) -> None:
        """Record ``root`` as the study's checkpoint folder, unless one is recorded already (that one stands)."""
        data = {"key": CHECKPOINT_ROOT, "value": os.path.abspath(os.fspath(root)), "system": True}
        try:
            self.view.append([Event("study_attr", None, data, claim=CHECKPOINT_ROOT)])
        except ClaimTaken:
            self.sync()

    def checkpoint_dir(self, number: int) -> Path:
        """``trial-<n>`` under ``checkpoint_root``, where ``n`` is the first trial of ``number``'s retries."""
        self.sync()
        first = number
        for _ in range(len(self.view)):  # a chain of retries, never a cycle
            retry_of = self.view.record(first).system.get("retry_of")
            if retry_of is None:
                break
            first = int(retry_of)
        path = self.checkpoint_root / f"trial-{first}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- ending -----------------------------------------------------------------------------------

    def finish(
        self,
        number: int,
        state: TrialState,
        values: tuple[float, ...] | None,
        error: str | None,
        *,
        extra: Sequence[Event] = (),
    ) -> FrozenTrial:
        """Record the outcome of trial ``number`` (after ``extra`` events, in the same append).

        A complete or pruned trial of a constrained study gets its constraint values in the same
        append (the system attribute ``constraints``). When the constraints function raises, or
        returns NaN or something other than a sequence of numbers, the trial is recorded with its
        outcome and ``constraints`` set to None (it counts as infeasible), then the error is raised,
        as Optuna does.
        """
        constraint_events, constraint_error = self._constraints(number, state, values)
        extra = [*extra, *constraint_events]
        data = {
            "state": state.value,
            "values": list(values) if values is not None else None,
            "error": error,
            "t": time.time() + self.clock_offset,
        }
        try:
            self._write(number, [*extra, Event("finish", number, data, claim=f"finish/{number}")])
        except ClaimTaken:
            self.sync()
            if not self._finish_late(number, data, extra):
                self._live.pop(number, None)
                return self.view.frozen(number)  # not this worker's outcome: nothing to log
        self._live.pop(number, None)
        frozen = self.view.frozen(number)
        self.log_outcome(frozen)
        if constraint_error is not None:
            raise constraint_error
        return frozen

    def _constraints(
        self, number: int, state: TrialState, values: tuple[float, ...] | None
    ) -> tuple[list[Event], Exception | None]:
        """The event recording trial ``number``'s constraint values, and the error computing them raised."""
        func = self.constraints_func or getattr(self.sampler, "constraints_func", None)
        if func is None or state not in (TrialState.COMPLETE, TrialState.PRUNED):
            return [], None
        # The function sees the trial as it will be recorded: its outcome and every parameter it took.
        rec = self.view.frozen(number)
        live = self._live.get(number)
        with self._pending_lock:
            pending = dict(live.pending) if live is not None else {}
        trial = replace(
            rec,
            state=state,
            values=values,
            params={**rec.params, **{k: v for k, (v, _) in pending.items()}},
            distributions={**rec.distributions, **{k: d for k, (_, d) in pending.items()}},
            finished_at=time.time() + self.clock_offset,
        )
        error: Exception | None = None
        out: list[float] | None = None
        try:
            out = list(check_constraints(func(trial)))
        except Exception as e:
            error = e
        return [Event("attr", number, {"key": CONSTRAINTS, "value": out, "system": True})], error

    def log_outcome(self, frozen: FrozenTrial) -> None:
        """Log the line a recorded trial gets: INFO for complete, pruned and paused, WARNING for failed."""
        if frozen.state is TrialState.FAIL:
            if _logger.isEnabledFor(logging.WARNING):
                _logger.warning(
                    f"Trial {frozen.number} failed with parameters: {dict(frozen.params)} "
                    f"because of the following error: {frozen.error}"
                )
            return
        if not _logger.isEnabledFor(logging.INFO):
            return  # the best-so-far scan below is not free at 10,000 trials: skip it when unseen
        if frozen.state is TrialState.PRUNED:
            at = f" at step {frozen.last_step}" if frozen.last_step is not None else ""
            _logger.info(f"Trial {frozen.number} pruned{at}. Parameters: {dict(frozen.params)}.")
        elif frozen.state is TrialState.PAUSED:
            _logger.info(
                f"Trial {frozen.number} paused at step {frozen.last_step}; it may be resumed later. "
                f"Parameters: {dict(frozen.params)}."
            )
        elif frozen.state is TrialState.COMPLETE and frozen.values is not None:
            if len(frozen.values) != 1:
                _logger.info(
                    f"Trial {frozen.number} finished with values: {list(frozen.values)} "
                    f"and parameters: {dict(frozen.params)}."
                )
                return
            best = self._best_complete()
            tail = f" Best is trial {best[0]} with value: {best[1]}." if best is not None else ""
            _logger.info(
                f"Trial {frozen.number} finished with value: {frozen.values[0]} "
                f"and parameters: {dict(frozen.params)}.{tail}"
            )

    def _best_complete(self) -> tuple[int, float] | None:
        """``(number, value)`` of the best feasible complete trial of a one-objective study (earliest on ties).

        Kept up to date incrementally: a finished trial never changes, so each call looks only at
        the trials created since the last one and those that were unfinished then; a scan of every
        trial on every log line would cost a millisecond per trial at 10,000 trials.
        """
        minimize = self.directions[0] == "minimize"
        n = len(self.view)
        fresh = [*sorted(self._best_unfinished), *range(self._best_scanned, n)]
        self._best_unfinished = set()
        self._best_scanned = n
        best = self._best
        for i in fresh:
            rec = self.view.record(i)
            if not rec.state.is_finished:
                self._best_unfinished.add(i)
            elif rec.state is TrialState.COMPLETE and rec.values and violation(rec.system.get(CONSTRAINTS, ())) <= 0:
                v = rec.values[0]
                if best is None or (v < best[1] if minimize else v > best[1]) or (v == best[1] and i < best[0]):
                    best = (i, v)
        self._best = best
        return best

    def _finish_late(self, number: int, data: dict[str, Any], extra: Sequence[Event]) -> bool:
        """Record the outcome of a trial that a reaper finished while this process still ran it; True if done.

        The reaper took this worker for dead and wrote FAIL; the worker's own outcome is the truth,
        so it is appended as a ``late`` finish, which every reader applies over the reaper's
        (``StudyView``). The ``result/<n>`` claim lets one late outcome in, ever. A retry the
        reaper queued is moot now: while it still waits it is finished as FAIL in the same append
        (its ``start`` claim, so no worker can start it in between), and no evaluation is spent on
        it; one that a worker started already runs on, one more trial with the same parameters.
        Only a trial finished by a reaper is overwritten: one that a user's ``tell`` or another
        worker finished keeps that outcome.
        """
        for _ in range(100):
            rec = self.view.record(number)
            if not (rec.reaped and rec.worker == self.worker):
                break
            late = {**data, "late": True, "reaped_as": rec.error}
            events = [*extra, Event("finish", number, late, claim=f"result/{number}")]
            queued = sorted(self.view.waiting)
            retry = next((m for m in queued if self.view.record(m).system.get("retry_of") == number), None)
            if retry is not None:
                why = f"not run: trial {number}, which it would have retried, finished after all"
                cancel = {"state": TrialState.FAIL.value, "values": None, "error": why, "t": data["t"]}
                # ``not_run`` tells a run's budget (``RunTracker``) that the late trial counts again.
                events += [
                    Event("attr", retry, {"key": "not_run", "value": True, "system": True}),
                    Event("finish", retry, cancel, claim=f"start/{retry}"),
                ]
            try:
                self._write(number, events)
            except ClaimTaken:  # another late outcome got in, or a worker started the retry: look again
                self.sync()
                continue
            if retry is not None:
                self.log_outcome(self.view.frozen(retry))
            return True
        rec = self.view.record(number)
        warnings.warn(
            f"trial {number} had already been finished by another worker ({rec.state.value}: {rec.error}); "
            "this result was not recorded",
            stacklevel=3,
        )
        return False

    def tell(
        self,
        number: int,
        values: float | Sequence[float] | None = None,
        state: TrialState | str | None = None,
        *,
        error: str | None = None,
    ) -> FrozenTrial:
        """Record the outcome a user gives for trial ``number`` (``Study.tell``), after checking it."""
        self.sync()
        if not 0 <= number < len(self.view):
            raise ValueError(f"study {self.view.info.name!r} has no trial {number}")
        if self.view.record(number).state.is_finished:
            raise ValueError(f"trial {number} is already finished ({self.view.record(number).state.value})")
        if self.view.record(number).state is TrialState.WAITING:
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
            out, problem = self.check_values(values)
            if problem:
                warnings.warn(f"trial {number} recorded as FAIL: {problem}", stacklevel=3)
                st, error = TrialState.FAIL, problem
        self._live.setdefault(number, _Live())
        return self.finish(number, st, out, error)

    def stop_early(self, number: int) -> FrozenTrial:
        """Record trial ``number``, which raised ``TrialPruned``, as PAUSED or PRUNED.

        PAUSED only when a pausing pruner said to stop at the trial's latest step; a ``TrialPruned``
        the objective raised for reasons of its own still prunes.
        """
        if not self.will_pause(number):
            return self.finish(number, TrialState.PRUNED, None, None)
        data = {"step": max(self.view.record(number).steps), "t": time.time() + self.clock_offset}
        self._write(number, [Event("pause", number, data)])
        self._live.pop(number, None)
        frozen = self.view.frozen(number)
        self.log_outcome(frozen)
        return frozen

    def resume_paused(self, heartbeat: float | None, *, final: bool) -> Trial | None:
        """Resume the first PAUSED trial the pruner promotes, or return None when there is none.

        The ``resume/<n>/<k>`` claim (``k``: how many times it paused) lets one worker alone take it.
        The trial keeps its number, parameters and reports; the objective sees the values it asked
        for before and can reload its state from ``trial.checkpoint_dir``. ``final``: no new trial
        will start, so the pruner may promote what it would otherwise keep waiting.
        """
        pruner = self.pruner
        if pruner is None or not pruner.pauses or len(self.directions) != 1:
            return None
        for _ in range(1000):
            self.sync()
            if not self.view.paused:
                return None
            order = pruner.promotable(self.view.trials(), self.directions[0], final=final)
            if not order:
                return None
            number = order[0]
            rec = self.view.record(number)
            k = len(rec.system.get("paused_at", []))
            data: dict[str, Any] = {"t": time.time() + self.clock_offset, "worker": self.worker}
            if heartbeat:
                data["hb"] = heartbeat
            try:
                self.view.append([Event("resume", number, data, claim=f"resume/{number}/{k}")])
            except ClaimTaken:
                continue
            rec = self.view.record(number)
            fixed = {**rec.system.get("proposed", {}), **rec.system.get("fixed_params", {})}
            self._live[number] = _Live(fixed={k: v for k, v in fixed.items() if k not in rec.params},
                                       resumed_at=max(rec.steps) if rec.steps else None)  # fmt: skip
            return Trial(self, number, params=rec.params, distributions=rec.dists)
        raise RuntimeError("could not resume a paused trial: other workers kept taking them (1000 attempts)")

    def reap(self, ended: Mapping[int, str] | None = None) -> list[int]:
        """Mark FAIL the RUNNING trials whose worker is dead; returns their numbers.

        A trial started with ``retry_failed`` left is enqueued again with the same parameters in
        the same append (``retry_of`` names the dead one), so the retry is neither lost nor doubled
        when several workers notice at once. A trial holding a sampler's claim (a grid point) is
        left to that sampler's own retry policy.

        ``ended`` maps the pids of worker processes of this host that this process stopped itself
        (Ctrl-C, a signal) to the reason: their trials fail with that reason and are not retried,
        as each worker records when it has the time to (a loaded machine may not give it that).
        """
        self.sync()
        reaped = []
        t = self.storage.now()
        for number, reason in dead_trials(self.view, self._live, t):
            for _ in range(1000):
                rec = self.view.record(number)
                if rec.state.is_finished:
                    break
                pid = local_pid(rec.worker or "") if ended else None
                stopped = ended.get(pid) if ended and pid is not None else None
                error = stopped or f"reaped: {reason}"
                events = []
                attempt = int(rec.system.get("attempt", 0))
                if stopped is None and attempt < int(rec.system.get("retry", 0)) and not rec.system.get("grid"):
                    m = len(self.view)
                    fixed = {**rec.system.get("proposed", {}), **rec.system.get("fixed_params", {}), **rec.params}
                    system = {"fixed_params": fixed, "retry_of": number, "attempt": attempt + 1}
                    retry = {"number": m, "state": "waiting", "t": t, "user_attrs": {}, "system_attrs": system}
                    events.append(Event("create", m, retry, claim=f"trial/{m}"))
                    error += f"; re-queued as trial {m}"
                # ``reaped``: the worker may be alive after all; its own outcome may replace this one.
                data = {"state": TrialState.FAIL.value, "values": None, "error": error, "t": t, "reaped": True}
                events.insert(0, Event("finish", number, data, claim=f"finish/{number}"))
                try:
                    self.view.append(events)
                    reaped.append(number)
                    self.log_outcome(self.view.frozen(number))
                    break
                except ClaimTaken:  # another worker reaped it, or took the retry's number: look again
                    self.sync()
        return reaped
