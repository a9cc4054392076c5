"""Lambda response streaming on the wire: the adapters runtime, as Lambda would see it.

The runtime runs in a process of its own and talks HTTP to a local Runtime API that
records every byte and when it came (AWS's emulator buffers streams and drops trailers:
tests/runtime/test_emulator.py checks what it passes on). Each test states what a client
of a Function URL or a streaming REST API would get.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.testing import build_event

from ..runtime_emulator import timing_report
from .harness import RuntimeProcess, runtime, split_prelude

PAUSE = 0.25  # tests/runtime/task/stream_handlers.py
MEGABYTE = 1024 * 1024
STREAM_HEADERS = {
    "lambda-runtime-function-response-mode": "streaming",
    "transfer-encoding": "chunked",
    "content-type": "application/vnd.awslambda.http-integration-response",
    "trailer": "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
}


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    return tmp_path


def url_event(path: str) -> dict[str, Any]:
    return build_event("function-url", path=path)


def streamed(process: RuntimeProcess, event: Any) -> tuple[Any, float, bytes]:
    answer, queued = process.invoke(event)
    assert answer.kind == "stream", (answer.kind, answer.body, process.output())
    payload = answer.read_all(timeout=60)
    return answer, queued, payload


def body_times(answer: Any) -> list[float]:
    """When each piece after the prelude's delimiter arrived."""
    times, seen = [], b""
    for at, piece in answer.received:
        before = len(seen)
        seen += piece
        delimiter = seen.find(b"\x00" * 8)
        if delimiter != -1 and len(seen) > delimiter + 8 and before < len(seen):
            times.append(at)
    return times


@pytest.mark.parametrize(
    ("handler", "path", "content_type", "body"),
    [
        ("flask_handler", "/count", "text/plain", b"line 0\nline 1\nline 2\n"),
        ("starlette_handler", "/ticks", "text/plain; charset=utf-8", b"tick 0\ntick 1\ntick 2\n"),
        (
            "fastapi_handler",
            "/events",
            "text/event-stream; charset=utf-8",
            b"event: tick\ndata: 0\n\nevent: tick\ndata: 1\n\nevent: tick\ndata: 2\n\n",
        ),
    ],
)
def test_a_slow_body_reaches_the_client_as_it_is_produced(
    logs: Path, request: pytest.FixtureRequest, handler: str, path: str, content_type: str,
    body: bytes,
) -> None:  # fmt: skip
    with runtime(f"stream_handlers.{handler}", logs) as process:
        process.invoke(url_event("/warm-up"))[0].read_all(30)  # the cold start is not timed
        answer, queued, payload = streamed(process, url_event(path))
    assert {k: answer.headers.get(k) for k in STREAM_HEADERS} == STREAM_HEADERS
    prelude, received = split_prelude(payload)
    assert prelude["statusCode"] == 200
    assert prelude["headers"]["content-type"] == content_type
    assert received == body
    assert answer.trailers == {}
    times = body_times(answer)
    assert len(times) >= 3, answer.received  # three separate pieces, not one buffer
    first, last = times[0] - queued, times[-1] - queued
    assert last - first >= 2 * PAUSE * 0.8  # the pauses are between the pieces
    timing_report(request.config).record(
        f"streaming {handler}", time_to_first_byte=first, time_to_last_byte=last
    )


def test_a_rest_api_stream_has_the_rest_prelude(logs: Path) -> None:
    with runtime("stream_handlers.starlette_handler", logs) as process:
        _, _, payload = streamed(process, build_event("rest", path="/cookies"))
    prelude, body = split_prelude(payload)
    assert set(prelude) == {"statusCode", "headers", "multiValueHeaders"}
    assert len(prelude["multiValueHeaders"]["set-cookie"]) == 100  # every cookie, in order
    assert prelude["multiValueHeaders"]["set-cookie"][99].startswith("c99=99;")
    assert body == b"cookies set\n"


def test_every_set_cookie_goes_in_the_function_url_prelude(logs: Path) -> None:
    with runtime("stream_handlers.starlette_handler", logs) as process:
        _, _, payload = streamed(process, url_event("/cookies"))
    prelude, _ = split_prelude(payload)
    cookies = prelude["cookies"]
    assert [cookie.split(";")[0] for cookie in cookies] == [f"c{n}={n}" for n in range(100)]
    assert "set-cookie" not in prelude["headers"]


def test_a_failure_after_the_first_byte_ends_the_stream_with_error_trailers(logs: Path) -> None:
    with runtime("stream_handlers.failing_handler", logs) as process:
        answer, _, payload = streamed(process, url_event("/"))
        later, _ = process.invoke(url_event("/"))  # the runtime serves on
        later.read_all(30)
    prelude, body = split_prelude(payload)
    assert (prelude["statusCode"], body) == (200, b"first\n")
    assert answer.trailers["lambda-runtime-function-error-type"] == "Function.StreamError"
    report = json.loads(base64.b64decode(answer.trailers["lambda-runtime-function-error-body"]))
    assert report["errorType"] == "Function.StreamError"
    assert "secret" not in json.dumps(report)  # Lambda forwards trailers to the client
    assert "secret detail that must not reach the client" in process.output()  # but it is logged


def test_a_failure_before_the_response_is_a_streamed_500(logs: Path) -> None:
    with runtime("stream_handlers.failing_early_handler", logs) as process:
        answer, _, payload = streamed(process, url_event("/"))
    prelude, body = split_prelude(payload)
    assert prelude["statusCode"] == 500 and body == b"Internal Server Error"
    assert answer.trailers == {}
    assert "secret" not in payload.decode()


def test_a_handler_that_raises_reports_a_lambda_error(logs: Path) -> None:
    with runtime("stream_handlers.raising_handler", logs) as process:
        answer, _ = process.invoke(url_event("/"))
        body = answer.read_all(30)
    assert answer.kind == "error"
    assert answer.headers["lambda-runtime-function-error-type"] == "ValueError"
    report = json.loads(body)
    assert report["errorType"] == "ValueError"
    assert report["errorMessage"] == "the handler itself failed"
    assert report["requestId"] and isinstance(report["stackTrace"], list)


def test_a_module_that_fails_to_import_is_an_init_error(logs: Path) -> None:
    with runtime("broken_init.handler", logs) as process:
        assert process.api.init_failed.wait(30), process.output()
        assert process.process.wait(10) == 1
        assert process.api.init_error is not None
        report = json.loads(process.api.init_error.body)
    assert report["errorType"] == "RuntimeError"
    assert report["errorMessage"] == "the module failed to import"
    assert process.api.init_error.headers["lambda-runtime-function-error-type"] == "RuntimeError"


def test_a_missing_handler_is_an_init_error(logs: Path) -> None:
    with runtime("stream_handlers.no_such_handler", logs) as process:
        assert process.api.init_failed.wait(30), process.output()
        assert process.api.init_error is not None
        report = json.loads(process.api.init_error.body)
    assert report["errorType"] == "Runtime.HandlerNotFound"


def test_fifty_megabytes_stream_through(logs: Path, request: pytest.FixtureRequest) -> None:
    with runtime("stream_handlers.flask_handler", logs) as process:
        process.invoke(url_event("/warm-up"))[0].read_all(30)
        answer, queued, payload = streamed(process, url_event("/big"))
    prelude, body = split_prelude(payload)
    assert prelude["statusCode"] == 200
    assert len(body) == 50 * MEGABYTE and body.count(b"x") == len(body)
    assert len(answer.received) >= 50  # piece by piece, never one 50 MB buffer
    timing_report(request.config).record(
        "streaming 50 MB (Flask)",
        time_to_first_byte=answer.received[0][0] - queued,
        time_to_last_byte=answer.received[-1][0] - queued,
    )


def test_past_200_mb_the_stream_is_cut_with_an_error(logs: Path) -> None:
    with runtime("stream_handlers.starlette_handler", logs) as process:
        answer, _, payload = streamed(process, url_event("/huge"))
        later, _ = process.invoke(url_event("/ticks"))  # the endless app was stopped
        assert later.read_all(30).endswith(b"tick 2\n")
    assert answer.trailers["lambda-runtime-function-error-type"] == "Function.ResponseSizeTooLarge"
    assert len(payload) <= 200 * MEGABYTE
    assert len(payload) > 199 * MEGABYTE


def test_background_tasks_run_after_the_body_and_before_the_next_invocation(
    logs: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    env = {"STREAM_TEST_MARKER": str(marker)}
    with runtime("stream_handlers.starlette_handler", logs, env) as process:
        answer, _, payload = streamed(process, url_event("/background"))
        body_done = time.time() - (time.monotonic() - answer.received[-1][0])
        process.invoke(url_event("/ticks"))[0].read_all(30)
        next_taken = process.last.taken_at
    assert split_prelude(payload)[1] == b"before the background task\n"
    finished = float(marker.read_text())
    assert finished >= body_done + PAUSE * 0.8  # after the body was out (it sleeps first)
    assert finished <= next_taken  # and before the runtime asked for more work


def test_doors_that_cannot_stream_get_a_buffered_answer(logs: Path) -> None:
    with runtime("stream_handlers.starlette_handler", logs) as process:
        answer, _ = process.invoke(build_event("http", path="/ticks"))
        result = json.loads(answer.read_all(30))
    assert answer.kind == "response"
    assert (result["statusCode"], result["body"]) == (200, "tick 0\ntick 1\ntick 2\n")


def test_the_environment_variable_selects_streaming(logs: Path) -> None:
    with runtime(
        "stream_handlers.buffered_handler", logs, {"ADAPTERS_RESPONSE_MODE": "streaming"}
    ) as process:
        answer, _, payload = streamed(process, url_event("/ticks"))
    assert split_prelude(payload)[1] == b"tick 0\ntick 1\ntick 2\n"
    with runtime("stream_handlers.buffered_handler", logs) as process:
        answer, _ = process.invoke(url_event("/ticks"))
        assert answer.kind == "response"


def test_plain_handlers_get_the_managed_runtimes_context(logs: Path) -> None:
    with runtime("stream_handlers.plain_handler", logs) as process:
        answer, _ = process.invoke({"any": "event"}, timeout=20)
        result = json.loads(answer.read_all(30))
    assert result["body"] == "stream-tests"
    assert 15_000 < result["remaining"] <= 20_000
