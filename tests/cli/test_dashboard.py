"""``hyperscout dashboard``: the read-only server, and the page in a real headless Chromium.

The browser tests need Chromium and its driver (Debian: ``apt-get install chromium chromium-driver``,
which ``.ci/run`` does) and selenium; they are skipped, with that reason, where these are missing.
The report's "loads nothing" test is here too, because it needs the same browser.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import hyperscout as hs
from hyperscout.cli import main
from hyperscout.dashboard import DashboardServer, make_server, write_report

pytest.importorskip("plotly")
pytest.importorskip("sklearn")

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SPACE = {"x": hs.Float(-3, 3), "lr": hs.Float(1e-4, 1, log=True), "kind": hs.Categorical(["a", "b"])}


def add_trials(url: str, name: str, values: list[float]) -> hs.Study:
    """Trials written by another ``Study`` than the server's, as another process would."""
    study = hs.create_study(study_name=name, storage=url, sampler="random", seed=0)
    for v in values:
        study.tell(study.ask(SPACE), v)
    return study


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[DashboardServer, str]]:
    url = f"sqlite:///{tmp_path / 'hs.db'}"
    server = make_server(hs.storages.get_storage(url), port=0, interval=0.2, label="test storage")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server, url
    server.shutdown()
    server.server_close()
    thread.join(10)


def request(url: str, method: str = "GET", host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method, data=b"{}" if method in ("POST", "PUT", "PATCH") else None)
    if host is not None:
        req.add_unredirected_header("Host", host)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url: str) -> Any:
    status, _, body = request(url)
    assert status == 200, body
    return json.loads(body)


# -- the server ------------------------------------------------------------------------------------


def test_api_lists_studies_and_serves_a_study_incrementally(served: tuple[DashboardServer, str]) -> None:
    server, url = served
    study = add_trials(url, "quad", [3.0, 1.0, 2.0])
    listing = get_json(server.url + "api/studies")
    assert listing["storage"] == "test storage" and listing["interval_ms"] == 200
    assert [(s["name"], s["n_trials"], s["best_value"]) for s in listing["studies"]] == [("quad", 3, 1.0)]
    page = get_json(server.url + "api/study?name=quad&since=-1")
    assert page["summary"]["best"][0]["values"] == [1.0]
    assert len(page["table"]["rows"]) == 3 and page["table"]["columns"][:3] == ["number", "state", "value"]
    assert [k for k, _ in page["order"]] == list(page["figures"])
    assert {"history", "importance", "slice", "contour", "parallel", "intermediate", "edf", "timeline"} == set(
        page["figures"]
    )
    same = get_json(server.url + f"api/study?name=quad&since={page['position']}")
    assert same == {"position": page["position"], "interval_ms": 200, "unchanged": True}
    study.tell(study.ask(SPACE), 0.5)
    newer = get_json(server.url + f"api/study?name=quad&since={page['position']}")
    assert newer["position"] > page["position"] and len(newer["table"]["rows"]) == 4
    assert newer["summary"]["best"][0]["values"] == [0.5]


def test_a_trial_finishing_while_the_page_is_built_does_not_give_a_mixed_page(
    served: tuple[DashboardServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The plots, the summary and the table each read the trials: a trial that finishes between them
    # must reach all of them or none, and the page's position must be that of what it shows.
    from hyperscout.dashboard import _server

    server, url = served
    study = add_trials(url, "race", [3.0, 1.0])
    running = study.ask(SPACE)
    real_figures = _server.figures
    calls = []

    def figures_then_finish(s: hs.Study) -> dict[str, Any]:
        out = real_figures(s)
        if not calls:
            study.tell(running, -1.0)  # another process finishes the trial right after the plots were drawn
        calls.append(1)
        return out

    monkeypatch.setattr(_server, "figures", figures_then_finish)
    page = get_json(server.url + "api/study?name=race&since=-1")
    assert len(calls) == 2  # the first build saw the log move and was redone
    assert page["summary"]["best"][0]["values"] == [-1.0]
    assert len(page["figures"]["history"]["data"][0]["y"]) == 3  # the plots have the finished trial too
    assert get_json(server.url + f"api/study?name=race&since={page['position']}")["unchanged"] is True


def test_server_is_read_only(served: tuple[DashboardServer, str]) -> None:
    server, url = served
    add_trials(url, "quad", [1.0])
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, headers, _ = request(server.url + "api/study?name=quad", method)
        assert status == 405 and headers["Allow"] == "GET, HEAD", method
    assert hs.get_all_study_names(url) == ["quad"]
    assert len(hs.load_study("quad", url).trials) == 1


def test_server_answers_only_loopback_host_names(served: tuple[DashboardServer, str]) -> None:
    # A page on evil.example whose name resolves to 127.0.0.1 (DNS rebinding) sends Host: evil.example.
    server, _ = served
    port = server.server_address[1]
    assert request(server.url + "api/studies", host=f"evil.example:{port}")[0] == 403
    assert request(server.url + "api/studies", host=f"localhost:{port}")[0] == 200


def test_server_headers_forbid_inline_scripts_and_sniffing(served: tuple[DashboardServer, str]) -> None:
    server, _ = served
    status, headers, body = request(server.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert (
        "script-src 'self'" in headers["Content-Security-Policy"]
        and "unsafe-inline" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in body  # no inline script: all of it is served from /static
    status, headers, js = request(server.url + "static/plotly.min.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript") and len(js) > 3_000_000
    assert "Content-Encoding" not in headers  # a client that does not ask for gzip gets plain text
    assert request(server.url + "api/study?name=nope")[0] == 404
    assert request(server.url + "etc/passwd")[0] == 404


def test_cli_dashboard_serves_until_interrupted(tmp_path: Path, default_signals: Callable[[], None]) -> None:
    url = f"sqlite:///{tmp_path / 'hs.db'}"
    add_trials(url, "quad", [1.0])
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "hyperscout.cli", "dashboard", "--storage", url, "--port", "0", "--interval", "0.5"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=default_signals
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the process prints it once it serves (or ends, giving EOF)
        assert " on http://127.0.0.1:" in line, line + (proc.stderr.read() if proc.poll() is not None else "")
        base = line.split(" on ", 1)[1].split(" ", 1)[0]
        assert [s["name"] for s in get_json(base + "api/studies")["studies"]] == ["quad"]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)  # generous: the machine may be busy
        assert proc.returncode == 0, err
        assert out.strip() == "stopped"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_dashboard_says_when_the_port_is_taken(
    served: tuple[DashboardServer, str], capsys: pytest.CaptureFixture[str]
) -> None:
    server, url = served
    assert main(["dashboard", "--storage", url, "--port", str(server.server_address[1])]) == 2
    assert "cannot serve on 127.0.0.1:" in capsys.readouterr().err


def test_cli_dashboard_refuses_a_missing_sqlite_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", "--storage", f"sqlite:///{tmp_path / 'none.db'}", "--port", "0"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


# -- in a real browser -----------------------------------------------------------------------------


def _binary(*names: str) -> str | None:
    return next((p for n in names if (p := shutil.which(n))), None)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    chromium = _binary("chromium", "chromium-browser", "google-chrome")
    driver_path = _binary("chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip("needs Chromium and chromedriver: apt-get install chromium chromium-driver (.ci/run does)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 90.0) -> Any:
    """Poll ``check`` until it returns something true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as e:  # the page is still changing under us (a stale element): look again
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last saw {last!r}")


def console_errors(driver: Any) -> list[str]:
    # Headless Chromium has no WebGL (the parallel-coordinates plot needs it): not the page's fault.
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE" and "WebGL" not in e["message"]]


def test_dashboard_shows_the_study_and_updates_as_trials_finish(
    browser: Any, served: tuple[DashboardServer, str]
) -> None:
    from selenium.webdriver.common.by import By

    server, url = served
    study = add_trials(url, HOSTILE, [3.0, 1.0, 2.0, 5.0])
    browser.get(server.url)
    link = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "a.study-link"), "the list of studies")[0]
    assert link.text == HOSTILE  # shown as text, not parsed as markup
    time.sleep(1.0)  # five polls of an unchanged list: it must not be rebuilt under the user's click
    assert link.text == HOSTILE  # raises StaleElementReferenceException if the row was replaced
    link.click()
    rows = "#trials tbody tr"
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, rows)) == 4, "the 4 trials in the table")
    assert browser.find_element(By.ID, "study-name").text == HOSTILE
    plots = wait_for(lambda: browser.execute_script("return document.querySelectorAll('.js-plotly-plot').length"),
                     "the plots")  # fmt: skip
    assert plots == 8
    assert "best value\n1 (trial 1)" in browser.find_element(By.ID, "summary").text  # JavaScript writes 1.0 as 1

    study.tell(study.ask(SPACE), -7.25)  # a trial finishes in another process
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, rows)) == 5, "the new trial in the table")
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "#trials tbody td")]
    assert "-7.25" in cells
    wait_for(lambda: "-7.25 (trial 4)" in browser.find_element(By.ID, "summary").text, "the new best value")
    history = browser.execute_script("return document.getElementById('fig-history').data[0].y.length")
    assert history == 5  # the plots were redrawn with it

    # The hostile name never ran: no script of its own, no <img src=x>, no flag set.
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.execute_script("return document.querySelectorAll('img[src=x]').length") == 0
    assert browser.execute_script("return document.scripts.length") == 2  # plotly.min.js and dashboard.js
    browser.get(server.url)  # back to the list, which renders the name too
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "a.study-link"), "the list again")
    assert browser.execute_script("return window.__pwned === undefined")
    assert console_errors(browser) == []


def test_report_opened_in_a_browser_requests_nothing_and_sorts(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    url = f"sqlite:///{tmp_path / 'hs.db'}"
    study = add_trials(url, HOSTILE, [3.0, 1.0, 2.0, 5.0, 4.0])
    path = tmp_path / "report.html"
    write_report(study, path)
    browser.get(path.as_uri())
    wait_for(lambda: browser.execute_script("return document.querySelectorAll('.js-plotly-plot').length") == 8,
             "the 8 plots")  # fmt: skip
    requested = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.add(message["params"]["request"]["url"])
    # chrome:// pages are the browser's own (its new-tab page); everything else must be the file itself.
    foreign = {u for u in requested if not u.startswith(("chrome://", "chrome-untrusted://", "data:", "about:"))}
    assert foreign == {path.as_uri()}
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.find_element(By.ID, "study-name").text == HOSTILE

    header = browser.find_elements(By.CSS_SELECTOR, "#trials th")[2]
    assert header.text == "value"
    header.click()
    values = [float(c.text) for c in browser.find_elements(By.CSS_SELECTOR, "#trials tbody td:nth-child(3)")]
    assert values == [1.0, 2.0, 3.0, 4.0, 5.0]
    header.click()
    values = [float(c.text) for c in browser.find_elements(By.CSS_SELECTOR, "#trials tbody td:nth-child(3)")]
    assert values == [5.0, 4.0, 3.0, 2.0, 1.0]
    assert console_errors(browser) == []


def test_plotly_js_is_sent_gzip_compressed_to_a_client_that_accepts_it(served: tuple[DashboardServer, str]) -> None:
    server, _ = served
    plain = request(server.url + "static/plotly.min.js")[2]
    for accept, compressed in [("gzip, deflate, br", True), ("br;q=1.0, GZIP;q=0.5", True), ("gzip;q=0", False),
                               ("deflate", False)]:  # fmt: skip
        req = urllib.request.Request(server.url + "static/plotly.min.js", headers={"Accept-Encoding": accept})
        with urllib.request.urlopen(req, timeout=60) as answer:
            body, encoding = answer.read(), answer.headers.get("Content-Encoding")
        if compressed:
            assert encoding == "gzip" and answer.headers["Vary"] == "Accept-Encoding"
            assert len(body) < 0.4 * len(plain) and gzip.decompress(body) == plain
        else:
            assert encoding is None and body == plain


def raw_request(server: DashboardServer, head: str) -> int:
    """The status of a request written by hand (``head``: request line and headers, without the blank line)."""
    import socket

    with socket.create_connection(server.server_address[:2], timeout=60) as sock:
        sock.sendall((head + "\r\nConnection: close\r\n\r\n").encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_server_checks_every_host_header_and_absolute_targets(served: tuple[DashboardServer, str]) -> None:
    server, _ = served
    port = server.server_address[1]
    local = f"Host: 127.0.0.1:{port}"
    assert raw_request(server, f"GET /api/studies HTTP/1.1\r\n{local}") == 200
    # A second Host header that a proxy or a cache may read instead of the first.
    assert raw_request(server, f"GET /api/studies HTTP/1.1\r\n{local}\r\nHost: evil.example") == 400
    assert raw_request(server, f"GET /api/studies HTTP/1.1\r\nHost: evil.example\r\n{local}") in (400, 403)
    # Absolute-form targets: their host wins over Host (RFC 9112, 3.2.2).
    assert raw_request(server, f"GET http://evil.example/api/studies HTTP/1.1\r\n{local}") in (400, 403)
    assert raw_request(server, "GET http://evil.example/api/studies HTTP/1.1\r\nHost: evil.example") == 403
    assert raw_request(server, f"GET http://127.0.0.1:{port}/api/studies HTTP/1.1\r\n{local}") == 200
    assert raw_request(server, f"GET http://localhost:{port}/api/studies HTTP/1.1\r\nHost: localhost") == 200
    assert raw_request(server, f"GET ftp://127.0.0.1/api/studies HTTP/1.1\r\n{local}") == 400
    assert raw_request(server, f"GET //evil.example/api/studies HTTP/1.1\r\n{local}") == 404  # a path, not a host
    assert raw_request(server, "GET /api/studies HTTP/1.1") == 403  # no Host at all


def test_dashboard_legends_fit_and_leave_the_plot_its_width_in_a_narrow_window(
    browser: Any, served: tuple[DashboardServer, str]
) -> None:
    server, url = served
    study = add_trials(url, "narrow", [3.0, 1.0, 2.0])
    study.tell(study.ask(SPACE), state="pruned")  # a second legend entry in the history and the timeline
    browser.set_window_size(480, 900)
    browser.get(server.url + "#study=narrow")
    wait_for(lambda: browser.execute_script("return document.querySelectorAll('.js-plotly-plot').length") == 8,
             "the plots")  # fmt: skip
    boxes = browser.execute_script(
        """return Array.from(document.querySelectorAll('.figure')).filter(function (div) {
             return div.querySelector('.legend');
           }).map(function (div) {
             var f = div.getBoundingClientRect(), l = div.querySelector('.legend').getBoundingClientRect();
             var p = div.querySelector('.nsewdrag').getBoundingClientRect();
             return [div.id, l.left - f.left, f.right - l.right, l.top - f.top, f.bottom - l.bottom, p.width / f.width];
           });"""
    )
    assert {b[0] for b in boxes} >= {"fig-history", "fig-timeline"}
    for name, left, right, top, bottom, plot_share in boxes:
        assert min(left, right, top, bottom) >= 0, f"{name}: the legend sticks out of its figure"
        # 75% here; 52% with the legend at the right of the plot, as it was
        assert plot_share > 0.7, f"{name}: the plot has {plot_share:.0%} of the width"


def test_report_in_a_browser_without_decompression_says_so_and_still_sorts(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    study = add_trials(f"sqlite:///{tmp_path / 'hs.db'}", "old browser", [3.0, 1.0, 2.0])
    path = tmp_path / "report.html"
    write_report(study, path)
    # As in a browser older than DecompressionStream (Chrome 80, Firefox 113, Safari 16.4).
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.DecompressionStream;"})
    browser.get(path.as_uri())
    message = wait_for(lambda: browser.find_element(By.ID, "fig-history").text, "the message in place of a plot")
    assert "cannot unpack the plots" in message and "Firefox 113" in message
    assert browser.execute_script("return typeof Plotly") == "undefined"
    assert browser.execute_script("return document.querySelectorAll('.js-plotly-plot').length") == 0
    browser.find_elements(By.CSS_SELECTOR, "#trials th")[2].click()
    values = [float(c.text) for c in browser.find_elements(By.CSS_SELECTOR, "#trials tbody td:nth-child(3)")]
    assert values == [1.0, 2.0, 3.0]
    assert console_errors(browser) == []
