"""Handlers for the life-cycle tests (INIT start-up, SnapStart, concurrency).

`app` is a raw ASGI app that writes its own lifespan loop: it counts its start-ups, asks
for SnapStart restore events, and answers every request with what it knows (how often it
started, restores seen, the pid and the event loop, a draw from `random`). `LIFECYCLE_FAIL`
makes one phase fail: "startup" or "restore". `LIFECYCLE_DELAY` (seconds) is how long the
startup takes and `LIFECYCLE_WAIT` how long each request waits on the loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import threading
import time
from typing import Any

from adapters import LambdaHandler
from adapters.snapstart import after_restore, before_snapshot

FAIL = os.environ.get("LIFECYCLE_FAIL", "")
DELAY = float(os.environ.get("LIFECYCLE_DELAY", "0"))
WAIT = float(os.environ.get("LIFECYCLE_WAIT", "0"))
STARTUP = os.environ.get("LIFECYCLE_STARTUP", "init")

facts: dict[str, Any] = {"startups": 0, "restores": 0, "calls": [], "lifespan_extensions": []}


@before_snapshot
def note_snapshot() -> None:
    facts["calls"].append(f"before_snapshot(startups={facts['startups']})")


@after_restore
async def note_restore() -> None:
    await asyncio.sleep(0)
    facts["calls"].append("after_restore")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        facts["lifespan_extensions"] = sorted(scope.get("extensions") or {})
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await asyncio.sleep(DELAY)
                if FAIL == "startup":
                    await send({"type": "lifespan.startup.failed", "message": "no database"})
                    return
                facts["startups"] += 1
                await send({"type": "lifespan.startup.complete", "snapstart": True})
            elif message["type"] == "lifespan.snapstart.restore":
                if FAIL == "restore":
                    await send({"type": "lifespan.snapstart.restore.failed", "message": "stale"})
                    continue
                facts["restores"] += 1
                facts["calls"].append("lifespan.snapstart.restore")
                await send({"type": "lifespan.snapstart.restore.complete"})
            elif message["type"] == "lifespan.shutdown":
                print(f"lifespan shutdown after {facts['startups']} startup(s)", flush=True)
                await send({"type": "lifespan.shutdown.complete"})
                return
    started = time.monotonic()
    if WAIT:
        await asyncio.sleep(WAIT)
    body = json.dumps(
        {
            "startups": facts["startups"],
            "restores": facts["restores"],
            "calls": facts["calls"],
            "pid": os.getpid(),
            "loop": id(asyncio.get_running_loop()),
            "thread": threading.get_ident(),
            "random": random.random(),
            "path": scope["path"],
            "started": started,
            "lifespan_extensions": facts["lifespan_extensions"],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if WAIT:
        time.sleep(WAIT)
    body = json.dumps(
        {"path": environ["PATH_INFO"], "pid": os.getpid(), "thread": threading.get_ident()}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


handler = LambdaHandler(app, startup=STARTUP)  # type: ignore[arg-type]
wsgi_handler = LambdaHandler(wsgi_app)
