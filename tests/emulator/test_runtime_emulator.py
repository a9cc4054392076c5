"""The example handlers (lambda/wsgi_handler.py, lambda/asgi_handler.py) under the real
Lambda runtime: the Runtime Interface Emulator plus awslambdaric, events over HTTP.

What only a real runtime shows: the handler module imports and answers as Lambda calls it,
results survive the runtime's JSON round trip, errors the handler raises come back as the
runtime's error response, the function's logs go where Lambda puts them, the ASGI lifespan
spans invocations, and what SIGTERM does to the process.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters import Response
from adapters.events import SOURCE_NAMES, build_event, client_response
from adapters.trigger_events import build_trigger_event

from ..runtime_emulator import (
    HANDLERS,
    RuntimeEmulator,
    pid_alive,
    running_emulator,
    timing_report,
)

JSON = ("Content-Type", "application/json")
FORM = ("Content-Type", "application/x-www-form-urlencoded")

# The keys each source's response must have, and the ones it may have besides.
REQUIRED_KEYS = {
    "rest": {"statusCode", "headers", "body", "isBase64Encoded"},
    "http-v1": {"statusCode", "headers", "body", "isBase64Encoded"},
    "http": {"statusCode", "headers", "body", "isBase64Encoded"},
    "function-url": {"statusCode", "headers", "body", "isBase64Encoded"},
    "alb": {"statusCode", "statusDescription", "multiValueHeaders", "body", "isBase64Encoded"},
    "lattice-v1": {"statusCode", "statusDescription", "headers", "body", "isBase64Encoded"},
    "lattice-v2": {"statusCode", "statusDescription", "headers", "body", "isBase64Encoded"},
    "edge": {"status", "statusDescription", "headers", "body", "bodyEncoding"},
}
OPTIONAL_KEYS = {
    "rest": {"multiValueHeaders"},
    "http-v1": {"multiValueHeaders"},
    "http": {"cookies"},
    "function-url": {"cookies"},
}


@pytest.fixture(scope="module", params=HANDLERS, ids=["wsgi", "asgi"])
def emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RuntimeEmulator]:
    """One RIE per handler module, shared by the module's tests; its first invoke is the
    cold start."""
    module = request.param
    with running_emulator(module, tmp_path_factory.mktemp(module)) as emulator:
        status, answer, elapsed = emulator.invoke(build_event("http", path="/api/health"))
        assert status == 200, emulator.describe_logs()
        assert answer["statusCode"] == 200, (answer, emulator.describe_logs())
        assert emulator.cold_start is not None
        timing_report(request.config).record(
            module, cold_start=emulator.cold_start, first_invoke=elapsed
        )
        yield emulator


def invoke_ok(emulator: RuntimeEmulator, event: dict[str, Any]) -> tuple[dict[str, Any], Response]:
    """The handler's result and what the front door's client receives for it, after
    checking the runtime itself answered normally."""
    status, answer, _ = emulator.invoke(event)
    assert status == 200, (status, answer, emulator.describe_logs())
    assert isinstance(answer, dict), answer
    assert "errorType" not in answer, (answer, emulator.describe_logs())
    return answer, client_response(event, answer)


def header_values(response: Response, name: str) -> list[str]:
    """Every value of header `name` the client receives, any spelling."""
    return [value for key, value in response.headers if key.lower() == name]


def set_cookies(
    source: str, result: dict[str, Any], response: Response, multi_value: bool = True
) -> list[str]:
    """The Set-Cookie values, checking they are where this source wants them."""
    if source in ("http", "function-url"):
        for key in ("headers", "multiValueHeaders"):  # payload 2.0 has its `cookies` array
            assert "set-cookie" not in {name.lower() for name in result.get(key) or {}}, result
    else:
        assert "cookies" not in result, result
    if source == "alb":
        assert ("multiValueHeaders" in result) is multi_value, result
        assert ("headers" in result) is not multi_value, result
    return header_values(response, "set-cookie")


def assert_shape(source: str, result: dict[str, Any]) -> None:
    keys = set(result)
    required = REQUIRED_KEYS[source]
    assert required <= keys, (source, sorted(required - keys), result)
    assert keys <= required | OPTIONAL_KEYS.get(source, set()), (source, result)
    if source == "edge":
        assert result["status"] == str(int(result["status"]))
        assert result["bodyEncoding"] in ("text", "base64")
    elif source in ("alb", "lattice-v1", "lattice-v2"):
        assert result["statusDescription"].startswith(f"{result['statusCode']} ")


def unique_title(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


# -- every source ------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_health_in_the_source_shape(emulator: RuntimeEmulator, source: str) -> None:
    result, response = invoke_ok(emulator, build_event(source, path="/api/health"))
    assert_shape(source, result)
    assert response.status == 200
    assert header_values(response, "content-type") == ["application/json"]
    body = json.loads(response.body)
    assert body["status"] == "ok"
    assert body["store"] == "MemoryStore"  # TABLE_NAME is not set


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_json_note_round_trip(emulator: RuntimeEmulator, source: str) -> None:
    title = unique_title(f"via {source}")
    created, response = invoke_ok(
        emulator,
        build_event(
            source,
            method="POST",
            path="/api/notes",
            headers=[JSON],
            body=json.dumps({"title": title, "body": "körper ☕"}),
        ),
    )
    assert_shape(source, created)
    assert response.status == 201, response.body
    note = json.loads(response.body)
    assert note["title"] == title
    fetched, response = invoke_ok(emulator, build_event(source, path=f"/api/notes/{note['id']}"))
    assert_shape(source, fetched)
    assert response.status == 200
    assert json.loads(response.body) == note
    assert json.loads(response.body)["body"] == "körper ☕"


# -- binary ------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_png_arrives_base64(emulator: RuntimeEmulator, source: str) -> None:
    result, response = invoke_ok(emulator, build_event(source, path="/icon.png"))
    assert_shape(source, result)
    assert response.status == 200
    if source == "edge":
        assert result["bodyEncoding"] == "base64"
    else:
        assert result["isBase64Encoded"] is True
    assert response.body.startswith(b"\x89PNG\r\n\x1a\n")
    assert header_values(response, "content-type") == ["image/png"]


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_base64_form_post_is_decoded(emulator: RuntimeEmulator, source: str) -> None:
    title = unique_title("Café ☕ base64")
    form = urlencode({"title": title, "body": "sent base64"}).encode("ascii")
    event = build_event(
        source, method="POST", path="/notes", headers=[FORM], body=form, base64=True
    )
    body_field = event.get("body")
    if isinstance(body_field, str):  # every source but CloudFront (nested, always base64)
        assert body_field == base64.b64encode(form).decode("ascii")
    _, response = invoke_ok(emulator, event)
    assert response.status == 303, response.body
    _, listing = invoke_ok(emulator, build_event(source, path="/api/notes"))
    listed = json.loads(listing.body)
    assert title in [note["title"] for note in listed["notes"]]


# -- cookies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "multi_value"),
    [(source, True) for source in SOURCE_NAMES] + [("alb", False)],
    ids=[*SOURCE_NAMES, "alb-single-value"],
)
def test_session_cookie_carries_the_flash(
    emulator: RuntimeEmulator, source: str, multi_value: bool
) -> None:
    title = unique_title("flash")
    created, response = invoke_ok(
        emulator,
        build_event(
            source,
            method="POST",
            path="/notes",
            headers=[FORM],
            body=urlencode({"title": title}),
            base64=False,
            multi_value=multi_value,
        ),
    )
    assert response.status == 303, response.body
    assert header_values(response, "location"), created
    cookies = set_cookies(source, created, response, multi_value)
    session = [c for c in cookies if c.startswith("session=")]
    assert len(session) == 1, cookies
    pair = session[0].split(";", 1)[0]

    _, page = invoke_ok(
        emulator, build_event(source, path="/", headers=[("Cookie", pair)], multi_value=multi_value)
    )
    assert page.status == 200
    html = page.body.decode("utf-8")
    assert "Saved" in html, html[:2000]
    assert title in html

    # Without the cookie there is no flash: the message really travelled in the cookie.
    _, fresh = invoke_ok(emulator, build_event(source, path="/", multi_value=multi_value))
    assert "Saved" not in fresh.body.decode("utf-8")


# -- errors ------------------------------------------------------------------------------


def test_app_crash_is_a_generic_500_and_logged(emulator: RuntimeEmulator) -> None:
    mark = emulator.log_mark()
    _, response = invoke_ok(emulator, build_event("http", path="/api/diagnostics/crash"))
    assert response.status == 500
    body = response.body.decode("utf-8", "replace")
    assert "Traceback" not in body
    assert "deliberate crash" not in body
    assert "RuntimeError" not in body
    logs = emulator.wait_for_log("deliberate crash (NOTES_DIAGNOSTICS=1)", since=mark)
    assert "Traceback (most recent call last)" in logs, logs
    # The process survived: the next invocation is answered normally.
    _, after = invoke_ok(emulator, build_event("http", path="/api/health"))
    assert after.status == 200


SQS_EVENT = {
    "Records": [
        {
            "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
            "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
            "body": "test",
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": "1545082649183",
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": "1545082649185",
            },
            "messageAttributes": {},
            "md5OfBody": "098f6bcd4621d373cade4e832627b4f6",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:my-queue",
            "awsRegion": "us-east-1",
        }
    ]
}


def test_non_http_event_is_the_runtimes_error_response(emulator: RuntimeEmulator) -> None:
    status, answer, _ = emulator.invoke(SQS_EVENT)
    assert status == 200, answer  # the RIE answers handler errors with 200
    assert set(answer) >= {"errorType", "errorMessage", "stackTrace"}, answer
    assert answer["errorType"] == "UnknownEventError"
    assert "['Records']" in answer["errorMessage"]
    assert "It looks like an SQS event" in answer["errorMessage"]
    _, after = invoke_ok(emulator, build_event("http", path="/api/health"))
    assert after.status == 200


def test_the_queue_handler_stores_queued_notes_and_names_the_bad_messages(
    tmp_path: Path,
) -> None:
    notes = tmp_path / "notes.json"
    with running_emulator("queue_handler", tmp_path, {"NOTES_FILE": str(notes)}) as emulator:
        good = json.dumps({"title": "From the queue", "body": "via SQS"})
        event = build_trigger_event("sqs", [good, "not json", '{"title": ""}'])
        ids = [record["messageId"] for record in event["Records"]]
        status, answer, _ = emulator.invoke(event)
        assert status == 200, emulator.describe_logs()
        assert answer == {"batchItemFailures": [{"itemIdentifier": i} for i in ids[1:]]}
        log = emulator.stdout()
        # A forged batch from a client of the HTTP front door is not taken.
        forged = build_event(
            "http", method="POST", path="/events", headers=[JSON], body=json.dumps(event)
        )
        _, refused = invoke_ok(emulator, forged)
        assert refused.status == 404
    assert [note["title"] for note in json.loads(notes.read_text())] == ["From the queue"]
    access = [json.loads(line) for line in log.splitlines() if '"path":"/events"' in line]
    assert [(line["source"], line["status"]) for line in access] == [("SQS event", 200)], log


def with_invalid_base64_body(source: str) -> dict[str, Any]:
    event = build_event(
        source, method="POST", path="/api/notes", headers=[JSON], body='{"title": "x"}'
    )
    broken = "%%% not base64 %%%"
    if source == "edge":
        event["Records"][0]["cf"]["request"]["body"]["data"] = broken
    elif source == "lattice-v1":
        event["body"], event["is_base64_encoded"] = broken, True
    else:
        event["body"], event["isBase64Encoded"] = broken, True
    return event


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_invalid_base64_body_is_a_400(emulator: RuntimeEmulator, source: str) -> None:
    result, response = invoke_ok(emulator, with_invalid_base64_body(source))
    assert_shape(source, result)
    assert response.status == 400, response.body
    body = response.body.decode("utf-8")
    assert body.startswith("Bad Request"), body
    assert "Traceback" not in body


# -- lifespan and logging ----------------------------------------------------------------


@pytest.mark.parametrize("emulator", ["asgi_handler"], indirect=True, ids=["asgi"])
def test_lifespan_startup_runs_once(emulator: RuntimeEmulator) -> None:
    for _ in range(5):
        invoke_ok(emulator, build_event("http", path="/api/health"))
    logs = emulator.output()
    assert logs.count("notes app starting") == 1, logs
    assert "notes app stopping" not in logs


def test_info_logs_need_a_log_level(tmp_path: Any) -> None:
    """awslambdaric leaves the root logger at WARNING unless AWS_LAMBDA_LOG_LEVEL is set,
    so without it the app's INFO lines (lifespan startup) are dropped, not delayed."""
    with running_emulator("asgi_handler", tmp_path, {"AWS_LAMBDA_LOG_LEVEL": ""}) as emulator:
        invoke_ok(emulator, build_event("http", path="/api/health"))
        logs = emulator.output()
    assert "START RequestId" in logs  # the runtime's own lines are there
    assert "notes app starting" not in logs


# -- SIGTERM -----------------------------------------------------------------------------

THREAD_POLLING = {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}


def wait_until(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def started_runtime(emulator: RuntimeEmulator) -> int:
    invoke_ok(emulator, build_event("http", path="/api/health"))
    emulator.wait_for_log("notes app starting")
    runtime = emulator.runtime_pid()
    assert runtime is not None, emulator.describe_logs()
    return runtime


def test_sigterm_runs_lifespan_shutdown_when_the_runtime_polls_in_a_thread(
    tmp_path: Any, request: pytest.FixtureRequest
) -> None:
    """awslambdaric 4.2.2 waits for the next invocation in a worker thread when
    AWS_EXECUTION_ENV names python3.12 or later; the main thread then waits on a lock,
    which a signal interrupts, so the SIGTERM handler runs at once."""
    with running_emulator("asgi_handler", tmp_path, THREAD_POLLING) as emulator:
        runtime = started_runtime(emulator)
        mark = emulator.log_mark()
        sent = time.perf_counter()
        os.kill(runtime, signal.SIGTERM)
        emulator.wait_for_log("notes app stopping", since=mark, timeout=3)
        took = time.perf_counter() - sent
        assert wait_until(lambda: not pid_alive(runtime), 3), "runtime still alive"
        timing_report(request.config).record("asgi_handler", sigterm_to_shutdown_logged=took)


def test_sigterm_waits_for_the_next_invocation_when_the_runtime_blocks_in_c(
    tmp_path: Any,
) -> None:
    """Without thread polling (AWS_Lambda_python3.11 and unset), the main thread sits in
    runtime_client.next(), a C call whose libcurl poll loop restarts after EINTR. CPython
    only notes the signal; the Python handler (adapters' lifespan shutdown) runs when
    next() returns, i.e. when the next invocation arrives, which then fails because the
    handler ends the process with SIGTERM."""
    with running_emulator("asgi_handler", tmp_path) as emulator:
        runtime = started_runtime(emulator)
        os.kill(runtime, signal.SIGTERM)
        time.sleep(1.0)
        assert pid_alive(runtime), "the runtime exited at once: the handler ran"
        assert "notes app stopping" not in emulator.output()

        mark = emulator.log_mark()
        status, answer, _ = emulator.invoke(build_event("http", path="/api/health"))
        emulator.wait_for_log("notes app stopping", since=mark, timeout=3)
        assert status == 502, answer
        assert answer["errorType"] == "Runtime.ExitError", answer
        assert "signal: terminated" in answer["errorMessage"], answer


def test_sigterm_to_the_emulator_kills_the_runtime_without_shutdown(tmp_path: Any) -> None:
    """The RIE, like Lambda without an extension, answers its own SIGTERM by SIGKILLing
    the runtime's process group: no Python code runs, even with thread polling."""
    with running_emulator("asgi_handler", tmp_path, THREAD_POLLING) as emulator:
        runtime = started_runtime(emulator)
        assert emulator.process is not None
        emulator.process.send_signal(signal.SIGTERM)
        emulator.process.wait(5)
        assert wait_until(lambda: not pid_alive(runtime), 3), "runtime still alive"
        assert "notes app stopping" not in emulator.output()


# -- timings -----------------------------------------------------------------------------


def test_measure_warm_invokes(emulator: RuntimeEmulator, request: pytest.FixtureRequest) -> None:
    """Recorded, never asserted: see the terminal summary and .tools/."""
    event = build_event("http", path="/api/health")
    durations: list[float] = []
    deadline = time.monotonic() + 10
    while len(durations) < 50 and time.monotonic() < deadline:
        _, answer, elapsed = emulator.invoke(event)
        assert answer["statusCode"] == 200
        durations.append(elapsed)
    assert emulator.cold_start is not None
    timing_report(request.config).record(
        emulator.module,
        cold_start=emulator.cold_start,
        warm_median=statistics.median(durations),
        warm_max=max(durations),
        warm_count=float(len(durations)),
    )
