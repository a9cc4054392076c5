"""`OpenTelemetryHandler`: `LambdaHandler` with one OpenTelemetry span per request.

Install the extra: `pip install "webapp-adapters[opentelemetry]"` (the API only; the app
brings its SDK and exporter, or the ADOT layer does). The X-Ray SDK reaches end of support
in February 2027, and OpenTelemetry is AWS's path after it.

Each HTTP request (from any front door, or a non-HTTP event posted to `events_path`) is
a SERVER span named by its method, with the stable HTTP semantic conventions' attributes
and the FaaS ones (`faas.trigger`, `faas.invocation_id`, `faas.coldstart`,
`cloud.resource_id`). Its parent is the client's W3C `traceparent` when the request has a
valid one, else the invocation's X-Ray trace header (`_X_AMZN_TRACE_ID`, or
`context.trace_id` where concurrent invocations keep it), so one trace runs from the
caller through Lambda into the app. The app runs inside the span's context: spans it
starts, and trace headers its instrumented clients send, are the request's children.
A non-HTTP event given to a callable (`handler.on(...)`) gets a span named after its kind
(CONSUMER for queue and stream records). A streamed response's span ends when its status
and headers are known.
"""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)

from . import __version__
from .errors import UnknownEventError
from .handler import LambdaHandler
from .sources import detect_source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from opentelemetry.context import Context
    from opentelemetry.trace import TracerProvider

    from ._types import Event, LambdaContext
    from .model import Request, Response

KNOWN_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY")
)
"""The methods the HTTP conventions name; any other is reported as "_OTHER"."""

TRIGGERS = {
    "sqs": "pubsub",
    "sns": "pubsub",
    "kinesis": "pubsub",
    "dynamodb": "datasource",
    "s3": "datasource",
    "schedule": "timer",
}
"""`faas.trigger` per kind of non-HTTP event; any other kind is "other"."""

_CONSUMED = frozenset(("sqs", "sns", "kinesis", "dynamodb", "kafka", "mq"))


class OpenTelemetryHandler(LambdaHandler):
    """`handler = OpenTelemetryHandler(app)`: a `LambdaHandler` that traces each request.

    Every `LambdaHandler` option is accepted too; `tracer_provider` defaults to the
    global one (`opentelemetry.trace.get_tracer_provider()`).
    """

    def __init__(
        self, app: Any, *, tracer_provider: TracerProvider | None = None, **options: Any
    ) -> None:
        super().__init__(app, **options)
        self.otel_tracer = trace.get_tracer(
            "adapters", __version__, tracer_provider=tracer_provider
        )
        self._first = True

    def __call__(self, event: Event, context: LambdaContext = None) -> Event:
        try:
            detect_source(event, self.sources)
        except UnknownEventError:
            kind = self._callable_kind(event)
            if kind is not None:  # a callable answers it: no HTTP request to trace
                return self._traced_event(kind, event, context, super().__call__)
        return super().__call__(event, context)

    def _callable_kind(self, event: Event) -> str | None:
        if self.events is None:
            return None
        from .triggers import event_kind

        kind = event_kind(event)
        return kind if kind in self.events.callables else None

    def _traced_event(
        self,
        kind: str,
        event: Event,
        context: LambdaContext,
        call: Callable[[Event, LambdaContext], Event],
    ) -> Event:
        attributes = self._faas_attributes(context, TRIGGERS.get(kind, "other"))
        span_kind = SpanKind.CONSUMER if kind in _CONSUMED else SpanKind.SERVER
        with self.otel_tracer.start_as_current_span(
            kind, context=self._parent({}, context), kind=span_kind, attributes=attributes
        ):  # records and re-raises an exception, with the span's status ERROR
            return call(event, context)

    def _respond(self, request: Request, context: LambdaContext) -> Response:
        return self._traced(request, context, super()._respond)

    def _respond_stream(self, request: Request, context: LambdaContext) -> Response:
        return self._traced(request, context, super()._respond_stream)

    def _traced(
        self,
        request: Request,
        context: LambdaContext,
        respond: Callable[[Request, LambdaContext], Response],
    ) -> Response:
        headers: dict[str, str] = {}
        for name, value in request.headers:
            headers[name] = value  # the last of repeated headers, as propagators read them
        method = request.method
        attributes = self._faas_attributes(context, self._trigger(request))
        attributes.update(_http_attributes(request, headers))
        span = self.otel_tracer.start_span(
            method if method in KNOWN_METHODS else "HTTP",
            context=self._parent(headers, context),
            kind=SpanKind.SERVER,
            attributes=attributes,
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            response = respond(request, context)
        except BaseException as error:  # the deadline's DeadlineExceeded too
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.set_attribute("error.type", type(error).__qualname__)
            raise
        else:
            status = response.status
            span.set_attribute("http.response.status_code", status)
            if status >= 500:  # a server span's 4xx is the client's error, not ours
                span.set_status(Status(StatusCode.ERROR))
                span.set_attribute("error.type", str(status))
            return response
        finally:
            otel_context.detach(token)
            span.end()

    def _trigger(self, request: Request) -> str:
        """ "http", unless this request carries a non-HTTP event to `events_path`."""
        if self.events is None or self.events.path is None:
            return "http"
        from .triggers import event_from, event_kind

        event = event_from({"aws.event": request.event})
        return "http" if event is None else TRIGGERS.get(event_kind(event), "other")

    def _faas_attributes(self, context: LambdaContext, trigger: str) -> dict[str, Any]:
        first, self._first = self._first, False
        attributes: dict[str, Any] = {
            "faas.trigger": trigger,
            "faas.coldstart": first,
            "cloud.provider": "aws",
            "cloud.platform": "aws_lambda",
        }
        request_id = getattr(context, "aws_request_id", None)
        if isinstance(request_id, str):
            attributes["faas.invocation_id"] = request_id
        arn = getattr(context, "invoked_function_arn", None)
        if isinstance(arn, str):
            attributes["cloud.resource_id"] = arn
        return attributes

    def _parent(self, headers: dict[str, str], context: LambdaContext) -> Context | None:
        """The client's W3C trace context if it sent a valid one, else Lambda's X-Ray one."""
        extracted = propagate.extract(headers) if "traceparent" in headers else None
        if extracted is not None and trace.get_current_span(extracted).get_span_context().is_valid:
            return extracted
        import os

        header = getattr(context, "trace_id", None) or os.environ.get("_X_AMZN_TRACE_ID")
        remote = xray_span_context(header) if isinstance(header, str) else None
        if remote is None:
            return None
        return trace.set_span_in_context(NonRecordingSpan(remote))


def xray_span_context(header: str) -> SpanContext | None:
    """The remote parent an X-Ray trace header names, or None for one that is not valid.

    `Root=1-{8 hex: epoch}-{24 hex}` is the trace id, `Parent={16 hex}` the span id and
    `Sampled=1` the sampled flag ("Tracing header", AWS X-Ray developer guide).
    """
    fields: dict[str, str] = {}
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        fields[key.strip()] = value.strip()
    version, _, rest = fields.get("Root", "").partition("-")
    epoch, _, unique = rest.partition("-")
    parent = fields.get("Parent", "")
    digits = epoch + unique
    if version != "1" or len(epoch) != 8 or len(unique) != 24 or len(parent) != 16:
        return None
    try:
        trace_id, span_id = int(digits, 16), int(parent, 16)
    except ValueError:
        return None
    if not trace_id or not span_id or not (digits + parent).isascii():
        return None
    sampled = TraceFlags.SAMPLED if fields.get("Sampled") == "1" else TraceFlags.DEFAULT
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(sampled))


def _http_attributes(request: Request, headers: dict[str, str]) -> dict[str, Any]:
    """The stable HTTP server span attributes the request can tell."""
    method = request.method
    attributes: dict[str, Any] = {
        "http.request.method": method if method in KNOWN_METHODS else "_OTHER",
        "url.path": request.raw_path.decode("latin-1"),  # as the client sent it
        "url.scheme": request.scheme,
    }
    if method not in KNOWN_METHODS:
        attributes["http.request.method_original"] = method
    if request.query_string:
        attributes["url.query"] = request.query_string.decode("latin-1")
    if request.server is not None:
        attributes["server.address"] = request.server[0]
        attributes["server.port"] = request.server[1]
    if request.client is not None:
        attributes["client.address"] = request.client[0]
    agent = headers.get("user-agent")
    if agent is not None:
        attributes["user_agent.original"] = agent
    return attributes
