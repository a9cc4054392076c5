"""Running an ASGI 3 app on a `Request`: the `http` scope and one request/response cycle.

Protocol only: which event loop runs the cycle, and when lifespan starts and stops, is the
business of whoever owns the process (`adapters._loop`, `adapters.runner`).

The scope declares spec_version 2.4, under which the server never has to report a
disconnect mid-response; Starlette then skips its disconnect-listener task, a measurable
saving per request. A second `receive()` waits until the response is complete (or the
client has gone) and then reports `http.disconnect`, as a real connection would.

A buffered answer awaits the app in the caller's task. A streamed answer runs the app in
a task of its own and returns once the status and headers are known; when the app has
returned by then, its body is plain bytes (most responses); otherwise it is an
`AsyncByteStream`, whose `aclose()` also waits for work the app does after its body.
"""

from __future__ import annotations

import asyncio
import types
from collections import deque
from types import CoroutineType
from typing import Any

from ._headers import to_latin1_bytes
from ._log import logger
from ._paths import split_mount
from .errors import AppStreamError
from .model import AsyncByteStream, Request, Response, plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Generator

    from ._types import ASGIApp, HeaderList, Message, RequestHeaders, Scope

ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}


def encode_headers(headers: RequestHeaders) -> list[tuple[bytes, bytes]]:
    """ASGI's byte pairs; the fast path is plain latin-1, almost every request's case."""
    try:
        return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    except UnicodeEncodeError:
        return [(to_latin1_bytes(name), to_latin1_bytes(value)) for name, value in headers]


def build_scope(
    request: Request, state: dict[str, Any] | None = None, root_in_path: bool = True
) -> Scope:
    """The scope; `path` holds `root_path` as the spec says, or, with `root_in_path`
    False, only the part below it (for frameworks that route on `path` alone: Falcon)."""
    root, rest = split_mount(request.raw_path, request.root_path)
    return {
        "type": "http",
        "asgi": ASGI_VERSION,
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": (root + rest if root_in_path else rest).decode("utf-8", "replace"),
        "raw_path": request.raw_path,
        "query_string": request.query_string,
        "root_path": root.decode("utf-8", "replace"),
        "headers": encode_headers(request.headers),
        "client": request.client,
        "server": request.server,
        "state": {} if state is None else dict(state),
        "extensions": {},
        "aws.event": request.event,
        "aws.context": request.context,
    }


class ASGIInterface:
    """Answers requests with an ASGI app; `state` is the lifespan state each scope copies.

    `root_in_path` (see `build_scope`): None decides by the app, False for a Falcon app.
    """

    __slots__ = ("app", "root_in_path", "state")

    def __init__(self, app: ASGIApp, root_in_path: bool | None = None) -> None:
        self.app = app
        self.state: dict[str, Any] | None = None
        if root_in_path is None:
            root_in_path = not routes_below_root_path(app)
        self.root_in_path = root_in_path

    async def respond(self, request: Request, stream: bool = False) -> Response:
        scope = build_scope(request, self.state, self.root_in_path)
        if stream:
            return await stream_asgi(self.app, scope, request.body)
        return await run_asgi(self.app, scope, request.body)


def routes_below_root_path(app: object) -> bool:
    """True for apps known to route on `path` without removing `root_path` first.

    Falcon's ASGI App matches routes against the whole `path` (under uvicorn
    `--root-path` too), so behind a stage or a base path every route would answer 404.
    """
    return type(app).__module__.partition(".")[0] == "falcon"


class _HttpCycle:
    """receive/send for one request, checking the order of the app's messages.

    This base collects the whole response; `_StreamingCycle` hands it on as it comes.
    """

    __slots__ = ("chunks", "complete", "disconnected", "done", "headers", "request_body", "status")

    def __init__(self, body: bytes) -> None:
        self.request_body: bytes | None = body
        self.status: int | None = None
        self.headers: HeaderList = []
        self.chunks: deque[bytes] = deque()
        self.complete = False
        self.disconnected = False
        self.done: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        if self.request_body is not None:
            body, self.request_body = self.request_body, None
            return {"type": "http.request", "body": body, "more_body": False}
        if not self.complete and not self.disconnected:
            if self.done is None:
                self.done = asyncio.get_running_loop().create_future()
            await self.done
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.disconnected:
            raise OSError("the client disconnected")  # ASGI HTTP spec 2.4: send raises
        kind = message["type"]
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("http.response.start sent twice")
            status = message["status"]
            if type(status) is not int:  # True, "200" and 200.0 are app bugs, as in uvicorn
                raise TypeError(f"http.response.start status must be an int, not {status!r:.50}")
            self.status = status
            self.headers = [
                (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
                for name, value in message.get("headers", ())
            ]
            self.started()
        elif kind == "http.response.body":
            if self.status is None:
                raise RuntimeError("http.response.body sent before http.response.start")
            if self.complete:
                raise RuntimeError("http.response.body sent after the response completed")
            chunk = message.get("body", b"")
            if chunk:
                self.add_chunk(bytes(chunk))
            if not message.get("more_body", False):
                self.finish()
        else:
            raise RuntimeError(f"unexpected ASGI message type {kind!r} for an http scope")

    def started(self) -> None:
        """The status and headers are known."""

    def add_chunk(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    def finish(self) -> None:
        self.complete = True
        self.wake()

    def wake(self) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    def body(self) -> bytes:
        chunks = self.chunks
        return chunks.popleft() if len(chunks) == 1 else b"".join(chunks)


@types.coroutine
def _one_turn() -> Generator[None, None, None]:
    """Let everything ready run once (asyncio.sleep(0) without its checks)."""
    yield


def _describe(scope: Scope) -> str:
    return f"{scope['method']} {scope['path']}"


async def run_asgi(app: ASGIApp, scope: Scope, body: bytes) -> Response:
    """Call the app once, to its end; its failures become a logged, generic 500."""
    cycle = _HttpCycle(body)
    try:
        await app(scope, cycle.receive, cycle.send)
    except Exception:
        logger().exception("Unhandled exception in ASGI app (%s)", _describe(scope))
        if not cycle.complete:
            return plain_response(500, "Internal Server Error")
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and getattr(task, "cancelling", int)():  # 3.11+ tells who did
            raise  # the caller cancelled this request: not the app's to answer
        logger().exception("ASGI app raised CancelledError on its own (%s)", _describe(scope))
        if not cycle.complete:
            return plain_response(500, "Internal Server Error")
    finally:
        complete = cycle.complete
        cycle.finish()
    if not complete:
        _log_incomplete(cycle.status, scope)
        return plain_response(500, "Internal Server Error")
    assert cycle.status is not None
    return Response(cycle.status, cycle.headers, cycle.body())


def _log_incomplete(status: int | None, scope: Scope) -> None:
    if status is None:
        logger().error("ASGI app returned without sending a response (%s)", _describe(scope))
    else:
        logger().error("ASGI app returned before completing its response (%s)", _describe(scope))


HIGH_WATER = 64 * 1024
"""Bytes a streamed body may hold unread before the app's `send` waits for the reader:
an app that never awaits anything else would otherwise queue its whole body (backpressure,
as a server's transport gives it)."""


class _StreamingCycle(_HttpCycle):
    """Wakes the reader at the status line and at each chunk; holds the app back while
    too much is unread; records how the app ended."""

    __slots__ = ("drained", "error", "queued", "reader", "task")

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self.reader: asyncio.Future[None] | None = None
        self.drained: asyncio.Future[None] | None = None
        self.error: BaseException | None = None
        self.task: asyncio.Future[None] | None = None
        self.queued = 0

    async def send(self, message: Message) -> None:
        await _HttpCycle.send(self, message)
        if self.queued >= HIGH_WATER and not self.complete:
            self.drained = asyncio.get_running_loop().create_future()
            try:
                await self.drained
            finally:
                self.drained = None
            if self.disconnected:
                raise OSError("the client disconnected")

    def started(self) -> None:
        self.wake_reader()

    def add_chunk(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self.queued += len(chunk)
        self.wake_reader()

    def take(self) -> bytes:
        """The next unread chunk; lets a held-back app go on once little is unread."""
        chunk = self.chunks.popleft()
        self.queued -= len(chunk)
        drained = self.drained
        if drained is not None and self.queued < HIGH_WATER and not drained.done():
            drained.set_result(None)
        return chunk

    def finish(self) -> None:
        super().finish()
        self.wake_reader()

    def wake_reader(self) -> None:
        reader = self.reader
        if reader is not None and not reader.done():
            reader.set_result(None)

    async def wait(self) -> None:
        """Until the app sends something or ends."""
        self.reader = asyncio.get_running_loop().create_future()
        await self.reader
        self.reader = None

    def app_done(self, task: asyncio.Future[None], scope: Scope) -> None:
        if task.cancelled():
            if not self.complete:
                if self.disconnected:
                    logger().info("Response abandoned by its reader: ASGI app stopped (%s)",
                                  _describe(scope))  # fmt: skip
                else:
                    logger().error("ASGI app raised CancelledError on its own (%s)",
                                   _describe(scope))  # fmt: skip
                self.error = RuntimeError("the ASGI app was cancelled")
        else:
            error = task.exception()
            if error is not None:
                logger().error(
                    "Unhandled exception in ASGI app (%s)", _describe(scope), exc_info=error
                )
                if not self.complete:
                    self.error = error
            elif not self.complete:
                _log_incomplete(self.status, scope)
                self.error = RuntimeError("the ASGI app did not finish its response")
        self.finish()


async def stream_asgi(app: ASGIApp, scope: Scope, body: bytes) -> Response:
    """Call the app in a task of its own; answer once it has sent its status and headers.

    Failures before that give a complete generic 500, as in `run_asgi`.
    """
    cycle = _StreamingCycle(body)
    called = app(scope, cycle.receive, cycle.send)
    task = cycle.task = (
        asyncio.Task(called, name="adapters-app")  # named: a default name costs a format
        if type(called) is CoroutineType
        else asyncio.ensure_future(called)  # an awaitable of another kind
    )
    await _one_turn()  # the app's first step; most apps answer whole within it
    if task.done() and cycle.complete:
        if not task.cancelled() and task.exception() is not None:
            logger().error(
                "Unhandled exception in ASGI app (%s)", _describe(scope), exc_info=task.exception()
            )
        assert cycle.status is not None
        return Response(cycle.status, cycle.headers, cycle.body())
    task.add_done_callback(lambda done: cycle.app_done(done, scope))
    while cycle.status is None and not cycle.complete:
        await cycle.wait()
    if cycle.status is None:
        return plain_response(500, "Internal Server Error")
    if cycle.complete and cycle.error is None and task.done():
        # The app is done and its whole body is here: a plain body costs the reader no
        # stream. An app still at work after its body (background tasks) gets a stream,
        # whose `aclose()` lets the driver wait for it.
        return Response(cycle.status, cycle.headers, cycle.body())
    return Response(cycle.status, cycle.headers, _ASGIBody(cycle, task))


class _ASGIBody(AsyncByteStream):
    __slots__ = ("_cycle", "_finished", "_task")

    def __init__(self, cycle: _StreamingCycle, task: asyncio.Future[None]) -> None:
        self._cycle = cycle
        self._task = task
        self._finished = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        cycle = self._cycle
        chunks = cycle.chunks
        while True:
            while chunks:
                yield cycle.take()
            if cycle.complete:
                break
            await cycle.wait()
        if cycle.error is not None:
            raise AppStreamError("the ASGI app failed while streaming its response") from (
                cycle.error
            )
        self._finished = True

    async def aclose(self) -> None:
        task = self._task
        if task.done():
            return
        if not self._finished:
            cycle = self._cycle
            cycle.disconnected = True
            cycle.wake()  # a receive() waiting for the end hears http.disconnect
            drained = cycle.drained
            if drained is not None and not drained.done():
                drained.set_result(None)
            task.cancel()
        await asyncio.wait([task])
