"""The deadline under the real Lambda runtime (RIE + awslambdaric): with a 2-second
function timeout, a request stuck in the app is answered 504 by the adapter before Lambda
kills the runtime, the log says which request, and the same process serves the next one."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from adapters.testing import build_event, client_response

from ..runtime_emulator import RuntimeEmulator, require_emulator

FUNCTION = """
import asyncio, time
from adapters import LambdaHandler

def wsgi_app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(60)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"fast"]

async def asgi_app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":
        await asyncio.sleep(60)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"fast"})

wsgi = LambdaHandler(wsgi_app)
asgi = LambdaHandler(asgi_app)
"""


@pytest.mark.parametrize("handler", ["functions.wsgi", "functions.asgi"])
def test_a_stuck_request_gets_a_504_before_lambdas_timeout_and_the_runtime_lives_on(
    tmp_path: Path, handler: str
) -> None:
    require_emulator()
    (tmp_path / "functions.py").write_text(textwrap.dedent(FUNCTION))
    emulator = RuntimeEmulator(
        handler, tmp_path, extra_env={"AWS_LAMBDA_FUNCTION_TIMEOUT": "2"}, cwd=tmp_path
    ).start()
    try:
        event = build_event("http", path="/slow")
        started = time.monotonic()
        status, result, _ = emulator.invoke(event, timeout=20)
        elapsed = time.monotonic() - started
        assert status == 200, result  # the invocation succeeded: the answer is ours
        assert client_response(event, result).status == 504
        assert elapsed < 2.0, elapsed
        emulator.wait_for_log("Answering 504: GET /slow was still running")
        pid = emulator.runtime_pid
        event = build_event("http", path="/fast")
        status, result, _ = emulator.invoke(event, timeout=20)
        assert client_response(event, result).body == b"fast"
        assert emulator.runtime_pid == pid  # not restarted
    finally:
        emulator.stop()
