"""Running a WSGI app (PEP 3333) on a `Request`.

The app's iterable is the response body: a buffered answer reads it whole; a streamed
answer hands it on chunk by chunk as a `SyncByteStream`, in the caller's thread, with no
event loop and no extra thread. Either way the status and headers count as sent at the
first non-empty chunk (the PEP's rule), so `exc_info` behaves as under a real server.
No asyncio is imported on this path.
"""

from __future__ import annotations

import sys
from io import BytesIO
from urllib.parse import unquote_to_bytes

from ._headers import to_latin1_bytes
from ._log import logger
from ._paths import split_mount
from .errors import AppStreamError
from .model import Request, Response, SyncByteStream, plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any

    from ._types import Environ, ExcInfo, HeaderList, WriteCallable, WSGIApp

    EnvironHook = Callable[[Environ, Request], None]
    """Called with each environ before the app runs, to add keys of its own (compat layers)."""

_DICT_ITEMS: type = type({}.items())
_ENVIRON_KEYS: dict[str, str] = {"content-type": "CONTENT_TYPE", "content-length": ""}
"""The environ key of each header name seen ("" for one that is not passed on), kept:
the same few names arrive on every request."""


def _environ_key(name: str) -> str:
    """HTTP_X_NAME for a header name; "~HTTP_X_NAME" for a name with an underscore.

    CGI's mapping makes `X-Forwarded_For` and `X-Forwarded-For` one key, so a client could
    overwrite a header the front door sets (and pose as another client behind ProxyFix).
    A name with an underscore therefore never replaces or joins a hyphenated one: it
    fills its key only when no hyphenated header did (docs/security.md). nginx and
    gunicorn drop such names altogether; VPC Lattice sends `user_agent` this way.
    """
    key = "HTTP_" + name.upper().replace("-", "_")
    if "_" in name:
        key = "~" + key
    if len(_ENVIRON_KEYS) < 1024:  # bounded: names come from clients
        _ENVIRON_KEYS[name] = key
    return key


def _add_underscored(environ: Environ, late: list[tuple[str, str]]) -> None:
    for key, value in late:
        if key[1:] not in environ:
            environ[key[1:]] = value


def build_environ(request: Request) -> Environ:
    """The WSGI environ for a request: latin-1 strings throughout, as PEP 3333 requires."""
    raw_path = request.raw_path
    if request.root_path:
        script, path = split_mount(raw_path, request.root_path)
        script_name = script.decode("latin-1")
    else:
        path = unquote_to_bytes(raw_path) if b"%" in raw_path else raw_path
        script_name = ""
    server = request.server
    if server is None:
        server = ("localhost", 443 if request.scheme == "https" else 80)
    body = request.body
    environ: Environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path.decode("latin-1"),
        "QUERY_STRING": request.query_string.decode("latin-1"),
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
        "aws.event": request.event,
        "aws.context": request.context,
    }
    client = request.client
    if client is not None:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    keys = _ENVIRON_KEYS
    headers = request.headers
    late: list[tuple[str, str]] | None = None
    if type(headers) is _DICT_ITEMS:  # unique names, ASCII values (RequestHeaders)
        for name, value in headers:
            key = keys.get(name)
            if key is None:
                key = _environ_key(name)
            if key:  # "" for Content-Length, which comes from the body actually received
                if key[0] != "~":
                    environ[key] = value
                elif late is None:
                    late = [(key, value)]
                else:
                    late.append((key, value))
        if late is not None:
            _add_underscored(environ, late)
        return environ
    for name, given in headers:
        key = keys.get(name)
        if key is None:
            key = _environ_key(name)
        elif not key:
            continue  # CONTENT_LENGTH comes from the body actually received
        value = given if given.isascii() else to_latin1_bytes(given).decode("latin-1")
        if key[0] == "~":
            if late is None:
                late = []
            late.append((key, value))
        elif key in environ:
            environ[key] = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ','}{value}"
        else:
            environ[key] = value
    if late is not None:
        _add_underscored(environ, late)
    return environ


class WSGIInterface:
    """Runs a WSGI app; any failure of the app before its body starts is a logged 500."""

    __slots__ = ("app", "environ_hook")

    def __init__(self, app: WSGIApp, environ_hook: EnvironHook | None = None) -> None:
        self.app = app
        self.environ_hook = environ_hook

    def answer(self, request: Request, stream: bool = False) -> Response:
        environ = build_environ(request)
        if self.environ_hook is not None:
            self.environ_hook(environ, request)
        return run_wsgi(self.app, environ, stream)

    async def respond(self, request: Request, stream: bool = False) -> Response:
        """`answer` as a coroutine that never awaits: drivers without a loop step it once."""
        return self.answer(request, stream)


class _Call:
    """The start_response / write pair for one call of the app."""

    __slots__ = ("headers", "headers_sent", "status", "written")

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: HeaderList = []
        self.written: list[bytes] = []
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
            self.written.append(bytes(data))


def _describe(environ: Environ) -> str:
    return f"{environ['REQUEST_METHOD']} {environ['SCRIPT_NAME']}{environ['PATH_INFO']}"


def _close(result: object) -> None:
    if type(result) is not list:
        close: Any = getattr(result, "close", None)
        if close is not None:
            close()


def run_wsgi(app: WSGIApp, environ: Environ, stream: bool = False) -> Response:
    """Call the app; with `stream`, return at its first body chunk with the rest to come."""
    call = _Call()
    result: Iterable[bytes] | None = None
    try:
        result = app(environ, call.start_response)
        iterator = iter(result)
        if stream and type(result) is not list:  # a list is complete: nothing to wait for
            first = _first_chunk(call, iterator)
            if first is not None:
                status = parse_status(call.status)
                return Response(status, call.headers, _WSGIBody(call, first, iterator, result))
        else:
            written = call.written
            for chunk in iterator:
                if chunk:
                    call.headers_sent = True
                    written.append(chunk if type(chunk) is bytes else bytes(chunk))
        _close(result)
        result = None
        line = call.status
        # "200 OK": three digits and a space; anything else the full check decides.
        if type(line) is str and len(line) > 4 and line[3] == " " and line[:3].isdecimal():
            status = int(line[:3])
        else:
            status = parse_status(line)
    except Exception:
        logger().exception("Unhandled exception in WSGI app (%s)", _describe(environ))
        if result is not None:
            try:
                _close(result)
            except Exception:
                logger().exception("The WSGI app's close() failed (%s)", _describe(environ))
        return plain_response(500, "Internal Server Error")
    except BaseException:  # interrupted (the deadline, KeyboardInterrupt): close, then go on
        if result is not None:
            try:
                _close(result)
            except Exception:
                logger().exception("The WSGI app's close() failed (%s)", _describe(environ))
        raise
    return Response(status, call.headers, b"".join(call.written))


def _first_chunk(call: _Call, iterator: Iterator[bytes]) -> bytes | None:
    """Read up to the first non-empty chunk (the headers are then sent); None at the end."""
    if call.written:
        return b""  # write() already produced body bytes
    for chunk in iterator:
        if chunk:
            call.headers_sent = True
            return bytes(chunk)
        if call.written:
            return b""
    return None


class _WSGIBody(SyncByteStream):
    """The rest of a WSGI response, read from the app's iterable as the driver asks."""

    __slots__ = ("_call", "_closed", "_first", "_iterator", "_result")

    def __init__(
        self, call: _Call, first: bytes, iterator: Iterator[bytes], result: Iterable[bytes]
    ) -> None:
        self._call = call
        self._first = first
        self._iterator = iterator
        self._result = result
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        written = self._call.written
        if self._first:
            yield self._first
        try:
            for chunk in self._iterator:
                while written:
                    yield written.pop(0)
                if chunk:
                    yield bytes(chunk)
            while written:
                yield written.pop(0)
        except Exception as error:
            logger().exception("WSGI app failed while streaming its response")
            raise AppStreamError("the WSGI app failed while streaming its response") from error

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                _close(self._result)
            except Exception:
                logger().exception("The WSGI app's close() failed")


def parse_status(status: str | None) -> int:
    """The code from a status line such as '200 OK'; anything else is an app bug."""
    if status is None:
        raise RuntimeError("the app returned without calling start_response()")
    code = status[:3] if type(status) is str else ""
    if len(code) != 3 or not code.isdecimal() or (len(status) > 3 and status[3] != " "):
        raise ValueError(f"invalid WSGI status line {status!r}")
    return int(code)
