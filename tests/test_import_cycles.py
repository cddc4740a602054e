"""No import cycles among the project's modules.

Every ``import`` and ``from … import`` statement of every module of the project's packages is
read with ``ast`` — those inside functions too (a deferred import that closes a cycle is
still a cycle: parsers.core ↔ parsers.pdf was one) but not those under ``if TYPE_CHECKING:``
or ``if __name__ == "__main__":`` (neither runs when the module is imported).
``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``.
The graph's strongly connected components must all be single modules.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def project_packages() -> list[str]:
    """The top-level packages pyproject.toml installs (``include = ["nianbao*", …]``)."""
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = cfg["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted(p.rstrip("*") for p in include)


def modules() -> dict[str, Path]:
    out = {}
    for pkg in project_packages():
        for path in (REPO / pkg).rglob("*.py"):
            rel = path.relative_to(REPO).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _not_run_on_import(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` and ``if __name__ == "__main__":`` blocks."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    if isinstance(test, ast.Name | ast.Attribute):
        return getattr(test, "id", getattr(test, "attr", None)) == "TYPE_CHECKING"
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _imports(tree: ast.AST):
    """Import nodes of a module, skipping blocks that do not run on import."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if _not_run_on_import(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def edges(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    pkg = name.split(".") if is_pkg else name.split(".")[:-1]
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join(pkg + ([base] if base else []))
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names
                ]
            for t in targets:
                # `import a.b.c` runs a, a.b and a.b.c: the edge goes to the deepest known one
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != name:
                    graph[name].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_the_checker_sees_a_cycle():
    # the checker itself: a → b → c → a is found, a tree is not
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_the_checker_reads_relative_and_deferred_imports(tmp_path):
    mods = {
        "p": tmp_path / "p" / "__init__.py",
        "p.core": tmp_path / "p" / "core.py",
        "p.pdf": tmp_path / "p" / "pdf.py",
    }
    for p in mods.values():
        p.parent.mkdir(exist_ok=True)
    mods["p"].write_text("from .core import parse\n")
    mods["p.core"].write_text("def parse():\n    from .pdf import parse_pdf\n")
    mods["p.pdf"].write_text(
        "from typing import TYPE_CHECKING\nfrom .core import ParseError\n"
        "if TYPE_CHECKING:\n    from p import core\n"
        'if __name__ == "__main__":\n    from p import core\n'
    )
    graph = edges(mods)
    assert graph == {"p": {"p.core"}, "p.core": {"p.pdf"}, "p.pdf": {"p.core"}}
    assert cycles(graph) == [["p.core", "p.pdf"]]


def test_no_import_cycles_in_the_project():
    mods = modules()
    assert "parsers.core" in mods and "flows.stages" in mods  # the walk found the packages
    found = cycles(edges(mods))
    assert found == [], "import cycles: " + "; ".join(" ↔ ".join(c) for c in found)


def test_the_shared_model_imports_nothing_built_on_it():
    # nianbao/ (model, form, config, dates, charsets) is what every stage builds on: it must not
    # import a stage (the command line, which imports every stage, lives in flows/)
    graph = edges(modules())
    upward = {
        (m, t)
        for m, targets in graph.items()
        if m.partition(".")[0] == "nianbao"
        for t in targets
        if t.partition(".")[0] != "nianbao"
    }
    assert "nianbao.model" in graph and upward == set()
