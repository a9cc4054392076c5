"""Run Python code in Pyodide in Node.js, from a bundle built by `adapters.browser`.

    result = run_pyodide(bundle_dir, "import flask\\nresult = flask.__version__")
    result.result      # json.loads(json.dumps(result)) from inside Pyodide
    result.stdout      # what the code printed

The runtime and every wheel come from the bundle folder only: the Node side
(tests/node/run_pyodide.mjs) makes fetch throw for http(s) URLs and refuses socket
connections, and reports every URL it was asked for in `fetched` / `blocked`.

The fixture `notes_bundle` builds the notes app (lambda/) once per session. Without Node
the tests that need it skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..example_app import LAMBDA_DIR

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).parent / "run_pyodide.mjs"
PROGRAMS = Path(__file__).parent / "pyodide_programs"
TIMINGS = ROOT / ".tools" / "timings" / "pyodide-node.json"
NOTES_APP = "notes.flask_app:app"
NOTES_REQUIREMENTS = LAMBDA_DIR / "requirements.txt"


class PyodideError(AssertionError):
    """The code raised inside Pyodide, or the harness failed."""


@dataclass
class PyodideRun:
    ok: bool
    result: Any
    error: str | None
    stdout: str
    stderr: str
    fetched: list[str]
    blocked: list[str]
    timings: dict[str, float] = field(default_factory=dict)


def node_or_skip() -> str:
    """The node executable; skip without it, but fail in CI."""
    node = shutil.which("node")
    if node is None:
        message = "node is not installed: the Pyodide-in-Node tests need Node.js 20 or newer"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return node


def run_pyodide(
    bundle: Path,
    code: str,
    *,
    packages: list[str] | None = None,
    check: bool = True,
    timeout: float = 300,
    snapshot: bool = False,
) -> PyodideRun:
    """Boot Pyodide from `bundle` (from its memory snapshot with `snapshot`), load
    `packages` (default: all the bundle's), run `code`."""
    command = [node_or_skip(), str(RUNNER), str(bundle)]
    if packages is not None:
        command += ["--packages", ",".join(packages)]
    if snapshot:
        command.append("--snapshot")
    completed = subprocess.run(
        command, input=code, capture_output=True, text=True, timeout=timeout, check=False
    )
    lines = completed.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise PyodideError(
            f"the harness printed no report (exit {completed.returncode}):\n"
            f"{completed.stdout}\n{completed.stderr}"
        ) from None
    run = PyodideRun(**report)
    if check and not run.ok:
        raise PyodideError(f"{run.error}\n--- stdout\n{run.stdout}--- stderr\n{run.stderr}")
    return run


def program(*files: str) -> str:
    """One program for `run_pyodide`: the named files of pyodide_programs/, in order."""
    return "\n".join((PROGRAMS / name).read_text() for name in files)


def build_bundle(out: Path, app: str = NOTES_APP, *extra: str) -> subprocess.CompletedProcess[str]:
    """`python -m adapters.browser build` for the notes app, as a user runs it."""
    command = [
        sys.executable, "-m", "adapters.browser", "build", app,
        "--path", str(LAMBDA_DIR), "--out", str(out),
        "--requirements-file", str(NOTES_REQUIREMENTS), *extra,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)


def record_timing(name: str, values: dict[str, float], path: Path = TIMINGS) -> None:
    """Keep the latest figures in a JSON file under .tools/timings (never asserted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data[name] = {**{k: round(v, 1) for k, v in values.items()}, "at": time.time()}
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def notes_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notes app (Flask and FastAPI, lambda/) as a browser bundle, built once."""
    out = tmp_path_factory.mktemp("bundle") / "site"
    started = time.monotonic()
    completed = build_bundle(out)
    if completed.returncode != 0:
        pytest.fail(f"the bundle build failed:\n{completed.stderr}")
    record_timing("build", {"seconds": time.monotonic() - started})
    return out
