"""Which of this package's modules the bundle ships: those that can run in Pyodide.

The package also holds the Lambda runtime client, the CLI, the local dev server and this
bundle builder, none of which the browser runs. Shipping them cost a bundle a third more
of this package's wheel to download and unpack. The modules shipped are those reachable
by imports (at any depth, inside functions too) from what the browser starts with: the
service worker's ``adapters.browser.worker``, ``adapters.browser`` for PyScript pages,
and every ``adapters`` module the app's own code imports. Modules a package loads by
name (``importlib.import_module(f"{__name__}.{name}")``, as the event sources are) count
as reached when the package names them in a string.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

BROWSER_ENTRIES = ("adapters.browser.worker", "adapters.browser")


def module_files(package: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent).with_suffix("")
        parts = relative.parts
        if "__pycache__" in parts or not all(part.isidentifier() for part in parts):
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(path.read_bytes(), filename=str(path))
    loads_by_name = "import_module" in path.read_text(encoding="utf-8", errors="replace")
    reached: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            reached.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            reached.add(origin)
            reached.update(f"{origin}.{alias.name}" for alias in node.names)
        elif loads_by_name and isinstance(node, ast.Constant) and isinstance(node.value, str):
            reached.add(f"{package}.{node.value}")
    return {module for module in reached if module in known}


def reached_modules(package: Path, entries: Iterable[str]) -> set[str]:
    """The modules of ``package`` that ``entries`` reach, with every parent package."""
    known = module_files(package)
    reached: set[str] = set()
    pending = [entry for entry in entries if entry in known]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        parts = name.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]  # parents run first
        pending += sorted(_imports(name, known[name], known) - reached)
    return reached


def app_imports_of_package(files: Iterable[Path], package: str) -> set[str]:
    """The dotted names of ``package`` that the app's files import."""
    found: set[str] = set()
    for path in files:
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            found.update(n for n in names if n == package or n.startswith(package + "."))
    return found
