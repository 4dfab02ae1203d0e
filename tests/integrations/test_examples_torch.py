"""The PyTorch text (GRU) and recommender examples: their generated data, and a quick run of each end to end."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import hyperscout as hs  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        # Registered before it runs: dataclasses look their module up while the class is being built.
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def _quick(name: str, tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", "--storage", url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout, url


def _check_summary(text: str, url: str, study_name: str) -> None:
    assert re.search(r"^6 trials in \d+ s \(\d+ stopped early, \d+ resumed after a pause\)$", text, re.M)
    for name in ("lr", "depth", "width", "dropout", "batch_size", "weight_decay"):
        assert f"'{name}'" in text
    run, full = map(int, re.search(r"epochs trained: (\d+) of (\d+) without pruning", text).groups())  # type: ignore[union-attr]
    assert full == 18 and 6 <= run <= full
    trials = hs.load_study(study_name, url).trials
    assert len(trials) == 6
    assert sum(t.last_step or 0 for t in trials) == run
    for t in trials:
        assert t.last_step is not None and list(t.intermediate_values) == list(range(1, t.last_step + 1))
        assert t.state in (hs.TrialState.COMPLETE, hs.TrialState.PAUSED)  # Hyperband pauses, it does not stop


# -- the text example --------------------------------------------------------------------------------------------------


def test_text_strings_differ_in_order_only():
    rnn = _load("pytorch_text_rnn")
    X, y = rnn.make_strings(np.random.default_rng(0), 400)
    assert X.shape == (400, rnn.LENGTH) and 150 < int(y.sum()) < 250
    for row, label in zip(X.tolist(), y.tolist(), strict=True):
        tokens = [t for t in row if t != rnn.PAD]
        assert row[: rnn.LENGTH - len(tokens)] == [rnn.PAD] * (rnn.LENGTH - len(tokens))  # left-padded
        assert rnn.is_balanced(tokens) == bool(label)
        # Every string, balanced or not, opens and closes each kind of bracket equally often.
        for o, c in zip(rnn.OPENERS, rnn.CLOSERS, strict=True):
            assert tokens.count(o) == tokens.count(c)
        assert 8 <= sum(t in rnn.OPENERS + rnn.CLOSERS for t in tokens) <= 20


def test_is_balanced():
    rnn = _load("pytorch_text_rnn")
    o1, o2, c1, c2 = rnn.OPENERS[0], rnn.OPENERS[1], rnn.CLOSERS[0], rnn.CLOSERS[1]
    assert rnn.is_balanced([o1, o2, c2, c1, o2, c2])
    assert rnn.is_balanced([])
    assert not rnn.is_balanced([o1, o2, c1, c2])  # crossed
    assert not rnn.is_balanced([c1, o1])
    assert not rnn.is_balanced([o1, o1, c1])


def test_bag_of_words_is_near_chance():
    rnn = _load("pytorch_text_rnn")
    torch.set_num_threads(1)
    assert abs(rnn.bag_of_words_accuracy(rnn.load_data(0, n_train=1000, n_valid=1000)) - 0.5) < 0.06


@pytest.mark.slow
def test_text_quick_run_prints_summary_and_beats_bag_of_words(tmp_path):
    text, url = _quick("pytorch_text_rnn", tmp_path)
    _check_summary(text, url, "text-rnn")
    acc = float(re.search(r"best validation accuracy: ([0-9.]+)", text).group(1))  # type: ignore[union-attr]
    bow = float(re.search(r"bag-of-words baseline: ([0-9.]+)", text).group(1))  # type: ignore[union-attr]
    assert abs(bow - 0.5) < 0.05
    assert acc > bow + 0.1  # three epochs of the best GRU already see the order


# -- the recommender example -------------------------------------------------------------------------------------------


def test_feedback_holds_out_one_unseen_item_per_user():
    rec = _load("pytorch_recommender")
    data = rec.load_data(0, n_users=200, n_items=100)
    assert data.seen.shape == (200, 100) and data.held_out.shape == (200,)
    per_user = torch.bincount(data.users, minlength=200)
    assert int(per_user.min()) >= 14 and int(per_user.max()) <= 39
    assert int(data.seen.sum()) == len(data.users)  # no pair picked twice
    assert not data.seen[torch.arange(200), data.held_out].any()


def test_hit_rate_counts_the_top_k_of_unseen_items():
    rec = _load("pytorch_recommender")
    data = rec.load_data(0, n_users=50, n_items=60)
    # Scores that put each user's held-out item first: every user is a hit, even at k = 1.
    perfect = torch.zeros(50, 60)
    perfect[torch.arange(50), data.held_out] = 1.0
    assert rec.hit_rate(perfect, data, k=1) == 1.0
    # The held-out item below every other one: a miss.
    worst = -perfect
    assert rec.hit_rate(worst, data, k=1) == 0.0
    # Seen items are never recommended, even when they score highest.
    seen_first = worst + data.seen.float() * 10
    assert rec.hit_rate(seen_first, data, k=1) == 0.0
    # The hidden model beats recommending the most popular items by a wide margin.
    data = rec.load_data(0)
    assert rec.hit_rate(data.hidden, data) > 2 * rec.hit_rate(rec.popularity_scores(data), data)


@pytest.mark.slow
def test_recommender_quick_run_prints_summary_and_beats_popularity(tmp_path):
    text, url = _quick("pytorch_recommender", tmp_path)
    _check_summary(text, url, "recommender")
    hits = float(re.search(r"best validation hit rate@10: ([0-9.]+)", text).group(1))  # type: ignore[union-attr]
    popular, hidden = map(
        float, re.search(r"most popular items: ([0-9.]+); the hidden model itself: ([0-9.]+)", text).groups()
    )  # type: ignore[union-attr]
    assert popular < hits <= hidden
