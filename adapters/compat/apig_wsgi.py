"""`make_lambda_handler`: a drop-in for apig-wsgi 2.20's, on top of `LambdaHandler`.

Same arguments, same result shapes, the same environ extras (`apig_wsgi.full_event`,
`apig_wsgi.request_context`, `apig_wsgi.multi_value_headers`, `apig_wsgi.context`) and
the same text-or-base64 decision: `binary_support` defaults to off for payload 1.0 (REST
APIs, HTTP APIs with 1.0) and on for ALB; payload 2.0 always has it on; with it on, a
response is base64 unless its Content-Type starts with one of
`non_binary_content_type_prefixes`, and any Content-Encoding makes it base64.
Deliberate differences (each one a fix; see docs/migrating.md):

- An exception in the app becomes a logged 500 response instead of a failed invocation
  (which API Gateway turns into a 502 and ALB into a 502 as well).
- A body that is not UTF-8 (or is compressed) goes as base64 even with binary support
  off, instead of failing with UnicodeDecodeError.
- `REMOTE_ADDR` is the client address AWS reports (REST/HTTP API `sourceIp`, the hop ALB
  appended to X-Forwarded-For), not "127.0.0.1" or the client-supplied first hop.
- `wsgi.url_scheme` defaults to "https" behind API Gateway (HTTPS only); `SERVER_PORT`
  follows the scheme when no X-Forwarded-Port arrives.
- A REST/HTTP API stage on the execute-api domain goes into `SCRIPT_NAME`, so
  `url_for` builds links that work; apig-wsgi leaves `SCRIPT_NAME` empty.
- Repeated Cookie headers are joined with "; " (RFC 6265), not ",".
- `PATH_INFO` is the UTF-8 bytes of the path as latin-1 (PEP 3333) even when the front
  door hands over a decoded non-ASCII path.
- Single-value ALB responses keep every Set-Cookie (as case variants of the name); apig-wsgi
  keeps the last only. HEAD/204/304 bodies are dropped; CR/LF in a header becomes a 500.
- Also accepts VPC Lattice and Lambda@Edge events (binary support on by default); an
  unrecognised event raises `UnknownEventError`, a ValueError as apig-wsgi's error is.
- Payload 2.0 responses comma-join a repeated header (apig-wsgi keeps the last value).
- A Content-Encoding of "identity" does not force base64; no stray `HTTP: "on"` key.
- A Function URL `rawQueryString` loses a leading "?" (the AWS field table shows one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .._bodies import TextTypes
from .._types import Environ, Event
from ..handler import LambdaHandler
from ..model import Request
from ..sources.apigateway_v1 import ApiGatewayV1Source
from ..sources.apigateway_v2 import HttpApiV2Source
from ..sources.base import EventSource

DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES: tuple[str, ...] = (
    "text/",
    "application/json",
    "application/problem+json",
    "application/vnd.api+json",
)
"""apig-wsgi's default: responses with these Content-Type prefixes go as text."""


class PrefixTextTypes(TextTypes):
    """apig-wsgi's rule: text when the Content-Type starts with one of the prefixes."""

    __slots__ = ("starts",)

    def __init__(self, prefixes: Iterable[str]) -> None:
        super().__init__(())
        self.starts = tuple(prefixes)

    def is_text(self, content_type: str | None) -> bool:
        return bool(content_type) and str(content_type).startswith(self.starts)


class AllText(TextTypes):
    """Binary support off: every body goes as text (base64 only when it cannot be text)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(())

    def is_text(self, content_type: str | None) -> bool:
        return True


class ApigWsgiHandler(LambdaHandler):
    """The handler `make_lambda_handler` returns."""

    def __init__(
        self,
        wsgi_app: Any,
        binary_support: bool | None = None,
        non_binary_content_type_prefixes: Iterable[str] | None = None,
    ) -> None:
        prefixes = (
            DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES
            if non_binary_content_type_prefixes is None
            else tuple(non_binary_content_type_prefixes)
        )
        self.binary = PrefixTextTypes(prefixes)
        self.all_text = AllText()
        self.binary_support = binary_support
        super().__init__(
            wsgi_app, interface="wsgi", text_mime_types=self.binary, environ_hook=apig_environ
        )

    def text_types_for(self, source: EventSource, event: Event) -> TextTypes:
        if isinstance(source, HttpApiV2Source):
            return self.binary  # apig-wsgi always supports binary on payload 2.0
        default = not isinstance(source, ApiGatewayV1Source)  # off for 1.0, on for ALB
        on = default if self.binary_support is None else self.binary_support
        return self.binary if on else self.all_text


def apig_environ(environ: Environ, request: Request) -> None:
    """The keys apig-wsgi adds to every environ."""
    event = request.event
    if isinstance(event, dict):
        if "requestContext" in event:
            environ["apig_wsgi.request_context"] = event["requestContext"]
        environ["apig_wsgi.multi_value_headers"] = "multiValueHeaders" in event
    else:  # pragma: no cover - the handler always passes the event dict
        environ["apig_wsgi.multi_value_headers"] = False
    environ["apig_wsgi.full_event"] = event
    environ["apig_wsgi.context"] = request.context


def make_lambda_handler(
    wsgi_app: Any,
    binary_support: bool | None = None,
    non_binary_content_type_prefixes: Iterable[str] | None = None,
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A Lambda handler for `wsgi_app`, as `apig_wsgi.make_lambda_handler` makes one."""
    return ApigWsgiHandler(wsgi_app, binary_support, non_binary_content_type_prefixes)
