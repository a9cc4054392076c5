"""Events from `sam local generate-event` (aws-sam-cli 1.170.0), kept in tests/events/sam.

They are what `sam local invoke` users feed their handlers, with SAM's own quirks: a REST
event without `requestContext.domainName`, base64 bodies, capitalised 2.0 header names,
and CloudFront events without `eventType` or `querystring`.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from adapters import LambdaHandler, UnknownEventError
from adapters.testing import client_response

from ..apps import wsgi_echo

SAM_EVENTS = Path(__file__).parents[1] / "events" / "sam"
handler = LambdaHandler(wsgi_echo)


def environ_for(name: str) -> dict[str, Any]:
    event = json.loads((SAM_EVENTS / name).read_text())
    result = handler(event, None)
    response = client_response(event, result)
    assert response.status == 200, result
    return json.loads(response.body)


def test_rest_aws_proxy() -> None:
    environ = environ_for("rest-aws-proxy.json")
    assert environ["REQUEST_METHOD"] == "POST"
    # no domainName in SAM's event: the Host header says it is the execute-api domain
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/prod", "/items")
    assert base64.b64decode(environ["body"]) == b'{"a": 1}'
    assert environ["CONTENT_LENGTH"] == "8"


def test_http_api_proxy() -> None:
    environ = environ_for("http-api-proxy.json")
    assert environ["PATH_INFO"] == "/path/to/resource"
    assert environ["QUERY_STRING"] == "parameter1=value1&parameter1=value2&parameter2=value"
    assert environ["HTTP_COOKIE"] == "cookie1; cookie2"
    assert base64.b64decode(environ["body"]) == b'{"test":"body"}'


def test_alb_request() -> None:
    environ = environ_for("alb-request.json")
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"]) == ("POST", "/path/to/resource")
    assert environ["QUERY_STRING"] == "query=1234ABCD"
    assert environ["wsgi.url_scheme"] == "http"


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in SAM_EVENTS.glob("cloudfront-*.json") if "response" not in p.name),
)
def test_cloudfront_request_triggers(name: str) -> None:
    event = json.loads((SAM_EVENTS / name).read_text())
    request = event["Records"][0]["cf"]["request"]
    environ = environ_for(name)
    assert environ["REQUEST_METHOD"] == request["method"]
    assert environ["PATH_INFO"] == request["uri"]
    assert environ["QUERY_STRING"] == request.get("querystring", "")
    assert environ["REMOTE_ADDR"] == request["clientIp"]
    assert environ["SERVER_NAME"] == request["headers"]["host"][0]["value"]


def test_cloudfront_response_trigger_is_not_a_request() -> None:
    event = json.loads((SAM_EVENTS / "cloudfront-modify-response-header.json").read_text())
    with pytest.raises(UnknownEventError, match="response triggers"):
        handler(event, None)
