"""`LambdaHandler`: the one object a user creates.

It recognises the event's source, builds the neutral request, runs the app through its
interface, checks the response, and renders it in the source's shape. Sources and
interfaces never meet except here.
"""

from __future__ import annotations

from time import perf_counter

from ._log import logger
from .access_log import access_emitter, write_json_line
from .bodies import DEFAULT_TEXT_MIME_TYPES, TextTypes
from .detect import detect_interface
from .errors import BadEventError
from .headers import find_unsafe_header
from .model import Request, Response, plain_response
from .paths import decode_path, encode_path, normalise_prefix, starts_with_segment
from .sources import detect_source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from ._types import Environ, Event, LambdaContext, LifespanMode
    from .access_log import AccessWriter
    from .detect import Interface
    from .sources.base import EventSource

_NO_BODY_STATUSES = frozenset({204, 304})


class LambdaHandler:
    """A Lambda handler for a WSGI or ASGI app: `handler = LambdaHandler(app)`.

    Options:
    - `interface`: "wsgi" or "asgi" when detection cannot tell.
    - `base_path`: the URL prefix clients use in front of the app on a custom domain
      (an API mapping such as "/v1"); it becomes SCRIPT_NAME / root_path.
    - `lifespan`: "auto" (run it if the app supports it), "on" (require it), "off".
    - `text_mime_types`: response types sent as text rather than base64; entries ending
      in "/" match a whole type, entries starting with "+" a suffix. A `TextTypes`
      instance (or subclass) is used as given.
    - `access_log`: True (default) writes one JSON line per request to stdout: request
      id, method, path, status, duration; False writes none; a callable receives the
      record (a dict) instead.
    - `environ_hook` (WSGI only): called as `hook(environ, request)` before each call of
      the app, to add environ keys of its own.

    Subclasses may override `text_types_for` to choose text or base64 per source.
    """

    def __init__(
        self,
        app: Any,
        *,
        interface: Interface | None = None,
        base_path: str | None = None,
        lifespan: LifespanMode = "auto",
        text_mime_types: Iterable[str] | TextTypes | None = None,
        environ_hook: Callable[[Environ, Request], None] | None = None,
        access_log: bool | AccessWriter = True,
    ) -> None:
        kind = interface or detect_interface(app)
        self.access_log: AccessWriter | None = (
            write_json_line if access_log is True else access_log or None
        )
        self._emit_access = None if self.access_log is None else access_emitter(self.access_log)
        self._cold = True
        self.app = app
        self.interface: Interface = kind
        self.base_path = normalise_prefix(base_path)
        if isinstance(text_mime_types, TextTypes):
            self.text_types = text_mime_types
        else:
            self.text_types = TextTypes(
                DEFAULT_TEXT_MIME_TYPES if text_mime_types is None else text_mime_types
            )
        self._run: Callable[[Request], Response]
        if kind == "wsgi":
            from .wsgi import WSGIInterface

            self._run = WSGIInterface(app, environ_hook)
        elif kind == "asgi":
            if environ_hook is not None:
                raise TypeError("environ_hook applies to WSGI apps only")
            from .asgi import ASGIInterface

            self._run = ASGIInterface(app, lifespan)
        else:
            raise ValueError(f"interface must be 'wsgi' or 'asgi', not {interface!r}")

    def __call__(self, event: Event, context: LambdaContext = None) -> Event:
        started = perf_counter()
        source = detect_source(event)
        request: Request | None = None
        try:
            request = source.parse(event, context)
        except BadEventError as exc:
            logger().warning("Malformed %s event: %s", source.name, exc)
            response = plain_response(400, f"Bad Request: {exc}")
        except Exception:
            logger().warning("Malformed %s event", source.name, exc_info=True)
            response = plain_response(400, "Bad Request")
        else:
            if self.base_path:
                mount_base_path(request, self.base_path)
            response = checked(request, self._run(request))
        result = self._render(source, response, event)
        if self._emit_access is not None:
            self._log_access(self._emit_access, source, request, response, started, context)
        return result

    def _log_access(
        self,
        emit: Callable[..., None],
        source: EventSource,
        request: Request | None,
        response: Response,
        started: float,
        context: LambdaContext,
    ) -> None:
        cold, self._cold = self._cold, False
        if request is None:
            method, path = "-", "-"
        else:
            method, path = request.method, decode_path(request.raw_path).decode("utf-8", "replace")
        try:
            emit(
                source=source.name,
                method=method,
                path=path,
                status=response.status,
                duration=perf_counter() - started,
                request_id=getattr(context, "aws_request_id", None),
                cold_start=cold,
            )
        except Exception:
            logger().exception("The access log writer failed")

    def _render(self, source: EventSource, response: Response, event: Event) -> Event:
        return source.render(response, event, self.text_types_for(source, event))

    def text_types_for(self, source: EventSource, event: Event) -> TextTypes:
        """The text-or-base64 choice for responses to this event (one for all, by default)."""
        return self.text_types

    def close(self) -> None:
        """Run the ASGI lifespan shutdown now (normally SIGTERM does it)."""
        close = getattr(self._run, "close", None)
        if close is not None:
            close()


def mount_base_path(request: Request, base_path: str) -> None:
    """Report `base_path` as the mount point, whether or not the front door kept it.

    REST APIs keep a custom domain's base path mapping in `path`; HTTP API mappings are
    reported to strip it. Either way the client's URL has it, so links must too. A stage
    prefix (default execute-api domain) already is the mount point and wins.
    """
    if request.root_path:
        return
    if not starts_with_segment(decode_path(request.raw_path), base_path.encode("utf-8")):
        request.raw_path = encode_path(base_path) + request.raw_path
    request.root_path = base_path


def checked(request: Request, response: Response) -> Response:
    """Refuse unsafe headers; drop bodies that HTTP forbids (HEAD, 1xx, 204, 304)."""
    problem = find_unsafe_header(response.headers)
    if problem is not None:
        logger().error("Response replaced by a 500: the app sent an %s", problem)
        return plain_response(500, "Internal Server Error")
    if response.body and (
        request.method == "HEAD" or response.status in _NO_BODY_STATUSES or response.status < 200
    ):
        response.body = b""
    return response
