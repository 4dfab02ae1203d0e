"""CMA-ES on the numeric parameters, built on the ``cmaes`` package, with its state replayed from the trials.

Samplers keep no state between calls and cannot write to storage, so the CMA-ES state is rebuilt
from the history every time: a pure function of (seed, the trials' proposals, states and values).
An in-process cache makes that cost what changed since the last call, and changes nothing else.

Notation (one joint search space, fixed while the replay runs):

========  ============================================================================
d         the number of numeric parameters sampled jointly (the "joint space")
x         a point of ``[0, 1]^d``: each parameter's unit encoding (log space for ``log=True``)
λ         the population size of the current run (``popsize``); doubles at an IPOP restart
g         the generation index, counted across restarts: ``g`` keys every draw
core(g)   the first λ trials drawn from generation ``g``: the ones ``tell`` receives
========  ============================================================================

The replay, as implemented (``_Replay``):

1. *Draws.* Trial ``n`` drawn from generation ``g`` is the optimiser's ``ask()`` with its random
   state re-seeded from ``(seed, n, g)`` alone, so the same draw can be made again later.
2. *Membership.* The draw's values are what the trial records as its proposal
   (``system_attrs["proposed"]``). Walking the trials in number order, trial ``n`` belongs to the
   earliest generation, from the previous member's generation up to the newest one, whose redrawn
   point decodes to the recorded proposal; the redraw also gives back the raw point that ``tell``
   needs (for integers, CMA-ES with margin tells the continuous value, not the rounded one). Trials
   without a matching proposal (random start-up trials, enqueued ones, another sampler's) are skipped.
3. *Generations.* A generation's core is its first λ members; later members are *extras*: trials
   drawn while the core was still running (more workers than λ, or ``study.ask()`` batches).
   Extras are evaluated but not told. Once every core member is finished, the generation is told
   and the next one starts: FAIL and PRUNED members get the worst value of the complete ones, and
   rank after them, so a generation always completes.
4. *Restarts.* After a ``tell``, the run restarts when ``cmaes`` says it should stop, or when the
   generation's points spanned less than ``tol_x`` in every coordinate of the unit cube (a finer
   search is pointless for hyperparameters). IPOP doubles λ; BIPOP alternates that with short runs
   of a smaller, random λ and σ (Hansen 2009). The new mean is uniform in the cube, drawn from
   ``(seed, restart number)``.
5. *Proposal.* Trial ``N`` is drawn from the newest generation.

Why the assignment never changes once made: the proposal of trial ``n`` was computed from a history
in which every trial now finished was finished or still running; trials only move from running to
finished, so the newest generation at that time is still a candidate later, and every generation
before it is rebuilt from the same finished core members. Scanning from the earliest candidate
finds the same generation every time (in an all-integer space a redraw from an earlier generation
may coincide; the trial then counts as that generation's extra, for every later replay alike).

A core member that never finishes (a worker that died without being reaped) holds its generation
open: later trials are extras drawn from the same distribution until it is finished or reaped.

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.samplers import CmaEsSampler
    >>> study = hs.create_study(sampler=CmaEsSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2 + t.suggest_float("y", -5, 5) ** 2,
    ...                n_trials=60, show_progress_bar=False)
    >>> study.best_value < 0.5
    True
"""

from __future__ import annotations

import bisect
import copy
import math
import operator
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import check_constraints_func
from .._multi_objective import infeasible_last
from ..space import Distribution, Float, Int
from ..trial import FrozenTrial, TrialState, constraint_violation
from ._base import BaseSampler, SamplerContext
from ._encoding import SpaceEncoding
from .random import RandomSampler

__all__ = ["CmaEsSampler"]

_RESTART_KEY = 0x434D4145  # "CMAE": keeps restart draws apart from any trial number's draws
_UNIT_TOL = 1e-9  # a recorded float may differ from a redraw by round-off of the unit encoding
_MAX_CACHED = 8
_LOCK = threading.Lock()  # guards shared random states (see _copy_optimizer) and cache evictions
_START_KEY = "cmaes_start"  # system attribute of the first warm-started proposal in a joint space
_STUCK_EXTRAS = 10  # extras per member of λ before a still-running core member is reported
_RANDOM = RandomSampler()  # stateless: its draws depend on the context alone


class CmaEsSampler(BaseSampler):
    """CMA-ES for continuous and integer parameters, with IPOP/BIPOP restarts.

    The numeric parameters that every complete trial shares (``Float`` and ``Int``) are sampled
    jointly by CMA-ES in the unit cube; integers and stepped floats use CMA-ES with margin, which
    keeps neighbouring values in play. Categorical, ``OrNone`` and conditional parameters, and every
    parameter until ``n_startup_trials`` trials have completed, come from ``independent_sampler``
    (``RandomSampler`` by default). The module docstring describes how the state is rebuilt from
    the trials, so that parallel and resumed runs agree.

    Best for continuous spaces and budgets of a few hundred trials or more; with a few dozen
    evaluations ``GPSampler`` is the better choice.

    Args:
        seed: Seed of every draw (with the trial number); ``None`` uses the study's seed.
        n_startup_trials: Complete trials to collect by ``independent_sampler`` before CMA-ES
            starts (at least 1: the first complete trial defines the joint space).
        sigma0: Initial step size in the unit cube; ``None`` gives 1/6, so that ±3σ spans each range.
        popsize: Population size λ of the first run; ``None`` gives ``4 + ⌊3 ln d⌋``.
        restart_strategy: ``"ipop"`` (restart with λ multiplied by ``inc_popsize``), ``"bipop"``
            (alternate that with cheap runs of a smaller λ and σ) or ``None`` (one run, no restart).
        inc_popsize: Factor by which λ grows at each IPOP (or BIPOP large-regime) restart.
        tol_x: A run has converged, and restarts, once a generation spans less than this in every
            coordinate of the unit cube (also when ``cmaes``' own stopping rules fire).
        with_margin: Sample integers and stepped floats with CMA-ES with margin (``CMAwM``);
            ``False`` treats them as continuous and rounds. Log-scale integers are always continuous.
        independent_sampler: Samples what CMA-ES does not; ``None`` gives ``RandomSampler()``.
        warm_start: Start the first run from the complete trials made before it (by another
            sampler, or an earlier session): its mean, step size and covariance are those of
            WS-CMA-ES (Nomura et al. 2021) over the best 10% of them, at least the best one. The
            first proposal records which trials these were (``system_attrs["cmaes_start"]``), so
            every later replay starts the same way. ``False`` starts at the centre of the space.
        constraints_func: ``f(frozen_trial) -> sequence of floats``, computed when each trial
            finishes; a trial is feasible when all are <= 0. Each generation ranks its infeasible
            members after its feasible ones, by total violation (also with ``create_study``'s
            ``constraints_func``).

    Raises:
        ValueError: On an invalid argument; on a study with more than one objective, when sampling.

    Example:
        >>> from hyperscout.samplers import CmaEsSampler
        >>> sampler = CmaEsSampler(seed=0, restart_strategy="bipop")
        >>> sampler.popsize is None and sampler.sigma0 is None
        True
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        n_startup_trials: int = 1,
        sigma0: float | None = None,
        popsize: int | None = None,
        restart_strategy: str | None = "ipop",
        inc_popsize: int = 2,
        tol_x: float = 1e-3,
        with_margin: bool = True,
        independent_sampler: BaseSampler | None = None,
        warm_start: bool = False,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
        super().__init__(seed=seed)
        if not _is_int(n_startup_trials) or n_startup_trials < 1:
            raise ValueError(f"n_startup_trials must be an int >= 1, got {n_startup_trials!r}")
        if sigma0 is not None and (not _is_real(sigma0) or not 0 < sigma0 <= 1):
            raise ValueError(f"sigma0 must be in (0, 1] (a step size in the unit cube) or None, got {sigma0!r}")
        # λ < 4 leaves CMA-ES' rank-μ learning rate at zero (a division by zero in cmaes).
        if popsize is not None and (not _is_int(popsize) or popsize < 4):
            raise ValueError(f"popsize must be an int >= 4 or None, got {popsize!r}")
        if restart_strategy not in ("ipop", "bipop", None):
            raise ValueError(f"restart_strategy must be 'ipop', 'bipop' or None, got {restart_strategy!r}")
        if not _is_int(inc_popsize) or inc_popsize < 2:
            raise ValueError(f"inc_popsize must be an int >= 2, got {inc_popsize!r}")
        if not _is_real(tol_x) or not 0 <= tol_x < 1:
            raise ValueError(f"tol_x must be in [0, 1), got {tol_x!r}")
        if not isinstance(with_margin, bool):
            raise ValueError(f"with_margin must be True or False, got {with_margin!r}")
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise ValueError(f"independent_sampler must be a sampler object or None, got {independent_sampler!r}")
        if not isinstance(warm_start, bool):
            raise ValueError(f"warm_start must be True or False, got {warm_start!r}")
        self.n_startup_trials = n_startup_trials
        self.sigma0 = sigma0
        self.popsize = popsize
        self.restart_strategy = restart_strategy
        self.inc_popsize = inc_popsize
        self.tol_x = tol_x
        self.with_margin = with_margin
        self.independent_sampler = independent_sampler
        self.warm_start = warm_start
        self.constraints_func = check_constraints_func(constraints_func)
        # Speed-ups only (see _replay): every entry is checked against the trials before use.
        self._replays: dict[tuple[Any, ...], _Checkpoint] = {}
        self._spaces: dict[int, _SpaceCheckpoint] = {}
        self._starts: dict[tuple[Any, ...], tuple[int, tuple[int, ...]]] = {}  # the recorded warm start per space
        self._warned: set[int] = set()

    def __repr__(self) -> str:
        return (
            f"CmaEsSampler(seed={self.seed!r}, n_startup_trials={self.n_startup_trials!r}, sigma0={self.sigma0!r}, "
            f"popsize={self.popsize!r}, restart_strategy={self.restart_strategy!r}, "
            f"inc_popsize={self.inc_popsize!r}, tol_x={self.tol_x!r}, with_margin={self.with_margin!r}, "
            f"independent_sampler={self.independent_sampler!r}, warm_start={self.warm_start!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        # A sampler sent to another process starts with empty caches: they are rebuilt on demand.
        return {**self.__dict__, "_replays": {}, "_spaces": {}, "_starts": {}}

    # -- the BaseSampler interface -----------------------------------------------------------------

    def infer_relative_search_space(self, context: SamplerContext) -> dict[str, Distribution]:
        if len(context.directions) != 1:
            raise ValueError(
                f"CmaEsSampler optimises a single objective; this study has {len(context.directions)} "
                f"directions {list(context.directions)!r}: use a multi-objective sampler"
            )
        n_complete, space = self._intersection(_before(context.trials, context.number))
        if n_complete < self.n_startup_trials:
            return {}
        return {k: d for k, d in space.items() if isinstance(d, (Float, Int)) and not d.is_single}

    def sample_relative(self, context: SamplerContext, search_space: dict[str, Distribution]) -> dict[str, Any]:
        if not search_space:
            return {}
        enc = _Encoding(search_space, self.with_margin)
        sign = -1.0 if context.directions[0] == "maximize" else 1.0
        trials = _before(context.trials, context.number)
        start = self._start(enc, trials)
        replay = self._replay(enc, context.seed, sign, trials, start)
        replay.advance()
        gen = replay.gens[-1]
        self._warn_if_stuck(gen)
        x, _ = replay.draw(gen, context.number)
        return enc.decode(x)

    def sample_independent(self, context: SamplerContext, name: str, distribution: Distribution) -> Any:
        fallback = self.independent_sampler if self.independent_sampler is not None else _RANDOM
        return fallback.sample_independent(context, name, distribution)

    def proposal_attrs(self, context: SamplerContext, params: dict[str, Any]) -> dict[str, Any]:
        # The first proposal in a joint space fixes the warm start: trials that complete later must
        # not change the first generation of a replay.
        if not self.warm_start:
            return {}
        space = self.infer_relative_search_space(context)
        if not space or set(params) != set(space):
            return {}
        enc = _Encoding(space, self.with_margin)
        trials = _before(context.trials, context.number)
        if self._recorded(enc, trials) is not None:
            return {}
        return {_START_KEY: {"space": enc.names, "source": list(self._start(enc, trials))}}

    def _recorded(self, enc: _Encoding, trials: Sequence[FrozenTrial]) -> tuple[int, tuple[int, ...]] | None:
        """(trial number, source trials) of the first warm-started proposal in ``enc``'s space, if one was made."""
        cached = self._starts.get(enc.key)
        if cached is not None and _holds_start(trials, *cached, enc):
            return cached
        found = _recorded_start(enc, trials)
        if found is not None:
            self._starts[enc.key] = found
        return found

    def _start(self, enc: _Encoding, trials: Sequence[FrozenTrial]) -> tuple[int, ...]:
        """The trials the first run starts from: as recorded, else (``warm_start``) the complete ones so far."""
        recorded = self._recorded(enc, trials)
        if recorded is not None:
            return recorded[1]
        if not self.warm_start:
            return ()
        return tuple(t.number for t in trials if t.state is TrialState.COMPLETE and enc.trial_units(t) is not None)

    def _warn_if_stuck(self, gen: _Generation) -> None:
        # A trial asked and never told holds its generation open for good; say so, once.
        if gen.extras < _STUCK_EXTRAS * gen.popsize:
            return
        waiting = [m.number for m in gen.core if not m.finished]
        if waiting and waiting[0] not in self._warned:
            self._warned.add(waiting[0])
            warnings.warn(
                f"CmaEsSampler: generation {gen.index} has waited for trial(s) {waiting} while {gen.extras} "
                "later trials were drawn from it; if a trial was abandoned, tell() it (state='fail') so "
                "CMA-ES can move on",
                stacklevel=4,
            )

    # -- replay with a checkpoint cache ------------------------------------------------------------

    def _replay(
        self, enc: _Encoding, seed: int, sign: float, trials: Sequence[FrozenTrial], start: tuple[int, ...] = ()
    ) -> _Replay:
        """The replay state after every trial in ``trials`` (sorted by number).

        The checkpoint is the state after the longest prefix of *settled* trials: finished ones and
        those with no proposal in this space. Nothing later can change what a settled trial
        contributed, so resuming from the checkpoint gives exactly what a full replay gives.
        """
        key = (seed, sign, enc.key, self._settings(), start)
        cp = self._replays.get(key)
        if cp is not None and _same_prefix(cp.trials, trials, _replay_signature):
            replay, first = cp.replay.clone(), len(cp.trials)
        else:
            replay, first = _Replay(self, enc, seed, _warm_start(enc, sign, trials, start)), 0
        settled = first
        for i in range(first, len(trials)):
            t = trials[i]
            entry = enc.entry(t, sign)
            if settled == i:
                if entry is None or entry.finished:
                    settled += 1
                elif i > first:
                    self._store(self._replays, key, _Checkpoint(tuple(trials[:i]), replay.clone()))
            if entry is not None:
                replay.step(entry)
        if settled == len(trials) and settled > first:
            self._store(self._replays, key, _Checkpoint(tuple(trials), replay.clone()))
        return replay

    def _intersection(self, trials: Sequence[FrozenTrial]) -> tuple[int, dict[str, Distribution]]:
        """(number of complete trials, their intersection space), resumed from the finished prefix."""
        cp = self._spaces.get(0)
        if cp is not None and _same_prefix(cp.trials, trials, _space_signature):
            n, space, start = cp.n_complete, cp.space, len(cp.trials)
        else:
            n, space, start = 0, None, 0
        settled = start
        for i in range(start, len(trials)):
            t = trials[i]
            if settled == i:
                if t.state.is_finished:
                    settled += 1
                elif i > start:
                    self._spaces[0] = _SpaceCheckpoint(tuple(trials[:i]), n, space)
            if t.state is TrialState.COMPLETE:
                n += 1
                dists = t.distributions
                space = dict(dists) if space is None else {k: d for k, d in space.items() if dists.get(k) == d}
        if settled == len(trials) and settled > start:
            self._spaces[0] = _SpaceCheckpoint(tuple(trials), n, space)
        return n, dict(sorted((space or {}).items()))

    def _settings(self) -> tuple[Any, ...]:
        return (self.sigma0, self.popsize, self.restart_strategy, self.inc_popsize, self.tol_x, self.with_margin)

    @staticmethod
    def _store(cache: dict[Any, Any], key: Any, value: Any) -> None:
        with _LOCK:
            cache.pop(key, None)
            if len(cache) >= _MAX_CACHED:
                cache.pop(next(iter(cache)))
            cache[key] = value


# -------------------------------------------------------------------------------------------------
# the joint space as arrays


@dataclass(frozen=True)
class _Entry:
    """What the replay reads from one trial that holds a proposal in the joint space."""

    number: int
    proposal: tuple[Any, ...]  # the recorded values, in the space's order
    units: np.ndarray  # their unit encodings, shape (d,)
    finished: bool
    value: float | None  # sign × objective (smaller is better); None when failed, pruned or running
    penalty: float = 0.0  # total constraint violation: 0 when feasible or unconstrained


class _Encoding(SpaceEncoding):
    """The shared encoding (``_encoding.py``) of the joint space, plus the dimensions CMA-ES with margin discretises."""

    def __init__(self, space: dict[str, Distribution], with_margin: bool) -> None:
        super().__init__(space)
        self.key = tuple((k, repr(d)) for k, d in space.items())
        # Equal cells of [0, 1]: the grids of Int and stepped Float. Log-scale integers have
        # unequal cells, which CMAwM cannot express: they stay continuous and are rounded.
        self.sizes = (self.equal_cells() if with_margin else np.zeros(self.d)).astype(float)
        self.discrete = self.sizes > 0
        half = np.where(self.discrete, 0.5 / np.maximum(self.sizes, 1), 0.0)
        self.bounds = np.column_stack([half, 1.0 - half])
        self.steps = np.where(self.discrete, 1.0 / np.maximum(self.sizes, 1), 0.0)

    @property
    def dim(self) -> int:
        return self.d

    def entry(self, t: FrozenTrial, sign: float) -> _Entry | None:
        prop = t.system_attrs.get("proposed")
        if not isinstance(prop, dict) or len(prop) != len(self.names):
            return None
        try:
            values = tuple(prop[k] for k in self.names)
        except KeyError:
            return None
        if not all(_is_real(v) for v in values):  # e.g. a categorical of the same name, earlier
            return None
        units = self.units(values)
        if t.state is TrialState.COMPLETE and t.values:
            value: float | None = sign * float(t.values[0])
        else:
            value = None
        return _Entry(t.number, values, units, t.state.is_finished, value, constraint_violation(t))

    def trial_units(self, t: FrozenTrial) -> np.ndarray | None:
        """The unit encoding of the values ``t`` took in the joint space, or None unless it has them all."""
        try:
            values = [t.params[k] for k in self.names]
        except KeyError:
            return None
        if not all(_is_real(v) for v in values):
            return None
        return self.units(values)

    def matches(self, x: np.ndarray, entry: _Entry) -> bool:
        """Whether the draw ``x`` is the recorded proposal.

        A coordinate matches when it is within round-off of the recorded value's unit encoding
        (floats, and grid points drawn with margin), or else decodes to exactly the recorded value
        (integers drawn as continuous values, and floats whose range is too narrow for the unit
        encoding to round-trip).
        """
        for j in np.flatnonzero(np.abs(x - entry.units) > _UNIT_TOL):
            if self.value(int(j), x[j]) != entry.proposal[j]:
                return False
        return True


# -------------------------------------------------------------------------------------------------
# the warm start


def _recorded_start(enc: _Encoding, trials: Sequence[FrozenTrial]) -> tuple[int, tuple[int, ...]] | None:
    """(trial number, source trials) of the first warm-started proposal in ``enc``'s space, if one was made."""
    for t in trials:
        source = _start_record(t, enc)
        if source is not None:
            return t.number, source
    return None


def _start_record(t: FrozenTrial, enc: _Encoding) -> tuple[int, ...] | None:
    rec = t.system_attrs.get(_START_KEY)
    if isinstance(rec, dict) and rec.get("space") == enc.names:
        return tuple(int(n) for n in rec.get("source", ()))
    return None


def _holds_start(trials: Sequence[FrozenTrial], number: int, source: tuple[int, ...], enc: _Encoding) -> bool:
    """Whether trial ``number`` is among ``trials`` with that record (records are written once, at creation)."""
    k = bisect.bisect_left(trials, number, key=lambda t: t.number)
    return k < len(trials) and trials[k].number == number and _start_record(trials[k], enc) == source


def _warm_start(
    enc: _Encoding, sign: float, trials: Sequence[FrozenTrial], source: tuple[int, ...]
) -> tuple[np.ndarray, float, np.ndarray] | None:
    """(mean, σ, C) of the first run, from the complete trials numbered ``source``; None for a cold start.

    WS-CMA-ES (Nomura et al. 2021, ``cmaes.get_warm_start_mgd``): the Gaussian fitted to the best
    γ of the source points, with a prior α²·I (α = 0.1) on the covariance. γ is 10%, or the best one
    trial when there are fewer than ten.
    """
    wanted = set(source)
    solutions = []
    for t in trials:
        if t.number in wanted and t.state is TrialState.COMPLETE and t.values:
            x = enc.trial_units(t)
            if x is not None and math.isfinite(t.values[0]):
                solutions.append((x, sign * float(t.values[0])))
    if not solutions:
        return None
    import cmaes

    with np.errstate(divide="ignore", invalid="ignore"):  # det(Σ) underflows to 0 in a high dimension
        mean, sigma, cov = cmaes.get_warm_start_mgd(solutions, gamma=max(0.1, 1.0 / len(solutions)), alpha=0.1)
    if not (math.isfinite(sigma) and sigma > 0 and np.all(np.isfinite(cov))):
        return None
    return np.clip(mean, enc.bounds[:, 0], enc.bounds[:, 1]), float(min(sigma, 1.0)), cov


# -------------------------------------------------------------------------------------------------
# the replay


@dataclass
class _Member:
    number: int
    x: np.ndarray  # the raw point that tell() receives
    value: float | None
    finished: bool
    penalty: float = 0.0


@dataclass
class _Generation:
    index: int  # g, counted across restarts
    optimizer: Any  # cmaes.CMA or cmaes.CMAwM, before this generation's tell
    popsize: int
    core: list[_Member] = field(default_factory=list)
    extras: int = 0


class _Replay:
    """The CMA-ES state after a prefix of the trials (see the module docstring)."""

    def __init__(
        self, sampler: CmaEsSampler, enc: _Encoding, seed: int, warm: tuple[np.ndarray, float, np.ndarray] | None
    ) -> None:
        self.restart_strategy = sampler.restart_strategy
        self.inc_popsize = sampler.inc_popsize
        self.tol_x = sampler.tol_x
        self.enc = enc
        self.seed = seed
        self.sigma0 = sampler.sigma0 if sampler.sigma0 is not None else 1.0 / 6.0
        self.popsize0 = sampler.popsize if sampler.popsize is not None else 4 + math.floor(3 * math.log(enc.dim))
        self.restarts = 0
        self.large_restarts = 0
        self.regime = "large"  # BIPOP: the first run counts as a large-population run (Hansen 2009)
        self.evals = {"large": 0, "small": 0}
        self.run_evals = 0
        if warm is None:
            optimizer = self._new_optimizer(np.full(enc.dim, 0.5), self.sigma0, popsize=self.popsize0)
        else:
            optimizer = self._new_optimizer(*warm, popsize=self.popsize0)
        # gens[0] is the generation of the last member seen; earlier ones can no longer gain members.
        self.gens = [_Generation(0, optimizer, self.popsize0)]

    def clone(self) -> _Replay:
        """A copy to continue from, leaving this one (a cached checkpoint) untouched."""
        out = copy.copy(self)
        out.evals = dict(self.evals)
        # Members are never mutated: the lists are copied, not the members.
        out.gens = [
            _Generation(g.index, _copy_optimizer(g.optimizer), g.popsize, list(g.core), g.extras) for g in self.gens
        ]
        return out

    def draw(self, gen: _Generation, number: int) -> tuple[np.ndarray, np.ndarray]:
        """Trial ``number``'s draw from ``gen``: (point to evaluate, point to tell)."""
        # A keyed hash of (seed, trial number, generation): the same draw in any replay.
        seed = int(SamplerContext(number, self.seed, (), ()).uniform("cmaes", gen.index) * 2**32)
        with _LOCK:  # copies of an optimiser share its random state
            gen.optimizer.reseed_rng(seed)
            out = gen.optimizer.ask()
        return out if isinstance(out, tuple) else (out, out)

    def step(self, entry: _Entry) -> None:
        """Assign one trial to the earliest generation whose redraw matches its proposal."""
        self.advance()
        for i, gen in enumerate(self.gens):
            x, x_tell = self.draw(gen, entry.number)
            if self.enc.matches(x, entry):
                del self.gens[:i]
                if len(gen.core) < gen.popsize:
                    gen.core.append(_Member(entry.number, x_tell, entry.value, entry.finished, entry.penalty))
                else:
                    gen.extras += 1
                return

    def advance(self) -> None:
        """Tell every generation whose core is complete and finished; restart where due."""
        while True:
            gen = self.gens[-1]
            if len(gen.core) < gen.popsize or not all(m.finished for m in gen.core):
                return
            told = [m for m in gen.core if m.value is not None]
            # Infeasible members rank after every feasible one, by violation (a constrained study).
            costs = infeasible_last([m.value for m in told], [m.penalty for m in told]).tolist()
            worst = max(costs, default=0.0)
            # Failed and pruned members tie with the worst complete one and rank after it (stable sort).
            solutions = [(m.x, c) for m, c in zip(told, costs, strict=True)]
            solutions += [(m.x, worst) for m in gen.core if m.value is None]
            optimizer = _copy_optimizer(gen.optimizer)
            optimizer.tell(solutions)
            self.run_evals += gen.popsize
            popsize = gen.popsize
            if self.restart_strategy is not None and self._converged(optimizer, gen):
                optimizer, popsize = self._restart(gen.popsize)
            else:
                _settle(optimizer)
            self.gens.append(_Generation(gen.index + 1, optimizer, popsize))

    def _converged(self, optimizer: Any, gen: _Generation) -> bool:
        if optimizer.should_stop():
            return True
        xs = np.array([m.x for m in gen.core])
        return bool(np.all(xs.max(axis=0) - xs.min(axis=0) < self.tol_x))

    def _restart(self, popsize: int) -> tuple[Any, int]:
        self.restarts += 1
        rng = np.random.default_rng([self.seed, _RESTART_KEY, self.restarts])
        mean = np.clip(rng.random(self.enc.dim), self.enc.bounds[:, 0], self.enc.bounds[:, 1])
        sigma = self.sigma0
        if self.restart_strategy == "ipop":
            popsize *= self.inc_popsize
        else:
            # BIPOP (Hansen 2009): spend as many evaluations on short runs with a small, random λ and
            # σ as on the large runs, whose λ doubles each time.
            self.evals[self.regime] += self.run_evals
            if self.evals["small"] < self.evals["large"]:
                self.regime = "small"
                u, v = rng.random(2)
                popsize = math.floor(self.popsize0 * (self.inc_popsize**self.large_restarts) ** (u * u))
                sigma = self.sigma0 * 10 ** (-2 * v)
            else:
                self.regime = "large"
                self.large_restarts += 1
                popsize = self.popsize0 * self.inc_popsize**self.large_restarts
        self.run_evals = 0
        return self._new_optimizer(mean, sigma, popsize=popsize), popsize

    def _new_optimizer(self, mean: np.ndarray, sigma: float, cov: np.ndarray | None = None, *, popsize: int) -> Any:
        try:
            import cmaes
        except ImportError as e:  # pragma: no cover - cmaes is a core dependency
            raise ImportError("CmaEsSampler needs the cmaes package: pip install cmaes") from e

        enc = self.enc
        if enc.discrete.any():
            optimizer = cmaes.CMAwM(
                mean=mean, sigma=sigma, bounds=enc.bounds, steps=enc.steps, seed=0, population_size=popsize, cov=cov
            )
        else:
            optimizer = cmaes.CMA(mean=mean, sigma=sigma, bounds=enc.bounds, seed=0, population_size=popsize, cov=cov)
        _settle(optimizer)
        return optimizer


def _settle(optimizer: Any) -> None:
    """Compute the eigendecomposition of a fresh or just-told optimiser now, in every replay path.

    ``cmaes`` rebuilds C from it on first use, which changes C's last bits; doing it at one fixed
    point keeps a replay resumed from a cached copy bit for bit equal to an uncached one.
    """
    optimizer.should_stop()


def _copy_optimizer(optimizer: Any) -> Any:
    """An exact copy of a ``cmaes`` optimiser.

    ``copy.deepcopy`` goes through cmaes' pickling hooks, which keep only C's upper triangle
    (changing its last bits) and build a new random state (slow: ~0.2 ms each). Here arrays are
    copied and the random state is shared: every draw re-seeds it under ``_LOCK``.
    """
    out = object.__new__(type(optimizer))
    for name, value in vars(optimizer).items():
        if isinstance(value, np.ndarray):
            value = value.copy()
        elif type(value).__module__.startswith("cmaes"):
            value = _copy_optimizer(value)  # CMAwM wraps a CMA
        out.__dict__[name] = value
    return out


# -------------------------------------------------------------------------------------------------
# cache bookkeeping


@dataclass(frozen=True)
class _Checkpoint:
    trials: tuple[FrozenTrial, ...]  # the settled prefix the replay has consumed
    replay: _Replay


@dataclass(frozen=True)
class _SpaceCheckpoint:
    trials: tuple[FrozenTrial, ...]  # a prefix of finished trials
    n_complete: int
    space: dict[str, Distribution] | None


def _replay_signature(t: FrozenTrial) -> tuple[Any, ...]:
    prop = t.system_attrs.get("proposed")
    return (t.number, prop, t.state, t.values) if prop else (t.number, None)


def _space_signature(t: FrozenTrial) -> tuple[Any, ...]:
    return (t.number, t.state, dict(t.distributions))


def _same_prefix(cached: tuple[FrozenTrial, ...], trials: Sequence[FrozenTrial], signature: Any) -> bool:
    if len(cached) > len(trials):
        return False
    # The study hands out the same record objects until a trial changes: identity is the fast path.
    if all(map(operator.is_, cached, trials)):
        return True
    return all(a is b or signature(a) == signature(b) for a, b in zip(cached, trials, strict=False))


def _before(trials: Sequence[FrozenTrial], number: int) -> Sequence[FrozenTrial]:
    """The trials numbered below ``number`` (``trials`` is sorted by number)."""
    k = bisect.bisect_left(trials, number, key=lambda t: t.number)
    return trials if k == len(trials) else trials[:k]


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_real(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
