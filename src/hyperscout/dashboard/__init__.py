"""A study as a web page: the self-contained HTML report, and the live dashboard over a storage.

* ``write_report(study, "report.html")`` (or ``hyperscout report STUDY -o report.html``): one file
  with the summary (best value and parameters, counts by state, time spent), every plot of
  ``hyperscout.visualization`` and a sortable table of the trials. plotly.js is inside the file:
  it opens offline and loads nothing.
* ``serve(storage)`` (or ``hyperscout dashboard --storage URL``): a read-only web server on
  127.0.0.1 listing the studies of a storage and, per study, the same plots and table, refreshed
  as trials finish.

Both need plotly (``pip install -e ".[viz]"``); the importance plot also scikit-learn.

Example:
    >>> import hyperscout as hs
    >>> from hyperscout.dashboard import render_report
    >>> study = hs.create_study(study_name="demo", seed=0)
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=False)
    >>> "demo - hyperscout report" in render_report(study)
    True
"""

from __future__ import annotations

from ._report import render_report, write_report
from ._server import DashboardServer, make_server, serve

__all__ = ["render_report", "write_report", "serve", "make_server", "DashboardServer"]
