"""`LambdaHandler`: the one object a user creates, and the Lambda driver of the app runner.

Per invocation it recognises the event's source, has the source parse it, lets the
`AppRunner` answer, and has the source render the answer in its front door's shape. The
driver's own concerns are the Lambda ones: the event loop of the process (ASGI only),
shutdown on SIGTERM, the access log, and, under a streaming runtime, sending the answer
as a stream.
"""

from __future__ import annotations

from time import perf_counter

from ._bodies import DEFAULT_TEXT_MIME_TYPES, TextTypes
from ._log import logger
from ._paths import decode_path
from .access_log import access_emitter, write_json_line
from .deadline import DEFAULT_MARGIN, seconds_left
from .errors import BadEventError, DeadlineExceeded, UnknownEventError
from .model import SyncByteStream, plain_response
from .runner import DEFAULT_STARTUP_TIMEOUT, AppRunner
from .sources import detect_source
from .sources.base import HTTP_INTEGRATION_CONTENT_TYPE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
    from typing import Any, Literal, TypeVar

    from ._detect import Interface
    from ._types import Event, LambdaContext, LifespanMode
    from .access_log import AccessWriter, Emit
    from .model import AsyncByteStream, Request, Response
    from .sources.base import EventSource
    from .triggers import EventRoutes
    from .wsgi import EnvironHook

    ResponseMode = Literal["buffered", "streaming"]
    Startup = Literal["first-request", "init"]
    F = TypeVar("F", bound=Callable[..., Any])
    T = TypeVar("T")

RESPONSE_MODE_VARIABLE = "ADAPTERS_RESPONSE_MODE"
"""The environment variable that sets `response_mode` when the option is not given."""


class LambdaHandler:
    """A Lambda handler for a WSGI or ASGI app: `handler = LambdaHandler(app)`.

    Options:
    - `interface`: "wsgi" or "asgi" when detection cannot tell.
    - `base_path`: the URL prefix clients use in front of the app on a custom domain
      (an API mapping such as "/v1"); it becomes SCRIPT_NAME / root_path.
    - `lifespan` (ASGI only): "auto" (default: run it if the app supports it), "on"
      (require it), "off".
    - `text_mime_types`: response types sent as text rather than base64; entries ending
      in "/" match a whole type, entries starting with "+" a suffix. A `TextTypes`
      instance (or subclass) is used as given.
    - `access_log`: True (default) writes one JSON line per request to stdout: request
      id, method, path, status, duration; False writes none; a callable receives the
      record (a dict) instead.
    - `environ_hook` (WSGI only): called as `hook(environ, request)` before each call of
      the app, to add environ keys of its own.
    - `root_path_in_path` (ASGI only): whether the scope's `path` keeps the mount point
      (`root_path`), as the ASGI spec says (True), or holds only the part below it (False,
      for frameworks that route on `path` alone). None (default): False for Falcon.
    - `deadline_margin`: seconds before the invocation's deadline
      (`context.get_remaining_time_in_millis()`) at which an app still running is
      interrupted and the client answered 504, with a log line saying which request
      (default 0.5; None: never, Lambda's own timeout applies). ASGI apps are cancelled
      at their `await`; WSGI apps get `adapters.deadline.DeadlineExceeded` from a SIGALRM
      timer, used only in the main thread and when SIGALRM is not taken.
    - `startup` (ASGI only): when the lifespan startup runs. "first-request" (default):
      inside the first invocation, retried on the next one if it fails. "init": here, as
      the handler is constructed during Lambda's INIT phase, off the first user's
      request; a failure raises `LifespanError`, which fails the INIT (the runtime logs
      it and exits non-zero, and Lambda tries INIT again on the next invocation). Under
      SnapStart the startup runs before the snapshot either way.
    - `startup_timeout` (ASGI only): seconds the lifespan startup may take before it is
      abandoned with a logged error and a 500, and tried again on the next request
      (default 30; None: no limit but the deadline).
    - `sources`: extra `EventSource` instances, tried before the built-in ones.
    - `events_path`: where non-HTTP events (SQS, SNS, S3, EventBridge, direct invokes)
      go: posted to the app at this path ("/events", as the Lambda Web Adapter does), the
      answer's body becoming the invocation result (`adapters.triggers`). None (default):
      they raise `UnknownEventError`, unless a callable is registered with `on()`.
    - `response_mode`: "buffered" (default) or "streaming": under the adapters runtime
      (`python -m adapters.runtime`: the exec wrapper or the bootstrap), answers to front
      doors that can stream (Function URLs with RESPONSE_STREAM, REST APIs with STREAM)
      go out as they are produced. The `ADAPTERS_RESPONSE_MODE` variable sets the default.

    Subclasses may override `text_types_for` to choose text or base64 per source.
    """

    def __init__(
        self,
        app: Any,
        *,
        interface: Interface | None = None,
        base_path: str | None = None,
        lifespan: LifespanMode | None = None,
        text_mime_types: Iterable[str] | TextTypes | None = None,
        environ_hook: EnvironHook | None = None,
        access_log: bool | AccessWriter = True,
        sources: Sequence[EventSource] = (),
        response_mode: ResponseMode | None = None,
        root_path_in_path: bool | None = None,
        deadline_margin: float | None = DEFAULT_MARGIN,
        startup_timeout: float | None = DEFAULT_STARTUP_TIMEOUT,
        startup: Startup = "first-request",
        events_path: str | None = None,
    ) -> None:
        if startup not in ("first-request", "init"):
            raise ValueError(f"startup must be 'first-request' or 'init', not {startup!r}")
        if deadline_margin is not None and not deadline_margin >= 0:
            raise ValueError(f"deadline_margin must be >= 0 or None, not {deadline_margin!r}")
        self.deadline_margin = deadline_margin
        self.runner = AppRunner(
            app,
            interface=interface,
            lifespan=lifespan,
            environ_hook=environ_hook,
            base_path=base_path,
            root_path_in_path=root_path_in_path,
            startup_timeout=startup_timeout,
        )
        self.app = app
        self.interface: Interface = self.runner.interface
        self.base_path = self.runner.base_path
        self.sources: tuple[EventSource, ...] = tuple(sources)
        for source in self.sources:
            if not callable(getattr(source, "matches", None)):
                raise TypeError(f"sources must be EventSource instances, got {source!r}")
        self.response_mode: ResponseMode = _response_mode(response_mode)
        self.events: EventRoutes | None = None
        if events_path is not None:
            from .triggers import EventRoutes

            self.events = EventRoutes(events_path)
        if isinstance(text_mime_types, TextTypes):
            self.text_types = text_mime_types
        else:
            self.text_types = TextTypes(
                DEFAULT_TEXT_MIME_TYPES if text_mime_types is None else text_mime_types
            )
        self.access_log: AccessWriter | None = (
            write_json_line if access_log is True else access_log or None
        )
        self._emit_access = None if self.access_log is None else access_emitter(self.access_log)
        self._cold = True
        self._hooked = self.interface == "wsgi"
        self._warned_buffered_stream = False
        self._sync = self.interface == "wsgi"
        self._run: Callable[[Coroutine[Any, Any, Any]], Any]
        self._faults: tuple[type[BaseException], ...] = (Exception,)
        if self.interface == "wsgi":
            self._run = complete
        else:
            from asyncio import CancelledError

            from ._loop import process_loop

            self._run = process_loop().run
            self._faults = (Exception, CancelledError)
        import os

        if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
            from .snapstart import install

            install(self)
        if startup == "init":
            self.start()

    def start(self) -> None:
        """Run the ASGI lifespan startup now, if it has not run (`startup="init"` does).

        Raises `LifespanError` when it fails or overruns `startup_timeout`.
        """
        if self.runner.started:
            return
        from .errors import LifespanError

        try:
            self._run(self.runner.startup())
        except LifespanError as error:
            logger().error("The app could not start: %s", error)
            raise
        self._hook_shutdown()

    def serve_concurrently(self) -> None:
        """Make this handler safe to call from several threads at once, as a runtime that
        runs concurrent invocations in one process does (the adapters runtime under
        `AWS_LAMBDA_MAX_CONCURRENCY`): the ASGI event loop moves to a thread of its own,
        which every invocation's task then shares, with the one lifespan. WSGI apps need
        nothing: each invocation runs on its caller's thread."""
        if self.interface == "asgi":
            from ._loop import process_loop

            process_loop().serve_in_thread()
            if not self._hooked:  # signals reach the main thread only, which this is
                self._hooked = True
                import atexit

                from ._shutdown import on_sigterm

                on_sigterm(self.close)
                atexit.register(self.close)

    def before_snapshot(self) -> None:
        """SnapStart's before-snapshot hook for this handler: the app starts, so that the
        snapshot holds a started app and no restored copy runs the startup again."""
        self.start()

    def after_restore(self) -> None:
        """SnapStart's after-restore hook for this handler: the first invocation is logged
        as a cold one again, and an ASGI app that asked for it gets the restore event."""
        self._cold = True
        if self.interface == "asgi":
            self._run(self.runner.restored())

    def __call__(self, event: Event, context: LambdaContext = None) -> Event:
        started = perf_counter()
        # Detected afresh every time: an event two sources match (a Function URL event
        # carrying a Lattice key) must be read the same whatever came before it.
        try:
            source = detect_source(event, self.sources)
        except UnknownEventError:
            if self.events is None:
                raise
            return self.events.dispatch(event, context, self._answer_event)  # type: ignore[no-any-return]
        try:
            request = self._parse(source, event, context)
            if type(request) is not _Refused:
                if source.streams and self.response_mode == "streaming":
                    self._warn_buffered_stream()
                response = self._respond(request, context)
            else:
                response, request = request.response, None
            result = self._render(source, response, event)
        except self._faults:  # the rule: every event of a known source gets an answer
            return self._failed(source, event)
        except DeadlineExceeded:  # the alarm rang between the app's end and its disarming
            return self._timed_out(source, event)
        if self._emit_access is not None:
            self._log_access(self._emit_access, source, request, response, started, context)
        return result

    def invoke_streaming(self, event: Event, context: LambdaContext = None) -> Any:
        """What a streaming runtime calls instead of `handler(event, context)`.

        Returns a `ResponseStream` (the front door's prelude, then the body, as it is
        produced) when `response_mode` is "streaming" and the event's front door can
        stream; otherwise the buffered result, as `__call__` gives it.
        """
        # Detected afresh every time: an event two sources match (a Function URL event
        # carrying a Lattice key) must be read the same whatever came before it.
        try:
            source = detect_source(event, self.sources)
        except UnknownEventError:
            if self.events is None:
                raise
            return self.events.dispatch(event, context, self._answer_event)
        if not (source.streams and self.response_mode == "streaming"):
            return self(event, context)
        started = perf_counter()
        try:
            request = self._parse(source, event, context)
            if type(request) is _Refused:
                response: Response = request.response
                request = None
            else:
                response = self._respond_stream(request, context)
                if not self._hooked:
                    self._hook_shutdown()
            head = source.stream_head(response, event)
        except self._faults:
            return self._failed(source, event)
        body = response.body
        if type(body) is not bytes and self.interface == "asgi":
            body = _LoopStream(body, self._run)  # type: ignore[arg-type]
        done = None
        if self._emit_access is not None:
            emit = self._emit_access

            def done() -> None:  # the line is written once the whole body is out
                self._log_access(emit, source, request, response, started, context)

        return ResponseStream(head, body, done)  # type: ignore[arg-type]

    def on(self, kind: str, *, each_record: bool = False) -> Callable[[F], F]:
        """Register a callable for one kind of non-HTTP event ("sqs", "sns", "s3",
        "eventbridge", "schedule", "dynamodb", "kinesis", "invoke", ...: see
        `adapters.triggers.KINDS`): `@handler.on("sqs", each_record=True)`."""
        from .triggers import EventRoutes

        def register(func: F) -> F:
            if self.events is None:
                self.events = EventRoutes()
            self.events.add(kind, func, each_record)
            return func

        return register

    def _answer_event(self, request: Request, kind: str) -> Response:
        """The app's answer to a pass-through request, within the deadline, logged."""
        started = perf_counter()
        context = request.context
        response = self._respond(request, context)
        if self._emit_access is not None:
            from .triggers import KINDS

            source = _Named(f"{KINDS[kind]} event")
            self._log_access(self._emit_access, source, request, response, started, context)  # type: ignore[arg-type]
        return response

    def _respond_stream(self, request: Request, context: LambdaContext) -> Response:
        """The app's status and headers, its body a stream (the streaming runtime's path)."""
        response: Response = self._run(self.runner.respond(request, stream=True))
        return response

    def _respond(self, request: Request, context: LambdaContext) -> Response:
        """The app's buffered answer, within the invocation's deadline.

        Every HTTP request, a front door's or the events path's, reaches the app through
        this method or `_respond_stream`: the place for a subclass to wrap each request
        (`adapters.opentelemetry` does).
        """
        left = None
        if context is not None and self.deadline_margin is not None:
            left = seconds_left(context, self.deadline_margin)
        if left is not None:
            response = self._respond_before_deadline(request, left)
        elif self._sync:
            response = self.runner.respond_sync(request)
        else:
            response = self._run(self.runner.respond(request))
        if not self._hooked:
            self._hook_shutdown()
        return response

    def _respond_before_deadline(self, request: Request, seconds: float) -> Response:
        """The app's response, or a logged 504 if it is still running `seconds` from now."""
        from .deadline import arm_alarm, disarm_alarm, log_deadline

        started = self.runner.started
        try:
            if not self._sync:
                from ._loop import process_loop

                return process_loop().run(self.runner.respond(request), seconds)
            if not arm_alarm(seconds):
                return self.runner.respond_sync(request)
            try:
                return self.runner.respond_sync(request)
            finally:
                disarm_alarm()
        except DeadlineExceeded:
            what = f"{request.method} {request.raw_path.decode('latin-1')}"
            if not started and not self.runner.started:
                what = f"the ASGI lifespan startup (before {what})"
            log_deadline(what, seconds, self.deadline_margin or 0.0)
            return plain_response(504, "Gateway Timeout")

    def _timed_out(self, source: EventSource, event: Event) -> Event:
        logger().error("Answering 504: the deadline passed while the answer was being sent")
        try:
            return source.render(plain_response(504, "Gateway Timeout"), event, self.text_types)
        except Exception:
            return source.failure_result(event)

    def _parse(self, source: EventSource, event: Event, context: LambdaContext) -> Any:
        try:
            return source.parse(event, context)
        except BadEventError as exc:
            logger().warning("Malformed %s event: %s", source.name, exc)
            return _Refused(plain_response(400, f"Bad Request: {exc}"))
        except Exception:
            logger().warning("Malformed %s event", source.name, exc_info=True)
            return _Refused(plain_response(400, "Bad Request"))

    def _failed(self, source: EventSource, event: Event) -> Event:
        """A logged 500 for an invocation that failed outside the app (which has its own)."""
        logger().exception("Answering a 500: the %s event could not be answered", source.name)
        try:
            return source.render(
                plain_response(500, "Internal Server Error"), event, self.text_types
            )
        except Exception:
            logger().exception("Rendering the 500 failed too; sending the plainest one")
            return source.failure_result(event)

    def _hook_shutdown(self) -> None:
        """After the first successful startup, let SIGTERM and exit run the shutdown."""
        if not self.runner.started:
            return
        self._hooked = True
        if self.runner.lifespan_supported:
            import atexit

            from ._shutdown import on_sigterm

            on_sigterm(self.close)
            atexit.register(self.close)

    def _warn_buffered_stream(self) -> None:
        if not self._warned_buffered_stream:
            self._warned_buffered_stream = True
            logger().warning(
                "response_mode is 'streaming' but this invocation was answered buffered: the "
                "runtime called the handler directly. Streaming needs the adapters runtime "
                "(AWS_LAMBDA_EXEC_WRAPPER=/var/task/adapters/runtime/exec-wrapper on the managed "
                "runtime, or the adapters bootstrap on provided.al2023)."
            )

    def _log_access(
        self,
        emit: Emit,
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
            raw = request.raw_path
            method = request.method
            path = (decode_path(raw) if b"%" in raw else raw).decode("utf-8", "replace")
        try:
            emit(
                source.name,
                method,
                path,
                response.status,
                perf_counter() - started,
                getattr(context, "aws_request_id", None),
                cold,
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
        if self.interface != "asgi" or not self.runner.lifespan_supported:
            return
        from ._loop import process_loop
        from .errors import LifespanError

        owner = process_loop()
        if owner.loop.is_running() and not owner.threaded:
            logger().warning("Not running ASGI shutdown: the event loop is busy with a request")
            return
        try:
            owner.run(self.runner.shutdown())
        except LifespanError:
            logger().exception("ASGI lifespan shutdown failed")


class _Named:
    """What the access log needs of a source: its name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _Refused:
    """An event the source could not parse, and the answer it gets."""

    __slots__ = ("response",)

    def __init__(self, response: Response) -> None:
        self.response = response


def complete(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (a WSGI answer) to its end, with no event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a WSGI answer waited for the event loop")


def _response_mode(mode: object) -> ResponseMode:
    if mode is None:
        import os

        mode = os.environ.get(RESPONSE_MODE_VARIABLE, "").strip().lower() or "buffered"
        where = f"{RESPONSE_MODE_VARIABLE}={mode!r}"
    else:
        where = f"response_mode={mode!r}"
    if mode not in ("buffered", "streaming"):
        raise ValueError(f"{where}: the response mode must be 'buffered' or 'streaming'")
    return mode


class ResponseStream(SyncByteStream):
    """A streamed answer for the runtime: the front door's prelude, then the body.

    `content_type` is what the runtime declares for the whole stream. Iterating yields
    the prelude first; an `AppStreamError` from the iteration means the app failed after
    the first byte. `close()` must follow, after the runtime has ended the response: it
    waits for work the app does after its body (background tasks), as Lambda allows.
    """

    __slots__ = ("_body", "_done", "_head", "content_type")

    def __init__(
        self,
        head: bytes,
        body: bytes | SyncByteStream,
        done: Callable[[], None] | None = None,
    ) -> None:
        self.content_type = HTTP_INTEGRATION_CONTENT_TYPE
        self._head = head
        self._body = body
        self._done = done

    def __iter__(self) -> Iterator[bytes]:
        yield self._head
        body = self._body
        if type(body) is bytes:
            if body:
                yield body
        else:
            yield from body  # type: ignore[misc]

    def close(self) -> None:
        try:
            if isinstance(self._body, SyncByteStream):
                self._body.close()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


class _LoopStream(SyncByteStream):
    """An ASGI body read one chunk at a time, running the event loop for each."""

    __slots__ = ("_body", "_chunks", "_run")

    def __init__(
        self, body: AsyncByteStream, run: Callable[[Coroutine[Any, Any, Any]], Any]
    ) -> None:
        self._body = body
        self._run = run
        self._chunks = body.__aiter__()

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._chunks
        while (chunk := self._run(_next(chunks))) is not None:
            yield chunk

    def close(self) -> None:
        self._run(self._body.aclose())


async def _next(chunks: Any) -> bytes | None:
    """The next chunk, or None at the end (StopAsyncIteration does not cross a task)."""
    try:
        return await chunks.__anext__()  # type: ignore[no-any-return]
    except StopAsyncIteration:
        return None
