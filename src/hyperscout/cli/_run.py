"""``hyperscout run``: tune a command line or a Python objective function."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import hyperscout as hs

from .._execution import Terminated
from . import _command
from ._common import CLIError, add_storage_option, open_storage
from ._inspect import best_lines
from ._space import SPACE_HELP, load_space

DESCRIPTION = """\
Tune a command line (given after --) or a Python objective function (--function).

Each trial substitutes its parameters into the command's arguments: {name} becomes the value,
{name:.3g} formats it as Python's format() would; only names in --space are replaced, so other
braces pass through unchanged. The command runs without a shell, with the parameters also in
$HYPERSCOUT_PARAMS (JSON) and the trial number in $HYPERSCOUT_TRIAL_NUMBER.

The objective value is read from the command's stdout: the last line that is a JSON object
holding the --metric key (default "value"), e.g. {"value": 0.12, "acc": 0.97} (its other keys
are kept as trial attributes); otherwise the last number printed. A non-zero exit code, a
--trial-timeout, or no number makes the trial FAIL with the end of stderr as its error, and the
study goes on; if the first trials of a run all fail, the run stops.

With --function MODULE:FUNCTION, FUNCTION(trial) is an ordinary objective returning a float; the
parameters of --space, if given, are suggested before it is called (read them from trial.params).

Re-running the same command resumes the study: each run adds --n-trials trials.
"""

EPILOG = (
    SPACE_HELP
    + """
examples:
  hyperscout run --study mlp --n-trials 20 \\
      --space '{"lr": {"low": 1e-5, "high": 0.1, "log": true}, "layers": [1, 2, 3]}' \\
      -- python train.py --lr {lr} --layers {layers}
  hyperscout run --study quad --n-trials 50 --function objectives:quadratic
"""
)


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {n}")
        return n

    return parse


positive_int = int_at_least(1)
_seed = int_at_least(0)


def seconds(text: str) -> float:
    try:
        s = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not s > 0 or s == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return s


def add_parser(sub: Any) -> None:
    """Register ``run`` on the ``add_subparsers`` object ``sub``."""
    p = sub.add_parser(
        "run",
        help="tune a command line or a Python function",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s --study NAME [options] (--function MODULE:FUNCTION | -- COMMAND [ARG ...])",
    )
    p.add_argument("--study", required=True, metavar="NAME", help="study name (created, or resumed if it exists)")
    add_storage_option(p)
    p.add_argument("--space", metavar="JSON|@FILE", help="search space as JSON, or @file.json (format below)")
    p.add_argument(
        "--function",
        metavar="MODULE:FUNCTION",
        help="tune FUNCTION(trial) -> float from MODULE (importable from the current folder, or a path to a .py)",
    )
    p.add_argument("--direction", choices=["minimize", "maximize"], help="default: minimize (or the study's)")
    p.add_argument("--n-trials", type=positive_int, metavar="N", help="trials to run in this invocation")
    p.add_argument("--timeout", type=seconds, metavar="SECONDS", help="start no new trial after this long")
    p.add_argument(
        "--trial-timeout", type=seconds, metavar="SECONDS", help="kill a command running longer than this (FAIL)"
    )
    p.add_argument(
        "--sampler",
        default="auto",
        metavar="NAME",
        help="auto (default), random, qmc (Sobol), grid (every combination; needs finite values), "
        "or any other sampler name hyperscout knows (e.g. gp)",
    )
    p.add_argument("--seed", type=_seed, metavar="N", help="seed for reproducible sampling")
    p.add_argument(
        "--metric", default="value", metavar="KEY", help='key of the JSON line holding the objective (default "value")'
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or warnings, only the result")
    p.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the optimisation described by ``args``; 0 when the study has a complete trial."""
    command: list[str] = args.command_line
    if args.function and command:
        raise CLIError("give either --function or a command after --, not both")
    if not args.function and not command:
        raise CLIError(
            "nothing to tune: give a command after -- (e.g. -- python train.py --lr {lr}) or --function MODULE:FUNCTION"
        )
    space = load_space(args.space) if args.space is not None else None
    if command and space is None:
        raise CLIError("tuning a command needs --space to say which parameters to search")
    if args.function and args.trial_timeout is not None:
        raise CLIError("--trial-timeout stops a command; a --function runs inside this process and cannot be killed")
    if args.n_trials is None and args.timeout is None and args.sampler.lower() != "grid":
        raise CLIError("say how long to search: --n-trials N and/or --timeout SECONDS")
    sampler = sampler_named(args.sampler, space, args.seed)

    if command:
        _command.check_executable(command)
        assert space is not None
        if not args.quiet:
            _warn_placeholders(command, space)
        objective = _command.make_objective(
            command, space, metric=args.metric, trial_timeout=args.trial_timeout, study_name=args.study
        )
    else:
        objective = _with_space(load_function(args.function), space)

    storage = open_storage(args.storage, create=True)
    try:
        study = hs.create_study(
            args.study, storage, direction=args.direction, sampler=sampler, seed=args.seed, load_if_exists=True
        )
    except ValueError as e:  # e.g. the study exists with the other direction
        raise CLIError(str(e)) from None
    before = len(study.trials)

    # Remember what the objective last raised, so that optimize's "the first trials all raised"
    # can be told apart from an error of hyperscout's own (which main reports). One slot only:
    # a list would keep every failed trial's traceback (and its frames) alive for the whole run.
    raised: list[BaseException] = []

    def tracked(trial: hs.Trial) -> float:
        try:
            return objective(trial)
        except Exception as e:
            raised[:] = [e]
            raise

    try:
        study.optimize(tracked, n_trials=args.n_trials, timeout=args.timeout, show_progress_bar=not args.quiet)
    except KeyboardInterrupt:
        print(
            "\nhyperscout: interrupted; the running trial was recorded as FAIL. Re-run the same command to resume.",
            file=sys.stderr,
        )
        return 130
    except Terminated as e:  # SIGTERM or SIGHUP: as Ctrl-C, with the signal's conventional status
        print(f"\nhyperscout: {e}; the running trial was recorded as FAIL. Re-run the same command to resume.",
              file=sys.stderr)  # fmt: skip
        return int(e.code or 1)
    except Exception as e:
        if not raised or e is not raised[-1]:
            raise
        ran = len(study.trials) - before
        if isinstance(e, _command.CommandFailed):
            print(f"hyperscout: error: {_first(ran)} failed, so the run stopped.", file=sys.stderr)
            print(f"last error (trial {study.trials[-1].number}): {e}", file=sys.stderr)
        else:
            traceback.print_exception(type(e), e, e.__traceback__)
            print(f"hyperscout: error: {_first(ran)} raised, so the run stopped.", file=sys.stderr)
        return 1

    trials = study.trials
    new = trials[before:]
    counts = {s.value: sum(t.state is s for t in new) for s in hs.TrialState}
    detail = ", ".join(f"{counts[s]} {s}" for s in ("complete", "pruned", "fail", "running", "waiting") if counts[s])
    print(
        f"study {study.study_name!r}: ran {len(new)} trial(s)"
        + (f" ({detail})" if detail else "")
        + f", {len(trials)} in total"
    )
    lines = best_lines(study)
    for line in lines:
        print(line)
    return 0 if any(t.state is hs.TrialState.COMPLETE for t in trials) else 1


def _first(n: int) -> str:
    return "the only trial" if n == 1 else f"the first {n} trials all"


def sampler_named(name: str, space: Mapping[str, hs.Distribution] | None, seed: int | None) -> Any:
    if name.lower() == "grid":
        if space is None:
            raise CLIError("--sampler grid needs --space: the grid is every combination of its values")
        try:
            return hs.samplers.GridSampler(dict(space), seed=seed)
        except ValueError as e:
            raise CLIError(f"--sampler grid: {e}") from None
    if name.lower() in ("qmc", "sobol") and space is not None:
        # Knowing the space up front lets Sobol cover it jointly from the first trial.
        return hs.samplers.QMCSampler(search_space=dict(space), seed=seed)
    try:
        # Whatever names the library knows (new samplers appear here without a CLI change).
        return hs.samplers.get_sampler(name, seed=seed)
    except ValueError as e:
        raise CLIError(f"--sampler: {e}") from None


def _warn_placeholders(command: list[str], space: Mapping[str, hs.Distribution]) -> None:
    used = _command.placeholders(command)
    unknown = [n for n in used if n.isidentifier() and n not in space]
    if unknown:
        names = ", ".join("{" + n + "}" for n in unknown)
        print(
            f"hyperscout: warning: {names} in the command is not in --space and is passed unchanged "
            f"(the space has {', '.join(space)})",
            file=sys.stderr,
        )
    unused = [n for n in space if n not in used]
    if unused:
        print(
            f"hyperscout: warning: the command has no placeholder for {', '.join(unused)}; "
            "the program gets those only in $HYPERSCOUT_PARAMS",
            file=sys.stderr,
        )


def _with_space(
    fn: Callable[[hs.Trial], Any], space: Mapping[str, hs.Distribution] | None
) -> Callable[[hs.Trial], Any]:
    if not space:
        return fn

    def objective(trial: hs.Trial) -> Any:
        # The function reads these from trial.params (or suggests them again, getting the same values).
        for name, dist in space.items():
            trial.suggest(name, dist)
        return fn(trial)

    return objective


def load_function(spec: str) -> Callable[[hs.Trial], Any]:
    """Import ``module:function`` (or ``path/to/file.py:function``) with the current folder on ``sys.path``."""
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise CLIError(f"--function must look like MODULE:FUNCTION (e.g. train:objective), got {spec!r}")
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        if module_name.endswith(".py"):
            module = _import_file(Path(module_name))
        else:
            module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name is not None and module_name.split(".")[0] == e.name.split(".")[0]:
            raise CLIError(f"--function: no module named {module_name!r} here ({cwd}) or on sys.path") from None
        raise _import_failed(spec) from e
    except CLIError:
        raise
    except Exception as e:
        raise _import_failed(spec) from e
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            public = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_"))
            raise CLIError(
                f"--function: {module_name!r} has no {attr!r}; its functions: {', '.join(public) or 'none'}"
            ) from None
    if not callable(obj):
        raise CLIError(f"--function: {spec!r} is a {type(obj).__name__}, not a function")
    return obj


def _import_file(path: Path) -> Any:
    if not path.is_file():
        raise CLIError(f"--function: no file {str(path)!r}")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise CLIError(f"--function: cannot import {str(path)!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _import_failed(spec: str) -> CLIError:
    # An error inside the user's module is theirs to debug: show where it happened.
    traceback.print_exc()
    return CLIError(f"--function: importing {spec.rpartition(':')[0]!r} failed (traceback above)")
