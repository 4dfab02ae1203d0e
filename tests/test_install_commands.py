"""The install commands that the docs, README, examples and error messages give work as written.

hyperscout is not published, so ``pip install "hyperscout[viz]"`` fails outside the checkout
(issue 19); the working forms are ``pip install -e ".[viz]"`` from a clone, or the named package
itself (``pip install plotly``). Each extra named must exist in pyproject.toml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "examples").glob("*.py")),
         *sorted((ROOT / "src").rglob("*.py"))]  # fmt: skip
EXTRAS = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])


def _commands() -> list[tuple[str, str]]:
    found = []
    for path in TEXTS:
        text = re.sub(r"\s+", " ", path.read_text())  # a command may wrap over two lines
        found += [(path.relative_to(ROOT).as_posix(), m.group(0)) for m in re.finditer(r"pip install [^`\n)]*", text)]
    return found


def test_no_command_installs_the_unpublished_package_by_name() -> None:
    bad = [(where, cmd) for where, cmd in _commands() if re.search(r"install\s+(-U\s+)?['\"]?hyperscout\[", cmd)]
    assert bad == []


def test_every_extra_a_command_names_exists() -> None:
    named = [
        (where, extra)
        for where, cmd in _commands()
        for group in re.findall(r"-e ['\"]?\.\[([^\]]*)\]", cmd)
        for extra in group.split(",")
    ]
    assert named, "the docs should show how to install an extra"
    assert [(where, extra) for where, extra in named if extra not in EXTRAS] == []
