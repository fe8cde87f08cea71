"""The import graph of toolkit/, ui/ and evals/ has no circle, and the faces meet only in
toolkit.options and toolkit.library. Every import counts, also those inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("toolkit", "ui", "evals")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            if "__pycache__" not in path.parts:
                out[module_name(path)] = path
    return out


def _resolve(name: str, known: set[str]) -> str | None:
    """The longest known module that `name` is or lies in (a.b.c -> a.b when c is an attribute)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports (anywhere in the file)."""
    mods = modules()
    known = set(mods)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        package = mod if is_pkg else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                    prefix = ".".join(base + ([node.module] if node.module else []))
                else:
                    prefix = node.module or ""
                subs = [f"{prefix}.{a.name}" for a in node.names]
                # `from . import mod` inside the package needs the submodule, not the package's own
                # attributes; any other form needs the module it names
                targets = subs if not node.module and all(s in known for s in subs) else subs + [prefix]
            for t in targets:
                hit = _resolve(t, known)
                if hit and hit != mod:
                    graph[mod].add(hit)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or None."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        colour[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if colour.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in colour:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        colour[m] = 2
        return None

    for m in sorted(graph):
        if m not in colour:
            found = visit(m)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_relative_and_lazy_imports():
    g = import_graph()
    assert "toolkit.options" in g["toolkit.cli"]  # from .options import ...
    assert "evals.cli" in g["toolkit.cli"]  # imported inside cmd_evals
    assert "toolkit.library" in g["toolkit.pipeline"]  # from . import library, inside methods


def test_no_import_circle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("face", ["evals.cli", "evals.bench", "ui.app", "ui.logic", "toolkit.pipeline"])
def test_faces_do_not_import_the_cli(face):
    assert "toolkit.cli" not in import_graph()[face]


# Call sites in modules other helpers are rewriting (issue 15): re-wired to toolkit.library at merge,
# then removed from this list.
PENDING: set[str] = set()


def test_only_index_and_library_sync_the_index():
    """`Index.sync()` is called from toolkit/index/ and toolkit/library.py only."""
    callers = []
    for mod, path in modules().items():
        if mod == "toolkit.library" or mod.split(".")[:2] == ["toolkit", "index"] or mod in PENDING:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("sync", "rebuild"):
                owner = node.func.value
                if not (isinstance(owner, ast.Name) and owner.id == "library"):
                    callers.append(f"{mod}:{node.lineno}")
    assert callers == [], f"index synced outside toolkit.library: {callers}"


if __name__ == "__main__":  # print the graph: python tests/test_package_imports.py
    for m, deps in sorted(import_graph().items()):
        print(f"{m} -> {', '.join(sorted(deps)) or '-'}")
    print("cycle:", find_cycle(import_graph()))
