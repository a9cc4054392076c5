"""Send example events from several front doors through both example apps and print
what each front door gets back (the main job until `adapters serve` exists)."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambda"))
os.environ.setdefault("SESSION_SECRET", "example-only-" + "x" * 32)

from adapters.events import build_event

JSON = [("Content-Type", "application/json")]
REQUESTS = [
    ("http", "POST", "/api/notes", JSON, '{"title": "Hello from an HTTP API event"}', None),
    ("rest", "GET", "/api/notes", [], "", "Prod"),
    ("alb", "GET", "/api/health", [], "", None),
    ("function-url", "GET", "/icon.png", [], "", None),
    ("lattice-v2", "GET", "/", [], "", None),
]


def main() -> None:
    for module_name in ("wsgi_handler", "asgi_handler"):
        handler = importlib.import_module(module_name).handler
        handler.access_log = None
        for source, method, path, headers, body, stage in REQUESTS:
            event = build_event(
                source, method=method, path=path, headers=headers, body=body, stage=stage
            )
            result = handler(event, None)
            shown = {
                k: (v[:90] + "..." if isinstance(v, str) and len(v) > 90 else v)
                for k, v in result.items()
            }
            print(f"{module_name} <- {source} {method} {path}\n  {json.dumps(shown)}")


if __name__ == "__main__":
    main()
