"""A tiny ASGI app for the Chromium tests: a streamed body, a crash, a page to start from.

`/stream` sends CHUNKS pieces with DELAY seconds between them; each piece carries the
time (ms since the epoch) it was produced, so the page can tell it got the first piece
before the last one was made.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

CHUNKS = 4
DELAY = 0.4


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):  # ASGI: `path` holds the mount point too
        path = path[len(root) :]
    if path == "/stream":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/x-ndjson")],
            }
        )
        for index in range(CHUNKS):
            if index:
                await asyncio.sleep(DELAY)
            line = json.dumps({"index": index, "produced": time.time() * 1000}) + "\n"
            await send({"type": "http.response.body", "body": line.encode(), "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    if path == "/crash":
        raise RuntimeError("deliberate crash")
    body = b"<!doctype html><title>stream app</title><h1>Stream app</h1>"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/html; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})
