"""What API Gateway and Function URLs do between a client and a function, locally.

A request becomes the event its route's front door sends (built by the door's source,
then given the route's resource, path parameters and the raw query string); the
function's answer becomes the HTTP response the front door would give, read back by the
same source (`decode_result`). Streaming doors (Function URLs with RESPONSE_STREAM, REST
methods with ResponseTransferMode RESPONSE_STREAM) pass a streamed answer on as it
arrives. Answers the front door would refuse become its own error, so local runs fail
where AWS would.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from ..sources import source_for_key
from ..testing import build_event
from .routing import Route

HeaderPairs = list[tuple[str, str]]
Body = bytes | Iterator[bytes]
Reply = tuple[int, HeaderPairs, Body]

BAD_GATEWAY = (502, [("Content-Type", "application/json")], b'{"message":"Internal server error"}')
TIMEOUT = (504, [("Content-Type", "application/json")], b'{"message":"Endpoint request timed out"}')
NOT_FOUND = (404, [("Content-Type", "application/json")], b'{"message":"Not Found"}')
STREAM_ERROR = (500, [("Content-Type", "application/json")], b'{"message":"Internal server error"}')

PRELUDE_DELIMITER = b"\x00" * 8
PRELUDE_WINDOW = 16 * 1024
"""API Gateway wants the prelude's delimiter within the first 16 KB of the stream."""


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
    if kind == "function-url" and route is not None:
        # The URL's own domain, as on AWS (it is what marks the event as a Function URL's);
        # the Host header stays the local one the client used.
        url_id = re.sub(r"[^a-z0-9]+", "-", route.function.lower()).strip("-") or "local"
        event["requestContext"]["domainName"] = f"{url_id}.lambda-url.us-east-1.on.aws"
        event["requestContext"]["domainPrefix"] = url_id
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


def warn(message: str) -> None:
    print(f"  warning: {message}", file=sys.stderr, flush=True)


def reply_from_result(
    kind: str,
    result: Any,
    binary_types: tuple[str, ...],
    accept: str | None,
    event: dict[str, Any] | None = None,
) -> Reply:
    """The HTTP response for a function's buffered result, as the door of `kind` makes it."""
    source = source_for_key(kind)
    if kind == "rest" and isinstance(result, dict) and result.get("isBase64Encoded"):
        content_type = next(
            (
                str(v)
                for n, v in (result.get("headers") or {}).items()
                if n.lower() == "content-type"
            ),
            None,
        )
        first_accept = (accept or "").split(",")[0]
        # REST APIs decode only for the binary media types configured, else pass base64 on
        if not (
            media_type_matches(binary_types, content_type)
            or media_type_matches(binary_types, first_accept)
        ):
            result = {**result, "isBase64Encoded": False}
    try:
        response = source.decode_result(result, event or {})
    except ValueError as error:
        warn(f"{source.name} cannot use the function's result ({error}): answering 502")
        return BAD_GATEWAY
    assert isinstance(response.body, bytes)
    return response.status, response.headers, response.body


def reply_to_buffered(kind: str, result: Any) -> Reply:
    """A streaming door given a buffered result (the function did not stream)."""
    if kind == "rest":  # "API Gateway invokes your Lambda function and return a 500"
        warn("this REST method streams, but the function answered buffered: answering 500")
        return STREAM_ERROR
    warn("this Function URL streams, but the function answered buffered: its JSON is the body")
    return 200, [("Content-Type", "application/json")], json.dumps(result).encode("utf-8")


def reply_from_stream(kind: str, pieces: Iterator[bytes], door_streams: bool) -> Reply:
    """The HTTP response for a streamed answer: prelude first, then the body as it comes.

    A buffered door receives a stream as Lambda's Invoke API returns one, as raw bytes no
    door can read (502). A streaming door without a prelude in the first 16 KB answers 500.
    """
    if not door_streams:
        for _ in pieces:
            pass
        warn(
            "the function streamed its answer, but this front door invokes it buffered "
            "(Function URL InvokeMode / REST ResponseTransferMode): answering 502"
        )
        return BAD_GATEWAY
    head = b""
    for piece in pieces:
        head += piece
        if PRELUDE_DELIMITER in head or len(head) > PRELUDE_WINDOW:
            break
    prelude_text, found, rest = head.partition(PRELUDE_DELIMITER)
    if not found or len(prelude_text) > PRELUDE_WINDOW:
        for _ in pieces:
            pass
        warn("the streamed answer has no prelude and delimiter in its first 16 KB: answering 500")
        return STREAM_ERROR
    try:
        prelude = json.loads(prelude_text)
        if not isinstance(prelude, dict):
            raise ValueError("the prelude is not a JSON object")
        metadata = {"statusCode": 200, **prelude, "body": ""}
        response = source_for_key(kind).decode_result(metadata, {})
    except ValueError as error:
        for _ in pieces:
            pass
        warn(f"the streamed answer's prelude is not usable ({error}): answering 500")
        return STREAM_ERROR

    def body() -> Iterator[bytes]:
        if rest:
            yield rest
        yield from pieces

    return response.status, response.headers, body()
