"""Griffe extension for the documentation site: lets the docstrings stay readable in ``help()``.

hyperscout's docstrings are Google style, but two habits of theirs do not render as such:

- ``Example:`` (singular) heads the doctests; griffe takes only ``Examples:`` as the examples
  section and would render the ``>>>`` lines as nested block quotes.
- A few module docstrings hold reStructuredText "simple tables" (rows between ``====  ====``
  borders); they become Markdown tables here.
- A paragraph ending in ``::`` introduces an indented reStructuredText literal block; it becomes a
  fenced Python block here.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
_BORDER = re.compile(r"^(\s*)=+( +=+)+\s*$")


def _columns(border: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"=+", border)]


def _cells(line: str, cols: list[tuple[int, int]]) -> list[str]:
    out = []
    for i, (start, _) in enumerate(cols):
        end = cols[i + 1][0] if i + 1 < len(cols) else len(line)
        out.append(line[start:end].strip())
    return out


def _tables(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not _BORDER.match(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        indent = _BORDER.match(lines[i]).group(1)  # type: ignore[union-attr]
        cols = _columns(lines[i])
        j = i + 1
        rows: list[list[str]] = []
        header: list[str] | None = None
        while j < len(lines) and not _BORDER.match(lines[j]):
            rows.append(_cells(lines[j], cols))
            j += 1
        # A second border right after one row closes a header; the table goes on to a third border.
        if len(rows) == 1 and j + 1 < len(lines) and any(_BORDER.match(x) for x in lines[j + 1 :]):
            header = rows[0]
            rows = []
            j += 1
            while j < len(lines) and not _BORDER.match(lines[j]):
                rows.append(_cells(lines[j], cols))
                j += 1
        head = header or [""] * len(cols)
        out.append(indent + "| " + " | ".join(head) + " |")
        out.append(indent + "|" + "---|" * len(cols))
        out.extend(indent + "| " + " | ".join(r) + " |" for r in rows if any(r))
        i = j + 1
    return "\n".join(out)


def _literal_blocks(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::") and i + 2 < len(lines) and not lines[i + 1].strip():
            base = len(line) - len(line.lstrip())
            j = i + 2
            block: list[str] = []
            while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > base):
                block.append(lines[j])
                j += 1
            while block and not block[-1].strip():
                block.pop()
                j -= 1
            if block:
                inner = min(len(b) - len(b.lstrip()) for b in block if b.strip())
                pad = " " * base
                out.append(line.rstrip()[:-1])
                out.append("")
                out.append(pad + "```python")
                out.extend(pad + b[inner:] if b.strip() else "" for b in block)
                out.append(pad + "```")
                i = j
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


class ReadableDocstrings(Extension):
    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
        if "==" in value:
            value = _tables(value)
        if "::\n" in value:
            value = _literal_blocks(value)
        obj.docstring.value = value
