"""Pyodide's bytecode in the bundle's wheels, so the browser does not compile on each boot.

Python in the worker compiles every module an app imports, on every boot: nothing it
writes outlives the worker. With ``__pycache__`` in the wheels a Flask app's import took
410-440 ms instead of 810-880 ms in Pyodide in Node here, FastAPI's 580-700 instead of
1,320-1,440 ms. The bytecode must be Pyodide's Python's (3.14), not the build machine's,
so the bundle's own runtime makes it, in Node.js (``compile-wheels.mjs``); without Node
the wheels stay as they are and the build says what that costs.

Compiled wheels are cached by the input wheel's SHA-256 and the Pyodide version: after
the first build only the app's and this package's wheels, which change, are compiled.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import BuildError, log
from .nodejs import run_node_script
from .target import PYODIDE_VERSION
from .wheels import Wheel, sha256_of

COMPILER = "compile-wheels.mjs"
COMPILER_VERSION = "1"
"""Part of the cache key: a change to how wheels are compiled invalidates the cache."""


def precompile(
    wheels: Sequence[Wheel], runtime: Path, info: dict[str, Any], cache: Path, node: str | None
) -> int:
    """Rewrite each wheel (already copied into the bundle's ``runtime``) with bytecode;
    update its ``sha256``. Returns how many wheels hold bytecode now."""
    from .bundle import WEB_SOURCES

    if node is None:
        log(
            "wheels not precompiled: Node.js was not found (the browser compiles the app's "
            "imports on every boot, about twice as slow as loading bytecode)"
        )
        return 0
    folder = cache / "compiled" / f"pyodide-{PYODIDE_VERSION}-v{COMPILER_VERSION}"
    pending: list[tuple[Wheel, Path]] = []
    for wheel in wheels:
        cached = folder / f"{wheel.sha256}.whl"
        if cached.is_file():
            shutil.copyfile(cached, wheel.path)
        else:
            pending.append((wheel, cached))
    if pending:
        log(f"compiling {len(pending)} wheels to Pyodide's bytecode (Node.js)")
        with tempfile.TemporaryDirectory() as scratch:
            lock = Path(scratch) / "pyodide-lock.json"  # Pyodide boots with no packages
            lock.write_text(json.dumps({"info": info, "packages": {}}))
            command = [node, str(WEB_SOURCES / COMPILER), str(runtime), str(lock)]
            command += [str(wheel.path) for wheel, _ in pending]
            try:
                run_node_script(command, "compiling the wheels")
            except BuildError as error:
                # Bytecode is only a faster start: a Node too old or broken costs that alone.
                log(f"wheels not precompiled ({error}); --no-bytecode skips trying")
                pending = []
        folder.mkdir(parents=True, exist_ok=True)
        for wheel, cached in pending:
            partial = cached.with_name(f".{cached.name}.partial")
            shutil.copyfile(wheel.path, partial)
            partial.replace(cached)
    for wheel in wheels:
        wheel.sha256 = sha256_of(wheel.path)
    return sum(_holds_bytecode(wheel.path) for wheel in wheels)


def _holds_bytecode(path: Path) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return any(name.endswith(".pyc") for name in archive.namelist())
