"""A tiny WSGI app for the Chromium offline and update tests: it shows which build it is.

The tests copy this folder and change VERSION to make a second build of the same app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

VERSION = "1"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    mount = environ.get("SCRIPT_NAME", "")
    page = f"<!doctype html><title>v{VERSION}</title><h1 id=version>{VERSION}</h1>"
    page += f"<p id=mount>{mount}</p>"
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [page.encode()]
