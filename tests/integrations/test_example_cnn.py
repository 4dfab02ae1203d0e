"""The PyTorch CNN example runs end to end in its quick mode and prints what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pytorch_cnn_digits.py"


@pytest.mark.slow
def test_quick_run_prints_best_params_accuracy_and_savings(tmp_path):
    url = f"sqlite:///{tmp_path / 'cnn.db'}"
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), "--quick", "--storage", url], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert re.search(r"^6 trials in \d+ s \(\d+ stopped early, \d+ resumed after a pause\)$", text, re.M)
    acc = float(re.search(r"best validation accuracy: ([0-9.]+)", text).group(1))  # type: ignore[union-attr]
    assert 0.5 < acc <= 1.0  # 3 epochs of a small CNN on digits do far better than chance (0.1)
    for name in ("lr", "depth", "width", "dropout", "batch_size", "weight_decay"):
        assert f"'{name}'" in text
    run, full = map(int, re.search(r"epochs trained: (\d+) of (\d+) without pruning", text).groups())  # type: ignore[union-attr]
    assert full == 18 and 6 <= run <= full

    import hyperscout as hs

    trials = hs.load_study("cnn-digits", url).trials
    # Resumed trials continued from their checkpoints: no epoch was trained twice.
    assert sum(t.user_attrs["epochs_trained"] for t in trials) == sum(t.last_step or 0 for t in trials) == run
    for t in trials:
        assert t.last_step is not None and list(t.intermediate_values) == list(range(1, t.last_step + 1))
        assert t.state in (hs.TrialState.COMPLETE, hs.TrialState.PAUSED)
    if any(t.system_attrs.get("resumed_at") for t in trials):
        assert list((tmp_path / "cnn.db.checkpoints").glob("*/trial-*/checkpoint.pt"))
