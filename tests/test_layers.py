"""Imports point one way: no cycles among the modules of issuer/, and no module imports from a
higher layer. Every import statement counts, inside functions and under TYPE_CHECKING too.

Layers, lowest first: the pure core (issuer.credentials); what stores, fetches and configures;
the services; the ways in (web, cli, the demo); the application factory (issuer/__init__.py).
A new top-level module must be placed in LAYERS before this test passes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "issuer"
CORE, BASE, SERVICES, ENTRY, APP = range(5)
LAYERS = {
    "issuer": APP,
    "issuer.credentials": CORE,
    "issuer.config": BASE, "issuer.explain": BASE, "issuer.export": BASE, "issuer.fetch": BASE,
    "issuer.keystore": BASE, "issuer.markdown": BASE, "issuer.migrations": BASE,
    "issuer.storage": BASE, "issuer.urls": BASE, "issuer.errors": BASE, "issuer.images": BASE,
    "issuer.baking": BASE, "issuer.linkedin": BASE, "issuer.cards": BASE,
    "issuer.services": SERVICES,
    "issuer.cli": ENTRY, "issuer.demo": ENTRY, "issuer.web": ENTRY,
}
# Within the web layer, pages and the JSON APIs share these modules and never import each other.
WEB_SHARED = {"body", "context", "errors", "headers", "limits", "lookups", "messages", "negotiation",
              "submitted"}


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by the name of its __init__)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of issuer/ that ``name`` imports: ``from . import x`` names the submodule x
    when there is one, else the package itself."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                targets.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source)
    return {_closest(target, known) for target in targets if target.split(".")[0] == "issuer"} - {name}


def _closest(target: str, known: dict[str, Path]) -> str:
    while target not in known:
        target = target.rpartition(".")[0]
    return target


def import_graph() -> dict[str, set[str]]:
    known = module_names()
    return {name: imported(name, path, known) for name, path in known.items()}


def top_level(name: str) -> str:
    return ".".join(name.split(".")[:2])


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, without recursion)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter[0]
                counter[0] += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def layer_breaks(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((name, target) for name, targets in graph.items() for target in targets
                  if LAYERS[top_level(name)] < LAYERS[top_level(target)])


def test_every_top_level_module_has_a_layer():
    assert {top_level(name) for name in module_names()} == set(LAYERS)


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_no_module_imports_from_a_higher_layer():
    assert layer_breaks(import_graph()) == []


def test_the_core_imports_nothing_else_of_the_package():
    graph = import_graph()
    assert sorted((name, target) for name, targets in graph.items() if name.startswith("issuer.credentials")
                  for target in targets if not target.startswith("issuer.credentials")) == []


def test_pages_and_json_apis_do_not_import_each_other():
    graph = import_graph()
    api = {name for name in graph if name.startswith("issuer.web.api")}
    shared = {f"issuer.web.{name}" for name in WEB_SHARED} | {"issuer.web"}
    pages = {name for name in graph if name.startswith("issuer.web.")} - api - shared
    assert pages, "the page modules were not found"
    assert sorted((a, b) for a in api for b in graph[a] if b in pages) == []
    assert sorted((p, b) for p in pages for b in graph[p] if b in api) == []
    assert sorted((s, b) for s in shared - {"issuer.web"} for b in graph[s] if b in pages | api) == []


# The checks above must be able to fail: each is run on a small graph that breaks its rule.

def test_a_cycle_is_found_also_through_a_function_level_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ..services import issuing\n")
    found = imported("issuer.storage.m", module, {"issuer.storage": module, "issuer.services": module,
                                                  "issuer.services.issuing": module})
    assert found == {"issuer.services.issuing"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize(("source", "package", "expected"), [
    ("from .. import storage", "issuer.services.x", "issuer.storage"),
    ("from ..credentials.verify import Verifier", "issuer.web.x", "issuer.credentials.verify"),
    ("from . import badges", "issuer.services.x", "issuer.services.badges"),
    ("import issuer.web.api.vcapi", "issuer.x", "issuer.web.api"),
])
def test_relative_and_absolute_imports_resolve_to_modules(tmp_path, source, package, expected):
    module = tmp_path / "x.py"
    module.write_text(source + "\n")
    known = {name: module for name in ("issuer", "issuer.storage", "issuer.credentials.verify",
                                       "issuer.services.badges", "issuer.web.api", package)}
    assert imported(package, module, known) == {expected}


def test_a_lower_layer_importing_a_higher_one_is_a_break():
    graph = {"issuer.storage.models": {"issuer.services.issuing"}, "issuer.services.issuing": set()}
    assert layer_breaks(graph) == [("issuer.storage.models", "issuer.services.issuing")]
