"""Every ```python block of the documentation runs, so the examples a reader copies work as written.

Each page (``docs/**/*.md`` and ``README.md``) runs its blocks in order in one namespace, as a reader
following the page would, in a fresh temporary working directory (files a block writes, such as a
SQLite study, stay there). A block that cannot run on its own (it needs a GPU, a cluster, a database
server, or is a fragment of a larger program) carries a marker on the line before it::

    <!-- not-run: why -->

Each such block is reported as a skipped case with its reason, so pytest's summary counts them.
"""

from __future__ import annotations

import importlib.util
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from hyperscout import logging as hs_logging

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_NOT_RUN = re.compile(r"<!--\s*not-run:\s*(?P<reason>.*?)\s*-->")
_DIRECTIVE = re.compile(r"^::: (\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    code: str
    not_run: str | None  # the reason, for a block marked not-run


def _blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").split("\n")
    page = path.relative_to(ROOT).as_posix()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence) and lines[j].strip().strip(fence[0]) == ""):
            j += 1
        if info.split(" ")[0] in ("python", "py"):
            before = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
            marker = _NOT_RUN.search(before)
            code = textwrap.dedent("\n".join(lines[i + 1 : j]))
            found.append(Block(page, i + 1, code, marker.group("reason") if marker else None))
        i = j + 1
    return found


BLOCKS = {path.relative_to(ROOT).as_posix(): _blocks(path) for path in PAGES}
RUNNABLE = {page: [b for b in blocks if b.not_run is None] for page, blocks in BLOCKS.items()}
NOT_RUN = [b for blocks in BLOCKS.values() for b in blocks if b.not_run is not None]


def test_the_docs_have_code_to_run() -> None:
    assert sum(len(blocks) for blocks in RUNNABLE.values()) >= 20


def test_every_not_run_marker_says_why() -> None:
    assert [f"{b.page}:{b.line}" for b in NOT_RUN if len(b.not_run or "") < 5] == []


@pytest.mark.parametrize("page", sorted(page for page, blocks in RUNNABLE.items() if blocks))
def test_page_runs(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    try:  # fig.show() would open a browser
        import plotly.basedatatypes

        monkeypatch.setattr(plotly.basedatatypes.BaseFigure, "show", lambda self, *a, **k: None)
    except ImportError:
        pass
    namespace: dict[str, object] = {"__name__": "__main__"}
    level = hs_logging.get_verbosity()  # a page may change it; the tests after this one expect the default
    try:
        for block in RUNNABLE[page]:
            try:
                exec(compile(block.code, f"{page}:{block.line}", "exec"), namespace)  # noqa: S102
            except Exception as exc:
                raise AssertionError(f"the block at {page}:{block.line} failed: {exc!r}") from exc
    finally:
        hs_logging.set_verbosity(level)


@pytest.mark.parametrize("block", NOT_RUN, ids=[f"{b.page}:{b.line}" for b in NOT_RUN])
def test_not_run_block(block: Block) -> None:
    compile(block.code, f"{block.page}:{block.line}", "exec")  # it is at least valid Python
    pytest.skip(f"not run ({block.page}:{block.line}): {block.not_run}")


def test_the_api_reference_covers_every_public_module_and_name() -> None:
    """Each public module has a reference page (``::: module``), and the overview links every top-level name."""
    spec = importlib.util.spec_from_file_location("pinned_public_api", ROOT / "tests" / "test_public_api.py")
    assert spec is not None and spec.loader is not None
    pinned = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pinned)
    public: dict[str, list[str]] = pinned.PUBLIC

    reference = ROOT / "docs" / "reference"
    rendered = {m.group(1) for page in reference.glob("*.md") for m in _DIRECTIVE.finditer(page.read_text())}
    assert sorted(set(public) - {"hyperscout"} - rendered) == []
    overview = (reference / "index.md").read_text()
    linked = [name for name in public["hyperscout"] if f"`{name}`" in overview or f"`hyperscout.{name}`" in overview]
    assert sorted(set(public["hyperscout"]) - set(linked)) == []
