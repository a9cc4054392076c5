"""The browser source and BrowserHandler, in CPython with stand-ins for JS objects.

What needs real JS (Response, ReadableStream) is tested in Pyodide; this covers the
translation, streaming, lifespan and cookie logic they sit on.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from adapters._policy import mount
from adapters.browser import BrowserHandler, CookieJar
from adapters.browser.runtime import run_sync_work_inline
from adapters.browser.source import request_from_fetch
from adapters.model import AsyncByteStream

from ..apps import make_flask_app, make_starlette_app


class FakeBuffer:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def to_py(self) -> memoryview:
        return memoryview(self.data)


class FakeHeaders:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def entries(self) -> list[list[str]]:
        return [[name, value] for name, value in self.pairs]


class FakeRequest:
    """The parts of a fetch Request the adapter reads."""

    def __init__(self, url: str, method: str = "GET", headers: Any = (), body: bytes = b"") -> None:
        self.url = url
        self.method = method
        self.headers = FakeHeaders(list(headers))
        self._body = body

    async def arrayBuffer(self) -> FakeBuffer:
        return FakeBuffer(self._body)


class Chunks:
    """A streamed body as the page pulls it: chunk by chunk, or closed early."""

    def __init__(self, body: AsyncByteStream) -> None:
        self.body = body
        self.chunks = body.__aiter__()

    def __aiter__(self) -> Chunks:
        return self

    async def __anext__(self) -> bytes:
        return await self.chunks.__anext__()

    async def aclose(self) -> None:
        await self.body.aclose()


async def respond(handler: BrowserHandler, request: Any) -> tuple[Any, Chunks | None]:
    """The response, and its body's chunks when the body is still being produced."""
    response = await handler.respond(request)
    return response, (Chunks(response.body) if response.streamed else None)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def read(chunks: AsyncIterator[bytes] | None) -> bytes:
    return b"".join([chunk async for chunk in chunks]) if chunks is not None else b""


def test_request_from_fetch() -> None:
    jar = CookieJar()
    jar.set_cookie("session=abc; Path=/app", "http://127.0.0.1:8000/app/")
    fetch = FakeRequest(
        "http://127.0.0.1:8000/app/notes/caf%C3%A9?x=1&y=%20",
        "post",
        [("Content-Type", "text/plain"), ("Cookie", "leaked=1"), ("X-Two", "a, b")],
        b"hello",
    )
    request = run(request_from_fetch(fetch, jar))
    mount(request, "/app")  # what the runner does with the handler's base_path
    assert request.method == "POST"
    assert request.raw_path == b"/app/notes/caf%C3%A9"
    assert request.root_path == "/app"
    assert request.query_string == b"x=1&y=%20"
    assert request.body == b"hello"
    assert request.server == ("127.0.0.1", 8000) and request.scheme == "http"
    assert ("cookie", "session=abc") in request.headers
    assert ("cookie", "leaked=1") not in request.headers
    assert ("content-type", "text/plain") in request.headers


def test_get_requests_do_not_read_a_body() -> None:
    class NoBody(FakeRequest):
        async def arrayBuffer(self) -> FakeBuffer:
            raise AssertionError("GET bodies are not read")

    request = run(request_from_fetch(NoBody("https://example.org/"), CookieJar()))
    assert request.body == b"" and request.server == ("example.org", 443)


def test_wsgi_app_and_cookie_jar() -> None:
    saved: list[str] = []
    handler = BrowserHandler(make_flask_app(), on_cookies=saved.append)

    async def go() -> tuple[Any, Any]:
        request = await request_from_fetch(FakeRequest("http://127.0.0.1/cookies"), handler.jar)
        response, _ = await respond(handler, request)
        handler.keep_cookies(response, "http://127.0.0.1/cookies")
        again = await request_from_fetch(FakeRequest("http://127.0.0.1/whoami"), handler.jar)
        second, _ = await respond(handler, again)
        return response, second

    response, second = run(go())
    assert response.status == 200 and response.body == b"cookies set"
    assert json.loads(second.body)["cookies"] == {"first": "1", "second": "2"}
    assert len(saved) == 1 and {c["name"] for c in json.loads(saved[0])} == {"first", "second"}


def test_asgi_response_streams_before_the_app_finishes() -> None:
    release = asyncio.Event()

    async def slow(request: Any) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b"first "
            await release.wait()
            yield b"second"

        return StreamingResponse(body(), media_type="text/plain")

    handler = BrowserHandler(Starlette(routes=[Route("/slow", slow)]))

    async def go() -> list[bytes]:
        request = await request_from_fetch(FakeRequest("http://127.0.0.1/slow"), handler.jar)
        response, chunks = await respond(handler, request)
        assert response.status == 200 and chunks is not None
        got = [await anext(chunks)]  # arrives while the app is still waiting
        release.set()
        got += [chunk async for chunk in chunks]
        return got

    assert run(go()) == [b"first ", b"second"]


def test_lifespan_once_per_boot_even_for_concurrent_first_requests() -> None:
    log: list[str] = []
    handler = BrowserHandler(make_starlette_app(log))

    async def one() -> bytes:
        request = await request_from_fetch(FakeRequest("http://127.0.0.1/state"), handler.jar)
        response, chunks = await respond(handler, request)
        # A body the app sent whole comes whole: no stream for the page to pull.
        assert chunks is None
        return response.body

    async def go() -> list[bytes]:
        bodies = await asyncio.gather(*(one() for _ in range(5)))
        await handler.shutdown()
        return list(bodies)

    bodies = run(go())
    assert all(json.loads(body) == {"log": ["startup"]} for body in bodies)
    assert log == ["startup", "shutdown"]


def test_failures_become_500_or_a_failing_stream(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/before":
            raise ValueError("secret")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise ValueError("after the headers")

    handler = BrowserHandler(app, interface="asgi")

    async def go(path: str) -> tuple[Any, Any]:
        request = await request_from_fetch(FakeRequest("http://127.0.0.1" + path), handler.jar)
        return await respond(handler, request)

    before, chunks = run(go("/before"))
    assert before.status == 500 and before.body == b"Internal Server Error" and chunks is None

    async def after() -> list[bytes]:
        response, chunks = await go("/after")
        assert response.status == 200
        received = []
        with pytest.raises(RuntimeError, match="failed while streaming"):
            async for chunk in chunks:
                received.append(chunk)
        return received

    assert run(after()) == [b"part"]
    assert "after the headers" in caplog.text


def test_head_and_no_content_have_no_stream() -> None:
    handler = BrowserHandler(make_starlette_app())

    async def go() -> Any:
        request = await request_from_fetch(
            FakeRequest("http://127.0.0.1/items/x", "HEAD"), handler.jar
        )
        return await respond(handler, request)

    response, chunks = run(go())
    assert response.status == 200 and chunks is None


def test_sync_endpoints_run_inline_when_threads_are_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(anyio.to_thread, "run_sync", anyio.to_thread.run_sync)  # restored after
    run_sync_work_inline()
    app = FastAPI()
    threads: list[int] = []

    @app.get("/sync")
    def sync_endpoint() -> dict[str, bool]:
        threads.append(threading.get_ident())
        return {"ok": True}

    handler = BrowserHandler(app)

    async def go() -> bytes:
        threads.append(threading.get_ident())
        request = await request_from_fetch(FakeRequest("http://127.0.0.1/sync"), handler.jar)
        response, chunks = await respond(handler, request)
        # A body the app sent whole comes whole: no stream for the page to pull.
        assert chunks is None
        return response.body

    assert json.loads(run(go())) == {"ok": True}
    assert threads[0] == threads[1]  # the endpoint ran on the event loop's own thread


def test_base_path_mounts_the_app() -> None:
    handler = BrowserHandler(make_flask_app(), base_path="/app/")

    async def go() -> Any:
        request = await request_from_fetch(FakeRequest("http://127.0.0.1/app/"), handler.jar)
        return await respond(handler, request)

    response, _ = run(go())
    assert json.loads(response.body)["link"] == "/app/items/a%20b"


def test_a_body_nobody_reads_stops_the_app() -> None:
    """HEAD, or a stream closed before its first read: the app must not run on."""
    finalised: list[str] = []

    async def forever(request: Any) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            try:
                yield b"first"
                await asyncio.Event().wait()  # never set
            finally:
                finalised.append(request.method)

        return StreamingResponse(body(), media_type="text/plain")

    handler = BrowserHandler(Starlette(routes=[Route("/forever", forever, methods=["GET"])]))

    async def go() -> None:
        head = await request_from_fetch(
            FakeRequest("http://127.0.0.1/forever", "HEAD"), handler.jar
        )
        response, chunks = await respond(handler, head)
        assert response.status == 200 and chunks is None
        get = await request_from_fetch(FakeRequest("http://127.0.0.1/forever"), handler.jar)
        response, chunks = await respond(handler, get)
        assert chunks is not None
        await chunks.aclose()  # as when the reader cancels before reading
        await asyncio.sleep(0.01)
        assert finalised == ["HEAD", "GET"]  # now, not when asyncio.run cancels leftovers

    run(go())
