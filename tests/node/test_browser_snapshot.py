"""Bundles with a Pyodide memory snapshot (`build ... --snapshot`), booted in Node.js.

The snapshot holds the interpreter after the app's dependencies were imported, not the
app: each boot imports the app again, so it reads the browser's environment (a secret
generated per browser), not the build machine's. These tests build the notes bundles as
a user does, boot from the snapshot through the same `browser/snapshot.mjs` the service
worker uses, and check that the app then works and sees its own environment. The boot
times go to .tools/timings/pyodide-node.json (recorded, never asserted); the page-load
figure in Chromium is in tests/chromium/test_browser_chromium.py.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.browser import bundle

from .pyodide_node import build_bundle, node_or_skip, program, record_timing, run_pyodide

SECRET = "a-secret-made-in-this-browser"

CHECK_APP = program("snapshot_check.py")


@pytest.fixture(scope="module")
def snapshot_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node_or_skip()
    out = tmp_path_factory.mktemp("snapshot") / "site"
    started = time.monotonic()
    done = build_bundle(out, "notes.flask_app:app", "--snapshot", "--secret-env", "SESSION_SECRET")
    if done.returncode != 0:
        pytest.fail(f"building with --snapshot failed:\n{done.stderr}")
    record_timing("build_with_snapshot", {"seconds": time.monotonic() - started})
    return out


def run_check(site: Path, *, snapshot: bool) -> tuple[dict[str, Any], dict[str, float]]:
    settings = (site / "bundle.json").read_text()
    code = f"SETTINGS = {settings!r}\nSECRET = {SECRET!r}\n" + CHECK_APP
    run = run_pyodide(site, code, snapshot=snapshot)
    return run.result, run.timings


def test_the_build_writes_the_snapshot_and_names_it(snapshot_bundle: Path) -> None:
    manifest = json.loads((snapshot_bundle / "bundle.json").read_text())
    entry = manifest["snapshot"]
    assert entry["file"] == "pyodide/snapshot.bin.gz"
    assert entry["encoding"] == "gzip"
    path = snapshot_bundle / entry["file"]
    assert path.stat().st_size == entry["bytes"]
    with gzip.open(path) as memory:
        assert len(memory.read()) == entry["memory_bytes"] > 20_000_000  # all of Python's
    assert entry["bytes"] < entry["memory_bytes"] / 2
    assert not (snapshot_bundle / "pyodide" / "snapshot.bin").exists()
    assert entry["modules"] > 50  # flask, werkzeug, jinja2, ... and this package
    assert (snapshot_bundle / "snapshot.mjs").read_text() == (
        bundle.WEB_SOURCES / "snapshot.mjs"
    ).read_text()


def test_the_app_boots_from_the_snapshot_with_the_browsers_environment(
    snapshot_bundle: Path,
) -> None:
    seen, timings = run_check(snapshot_bundle, snapshot=True)
    # The frameworks come from the snapshot; the app is imported after the boot, so the
    # secret generated in this browser signs its session.
    assert seen["preloaded"] == {"flask": True, "app": False}
    assert seen["secret_key_is_the_browsers"] is True
    assert seen["post_status"] == 303
    assert seen["page_status"] == 200
    assert seen["jar_after_post"] == ["session"]
    assert seen["note_listed"] and seen["flash_shown"]  # the session cookie came back
    plain, plain_timings = run_check(snapshot_bundle, snapshot=False)
    assert plain["preloaded"] == {"flask": False, "app": False}
    assert {k: v for k, v in plain.items() if k != "preloaded"} == {
        k: v for k, v in seen.items() if k != "preloaded"
    }
    record_timing(
        "snapshot_boot_flask",
        {
            "snapshot_boot_ms": timings["boot_ms"],
            "snapshot_boot_load_run_ms": timings["total_ms"],
            "plain_boot_ms": plain_timings["boot_ms"],
            "plain_boot_load_run_ms": plain_timings["total_ms"],
        },
    )


def test_an_app_that_imports_compiled_modules_is_refused(tmp_path: Path) -> None:
    """FastAPI imports pydantic_core, a dynamic library a snapshot cannot restore."""
    node_or_skip()
    out = tmp_path / "site"
    done = build_bundle(out, "notes.fastapi_app:app", "--snapshot")
    assert done.returncode == 1
    assert "--snapshot: the app imports compiled modules (pydantic_core." in done.stderr
    assert "build without --snapshot" in done.stderr
    assert not out.exists()  # nothing half-built is left behind
