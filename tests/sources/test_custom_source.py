"""A front door the package does not know, added by the user: one class, one test file.

The made-up door here is a tunnel that wraps each HTTP request in `{"tunnel": {...}}` and
expects `{"code", "headers", "body", "base64"}` back. `LambdaHandler(app, sources=[...])`
tries it before the built-in doors; everything else (WSGI or ASGI, text or base64 bodies,
the size limit, the 400 for a malformed event) is the package's, and so are the testing
helpers: `build_event(TUNNEL, ...)` and `client_response(event, result, sources=[TUNNEL])`
use the door's own `example_event` and `decode_result`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import pytest

from adapters import BadEventError, EventSource, LambdaHandler, Request, Response
from adapters.testing import ExampleRequest, build_event, client_response

from ..apps import asgi_echo, wsgi_echo


class TunnelSource(EventSource):
    name = "Example tunnel"
    key = "tunnel"

    def matches(self, event: dict[str, Any]) -> bool:
        return isinstance(event.get("tunnel"), dict)

    def parse(self, event: dict[str, Any], context: Any) -> Request:
        tunnel = event["tunnel"]
        if not isinstance(tunnel.get("method"), str):
            raise BadEventError("the tunnel sent no method")
        path, _, query = tunnel["target"].partition("?")
        headers = [(name.lower(), value) for name, value in tunnel["headers"]]
        host = next(value for name, value in headers if name == "host")
        try:
            body = base64.b64decode(tunnel["body"], validate=True)
        except binascii.Error:
            raise BadEventError("the tunnel's body is not base64") from None
        return Request(
            method=tunnel["method"],
            raw_path=path.encode("ascii"),
            query_string=query.encode("ascii"),
            headers=headers,
            body=body,
            server=(host, 443),
            client=(tunnel["peer"], 0),
            event=event,
            context=context,
        )

    def shape(
        self, response: Response, body: str, is_base64: bool, event: dict[str, Any]
    ) -> dict[str, Any]:
        headers = [[name, value] for name, value in response.headers]
        return {"code": response.status, "headers": headers, "body": body, "base64": is_base64}

    def example_event(self, request: ExampleRequest) -> dict[str, Any]:
        body = request.body  # already base64, or text
        if not request.is_base64:
            body = base64.b64encode(body.encode("utf-8")).decode("ascii")
        target = request.path + (f"?{request.raw_query}" if request.raw_query else "")
        return {
            "tunnel": {
                "method": request.method,
                "target": target,
                "headers": [[name, value] for name, value in request.headers],
                "body": body,
                "peer": request.source_ip,
            }
        }

    def decode_result(self, result: Any, event: dict[str, Any]) -> Response:
        if not isinstance(result, dict) or not isinstance(result.get("code"), int):
            raise ValueError("the tunnel needs an integer code")
        body = result["body"]
        data = base64.b64decode(body) if result["base64"] else body.encode("utf-8")
        return Response(result["code"], [(name, value) for name, value in result["headers"]], data)


TUNNEL = TunnelSource()


def tunnel_event(**fields: Any) -> dict[str, Any]:
    return build_event(TUNNEL, domain="tunnel.example", source_ip="203.0.113.5", **fields)


@pytest.mark.parametrize("app", [wsgi_echo, asgi_echo], ids=["wsgi", "asgi"])
def test_the_app_sees_the_request_and_the_client_reads_the_answer(app: Any) -> None:
    handler = LambdaHandler(app, sources=[TUNNEL])
    event = tunnel_event(
        method="POST",
        path="/items/caf%C3%A9",
        query=[("tag", "a b")],
        headers=[("Content-Type", "application/octet-stream")],
        body=b"\x00\xff",
    )
    result = handler(event, None)
    assert set(result) == {"code", "headers", "body", "base64"}  # the door's own shape
    response = client_response(event, result, sources=[TUNNEL])
    assert response.status == 200
    seen = json.loads(response.body)
    assert base64.b64decode(seen["body"]) == b"\x00\xff"
    if app is wsgi_echo:
        assert (seen["REQUEST_METHOD"], seen["QUERY_STRING"]) == ("POST", "tag=a%20b")
        assert seen["PATH_INFO"] == "/items/café".encode().decode("latin-1")
        assert (seen["SERVER_NAME"], seen["REMOTE_ADDR"]) == ("tunnel.example", "203.0.113.5")
    else:
        assert (seen["method"], seen["path"], seen["query_string"]) == (
            "POST",
            "/items/café",
            "tag=a%20b",
        )
        assert seen["client"] == ["203.0.113.5", 0]


def test_a_malformed_event_is_a_400_in_the_doors_shape() -> None:
    event = tunnel_event()
    event["tunnel"]["body"] = "not base64!"
    result = LambdaHandler(wsgi_echo, sources=[TUNNEL])(event, None)
    response = client_response(event, result, sources=[TUNNEL])
    assert response.status == 400
    assert response.body == b"Bad Request: the tunnel's body is not base64"


def test_the_built_in_doors_still_answer_beside_it() -> None:
    handler = LambdaHandler(wsgi_echo, sources=[TUNNEL])
    event = build_event("http", path="/x")
    response = client_response(event, handler(event, None))
    assert response.status == 200
    assert json.loads(response.body)["PATH_INFO"] == "/x"
