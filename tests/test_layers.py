"""The layering, checked on the source the way test_dbt_conventions checks the manifest.

* ``pathways.core`` imports nothing else of the project;
* ``ingestion`` and ``matching`` import only the core and themselves, never each other;
* ``pathways.warehouse``, ``pathways.delivery``, ``pathways.generate`` and
  ``pathways.occupations`` import only the core and themselves (the warehouse receives
  ingest as a callable; the generator may read the reference data through
  ``pathways.occupations``);
* the dbt Python models import only ``matching``, ``pathways.occupations`` (the title
  coder) and the core;
* only ``pathways.cli`` assembles the rest;
* no module imports another module's private names, only the core opens DuckDB, and tests
  never import benchmark scripts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package (as a dotted prefix) -> the project packages it may import besides itself
ALLOWED: dict[str, tuple[str, ...]] = {
    "pathways.core": (),
    "ingestion": ("pathways.core",),
    "matching": ("pathways.core",),
    "pathways.warehouse": ("pathways.core",),
    "pathways.delivery": ("pathways.core",),
    # the generator draws real job titles from the reference data the title coder reads
    "pathways.generate": ("pathways.core", "pathways.occupations"),
    "pathways.occupations": ("pathways.core",),
    # the Spark engine lands the build area's source tables (the list the warehouse's change
    # detection reads from the sources YAML) and runs dbt on Spark; nothing else of the rest
    "pathways.spark": ("pathways.core", "pathways.warehouse.changes"),
    "dbt_project": ("matching", "pathways.core", "pathways.occupations"),
}
PROJECT = ("pathways", "ingestion", "matching", "dbt_project", "benchmarks")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(*tops: str) -> list[Path]:
    return sorted(p for top in tops for p in (ROOT / top).rglob("*.py")
                  if "target" not in p.parts and ".venv" not in p.parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, names imported from it, line) for every import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names], node.lineno))
    return found


def _package_of(module: str) -> str | None:
    for package in sorted(ALLOWED, key=len, reverse=True):
        if module == package or module.startswith(package + "."):
            return package
    return None


def _is_project(module: str) -> bool:
    return module.split(".")[0] in PROJECT


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_every_package_imports_only_what_its_layer_allows():
    broken = []
    for path in _sources("pathways", "ingestion", "matching", "dbt_project"):
        package = _package_of(_module_name(path))
        if package is None:
            continue  # pathways.cli and the top-level pathways package assemble the rest
        for module, _, line in _imports(path):
            if not _is_project(module) or _within(module, package) or module == "pathways":
                continue  # the top-level package holds only the version
            if not any(_within(module, allowed) for allowed in ALLOWED[package]):
                broken.append(f"{path.relative_to(ROOT)}:{line} ({package}) imports {module}")
    assert not broken, "\n".join(broken)


def test_the_top_level_package_imports_nothing_of_the_project():
    assert not [m for m, _, _ in _imports(ROOT / "pathways" / "__init__.py") if _is_project(m)]


def test_no_module_imports_the_private_names_of_another():
    broken = [f"{path.relative_to(ROOT)}:{line} imports {name} from {module}"
              for path in _sources("pathways", "ingestion", "matching", "dbt_project")
              for module, names, line in _imports(path) if _is_project(module)
              for name in names if name.startswith("_") and not name.startswith("__")]
    assert not broken, "\n".join(broken)


def test_only_the_core_opens_duckdb_databases():
    opened = []
    for path in _sources("pathways", "ingestion", "matching", "dbt_project"):
        if path == ROOT / "pathways" / "core" / "db.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "connect"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "duckdb"):
                opened.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not opened, "use pathways.core.db instead of duckdb.connect:\n" + "\n".join(opened)


def test_tests_do_not_import_benchmark_scripts():
    scripts = {p.stem for p in (ROOT / "benchmarks").glob("*.py")} | {"benchmarks"}
    offenders = []
    for path in _sources("tests"):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text(encoding="utf-8")
        imported = {m.split(".")[0] for m, _, _ in _imports(path)}
        if imported & scripts or any("sys.path" in line and "benchmarks" in line
                                     for line in text.splitlines()):
            offenders.append(path.name)
    assert not offenders


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_layer_exists_where_the_readme_says(package):
    path = ROOT.joinpath(*package.split("."))
    assert path.is_dir(), f"{package} is not a folder"
