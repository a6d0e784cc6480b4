"""The shape of the code: import-linter's contracts hold, a domain reaches another domain only
through its service or schemas, and no module imports itself round a cycle."""

from __future__ import annotations

import sys

import grimp
import pytest

from tests.conftest import REPO_ROOT

PLATFORM = ("auth", "org", "workclock", "workflow", "inbox", "files", "jobs", "text", "scoring", "web")
DOMAINS = ("cases", "services", "iot", "registry", "exchange", "opinion")
ENTRY_POINTS = ("service", "schemas")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("smartgov", cache_dir=None)


def test_import_linter_contracts_are_kept() -> None:
    from importlinter.cli import lint_imports

    sys.path.insert(0, str(REPO_ROOT / "src"))
    assert lint_imports(config_filename=str(REPO_ROOT / "pyproject.toml")) == 0


def test_platform_packages_import_no_domain(graph: grimp.ImportGraph) -> None:
    found = [
        (importer, imported)
        for package in PLATFORM
        for importer in graph.find_descendants(f"smartgov.{package}") | {f"smartgov.{package}"}
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.split(".")[1:2] and imported.split(".")[1] in DOMAINS
    ]
    assert found == []


def test_a_domain_reaches_another_only_through_its_service_or_schemas(graph: grimp.ImportGraph) -> None:
    found = []
    for domain in DOMAINS:
        for importer in graph.find_descendants(f"smartgov.{domain}"):
            for imported in graph.find_modules_directly_imported_by(importer):
                parts = imported.split(".")
                if len(parts) > 1 and parts[1] in DOMAINS and parts[1] != domain \
                        and parts[-1] not in ENTRY_POINTS:
                    found.append((importer, imported))
    assert found == []


def test_no_module_imports_itself_round_a_cycle(graph: grimp.ImportGraph) -> None:
    """Strongly connected modules (Tarjan), function-level imports included."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
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
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(modules)))
    for module in modules:
        if module not in index:
            visit(module)
    assert cycles == []
