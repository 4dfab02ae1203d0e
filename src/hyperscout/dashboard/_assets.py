"""The style sheet and scripts of the report and the dashboard, and the dashboard's page.

They are Python strings rather than files so that they travel with the code in any installation
(no package data to declare). Scripts never build HTML from data: user-provided text (study
names, parameter values, error texts) reaches the page only through ``textContent``.
"""

from __future__ import annotations

CSS = """
:root { --fg: #222; --muted: #666; --line: #ddd; --accent: #1f77b4; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1.5em; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.2em; margin: 0; }
header a { color: inherit; text-decoration: none; }
main { padding: 0 1.5em 2em; max-width: 1400px; }
.muted { color: var(--muted); }
.summary { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1.2em; margin: 1em 0; }
.summary dt { color: var(--muted); }
.summary dd { margin: 0; }
.figure { border: 1px solid var(--line); border-radius: 4px; margin: 1em 0; min-height: 120px; }
table.trials, table.studies { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: .5em 0; }
table.trials th, table.trials td, table.studies th, table.studies td {
  border-bottom: 1px solid var(--line); padding: .25em .7em; text-align: left; vertical-align: top; }
table.trials th { cursor: pointer; user-select: none; white-space: nowrap; background: #f6f6f6;
  position: sticky; top: 0; }
table.trials th[aria-sort=ascending]::after { content: " \\25B2"; }
table.trials th[aria-sort=descending]::after { content: " \\25BC"; }
table.trials td.error { max-width: 40em; white-space: pre-wrap; font-family: monospace; font-size: 12px; }
.state-complete { color: #1f77b4; } .state-pruned { color: #ff7f0e; } .state-fail { color: #d62728; }
.state-running { color: #2ca02c; } .state-waiting { color: #7f7f7f; }
.table-wrap { max-height: 70vh; overflow: auto; border: 1px solid var(--line); }
"""

#: Sorting of ``table.trials`` by a click on a column header; cells sort by ``data-v`` when present.
SORT_JS = r"""
function hsCellKey(cell) {
  var v = cell.getAttribute("data-v");
  return v === null ? cell.textContent : v;
}
function hsCompare(a, b, asc) {
  var x = hsCellKey(a), y = hsCellKey(b);
  if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }  // empty cells last either way
  var nx = Number(x), ny = Number(y), out;
  if (!isNaN(nx) && !isNaN(ny)) { out = nx - ny; } else { out = x < y ? -1 : (x > y ? 1 : 0); }
  return asc ? out : -out;
}
function hsSortBy(table, col, asc) {
  var heads = table.tHead.rows[0].cells;
  for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
  heads[col].setAttribute("aria-sort", asc ? "ascending" : "descending");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.sort(function (r1, r2) { return hsCompare(r1.cells[col], r2.cells[col], asc); });
  rows.forEach(function (r) { body.appendChild(r); });
  table.setAttribute("data-sort", col + ":" + (asc ? "asc" : "desc"));
}
function hsSortable(table) {
  table.tHead.addEventListener("click", function (ev) {
    var th = ev.target.closest("th");
    if (!th) { return; }
    var asc = th.getAttribute("aria-sort") !== "ascending";
    hsSortBy(table, th.cellIndex, asc);
  });
}
"""

#: The report's loader of plotly.js, which it carries gzip-compressed in base64 (``#hs-plotly``):
#: unpacked by the browser (no request of any kind) and run as an inline script, then ``done()``.
PLOTLY_LOADER_JS = r"""
function hsLoadPlotly(done, fail) {
  if (typeof DecompressionStream === "undefined") {
    fail("This browser cannot unpack the plots (it needs DecompressionStream: Chrome 80, Firefox 113, " +
         "Safari 16.4 or later). The summary and the table above and below are complete.");
    return;
  }
  var packed = atob(document.getElementById("hs-plotly").textContent);
  var bytes = new Uint8Array(packed.length);
  for (var i = 0; i < packed.length; i++) { bytes[i] = packed.charCodeAt(i); }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (code) {
    var script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
    done();
  }).catch(function (e) { fail("The plots could not be unpacked: " + e); });
}
"""

#: The report's script: make the table sortable, then unpack plotly.js and plot the figures embedded as JSON.
REPORT_JS = r"""
(function () {
  document.querySelectorAll("table.trials").forEach(hsSortable);
  var figures = JSON.parse(document.getElementById("hs-figures").textContent);
  hsLoadPlotly(function () {
    Object.keys(figures).forEach(function (key) {
      var fig = figures[key], div = document.getElementById("fig-" + key);
      div.style.height = (fig.layout.height || 450) + "px";  // a responsive plot takes its box's height
      Plotly.newPlot(div, fig.data, fig.layout, {responsive: true, displaylogo: false});
    });
  }, function (message) {
    document.querySelectorAll(".figure").forEach(function (div) {
      div.textContent = message;
      div.className = "figure muted";
    });
  });
})();
"""

#: The dashboard's page; everything it shows comes from ``/api/...`` and is set with textContent.
DASHBOARD_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hyperscout dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/style.css">
<script src="/static/plotly.min.js"></script>
<script src="/static/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1><a href="#">hyperscout dashboard</a></h1>
  <span id="storage" class="muted"></span>
  <span id="status" class="muted">loading…</span>
</header>
<main>
  <section id="studies-view">
    <h2>Studies</h2>
    <p id="no-studies" class="muted" hidden>No study in this storage yet.</p>
    <table class="studies" id="studies">
      <thead><tr><th>study</th><th>directions</th><th>trials</th><th>complete</th><th>pruned</th>
        <th>fail</th><th>running</th><th>best value</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section id="study-view" hidden>
    <p><a href="#">&larr; all studies</a></p>
    <h2 id="study-name"></h2>
    <dl class="summary" id="summary"></dl>
    <div id="figures"></div>
    <h3>Trials</h3>
    <div class="table-wrap"><table class="trials" id="trials"><thead></thead><tbody></tbody></table></div>
  </section>
</main>
</body>
</html>
"""

#: The dashboard's script: a hash router (``#study=<name>``) and a poll of the JSON endpoints.
DASHBOARD_JS = (
    SORT_JS
    + r"""
var HS = { timer: null, position: -1, study: null, columns: null, interval: 2000, listing: null };

function hsEl(tag, text, cls) {
  var e = document.createElement(tag);
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  if (cls) { e.className = cls; }
  return e;
}
function hsFmt(v) {  // numbers to 4 significant digits, as in the plots and the report
  if (v === null || v === undefined) { return ""; }
  if (typeof v === "number") { return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))); }
  if (typeof v === "object") { return JSON.stringify(v); }
  return String(v);
}
function hsStatus(text) { document.getElementById("status").textContent = text; }
function hsGet(url) {
  return fetch(url, {cache: "no-store"}).then(function (r) {
    if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
    return r.json();
  });
}
function hsStudyFromHash() {
  var h = window.location.hash;
  return h.indexOf("#study=") === 0 ? decodeURIComponent(h.slice(7)) : null;
}

function hsShowStudies(data) {
  // Rebuild the list only when it changed: a row replaced between a user's mouse-down and mouse-up
  // swallows the click.
  var key = JSON.stringify([data.storage, data.studies]);
  if (key === HS.listing) { return; }
  HS.listing = key;
  document.getElementById("storage").textContent = data.storage;
  var body = document.querySelector("#studies tbody");
  body.textContent = "";
  document.getElementById("no-studies").hidden = data.studies.length > 0;
  data.studies.forEach(function (s) {
    var tr = hsEl("tr");
    var td = hsEl("td");
    var a = hsEl("a", s.name, "study-link");
    a.href = "#study=" + encodeURIComponent(s.name);
    td.appendChild(a);
    tr.appendChild(td);
    [s.directions.join(", "), s.n_trials, s.states.complete, s.states.pruned, s.states.fail, s.states.running,
     hsFmt(s.best_value)].forEach(function (v) { tr.appendChild(hsEl("td", v)); });
    body.appendChild(tr);
  });
}

function hsSummary(s) {
  var dl = document.getElementById("summary");
  dl.textContent = "";
  function row(k, v) { dl.appendChild(hsEl("dt", k)); dl.appendChild(hsEl("dd", v)); }
  row("directions", s.directions.join(", "));
  row("trials", s.n_trials + " (" + Object.keys(s.states).filter(function (k) { return s.states[k]; })
      .map(function (k) { return s.states[k] + " " + k; }).join(", ") + ")");
  if (!s.best.length) { row("best", "no complete trial yet"); }
  s.best.forEach(function (b) {
    row(s.directions.length > 1 ? "Pareto trial " + b.number : "best value",
        b.values.map(String).join(", ") + " (trial " + b.number + ")");  // exact, as the report shows it
    Object.keys(b.params).forEach(function (k) {
      var v = b.params[k];
      row("\u2003" + k, typeof v === "number" ? String(v) : hsFmt(v));
    });
  });
  row("time in trials", s.trial_seconds.toFixed(1) + " s");
  row("wall time", s.wall_seconds.toFixed(1) + " s");
}

function hsFigures(order, figures) {
  var box = document.getElementById("figures");
  order.forEach(function (item) {
    var key = item[0], id = "fig-" + key, div = document.getElementById(id);
    if (!div) {
      box.appendChild(hsEl("h3", item[1]));
      div = hsEl("div", null, "figure");
      div.id = id;
      box.appendChild(div);
    }
    var fig = figures[key];
    div.style.height = (fig.layout.height || 450) + "px";  // a responsive plot takes its box's height
    Plotly.react(div, fig.data, fig.layout, {responsive: true, displaylogo: false});
  });
}

function hsTable(table) {
  var t = document.getElementById("trials");
  var head = t.tHead, body = t.tBodies[0];
  var cols = JSON.stringify(table.columns);
  if (cols !== HS.columns) {
    head.textContent = "";
    var tr = hsEl("tr");
    table.columns.forEach(function (c) { tr.appendChild(hsEl("th", c)); });
    head.appendChild(tr);
    HS.columns = cols;
    t.removeAttribute("data-sort");
  }
  body.textContent = "";
  var last = table.columns.length - 1;
  table.rows.forEach(function (r) {
    var tr = hsEl("tr");
    tr.setAttribute("data-number", r[0]);
    r.forEach(function (v, i) {
      var td = hsEl("td", hsFmt(v), i === 1 ? "state-" + v : (i === last ? "error" : null));
      if (typeof v === "number") {
        td.setAttribute("data-v", String(v));
        if (td.textContent !== String(v)) { td.title = String(v); }  // the exact value, on hovering
      }
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  var sort = t.getAttribute("data-sort");
  if (sort) { var p = sort.split(":"); hsSortBy(t, Number(p[0]), p[1] === "asc"); }
}

function hsPoll() {
  clearTimeout(HS.timer);
  var name = hsStudyFromHash();
  var done = function () { HS.timer = setTimeout(hsPoll, HS.interval); };
  if (name === null) {
    hsGet("/api/studies").then(function (data) {
      HS.interval = data.interval_ms;
      hsShowStudies(data);
      hsStatus("updated " + new Date().toLocaleTimeString());
    }).catch(function (e) { hsStatus("cannot reach the server: " + e.message); }).then(done);
    return;
  }
  var url = "/api/study?name=" + encodeURIComponent(name) + "&since=" + HS.position;
  hsGet(url).then(function (data) {
    HS.interval = data.interval_ms;
    if (hsStudyFromHash() !== name) { return; }  // the user moved on while this was loading
    if (!data.unchanged) {
      HS.position = data.position;
      document.getElementById("study-name").textContent = data.summary.name;
      hsSummary(data.summary);
      hsFigures(data.order, data.figures);
      hsTable(data.table);
    }
    hsStatus("updated " + new Date().toLocaleTimeString());
  }).catch(function (e) { hsStatus("cannot load the study: " + e.message); }).then(done);
}

function hsRoute() {
  var name = hsStudyFromHash();
  document.getElementById("studies-view").hidden = name !== null;
  document.getElementById("study-view").hidden = name === null;
  if (name !== HS.study) {
    HS.study = name;
    HS.position = -1;
    HS.columns = null;
    document.getElementById("figures").textContent = "";
    document.getElementById("study-name").textContent = name === null ? "" : name;
  }
  hsPoll();
}

window.addEventListener("hashchange", hsRoute);
hsSortable(document.getElementById("trials"));
hsRoute();
"""
)
