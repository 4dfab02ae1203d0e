"""``hyperscout report``: one self-contained HTML file with the summary, the plots and the trial table.

That a browser opening the file requests nothing is checked in a real Chromium in ``test_dashboard.py``
(with the dashboard's other browser tests); here the file itself is read.
"""

from __future__ import annotations

import base64
import gzip
import html
import html.parser
import json
import os
import re
from pathlib import Path

import pytest

import hyperscout as hs
from hyperscout.cli import main

pytest.importorskip("plotly")
pytest.importorskip("sklearn")

from plotly.offline import get_plotlyjs  # noqa: E402

HOSTILE = "<script>alert('name')</script>"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPERSCOUT_STORAGE", raising=False)
    return tmp_path


DB = "sqlite:///hs.db"


def make_study(name: str = "quad") -> hs.Study:
    study = hs.create_study(study_name=name, storage=DB, sampler="random", seed=0)
    for i in range(12):
        t = study.ask({"x": hs.Float(-3, 3), "lr": hs.Float(1e-4, 1, log=True), "kind": hs.Categorical(["a", HOSTILE])})
        t.report(abs(t.params["x"]), 0)
        if i == 3:
            study.tell(t, state="fail", error="Traceback ...\nValueError: <img src=x onerror=alert(1)>")
        elif i == 4:
            study.tell(t, state="pruned")
        else:
            study.tell(t, (t.params["x"] - 1) ** 2)
    return study


class _Refs(html.parser.HTMLParser):
    """Every tag, and every attribute that makes a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetches: list[tuple[str, str, str]] = []
        self.csp: str | None = None
        self.in_table = False
        self.cells: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        for name in ("src", "href", "data", "srcset", "poster", "action", "formaction"):
            if a.get(name) and not str(a[name]).startswith(("#", "data:")):
                self.fetches.append((tag, name, str(a[name])))
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content")
        if tag == "tr":
            self.cells.append([])

    def handle_data(self, data: str) -> None:
        if self.cells and self.lasttag in ("td", "th"):
            self.cells[-1].append(data)


def read_report(path: Path) -> tuple[str, _Refs]:
    text = path.read_text(encoding="utf-8")
    refs = _Refs()
    refs.feed(text)
    return text, refs


def test_report_is_one_self_contained_file(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_study()
    assert main(["report", "quad", "--storage", DB, "-o", "out.html"]) == 0
    assert "wrote out.html" in capsys.readouterr().out
    text, refs = read_report(in_tmp / "out.html")
    assert refs.fetches == []  # no <script src>, <link href>, <img src>, ...
    assert "link" not in refs.tags and "iframe" not in refs.tags
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", text)  # nor from a style sheet
    # The browser is told to fetch nothing at all, whatever a script might try.
    assert refs.csp is not None and "default-src 'none'" in refs.csp and "connect-src" not in refs.csp
    # plotly.js is inside, compressed: the report is 2 MB rather than 5 MB.
    packed = re.search(r'<script type="application/gzip\+base64" id="hs-plotly">(.*?)</script>', text, re.S)[1]
    assert gzip.decompress(base64.b64decode(packed)).decode() == get_plotlyjs()
    assert len(text) < 0.5 * len(get_plotlyjs())
    figures = json.loads(re.search(r'<script type="application/json" id="hs-figures">(.*?)</script>', text, re.S)[1])
    assert set(figures) == {"history", "importance", "slice", "contour", "parallel", "intermediate", "edf",
                            "timeline"}  # fmt: skip
    assert all(f'id="fig-{k}"' in text for k in figures)


def test_report_of_several_objectives_opens_with_the_pareto_front_and_hypervolume(in_tmp: Path) -> None:
    def constraints(t: hs.FrozenTrial) -> list[float]:
        return [t.params["x"] - 0.9]  # x > 0.9 is infeasible

    study = hs.create_study(study_name="two", storage=DB, directions=["minimize", "maximize"], sampler="random",
                            seed=0, constraints_func=constraints)  # fmt: skip
    for _ in range(15):
        t = study.ask({"x": hs.Float(0, 1)})
        study.tell(t, [t.params["x"], t.params["x"] ** 0.5])
    assert main(["report", "two", "--storage", DB, "-o", "r.html"]) == 0
    text, _ = read_report(in_tmp / "r.html")
    figures = json.loads(re.search(r'<script type="application/json" id="hs-figures">(.*?)</script>', text, re.S)[1])
    assert list(figures)[:3] == ["pareto", "hypervolume", "history"]
    front = {tr["name"]: tr for tr in figures["pareto"]["data"]}
    feasible = [t for t in study.trials if t.params["x"] <= 0.9]
    assert len(front["Infeasible"]["x"]) == 15 - len(feasible) > 0
    assert len(front["Best trials"]["x"]) == len(feasible)  # x against sqrt(x): every feasible trial is optimal
    # The reference point is past the feasible trials' worst value by a tenth of their range.
    xs = [t.params["x"] for t in feasible]
    ref_x = max(xs) + 0.1 * (max(xs) - min(xs))
    assert f"reference point {ref_x:.4g}" in figures["hypervolume"]["layout"]["title"]["text"]
    assert len(figures["hypervolume"]["data"][0]["y"]) == 15


def test_report_shows_the_best_value_and_parameters(in_tmp: Path) -> None:
    study = make_study()
    best = study.best_trial
    assert main(["report", "quad", "--storage", DB, "-o", "r.html"]) == 0
    text, refs = read_report(in_tmp / "r.html")
    summary = text[text.index('<dl class="summary"') : text.index("</dl>")]
    assert f"<dt>best value</dt><dd>{best.value!r} (trial {best.number})</dd>" in summary
    for k, v in best.params.items():
        assert f"<dt>\u2003{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>" in summary
    assert "12 (10 complete, 1 pruned, 1 fail)" in summary
    assert "time in trials" in summary and "wall time" in summary


def test_report_table_has_every_trial_with_sort_keys(in_tmp: Path) -> None:
    study = make_study()
    assert main(["report", "quad", "--storage", DB, "-o", "r.html"]) == 0
    text, refs = read_report(in_tmp / "r.html")
    body = text[text.index('<table class="trials"') : text.index("</table>")]
    assert body.count("<tr data-number=") == len(study.trials)
    for t in study.get_trials(deepcopy=False, states=[hs.TrialState.COMPLETE]):
        assert f'data-v="{t.value!r}"' in body  # exact numbers to sort by, whatever the shown rounding
        row = body[body.index(f'<tr data-number="{t.number}">') :].split("</tr>")[0]
        # Shown to 4 significant digits, with the exact value as the cell's tooltip.
        rounded = float(f"{t.value:.4g}") != t.value
        tooltip = f' title="{t.value!r}"' if rounded else ""
        assert f'<td data-v="{t.value!r}"{tooltip}>{t.value:.4g}</td>' in row
    assert "hsSortable" in text


def test_report_escapes_every_user_string(in_tmp: Path) -> None:
    make_study(HOSTILE)
    assert main(["report", HOSTILE, "--storage", DB, "-o", "r.html"]) == 0
    text, refs = read_report(in_tmp / "r.html")
    assert HOSTILE not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in text  # the study name and a parameter value
    assert refs.tags.count("script") == 3  # the figures' JSON, plotly.js and ours: nothing injected


def test_report_of_a_study_without_trials(in_tmp: Path) -> None:
    hs.create_study(study_name="empty", storage=DB)
    assert main(["report", "empty", "--storage", DB, "-o", "r.html"]) == 0
    text, _ = read_report(in_tmp / "r.html")
    assert "no complete trial yet" in text


def test_report_errors_are_one_line(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_study()
    assert main(["report", "nope", "--storage", DB, "-o", "r.html"]) == 2
    assert "no study named 'nope'" in capsys.readouterr().err
    assert main(["report", "quad", "--storage", DB, "-o", "no/such/folder/r.html"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (in_tmp / "r.html").exists()


def test_report_into_a_folder_is_refused_in_one_line(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_study()
    capsys.readouterr()  # what making the study logged
    (in_tmp / "out").mkdir()
    assert main(["report", "quad", "--storage", DB, "-o", "out"]) == 2
    err = capsys.readouterr().err
    assert "it is a folder" in err and "Traceback" not in err
    assert not [p.name for p in in_tmp.iterdir() if p.name.endswith(".tmp")]
    assert list((in_tmp / "out").iterdir()) == []


def test_report_that_cannot_be_written_leaves_nothing_behind(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_study()
    capsys.readouterr()  # what making the study logged

    def refused(src: str, dst: str) -> None:  # what a folder this user may not write gives
        raise PermissionError(13, "Permission denied", dst)

    monkeypatch.setattr("os.replace", refused)
    assert main(["report", "quad", "--storage", DB, "-o", "r.html"]) == 2
    err = capsys.readouterr().err
    assert "cannot write 'r.html': Permission denied" in err and "Traceback" not in err
    assert not [p.name for p in in_tmp.iterdir() if p.name.endswith((".tmp", ".html"))]  # nothing left behind


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write any folder")
def test_report_into_a_read_only_folder_is_refused_in_one_line(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_study()
    locked = in_tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert main(["report", "quad", "--storage", DB, "-o", str(locked / "r.html")]) == 2
        assert "Permission denied" in capsys.readouterr().err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)
