"""Non-HTTP events (SQS, SNS, S3, EventBridge, schedules, streams, direct invokes) into
the same function as the app.

Two ways, per handler, and both may be used together:
- `LambdaHandler(app, events_path="/events")` posts every event no HTTP source claims to
  the app, as the Lambda Web Adapter's pass-through does: `POST /events` with the event
  as the JSON body and the invocation context as JSON in `x-amzn-lambda-context`. A 2xx
  answer becomes the invocation's result (parsed when it is JSON); any other status fails
  the invocation, so the event source retries it as it would any failed function.
- `@handler.on("sqs")` registers a Python callable for one kind of event:
  `func(event, context)` and its return value is the result. With `each_record=True` it is
  called once per record (`func(record, context)`), and for SQS, Kinesis and DynamoDB
  streams the records that raised are returned as a partial batch response
  (`batchItemFailures`, which needs `ReportBatchItemFailures` on the event source
  mapping); on a FIFO queue the records after a failure are not processed and are
  reported too, so that the group keeps its order.

A registered callable wins over the path; an event neither handles raises
`UnknownEventError`, as before. Coroutine functions are run on the process's event loop.
"""

from __future__ import annotations

from ._log import logger
from .errors import AdapterError, UnknownEventError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, TypeVar

    from ._types import Event, LambdaContext
    from .model import Request, Response

    F = TypeVar("F", bound=Callable[..., Any])
    Respond = Callable[[Request, str], Response]

KINDS: dict[str, str] = {
    "sqs": "SQS",
    "sns": "SNS",
    "s3": "S3",
    "dynamodb": "DynamoDB stream",
    "kinesis": "Kinesis stream",
    "eventbridge": "EventBridge",
    "schedule": "EventBridge schedule",
    "cloudwatch-logs": "CloudWatch Logs",
    "kafka": "Kafka",
    "mq": "Amazon MQ",
    "ses": "SES",
    "websocket": "API Gateway WebSocket",
    "invoke": "direct invocation",
}
"""The kinds of non-HTTP event by the name `on()` takes, with the name logs use.
"invoke" is everything else: a direct `Invoke`, Step Functions, a test event."""

_RECORD_SOURCES = {
    "aws:sqs": "sqs",
    "aws:sns": "sns",
    "aws:s3": "s3",
    "aws:dynamodb": "dynamodb",
    "aws:kinesis": "kinesis",
    "aws:ses": "ses",
}
_PARTIAL_BATCHES = ("sqs", "kinesis", "dynamodb")
_SCHEDULE_SOURCES = ("aws.events", "aws.scheduler")


class EventFailedError(AdapterError, RuntimeError):
    """The app or a registered callable could not handle a non-HTTP event: the
    invocation fails, and the event source retries or redrives as it is configured to."""


def event_kind(event: Event) -> str:
    """Which kind of non-HTTP event this is (a key of `KINDS`)."""
    if not isinstance(event, dict):  # a direct invoke may send any JSON: a list, a string
        return "invoke"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        service = first.get("eventSource") or first.get("EventSource")
        kind = _RECORD_SOURCES.get(service) if isinstance(service, str) else None
        if kind is not None:
            return kind
    if "detail-type" in event and "source" in event:
        scheduled = event.get("detail-type") == "Scheduled Event"
        return "schedule" if scheduled and event["source"] in _SCHEDULE_SOURCES else "eventbridge"
    awslogs = event.get("awslogs")
    if isinstance(awslogs, dict) and "data" in awslogs:
        return "cloudwatch-logs"
    source = event.get("eventSource")
    if source in ("aws:kafka", "SelfManagedKafka"):
        return "kafka"
    if source in ("aws:mq", "aws:amq", "aws:rmq"):
        return "mq"
    context = event.get("requestContext")
    if isinstance(context, dict) and "connectionId" in context and "eventType" in context:
        return "websocket"
    return "invoke"


def event_from(environ_or_scope: Mapping[str, Any]) -> Any:
    """The non-HTTP event a pass-through request carries, or None for any other request.

    The app's events route should check it: the path is an ordinary route, which a client
    of a public front door can also call, but only the adapter can make a request whose
    `aws.event` is not an HTTP event.
    """
    from .sources import detect_source

    event = environ_or_scope.get("aws.event")
    if event is None:
        return None
    if not isinstance(event, dict):  # a direct invoke's list or string: never HTTP
        return event
    try:
        detect_source(event)
    except UnknownEventError:
        return event
    return None


def lambda_context_json(context: LambdaContext) -> str:
    """The invocation context as JSON, named as the Lambda Web Adapter names it."""
    import json
    import os

    deadline = None
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        import time

        deadline = int(time.time() * 1000) + int(remaining())
    return json.dumps(
        {
            "request_id": getattr(context, "aws_request_id", None),
            "deadline": deadline,
            "invoked_function_arn": getattr(context, "invoked_function_arn", None),
            "xray_trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
            "env_config": {
                "function_name": getattr(context, "function_name", None),
                "memory": _memory(context),
                "version": getattr(context, "function_version", None),
                "log_group": getattr(context, "log_group_name", None),
                "log_stream": getattr(context, "log_stream_name", None),
            },
        }
    )


def _memory(context: LambdaContext) -> int | None:
    value = getattr(context, "memory_limit_in_mb", None)
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class EventRoutes:
    """Where one handler sends non-HTTP events: callables per kind, then a path."""

    __slots__ = ("callables", "path")

    def __init__(self, path: str | None = None) -> None:
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise ValueError(f"events_path must be a path starting with '/', not {path!r}")
        if path is not None and any(c in path for c in "?# \t\r\n"):
            raise ValueError(f"events_path must be a plain path, not {path!r}")
        self.path = path
        self.callables: dict[str, tuple[Callable[..., Any], bool]] = {}

    def add(self, kind: str, func: Callable[..., Any], each_record: bool) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}; choose one of {', '.join(KINDS)}")
        if not callable(func):
            raise TypeError(f"on({kind!r}) needs a callable, got {func!r}")
        if kind in self.callables:
            raise ValueError(f"a callable for {kind!r} events is already registered")
        self.callables[kind] = (func, each_record)

    def dispatch(self, event: Event, context: LambdaContext, respond: Respond) -> Any:
        """The invocation result for a non-HTTP event (`respond` answers a Request)."""
        kind = event_kind(event)
        route = self.callables.get(kind)
        if route is not None:
            func, each_record = route
            if each_record:
                return _each_record(kind, func, event, context)
            return _settle(func(event, context))
        if self.path is not None:
            return self._pass_through(kind, event, context, respond)
        name = KINDS[kind]
        article = "an" if name[0] in "AEIOUS" else "a"
        hint = f"It looks like {article} {name} event, and no callable is registered for it"
        raise UnknownEventError(event.keys() if isinstance(event, dict) else [], hint)

    def _pass_through(
        self, kind: str, event: Event, context: LambdaContext, respond: Respond
    ) -> Any:
        import json

        from .model import Request, read_sync

        body = json.dumps(event, separators=(",", ":")).encode("utf-8")
        headers = [
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
            ("x-amzn-lambda-context", lambda_context_json(context)),
            ("x-adapters-event-kind", kind),
        ]
        path = self.path or "/"
        request = Request(
            "POST", path.encode("ascii"), b"", headers, body, "https", None, None, "", event,
            context,
        )  # fmt: skip
        response = respond(request, kind)
        status = response.status
        if not 200 <= status < 300:
            raise EventFailedError(
                f"The app answered {status} to the {KINDS[kind]} event posted to {path}"
            )
        data = read_sync(response.body)  # type: ignore[arg-type]
        content_type = ""
        for name, value in response.headers:
            if name.lower() == "content-type":
                content_type = value.lower()
        if not data:
            return None
        if "json" in content_type:
            try:
                return json.loads(data)
            except ValueError:
                raise EventFailedError(
                    f"The app's answer to the {KINDS[kind]} event is not valid JSON"
                ) from None
        return data.decode("utf-8", "replace")


def _settle(result: Any) -> Any:
    """A callable's result; a coroutine is run to its end on the process's loop."""
    if hasattr(result, "__await__"):
        from ._loop import process_loop

        async def wait() -> Any:
            return await result

        return process_loop().run(wait())
    return result


def _each_record(kind: str, func: Callable[..., Any], event: Event, context: LambdaContext) -> Any:
    """Call `func` once per record; the failed ones as the partial batch response."""
    records = event.get("Records")
    if not isinstance(records, list):
        raise EventFailedError(f"The {KINDS[kind]} event has no list of Records")
    failed: list[dict[str, str]] = []
    fifo = kind == "sqs" and any(_is_fifo(record) for record in records)
    for index, record in enumerate(records):
        try:
            _settle(func(record, context))
        except Exception:
            identifier = _record_id(kind, record)
            logger().exception("%s record %s failed", KINDS[kind], identifier or index)
            if kind not in _PARTIAL_BATCHES:
                raise
            if identifier is None:  # nothing to name it by: the whole batch is retried
                raise EventFailedError(
                    f"A {KINDS[kind]} record without an id failed; failing the batch"
                ) from None
            failed.append({"itemIdentifier": identifier})
            if fifo:  # later messages of the group must wait for this one
                for later in records[index + 1 :]:
                    later_id = _record_id(kind, later)
                    if later_id is not None:
                        failed.append({"itemIdentifier": later_id})
                break
    if kind in _PARTIAL_BATCHES:
        return {"batchItemFailures": failed}
    return None


def _is_fifo(record: Any) -> bool:
    arn = record.get("eventSourceARN") if isinstance(record, dict) else None
    return isinstance(arn, str) and arn.endswith(".fifo")


def _record_id(kind: str, record: Any) -> str | None:
    """What a partial batch response names a record by."""
    if not isinstance(record, dict):
        return None
    if kind == "sqs":
        found = record.get("messageId")
    elif kind == "kinesis":
        found = (record.get("kinesis") or {}).get("sequenceNumber")
    else:
        found = (record.get("dynamodb") or {}).get("SequenceNumber")
    return found if isinstance(found, str) else None
