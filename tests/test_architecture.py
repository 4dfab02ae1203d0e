"""The layers of DESIGN.md as the imports show them: no import cycle, nothing imports upward.

Every ``import`` statement of every module under ``src/hyperscout`` counts, wherever it stands (at
the top, inside a function, under ``if TYPE_CHECKING``): a lazy import is still a dependency, and
a cycle patched with ``TYPE_CHECKING`` is still a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import hyperscout

PACKAGE = Path(hyperscout.__file__).parent

#: Each module's layer, lowest first (DESIGN.md, "Layers"); a module may import only from its own
#: layer or below. Matched by the longest prefix of the dotted name under ``hyperscout``.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("_version", "exceptions", "_checks", "_log", "logging")),
    ("math", ("space", "_gp", "_tpe", "distributions", "_multi_objective")),
    ("records", ("trial",)),
    ("persistence", ("storages",)),
    ("algorithms", ("samplers", "pruners", "_wrapping", "_bayesopt_constraint")),
    ("lifecycle", ("_workers", "_lifecycle")),
    ("run", ("_pickling", "_isolate", "_remote", "_progress", "_execution", "_parallel")),
    ("study", ("study", "_callbacks", "_dataframe")),
    ("analysis", ("importance", "visualization")),
    ("faces", ("cli", "sklearn", "_sklearn", "integrations", "dashboard", "bayesopt", "acquisition", "testing")),
]
#: Algorithms and persistence sit side by side: neither imports the other.
SIDE_BY_SIDE = {("algorithms", "persistence"), ("persistence", "algorithms")}


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """The package's modules that module ``name`` imports (``from pkg import sub`` counts as ``pkg.sub``)."""
    path, is_package = MODULES[name]
    package = name if is_package else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:
                    found.add(sub)
                elif base in MODULES:
                    found.add(base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in MODULES)
    found.discard(name)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _layer(name: str) -> str | None:
    rest = name.split(".")[1:]
    for layer, prefixes in LAYERS:
        if rest and rest[0] in prefixes:
            return layer
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walk_sees_lazy_and_type_checking_imports() -> None:
    # study.py imports the parallel run inside optimize(); the walk must count it, or it proves nothing.
    assert "hyperscout._parallel" in GRAPH["hyperscout.study"]
    assert "hyperscout._lifecycle" in GRAPH["hyperscout._execution"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_among_the_packages_modules() -> None:
    assert _cycles(GRAPH) == []


def test_every_module_has_a_layer() -> None:
    unplaced = [name for name in MODULES if "." in name and _layer(name) is None]
    assert unplaced == [], "add these modules to LAYERS (and to DESIGN.md)"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if "." in n))
def test_nothing_imports_upward(name: str) -> None:
    order = [layer for layer, _ in LAYERS]
    mine = _layer(name)
    assert mine is not None
    upward = []
    for dep in GRAPH[name]:
        theirs = _layer(dep)
        if theirs is None:  # the package itself: only the faces use ``import hyperscout as hs``
            if order.index(mine) < order.index("faces"):
                upward.append(dep)
        elif order.index(theirs) > order.index(mine) or (mine, theirs) in SIDE_BY_SIDE:
            upward.append(f"{dep} ({theirs})")
    assert upward == [], f"{name} ({mine}) imports from a higher layer"


def _private_imports(name: str) -> list[str]:
    """``from <hyperscout module> import _name`` in module ``name``, where ``_name`` is not a module."""
    path, is_package = MODULES[name]
    package = name if is_package else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        if base not in MODULES:
            continue
        private = [a.name for a in node.names if a.name.startswith("_") and not a.name.endswith("__")]
        found += [f"{base}.{n}" for n in private if f"{base}.{n}" not in MODULES]
    return found


def test_no_module_imports_another_modules_underscore_names() -> None:
    # Privacy lives in module names: what another module uses carries no underscore (SLF001 sees
    # attribute access; this sees imports).
    found = {name: _private_imports(name) for name in MODULES}
    assert {name: names for name, names in found.items() if names} == {}


def test_sqlalchemy_is_imported_only_when_a_sql_storage_is_opened(tmp_path: Path) -> None:
    code = (
        "import sys, hyperscout as hs\n"
        "hs.create_study().optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=2, show_progress_bar=False)\n"
        "hs.create_study(storage='journal:///' + sys.argv[1] + '/j.log')\n"
        "print('sqlalchemy' in sys.modules)\n"
        "hs.create_study(storage='sqlite:///' + sys.argv[1] + '/s.db')\n"
        "print('sqlalchemy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
