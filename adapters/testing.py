"""Testing an app behind any front door without AWS: realistic events in, client view out.

    from adapters.testing import build_event, client_response

    event = build_event("http", method="POST", path="/notes", body='{"title": "x"}',
                        headers=[("Content-Type", "application/json")])
    response = client_response(event, handler(event, None))
    assert response.status == 201

Describe the request once (method, path, query, headers, body) and `build_event` gives
the event each front door would send for it, with that door's encodings: decoded query
maps for API Gateway 1.0, a raw query string for 2.0 and CloudFront, raw values for ALB,
comma-joined or list-valued headers, base64 bodies for binary content. `client_response`
reads the function's result back the way the same front door would (the door's 502 is a
ValueError). Each source module owns both directions of its format.
"""

from __future__ import annotations

from urllib.parse import quote

from .sources import SOURCE_KEYS, detect_source, source_for_key
from .sources.base import split_stream

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from ._types import Event
    from .model import Response
    from .sources.base import EventSource

SOURCE_NAMES = SOURCE_KEYS
"""The short names `build_event` takes: "rest", "http-v1", "http", "function-url", ..."""

DEFAULT_DOMAINS = {
    "rest": "abc123defg.execute-api.us-east-1.amazonaws.com",
    "http-v1": "abc123defg.execute-api.us-east-1.amazonaws.com",
    "http": "abc123defg.execute-api.us-east-1.amazonaws.com",
    "function-url": "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
    "alb": "my-alb-1234567890.us-east-1.elb.amazonaws.com",
    "lattice-v1": "my-service-0123456789abcdef.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
    "lattice-v2": "my-service-0123456789abcdef.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
    "edge": "d111111abcdef8.cloudfront.net",
}

_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")
_QUERY_SAFE = "/:@!$'()*,;?"


class ExampleRequest:
    """One client request, described independently of any front door.

    `path` is percent-encoded and has no stage prefix; `query` holds decoded pairs and
    `raw_query` the same pairs encoded as a browser sends them; `body` is the text the
    event carries (base64 when `is_base64`).
    """

    __slots__ = (
        "body", "domain", "edge_event_type", "headers", "is_base64", "method", "multi_value",
        "path", "query", "raw_query", "source_ip", "stage",
    )  # fmt: skip

    def __init__(
        self, *, method: str, path: str, query: list[tuple[str, str]], raw_query: str,
        headers: list[tuple[str, str]], body: str, is_base64: bool, stage: str | None,
        domain: str, source_ip: str, multi_value: bool = True,
        edge_event_type: str = "origin-request",
    ) -> None:  # fmt: skip
        self.method = method
        self.path = path
        self.query = query
        self.raw_query = raw_query
        self.headers = headers
        self.body = body
        self.is_base64 = is_base64
        self.stage = stage
        self.domain = domain
        self.source_ip = source_ip
        self.multi_value = multi_value
        self.edge_event_type = edge_event_type


def build_event(
    source: str | EventSource,
    *,
    method: str = "GET",
    path: str = "/",
    query: Sequence[tuple[str, str]] = (),
    headers: Sequence[tuple[str, str]] = (),
    body: bytes | str = b"",
    base64: bool | None = None,
    stage: str | None = None,
    domain: str | None = None,
    source_ip: str = "198.51.100.7",
    multi_value: bool = True,
    edge_event_type: str = "origin-request",
) -> Event:
    """The event `source` sends for this request.

    `path` is the percent-encoded path the client asked for, without any stage prefix
    (`stage` adds it where the source shows it). `query` and `headers` are decoded pairs
    in order; repeated names are repeated pairs. `base64` defaults to True for a body
    that is not text by its Content-Type, as the front doors do. `multi_value` picks ALB
    multi-value header mode; `edge_event_type` the Lambda@Edge trigger. `source` may
    also be an `EventSource` instance (a front door of your own).
    """
    door = source_for_key(source) if isinstance(source, str) else source
    domain = domain or DEFAULT_DOMAINS.get(door.key, "example.com")
    header_list = list(headers)
    if not any(name.lower() == "host" for name, _ in header_list):
        header_list.insert(0, ("Host", domain))
    raw_body = body.encode("utf-8") if isinstance(body, str) else body
    if base64 is None:
        content_type = next((v for n, v in header_list if n.lower() == "content-type"), "")
        base64 = bool(raw_body) and not content_type.lower().startswith(_TEXT_TYPES)
    body_text = ""
    if not base64:
        try:
            body_text = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            base64 = True
    if base64:
        import binascii

        body_text = binascii.b2a_base64(raw_body, newline=False).decode("ascii")
    raw_query = "&".join(
        f"{quote(k, safe=_QUERY_SAFE)}={quote(v, safe=_QUERY_SAFE)}" for k, v in query
    )
    request = ExampleRequest(
        method=method.upper(), path=path, query=list(query), raw_query=raw_query,
        headers=header_list, body=body_text, is_base64=base64, stage=stage, domain=domain,
        source_ip=source_ip, multi_value=multi_value, edge_event_type=edge_event_type,
    )  # fmt: skip
    return door.example_event(request)


def client_response(event: Event, result: Any, sources: Sequence[EventSource] = ()) -> Response:
    """What the client of the front door that sent `event` receives for `result`.

    `result` is a handler's return value, or the bytes of a streamed response (HTTP
    integration prelude, eight NUL bytes, body). Raises ValueError where the front door
    would answer 502 instead. `sources` are front doors of your own, tried first (as
    `LambdaHandler(sources=...)` tries them).
    """
    source = detect_source(event, sources)
    if isinstance(result, (bytes, bytearray)):
        prelude, body = split_stream(bytes(result))
        response = source.decode_result({**prelude, "body": ""}, event)
        response.body = body
        return response
    return source.decode_result(result, event)
