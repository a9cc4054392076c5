"""The ASGI side: the http scope, one event loop, and lifespan once per process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from adapters import LambdaHandler
from adapters.events import build_event, client_response

from ..apps import make_starlette_app


def test_scope_fields() -> None:
    scopes: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scopes.append(scope)
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body"})

    event = build_event("alb", path="/a%2Fb", query=[("q", "1")], headers=[("X-Up", "Yes")])
    LambdaHandler(app)(event, None)
    [scope] = scopes
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["http_version"] == "1.1"
    assert scope["path"] == "/a/b" and scope["raw_path"] == b"/a%2Fb"
    assert scope["query_string"] == b"q=1"
    assert (b"x-up", b"Yes") in scope["headers"]
    assert all(name == name.lower() for name, _ in scope["headers"])
    assert scope["server"] == ("my-alb-1234567890.us-east-1.elb.amazonaws.com", 443)
    assert scope["client"] == ("198.51.100.7", 0)
    assert scope["scheme"] == "https"
    assert scope["aws.event"] is event and scope["aws.context"] is None
    assert scope["state"] == {}


def test_lifespan_runs_once_per_container_and_state_reaches_requests() -> None:
    log: list[str] = []
    handler = LambdaHandler(make_starlette_app(log))
    for _ in range(5):
        result = handler(build_event("http", path="/state"), None)
        assert json.loads(result["body"]) == {"log": ["startup"]}
    assert log == ["startup"]
    handler.close()
    assert log == ["startup", "shutdown"]


def test_one_event_loop_serves_every_invocation() -> None:
    loops: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        loops.append(id(asyncio.get_running_loop()))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = LambdaHandler(app)
    for _ in range(3):
        handler(build_event("http"), None)
    assert len(loops) == 3 and len(set(loops)) == 1


def test_app_without_lifespan_support_in_auto_mode(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http", "only http"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"fine"})

    caplog.set_level("INFO", logger="adapters")
    handler = LambdaHandler(app)
    event = build_event("http")
    assert client_response(event, handler(event, None)).body == b"fine"
    assert "does not support lifespan" in caplog.text


def test_lifespan_on_requires_support() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"fine"})

    assert LambdaHandler(app, lifespan="on")(build_event("http"), None)["statusCode"] == 500
    assert LambdaHandler(app, lifespan="auto")(build_event("http"), None)["statusCode"] == 200


def test_lifespan_off_never_sends_lifespan() -> None:
    log: list[str] = []
    handler = LambdaHandler(make_starlette_app(log), lifespan="off")
    assert handler(build_event("http", path="/items/x"), None)["statusCode"] == 200
    assert log == []


def test_failed_startup_gives_500_and_is_retried(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            attempts.append(1)
            if len(attempts) == 1:
                await send({"type": "lifespan.startup.failed", "message": "database not reachable"})
                return
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"up"})

    handler = LambdaHandler(app)
    first = handler(build_event("http"), None)
    assert first["statusCode"] == 500 and "database" not in first["body"]
    assert "database not reachable" in caplog.text
    event = build_event("http")
    assert client_response(event, handler(event, None)).body == b"up"
    assert client_response(event, handler(event, None)).body == b"up"
    assert len(attempts) == 2


def test_streaming_response_is_collected_whole() -> None:
    result = LambdaHandler(make_starlette_app())(build_event("http", path="/stream"), None)
    assert result["body"] == "chunk 0\nchunk 1\nchunk 2\n"


def test_second_receive_reports_disconnect_after_the_response() -> None:
    messages: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        messages.append((await receive())["type"])

        async def listen() -> None:
            messages.append((await receive())["type"])

        listener = asyncio.ensure_future(listen())
        await asyncio.sleep(0)
        assert not listener.done()  # no disconnect while the response is still being made
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        await listener

    event = build_event("http")
    assert client_response(event, LambdaHandler(app)(event, None)).body == b"done"
    assert messages == ["http.request", "http.disconnect"]


async def _no_response(scope: Any, receive: Any, send: Any) -> None:
    return None


async def _start_only(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})


async def _body_first(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.body", "body": b"x"})


async def _unknown_message(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.teapot"})


async def _crash_before_response(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        raise ValueError("secret")


@pytest.mark.parametrize(
    "app", [_no_response, _start_only, _body_first, _unknown_message, _crash_before_response]
)
def test_broken_asgi_apps_get_500(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    result = LambdaHandler(app, interface="asgi")(build_event("http"), None)
    assert result["statusCode"] == 500
    assert result["body"] == "Internal Server Error"
    assert caplog.records, "the reason must be logged"


def test_crash_after_a_complete_response_keeps_the_response(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"created"})
        raise RuntimeError("background failure")

    event = build_event("http")
    result = LambdaHandler(app)(event, None)
    assert result["statusCode"] == 201 and client_response(event, result).body == b"created"
    assert "background failure" in caplog.text


SIGTERM_SCRIPT = textwrap.dedent(
    """
    import contextlib, sys, time
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from adapters import LambdaHandler
    from adapters.events import build_event

    marker = sys.argv[1]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        with open(marker, "a") as f:
            f.write("startup\\n")
        yield
        with open(marker, "a") as f:
            f.write("shutdown\\n")

    async def home(request):
        return PlainTextResponse("hi")

    handler = LambdaHandler(
        Starlette(routes=[Route("/", home)], lifespan=lifespan), access_log=False
    )
    for _ in range(3):
        assert handler(build_event("http"), None)["body"] == "hi"
    print("ready", flush=True)
    time.sleep(30)
    """
)


def test_sigterm_runs_lifespan_shutdown_once(tmp_path: Path) -> None:
    marker = tmp_path / "events.txt"
    process = subprocess.Popen(
        [sys.executable, "-c", SIGTERM_SCRIPT, str(marker)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        os.kill(process.pid, signal.SIGTERM)
        returncode = process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert marker.read_text().splitlines() == ["startup", "shutdown"]
    assert returncode == -signal.SIGTERM  # then the process ends as SIGTERM would end it


def test_lifespan_state_is_copied_per_request() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["counter"] = 0
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope["state"]["counter"] += 1
        scope["state"]["request_only"] = True
        body = json.dumps(scope["state"]).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    handler = LambdaHandler(app)
    for _ in range(2):
        event = build_event("http")
        response = client_response(event, handler(event, None))
        assert json.loads(response.body) == {"counter": 1, "request_only": True}
