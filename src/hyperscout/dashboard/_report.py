"""The HTML report: one self-contained file with a study's summary, plots and sortable trial table.

The file loads nothing: plotly.js, the figures (as JSON), the style and the scripts are inside it,
and its Content-Security-Policy forbids the browser to fetch anything, so it opens offline and
cannot leak that it was opened.

plotly.js (4.8 MB as plotly 6 and 7 ship it) is the bulk of a report, so it travels gzip-compressed
(as base64, 2 MB) and the page unpacks it with the browser's own ``DecompressionStream`` (Chrome
and Edge 80, Firefox 113, Safari 16.4 and later) before it draws the plots; the table and the
summary need no script.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import html
import math
import os
import tempfile
from typing import Any

from .._version import __version__
from ..study import Study
from ._assets import CSS, PLOTLY_LOADER_JS, REPORT_JS, SORT_JS
from ._data import FIGURES, figures, plotly_js_gzip, safe_json, summary, trial_table

# Inline scripts and styles only; no request of any kind (images as data: URLs, for plotly's download button).
_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(v: Any) -> str:
    """A table cell's text: floats to 4 significant digits (the exact value is the cell's tooltip)."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _seconds(s: float) -> str:
    if s < 120:
        return f"{s:.1f} s"
    return f"{s / 60:.1f} min" if s < 7200 else f"{s / 3600:.1f} h"


def _when(t: float | None) -> str:
    return "-" if t is None else dt.datetime.fromtimestamp(t).isoformat(sep=" ", timespec="seconds")


def _summary_html(s: dict[str, Any]) -> str:
    rows: list[tuple[str, str]] = [("directions", ", ".join(s["directions"]))]
    counts = ", ".join(f"{n} {k}" for k, n in s["states"].items() if n)
    rows.append(("trials", f"{s['n_trials']}" + (f" ({counts})" if counts else "")))
    if not s["best"]:
        rows.append(("best value", "no complete trial yet"))
    for b in s["best"]:
        key = "best value" if len(s["directions"]) == 1 else f"Pareto trial {b['number']}"
        rows.append((key, ", ".join(repr(v) for v in b["values"]) + f" (trial {b['number']})"))
        rows.extend((f"\u2003{k}", str(v)) for k, v in b["params"].items())
    rows.append(("time in trials", _seconds(s["trial_seconds"])))
    rows.append(("wall time", f"{_seconds(s['wall_seconds'])} ({_when(s['first_start'])} to {_when(s['last_end'])})"))
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f'<dl class="summary" id="summary">{items}</dl>'


def _table_html(table: dict[str, Any]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in table["columns"])
    last = len(table["columns"]) - 1
    body = []
    for row in table["rows"]:
        cells = []
        for i, v in enumerate(row):
            cls = f' class="state-{_e(v)}"' if i == 1 else (' class="error"' if i == last else "")
            sort = ""
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                sort = f' data-v="{v!r}"'
            shown = "" if v is None else _num(v)
            if isinstance(v, float) and math.isfinite(v) and float(shown) != v:
                sort += f' title="{v!r}"'  # the exact value, on hovering over the rounded one
            cells.append(f"<td{cls}{sort}>{_e(shown)}</td>")
        body.append(f'<tr data-number="{_e(row[0])}">{"".join(cells)}</tr>')
    return (
        f'<div class="table-wrap"><table class="trials" id="trials"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def packed_plotly_js() -> str:
    """The installed plotly.js, gzip-compressed and base64-encoded (what the report carries and unpacks)."""
    return base64.b64encode(plotly_js_gzip()).decode("ascii")


def render_report(study: Study) -> str:
    """The report of ``study`` as one HTML document (about 2 MB: plotly.js is inside, compressed).

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(study_name="demo", seed=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
        >>> page = render_report(study)
        >>> page.startswith("<!DOCTYPE html>"), "<script src=" in page
        (True, False)
    """
    s = summary(study)
    figs = figures(study)
    divs = "".join(f'<h2>{_e(FIGURES[k])}</h2><div class="figure" id="fig-{k}"></div>' for k in figs)
    payload = safe_json({k: fig.to_plotly_json() for k, fig in figs.items()})
    generated = dt.datetime.now().isoformat(sep=" ", timespec="seconds")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(s["name"])} - hyperscout report</title>
<style>{CSS}</style>
</head>
<body>
<header><h1>hyperscout report</h1>
<span class="muted">generated {generated} by hyperscout {_e(__version__)}</span></header>
<main>
<h2 id="study-name">{_e(s["name"])}</h2>
{_summary_html(s)}
{divs}
<h2>Trials</h2>
<p class="muted">Click a column header to sort.</p>
{_table_html(trial_table(study))}
</main>
<script type="application/json" id="hs-figures">{payload}</script>
<script type="application/gzip+base64" id="hs-plotly">{packed_plotly_js()}</script>
<script>{SORT_JS}{PLOTLY_LOADER_JS}{REPORT_JS}</script>
</body>
</html>
"""


def write_report(study: Study, path: str | os.PathLike[str]) -> None:
    """Write the report of ``study`` to ``path`` (UTF-8 HTML), replacing any file there.

    Example:
        >>> import hyperscout as hs
        >>> study = hs.create_study(seed=0)
        >>> write_report(study, "report.html")  # doctest: +SKIP
    """
    target = os.fspath(path)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "it is a folder; name a file in it, such as report.html", target)
    text = render_report(study)
    # Written beside the target under a name of its own, then renamed: a reader never sees half a
    # report. Whatever goes wrong (a full disk, no permission), the partial file is removed.
    fd, tmp = tempfile.mkstemp(
        prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=os.path.dirname(os.path.abspath(target))
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644 & ~_umask())  # mkstemp's 0600 would hide the report from other users
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
