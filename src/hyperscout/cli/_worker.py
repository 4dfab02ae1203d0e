"""``hyperscout worker``: join an existing study from any machine that reaches its storage.

Example:
    >>> import argparse
    >>> sub = argparse.ArgumentParser(prog="hyperscout").add_subparsers()
    >>> add_parser(sub)
    >>> args = sub.choices["worker"].parse_args(["demo", "--storage", "sqlite:///x.db", "--function", "m:f"])
    >>> args.study, args.n_jobs, args.retry_failed
    ('demo', 1, 0)
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import hyperscout as hs

from .._execution import Terminated
from . import _command
from ._common import CLIError, add_storage_option, open_study
from ._inspect import best_lines
from ._run import int_at_least, load_function, positive_int, sampler_named, seconds
from ._space import SPACE_HELP, load_space

DESCRIPTION = """\
Run trials of an existing study (made by `hyperscout run` or hs.create_study) until --n-trials
ran, --timeout passed, the sampler has nothing left (a grid), or Ctrl-C. Start one on every
machine that reaches the storage (a PostgreSQL or MySQL URL, or a SQLite or journal file on a
shared disk): trials are numbered and handed out through the storage, each machine's sampler
sees the others' running trials, and the trial of a worker that dies (kill -9, a lost machine)
is marked FAIL once its heartbeat is a minute old (at once on the same machine), and run again
with --retry-failed.

The objective is --function MODULE:FUNCTION (importable on this machine), or a command line
after -- with --space, as for `hyperscout run`.
"""

EPILOG = (
    SPACE_HELP
    + """
examples:
  hyperscout worker mlp --storage postgresql://hs@db-host/hs --function train:objective --n-jobs 8
  hyperscout worker quad --storage sqlite:///shared/hs.db --n-trials 100 --isolate --trial-timeout 600 \\
      --function objectives:quadratic
"""
)


def add_parser(sub: Any) -> None:
    """Register ``worker`` on the ``add_subparsers`` object ``sub``."""
    p = sub.add_parser(
        "worker",
        help="run trials of an existing study (one per machine, or --n-jobs per machine)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s STUDY [--storage URL] [options] (--function MODULE:FUNCTION | -- COMMAND [ARG ...])",
    )
    p.add_argument("study", metavar="STUDY", help="name of the study to join (it must exist)")
    add_storage_option(p)
    p.add_argument("--function", metavar="MODULE:FUNCTION", help="tune FUNCTION(trial) -> float from MODULE")
    p.add_argument("--space", metavar="JSON|@FILE", help="search space (needed with a command; format below)")
    p.add_argument("--n-trials", type=positive_int, metavar="N", help="trials this worker runs (default: no limit)")
    p.add_argument("--timeout", type=seconds, metavar="SECONDS", help="start no new trial after this long")
    p.add_argument("--n-jobs", type=_n_jobs, default=1, metavar="K", help="worker processes here (-1: one per CPU)")
    p.add_argument("--isolate", action="store_true", help="run each trial in a process of its own")
    p.add_argument(
        "--trial-timeout", type=seconds, metavar="SECONDS", help="kill a trial running longer than this (FAIL)"
    )
    p.add_argument("--trial-memory-limit", metavar="SIZE", help="address space a --function trial may use, e.g. 4GB")
    p.add_argument(
        "--retry-failed", type=int_at_least(0), default=0, metavar="N", help="re-run a dead worker's trial N times"
    )
    p.add_argument("--sampler", default="auto", metavar="NAME", help="auto (default), random, qmc, grid, tpe, gp, ...")
    p.add_argument("--seed", type=int_at_least(0), metavar="N", help="seed (default: the study's)")
    p.add_argument(
        "--metric", default="value", metavar="KEY", help='JSON key of a command\'s objective (default "value")'
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only the result")
    p.set_defaults(handler=cmd_worker)


def _n_jobs(text: str) -> int:
    n = int_at_least(-1)(text)
    if n == 0:
        raise argparse.ArgumentTypeError("must be at least 1, or -1 for one per CPU, got 0")
    return n


class _FunctionWithSpace:
    """``fn(trial)`` after suggesting ``space``; a class, not a closure, so that it pickles for --n-jobs."""

    def __init__(self, fn: Callable[[hs.Trial], Any], space: Mapping[str, hs.Distribution]) -> None:
        self.fn = fn
        self.space = dict(space)

    def __call__(self, trial: hs.Trial) -> Any:
        for name, dist in self.space.items():
            trial.suggest(name, dist)
        return self.fn(trial)


class _Command:
    """The objective of a command line (picklable, for --n-jobs)."""

    def __init__(
        self, command: list[str], space: Mapping[str, hs.Distribution], metric: str, timeout: Any, study: str
    ) -> None:
        self.args = (list(command), dict(space), metric, timeout, study)

    def __call__(self, trial: hs.Trial) -> float:
        command, space, metric, timeout, study = self.args
        run = _command.make_objective(command, space, metric=metric, trial_timeout=timeout, study_name=study)
        return run(trial)


def cmd_worker(args: argparse.Namespace) -> int:
    """Run trials of ``args.study``; 0 when the study has a complete trial."""
    command: list[str] = getattr(args, "command_line", [])
    if args.function and command:
        raise CLIError("give either --function or a command after --, not both")
    if not args.function and not command:
        raise CLIError("nothing to run: give --function MODULE:FUNCTION or a command after -- (with --space)")
    space = load_space(args.space) if args.space is not None else None
    if command and space is None:
        raise CLIError("running a command needs --space to say which parameters to suggest")
    open_study(args.storage, args.study)  # a clear error when there is no such study
    study = hs.load_study(
        args.study, args.storage, sampler=sampler_named(args.sampler, space, args.seed), seed=args.seed
    )

    objective: Callable[[hs.Trial], Any]
    trial_timeout = args.trial_timeout
    if command:
        _command.check_executable(command)
        assert space is not None
        objective = _Command(command, space, args.metric, trial_timeout, args.study)
        trial_timeout = None  # the command runner kills the command itself
    else:
        fn = load_function(args.function)
        objective = _FunctionWithSpace(fn, space) if space else fn
    before = len(study.trials)
    try:
        study.optimize(
            objective, n_trials=args.n_trials, timeout=args.timeout, n_jobs=args.n_jobs,
            isolate=args.isolate, trial_timeout=trial_timeout, trial_memory_limit=args.trial_memory_limit,
            retry_failed=args.retry_failed, show_progress_bar=not args.quiet,
        )  # fmt: skip
    except KeyboardInterrupt:
        print("\nhyperscout: interrupted; the running trial(s) were recorded as FAIL.", file=sys.stderr)
        return 130
    except Terminated as e:  # SIGTERM or SIGHUP: as Ctrl-C, with the signal's conventional status
        print(f"\nhyperscout: {e}; the running trial(s) were recorded as FAIL.", file=sys.stderr)
        return int(e.code or 1)
    except ValueError as e:
        if "trial_memory_limit" in str(e):
            raise CLIError(f"--trial-memory-limit: {e}") from None
        raise
    except Exception as e:
        if not any("trial(s) of this run" in note for note in getattr(e, "__notes__", ())):
            raise
        traceback.print_exception(type(e), e, e.__traceback__)
        print("hyperscout: error: the first trials of this worker's run all raised, so it stopped.", file=sys.stderr)
        return 1
    trials = study.trials
    new = trials[before:]  # by every worker of the study, not only this one
    counts = {s: sum(t.state is s for t in new) for s in hs.TrialState}
    detail = "".join(f", {n} {s.value}" for s, n in counts.items() if n)
    print(f"study {study.study_name!r}: {len(trials)} trial(s) in total, {len(new)} since this worker started{detail}")
    for line in best_lines(study):
        print(line)
    return 0 if any(t.state is hs.TrialState.COMPLETE for t in trials) else 1
