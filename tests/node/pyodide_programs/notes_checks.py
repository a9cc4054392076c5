"""The notes app (lambda/notes) in the browser handler, and its warm request time.

Runs in Pyodide after prelude.py, whose names it uses (imported here for the linters only).
"""

import hashlib
import io
import statistics
import time
from typing import Any

from adapters.browser import BrowserHandler

TYPE_CHECKING = False
if TYPE_CHECKING:  # in Pyodide these are prelude.py's, which runs first
    from .prelude import fetch, js_request


async def notes_app(module: str) -> dict[str, Any]:
    application = __import__(f"notes.{module}", fromlist=["app"]).app
    from notes.shared import ICON

    handler = BrowserHandler(application)
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    out: dict[str, Any] = {"home": await fetch(handler, "/")}
    out["create"] = await fetch(
        handler, "/notes", method="POST", headers=form,
        body="title=Hello+%E2%9C%93&body=Written+in+Node",
    )  # fmt: skip
    out["jar"] = sorted(cookie.name for cookie in handler.jar)
    out["after"] = await fetch(handler, "/")
    out["again"] = await fetch(handler, "/")
    out["icon"] = await fetch(handler, "/icon.png")
    out["icon_sha256"] = hashlib.sha256(ICON).hexdigest()
    out["api"] = await fetch(handler, "/api/notes")
    under = BrowserHandler(application, base_path="/app")
    out["mounted_home"] = await fetch(under, "/app/")
    out["mounted_create"] = await fetch(
        under, "/app/notes", method="POST", headers=form, body="title=Mounted"
    )
    out["mounted_after"] = await fetch(under, "/app/")
    return out


async def warm_timing(module: str, count: int = 50) -> dict[str, Any]:
    application = __import__(f"notes.{module}", fromlist=["app"]).app
    handler = BrowserHandler(application)
    for _ in range(5):
        await fetch(handler, "/api/notes")
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = await handler.handle(js_request("/api/notes"))
        await response.arrayBuffer()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "requests": count,
        "median_ms": statistics.median(samples),
        "min_ms": samples[0],
        "p90_ms": samples[int(count * 0.9) - 1],
        "max_ms": samples[-1],
        "app_direct_median_ms": await direct_timing(application, handler, count),
    }


async def direct_timing(application: Any, handler: BrowserHandler, count: int) -> float:
    # The floor: the same app and path with a prebuilt environ or scope, no JS at all.
    from adapters.asgi import build_scope
    from adapters.model import Request
    from adapters.wsgi import build_environ

    request = Request(
        method="GET", raw_path=b"/api/notes", headers=[("host", "localhost")],
        scheme="http", server=("localhost", 80),
    )  # fmt: skip
    samples = []
    statuses: list[str] = []
    if handler.interface == "wsgi":
        template = build_environ(request)

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return lambda data: None

        for _ in range(count):
            environ = {**template, "wsgi.input": io.BytesIO(b"")}
            started = time.perf_counter()
            result = application(environ, start_response)
            b"".join(result)
            getattr(result, "close", lambda: None)()
            samples.append((time.perf_counter() - started) * 1000)
    else:
        await handler.startup()
        scope_template = build_scope(request, handler.runner.state)

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(str(message["status"]))

        for _ in range(count):
            scope = {**scope_template, "state": dict(scope_template["state"])}
            started = time.perf_counter()
            await application(scope, receive, send)
            samples.append((time.perf_counter() - started) * 1000)
    assert all(status.startswith("200") for status in statuses), statuses[:3]
    return statistics.median(samples)
