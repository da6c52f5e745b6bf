"""The Python package's modules import one another without a circle.

The modules are read with `ast` (nothing is imported, no wheel is needed). Every import of one of the package's
modules by another is an edge, wherever it is written: at module level, inside a function, or under
`if TYPE_CHECKING:`. A function-local import that would close a circle only postpones it to run time, and a
TYPE_CHECKING one is a circle for the type checker and for readers, so they count like the others. What is not an
edge: Python importing a package's `__init__` before any of its submodules (`from stancekit import _lib` is an edge
to `stancekit._lib`, not to `stancekit`); `from stancekit import name` where `name` is no submodule is an edge to
`stancekit`, the `__init__`.

`python tests/test_module_graph.py` prints the graph and exits with 1 when it has a circle.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "python" / "stancekit"


@dataclass(frozen=True)
class Import:
    """`importer` imports `imported` at `line`; `where` is "module", "function" or "TYPE_CHECKING"."""

    importer: str
    imported: str
    line: int
    where: str

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} (line {self.line}, {self.where})"


def modules(package: Path) -> dict[str, Path]:
    """The package's modules by dotted name: `.py` files, and `.pyi` stubs of extension modules (`_lib`)."""
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py*")):
        if path.suffix not in (".py", ".pyi"):
            continue
        parts = [package.name, *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if path.suffix == ".py" or name not in found:
            found[name] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.where = ["module"]
        self.found: list[Import] = []

    def _add(self, imported: str, node: ast.stmt) -> None:
        edge = Import(self.module, imported, node.lineno, self.where[-1])
        if imported in self.known and imported != self.module and edge not in self.found:
            self.found.append(edge)

    def _nested(self, node: ast.AST, where: str) -> None:
        self.where.append(where)
        self.generic_visit(node)
        self.where.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._nested(node, "function" if self.where[-1] == "module" else self.where[-1])

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._nested(node, "function" if self.where[-1] == "module" else self.where[-1])

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.visit(node.test)
        self.where.append("TYPE_CHECKING")
        for statement in node.body:
            self.visit(statement)
        self.where.pop()
        for statement in node.orelse:
            self.visit(statement)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            self._add(submodule if submodule in self.known else source, node)


def imports(package: Path = PACKAGE) -> list[Import]:
    """Every import of one of the package's modules by another."""
    found = modules(package)
    edges: list[Import] = []
    for name, path in found.items():
        visitor = _Imports(name, path.stem == "__init__", set(found))
        visitor.visit(ast.parse(path.read_text("utf-8"), str(path)))
        edges.extend(visitor.found)
    return edges


def circle(edges: list[Import]) -> list[Import] | None:
    """The imports of one circle of the graph, or None when it has none."""
    graph: dict[str, list[Import]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, []).append(edge)
    state: dict[str, str] = {}
    path: list[Import] = []

    def visit(module: str) -> list[Import] | None:
        state[module] = "open"
        for edge in graph.get(module, []):
            if state.get(edge.imported) == "open":
                start = next((i for i, e in enumerate(path) if e.importer == edge.imported), len(path))
                return [*path[start:], edge]
            if edge.imported not in state:
                path.append(edge)
                if (found := visit(edge.imported)) is not None:
                    return found
                path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)) is not None:
            return found
    return None


def describe(edges: list[Import]) -> str:
    """The graph, one importing module a line, its imports with their line and kind."""
    lines: list[str] = []
    for importer in sorted({edge.importer for edge in edges}):
        targets = [
            f"{e.imported}:{e.line}" + ("" if e.where == "module" else f" [{e.where}]")
            for e in sorted(edges, key=lambda e: (e.imported, e.line))
            if e.importer == importer
        ]
        lines.append(f"{importer} -> {', '.join(targets)}")
    return "\n".join(lines)


def test_the_package_has_no_import_circle() -> None:
    edges = imports()
    # The reader sees the package: a parser that found nothing would pass vacuously.
    assert any(e.importer == "stancekit" and e.imported == "stancekit._analysis" for e in edges), describe(edges)
    assert any(e.imported == "stancekit._lib" for e in edges), describe(edges)
    found = circle(edges)
    assert found is None, "import circle:\n  " + "\n  ".join(map(str, found or [])) + "\n\ngraph:\n" + describe(edges)


def _write(package: Path, files: dict[str, str]) -> Path:
    package.mkdir()
    for name, source in files.items():
        (package / name).write_text(source)
    return package


def test_a_circle_through_a_function_or_type_checking_import_is_found(tmp_path: Path) -> None:
    package = _write(
        tmp_path / "pkg",
        {
            "__init__.py": "from pkg.a import f\n",
            "a.py": "from pkg import _lib\nfrom pkg.b import g\n\ndef f():\n    return g()\n",
            "b.py": "def g():\n    from pkg.c import h\n\n    return h()\n",
            "c.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg import a\n\ndef h(): ...\n",
            "_lib.pyi": "def native() -> None: ...\n",
        },
    )
    edges = imports(package)
    assert {(e.importer, e.imported, e.where) for e in edges} == {
        ("pkg", "pkg.a", "module"),
        ("pkg.a", "pkg._lib", "module"),
        ("pkg.a", "pkg.b", "module"),
        ("pkg.b", "pkg.c", "function"),
        ("pkg.c", "pkg.a", "TYPE_CHECKING"),
    }
    found = circle(edges)
    assert found is not None
    assert [(e.importer, e.imported) for e in found] == [("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.c", "pkg.a")]
    # Without the TYPE_CHECKING import there is no circle; importing the package's __init__ by name is an edge.
    (package / "c.py").write_text("def h(): ...\n")
    assert circle(imports(package)) is None
    (package / "c.py").write_text("from pkg import f\n\ndef h(): ...\n")
    assert [(e.importer, e.imported) for e in circle(imports(package)) or []] == [
        ("pkg", "pkg.a"),
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.c"),
        ("pkg.c", "pkg"),
    ]


if __name__ == "__main__":
    edges = imports()
    print(describe(edges))
    found = circle(edges)
    if found is not None:
        print("\nimport circle:\n  " + "\n  ".join(map(str, found)))
    sys.exit(0 if found is None else 1)
