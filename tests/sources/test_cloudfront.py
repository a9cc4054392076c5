"""CloudFront Lambda@Edge request triggers (adapters/sources/cloudfront.py)."""

from __future__ import annotations

import base64

from adapters import LambdaHandler
from adapters.events import build_event

from ..apps import make_flask_app
from .common import load, seen, wsgi


def test_edge_origin_request_event() -> None:
    environ = seen(wsgi, load("edge-origin-request.json"))
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["PATH_INFO"] == "/forms/submit"
    assert environ["QUERY_STRING"] == "size=LARGE&tag=a&tag=b%26c"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_X_REPEAT"] == "one,two"
    assert environ["REMOTE_ADDR"] == "203.0.113.178"
    assert environ["SERVER_NAME"] == "d111111abcdef8.cloudfront.net"
    assert base64.b64decode(environ["body"]) == b"name=caf%C3%A9"


def test_edge_generated_response_shape() -> None:
    handler = LambdaHandler(make_flask_app())
    result = handler(build_event("edge", path="/cookies"), None)
    assert result["status"] == "200"
    assert result["statusDescription"] == "OK"
    assert result["bodyEncoding"] == "text"
    assert result["body"] == "cookies set"
    assert [h["value"] for h in result["headers"]["set-cookie"]] == [
        "first=1; Path=/",
        "second=2; HttpOnly; Path=/",
    ]
    assert result["headers"]["content-type"] == [
        {"key": "Content-Type", "value": "text/html; charset=utf-8"}
    ]
    # CloudFront refuses generated responses carrying read-only headers such as Content-Length
    assert "content-length" not in result["headers"]


def test_edge_truncated_body_is_refused_not_passed_on() -> None:
    event = load("edge-origin-request.json")
    event["Records"][0]["cf"]["request"]["body"]["inputTruncated"] = True
    result = wsgi(event, None)
    assert result["status"] == "400"
    assert "truncated" in result["body"]
