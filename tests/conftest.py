"""Shared fixtures: ``storage_url`` runs a test once in memory and once on a SQLite file."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["memory", "sqlite"])
def storage_url(request: pytest.FixtureRequest, tmp_path) -> str | None:
    """``None`` (in-memory storage) or a ``sqlite:///`` URL of a fresh file in ``tmp_path``."""
    if request.param == "memory":
        return None
    return f"sqlite:///{tmp_path / 'hs.db'}"
