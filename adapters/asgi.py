"""Running an ASGI 3 app on a `Request`: the `http` scope and one request/response cycle.

The scope declares spec_version 2.4, under which the server never has to report a
disconnect mid-response; Starlette then skips its disconnect-listener task, a measurable
saving per request. A second `receive()` waits until the response is complete and then
reports `http.disconnect`, as a real connection closing after the response would.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
from collections.abc import AsyncGenerator
from typing import Any

from ._types import ASGIApp, HeaderList, LifespanMode, Message, Scope
from .errors import LifespanError
from .headers import to_latin1_bytes
from .lifespan import Lifespan
from .model import Request, Response, plain_response
from .paths import split_mount
from .shutdown import on_sigterm

logger = logging.getLogger("adapters")

ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}


def encode_headers(headers: HeaderList) -> list[tuple[bytes, bytes]]:
    """ASGI's byte pairs; the fast path is plain latin-1, almost every request's case."""
    try:
        return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    except UnicodeEncodeError:
        return [(to_latin1_bytes(name), to_latin1_bytes(value)) for name, value in headers]


def build_scope(request: Request, state: dict[str, Any] | None = None) -> Scope:
    root, rest = split_mount(request.raw_path, request.root_path)
    return {
        "type": "http",
        "asgi": ASGI_VERSION,
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": (root + rest).decode("utf-8", "replace"),
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


class _HttpCycle:
    """receive/send for one request, checking the order of the app's messages.

    This base collects the whole response; `_StreamingCycle` hands it on as it comes.
    """

    __slots__ = ("chunks", "complete", "done", "headers", "request_body", "status")

    def __init__(self, body: bytes) -> None:
        self.request_body: bytes | None = body
        self.status: int | None = None
        self.headers: HeaderList = []
        self.chunks: list[bytes] = []
        self.complete = False
        self.done: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        if self.request_body is not None:
            body, self.request_body = self.request_body, None
            return {"type": "http.request", "body": body, "more_body": False}
        if not self.complete:
            if self.done is None:
                self.done = asyncio.get_running_loop().create_future()
            await self.done
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("http.response.start sent twice")
            self.status = int(message["status"])
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
        if self.done is not None and not self.done.done():
            self.done.set_result(None)


def _describe(scope: Scope) -> str:
    return f"{scope['method']} {scope['path']}"


async def run_asgi(app: ASGIApp, scope: Scope, body: bytes) -> Response:
    """Call the app once; its failures become a logged, generic 500."""
    cycle = _HttpCycle(body)
    try:
        await app(scope, cycle.receive, cycle.send)
    except Exception:
        logger.exception("Unhandled exception in ASGI app (%s)", _describe(scope))
        if not cycle.complete:
            return plain_response(500, "Internal Server Error")
    finally:
        complete = cycle.complete
        cycle.finish()
    if not complete:
        _log_incomplete(cycle, scope)
        return plain_response(500, "Internal Server Error")
    assert cycle.status is not None
    return Response(cycle.status, cycle.headers, b"".join(cycle.chunks))


def _log_incomplete(cycle: _HttpCycle, scope: Scope) -> None:
    if cycle.status is None:
        logger.error("ASGI app returned without sending a response (%s)", _describe(scope))
    else:
        logger.error("ASGI app returned before completing its response (%s)", _describe(scope))


class _StreamingCycle(_HttpCycle):
    """Hands the status and headers over at once and each body chunk as it is sent."""

    __slots__ = ("head", "queue")

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        loop = asyncio.get_running_loop()
        self.head: asyncio.Future[None] = loop.create_future()
        self.queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()

    def started(self) -> None:
        self.head.set_result(None)

    def add_chunk(self, chunk: bytes) -> None:
        self.queue.put_nowait(chunk)

    def finish(self) -> None:
        if not self.complete:
            self.queue.put_nowait(None)
        super().finish()


async def stream_asgi(
    app: ASGIApp, scope: Scope, body: bytes
) -> tuple[Response, AsyncGenerator[bytes, None] | None]:
    """Call the app; answer as soon as it has sent its status and headers.

    The returned Response has an empty body; the iterator yields the body chunks as the
    app sends them and raises if the app fails after the headers went out (the only
    honest signal left: the status is already on its way). Failures before that give a
    complete generic 500, as in `run_asgi`, and no iterator.
    """
    cycle = _StreamingCycle(body)
    task = asyncio.ensure_future(app(scope, cycle.receive, cycle.send))

    def app_done(task: asyncio.Future[None]) -> None:
        if task.cancelled():  # by `_drain`: nobody reads the rest of the body
            logger.info("Response abandoned by its reader: ASGI app stopped (%s)", _describe(scope))
            error: BaseException | None = RuntimeError("the ASGI app was cancelled")
        else:
            error = task.exception()
            if error is not None:
                logger.error(
                    "Unhandled exception in ASGI app (%s)", _describe(scope), exc_info=error
                )
        if not cycle.complete:
            if error is None:
                _log_incomplete(cycle, scope)
            cycle.queue.put_nowait(
                error or RuntimeError("the ASGI app did not finish its response")
            )
            cycle.complete = True
        cycle.finish()

    task.add_done_callback(app_done)
    await asyncio.wait([cycle.head, task], return_when=asyncio.FIRST_COMPLETED)
    if not cycle.head.done():
        cycle.head.cancel()
        return plain_response(500, "Internal Server Error"), None
    assert cycle.status is not None
    failed = task.done() and (task.cancelled() or task.exception() is not None)
    if cycle.complete and not failed:
        # The whole body is queued already (most responses: the app sends it right after
        # the headers): a plain body costs the reader no stream and no event-loop turns.
        # The app may still run (background tasks after the response), as on a server.
        parts = []
        while not cycle.queue.empty():
            item = cycle.queue.get_nowait()
            if isinstance(item, bytes):
                parts.append(item)
        return Response(cycle.status, cycle.headers, b"".join(parts)), None
    chunks = _drain(cycle.queue, task)
    await anext(chunks)  # started, so that closing it unread still stops the app
    return Response(cycle.status, cycle.headers), chunks


async def _drain(
    queue: asyncio.Queue[bytes | BaseException | None], task: asyncio.Future[None]
) -> AsyncGenerator[bytes, None]:
    """The body chunks; closing it before the end cancels the app if it is still running.

    The first item is a priming b"" that `stream_asgi` takes: `aclose()` on a generator
    that never started does not run its `finally`, so without it a body nobody reads
    (HEAD, 204, a cancelled stream) would leave the app running, queueing chunks forever.
    Once the whole body is through, the app may go on (background tasks), as on a server.
    """
    finished = False
    try:
        yield b""
        while True:
            item = await queue.get()
            if item is None:
                finished = True
                return
            if isinstance(item, BaseException):
                raise RuntimeError("the ASGI app failed while streaming its response") from item
            yield item
    finally:
        if not finished and not task.done():
            task.cancel()  # the reader went away: stop the app too


class ASGIInterface:
    """Runs an ASGI app on one event loop kept for the life of the process.

    Lifespan startup runs on the first call; a failed startup answers that call with a 500
    and is tried again on the next, since the cause (a database not yet reachable) is often
    passing. After a successful startup, SIGTERM runs the shutdown.
    """

    def __init__(self, app: ASGIApp, lifespan: LifespanMode = "auto") -> None:
        self.app = app
        self.lifespan_mode: LifespanMode = lifespan
        Lifespan(app, lifespan)  # validates the mode now rather than at the first request
        self.lifespan: Lifespan | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def __call__(self, request: Request) -> Response:
        loop = self.loop
        if loop is None:
            loop = self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
        lifespan = self.lifespan
        if lifespan is None:
            lifespan = Lifespan(self.app, self.lifespan_mode)
            try:
                loop.run_until_complete(lifespan.startup())
            except LifespanError:
                logger.exception("Answering with a 500; startup will be tried again")
                return plain_response(500, "Internal Server Error")
            self.lifespan = lifespan
            if lifespan.supported:
                on_sigterm(self.close)
                atexit.register(self.close)
        scope = build_scope(request, lifespan.state)
        return loop.run_until_complete(run_asgi(self.app, scope, request.body))

    def close(self) -> None:
        """Run the lifespan shutdown (once) and close the event loop."""
        loop, lifespan = self.loop, self.lifespan
        if loop is None or loop.is_closed():
            return
        if loop.is_running():
            logger.warning("Not running ASGI shutdown: the event loop is busy with a request")
            return
        try:
            if lifespan is not None:
                loop.run_until_complete(lifespan.shutdown())
        except LifespanError:
            logger.exception("ASGI lifespan shutdown failed")
        finally:
            loop.close()
