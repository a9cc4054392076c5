"""The ASGI boot of tests/node/test_browser_node.py: a FastAPI app with the shared routes and
the streaming, background-task, sync-endpoint and lifespan ones, then every section, each
recorded in `result`.

Runs in Pyodide after prelude.py and notes_checks.py, whose names it uses (imported here
for the linters only); `await` at the top level is Pyodide's `runPythonAsync`. FastAPI
reads an endpoint's return annotation as its response model, so the endpoints that return
a dict have none (and a `type: ignore` for mypy).
"""
# ruff: noqa: F704, PLE1142
# mypy: disable-error-code="top-level-await"

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import BackgroundTasks, FastAPI
from fastapi import Request as AppRequest
from starlette.responses import Response, StreamingResponse

from adapters.browser import BrowserHandler

TYPE_CHECKING = False
if TYPE_CHECKING:  # in Pyodide these are prelude.py's and notes_checks.py's, which run first
    from .notes_checks import notes_app, warm_timing
    from .prelude import (
        BINARY,
        SECRET,
        TIMEOUT,
        app_crashes,
        fetch,
        handle,
        mounted,
        outcome,
        read_stream,
        requests_in,
        responses_out,
        section,
    )

gates: dict[str, asyncio.Event] = {}  # name -> asyncio.Event a streaming body waits on
closed: list[str] = []  # names of streaming bodies that were finalised
background: list[str] = []  # names of background tasks that ran to the end


def make_app() -> FastAPI:
    boots: list[float] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        boots.append(time.time())
        await asyncio.sleep(0.05)  # concurrent first requests arrive during startup
        yield {"boot": len(boots), "greeting": "from lifespan"}

    app = FastAPI(lifespan=lifespan)
    app.state.boots = boots
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @app.api_route("/echo/{rest:path}", methods=methods)
    async def echo(request: AppRequest, rest: str):  # type: ignore[no-untyped-def]
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
        }  # fmt: skip

    @app.get("/cookies")
    async def cookies() -> Response:
        response = Response("cookies set", media_type="text/plain")
        response.raw_headers += [(b"x-value", b"one"), (b"x-value", b"two")]
        response.set_cookie("first", "1")
        response.set_cookie("second", "2")
        return response

    @app.get("/forget")
    async def forget() -> Response:
        response = Response("forgotten", media_type="text/plain")
        response.delete_cookie("first")
        return response

    @app.get("/whoami")
    async def whoami(request: AppRequest):  # type: ignore[no-untyped-def]
        return {"cookie": request.headers.get("cookie"), "cookies": request.cookies}

    @app.api_route("/binary", methods=["GET", "HEAD", "POST"])
    async def binary(request: AppRequest) -> Response:
        data = await request.body() if request.method == "POST" else BINARY
        return Response(data, media_type="application/octet-stream")

    @app.get("/binary-stream")
    async def binary_stream() -> StreamingResponse:
        async def pieces() -> AsyncIterator[bytes]:
            for start in range(0, len(BINARY), 300):
                yield BINARY[start : start + 300]

        return StreamingResponse(pieces(), media_type="application/octet-stream")

    @app.get("/status/{status}")
    async def status(status: int) -> Response:
        return Response(status_code=status, headers={"x-status": str(status)})

    @app.api_route("/gate/{name}", methods=["GET", "HEAD"])
    async def gate(name: str) -> StreamingResponse:
        event = gates.setdefault(name, asyncio.Event())

        async def body() -> AsyncIterator[bytes]:
            try:
                yield b"first chunk;"
                await event.wait()
                yield b"second chunk;"
                yield b"third"
            finally:
                closed.append(name)

        return StreamingResponse(body(), media_type="text/plain")

    @app.get("/after/{name}")
    async def after(name: str, stream: bool = False) -> Response:
        async def later() -> None:
            await asyncio.sleep(0.05)
            background.append(name)

        tasks = BackgroundTasks()
        tasks.add_task(later)
        if stream:
            return StreamingResponse(iter([b"streamed ", b"answer"]), background=tasks)
        return Response(b"plain answer", background=tasks)

    @app.get("/sync")
    def sync_endpoint():  # type: ignore[no-untyped-def]
        return {"thread": threading.get_ident()}

    @app.get("/sync-stream")
    def sync_stream() -> StreamingResponse:
        return StreamingResponse(iter([b"sync ", b"iterator ", b"chunks"]), media_type="text/plain")

    @app.get("/state")
    async def state(request: AppRequest):  # type: ignore[no-untyped-def]
        return {"boot": request.state.boot, "greeting": request.state.greeting}

    @app.get("/crash")
    async def crash() -> Response:
        raise RuntimeError(SECRET)

    @app.get("/crash-stream")
    async def crash_stream() -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b"part"
            raise RuntimeError(SECRET)

        return StreamingResponse(body(), media_type="text/plain")

    return app


async def raw_crash(scope: dict[str, Any], receive: Any, send: Any) -> None:
    raise RuntimeError(SECRET)


async def raw_crash_in_body(scope: dict[str, Any], receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"part", "more_body": True})
    await asyncio.sleep(0.01)
    raise RuntimeError(SECRET)


async def no_response(scope: dict[str, Any], receive: Any, send: Any) -> None:
    return


app = make_app()


async def streaming() -> dict[str, Any]:
    handler = BrowserHandler(app)
    out: dict[str, Any] = {}
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


async def sync_work() -> dict[str, Any]:
    out: dict[str, Any] = {}
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


async def lifespan_once() -> dict[str, Any]:
    fresh = make_app()
    handler = BrowserHandler(fresh)
    first = await asyncio.gather(*(fetch(handler, "/state") for _ in range(5)))
    later = [await fetch(handler, "/state") for _ in range(3)]
    echo = await fetch(handler, "/echo/x")
    return {"answers": [*first, *later, echo], "boots": len(fresh.state.boots)}


async def asgi_failures() -> dict[str, Any]:
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
