"""Non-HTTP events into the app: the pass-through path, callables per kind, partial batches.

Events come from `adapters.trigger_events` and, as an outside oracle of their shapes,
from `sam local generate-event` (aws-sam-cli's own samples of each service's event).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask, abort, request
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from adapters import LambdaHandler, UnknownEventError
from adapters.testing import build_event
from adapters.trigger_events import TRIGGER_KINDS, build_trigger_event
from adapters.triggers import KINDS, EventFailedError, event_from, event_kind

from .example_app import LAMBDA_DIR


class Context:
    aws_request_id = "req-123"
    function_name = "events-test"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:events-test"
    memory_limit_in_mb = "256"
    function_version = "$LATEST"
    log_group_name = "/aws/lambda/events-test"
    log_stream_name = "stream-1"

    def __init__(self, remaining_ms: int = 10_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


SAM_EVENTS = {
    ("sqs", "receive-message"): "sqs",
    ("sns", "notification"): "sns",
    ("s3", "put"): "s3",
    ("s3", "delete"): "s3",
    ("kinesis", "get-records"): "kinesis",
    ("dynamodb", "update"): "dynamodb",
    ("cloudwatch", "scheduled-event"): "schedule",
    ("cloudwatch", "logs"): "cloudwatch-logs",
    ("ses", "email-receiving"): "ses",
    ("stepfunctions", "error"): "invoke",
}


def sam_generated(service: str, name: str) -> Any:
    sam = LAMBDA_DIR.parent / ".tools" / "sam" / "bin" / "sam"
    if not os.access(sam, os.X_OK):
        if os.environ.get("CI"):
            pytest.fail(f"sam is not installed at {sam} (scripts/install-sam.sh)")
        pytest.skip(f"sam is not installed at {sam}; run: bash scripts/install-sam.sh")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    done = subprocess.run(
        [str(sam), "local", "generate-event", service, name],
        capture_output=True, text=True, timeout=120, env=env, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def test_every_service_event_sam_generates_is_named_by_its_kind() -> None:
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda key: sam_generated(*key), SAM_EVENTS))
    events = dict(zip(SAM_EVENTS, found, strict=True))
    assert {key: event_kind(event) for key, event in events.items()} == SAM_EVENTS


@pytest.mark.parametrize("kind", TRIGGER_KINDS)
def test_every_built_event_is_named_by_its_kind(kind: str) -> None:
    assert (
        event_kind(build_trigger_event(kind, ["a", "b"] if kind != "eventbridge" else ["{}"]))
        == kind
    )


def test_direct_invokes_of_any_json_are_invocations() -> None:
    for event in ({"order": 7}, [1, 2], "hello", 42, None):
        assert event_kind(event) == "invoke"  # type: ignore[arg-type]


def flask_events_app() -> Flask:
    app = Flask(__name__)

    @app.post("/events")
    def events() -> Any:
        event = event_from(request.environ)
        if event is None:
            abort(404)
        if event.get("fail"):
            return {"error": "database password hunter2"}, 500
        if event.get("text"):
            return "plain words", 200, {"Content-Type": "text/plain"}
        if event.get("empty"):
            return "", 204
        return {
            "kind": request.headers["X-Adapters-Event-Kind"],
            "context": json.loads(request.headers["X-Amzn-Lambda-Context"]),
            "records": len(event.get("Records", [])),
            "echo": event.get("echo"),
        }

    return app


def starlette_events_app() -> Starlette:
    async def events(request: Request) -> Response:
        event = event_from(request.scope)
        if event is None:
            return PlainTextResponse("not found", 404)
        await asyncio.sleep(0.01)
        return JSONResponse({"kind": request.headers["x-adapters-event-kind"], "event": event})

    return Starlette(routes=[Route("/events", events, methods=["POST"])])


def test_pass_through_posts_the_event_and_returns_the_apps_json() -> None:
    handler = LambdaHandler(flask_events_app(), events_path="/events")
    event = build_trigger_event("sqs", ["one", "two"])
    result = handler(event, Context())
    assert result["kind"] == "sqs"
    assert result["records"] == 2
    context = result["context"]
    assert context["request_id"] == "req-123"
    assert context["invoked_function_arn"] == Context.invoked_function_arn
    assert context["env_config"]["function_name"] == "events-test"
    assert context["env_config"]["memory"] == 256
    assert isinstance(context["deadline"], int)
    assert handler({"echo": [1, "é"]}, Context())["echo"] == [1, "é"]  # a direct invoke


def test_a_direct_invoke_of_json_that_is_not_an_object_reaches_the_app() -> None:
    app = Flask(__name__)

    @app.post("/events")
    def events() -> Any:
        event = event_from(request.environ)
        return {"got": event, "body": request.get_json()}

    handler = LambdaHandler(app, events_path="/events", access_log=False)
    assert handler([1, "two"], Context()) == {"got": [1, "two"], "body": [1, "two"]}  # type: ignore[arg-type]
    assert handler("hello", Context()) == {"got": "hello", "body": "hello"}  # type: ignore[arg-type]


def test_pass_through_into_an_asgi_app_keeps_the_event_whole() -> None:
    handler = LambdaHandler(starlette_events_app(), events_path="/events")
    event = build_trigger_event("eventbridge", ['{"order": {"id": 7, "note": "ünïcode"}}'])
    result = handler(event, Context())
    assert result == {"kind": "eventbridge", "event": event}
    handler.close()


def test_pass_through_answers_that_are_text_or_empty() -> None:
    handler = LambdaHandler(flask_events_app(), events_path="/events")
    assert handler({"text": True}, Context()) == "plain words"
    assert handler({"empty": True}, Context()) is None


def test_an_app_error_fails_the_invocation_without_the_apps_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = LambdaHandler(flask_events_app(), events_path="/events")
    with pytest.raises(EventFailedError, match="answered 500 to the direct invocation") as info:
        handler({"fail": True}, Context())
    assert "hunter2" not in str(info.value)
    access = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert access["status"] == 500 and access["path"] == "/events"
    assert access["source"] == "direct invocation event"
    # A route the app does not have is a failure too, not a silent success.
    elsewhere = LambdaHandler(flask_events_app(), events_path="/elsewhere", access_log=False)
    with pytest.raises(
        EventFailedError, match="answered 404 to the SQS event posted to /elsewhere"
    ):
        elsewhere(build_trigger_event("sqs", ["x"]), Context())


def test_http_requests_still_reach_the_app_and_cannot_pose_as_events() -> None:
    handler = LambdaHandler(flask_events_app(), events_path="/events", access_log=False)
    forged = build_event(
        "http", method="POST", path="/events", body=json.dumps(build_trigger_event("sqs")),
        headers=[("Content-Type", "application/json"), ("X-Adapters-Event-Kind", "sqs")],
    )  # fmt: skip
    assert handler(forged, Context())["statusCode"] == 404


def test_without_a_path_or_callable_non_http_events_are_refused_as_before() -> None:
    handler = LambdaHandler(flask_events_app())
    with pytest.raises(UnknownEventError, match="SQS"):
        handler(build_trigger_event("sqs"), Context())
    handler.on("schedule")(lambda event, context: "ran")
    with pytest.raises(UnknownEventError, match="It looks like an SQS event, and no callable"):
        handler(build_trigger_event("sqs"), Context())
    assert handler(build_trigger_event("schedule"), Context()) == "ran"


@pytest.mark.parametrize("path", ["events", "/events?x=1", "/ev ents", ""])
def test_a_bad_events_path_is_refused_at_construction(path: str) -> None:
    with pytest.raises(ValueError, match="events_path"):
        LambdaHandler(flask_events_app(), events_path=path)


def test_callables_per_kind_take_precedence_and_may_be_coroutines() -> None:
    handler = LambdaHandler(flask_events_app(), events_path="/events")
    seen: list[Any] = []

    @handler.on("schedule")
    async def tick(event: Any, context: Any) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        seen.append((event["detail-type"], context.aws_request_id))
        return {"ticked": True}

    assert handler(build_trigger_event("schedule"), Context()) == {"ticked": True}
    assert seen == [("Scheduled Event", "req-123")]
    assert handler(build_trigger_event("sqs", ["a"]), Context())["kind"] == "sqs"  # the path


def test_each_record_names_the_failed_sqs_messages(caplog: pytest.LogCaptureFixture) -> None:
    handler = LambdaHandler(flask_events_app())
    done: list[str] = []

    @handler.on("sqs", each_record=True)
    def take(record: dict[str, Any], context: Any) -> None:
        if record["body"].startswith("bad"):
            raise ValueError(f"cannot take {record['body']}")
        done.append(record["body"])

    event = build_trigger_event("sqs", ["ok 1", "bad 1", "ok 2", "bad 2"])
    ids = [record["messageId"] for record in event["Records"]]
    result = handler(event, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": ids[1]}, {"itemIdentifier": ids[3]}]}
    assert done == ["ok 1", "ok 2"]
    assert "cannot take bad 1" in caplog.text  # the traceback is in the log, not the result
    assert handler(build_trigger_event("sqs", ["ok 3"]), Context()) == {"batchItemFailures": []}


def test_on_a_fifo_queue_the_messages_after_a_failure_wait_their_turn() -> None:
    handler = LambdaHandler(flask_events_app())
    done: list[str] = []

    @handler.on("sqs", each_record=True)
    def take(record: dict[str, Any], context: Any) -> None:
        if record["body"] == "2":
            raise RuntimeError("not now")
        done.append(record["body"])

    event = build_trigger_event("sqs", ["1", "2", "3", "4"], fifo=True)
    ids = [record["messageId"] for record in event["Records"]]
    result = handler(event, Context())
    assert [item["itemIdentifier"] for item in result["batchItemFailures"]] == ids[1:]
    assert done == ["1"]


def test_stream_records_are_named_by_sequence_number() -> None:
    for kind, where in (("kinesis", "kinesis"), ("dynamodb", "dynamodb")):
        handler = LambdaHandler(flask_events_app())
        handler.on(kind, each_record=True)(lambda record, context: 1 / 0)
        event = build_trigger_event(kind, ["a"])
        record = event["Records"][0][where]
        sequence = record.get("sequenceNumber") or record.get("SequenceNumber")
        assert handler(event, Context()) == {"batchItemFailures": [{"itemIdentifier": sequence}]}


def test_kinds_without_partial_batches_fail_the_invocation() -> None:
    handler = LambdaHandler(flask_events_app())
    handler.on("sns", each_record=True)(lambda record, context: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        handler(build_trigger_event("sns", ["a"]), Context())
    handler.on("s3")(lambda event, context: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        handler(build_trigger_event("s3", ["key"]), Context())


def test_hostile_batches_fail_clearly() -> None:
    handler = LambdaHandler(flask_events_app())
    handler.on("sqs", each_record=True)(lambda record, context: 1 / 0)
    no_id = build_trigger_event("sqs", ["a"])
    del no_id["Records"][0]["messageId"]
    with pytest.raises(EventFailedError, match="without an id failed"):
        handler(no_id, Context())


def test_registering_is_checked() -> None:
    handler = LambdaHandler(flask_events_app())
    with pytest.raises(ValueError, match="unknown event kind 'sqs-fifo'"):
        handler.on("sqs-fifo")(print)
    handler.on("sqs")(print)
    with pytest.raises(ValueError, match="already registered"):
        handler.on("sqs")(print)
    assert set(KINDS) >= set(TRIGGER_KINDS) | {"invoke", "cloudwatch-logs"}
