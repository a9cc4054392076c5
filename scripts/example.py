"""Send example events from several front doors through both example apps and print
what each front door would get back."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambda"))

from adapters.events import build_event

REQUESTS = [
    ("http", "/api/hello", [("name", "HTTP API")], None),
    ("rest", "/api/hello", [("name", "REST API")], "prod"),
    ("alb", "/api/hello", [("name", "load balancer")], None),
    ("function-url", "/", [], None),
]


def main() -> None:
    for module_name in ("wsgi_handler", "asgi_handler"):
        handler = importlib.import_module(module_name).handler
        for source, path, query, stage in REQUESTS:
            event = build_event(source, path=path, query=query, stage=stage)
            result = handler(event, None)
            shown = f"{module_name} <- {source} GET {path}"
            print(f"{shown}\n  {json.dumps(result)}")


if __name__ == "__main__":
    main()
