"""Which of the files beside the app go into its wheel: the app's own code, nothing else.

The folder given by ``--path`` usually holds more than the app: a ``venv/``, ``tests/``,
scripts, the Lambda handlers. Packing every importable name there made a notes app's wheel
763 files and 3.4 MB heavier. So the wheel takes the app's top-level package or module,
and every other top-level name of the folder that it reaches: by an ``import`` in any of
its files, or by a string naming it (Django's ``INSTALLED_APPS = ["polls"]``,
``ROOT_URLCONF = "mysite.urls"``), followed from each file taken. ``--include NAME`` adds
one that is loaded some other way. Virtual environments (a folder with ``pyvenv.cfg``)
are never taken, and the folder's ``.gitignore`` is honoured inside the packages taken
(with ``pathspec``, when it is installed: the maintained implementation of git's rules).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import BuildError, log

Ignore = Callable[[str, bool], bool]
"""(path relative to the app folder, in POSIX form; is it a folder) -> leave it out."""


def candidates(source: Path) -> dict[str, Path]:
    """The folder's importable top-level names: packages (folders holding Python) and modules."""
    found: dict[str, Path] = {}
    for entry in sorted(source.iterdir()):
        if entry.name.startswith(".") or entry.name in ("__pycache__", "__init__.py"):
            continue
        if entry.is_dir():
            venv = (entry / "pyvenv.cfg").exists()
            if entry.name.isidentifier() and not venv and any(entry.rglob("*.py")):
                found[entry.name] = entry
        elif entry.suffix == ".py" and entry.stem.isidentifier():
            found[entry.stem] = entry
    return found


def _python_files(entry: Path) -> Iterable[Path]:
    if entry.is_file():
        yield entry
        return
    for path in sorted(entry.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path


def referenced_names(path: Path) -> set[str]:
    """Top-level names a file imports (absolute imports) or names in a string constant."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return set()  # check_app reports the app's own syntax errors; others are not ours
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if 0 < len(text) <= 200 and " " not in text:
                names.add(text.partition(".")[0].partition(":")[0])
    return names


def app_code_names(
    source: Path, module: str, include: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """(the top-level names to pack, in order; the ones left out)."""
    found = candidates(source)
    start = module.partition(".")[0]
    if start not in found:
        raise BuildError(f"{module!r} is not in the app code taken from {source}")
    wanted = [start]
    for name in include:
        if name not in found:
            raise BuildError(f"--include {name}: {source} has no package or module {name!r}")
        wanted.append(name)
    taken: list[str] = []
    while wanted:
        name = wanted.pop(0)
        if name in taken:
            continue
        taken.append(name)
        for path in _python_files(found[name]):
            wanted += sorted(ref for ref in referenced_names(path) if ref in found)
    left_out = [name for name in found if name not in taken]
    return sorted(taken), left_out


def app_python_files(source: Path, names: Iterable[str]) -> list[Path]:
    """The Python files of the app's top-level names (as ``app_code_names`` chose them)."""
    found = candidates(source)
    return [path for name in names if name in found for path in _python_files(found[name])]


def gitignore_of(source: Path) -> Ignore | None:
    """The folder's .gitignore as a matcher, or None (no file, or no pathspec to read it)."""
    ignore_file = source / ".gitignore"
    if not ignore_file.is_file():
        return None
    try:
        import pathspec
    except ImportError:
        log(f"  app code: {ignore_file} is not honoured: pip install pathspec to have it read")
        return None
    spec = pathspec.GitIgnoreSpec.from_lines(ignore_file.read_text(errors="replace").splitlines())

    def ignored(relative: str, is_dir: bool) -> bool:
        return bool(spec.match_file(relative + "/" if is_dir else relative))

    return ignored
