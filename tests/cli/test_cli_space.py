"""The --space JSON format of ``hyperscout run``."""

from __future__ import annotations

import json

import pytest

import hyperscout as hs
from hyperscout.cli._common import CLIError
from hyperscout.cli._space import load_space, parse_space_json


def test_list_is_categorical() -> None:
    space = load_space('{"act": ["relu", "tanh"], "n": [1, 10]}')
    assert space == {"act": hs.Categorical(("relu", "tanh")), "n": hs.Categorical((1, 10))}


def test_ranges_become_float_or_int_by_the_type_of_their_bounds() -> None:
    space = load_space(
        json.dumps(
            {
                "lr": {"low": 1e-5, "high": 1e-1, "log": True},
                "layers": {"low": 1, "high": 4},
                "units": {"low": 16, "high": 256, "step": 16},
                "p": {"low": 0, "high": 1, "step": 0.25},
                "w": {"low": 0.0, "high": 2},
            }
        )
    )
    assert space["lr"] == hs.Float(1e-5, 1e-1, log=True)
    assert space["layers"] == hs.Int(1, 4)
    assert space["units"] == hs.Int(16, 256, step=16)
    assert space["p"] == hs.Float(0.0, 1.0, step=0.25)  # a float step makes it a float range
    assert space["w"] == hs.Float(0.0, 2.0)


def test_type_overrides_the_guess() -> None:
    space = parse_space_json(
        {
            "a": {"type": "float", "low": 1, "high": 8},
            "b": {"type": "int", "low": 1.0, "high": 3.0},
            "c": {"type": "categorical", "choices": [1, "x", None]},
            "d": {"choices": [True, False]},
        }
    )
    assert space["a"] == hs.Float(1.0, 8.0)
    assert space["b"] == hs.Int(1, 3)
    assert space["c"] == hs.Categorical((1, "x", None))
    assert space["d"] == hs.Categorical((True, False))


def test_space_from_a_file(tmp_path) -> None:
    path = tmp_path / "space.json"
    path.write_text('{"x": {"low": -1.0, "high": 1.0}}')
    assert load_space(f"@{path}") == {"x": hs.Float(-1.0, 1.0)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"lr": {"low": 1, "high": 0.5}}', "parameter 'lr': Float needs low <= high"),
        ('{"lr": {"low": 0.0, "high": 1.0, "log": true}}', "parameter 'lr': Float with log=True needs low > 0"),
        ('{"n": {"low": 1, "hgh": 5}}', "parameter 'n': unknown key(s) \"hgh\""),
        ('{"n": {"low": 1}}', 'parameter \'n\': a range needs both "low" and "high"'),
        ('{"n": {"type": "integer", "low": 1, "high": 2}}', "parameter 'n': \"type\" must be"),
        ('{"n": {"low": 1, "high": 2, "log": "yes"}}', "parameter 'n': \"log\" must be true or false"),
        ('{"n": {"type": "categorical", "choices": 3}}', "parameter 'n': a categorical needs \"choices\""),
        ('{"n": 5}', "parameter 'n': expected a list of values or an object with low/high, got 5; for a fixed value"),
        ('{"n": []}', "parameter 'n': Categorical needs at least one choice"),
        ('{"n": [1, 1]}', "parameter 'n': Categorical choices must be distinct"),
        ('{"lr": [1e-5, 0.1, "log"]}', 'for a range write {"low": 1e-05, "high": 0.1, "log": true}'),
        ('{"n": {"low": 1, "high": 10, "step": 4}}', "parameter 'n': Int range 9 is not a multiple of step=4"),
        ("[1, 2]", "--space must be a JSON object"),
        ("{}", "--space is empty"),
        ('{"x": [1, 2]', "--space is not valid JSON"),
    ],
)
def test_errors_name_the_parameter_and_the_problem(text: str, expected: str) -> None:
    with pytest.raises(CLIError) as info:
        load_space(text)
    assert expected in str(info.value)


def test_missing_space_file(tmp_path) -> None:
    with pytest.raises(CLIError, match="cannot read .*nope.json"):
        load_space(f"@{tmp_path / 'nope.json'}")


def test_errors_in_a_file_name_the_file(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"x": {"low": 2, "high": 1}}')
    with pytest.raises(CLIError, match=r"--space file '.*bad.json': parameter 'x'"):
        load_space(f"@{path}")
