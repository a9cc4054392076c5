"""Browser figures, read from what the browser tests record (this harness runs no browser).

- .tools/timings/browser-chromium.json (tests/test_browser_chromium.py): per framework,
  `service_worker_<app>` with `warm_request_median_ms` (fetches from the page through the
  service worker), `index_to_app_page_s` (from opening the site's index page, which
  installs the worker and boots Pyodide, to the app page loaded: the page-load figure) and
  `app_navigation_first_byte_ms` (first byte of the app page's own navigation, once the
  worker is up; shown, not judged), `warm_app_median_ms` (the Python part of those warm
  requests, from the worker's Server-Timing header); and `service_worker_floor` (the same
  loop answered by a worker that returns a constant Response: the browser's own floor);
  `service_worker_flask_snapshot`: the Flask bundle built with `--snapshot`.
- .tools/timings/browser-node.json (tests/test_browser_node.py): `<app> GET /api/notes`
  with `median_ms` of `BrowserHandler.handle()` in Pyodide in Node (no service worker), and
  `app_direct_median_ms`: the same app and path called directly with a prebuilt environ
  or scope in the same Pyodide (the floor under `handle()`).
- .tools/timings/pyodide-node.json (tests/test_browser_bundle.py): `boot+import <app>`
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


def run(timings_dir: Path = TIMINGS_DIR) -> dict[str, Any]:
    files = {name: _load(timings_dir / name) for name in FILES}
    found: dict[str, Any] = {}
    chromium = files["browser-chromium.json"] or {}
    node = files["browser-node.json"] or {}
    pyodide = files["pyodide-node.json"] or {}
    for app in APPS:
        worker = chromium.get(f"service_worker_{app}")
        if isinstance(worker, dict):
            source = f".tools/timings/browser-chromium.json service_worker_{app}"
            if "warm_request_median_ms" in worker:
                found[f"sw_warm_median_ms/{app}"] = _figure(
                    worker["warm_request_median_ms"], source + ".warm_request_median_ms", worker
                )
            if "warm_app_median_ms" in worker:
                found[f"sw_app_median_ms/{app}"] = _figure(
                    worker["warm_app_median_ms"], source + ".warm_app_median_ms", worker
                )
            if "index_to_app_page_s" in worker:
                found[f"page_load_to_app_page_ms/{app}"] = _figure(
                    round(worker["index_to_app_page_s"] * 1000, 1),
                    source + ".index_to_app_page_s x 1000",
                    worker,
                )
            if "app_navigation_first_byte_ms" in worker:
                found[f"app_navigation_first_byte_ms/{app}"] = _figure(
                    worker["app_navigation_first_byte_ms"],
                    source + ".app_navigation_first_byte_ms",
                    worker,
                )
        in_node = node.get(f"{app} GET /api/notes")
        if isinstance(in_node, dict) and "median_ms" in in_node:
            found[f"node_handle_median_ms/{app}"] = _figure(
                in_node["median_ms"],
                f".tools/timings/browser-node.json '{app} GET /api/notes'.median_ms",
                node,
            )
        if isinstance(in_node, dict) and "app_direct_median_ms" in in_node:
            found[f"node_app_direct_median_ms/{app}"] = _figure(
                in_node["app_direct_median_ms"],
                f".tools/timings/browser-node.json '{app} GET /api/notes'.app_direct_median_ms",
                node,
            )
        boot = pyodide.get(f"boot+import {app}")
        if isinstance(boot, dict) and "total_ms" in boot:
            found[f"pyodide_boot_import_ms/{app}"] = _figure(
                boot["total_ms"],
                f".tools/timings/pyodide-node.json 'boot+import {app}'.total_ms",
                boot,
            )
    snapshot = chromium.get("service_worker_flask_snapshot")
    if isinstance(snapshot, dict) and "index_to_app_page_s" in snapshot:
        found["page_load_to_app_page_ms/flask (snapshot)"] = _figure(
            round(snapshot["index_to_app_page_s"] * 1000, 1),
            ".tools/timings/browser-chromium.json service_worker_flask_snapshot"
            ".index_to_app_page_s x 1000",
            snapshot,
        )
    floor = chromium.get("service_worker_floor")
    if isinstance(floor, dict) and "warm_request_median_ms" in floor:
        found["sw_floor_median_ms"] = _figure(
            floor["warm_request_median_ms"],
            ".tools/timings/browser-chromium.json service_worker_floor.warm_request_median_ms",
            floor,
        )
    return {
        "files": {name: (data is not None) for name, data in files.items()},
        "figures": found,
    }
