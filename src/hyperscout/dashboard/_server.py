"""The live dashboard: a small read-only HTTP server over a storage, and the page that polls it.

Endpoints (GET and HEAD only; every other method gets 405):

=========================================  =========================================================
``/``                                      the page (``_assets.DASHBOARD_HTML``)
``/static/style.css``, ``dashboard.js``    its style and script
``/static/plotly.min.js``                  plotly.js from the installed plotly package (no CDN)
``/api/studies``                           every study: name, directions, counts by state, best value
``/api/study?name=N&since=P``              summary, figures and trial table of study ``N``; only
                                           ``{"unchanged": true}`` when its log is still at position ``P``
=========================================  =========================================================

The server never writes to the storage. Bound to a loopback address (the default), it answers only
requests whose ``Host`` is a loopback name, so a web page elsewhere cannot read it through DNS
rebinding; a request with several ``Host`` headers, or an absolute-form target naming another
host, is refused whatever the address. Every response forbids inline scripts and foreign requests
(Content-Security-Policy), and the page sets user text (study names, parameter values, errors)
with ``textContent`` only.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
import traceback
import urllib.parse
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..storages import BaseStorage, StudyInfo
from ..study import Study, load_study
from ..trial import TrialState
from ._assets import CSS, DASHBOARD_HTML, DASHBOARD_JS
from ._data import FIGURES, figures, log_position, plotly_js_gzip, safe_json, summary, trial_table

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_CONSISTENT_TRIES = 3  # builds of a study page before it goes out as it stands
_LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}


@dataclass
class _Entry:
    """A study the server has opened, with its last computed page data."""

    study: Study
    study_id: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    position: int = -1
    payload: dict[str, Any] | None = None


def _host_of(header: str) -> str:
    """The host of a ``Host`` header, without the port (and without the brackets of an IPv6 address)."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if ":" in header else header


def _is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DashboardServer(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` that serves the dashboard of ``storage``; ``serve_forever()`` runs it.

    Example:
        >>> from hyperscout.storages import InMemoryStorage
        >>> server = DashboardServer(InMemoryStorage(), ("127.0.0.1", 0))
        >>> server.url.startswith("http://127.0.0.1:")
        True
        >>> server.server_close()
    """

    daemon_threads = True

    def __init__(
        self,
        storage: BaseStorage,
        address: tuple[str, int] = ("127.0.0.1", 8080),
        *,
        interval: float = 2.0,
        label: str = "",
        verbose: bool = False,
    ) -> None:
        if not (isinstance(interval, (int, float)) and interval > 0):
            raise ValueError(f"interval must be a positive number of seconds, got {interval!r}")
        self.storage = storage
        self.interval = float(interval)
        self.label = label
        self.verbose = verbose
        self.loopback_only = _is_loopback(address[0])
        self._entries: dict[str, _Entry] = {}
        self._entries_lock = threading.Lock()
        self._plotly_js: bytes | None = None
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def plotly_js(self) -> bytes:
        if self._plotly_js is None:
            from plotly.offline import get_plotlyjs

            self._plotly_js = get_plotlyjs().encode()
        return self._plotly_js

    def entry(self, name: str, info: StudyInfo | None = None) -> _Entry | None:
        """The opened study ``name``, or ``None`` when the storage has no such study (any more)."""
        info = info if info is not None else self.storage.find_study(name)
        with self._entries_lock:
            entry = self._entries.get(name)
            if info is None:
                self._entries.pop(name, None)
                return None
            if entry is None or entry.study_id != info.id:  # new, or deleted and created again
                entry = self._entries[name] = _Entry(load_study(name, self.storage, sampler="random"), info.id)
            return entry

    def studies(self) -> list[dict[str, Any]]:
        out = []
        for info in self.storage.list_studies():
            entry = self.entry(info.name, info)
            if entry is None:
                continue
            with entry.lock:
                trials = entry.study.trials
            states = {s.value: 0 for s in TrialState}
            for t in trials:
                states[t.state.value] += 1
            best = None
            if len(info.directions) == 1:
                values = [t.values[0] for t in trials if t.state is TrialState.COMPLETE and t.values]
                if values:
                    best = (min if info.directions[0] == "minimize" else max)(values)
            out.append({"name": info.name, "directions": list(info.directions), "n_trials": len(trials),
                        "states": states, "best_value": best})  # fmt: skip
        return out

    def study_payload(self, name: str, since: int) -> dict[str, Any] | None:
        entry = self.entry(name)
        if entry is None:
            return None
        with entry.lock:  # a Study's view is not thread-safe; this also computes each change once
            position = log_position(entry.study)
            head = {"position": position, "interval_ms": int(self.interval * 1000)}
            if position == since:
                return {**head, "unchanged": True}
            if entry.payload is None or entry.position != position:
                position, payload = _page(entry.study, position)
                head["position"] = position
                entry.payload, entry.position = payload, position
            return {**head, **entry.payload}


def _page(study: Study, position: int) -> tuple[int, dict[str, Any]]:
    """A study page's data and the log position it shows.

    Each part reads the trials anew, so a trial that finishes meanwhile could reach the summary and not
    the plots: the page is rebuilt until the log stood still while it was built. Under a stream of
    changes it goes out as last built, under the position that build started from, so the next poll
    rebuilds it.
    """
    for attempt in range(_CONSISTENT_TRIES):
        figs = figures(study)
        payload = {
            "summary": summary(study),
            "table": trial_table(study),
            "order": [[k, FIGURES[k]] for k in figs],
            "figures": {k: fig.to_plotly_json() for k, fig in figs.items()},
        }
        after = log_position(study)
        if after == position or attempt == _CONSISTENT_TRIES - 1:
            break
        position = after
    return position, payload


class _Handler(BaseHTTPRequestHandler):
    server: DashboardServer
    server_version = "hyperscout-dashboard"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(
        self, status: int, body: bytes, content_type: str, *, cache: bool = False, encoding: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if encoding is not None:
            self.send_header("Content-Encoding", encoding)
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _accepts_gzip(self) -> bool:
        """Whether the request's Accept-Encoding lists gzip (and does not refuse it with q=0)."""
        for item in ",".join(self.headers.get_all("Accept-Encoding") or []).split(","):
            name, _, params = item.partition(";")
            if name.strip().lower() == "gzip":
                return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
        return False

    def _json(self, status: int, data: Any) -> None:
        self._send(status, safe_json(data).encode(), "application/json; charset=utf-8")

    def _target(self) -> urllib.parse.SplitResult | None:
        """The request's target, or ``None`` once a refusal is sent (a host this server does not answer).

        Every ``Host`` header counts, not only the first, and so does the host of an absolute-form
        target (``GET http://evil.example/ HTTP/1.1``), which HTTP/1.1 says wins over ``Host``: a
        proxy or a browser may read another one than we did.
        """
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:
            self._send(HTTPStatus.BAD_REQUEST, b"more than one Host header\n", "text/plain; charset=utf-8")
            return None
        names = [_host_of(h).lower() for h in hosts]
        if self.path.startswith("/"):
            # Origin-form; "http://h" first so that a path starting "//" is not read as a host.
            target = urllib.parse.urlsplit("http://h" + self.path)
        else:
            target = urllib.parse.urlsplit(self.path)
            if target.scheme.lower() not in ("http", "https") or not target.hostname:
                self._send(HTTPStatus.BAD_REQUEST, b"bad request target\n", "text/plain; charset=utf-8")
                return None
            if names and names[0] != target.hostname:
                self._send(HTTPStatus.BAD_REQUEST, b"request target and Host differ\n", "text/plain; charset=utf-8")
                return None
            names = [target.hostname]
        if self.server.loopback_only and not (names and all(_is_loopback(h) for h in names)):
            self._send(HTTPStatus.FORBIDDEN, b"forbidden host\n", "text/plain; charset=utf-8")
            return None
        return target

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        url = self._target()
        if url is None:
            return
        query = urllib.parse.parse_qs(url.query)
        try:
            if url.path == "/":
                self._send(HTTPStatus.OK, DASHBOARD_HTML.encode(), "text/html; charset=utf-8")
            elif url.path == "/static/style.css":
                self._send(HTTPStatus.OK, CSS.encode(), "text/css; charset=utf-8", cache=True)
            elif url.path == "/static/dashboard.js":
                self._send(HTTPStatus.OK, DASHBOARD_JS.encode(), "text/javascript; charset=utf-8")
            elif url.path == "/static/plotly.min.js":
                js = "text/javascript; charset=utf-8"
                if self._accepts_gzip():  # every browser does: 1.5 MB instead of 4.8
                    self._send(HTTPStatus.OK, plotly_js_gzip(), js, cache=True, encoding="gzip")
                else:
                    self._send(HTTPStatus.OK, self.server.plotly_js(), js, cache=True)
            elif url.path == "/api/studies":
                data = {"storage": self.server.label, "interval_ms": int(self.server.interval * 1000),
                        "studies": self.server.studies()}  # fmt: skip
                self._json(HTTPStatus.OK, data)
            elif url.path == "/api/study":
                name = query.get("name", [None])[0]
                try:
                    since = int(query.get("since", ["-1"])[0])
                except ValueError:
                    since = -1
                payload = None if name is None else self.server.study_payload(name, since)
                if payload is None:
                    self._json(HTTPStatus.NOT_FOUND, {"error": f"no study named {name!r}"})
                else:
                    self._json(HTTPStatus.OK, payload)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away mid-answer
        except Exception as e:  # one bad study must not take the server down; say what broke
            traceback.print_exc(file=sys.stderr)
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{type(e).__name__}: {e}"})

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def _read_only(self) -> None:
        # The request's body is never read: close the connection rather than parse it as a request.
        self.close_connection = True
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _read_only  # noqa: N815


def make_server(
    storage: BaseStorage,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    interval: float = 2.0,
    label: str = "",
    verbose: bool = False,
) -> DashboardServer:
    """A dashboard server bound to ``host:port`` (port 0: any free port; see ``server.url``), not yet serving.

    Example:
        >>> from hyperscout.storages import InMemoryStorage
        >>> server = make_server(InMemoryStorage(), port=0)
        >>> server.loopback_only
        True
        >>> server.server_close()
    """
    return DashboardServer(storage, (host, port), interval=interval, label=label, verbose=verbose)


def serve(
    storage: BaseStorage,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    interval: float = 2.0,
    label: str = "",
    verbose: bool = False,
) -> None:
    """Serve the dashboard of ``storage`` on ``host:port`` until interrupted (Ctrl-C).

    Prints the address to stdout (with ``port=0``, the port the system chose), and a warning to
    stderr when ``host`` is reachable from other machines: the dashboard has no login.

    Example:
        >>> import hyperscout as hs
        >>> serve(hs.storages.get_storage("sqlite:///hyperscout.db"))  # doctest: +SKIP
        hyperscout dashboard on http://127.0.0.1:8080/ (Ctrl-C to stop)
    """
    server = make_server(storage, host, port, interval=interval, label=label, verbose=verbose)
    if not server.loopback_only:
        print(f"warning: {host} is reachable from other machines and the dashboard has no login: "
              "anyone who can reach it can read these studies", file=sys.stderr)  # fmt: skip
    print(f"hyperscout dashboard{f' of {label}' if label else ''} on {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
