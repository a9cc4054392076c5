"""The fast tier of the browser tests: `adapters.browser` in Pyodide in Node.js.

Node 20 has the fetch `Request`, `Response`, `Headers` and `ReadableStream` globally, so
`BrowserHandler.handle()` runs here on real JS objects, as in a service worker, without a
browser. Each Pyodide boot costs seconds, so everything runs in two boots (one WSGI, one
ASGI, side by side): the Python code below runs in Pyodide, records what a client saw in
named sections, and the tests assert on those sections. A failing section fails only its
tests, with the traceback from inside Pyodide.

The bundle is the session-built notes bundle (`notes_bundle`): flask, fastapi, starlette,
jinja2, python-multipart, itsdangerous, our package and the notes app. The network is
blocked by the harness. The warm request time goes to .tools/timings/browser-node.json
(recorded, never asserted).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ..example_app import LAMBDA_DIR
from .pyodide_node import ROOT, PyodideRun, run_pyodide

TIMINGS = ROOT / ".tools" / "timings" / "browser-node.json"
BINARY = bytes(range(256)) * 4 + b"\r\n\x00end"
ICON = (LAMBDA_DIR / "notes" / "static" / "icon.png").read_bytes()
SECRET = "secret detail of the crash"
INTERFACES = ["wsgi", "asgi"]

# --- The code that runs in Pyodide ----------------------------------------------------

PRELUDE = r'''
import asyncio, base64, contextlib, hashlib, io, json, logging, statistics, threading, time
import traceback
from js import Headers, Object, Request, Uint8Array
from pyodide.ffi import to_js
from adapters.browser import BrowserHandler, CookieJar

ORIGIN = "http://127.0.0.1:8000"
BINARY = bytes(range(256)) * 4 + b"\r\n\x00end"
SECRET = "secret detail of the crash"
TIMEOUT = 20  # seconds: a hang fails its section instead of the whole run
result = {}


def js_request(path, method="GET", headers=(), body=None):
    """A real JS Request, as a service worker's fetch event carries."""
    init_headers = Headers.new()
    for name, value in headers:
        init_headers.append(name, value)
    init = {"method": method, "headers": init_headers}
    if body is not None:
        init["body"] = Uint8Array.new(to_js(body)) if isinstance(body, bytes) else body
    return Request.new(ORIGIN + path, to_js(init, dict_converter=Object.fromEntries))


async def handle(handler, path, **options):
    return await asyncio.wait_for(handler.handle(js_request(path, **options)), TIMEOUT)


def is_null(value):
    return value is None or type(value).__name__ == "JsNull"


async def read(response):
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


async def fetch(handler, path, **options):
    return await read(await handle(handler, path, **options))


async def section(name, check):
    try:
        result[name] = await check()
    except BaseException:
        result[name] = {"error": traceback.format_exc()}


async def read_stream(reader):
    """The rest of a body stream, chunk by chunk."""
    chunks = []
    while True:
        chunk = await asyncio.wait_for(reader.read(), TIMEOUT)
        if chunk.done:
            return chunks
        chunks.append(chunk.value.to_bytes().decode())


async def outcome(awaitable):
    """'resolved', 'rejected: ...' or 'hang' for a JS promise."""
    try:
        await asyncio.wait_for(awaitable, 5)
    except TimeoutError:
        return "hang"
    except Exception as error:
        return f"rejected: {error}"
    return "resolved"


# The same checks for the WSGI and the ASGI app: both define the same routes.

async def requests_in(app):
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
    }


async def responses_out(app):
    saved = []
    handler = BrowserHandler(app, on_cookies=saved.append)
    out = {"cookies": await fetch(handler, "/cookies")}
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


async def mounted(app):
    handler = BrowserHandler(app, base_path="/app/")
    return {
        "inside": await fetch(handler, "/app/echo/x"),
        "root": await fetch(handler, "/app/echo/"),
    }


async def app_crashes(app, raw_crash, raw_crash_in_body, interface):
    out = {}
    handler = BrowserHandler(app)
    out["framework_crash"] = await fetch(handler, "/crash")
    raw = BrowserHandler(raw_crash, interface=interface, lifespan="off")
    out["raw_crash"] = await fetch(raw, "/anything")
    in_body = BrowserHandler(raw_crash_in_body, interface=interface, lifespan="off")
    response = await handle(in_body, "/anything")
    out["in_body_status"] = response.status
    if interface == "asgi":
        reader = response.body.getReader()
        first = await asyncio.wait_for(reader.read(), TIMEOUT)
        out["in_body_first"] = first.value.to_bytes().decode()
        out["in_body_next"] = await outcome(reader.read())
    else:
        out["in_body"] = await read(response)
    used = js_request("/echo/used", method="POST", body="read once")
    await used.text()  # the body is gone: arrayBuffer() rejects inside handle()
    out["used_body"] = await read(await asyncio.wait_for(handler.handle(used), TIMEOUT))
    out["still_serving"] = await fetch(handler, "/whoami")
    return out
'''

NOTES = r"""
async def notes_app(module):
    application = __import__(f"notes.{module}", fromlist=["app"]).app
    from notes.shared import ICON

    handler = BrowserHandler(application)
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    out = {"home": await fetch(handler, "/")}
    out["create"] = await fetch(
        handler, "/notes", method="POST", headers=form,
        body="title=Hello+%E2%9C%93&body=Written+in+Node",
    )
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


async def warm_timing(module, count=50):
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


async def direct_timing(application, handler, count):
    # The floor: the same app and path with a prebuilt environ or scope, no JS at all.
    from adapters.asgi import build_scope
    from adapters.model import Request
    from adapters.wsgi import build_environ

    request = Request(
        method="GET", raw_path=b"/api/notes", headers=[("host", "localhost")],
        scheme="http", server=("localhost", 80),
    )
    samples = []
    if handler.interface == "wsgi":
        template = build_environ(request)
        statuses = []

        def start_response(status, headers, exc_info=None):
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
        template = build_scope(request, handler.runner.state)
        statuses = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(str(message["status"]))

        for _ in range(count):
            scope = {**template, "state": dict(template["state"])}
            started = time.perf_counter()
            await application(scope, receive, send)
            samples.append((time.perf_counter() - started) * 1000)
    assert all(status.startswith("200") for status in statuses), statuses[:3]
    return statistics.median(samples)
"""

WSGI_CODE = (
    PRELUDE
    + NOTES
    + r"""
from flask import Flask, Response, request, url_for

app = Flask("wsgi_checks")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@app.route("/echo/", defaults={"rest": ""}, methods=METHODS)
@app.route("/echo/<path:rest>", methods=METHODS)
def echo(rest):
    environ = request.environ
    headers = [
        [key[5:].replace("_", "-").lower(), value]
        for key, value in environ.items() if key.startswith("HTTP_")
    ]
    headers += [
        [key.replace("_", "-").lower(), environ[key]]
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(key)
    ]
    return {
        "method": environ["REQUEST_METHOD"],
        "root": environ["SCRIPT_NAME"],
        "route_path": environ["PATH_INFO"],
        "rest": rest,
        "query_string": environ["QUERY_STRING"],
        "args": [[k, v] for k, v in request.args.items(multi=True)],
        "headers": sorted(headers),
        "body": request.get_data().hex(),
        "url": request.url,
        "link": url_for("echo", rest="x/y"),
    }


@app.get("/cookies")
def cookies():
    response = Response("cookies set")
    response.headers.add("X-Value", "one")
    response.headers.add("X-Value", "two")
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


@app.get("/forget")
def forget():
    response = Response("forgotten")
    response.delete_cookie("first")
    return response


@app.get("/whoami")
def whoami():
    return {"cookie": request.headers.get("Cookie"), "cookies": request.cookies.to_dict()}


@app.route("/binary", methods=["GET", "POST"])
def binary():
    data = request.get_data() if request.method == "POST" else BINARY
    return Response(data, mimetype="application/octet-stream")


@app.get("/status/<int:status>")
def status(status):
    return Response("a body HTTP forbids here", status=status, headers={"X-Status": str(status)})


@app.get("/crash")
def crash():
    raise RuntimeError(SECRET)


def raw_crash(environ, start_response):
    raise RuntimeError(SECRET)


def raw_crash_in_body(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"part"
    raise RuntimeError(SECRET)


await section("requests", lambda: requests_in(app))
await section("responses", lambda: responses_out(app))
await section("mounted", lambda: mounted(app))
await section("failures", lambda: app_crashes(app, raw_crash, raw_crash_in_body, "wsgi"))
await section("notes", lambda: notes_app("flask_app"))
await section("timing", lambda: warm_timing("flask_app"))
"""
)

ASGI_CODE = (
    PRELUDE
    + NOTES
    + r"""
from fastapi import BackgroundTasks, FastAPI, Request as AppRequest
from starlette.responses import Response, StreamingResponse

gates = {}    # name -> asyncio.Event a streaming body waits on
closed = []   # names of streaming bodies that were finalised
background = []  # names of background tasks that ran to the end


def make_app():
    boots = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        boots.append(time.time())
        await asyncio.sleep(0.05)  # concurrent first requests arrive during startup
        yield {"boot": len(boots), "greeting": "from lifespan"}

    app = FastAPI(lifespan=lifespan)
    app.state.boots = boots
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @app.api_route("/echo/{rest:path}", methods=methods)
    async def echo(request: AppRequest, rest: str):
        scope = request.scope
        return {
            "method": scope["method"],
            "root": scope["root_path"],
            "route_path": scope["path"][len(scope["root_path"]):],
            "path": scope["path"],
            "raw_path": scope["raw_path"].decode("latin-1"),
            "rest": rest,
            "query_string": scope["query_string"].decode("latin-1"),
            "args": [[k, v] for k, v in request.query_params.multi_items()],
            "headers": sorted(
                [k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]
            ),
            "body": (await request.body()).hex(),
            "url": str(request.url),
            "link": request.url_for("echo", rest="x/y").path,
            "greeting": request.state.greeting,
        }

    @app.get("/cookies")
    async def cookies():
        response = Response("cookies set", media_type="text/plain")
        response.raw_headers += [(b"x-value", b"one"), (b"x-value", b"two")]
        response.set_cookie("first", "1")
        response.set_cookie("second", "2")
        return response

    @app.get("/forget")
    async def forget():
        response = Response("forgotten", media_type="text/plain")
        response.delete_cookie("first")
        return response

    @app.get("/whoami")
    async def whoami(request: AppRequest):
        return {"cookie": request.headers.get("cookie"), "cookies": request.cookies}

    @app.api_route("/binary", methods=["GET", "HEAD", "POST"])
    async def binary(request: AppRequest):
        data = await request.body() if request.method == "POST" else BINARY
        return Response(data, media_type="application/octet-stream")

    @app.get("/binary-stream")
    async def binary_stream():
        async def pieces():
            for start in range(0, len(BINARY), 300):
                yield BINARY[start : start + 300]

        return StreamingResponse(pieces(), media_type="application/octet-stream")

    @app.get("/status/{status}")
    async def status(status: int):
        return Response(status_code=status, headers={"x-status": str(status)})

    @app.api_route("/gate/{name}", methods=["GET", "HEAD"])
    async def gate(name: str):
        event = gates.setdefault(name, asyncio.Event())

        async def body():
            try:
                yield b"first chunk;"
                await event.wait()
                yield b"second chunk;"
                yield b"third"
            finally:
                closed.append(name)

        return StreamingResponse(body(), media_type="text/plain")

    @app.get("/after/{name}")
    async def after(name: str, stream: bool = False):
        async def later():
            await asyncio.sleep(0.05)
            background.append(name)

        tasks = BackgroundTasks()
        tasks.add_task(later)
        if stream:
            return StreamingResponse(iter([b"streamed ", b"answer"]), background=tasks)
        return Response(b"plain answer", background=tasks)

    @app.get("/sync")
    def sync_endpoint():
        return {"thread": threading.get_ident()}

    @app.get("/sync-stream")
    def sync_stream():
        return StreamingResponse(iter([b"sync ", b"iterator ", b"chunks"]), media_type="text/plain")

    @app.get("/state")
    async def state(request: AppRequest):
        return {"boot": request.state.boot, "greeting": request.state.greeting}

    @app.get("/crash")
    async def crash():
        raise RuntimeError(SECRET)

    @app.get("/crash-stream")
    async def crash_stream():
        async def body():
            yield b"part"
            raise RuntimeError(SECRET)

        return StreamingResponse(body(), media_type="text/plain")

    return app


async def raw_crash(scope, receive, send):
    raise RuntimeError(SECRET)


async def raw_crash_in_body(scope, receive, send):
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"part", "more_body": True})
    await asyncio.sleep(0.01)
    raise RuntimeError(SECRET)


async def no_response(scope, receive, send):
    return


app = make_app()


async def streaming():
    handler = BrowserHandler(app)
    out = {}
    response = await handle(handler, "/gate/stream")
    out["status"] = response.status
    out["content_type"] = response.headers.get("content-type")
    reader = response.body.getReader()
    first = await asyncio.wait_for(reader.read(), TIMEOUT)
    out["first"] = first.value.to_bytes().decode()
    pending = asyncio.ensure_future(reader.read())
    await asyncio.sleep(0.1)
    out["waiting_before_release"] = not pending.done()
    gates["stream"].set()
    second = await asyncio.wait_for(pending, TIMEOUT)
    out["rest"] = [second.value.to_bytes().decode(), *await read_stream(reader)]
    out["finished"] = "stream" in closed

    out["binary_stream"] = await fetch(handler, "/binary-stream")

    # Background tasks run after the response, whole or streamed, as on a server.
    out["after_plain"] = await fetch(handler, "/after/plain")
    out["after_streamed"] = await fetch(handler, "/after/streamed?stream=true")
    await asyncio.sleep(0.3)
    out["background"] = sorted(background)

    # Nobody reads these bodies: the app must be stopped, not left running.
    out["head"] = await fetch(handler, "/gate/head", method="HEAD")
    response = await handle(handler, "/gate/cancel-after-read")
    reader = response.body.getReader()
    await asyncio.wait_for(reader.read(), TIMEOUT)
    await asyncio.wait_for(reader.cancel(), TIMEOUT)
    response = await handle(handler, "/gate/cancel-unread")
    await asyncio.wait_for(response.body.cancel(), TIMEOUT)
    response = await handle(handler, "/gate/cancel-pending")
    reader = response.body.getReader()
    await asyncio.wait_for(reader.read(), TIMEOUT)
    pending = asyncio.ensure_future(reader.read())  # the app is waiting on its gate
    await asyncio.sleep(0.05)
    out["cancel_pending"] = await outcome(reader.cancel())
    out["pending_read"] = await outcome(pending)
    await asyncio.sleep(0.1)
    out["closed"] = sorted(closed)
    out["left_running"] = sorted(
        name for name, event in gates.items() if name not in closed and not event.is_set()
    )
    return out


async def sync_work():
    out = {}
    try:
        threading.Thread(target=lambda: None).start()
        out["threads"] = "a thread started"
    except RuntimeError as error:
        out["threads"] = str(error)
    handler = BrowserHandler(app)
    out["loop_thread"] = threading.get_ident()
    out["sync"] = await fetch(handler, "/sync")
    out["sync_stream"] = await fetch(handler, "/sync-stream")
    return out


async def lifespan_once():
    fresh = make_app()
    handler = BrowserHandler(fresh)
    first = await asyncio.gather(*(fetch(handler, "/state") for _ in range(5)))
    later = [await fetch(handler, "/state") for _ in range(3)]
    echo = await fetch(handler, "/echo/x")
    return {"answers": [*first, *later, echo], "boots": len(fresh.state.boots)}


async def asgi_failures():
    out = await app_crashes(app, raw_crash, raw_crash_in_body, "asgi")
    handler = BrowserHandler(app)
    response = await handle(handler, "/crash-stream")
    out["stream_status"] = response.status
    out["stream_array_buffer"] = await outcome(response.arrayBuffer())
    quiet = BrowserHandler(no_response, interface="asgi", lifespan="off")
    out["no_response"] = await fetch(quiet, "/anything")
    return out


await section("requests", lambda: requests_in(app))
await section("responses", lambda: responses_out(app))
await section("mounted", lambda: mounted(app))
await section("failures", asgi_failures)
await section("streaming", streaming)
await section("sync", sync_work)
await section("lifespan", lifespan_once)
await section("notes", lambda: notes_app("fastapi_app"))
await section("timing", lambda: warm_timing("fastapi_app"))
"""
)

PACKAGES = {
    "wsgi": ["flask", "webapp-adapters", "app-code"],
    "asgi": [
        "fastapi", "starlette", "python-multipart", "jinja2", "itsdangerous",
        "webapp-adapters", "app-code",
    ],
}  # fmt: skip


# --- Running it: two boots, side by side ----------------------------------------------


@pytest.fixture(scope="module")
def runs(notes_bundle: Path) -> dict[str, PyodideRun]:
    codes = {"wsgi": WSGI_CODE, "asgi": ASGI_CODE}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(
                run_pyodide, notes_bundle, code, packages=PACKAGES[name], check=False, timeout=300
            )
            for name, code in codes.items()
        }
        return {name: future.result() for name, future in futures.items()}


def section(runs: dict[str, PyodideRun], interface: str, name: str) -> Any:
    run = runs[interface]
    found = (run.result or {}).get(name) if isinstance(run.result, dict) else None
    if found is None:
        pytest.fail(f"{interface}: no section {name!r}: {run.error}\n{run.stderr[-4000:]}")
    if isinstance(found, dict) and set(found) == {"error"}:
        pytest.fail(f"{interface} {name} raised in Pyodide:\n{found['error']}")
    return found


def values(response: dict[str, Any], name: str) -> list[str]:
    return [value for key, value in response["headers"] if key == name]


def body(response: dict[str, Any]) -> bytes:
    return base64.b64decode(response["b64"])


def echoed(response: dict[str, Any]) -> dict[str, Any]:
    assert response["status"] == 200, response["text"]
    return json.loads(response["text"])


def no_traceback(response: dict[str, Any]) -> None:
    assert "Traceback" not in response["text"]
    assert SECRET not in response["text"]
    assert "RuntimeError" not in response["text"]


# --- Requests in -----------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_the_app_sees_method_path_query_and_headers(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    seen = echoed(section(runs, interface, "requests")["get"])
    assert seen["method"] == "GET"
    assert seen["root"] == ""
    # The URL parser percent-encodes the raw é; %2F is a slash once decoded (as in WSGI).
    path = seen["route_path"]
    if interface == "wsgi":  # PEP 3333: PATH_INFO holds the bytes as latin-1
        path = path.encode("latin-1").decode("utf-8")
    assert path == "/echo/café/é x/y"
    assert seen["rest"] == "café/é x/y"
    assert seen["query_string"] == "q=%C3%BC&q=2&sp=a+b&amp=%26"
    assert seen["args"] == [["q", "ü"], ["q", "2"], ["sp", "a b"], ["amp", "&"]]
    assert seen["url"].startswith("http://127.0.0.1:8000/echo/caf")
    headers = dict(seen["headers"])
    assert headers["x-rep"] == "a, b"  # fetch Headers join repeated values
    assert headers["x-latin"] == "café"
    assert "cookie" not in headers  # a worker never sees the page's cookies: the jar's only
    assert seen["body"] == ""
    if interface == "asgi":
        assert seen["raw_path"] == "/echo/caf%C3%A9/%C3%A9%20x%2Fy"
        assert seen["greeting"] == "from lifespan"


@pytest.mark.parametrize("interface", INTERFACES)
def test_the_app_sees_text_and_binary_bodies(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "requests")
    text = echoed(found["text"])
    assert text["method"] == "POST"
    assert bytes.fromhex(text["body"]) == "héllo ✓".encode()
    assert dict(text["headers"])["content-type"] == "text/plain; charset=utf-8"
    binary = echoed(found["binary"])
    assert binary["method"] == "PUT"
    assert bytes.fromhex(binary["body"]) == BINARY
    assert dict(binary["headers"])["content-length"] == str(len(BINARY))
    assert echoed(found["patch"])["method"] == "PATCH"
    assert bytes.fromhex(echoed(found["patch"])["body"]) == b"\x00"
    assert echoed(found["delete"])["method"] == "DELETE"


# --- Responses out ---------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_repeated_headers_and_cookies_kept_by_the_jar(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    found = section(runs, interface, "responses")
    cookies = found["cookies"]
    assert cookies["status"] == 200 and cookies["status_text"] == "OK"
    assert cookies["text"] == "cookies set"
    assert values(cookies, "x-value") == ["one, two"]  # Headers.get joins them, in order
    assert not cookies["has_set_cookie"] and cookies["set_cookie"] == []
    assert found["jar_after_set"] == ["first", "second"]
    whoami = echoed(found["whoami"])
    assert whoami["cookies"] == {"first": "1", "second": "2"}
    assert whoami["cookie"] in ("first=1; second=2", "second=2; first=1")
    assert found["jar_after_forget"] == ["second"]
    assert echoed(found["restored"])["cookies"] == {"second": "2"}


@pytest.mark.parametrize("interface", INTERFACES)
def test_on_cookies_gets_the_jar_when_it_changes(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    found = section(runs, interface, "responses")
    [saved] = found["saved_after_set"]
    assert {(c["name"], c["value"]) for c in json.loads(saved)} == {("first", "1"), ("second", "2")}
    assert found["saved_after_whoami"] == 1  # no Set-Cookie: nothing to persist
    assert found["saved_after_forget"] == 2  # a deletion is a change


@pytest.mark.parametrize("interface", INTERFACES)
def test_binary_bodies_byte_exact(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "responses")
    for name, expected in (("binary_get", BINARY), ("binary_post", BINARY[::-1])):
        assert found[name]["status"] == 200
        assert body(found[name]) == expected
        assert values(found[name], "content-type") == ["application/octet-stream"]


@pytest.mark.parametrize("interface", INTERFACES)
def test_head_no_content_and_not_modified_have_no_body(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    found = section(runs, interface, "responses")
    head = found["head"]
    assert head["status"] == 200 and body(head) == b""
    assert values(head, "content-type") == ["application/octet-stream"]
    for status in ("204", "304"):
        answer = found[status]
        assert answer["status"] == int(status)
        assert answer["null_body"] and body(answer) == b""
        assert values(answer, "x-status") == [status]


# --- Mounting ----------------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_base_path_mounts_the_app(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "mounted")
    inside = echoed(found["inside"])
    assert inside["root"] == "/app"
    assert inside["route_path"] == "/echo/x"
    assert inside["rest"] == "x"
    assert inside["link"] == "/app/echo/x/y"
    assert inside["url"] == "http://127.0.0.1:8000/app/echo/x"
    assert echoed(found["root"])["rest"] == ""


# --- Failures ----------------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_app_exceptions_give_a_500_without_traceback(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    found = section(runs, interface, "failures")
    for name in ("framework_crash", "raw_crash", "used_body"):
        answer = found[name]
        assert answer["status"] == 500, name
        assert "Internal Server Error" in answer["text"], name
        no_traceback(answer)
    assert found["raw_crash"]["text"] == "Internal Server Error"
    assert found["still_serving"]["status"] == 200
    assert SECRET in runs[interface].stderr  # logged for the developer, not sent


def test_wsgi_crash_while_iterating_the_body_gives_a_500(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "wsgi", "failures")
    # WSGI bodies are collected before answering, so this is still a clean 500.
    assert found["in_body_status"] == 500
    assert found["in_body"]["text"] == "Internal Server Error"


def test_asgi_crash_after_streaming_started_errors_the_stream(
    runs: dict[str, PyodideRun],
) -> None:
    found = section(runs, "asgi", "failures")
    assert found["in_body_status"] == 200
    assert found["in_body_first"] == "part"
    assert found["in_body_next"].startswith("rejected")
    assert SECRET not in found["in_body_next"]
    assert found["stream_status"] == 200
    assert found["stream_array_buffer"].startswith("rejected")
    no_response = found["no_response"]
    assert no_response["status"] == 500 and no_response["text"] == "Internal Server Error"


# --- ASGI: streaming, sync work, lifespan -------------------------------------------------


def test_asgi_bodies_stream_while_the_app_runs(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "asgi", "streaming")
    assert found["status"] == 200
    assert found["content_type"].startswith("text/plain")
    assert found["first"] == "first chunk;"
    assert found["waiting_before_release"]  # the second read waits for the app
    assert "".join(found["rest"]) == "second chunk;third"
    assert found["finished"]
    assert body(found["binary_stream"]) == BINARY


def test_asgi_background_tasks_run_after_the_response(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "asgi", "streaming")
    assert body(found["after_plain"]) == b"plain answer"
    assert body(found["after_streamed"]) == b"streamed answer"
    assert found["background"] == ["plain", "streamed"]


def test_asgi_bodies_nobody_reads_stop_the_app(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "asgi", "streaming")
    head = found["head"]
    assert head["status"] == 200 and body(head) == b""
    assert found["left_running"] == []
    assert found["closed"] == sorted(
        ["stream", "head", "cancel-after-read", "cancel-unread", "cancel-pending"]
    )
    assert found["cancel_pending"] == "resolved"
    assert found["pending_read"] == "resolved"  # as {done: true}


def test_sync_endpoints_run_inline_without_threads(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "asgi", "sync")
    assert "can't start new thread" in found["threads"]  # Pyodide really has none
    assert echoed(found["sync"]) == {"thread": found["loop_thread"]}
    assert found["sync_stream"]["status"] == 200
    assert found["sync_stream"]["text"] == "sync iterator chunks"


def test_lifespan_starts_once_and_its_state_reaches_requests(
    runs: dict[str, PyodideRun],
) -> None:
    found = section(runs, "asgi", "lifespan")
    assert found["boots"] == 1
    *states, echo = found["answers"]
    assert len(states) == 8
    assert all(echoed(s) == {"boot": 1, "greeting": "from lifespan"} for s in states)
    assert echoed(echo)["greeting"] == "from lifespan"


# --- The notes app ---------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_notes_app(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "notes")
    framework = {"wsgi": "Flask", "asgi": "FastAPI"}[interface]
    home = found["home"]
    assert home["status"] == 200
    assert values(home, "content-type")[0].startswith("text/html")
    assert f"· {framework}</title>" in home["text"]
    assert 'action="/notes"' in home["text"]
    create = found["create"]
    assert create["status"] == 303
    assert values(create, "location") == ["/"]
    assert create["set_cookie"] == []
    assert found["jar"] == ["session"]
    after = found["after"]["text"]
    assert "Saved “Hello ✓”." in after
    assert "Hello ✓</a>" in after
    assert "Saved" not in found["again"]["text"]  # a flash is shown once
    icon = found["icon"]
    assert icon["status"] == 200 and values(icon, "content-type") == ["image/png"]
    assert body(icon) == ICON
    assert found["icon_sha256"] == hashlib.sha256(ICON).hexdigest()
    assert any(n["title"] == "Hello ✓" for n in echoed(found["api"])["notes"])


@pytest.mark.parametrize("interface", INTERFACES)
def test_notes_app_mounted(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "notes")
    home = found["mounted_home"]["text"]
    assert found["mounted_home"]["status"] == 200
    assert 'action="/app/notes"' in home
    assert 'href="/app/icon.png"' in home
    assert 'href="/app/"' in home
    create = found["mounted_create"]
    assert create["status"] == 303 and values(create, "location") == ["/app/"]
    assert "Saved “Mounted”." in found["mounted_after"]["text"]


# --- Nothing left the machine; the warm request time --------------------------------------


def test_offline_and_timed(runs: dict[str, PyodideRun]) -> None:
    figures: dict[str, Any] = {}
    for interface, run in runs.items():
        assert run.blocked == [], run.blocked
        timing = section(runs, interface, "timing")
        assert timing["requests"] == 50
        assert 0 < timing["app_direct_median_ms"] < timing["max_ms"]
        app = {"wsgi": "flask", "asgi": "fastapi"}[interface]
        figures[f"{app} GET /api/notes"] = {
            **{k: round(v, 2) for k, v in timing.items() if k.endswith("_ms")},
            "requests": timing["requests"],
            "boot_ms": round(run.timings.get("boot_ms", 0.0)),
            "load_packages_ms": round(run.timings.get("load_ms", 0.0)),
        }
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps({**figures, "at": time.time()}, indent=1) + "\n")
