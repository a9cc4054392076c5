"""The neutral request and response every source, interface and driver speaks.

Each event source translates its event into a `Request` and renders a `Response` back in
its own shape; each app interface (WSGI, ASGI) answers a `Request` with a `Response`.
That keeps the cost of a new source, interface or driver to one module, never one per
pair.

A response body is either complete `bytes` or a stream the app is still producing: a
`SyncByteStream` (a WSGI iterable) or an `AsyncByteStream` (an ASGI app sending
`http.response.body` chunks). As in httpx, the two kinds are separate types, so a driver
without an event loop never has to start one for a WSGI app. Whoever takes a stream
must close it: closing before the end stops the app; after the end it releases what the
app holds (a WSGI iterable's `close()`, an ASGI app's background work).

Plain classes with `__slots__` instead of dataclasses: they are built on every
invocation, and `dataclasses` costs a measurable slice of a cold start.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from typing import Any, TypeAlias

    from ._types import HeaderList, LambdaContext, RequestHeaders

    Body: TypeAlias = "bytes | SyncByteStream | AsyncByteStream"


class Request:
    """One HTTP request, as the client sent it to the front door.

    `raw_path` is the full path the client asked for, percent-encoded, including any
    stage or base-path prefix; `root_path` is the decoded part of it that belongs to the
    mount point rather than to the app (it becomes `SCRIPT_NAME` / `root_path`).
    Header names are lowercase; repeated headers stay as separate pairs.
    """

    __slots__ = (
        "body",
        "client",
        "context",
        "event",
        "headers",
        "method",
        "query_string",
        "raw_path",
        "root_path",
        "scheme",
        "server",
    )

    def __init__(  # positional in the sources' hot paths: keywords cost 4,700 instructions
        self,
        method: str,
        raw_path: bytes,
        query_string: bytes = b"",
        headers: RequestHeaders | None = None,
        body: bytes = b"",
        scheme: str = "https",
        server: tuple[str, int] | None = None,
        client: tuple[str, int] | None = None,
        root_path: str = "",
        event: Any = None,
        context: LambdaContext = None,
    ) -> None:
        self.method = method
        self.raw_path = raw_path
        self.query_string = query_string
        self.headers: RequestHeaders = [] if headers is None else headers
        self.body = body
        self.scheme = scheme
        self.server = server
        self.client = client
        self.root_path = root_path
        self.event = event
        self.context = context

    def header(self, name: str) -> str | None:
        """The last value of a header (by lowercase name), or None."""
        found = None
        for key, value in self.headers:
            if key == name:
                found = value
        return found

    def __repr__(self) -> str:
        return (
            f"Request(method={self.method!r}, raw_path={self.raw_path!r}, "
            f"query_string={self.query_string!r}, root_path={self.root_path!r})"
        )


class SyncByteStream:
    """Body chunks produced while they are read, without an event loop.

    Iterating gives the chunks (never an empty one); an error the app raises after its
    status went out comes out of the iteration. `close()` is always called once.
    """

    __slots__ = ()

    def __iter__(self) -> Iterator[bytes]:
        yield from ()

    def close(self) -> None:
        """Stop the app if the body was not read to its end; release what it holds."""


class AsyncByteStream:
    """Body chunks produced on the event loop while they are read.

    `aclose()` is always awaited once: before the end it stops the app; after the end it
    waits for the app to return (work it does after the last chunk, such as background
    tasks, belongs to the same request).
    """

    __slots__ = ()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        nothing: tuple[bytes, ...] = ()
        for chunk in nothing:
            yield chunk

    async def aclose(self) -> None:
        """Stop the app if the body was not read to its end, else wait for it to return."""


class Response:
    """The app's response: status, header pairs as the app wrote them, and the body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: HeaderList | None = None, body: Body = b"") -> None:
        self.status = status
        self.headers: HeaderList = [] if headers is None else headers
        self.body: Body = body

    def header(self, name: str) -> str | None:
        """The last value of a header, matched without regard to case, or None."""
        name = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == name:
                found = value
        return found

    @property
    def streamed(self) -> bool:
        """True while the body is a stream the app is still producing."""
        return type(self.body) is not bytes

    def __repr__(self) -> str:
        body = self.body[:60] if isinstance(self.body, bytes) else type(self.body).__name__
        return f"Response(status={self.status}, headers={self.headers!r}, body={body!r})"


def plain_response(status: int, text: str) -> Response:
    """A short text/plain response written by the adapter itself (errors, refusals)."""
    body = text.encode("utf-8")
    return Response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        body,
    )


def read_sync(body: bytes | SyncByteStream) -> bytes:
    """A whole body from complete bytes or a sync stream (closed afterwards)."""
    if type(body) is bytes:
        return body
    assert isinstance(body, SyncByteStream)
    try:
        return b"".join(body)
    finally:
        body.close()


async def read_all(body: Body) -> bytes:
    """A whole body from any kind, closing a stream afterwards."""
    if type(body) is bytes:
        return body
    if isinstance(body, SyncByteStream):
        return read_sync(body)
    assert isinstance(body, AsyncByteStream)
    try:
        return b"".join([chunk async for chunk in body])
    finally:
        await body.aclose()
