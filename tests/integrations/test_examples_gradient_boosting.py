"""The XGBoost and LightGBM examples run end to end (--quick), prune some trials and keep every round's report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import hyperscout as hs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("name", "framework", "study_name", "rounds"),
    [("xgboost_pruning", "xgboost", "xgboost-pruning", 30), ("lightgbm_pruning", "lightgbm", "lightgbm-pruning", 64)],
)
def test_the_example_prunes_and_reports_each_round(tmp_path, name, framework, study_name, rounds) -> None:
    pytest.importorskip(framework)
    pytest.importorskip("sklearn")
    url = f"sqlite:///{tmp_path / 'study.db'}"
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", "--storage", url],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    complete, pruned = map(int, re.search(r"^12 trials: (\d+) complete, (\d+) pruned$", out.stdout, re.M).groups())  # type: ignore[union-attr]
    assert complete + pruned == 12 and complete >= 1 and pruned >= 1
    trials = hs.load_study(study_name, url).trials
    trained = sum(t.last_step or 0 for t in trials)
    assert f"boosting rounds trained: {trained} of {12 * rounds} without pruning" in out.stdout
    for t in trials:
        assert list(t.intermediate_values) == list(range(1, (t.last_step or 0) + 1))
        if t.state == hs.TrialState.COMPLETE:
            assert t.last_step == rounds
        else:
            assert t.state == hs.TrialState.PRUNED and t.last_step is not None and t.last_step < rounds
    assert re.search(r"^best validation log-loss: 0\.\d{4}$", out.stdout, re.M)
