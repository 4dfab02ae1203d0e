"""Typical Optuna scripts run unchanged with hyperscout standing in for Optuna (issue 19).

Each file of ``tests/optuna_scripts`` is an Optuna script as users write them (``import optuna``,
``from optuna.trial import FixedTrial``). The test runs it with ``optuna`` and its submodules
resolving to hyperscout's, which is what ``import hyperscout as optuna`` gives a script; where
Optuna itself is installed, the same files run on it too, which keeps them honest Optuna code.
"""

from __future__ import annotations

import importlib
import runpy
import sys
from pathlib import Path

import pytest

import hyperscout as hs

SCRIPTS = sorted((Path(__file__).parent / "optuna_scripts").glob("[!c]*.py"))
SUBMODULES = ("distributions", "logging", "pruners", "samplers", "storages", "study", "trial", "visualization")


@pytest.fixture
def as_optuna(monkeypatch: pytest.MonkeyPatch):
    """``import optuna`` (and ``from optuna.trial import ...``) give hyperscout, for this test only."""
    for name in [m for m in sys.modules if m == "optuna" or m.startswith("optuna.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "optuna", hs)
    for sub in SUBMODULES:
        monkeypatch.setitem(sys.modules, f"optuna.{sub}", importlib.import_module(f"hyperscout.{sub}"))
    level = hs.logging.get_verbosity()
    yield
    hs.logging.set_verbosity(level)


def test_there_are_scripts() -> None:
    assert len(SCRIPTS) >= 6


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_an_optuna_script_runs_unchanged_on_hyperscout(script: Path, as_optuna, capsys) -> None:
    pytest.importorskip("pandas")
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out  # each prints its result


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_the_script_is_real_optuna_code(script: Path) -> None:
    optuna = pytest.importorskip("optuna")
    pytest.importorskip("pandas")
    level = optuna.logging.get_verbosity()
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        optuna.logging.set_verbosity(level)
