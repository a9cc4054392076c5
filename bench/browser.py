"""Browser figures, read from what the browser tests record (this harness runs no browser).

- .tools/timings/browser-chromium.json (tests/chromium/test_browser_chromium.py): per framework,
  `service_worker_<app>` with `warm_request_median_ms` (fetches from the page through the
  service worker), `index_to_app_page_s` (from opening the site's index page, which
  installs the worker and boots Pyodide, to the app page loaded: the page-load figure) and
  `app_navigation_first_byte_ms` (first byte of the app page's own navigation, once the
  worker is up; shown, not judged), `warm_app_median_ms` (the Python part of those warm
  requests, from the worker's Server-Timing header); and `service_worker_floor` (the same
  loop answered by a worker that returns a constant Response: the browser's own floor);
  `service_worker_flask_snapshot`: the Flask bundle built with `--snapshot`.
- .tools/timings/browser-node.json (tests/node/test_browser_node.py): `<app> GET /api/notes`
  with `median_ms` of `BrowserHandler.handle()` in Pyodide in Node (no service worker), and
  `app_direct_median_ms`: the same app and path called directly with a prebuilt environ
  or scope in the same Pyodide (the floor under `handle()`).
- .tools/timings/pyodide-node.json (tests/node/test_bundle_in_node.py): `boot+import <app>`
  with the plain Pyodide boot, package load and app import (`total_ms`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TIMINGS_DIR = ROOT / ".tools" / "timings"
FILES = ("browser-chromium.json", "browser-node.json", "pyodide-node.json")
APPS = ("flask", "fastapi")


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _figure(value: Any, source: str, entry: dict[str, Any] | None = None) -> dict[str, Any]:
    at = (entry or {}).get("at")
    age = None if not isinstance(at, (int, float)) else round((time.time() - at) / 3600, 1)
    return {"value": value, "source": source, "age_hours": age}


def _wanted() -> list[tuple[str, str, str, str, int]]:
    """(figure, timing file, entry, field, factor to ms) for every figure this reads."""
    chromium, node, pyodide = FILES
    wanted = []
    for app in APPS:
        worker, notes = f"service_worker_{app}", f"{app} GET /api/notes"
        wanted += [
            (f"sw_warm_median_ms/{app}", chromium, worker, "warm_request_median_ms", 1),
            (f"sw_app_median_ms/{app}", chromium, worker, "warm_app_median_ms", 1),
            (f"page_load_to_app_page_ms/{app}", chromium, worker, "index_to_app_page_s", 1000),
            (f"app_navigation_first_byte_ms/{app}", chromium, worker,
             "app_navigation_first_byte_ms", 1),
            (f"node_handle_median_ms/{app}", node, notes, "median_ms", 1),
            (f"node_app_direct_median_ms/{app}", node, notes, "app_direct_median_ms", 1),
            (f"pyodide_boot_import_ms/{app}", pyodide, f"boot+import {app}", "total_ms", 1),
        ]  # fmt: skip
    return [
        *wanted,
        ("page_load_to_app_page_ms/flask (snapshot)", chromium,
         "service_worker_flask_snapshot", "index_to_app_page_s", 1000),
        ("sw_floor_median_ms", chromium, "service_worker_floor", "warm_request_median_ms", 1),
    ]  # fmt: skip


def run(timings_dir: Path = TIMINGS_DIR) -> dict[str, Any]:
    files = {name: _load(timings_dir / name) for name in FILES}
    found: dict[str, Any] = {}
    for key, file, name, field, factor in _wanted():
        data = files[file] or {}
        entry = data.get(name)
        if not isinstance(entry, dict) or field not in entry:
            continue
        value = entry[field] if factor == 1 else round(entry[field] * factor, 1)
        source = f".tools/timings/{file} '{name}'.{field}" + (f" x {factor}" if factor != 1 else "")
        # browser-node.json dates the whole file; the other files date each entry
        found[key] = _figure(value, source, entry if "at" in entry else data)
    return {
        "files": {name: (data is not None) for name, data in files.items()},
        "figures": found,
    }
