"""Tuning a command line: ``{name}`` substitution, running the child, reading the objective from stdout."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import hyperscout as hs

from ..exceptions import CLIError, CommandFailed

#: Lines of stderr kept in a failed trial's error text.
TAIL_LINES = 20
TAIL_CHARS = 2000

# "{name}" or "{name:spec}"; the name is checked against the space afterwards so that other braces
# (Python code after `python -c`, JSON arguments) pass through unchanged.
_PLACEHOLDER = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")
# A number standing on its own: not part of a word, a version string (1.2.3) or an identifier (x2).
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)(?!\w|\.\d)", re.IGNORECASE
)


def placeholders(template: Sequence[str]) -> list[str]:
    """The ``{name}`` placeholder names used in ``template``, in order, without repeats."""
    seen: list[str] = []
    for arg in template:
        for m in _PLACEHOLDER.finditer(arg):
            if m.group(1) not in seen:
                seen.append(m.group(1))
    return seen


def substitute(template: Sequence[str], params: Mapping[str, Any]) -> list[str]:
    """Replace ``{name}`` / ``{name:spec}`` by the parameter's value in each argument.

    Example:
        >>> substitute(["--lr", "{lr:.1e}", "--n={n}", "{other}"], {"lr": 0.001, "n": 3})
        ['--lr', '1.0e-03', '--n=3', '{other}']
    """

    def one(m: re.Match[str]) -> str:
        name, spec = m.group(1), m.group(2) or ""
        if name not in params:
            return m.group(0)
        try:
            return format(params[name], spec)
        except (ValueError, TypeError) as e:
            raise CommandFailed(f"cannot format parameter {name!r} = {params[name]!r} in {m.group(0)!r}: {e}") from None

    return [_PLACEHOLDER.sub(one, arg) for arg in template]


def check_executable(template: Sequence[str]) -> None:
    """``CLIError`` now, rather than a FAIL per trial, when the program cannot be found."""
    prog = template[0]
    if _PLACEHOLDER.search(prog):
        return  # the program itself is a parameter; only the trials can tell
    if os.sep in prog or (os.altsep and os.altsep in prog):
        if not os.path.exists(prog):
            raise CLIError(f"command not found: {prog!r} does not exist")
    elif shutil.which(prog) is None:
        raise CLIError(f"command not found: {prog!r} is not on PATH")


@dataclass
class Outcome:
    """What one run of the command produced."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run(argv: Sequence[str], env: Mapping[str, str], timeout: float | None) -> Outcome:
    """Run ``argv`` (no shell), capturing its output; on timeout or Ctrl-C kill it and its children."""
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            text=True,
            encoding="utf-8",
            errors="replace",
            # Its own process group, so a timeout kills what it started too (a shell script's
            # children would otherwise keep the pipes open and hang us).
            start_new_session=os.name == "posix",
        )
    except OSError as e:
        raise CommandFailed(f"cannot run {argv[0]!r}: {e.strerror or e}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, err = proc.communicate()
        return Outcome(proc.returncode, out, err, timed_out=True)
    except BaseException:
        # Ctrl-C: the child is in its own session and did not get the signal; do not leave it running.
        _kill(proc)
        proc.wait()
        raise
    return Outcome(proc.returncode, out, err)


def _kill(proc: subprocess.Popen[str]) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass


def tail(text: str) -> str:
    """The last ``TAIL_LINES`` lines (at most ``TAIL_CHARS`` characters) of ``text``."""
    lines = text.strip().splitlines()[-TAIL_LINES:]
    out = "\n".join(lines)
    return out if len(out) <= TAIL_CHARS else "..." + out[-TAIL_CHARS:]


def read_objective(stdout: str, metric: str) -> tuple[float, dict[str, Any]]:
    """The objective value in ``stdout`` and the other fields of the JSON line it came from.

    The last line that is a JSON object holding ``metric`` wins; otherwise the last number printed
    outside JSON lines. ``CommandFailed`` when there is neither.

    Example:
        >>> read_objective('epoch 1 loss 0.5\\n{"loss": 0.25, "acc": 0.9}\\n', "loss")
        (0.25, {'acc': 0.9})
        >>> read_objective("step 3/10: loss 0.125\\n", "value")
        (0.125, {})
    """
    found: dict[str, Any] | None = None
    json_keys: list[str] = []
    plain: list[str] = []
    for line in stdout.splitlines():
        s = line.strip()
        obj = _json_object(s)
        if obj is None:
            plain.append(line)
            continue
        json_keys.extend(k for k in obj if k not in json_keys)
        if metric in obj:
            found = obj
    if found is not None:
        value = found.pop(metric)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CommandFailed(f"the JSON line's {metric!r} is {json.dumps(value)}, not a number")
        return float(value), found
    numbers = _NUMBER.findall("\n".join(plain))
    if numbers:
        return float(numbers[-1]), {}
    if json_keys:
        raise CommandFailed(
            f"command printed JSON with the keys {json_keys} but not {metric!r} "
            "(choose one with --metric) and no other line holds a number"
        )
    raise CommandFailed("command printed no number on stdout" + _said(stdout))


def _json_object(line: str) -> dict[str, Any] | None:
    if not (line.startswith("{") and line.endswith("}")):
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def _said(text: str) -> str:
    t = tail(text)
    return f"; it printed:\n{t}" if t else " (stdout was empty)"


def make_objective(
    template: Sequence[str],
    space: Mapping[str, hs.Distribution],
    *,
    metric: str,
    trial_timeout: float | None,
    study_name: str,
) -> Callable[[hs.Trial], float]:
    """An objective that runs ``template`` with the trial's parameters and returns the value it prints."""

    def objective(trial: hs.Trial) -> float:
        params = {name: trial.suggest(name, dist) for name, dist in space.items()}
        argv = substitute(template, params)
        env = dict(os.environ)
        # For programs that prefer to read their parameters rather than parse arguments.
        env.update(
            HYPERSCOUT_STUDY=study_name,
            HYPERSCOUT_TRIAL_NUMBER=str(trial.number),
            HYPERSCOUT_PARAMS=json.dumps(params),
        )
        out = run(argv, env, trial_timeout)
        if out.timed_out:
            raise CommandFailed(f"command timed out after {trial_timeout:g} s and was killed" + _stderr(out))
        if out.returncode != 0:
            if out.returncode < 0:
                raise CommandFailed(f"command was killed by signal {_signal_name(-out.returncode)}" + _stderr(out))
            raise CommandFailed(f"command exited with code {out.returncode}" + _stderr(out))
        value, extras = read_objective(out.stdout, metric)
        for key, v in extras.items():
            trial.set_user_attr(key, v)
        if not math.isfinite(value):
            # hyperscout records NaN/inf as FAIL itself; saying where it came from helps more.
            raise CommandFailed(f"command reported {value} as its objective value")
        return value

    return objective


def _stderr(out: Outcome) -> str:
    t = tail(out.stderr)
    return f"; stderr:\n{t}" if t else " (stderr was empty)"


def _signal_name(num: int) -> str:
    try:
        return signal.Signals(num).name
    except ValueError:
        return str(num)
