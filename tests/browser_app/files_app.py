"""A tiny WSGI app for the Chromium test of `--persist`: it keeps lines in /data/lines.txt.

GET shows the lines; POST appends the request body as one line and answers 303.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable
from typing import Any

FOLDER = os.environ.get("LINES_FOLDER", "/data")


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = os.path.join(FOLDER, "lines.txt")
    if environ["REQUEST_METHOD"] == "POST":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        line = environ["wsgi.input"].read(size).decode("utf-8", "replace").strip()
        os.makedirs(FOLDER, exist_ok=True)
        with open(path, "a", encoding="utf-8") as lines:
            lines.write(line + "\n")
        start_response("303 See Other", [("Location", environ.get("SCRIPT_NAME", "") + "/")])
        return [b""]
    try:
        with open(path, encoding="utf-8") as lines:
            kept = lines.read().splitlines()
    except FileNotFoundError:
        kept = []
    items = "".join(f"<li>{html.escape(line)}</li>" for line in kept)
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [f"<!doctype html><title>lines</title><ul id=lines>{items}</ul>".encode()]
