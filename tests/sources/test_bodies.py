"""Bodies, for every source: binary in and out, the text-or-base64 choice, HEAD, and the
real Content-Length."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters import LambdaHandler
from adapters.events import SOURCE_NAMES, build_event, client_response

from ..apps import PNG, make_flask_app, make_starlette_app
from .common import seen, wsgi


@pytest.mark.parametrize("source", SOURCE_NAMES)
@pytest.mark.parametrize("make_app", [make_flask_app, make_starlette_app])
def test_binary_round_trip(source: str, make_app: Any) -> None:
    handler = LambdaHandler(make_app())
    payload = bytes(range(256))
    event = build_event(
        source,
        method="POST",
        path="/echo",
        headers=[("Content-Type", "application/octet-stream")],
        body=payload,
    )
    result = handler(event, None)
    assert result.get("isBase64Encoded") is True or result.get("bodyEncoding") == "base64"
    assert client_response(event, result).body == payload


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_png_goes_base64_and_json_goes_as_text(source: str) -> None:
    handler = LambdaHandler(make_flask_app())
    event = build_event(source, path="/image.png")
    assert client_response(event, handler(event, None)).body == PNG
    text = handler(build_event(source, path="/items/x"), None)
    assert text.get("isBase64Encoded") is False or text.get("bodyEncoding") == "text"
    assert json.loads(text["body"])["name"] == "x"


def _respond_with(body: bytes, headers: list[tuple[str, str]]) -> Any:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", headers)
        return [body]

    return app


@pytest.mark.parametrize(
    ("headers", "body", "as_text"),
    [
        ([("Content-Type", "text/html; charset=utf-8")], "é".encode(), True),
        ([("Content-Type", "application/problem+json")], b"{}", True),
        ([("Content-Type", "image/svg+xml")], b"<svg/>", True),
        ([("Content-Type", "application/x-www-form-urlencoded")], b"a=1", True),
        ([("Content-Type", "application/javascript")], b"1;", True),
        ([("Content-Type", "text/plain")], b"\xff\xfe", False),  # not UTF-8
        ([("Content-Type", "text/plain"), ("Content-Encoding", "gzip")], b"abc", False),
        ([("Content-Type", "application/pdf")], b"%PDF", False),
        ([], b"no type", False),
    ],
)
def test_text_or_base64_choice(headers: list[tuple[str, str]], body: bytes, as_text: bool) -> None:
    event = build_event("http")
    result = LambdaHandler(_respond_with(body, headers))(event, None)
    assert result["isBase64Encoded"] is (not as_text)
    assert client_response(event, result).body == body


def test_custom_text_mime_types() -> None:
    app = _respond_with(b"a,b", [("Content-Type", "application/pdf")])
    handler = LambdaHandler(app, text_mime_types=["application/pdf"])
    assert handler(build_event("http"), None)["isBase64Encoded"] is False
    handler = LambdaHandler(
        _respond_with(b"<p>", [("Content-Type", "text/html")]), text_mime_types=[]
    )
    assert handler(build_event("http"), None)["isBase64Encoded"] is True


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_head_response_has_no_body(source: str) -> None:
    app = _respond_with(b"full body", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    event = build_event(source, method="HEAD")
    assert client_response(event, LambdaHandler(app)(event, None)).body == b""


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_content_length_is_the_real_body_length(source: str) -> None:
    event = build_event(
        source,
        method="POST",
        headers=[("Content-Length", "999"), ("Content-Type", "text/plain")],
        body="four",
    )
    environ = seen(wsgi, event)
    assert environ["CONTENT_LENGTH"] == "4"
    assert "HTTP_CONTENT_LENGTH" not in environ
