"""The package boundaries of DESIGN.md §2, read from the imports in the source (AST), and no import cycles.

Every import counts, also one inside a function (a lazy import still ties two modules together);
only imports under `if TYPE_CHECKING:` are left out, since they never run.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.support import ROOT

FIRST_PARTY = ("app", "reviewer", "webhook", "scripts")
STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it names, dotted (a module, or a module's attribute)
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


@cache
def imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for package in FIRST_PARTY:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = _module_name(path)
            for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found += [Import(module, alias.name, node.lineno) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ""
                    if node.level:
                        # Relative import: resolve against the importing package.
                        package_parts = module.split(".")
                        if path.name != "__init__.py":
                            package_parts = package_parts[:-1]
                        package_parts = package_parts[: len(package_parts) - node.level + 1]
                        base = ".".join([*package_parts, base] if base else package_parts)
                    found += [Import(module, f"{base}.{alias.name}", node.lineno) for alias in node.names]
                    found.append(Import(module, base, node.lineno))
    return tuple(found)


@cache
def modules() -> frozenset[str]:
    return frozenset(_module_name(path) for package in FIRST_PARTY for path in (ROOT / package).rglob("*.py"))


def _first_party(target: str) -> str | None:
    """The first-party module an import names (an attribute import resolves to its module)."""
    name = target
    while name:
        if name in modules():
            return name
        name = name.rpartition(".")[0]
    return None


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _violations(source: str, allowed: tuple[str, ...], *, third_party: bool = True) -> list[str]:
    """Imports from modules under `source` naming anything outside `allowed` (and stdlib)."""
    bad = []
    for item in imports():
        if not _within(item.module, source):
            continue
        top = item.target.split(".")[0]
        if top in STDLIB or top == "__future__":
            continue
        local = _first_party(item.target)
        if local is None and not third_party and top not in allowed:
            bad.append(f"{item.module}:{item.line} imports {item.target}")
        if local is not None and not any(_within(local, prefix) for prefix in allowed):
            bad.append(f"{item.module}:{item.line} imports {local}")
    return sorted(set(bad))


def _names(source: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        {
            f"{item.module}:{item.line} imports {item.target}"
            for item in imports()
            if _within(item.module, source) and any(_within(item.target, name) for name in forbidden)
        }
    )


def test_the_engine_is_pure() -> None:
    """reviewer/engine: stdlib, pydantic, orjson and itself; no app, no network, no AWS."""
    assert _violations("reviewer.engine", ("reviewer.engine", "pydantic", "orjson"), third_party=False) == []


def test_webhook_is_a_spacelift_adapter() -> None:
    """webhook/: Spacelift's wire formats and API only; it knows nothing of app/ (DESIGN.md §8)."""
    assert _violations("webhook", ("webhook", "reviewer.engine")) == []
    assert _names("webhook", ("boto3", "botocore", "fastapi")) == []


def test_routes_call_services_never_storage() -> None:
    """app/api: services and the webhook adapter; never app.storage, boto3 or an LLM SDK."""
    assert _violations("app.api", ("app.api", "app.core", "app.services", "webhook", "reviewer.engine")) == []
    assert _names("app.api", ("boto3", "botocore", "openai", "anthropic", "httpx")) == []


def test_routes_never_reach_into_a_repository() -> None:
    """A route calls a service; `x.repository` (or a storage client) in app/api would bypass it."""
    found = []
    for path in sorted((ROOT / "app" / "api").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"repository", "_repo", "_client", "blobs"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert found == []


def test_core_depends_on_nothing_of_ours() -> None:
    assert _violations("app.core", ("app.core",)) == []


def test_storage_depends_only_on_core_and_engine_types() -> None:
    """app/storage: the only code that touches DynamoDB; the document uses the engine's result types."""
    assert _violations("app.storage", ("app.storage", "app.core", "reviewer.engine")) == []


def test_services_depend_on_core_storage_engine_and_the_adapter() -> None:
    """app/services: use cases; container.py, the composition root, alone wires in the LLM layer and the custom policies."""
    allowed = ("app.services", "app.storage", "app.core", "reviewer.engine", "webhook")
    bad = [
        line
        for line in _violations("app.services", allowed)
        if not line.startswith("app.services.container:")
        or not any(
            f"imports {name}" in line for name in ("reviewer.llm", "reviewer.changes", "reviewer.policies")
        )
    ]
    assert bad == []


def test_only_entry_points_import_the_app_factory() -> None:
    """app.main is imported by the Lambda handler and scripts, never by a layer below it."""
    users = {
        item.module
        for item in imports()
        if _first_party(item.target) == "app.main" and not item.module.startswith("scripts")
    }
    assert users <= {"app.handler"}


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in modules()}
    for item in imports():
        target = _first_party(item.target)
        if target is not None and target != item.module:
            graph[item.module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
    return found


def test_no_import_cycles() -> None:
    """No two modules import each other, directly or around a circle (lazy imports included)."""
    assert _cycles(_graph()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected


def test_the_import_reader_sees_lazy_imports_and_skips_type_checking() -> None:
    """The reader itself: a function-level import counts, a TYPE_CHECKING one does not."""
    found = {(item.module, item.target) for item in imports()}
    assert ("app.services.container", "reviewer.llm.run_ai_review") in found  # inside a function
    assert ("app.services.container", "reviewer.engine.plan.Plan") not in found  # under TYPE_CHECKING
