"""The Powertools integration as its users see it: CloudWatch log lines and EMF metrics."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("aws_lambda_powertools", reason="the powertools extra is not installed")

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from flask import Flask

from adapters.events import build_event
from adapters.powertools import PowertoolsHandler, correlation_id


class Context:
    function_name = "notes"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:notes"
    memory_limit_in_mb = 512
    aws_request_id = "11111111-2222-4333-8444-555555555555"
    log_group_name = "/aws/lambda/notes"
    log_stream_name = "2026/11/20/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture(autouse=True)
def _powertools_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "notes")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Adapters")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")


def make_app(logger: Logger, tracer: Tracer, metrics: Metrics) -> Flask:
    app = Flask(__name__)

    @app.get("/work")
    @tracer.capture_method
    def work() -> Any:
        logger.info("working", extra={"item": 7})
        metrics.add_metric(name="ItemsDone", unit=MetricUnit.Count, value=1)
        return {"done": True}

    return app


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_logger_context_correlation_id_metrics_and_cold_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger, tracer, metrics = Logger(), Tracer(), Metrics()
    handler = PowertoolsHandler(
        make_app(logger, tracer, metrics), logger=logger, tracer=tracer, metrics=metrics
    )
    event = build_event("http", path="/work")
    event["requestContext"]["requestId"] = "corr-123"

    first = handler(event, Context())
    assert json.loads(first["body"]) == {"done": True}
    handler(event, Context())

    records = json_lines(capsys.readouterr().out)
    app_lines = [r for r in records if r.get("message") == "working"]
    access = [r for r in records if r.get("message") == "GET /work 200"]
    emf = [r for r in records if "_aws" in r]
    assert len(app_lines) == 2 and len(access) == 2
    assert app_lines[0]["correlation_id"] == "corr-123"
    assert app_lines[0]["function_request_id"] == Context.aws_request_id
    assert app_lines[0]["item"] == 7
    assert [r["cold_start"] for r in access] == [True, False]
    assert access[0]["status"] == 200 and access[0]["path"] == "/work"
    assert access[0]["service"] == "notes"
    metric_names = {
        m["Name"] for r in emf for d in r["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]
    }
    assert metric_names == {"ItemsDone", "ColdStart"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [("rest", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"), ("http", "JKJaXmPLvHcESHA=")],
)
def test_correlation_id_per_source(source: str, expected: str) -> None:
    assert correlation_id(build_event(source)) == expected


def test_correlation_id_for_alb_lattice_and_edge() -> None:
    for source in ("alb", "lattice-v2"):
        event = build_event(source, headers=[("X-Amzn-Trace-Id", "Root=1-abc")])
        assert correlation_id(event) == "Root=1-abc"
    assert correlation_id(build_event("edge")) == (
        "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
    )
    assert correlation_id({"requestContext": {}}) is None


def test_non_http_events_reach_the_app_and_callables_with_powertools() -> None:
    import io
    import logging

    from adapters.trigger_events import build_trigger_event

    out = io.StringIO()  # Powertools keeps one handler per service, bound to its first stream
    logger = Logger(service="events", logger_handler=logging.StreamHandler(out))
    app = Flask(__name__)

    @app.post("/events")
    def events() -> Any:
        logger.info("event posted")
        return {"took": True}

    handler = PowertoolsHandler(app, logger=logger, events_path="/events")
    assert handler(build_trigger_event("sqs", ["m"]), Context()) == {"took": True}
    handler.on("schedule")(lambda event, context: "ticked")
    assert handler(build_trigger_event("schedule"), Context()) == "ticked"
    lines = json_lines(out.getvalue())
    [posted] = [line for line in lines if line.get("message") == "event posted"]
    assert posted["function_request_id"] == Context.aws_request_id
    [access] = [line for line in lines if line.get("path") == "/events"]
    assert access["source"] == "SQS event"
