"""The house's rooms and walls (docs/architecture.md, "Where things go"), read from the source with ``ast``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "scoring", "triggers", "notify")
ROOMS = ("handlers", "logic", "adapters", "models")
IO_LIBRARIES = ("boto3", "botocore", "slack_sdk", "slack_bolt")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for top in ("services", "infra", "boomerang")
        for path in sorted((ROOT / top).rglob("*.py"))
    }


@cache
def imports_of(module: str) -> tuple[str, ...]:
    """Every module ``module`` imports, at any depth in the file (lazy imports count: they run too)."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(base)
            found.extend(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules())
    return tuple(found)


def under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def offending(prefix: str, forbidden: tuple[str, ...]) -> Iterator[str]:
    for module in modules():
        if under(module, prefix):
            for imported in imports_of(module):
                if any(under(imported, f) for f in forbidden):
                    yield f"{module} imports {imported}"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_the_rooms_and_one_composition_root(service):
    here = ROOT / "services" / service
    # Then exactly the rooms, each a package, and wiring.py beside them
    rooms = sorted(p.name for p in here.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert rooms == sorted(ROOMS)
    assert (here / "wiring.py").is_file()
    assert (here / "logic" / "ports.py").is_file()
    assert (here / "models" / "errors.py").is_file()


def test_common_has_the_rooms_and_one_composition_root():
    here = ROOT / "services" / "common"
    assert {"handlers", "logic", "adapters", "models"} <= {p.name for p in here.iterdir() if p.is_dir()}
    assert (here / "wiring.py").is_file()
    assert (here / "storage.py").is_file()


def test_no_dal_room_is_left():
    assert sorted(str(p.relative_to(ROOT)) for p in (ROOT / "services").rglob("dal")) == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service):
    others = tuple(f"services.{s}" for s in SERVICES if s != service)
    assert list(offending(f"services.{service}", others)) == []


@pytest.mark.parametrize("service", [*SERVICES, "common"])
def test_logic_imports_no_adapter_and_no_io_library(service):
    forbidden = (
        *(f"services.{service}.{room}" for room in ("adapters", "dal", "handlers", "wiring")),
        "services.common.adapters",
        *IO_LIBRARIES,
    )
    assert list(offending(f"services.{service}.logic", forbidden)) == []


@pytest.mark.parametrize("service", [*SERVICES, "common"])
def test_models_import_no_adapter_and_no_io_library(service):
    forbidden = (
        *(f"services.{service}.{room}" for room in ("adapters", "dal", "handlers", "logic", "wiring")),
        "services.common.adapters",
        *IO_LIBRARIES,
    )
    assert list(offending(f"services.{service}.models", forbidden)) == []


def test_common_imports_no_service():
    assert list(offending("services.common", tuple(f"services.{s}" for s in SERVICES))) == []


def test_infra_imports_no_adapter_and_no_service_code():
    # infra names handlers by their dotted path (a string) and builds from the contract in services.common
    forbidden = ("services.common.adapters", *(f"services.{s}" for s in SERVICES))
    assert list(offending("infra", forbidden)) == []


@pytest.mark.parametrize("top", ["services", "infra"])
def test_nothing_imports_the_cli_and_local_stack(top):
    assert list(offending(top, ("boomerang",))) == []


def test_there_is_no_import_cycle():
    graph = {m: {i for i in imports_of(m) if i in modules() and i != m} for m in modules()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph[module]):
            # A package's __init__ is imported with its modules: an edge into one's own package is not a cycle.
            if under(module, nxt):
                continue
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
