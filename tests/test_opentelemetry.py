"""`OpenTelemetryHandler`: the spans a user's exporter receives, read from the SDK's own
in-memory exporter (a private provider per test; the global one is never set)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from adapters.opentelemetry import OpenTelemetryHandler, xray_span_context
from adapters.testing import build_event
from adapters.trigger_events import build_trigger_event

TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE}-{PARENT}-01"
XRAY = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:traced"


class Context:
    aws_request_id = "invocation-1"
    invoked_function_arn = ARN

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    found = InMemorySpanExporter()
    yield found
    found.clear()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture(autouse=True)
def no_xray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)


def flask_app(provider: TracerProvider) -> Flask:
    app = Flask(__name__)
    tracer = provider.get_tracer("app")

    @app.get("/items/<name>")
    def item(name: str) -> Any:
        with tracer.start_as_current_span("load item"):
            return {"name": name}

    @app.get("/crash")
    def crash() -> Any:
        raise RuntimeError("secret")

    @app.post("/events")
    def events() -> Any:
        return {"ok": True}

    return app


def starlette_app(provider: TracerProvider) -> Starlette:
    tracer = provider.get_tracer("app")

    async def item(request: Request) -> Response:
        await asyncio.sleep(0)
        with tracer.start_as_current_span("load item"):
            return PlainTextResponse(request.path_params["name"])

    async def stream(request: Request) -> Response:
        async def chunks() -> Any:
            yield b"a"
            yield b"b"

        return StreamingResponse(chunks(), media_type="text/plain")

    return Starlette(routes=[Route("/items/{name}", item), Route("/stream", stream)])


def only(exporter: InMemorySpanExporter, name: str) -> ReadableSpan:
    [span] = [span for span in exporter.get_finished_spans() if span.name == name]
    return span


@pytest.mark.parametrize("source", ["http", "rest", "function-url", "alb", "lattice-v2"])
def test_each_request_is_a_server_span_with_the_http_and_faas_attributes(
    source: str, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    handler = OpenTelemetryHandler(flask_app(provider), tracer_provider=provider)
    event = build_event(
        source, path="/items/a%20b", query=[("q", "1")], headers=[("User-Agent", "curl/8")]
    )
    assert handler(event, Context())["statusCode"] == 200
    handler(event, Context())
    first, second = [s for s in exporter.get_finished_spans() if s.name == "GET"]
    assert first.kind is SpanKind.SERVER
    attributes = dict(first.attributes or {})
    assert attributes["http.request.method"] == "GET"
    assert attributes["url.path"] == "/items/a%20b" or attributes["url.path"].endswith(
        "/items/a%20b"
    )  # a REST stage or a Lattice prefix stays in the path the client asked for
    assert attributes["url.query"] == "q=1"
    assert attributes["url.scheme"] == "https"
    assert attributes["user_agent.original"] == "curl/8"
    assert attributes["http.response.status_code"] == 200
    assert attributes["faas.trigger"] == "http"
    assert attributes["faas.invocation_id"] == "invocation-1"
    assert attributes["cloud.resource_id"] == ARN
    assert attributes["faas.coldstart"] is True
    assert dict(second.attributes or {})["faas.coldstart"] is False
    assert first.status.status_code is StatusCode.UNSET


def test_the_span_continues_the_clients_trace_and_the_apps_spans_are_its_children(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    handler = OpenTelemetryHandler(flask_app(provider), tracer_provider=provider)
    handler(build_event("http", path="/items/x", headers=[("traceparent", TRACEPARENT)]), Context())
    request_span = only(exporter, "GET")
    assert f"{request_span.context.trace_id:032x}" == TRACE
    assert request_span.parent is not None and f"{request_span.parent.span_id:016x}" == PARENT
    assert request_span.parent.is_remote
    child = only(exporter, "load item")
    assert child.parent is not None and child.parent.span_id == request_span.context.span_id


def test_an_asgi_apps_spans_are_children_too(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    handler = OpenTelemetryHandler(starlette_app(provider), tracer_provider=provider)
    assert handler(build_event("http", path="/items/y"), Context())["body"] == "y"
    request_span, child = only(exporter, "GET"), only(exporter, "load item")
    assert child.parent is not None and child.parent.span_id == request_span.context.span_id
    assert child.context.trace_id == request_span.context.trace_id


def test_without_a_traceparent_the_lambda_x_ray_trace_is_the_parent(
    provider: TracerProvider, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", XRAY)
    handler = OpenTelemetryHandler(flask_app(provider), tracer_provider=provider)
    handler(build_event("http", path="/items/x"), Context())
    span = only(exporter, "GET")
    assert f"{span.context.trace_id:032x}" == "5759e988bd862e3fe1be46a994272793"
    assert span.parent is not None and f"{span.parent.span_id:016x}" == "53995c3f42cd8ad8"
    exporter.clear()
    handler(build_event("http", path="/items/x", headers=[("traceparent", TRACEPARENT)]), Context())
    assert f"{only(exporter, 'GET').context.trace_id:032x}" == TRACE  # the client's wins


@pytest.mark.parametrize(
    "traceparent",
    ["garbage", f"00-{'0' * 32}-{PARENT}-01", f"00-{TRACE}-{PARENT}", "00-" + "g" * 32 + "-x-01"],
)
def test_a_hostile_traceparent_or_x_ray_header_starts_a_new_trace(
    traceparent: str,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-zz;Parent=;Sampled=1")
    handler = OpenTelemetryHandler(flask_app(provider), tracer_provider=provider)
    event = build_event("http", path="/items/x", headers=[("traceparent", traceparent)])
    assert handler(event, Context())["statusCode"] == 200
    span = only(exporter, "GET")
    assert span.parent is None
    assert f"{span.context.trace_id:032x}" != TRACE


def test_a_5xx_is_an_error_span_and_a_4xx_is_not(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    handler = OpenTelemetryHandler(flask_app(provider), tracer_provider=provider)
    assert handler(build_event("http", path="/crash"), Context())["statusCode"] == 500
    assert handler(build_event("http", path="/missing"), Context())["statusCode"] == 404
    crashed, missing = exporter.get_finished_spans()
    assert crashed.status.status_code is StatusCode.ERROR
    assert dict(crashed.attributes or {})["error.type"] == "500"
    assert missing.status.status_code is StatusCode.UNSET
    assert "secret" not in str(crashed.attributes) + str(crashed.events)


def test_events_to_callables_and_to_the_events_path_are_traced(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    handler = OpenTelemetryHandler(
        flask_app(provider), tracer_provider=provider, events_path="/events"
    )

    @handler.on("schedule")
    def tick(event: Any, context: Any) -> str:
        raise ValueError("the job failed")

    assert handler(build_trigger_event("sqs", ["m"]), Context()) == {"ok": True}
    posted = only(exporter, "POST")
    assert dict(posted.attributes or {})["faas.trigger"] == "pubsub"
    with pytest.raises(ValueError, match="the job failed"):
        handler(build_trigger_event("schedule"), Context())
    job = only(exporter, "schedule")
    assert job.kind is SpanKind.SERVER
    assert dict(job.attributes or {})["faas.trigger"] == "timer"
    assert job.status.status_code is StatusCode.ERROR
    assert [event.name for event in job.events] == ["exception"]

    queue = OpenTelemetryHandler(flask_app(provider), tracer_provider=provider)
    queue.on("sqs", each_record=True)(lambda record, context: None)
    assert queue(build_trigger_event("sqs", ["a"]), Context()) == {"batchItemFailures": []}
    consumed = only(exporter, "sqs")
    assert consumed.kind is SpanKind.CONSUMER
    assert dict(consumed.attributes or {})["faas.coldstart"] is True


def test_a_streamed_answer_is_traced(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    handler = OpenTelemetryHandler(
        starlette_app(provider), tracer_provider=provider, response_mode="streaming"
    )
    stream = handler.invoke_streaming(build_event("function-url", path="/stream"), Context())
    try:
        assert b"".join(stream).endswith(b"ab")
    finally:
        stream.close()
    assert dict(only(exporter, "GET").attributes or {})["http.response.status_code"] == 200


def test_x_ray_headers_are_read_exactly() -> None:
    found = xray_span_context(XRAY)
    assert found is not None and found.is_remote and found.trace_flags.sampled
    assert f"{found.trace_id:032x}" == "5759e988bd862e3fe1be46a994272793"
    unsampled = xray_span_context(XRAY.replace("Sampled=1", "Sampled=0"))
    assert unsampled is not None and not unsampled.trace_flags.sampled
    for bad in (
        "",
        "Root=1-5759e988-bd862e3fe1be46a994272793",  # no parent
        "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
        "Root=1-5759e98-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
        "Root=1-5759e988-bd862e3fe1be46a99427279x;Parent=53995c3f42cd8ad8",
        "Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000",
        # Digits int() takes but no header has: FULLWIDTH DIGIT FIVE and THREE
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=\uff15\uff13995c3f42cd8ad8",
    ):
        assert xray_span_context(bad) is None, bad


def test_importing_adapters_never_imports_opentelemetry() -> None:
    code = "import sys, adapters; print(sorted(m for m in sys.modules if 'opentelemetry' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
