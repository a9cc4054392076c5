"""The per-request log line users search CloudWatch with."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import LambdaHandler
from adapters.access_log import access_line, access_record
from adapters.events import build_event

from .apps import make_flask_app, make_starlette_app


class Context:
    aws_request_id = "8f5d3a1e-0000-4000-8000-000000000001"
    function_name = "notes"


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


@pytest.mark.parametrize("make_app", [make_flask_app, make_starlette_app])
def test_one_json_line_per_request(make_app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    handler = LambdaHandler(make_app())
    handler(build_event("http", path="/items/x", query=[("token", "secret")]), Context())
    handler(build_event("rest", path="/crash", stage="prod"), Context())
    first, second = lines(capsys)[-2:]
    assert first["requestId"] == Context.aws_request_id
    assert (first["method"], first["path"], first["status"]) == ("GET", "/items/x", 200)
    assert first["message"] == "GET /items/x 200"
    assert first["source"] == "API Gateway HTTP API (payload 2.0)"
    assert isinstance(first["durationMs"], float) and first["durationMs"] >= 0
    assert first["coldStart"] is True and second["coldStart"] is False
    assert (second["path"], second["status"]) == ("/prod/crash", 500)
    assert "secret" not in json.dumps(first)  # query strings are not logged


def test_bad_events_are_logged_too(capsys: pytest.CaptureFixture[str]) -> None:
    event = build_event("alb", method="POST", body=b"x", base64=True)
    event["body"] = "%%%"
    LambdaHandler(make_flask_app())(event, None)
    [line] = lines(capsys)
    assert (line["method"], line["path"], line["status"]) == ("-", "-", 400)
    assert line["requestId"] is None


def test_custom_writer_and_off(capsys: pytest.CaptureFixture[str]) -> None:
    records: list[dict[str, Any]] = []
    LambdaHandler(make_flask_app(), access_log=records.append)(build_event("http"), None)
    LambdaHandler(make_flask_app(), access_log=False)(build_event("http"), None)
    assert [r["status"] for r in records] == [200]
    assert capsys.readouterr().out == ""


def test_a_failing_writer_does_not_lose_the_response(caplog: pytest.LogCaptureFixture) -> None:
    def broken(record: dict[str, Any]) -> None:
        raise OSError("disk full")

    result = LambdaHandler(make_flask_app(), access_log=broken)(build_event("http"), None)
    assert result["statusCode"] == 200
    assert "access log writer failed" in caplog.text


@given(
    method=st.text(max_size=12),
    path=st.text(max_size=40),
    request_id=st.one_of(st.none(), st.text(max_size=40)),
    status=st.integers(100, 599),
    duration=st.floats(0, 1e4, allow_nan=False),
    cold=st.booleans(),
)
def test_the_hand_formatted_line_is_the_json_of_the_record(
    method: str, path: str, request_id: str | None, status: int, duration: float, cold: bool
) -> None:
    """Quotes, backslashes, control and non-ASCII characters in a path or a request id
    must still give one valid JSON line, equal to the record a custom writer gets."""

    values = {
        "source": "HTTP API", "method": method, "path": path, "status": status,
        "duration": duration, "request_id": request_id, "cold_start": cold,
    }  # fmt: skip
    record = access_record(**values)
    line = access_line(**values)
    assert line.endswith("\n") and "\n" not in line[:-1]
    assert json.loads(line) == record
