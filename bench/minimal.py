"""The smallest correct-ish Lambda adapter a competent engineer would write by hand.

It is the floor for `adapters` in `bench/instructions.py`: what translating an API Gateway
event (HTTP API payload 2.0 or REST API 1.0) into a WSGI environ or an ASGI scope, calling
the app and building the response dict costs when nothing else is done. What it does:

- the environ / scope from the event's method, path, query, headers (cookies folded back
  into `Cookie` for 2.0, multi-value headers joined for 1.0), body (base64 decoded when
  the event says so), Host, X-Forwarded-Proto and X-Forwarded-Port, the source IP;
- the response as the event's format expects it: `headers` plus `cookies` for 2.0,
  `multiValueHeaders` for 1.0; the body as text for text types, base64 otherwise.

What it does not do (and `adapters` does): other front doors, stage or base-path mounting,
header validation, bodies dropped for HEAD/204/304, lifespan, streaming, an access log,
error responses for malformed events. An ASGI app is stepped by hand
(`coro.send(None)`); only if it suspends on a future does the rest run on an event loop,
and while stepped there is no running loop, so an app that calls
`asyncio.get_running_loop()` before its first real await needs `loop=True`, which runs
every call with `loop.run_until_complete` as Mangum and `LambdaHandler` do.
"""

from __future__ import annotations

import sys
from binascii import a2b_base64, b2a_base64
from collections.abc import Callable, Generator, Iterable
from io import BytesIO
from typing import Any
from urllib.parse import unquote_to_bytes, urlencode

Event = dict[str, Any]
Handler = Callable[[Event, Any], Event]

TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/x-www-form-urlencoded",
)


class Parsed:
    """The parts of the request both interfaces need, read from the event once."""

    __slots__ = ("body", "headers", "method", "path", "query", "remote", "v2")

    def __init__(self, event: Event) -> None:
        self.v2 = event.get("version") == "2.0"
        headers: dict[str, str]
        if self.v2:
            http = event["requestContext"]["http"]
            self.method: str = http["method"]
            self.path: str = event["rawPath"]
            self.query: str = event.get("rawQueryString") or ""
            headers = dict(event.get("headers") or {})  # names already lower case
            cookies = event.get("cookies")
            if cookies:
                headers["cookie"] = "; ".join(cookies)
            self.remote: str = http.get("sourceIp", "")
        else:
            self.method = event["httpMethod"]
            self.path = event["path"]
            multi_query = event.get("multiValueQueryStringParameters")
            if multi_query:
                self.query = urlencode(
                    [(key, value) for key, values in multi_query.items() for value in values]
                )
            else:
                self.query = urlencode(event.get("queryStringParameters") or {})
            multi = event.get("multiValueHeaders")
            if multi:
                headers = {name.lower(): ",".join(values) for name, values in multi.items()}
            else:
                headers = {
                    name.lower(): value for name, value in (event.get("headers") or {}).items()
                }
            identity = event.get("requestContext", {}).get("identity") or {}
            self.remote = identity.get("sourceIp", "")
        self.headers = headers
        body = event.get("body") or ""
        self.body: bytes = a2b_base64(body) if event.get("isBase64Encoded") else body.encode()

    def path_bytes(self) -> bytes:
        """The path with its percent-escapes decoded, as bytes."""
        if "%" in self.path:
            return unquote_to_bytes(self.path)
        return self.path.encode("utf-8")


def build_environ(event: Event) -> dict[str, Any]:
    """The WSGI environ for an API Gateway event."""
    request = Parsed(event)
    headers = request.headers
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": request.path_bytes().decode("latin-1"),
        "QUERY_STRING": request.query,
        "SERVER_NAME": headers.get("host", "localhost").partition(":")[0],
        "SERVER_PORT": headers.get("x-forwarded-port", "443"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": request.remote,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": headers.get("x-forwarded-proto", "https"),
        "wsgi.input": BytesIO(request.body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    if request.body and "CONTENT_LENGTH" not in environ:
        environ["CONTENT_LENGTH"] = str(len(request.body))
    return environ


def build_scope(event: Event) -> tuple[dict[str, Any], bytes]:
    """The ASGI HTTP scope for an API Gateway event, and the request body."""
    request = Parsed(event)
    headers = request.headers
    decoded = request.path_bytes()
    host = headers.get("host", "localhost").partition(":")[0]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": headers.get("x-forwarded-proto", "https"),
        "path": decoded.decode("utf-8", "replace"),
        "raw_path": request.path.encode("utf-8"),
        "query_string": request.query.encode("latin-1", "replace"),
        "root_path": "",
        "headers": [
            (name.encode("latin-1"), value.encode("utf-8")) for name, value in headers.items()
        ],
        "client": (request.remote, 0),
        "server": (host, int(headers.get("x-forwarded-port", "443"))),
    }
    return scope, request.body


def is_text(content_type: str) -> bool:
    content_type = content_type.lower()
    return content_type.startswith(TEXT_TYPES) or content_type.split(";")[0].endswith(
        ("+json", "+xml")
    )


def render(v2: bool, status: int, headers: Iterable[tuple[str, str]], body: bytes) -> Event:
    """The Lambda response for the event's format."""
    content_type = ""
    result: Event = {"statusCode": status}
    if v2:
        single: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in headers:
            key = name.lower()
            if key == "set-cookie":
                cookies.append(value)
                continue
            if key == "content-type":
                content_type = value
            single[key] = f"{single[key]},{value}" if key in single else value
        result["headers"] = single
        if cookies:
            result["cookies"] = cookies
    else:
        multi: dict[str, list[str]] = {}
        for name, value in headers:
            if name.lower() == "content-type":
                content_type = value
            multi.setdefault(name, []).append(value)
        result["multiValueHeaders"] = multi
    if body and not is_text(content_type):
        result["body"] = b2a_base64(body, newline=False).decode("ascii")
        result["isBase64Encoded"] = True
        return result
    try:
        result["body"] = body.decode("utf-8")
        result["isBase64Encoded"] = False
    except UnicodeDecodeError:
        result["body"] = b2a_base64(body, newline=False).decode("ascii")
        result["isBase64Encoded"] = True
    return result


def wsgi_handler(app: Callable[..., Iterable[bytes]]) -> Handler:
    """`handler(event, context)` for a WSGI app."""

    def handler(event: Event, context: Any = None) -> Event:
        environ = build_environ(event)
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            if exc_info is not None and started and chunks:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return chunks.append

        result = app(environ, start_response)
        try:
            for chunk in result:
                if chunk:
                    chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        return render(environ_v2(event), int(status[:3]), headers, b"".join(chunks))

    return handler


def environ_v2(event: Event) -> bool:
    return event.get("version") == "2.0"


class _Rest:
    """The rest of a coroutine that suspended on a future, as an awaitable a Task can run."""

    def __init__(self, coro: Any, pending: Any) -> None:
        self.coro = coro
        self.pending = pending

    def __await__(self) -> Generator[Any, Any, None]:
        coro, value = self.coro, self.pending
        while True:
            try:
                sent = yield value
            except BaseException as exc:  # thrown into the app, as a Task does
                try:
                    value = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    value = coro.send(sent)
                except StopIteration:
                    return


async def _finish(rest: _Rest) -> None:
    await rest


def asgi_handler(app: Callable[..., Any], loop: bool = False) -> Handler:
    """`handler(event, context)` for an ASGI app (HTTP only, no lifespan)."""
    state: dict[str, Any] = {}

    def event_loop() -> Any:
        if "loop" not in state:
            import asyncio

            state["loop"] = asyncio.new_event_loop()
        return state["loop"]

    def handler(event: Event, context: Any = None) -> Event:
        scope, body = build_scope(event)
        request: list[dict[str, Any]] = [{"type": "http.request", "body": body, "more_body": False}]
        started: list[Any] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return request.pop() if request else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                started[:] = [message["status"], message.get("headers", ())]
            elif kind == "http.response.body":
                chunks.append(message.get("body", b""))

        coro = app(scope, receive, send)
        if loop:
            event_loop().run_until_complete(coro)
        else:
            try:
                pending = coro.send(None)
            except StopIteration:
                pass
            else:
                event_loop().run_until_complete(_finish(_Rest(coro, pending)))
        if not started:
            return {"statusCode": 502, "body": "", "isBase64Encoded": False}
        status, raw_headers = started
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw_headers]
        return render(environ_v2(event), int(status), headers, b"".join(chunks))

    return handler
