"""A pytest plugin: run scikit-learn's search tests with hyperscout's classes, record every outcome.

Loaded with ``-p search_plugin`` by ``test_sklearn_search.py``, in a separate pytest run over
``--pyargs sklearn.model_selection.tests.test_search``. With ``HS_SEARCH_CLASSES=hyperscout`` the
test module is imported while ``sklearn.model_selection.GridSearchCV`` and ``RandomizedSearchCV``
are ``hyperscout.sklearn``'s, so its ``from sklearn.model_selection import ...`` takes ours, at
import time as a changed import line would (test parameters and module-level cases built from the
classes included); the test bodies are untouched, and scikit-learn's names are put back at once.
With any other value the run uses scikit-learn's own classes. The outcome of each test goes, as
JSON, to ``HS_SEARCH_REPORT``.
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any

MODULE = "sklearn.model_selection.tests.test_search"
#: Modules the test module imports from; imported first so that only its own imports change.
_HELPERS = (
    "sklearn.callback.tests._utils",
    "sklearn.model_selection.tests.common",
    "sklearn.tests.metadata_routing_common",
    "sklearn.utils._testing",
    "sklearn.utils._mocking",
    "sklearn.experimental.enable_halving_search_cv",
)

_outcomes: dict[str, str] = {}
_swapped: list[str] = []


def pytest_configure(config: Any) -> None:
    if os.environ.get("HS_SEARCH_CLASSES") != "hyperscout":
        return
    import sklearn.model_selection as ms

    from hyperscout import sklearn as ours

    for name in _HELPERS:
        try:
            importlib.import_module(name)
        except ImportError:  # another scikit-learn version: the test module imports what it has
            pass
    saved = ms.GridSearchCV, ms.RandomizedSearchCV
    ms.GridSearchCV, ms.RandomizedSearchCV = ours.GridSearchCV, ours.RandomizedSearchCV
    try:
        importlib.import_module(MODULE)
    finally:
        ms.GridSearchCV, ms.RandomizedSearchCV = saved


def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    from hyperscout import sklearn as ours

    for item in items:
        module = getattr(item, "module", None)
        if getattr(module, "GridSearchCV", None) is ours.GridSearchCV:
            _swapped.append(item.nodeid)


def pytest_runtest_logreport(report: Any) -> None:
    name = report.nodeid.split("::", 1)[-1]
    if report.when == "call" or report.outcome != "passed":
        if report.outcome == "passed" and hasattr(report, "wasxfail"):
            outcome = "xpassed"
        elif report.skipped and hasattr(report, "wasxfail"):
            outcome = "xfailed"
        else:
            outcome = report.outcome
        if _outcomes.get(name) in (None, "passed"):
            _outcomes[name] = outcome


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    path = os.environ.get("HS_SEARCH_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump({"outcomes": _outcomes, "swapped": len(_swapped)}, f, indent=1, sort_keys=True)
