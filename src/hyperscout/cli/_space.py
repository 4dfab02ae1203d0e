"""The ``--space`` JSON format of ``hyperscout run`` and its conversion to hyperscout distributions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import hyperscout as hs

from ._common import CLIError

SPACE_HELP = """\
search space (--space): a JSON object of parameter name -> range, or @FILE to read it from a file.
  "name": [a, b, c]
      one of the listed values (categorical). A list is always a set of choices: [1, 10] means 1 or 10.
  "name": {"low": 1e-5, "high": 1e-1, "log": true}
      a float range, here sampled evenly in log space
  "name": {"low": 1, "high": 8}
      an int range: low and high (and step, if given) are all integers
  "name": {"low": 0, "high": 1, "step": 0.25}
      a float range on a grid: 0, 0.25, ..., 1
  "name": {"type": "float", "low": 1, "high": 8}
      "type" ("int", "float" or "categorical") overrides the guess
  "name": {"choices": ["a", "b"]}
      the same as ["a", "b"]
  example: '{"lr": {"low": 1e-5, "high": 0.1, "log": true}, "layers": {"low": 1, "high": 4}, "act": ["relu", "tanh"]}'
"""

_RANGE_KEYS = {"type", "low", "high", "log", "step"}
_CATEGORICAL_KEYS = {"type", "choices"}


def load_space(text: str) -> dict[str, hs.Distribution]:
    """Read ``--space`` (JSON text or ``@path``) into ``{name: Distribution}``; ``CLIError`` if invalid."""
    source = "--space"
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise CLIError(f"--space: cannot read {str(path)!r}: {e.strerror or e}") from None
        source = f"--space file {str(path)!r}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CLIError(f"{source} is not valid JSON ({e}); see 'hyperscout run --help' for the format") from None
    return parse_space_json(data, source)


def parse_space_json(data: Any, source: str = "--space") -> dict[str, hs.Distribution]:
    """Convert decoded ``--space`` JSON into distributions, naming the parameter in every error."""
    if not isinstance(data, dict):
        raise CLIError(f'{source} must be a JSON object like {{"x": {{"low": 0, "high": 1}}}}, got {_short(data)}')
    if not data:
        raise CLIError(f"{source} is empty; give at least one parameter")
    space: dict[str, hs.Distribution] = {}
    for name, spec in data.items():
        if not name:
            raise CLIError(f"{source}: parameter names must be non-empty")
        try:
            space[name] = _one(name, spec)
        except ValueError as e:
            # hs.Float/Int/Categorical explain what is wrong; we add which parameter it was.
            raise CLIError(f"{source}: parameter {name!r}: {e}") from None
    return space


def _one(name: str, spec: Any) -> hs.Distribution:
    if isinstance(spec, list):
        _refuse_range_as_list(spec)
        return hs.Categorical(tuple(spec))
    if not isinstance(spec, dict):
        raise ValueError(
            f"expected a list of values or an object with low/high, got {_short(spec)}; "
            f"for a fixed value write [{json.dumps(spec)}]"
        )
    kind = spec.get("type")
    if kind is None:
        kind = "categorical" if "choices" in spec else None
    elif kind not in ("int", "float", "categorical"):
        raise ValueError(f'"type" must be "int", "float" or "categorical", got {json.dumps(kind)}')
    if kind == "categorical":
        _check_keys(spec, _CATEGORICAL_KEYS)
        choices = spec.get("choices")
        if not isinstance(choices, list):
            raise ValueError(f'a categorical needs "choices": a list of values, got {_short(choices)}')
        return hs.Categorical(tuple(choices))
    _check_keys(spec, _RANGE_KEYS)
    if "low" not in spec or "high" not in spec:
        raise ValueError(f'a range needs both "low" and "high", got {json.dumps(spec)}')
    low, high, step = spec["low"], spec["high"], spec.get("step")
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise ValueError(f'"log" must be true or false, got {json.dumps(log)}')
    if kind is None:
        # JSON keeps 1 and 1.0 apart, so integer bounds (and step) are how users say "an int".
        kind = "int" if all(_is_int(v) for v in (low, high)) and (step is None or _is_int(step)) else "float"
    if kind == "int":
        return hs.Int(low, high, log=log, step=1 if step is None else step)
    return hs.Float(low, high, log=log, step=step)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_keys(spec: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(map(json.dumps, unknown))}; allowed: {', '.join(sorted(allowed))}")


def _refuse_range_as_list(spec: list[Any]) -> None:
    # [1e-5, 1e-1, "log"] reads naturally as a log range, but a list means choices: say so
    # instead of silently searching over the three values 1e-5, 0.1 and "log".
    nums = [v for v in spec if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(spec) == 3 and len(nums) == 2 and spec[2] in ("log", "int", "float"):
        low, high = nums
        hint = {"low": low, "high": high}
        if spec[2] == "log":
            hint["log"] = True
        else:
            hint["type"] = spec[2]
        raise ValueError(
            f"{json.dumps(spec)} would be the three choices {', '.join(json.dumps(v) for v in spec)}; "
            f"for a range write {json.dumps(hint)}"
        )


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
