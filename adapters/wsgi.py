"""Running a WSGI app (PEP 3333) on a `Request`.

Buffered: Lambda delivers one JSON payload, so the response is collected whole. "Headers
sent" still follows the PEP (the first non-empty body chunk), so `exc_info` behaves the
same as under a streaming server. No asyncio is imported on this path.
"""

from __future__ import annotations

import sys
from io import BytesIO

from ._log import logger
from .headers import to_latin1_bytes
from .model import Request, Response, plain_response
from .paths import split_mount

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from ._types import Environ, ExcInfo, HeaderList, WriteCallable, WSGIApp

    EnvironHook = Callable[[Environ, Request], None]
    """Called with each environ before the app runs, to add keys of its own (compat layers)."""

_SPECIAL_HEADERS = {"content-type": "CONTENT_TYPE", "content-length": None}


_ENVIRON_KEYS: dict[str, str] = {}


def _environ_key(name: str) -> str:
    """HTTP_* for a header name, remembered: the same few names arrive on every request."""
    key = "HTTP_" + name.upper().replace("-", "_")
    if len(_ENVIRON_KEYS) < 1024:  # bounded: names come from clients
        _ENVIRON_KEYS[name] = key
    return key


def build_environ(request: Request) -> Environ:
    """The WSGI environ for a request: latin-1 strings throughout, as PEP 3333 requires."""
    script_name, path_info = split_mount(request.raw_path, request.root_path)
    server_name, server_port = request.server or (
        "localhost",
        443 if request.scheme == "https" else 80,
    )
    environ: Environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": script_name.decode("latin-1"),
        "PATH_INFO": path_info.decode("latin-1"),
        "QUERY_STRING": request.query_string.decode("latin-1"),
        "CONTENT_LENGTH": str(len(request.body)),
        "SERVER_NAME": server_name,
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
        "aws.event": request.event,
        "aws.context": request.context,
    }
    if request.client is not None:
        environ["REMOTE_ADDR"] = request.client[0]
        environ["REMOTE_PORT"] = str(request.client[1])
    for name, value in request.headers:
        key = _SPECIAL_HEADERS.get(name, "")
        if key is None:
            continue  # CONTENT_LENGTH comes from the body actually received
        if not key:
            key = _ENVIRON_KEYS.get(name) or _environ_key(name)
        text = value if value.isascii() else to_latin1_bytes(value).decode("latin-1")
        if key in environ:
            separator = "; " if key == "HTTP_COOKIE" else ","
            environ[key] = f"{environ[key]}{separator}{text}"
        else:
            environ[key] = text
    return environ


class WSGIInterface:
    """Runs a WSGI app; any failure of the app becomes a logged, generic 500."""

    def __init__(self, app: WSGIApp, environ_hook: EnvironHook | None = None) -> None:
        self.app = app
        self.environ_hook = environ_hook

    def __call__(self, request: Request) -> Response:
        environ = build_environ(request)
        if self.environ_hook is not None:
            self.environ_hook(environ, request)
        return run_wsgi(self.app, environ)


class _Collector:
    """The start_response / write pair for one call, collecting the whole response."""

    __slots__ = ("chunks", "headers", "headers_sent", "status")

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: HeaderList = []
        self.chunks: list[bytes] = []
        self.headers_sent = False

    def start_response(
        self, status: str, headers: HeaderList, exc_info: ExcInfo | None = None
    ) -> WriteCallable:
        if exc_info is not None and exc_info[1] is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise RuntimeError("start_response() called a second time without exc_info")
        self.status = status
        self.headers = list(headers)
        return self.write

    def write(self, data: bytes) -> None:
        if self.status is None:
            raise RuntimeError("write() called before start_response()")
        if data:
            self.headers_sent = True
            self.chunks.append(bytes(data))


def run_wsgi(app: WSGIApp, environ: Environ) -> Response:
    collector = _Collector()
    try:
        result: Iterable[bytes] = app(environ, collector.start_response)
        try:
            for chunk in result:
                if chunk:
                    collector.write(chunk)
        finally:
            close: Any = getattr(result, "close", None)
            if close is not None:
                close()
        if collector.status is None:
            raise RuntimeError("the app returned without calling start_response()")
        status = parse_status(collector.status)
    except Exception:
        logger().exception(
            "Unhandled exception in WSGI app (%s %s)",
            environ["REQUEST_METHOD"], environ["SCRIPT_NAME"] + environ["PATH_INFO"],
        )  # fmt: skip
        return plain_response(500, "Internal Server Error")
    return Response(status, collector.headers, b"".join(collector.chunks))


def parse_status(status: str) -> int:
    """The code from a status line such as '200 OK'; anything else is an app bug."""
    code = status[:3]
    if len(code) != 3 or not code.isdigit() or (len(status) > 3 and status[3] != " "):
        raise ValueError(f"invalid WSGI status line {status!r}")
    return int(code)
