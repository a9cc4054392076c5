"""The notes bundle in Pyodide in Node.js, offline: the apps import from the bundle alone,
and the harness (tests/node/run_pyodide.mjs) blocks the network and reports errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from .pyodide_node import record_timing, run_pyodide

IMPORTS = {
    "flask": """
import time
started = time.perf_counter()
import flask, adapters, adapters.browser
import notes.flask_app
imported = time.perf_counter() - started
from notes.flask_app import app
result = {"framework": flask.__version__, "app": type(app).__name__,
          "module": notes.flask_app.__file__, "adapters": adapters.__file__,
          "import_ms": imported * 1000}
""",
    "fastapi": """
import time
started = time.perf_counter()
import fastapi, adapters, adapters.browser
import notes.fastapi_app
imported = time.perf_counter() - started
from notes.fastapi_app import app
result = {"framework": fastapi.__version__, "app": type(app).__name__,
          "module": notes.fastapi_app.__file__, "adapters": adapters.__file__,
          "import_ms": imported * 1000}
""",
}


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_apps_import_in_pyodide_from_the_bundle_offline(notes_bundle: Path, framework: str) -> None:
    run = run_pyodide(notes_bundle, IMPORTS[framework])
    assert run.result["app"] == {"flask": "Flask", "fastapi": "FastAPI"}[framework]
    assert "site-packages/notes/" in run.result["module"]
    assert "site-packages/adapters/" in run.result["adapters"]
    assert run.blocked == []
    bundle_url = notes_bundle.resolve().as_posix()
    assert all(bundle_url in url for url in run.fetched), run.fetched
    record_timing(
        f"boot+import {framework}",
        {
            "boot_ms": run.timings["boot_ms"],
            "load_packages_ms": run.timings["load_ms"],
            "import_ms": run.result["import_ms"],
            "total_ms": run.timings["total_ms"],
        },
    )


BYTECODE_CHECK = """
import importlib.util, os, sys
found = {}
for name in ("flask", "fastapi", "notes", "adapters", "werkzeug"):
    spec = importlib.util.find_spec(name)  # located, not imported: no .pyc written yet
    cached = importlib.util.cache_from_source(spec.origin)
    found[name] = os.path.exists(cached)
import notes.flask_app
import flask
result = {"present": found, "tag": sys.implementation.cache_tag, "flask_cached": flask.__cached__}
"""


def test_the_wheels_bring_pyodides_bytecode(notes_bundle: Path) -> None:
    """Python in the browser loads the modules' bytecode instead of compiling them."""
    run = run_pyodide(notes_bundle, BYTECODE_CHECK)
    assert run.result["tag"] == "cpython-314"
    assert run.result["present"] == dict.fromkeys(
        ["flask", "fastapi", "notes", "adapters", "werkzeug"], True
    )
    assert run.result["flask_cached"].endswith("/flask/__pycache__/__init__.cpython-314.pyc")


def test_everything_imports_together(notes_bundle: Path) -> None:
    code = "import flask, fastapi, notes.flask_app, notes.fastapi_app, adapters\nresult = 1"
    run = run_pyodide(notes_bundle, code)
    assert run.result == 1
    assert run.blocked == []


def test_the_harness_blocks_the_network(notes_bundle: Path) -> None:
    code = """
from pyodide.http import pyfetch
try:
    await pyfetch("https://cdn.jsdelivr.net/pyodide/v314.0.7/full/numpy.whl")
    result = "fetched"
except Exception as error:
    result = str(error)
"""
    run = run_pyodide(notes_bundle, code, packages=[])
    assert "blocked by the test harness" in run.result
    assert run.blocked == ["https://cdn.jsdelivr.net/pyodide/v314.0.7/full/numpy.whl"]


def test_python_errors_come_back(notes_bundle: Path) -> None:
    run = run_pyodide(notes_bundle, "import no_such_module", packages=[], check=False)
    assert not run.ok
    assert "ModuleNotFoundError" in (run.error or "")
