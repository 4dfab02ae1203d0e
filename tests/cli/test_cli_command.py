"""Placeholders and reading the objective value from a command's output."""

from __future__ import annotations

import math

import pytest

from hyperscout.cli._command import CommandFailed, placeholders, read_objective, substitute


def test_substitute_per_argument_with_format_specs() -> None:
    params = {"lr": 0.001, "layers": 3, "act": "relu"}
    template = ["train.py", "--lr", "{lr}", "--layers={layers}", "--tag", "{act}-{layers:02d}", "{lr:.1e}"]
    assert substitute(template, params) == ["train.py", "--lr", "0.001", "--layers=3", "--tag", "relu-03", "1.0e-03"]


def test_other_braces_pass_through_unchanged() -> None:
    code = "import json; print(json.dumps({'a': {'b': 1}})); print('{unknown}')"
    assert substitute(["-c", code], {"x": 1}) == ["-c", code]


def test_a_bad_format_spec_fails_the_trial() -> None:
    with pytest.raises(CommandFailed, match=r"cannot format parameter 'act' = 'relu' in '\{act:\.2f\}'"):
        substitute(["{act:.2f}"], {"act": "relu"})


def test_placeholders_in_order_without_repeats() -> None:
    assert placeholders(["{b}", "x{a}{b:.2f}", "{'k': 1}"]) == ["b", "a", "'k'"]


@pytest.mark.parametrize(
    ("stdout", "value"),
    [
        ("0.25\n", 0.25),
        ("epoch 1 loss 3.5\nepoch 2 loss 1.25\n", 1.25),
        ("loss: -1e-3\n", -0.001),
        ("result=+2.5E2 (done)\n", 250.0),
        ("score 0.5.\n", 0.5),  # a sentence's full stop is not part of the number
        ("accuracy 0.9 with torch 2.1.0\n", 0.9),  # version strings are not numbers
        ("model x2 scored .75\n", 0.75),
    ],
)
def test_the_last_number_printed(stdout: str, value: float) -> None:
    assert read_objective(stdout, "value") == (value, {})


def test_nan_and_inf_are_read_so_the_trial_fails_rather_than_taking_an_earlier_number() -> None:
    assert math.isnan(read_objective("loss 0.5\nloss nan\n", "value")[0])
    assert read_objective("loss -inf\n", "value")[0] == -math.inf


def test_the_last_json_line_with_the_metric_wins_and_its_other_keys_are_returned() -> None:
    out = 'config {"lr": 1}\n{"loss": 2.0, "acc": 0.1}\nprogress 99%\n{"loss": 0.5, "acc": 0.9, "epoch": 3}\n7\n'
    assert read_objective(out, "loss") == (0.5, {"acc": 0.9, "epoch": 3})


def test_json_lines_without_the_metric_fall_back_to_numbers_outside_json() -> None:
    out = '{"lr": 0.1, "seed": 42}\nfinal 0.3\n'
    assert read_objective(out, "value") == (0.3, {})


def test_json_without_the_metric_and_no_other_number_names_the_keys() -> None:
    with pytest.raises(CommandFailed, match=r"JSON with the keys \['loss', 'acc'\] but not 'value'.*--metric"):
        read_objective('{"loss": 0.5, "acc": 0.9}\n', "value")


def test_a_non_numeric_metric_fails() -> None:
    with pytest.raises(CommandFailed, match="JSON line's 'value' is \"high\", not a number"):
        read_objective('{"value": "high"}\n', "value")


def test_no_number_at_all_quotes_the_output() -> None:
    with pytest.raises(CommandFailed, match="printed no number on stdout; it printed:\nall done"):
        read_objective("all done\n", "value")
    with pytest.raises(CommandFailed, match=r"\(stdout was empty\)"):
        read_objective("", "value")
