"""The start of both Node programs (tests/node/test_browser_node.py): requests as a service
worker gets them, what a client reads of the responses, and the checks the WSGI and the
ASGI app share (both define the same routes).

Runs in Pyodide, as the first part of one program (pyodide_node.program): the files after
it use its names. A check records what it saw in `result`, under its section's name.
"""

import asyncio
import base64
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from js import Headers, Object, Request, Uint8Array
from pyodide.ffi import to_js

from adapters.browser import BrowserHandler, CookieJar

ORIGIN = "http://127.0.0.1:8000"
BINARY = bytes(range(256)) * 4 + b"\r\n\x00end"
SECRET = "secret detail of the crash"
TIMEOUT = 20  # seconds: a hang fails its section instead of the whole run
result: dict[str, Any] = {}


def js_request(
    path: str,
    method: str = "GET",
    headers: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
    body: bytes | str | None = None,
) -> Any:
    """A real JS Request, as a service worker's fetch event carries."""
    init_headers = Headers.new()
    for name, value in headers:
        init_headers.append(name, value)
    init: dict[str, Any] = {"method": method, "headers": init_headers}
    if body is not None:
        init["body"] = Uint8Array.new(to_js(body)) if isinstance(body, bytes) else body
    return Request.new(ORIGIN + path, to_js(init, dict_converter=Object.fromEntries))


async def handle(handler: BrowserHandler, path: str, **options: Any) -> Any:
    return await asyncio.wait_for(handler.handle(js_request(path, **options)), TIMEOUT)


def is_null(value: Any) -> bool:
    return value is None or type(value).__name__ == "JsNull"


async def read(response: Any) -> dict[str, Any]:
    """What a client sees: status, headers, and the body read with arrayBuffer()."""
    null_body = is_null(response.body)
    data = (await asyncio.wait_for(response.arrayBuffer(), TIMEOUT)).to_bytes()
    return {
        "status": response.status,
        "status_text": response.statusText,
        "headers": [[entry[0], entry[1]] for entry in response.headers.entries()],
        "has_set_cookie": bool(response.headers.has("set-cookie")),
        "set_cookie": list(response.headers.getSetCookie()),
        "null_body": null_body,
        "text": data.decode("utf-8", "replace"),
        "b64": base64.b64encode(data).decode(),
    }


async def fetch(handler: BrowserHandler, path: str, **options: Any) -> dict[str, Any]:
    return await read(await handle(handler, path, **options))


async def section(name: str, check: Callable[[], Awaitable[Any]]) -> None:
    try:
        result[name] = await check()
    except BaseException:
        result[name] = {"error": traceback.format_exc()}


async def read_stream(reader: Any) -> list[str]:
    """The rest of a body stream, chunk by chunk."""
    chunks: list[str] = []
    while True:
        chunk = await asyncio.wait_for(reader.read(), TIMEOUT)
        if chunk.done:
            return chunks
        chunks.append(chunk.value.to_bytes().decode())


async def outcome(awaitable: Awaitable[Any]) -> str:
    """'resolved', 'rejected: ...' or 'hang' for a JS promise."""
    try:
        await asyncio.wait_for(awaitable, 5)
    except TimeoutError:
        return "hang"
    except Exception as error:
        return f"rejected: {error}"
    return "resolved"


# The same checks for the WSGI and the ASGI app: both define the same routes.


async def requests_in(app: Any) -> dict[str, Any]:
    handler = BrowserHandler(app)
    headers = [("X-Rep", "a"), ("X-Rep", "b"), ("X-Latin", "caf\u00e9"), ("Cookie", "leaked=1")]
    return {
        "get": await fetch(
            handler, "/echo/caf%C3%A9/\u00e9%20x%2Fy?q=\u00fc&q=2&sp=a+b&amp=%26", headers=headers
        ),
        "text": await fetch(
            handler, "/echo/text", method="POST",
            headers=[("Content-Type", "text/plain; charset=utf-8")], body="h\u00e9llo \u2713",
        ),
        "binary": await fetch(
            handler, "/echo/binary", method="PUT",
            headers=[("Content-Type", "application/octet-stream")], body=BINARY,
        ),
        "patch": await fetch(handler, "/echo/patch", method="PATCH", body=b"\x00"),
        "delete": await fetch(handler, "/echo/delete", method="DELETE"),
    }  # fmt: skip


async def responses_out(app: Any) -> dict[str, Any]:
    saved: list[str] = []
    handler = BrowserHandler(app, on_cookies=saved.append)
    out: dict[str, Any] = {"cookies": await fetch(handler, "/cookies")}
    out["jar_after_set"] = sorted(cookie.name for cookie in handler.jar)
    out["saved_after_set"] = list(saved)
    out["whoami"] = await fetch(handler, "/whoami")
    out["saved_after_whoami"] = len(saved)
    out["forget"] = await fetch(handler, "/forget")
    out["jar_after_forget"] = sorted(cookie.name for cookie in handler.jar)
    out["saved_after_forget"] = len(saved)
    restored = BrowserHandler(app, jar=CookieJar.loads(saved[-1]))
    out["restored"] = await fetch(restored, "/whoami")
    out["binary_get"] = await fetch(handler, "/binary")
    out["binary_post"] = await fetch(handler, "/binary", method="POST", body=BINARY[::-1])
    out["head"] = await fetch(handler, "/binary", method="HEAD")
    for status in (204, 304):
        out[str(status)] = await fetch(handler, f"/status/{status}")
    return out


async def mounted(app: Any) -> dict[str, Any]:
    handler = BrowserHandler(app, base_path="/app/")
    return {
        "inside": await fetch(handler, "/app/echo/x"),
        "root": await fetch(handler, "/app/echo/"),
    }


async def app_crashes(
    app: Any, raw_crash: Any, raw_crash_in_body: Any, interface: Literal["wsgi", "asgi"]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    handler = BrowserHandler(app)
    out["framework_crash"] = await fetch(handler, "/crash")
    raw = BrowserHandler(raw_crash, interface=interface, lifespan="off")
    out["raw_crash"] = await fetch(raw, "/anything")
    in_body = BrowserHandler(raw_crash_in_body, interface=interface, lifespan="off")
    response = await handle(in_body, "/anything")
    out["in_body_status"] = response.status
    reader = response.body.getReader()  # a streamed body, WSGI generators too
    first = await asyncio.wait_for(reader.read(), TIMEOUT)
    out["in_body_first"] = first.value.to_bytes().decode()
    out["in_body_next"] = await outcome(reader.read())
    used = js_request("/echo/used", method="POST", body="read once")
    await used.text()  # the body is gone: arrayBuffer() rejects inside handle()
    out["used_body"] = await read(await asyncio.wait_for(handler.handle(used), TIMEOUT))
    out["still_serving"] = await fetch(handler, "/whoami")
    return out
