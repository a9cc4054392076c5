"""Faults with no answer: an app still running near the Lambda deadline gets the client a
504 and a log line saying which request, and a lifespan startup that never completes is
abandoned with a clear log line instead of hanging every invocation.

The contexts are awslambdaric's own `LambdaContext`, as the managed runtime passes it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from awslambdaric.lambda_context import LambdaContext
from flask import Flask
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from adapters import LambdaHandler
from adapters.testing import build_event, client_response


def context(milliseconds_left: int) -> LambdaContext:
    deadline = int(time.time() * 1000) + milliseconds_left
    return LambdaContext("req-1", None, None, deadline, "arn:aws:lambda:us-east-1:1:function:f")


def status_of(event: dict[str, Any], result: Any) -> int:
    return client_response(event, result).status


async def slow_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":
        try:
            await asyncio.sleep(30)
        finally:
            FINALLY_RAN.append(scope["path"])
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"done"})


def slow_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ["PATH_INFO"] == "/slow":
        try:
            time.sleep(30)
        finally:
            FINALLY_RAN.append(environ["PATH_INFO"])
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"done"]


FINALLY_RAN: list[str] = []


@pytest.fixture(autouse=True)
def _clear() -> None:
    FINALLY_RAN.clear()


@pytest.mark.parametrize("app", [slow_asgi, slow_wsgi], ids=["asgi", "wsgi"])
def test_an_app_still_running_near_the_deadline_gets_a_logged_504(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    handler = LambdaHandler(app, lifespan="off") if app is slow_asgi else LambdaHandler(app)
    event = build_event("http", path="/slow")
    started = time.monotonic()
    result = handler(event, context(1200))
    elapsed = time.monotonic() - started
    assert status_of(event, result) == 504
    assert 0.5 < elapsed < 1.2, elapsed  # interrupted at 1.2 s - 0.5 s margin, not at 30 s
    assert FINALLY_RAN == ["/slow"]  # the app's clean-up ran
    assert "Answering 504: GET /slow was still running" in caplog.text
    # The process goes on: the next invocation is answered as usual.
    event = build_event("http", path="/fast")
    assert status_of(event, handler(event, context(1200))) == 200


def test_a_wsgi_deadline_is_not_swallowed_by_a_frameworks_catch_all_handler() -> None:
    app = Flask(__name__)

    @app.errorhandler(Exception)
    def everything(error: Exception) -> tuple[str, int]:
        return "handled by the app", 500

    @app.get("/slow")
    def slow() -> str:
        time.sleep(30)
        return "late"

    event = build_event("rest", path="/slow")
    result = LambdaHandler(app)(event, context(900))
    response = client_response(event, result)
    assert response.status == 504 and b"handled by the app" not in response.body


def test_a_wsgi_iterable_is_closed_when_the_deadline_interrupts_it() -> None:
    closed = []

    class Body:
        def __iter__(self) -> Any:
            yield b"a"
            time.sleep(30)
            yield b"b"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Any) -> Body:
        start_response("200 OK", [])
        return Body()

    event = build_event("http", path="/")
    assert status_of(event, LambdaHandler(app)(event, context(800))) == 504
    assert closed == [True]


@pytest.mark.parametrize("app", [slow_asgi, slow_wsgi], ids=["asgi", "wsgi"])
def test_deadline_margin_none_leaves_the_app_to_lambdas_own_timeout(app: Any) -> None:
    def quick_enough(path: str) -> dict[str, Any]:
        return build_event("http", path=path)

    async def sleepy_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(0.3)
        await slow_asgi(scope, receive, send)

    def sleepy_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        time.sleep(0.3)
        return slow_wsgi(environ, start_response)

    sleepy = sleepy_asgi if app is slow_asgi else sleepy_wsgi
    event = quick_enough("/fast")
    off = LambdaHandler(sleepy, lifespan="off", deadline_margin=None)
    assert status_of(event, off(event, context(600))) == 200
    on = LambdaHandler(sleepy, lifespan="off")  # 600 ms - 500 ms margin < 300 ms of work
    assert status_of(event, on(event, context(600))) == 504


def test_a_handler_called_off_the_main_thread_never_uses_the_signal_timer() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        time.sleep(0.4)
        start_response("200 OK", [])
        return [b"finished"]

    results: list[int] = []
    event = build_event("http", path="/")

    def call() -> None:
        results.append(status_of(event, LambdaHandler(app)(event, context(700))))

    thread = threading.Thread(target=call)
    thread.start()
    thread.join(10)
    assert results == [200]  # not interrupted: SIGALRM cannot reach a worker thread
    assert signal.getsignal(signal.SIGALRM) is not None


def test_an_app_that_owns_sigalrm_keeps_it() -> None:
    rang: list[int] = []

    def own(signum: int, frame: Any) -> None:
        rang.append(signum)

    previous = signal.signal(signal.SIGALRM, own)
    try:

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            time.sleep(0.4)
            start_response("200 OK", [])
            return [b"finished"]

        event = build_event("http", path="/")
        assert status_of(event, LambdaHandler(app)(event, context(700))) == 200
        assert signal.getsignal(signal.SIGALRM) is own and rang == []
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_an_invocation_without_a_context_is_never_interrupted() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    event = build_event("http", path="/")
    assert status_of(event, LambdaHandler(app)(event, None)) == 200


# -------------------------------------------------------------------------- lifespan


def stuck_then_working(attempts: list[float]) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            await asyncio.sleep(3600)  # the first start-up hangs (a database not reachable)
        yield

    async def index(request: Any) -> PlainTextResponse:
        return PlainTextResponse("up")

    return Starlette(routes=[Route("/", index)], lifespan=lifespan)


def test_a_lifespan_startup_that_never_completes_is_abandoned_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts: list[float] = []
    handler = LambdaHandler(stuck_then_working(attempts), startup_timeout=0.3)
    event = build_event("http", path="/")
    started = time.monotonic()
    assert status_of(event, handler(event, None)) == 500
    assert time.monotonic() - started < 2
    assert "ASGI lifespan startup did not complete within 0.3 s" in caplog.text
    # Tried again on the next invocation, and this time it starts.
    response = client_response(event, handler(event, None))
    assert (response.status, response.body, len(attempts)) == (200, b"up", 2)


def test_a_lifespan_startup_still_running_at_the_deadline_is_named_in_the_504s_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts: list[float] = []
    handler = LambdaHandler(stuck_then_working(attempts))
    event = build_event("http", path="/")
    assert status_of(event, handler(event, context(900))) == 504
    assert "Answering 504: the ASGI lifespan startup (before GET /) was still running" in (
        caplog.text
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"deadline_margin": -1}, "deadline_margin"),
        ({"startup_timeout": 0}, "startup_timeout"),
        ({"startup_timeout": -2.5}, "startup_timeout"),
    ],
)
def test_invalid_timing_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LambdaHandler(slow_asgi, **options)


def test_the_504_has_each_front_doors_shape() -> None:
    for source in ("rest", "alb", "edge", "lattice-v2", "function-url"):
        event = build_event(source, path="/slow")
        result = LambdaHandler(slow_wsgi)(event, context(700))
        json.dumps(result)
        assert status_of(event, result) == 504
