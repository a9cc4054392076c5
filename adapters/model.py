"""The neutral request and response every source and every interface speaks.

Each event source translates its event into a `Request` and renders a `Response` back in
its own shape; each app interface (WSGI, ASGI) runs an app from a `Request`. That keeps
the cost of a new source or a new interface to one module, never one per pair.

Plain classes with `__slots__` instead of dataclasses: they are built on every
invocation, and `dataclasses` costs a measurable slice of a cold start.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._types import HeaderList, LambdaContext


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

    def __init__(
        self,
        *,
        method: str,
        raw_path: bytes,
        query_string: bytes = b"",
        headers: HeaderList | None = None,
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
        self.headers: HeaderList = [] if headers is None else headers
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


class Response:
    """One complete HTTP response from the app, before a source renders it."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: HeaderList | None = None, body: bytes = b"") -> None:
        self.status = status
        self.headers: HeaderList = [] if headers is None else headers
        self.body = body

    def header(self, name: str) -> str | None:
        """The last value of a header, matched without regard to case, or None."""
        name = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == name:
                found = value
        return found

    def __repr__(self) -> str:
        return f"Response(status={self.status}, headers={self.headers!r}, body={self.body[:60]!r})"


def plain_response(status: int, text: str) -> Response:
    """A short text/plain response written by the adapter itself (errors, refusals)."""
    body = text.encode("utf-8")
    return Response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        body,
    )
