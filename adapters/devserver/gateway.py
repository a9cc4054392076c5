"""What API Gateway and Function URLs do between a client and a function, locally.

A request becomes the event its route's front door sends (built with adapters.events,
then given the route's resource, path parameters and the raw query string); the
function's result becomes the HTTP response the front door would give. Results the
front door would refuse become its own 502, so local runs fail where AWS would.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from ..events import build_event
from .routing import Route

HeaderPairs = list[tuple[str, str]]
BAD_GATEWAY = (502, [("Content-Type", "application/json")], b'{"message":"Internal server error"}')
TIMEOUT = (504, [("Content-Type", "application/json")], b'{"message":"Endpoint request timed out"}')
NOT_FOUND = (404, [("Content-Type", "application/json")], b'{"message":"Not Found"}')

Reply = tuple[int, HeaderPairs, bytes]


def media_type_matches(patterns: tuple[str, ...], content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.partition(";")[0].strip().lower()
    major = mime.partition("/")[0]
    return any(pattern.lower() in ("*/*", mime, f"{major}/*") for pattern in patterns)


def make_event(
    kind: str,
    route: Route | None,
    parameters: dict[str, str],
    *,
    method: str,
    path: str,
    query: str,
    headers: HeaderPairs,
    body: bytes,
    host: str,
    client_ip: str,
    stage: str,
    binary_types: tuple[str, ...],
) -> dict[str, Any]:
    """The event `kind` ("rest", "http-v1", "http", "function-url") sends for a request."""
    content_type = next((v for n, v in headers if n.lower() == "content-type"), None)
    base64_body: bool | None = None
    if kind == "rest":  # REST APIs encode only the binary media types configured
        base64_body = media_type_matches(binary_types, content_type) if body else False
    event = build_event(
        kind,
        method=method,
        path=path,
        query=parse_qsl(query, keep_blank_values=True),
        headers=headers,
        body=body,
        base64=base64_body,
        stage=None if kind in ("http", "function-url") else stage,
        domain=host,
        source_ip=client_ip,
    )
    if kind in ("http", "function-url"):
        event["rawQueryString"] = query  # byte for byte, as the client sent it
        if route is not None:
            event["routeKey"] = f"{route.method} {route.path}"
            event["requestContext"]["routeKey"] = event["routeKey"]
    elif route is not None:
        event["resource"] = route.path
        event["requestContext"]["resourcePath"] = route.path
    if kind != "function-url":
        event["pathParameters"] = parameters or None
    return event


def reply_from_result(
    kind: str, result: Any, binary_types: tuple[str, ...], accept: str | None
) -> Reply:
    """The HTTP response for a function's result, as the front door of `kind` makes it."""
    if kind in ("http", "function-url") and (
        isinstance(result, str) or (isinstance(result, dict) and "statusCode" not in result)
    ):
        # Payload 2.0: a result without statusCode is the body of a 200 JSON response.
        text = result if isinstance(result, str) else json.dumps(result)
        return 200, [("Content-Type", "application/json")], text.encode("utf-8")
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return BAD_GATEWAY
    headers: HeaderPairs = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values or ())
    headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or ())
    body_text = result.get("body") or ""
    if not isinstance(body_text, str):
        return BAD_GATEWAY
    body = body_text.encode("utf-8")
    if result.get("isBase64Encoded"):
        content_type = next((v for n, v in headers if n.lower() == "content-type"), None)
        first_accept = (accept or "").split(",")[0]
        # REST APIs decode only for the binary media types configured, else pass base64 on
        if (
            kind != "rest"
            or media_type_matches(binary_types, content_type)
            or media_type_matches(binary_types, first_accept)
        ):
            try:
                body = base64.b64decode(body_text, validate=True)
            except ValueError:
                return BAD_GATEWAY
    return int(result["statusCode"]), headers, body
