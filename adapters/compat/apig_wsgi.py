"""`make_lambda_handler`: a drop-in for apig-wsgi 2.20's, on top of `LambdaHandler`.

Same arguments, the events apig-wsgi accepts (`_apig_sources`), the same result dicts,
environ extras (`apig_wsgi.full_event`, `apig_wsgi.request_context`,
`apig_wsgi.multi_value_headers`, `apig_wsgi.context`), exceptions and text-or-base64
decision: `binary_support` defaults to off for payload 1.0 (REST APIs, HTTP APIs with 1.0)
and on for ALB; payload 2.0 always has it on; with it on, a response is base64 unless its
Content-Type starts with one of `non_binary_content_type_prefixes`, and any
Content-Encoding makes it base64. apig-wsgi's own suite runs against it
(tests/peer_suites). Deliberate differences (each one a fix; see docs/migrating.md):

- `REMOTE_ADDR` is the client address AWS reports (REST/HTTP API `sourceIp`, the hop ALB
  appended to X-Forwarded-For), not the client-supplied first hop.
- `SERVER_NAME`, `SERVER_PORT` and `wsgi.url_scheme` follow PEP 3333 and the front door
  when no header names them ("https" and "443" behind API Gateway), never "".
- A body that is not UTF-8 (or is compressed) goes as base64 even with binary support
  off, instead of failing with UnicodeDecodeError.
- A REST/HTTP API stage on the execute-api domain goes into `SCRIPT_NAME`, so
  `url_for` builds links that work; apig-wsgi leaves `SCRIPT_NAME` empty.
- Repeated Cookie headers of payload 1.0 are joined with "; " (RFC 6265), not ",".
- `PATH_INFO` is the UTF-8 bytes of the path as latin-1 (PEP 3333) even when the front
  door hands over a decoded non-ASCII path.
- Single-value results keep every Set-Cookie (as case variants of the name) and comma-join
  other repeated headers; apig-wsgi keeps the last value only. HEAD/204/304 bodies are
  dropped; CR/LF in a header becomes a 500.
- Also accepts VPC Lattice and Lambda@Edge events (binary support on by default); an
  unrecognised event raises `UnknownEventError`, a ValueError as apig-wsgi's error is.
- A Content-Encoding of "identity" does not force base64; no stray `HTTP: "on"` key.
- A Function URL `rawQueryString` loses a leading "?" (the AWS field table shows one).
"""

from __future__ import annotations

from .._bodies import TextTypes
from ..errors import UnknownEventError
from ..handler import LambdaHandler
from ..model import Request
from ..sources.apigateway_v1 import ApiGatewayV1Source
from ..sources.apigateway_v2 import HttpApiV2Source
from ..sources.base import EventSource
from ._apig_sources import APIG_SOURCES, UnknownVersionError, apig_environ, event_version

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from .._types import Environ, Event, ExcInfo, LambdaContext

__all__ = ["DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES", "ExcInfo", "make_lambda_handler"]

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
        self.wsgi_app = wsgi_app
        self._raised: list[BaseException] = []
        super().__init__(
            self._call_app,
            interface="wsgi",
            text_mime_types=self.binary,
            environ_hook=_environ,
            sources=APIG_SOURCES,
            access_log=False,
        )

    def __call__(self, event: Event, context: LambdaContext = None) -> Event:
        try:
            result = super().__call__(event, context)
        except UnknownEventError:
            version = event_version(event)
            if version not in (None, "1.0", "2.0"):
                raise UnknownVersionError(version) from None
            raise
        if self._raised:  # apig-wsgi lets the app's exception fail the invocation
            error = self._raised.pop()
            self._raised.clear()
            raise error
        return result

    def _call_app(self, environ: Environ, start_response: Any) -> Any:
        """The app, with apig-wsgi's two ways of failing: an exception from the app, and
        an `exc_info` given to start_response, both raised out of the handler."""

        def apig_start_response(status: str, headers: Any, exc_info: ExcInfo | None = None) -> Any:
            if exc_info is not None and exc_info[1] is not None:
                self._raised.append(exc_info[1].with_traceback(exc_info[2]))
                raise self._raised[-1]
            return start_response(status, headers)

        try:
            return self.wsgi_app(environ, apig_start_response)
        except Exception as error:  # raised by __call__, not logged as ours here
            if not self._raised:
                self._raised.append(error)
            start_response("500 Internal Server Error", [])
            return []

    def text_types_for(self, source: EventSource, event: Event) -> TextTypes:
        if isinstance(source, HttpApiV2Source):
            return self.binary  # apig-wsgi always supports binary on payload 2.0
        default = not isinstance(source, ApiGatewayV1Source)  # off for 1.0, on for ALB
        on = default if self.binary_support is None else self.binary_support
        return self.binary if on else self.all_text


def _environ(environ: Environ, request: Request) -> None:
    """The keys apig-wsgi adds to every environ, and the ones it sets its own way."""
    apig_environ(environ, request)
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


def __getattr__(name: str) -> object:
    if name == "ExcInfo":  # the exc_info type apig-wsgi exports, without `typing` up front
        from .._types import ExcInfo

        return ExcInfo
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
