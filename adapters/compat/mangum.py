"""`Mangum`: a drop-in for `mangum.Mangum` (0.22), on the adapters' ASGI cycle and loop.

A team that changes `from mangum import Mangum` to `from adapters.compat import Mangum`
keeps its app and its tests: the same constructor, `config`, exceptions, handler
protocol (`custom_handlers` go first, as in Mangum), scopes and result dicts
(`_mangum_events`), and lifespan outcomes (`_mangum_lifespan`): by default the app's
lifespan starts before and stops after every invocation, as Mangum does it and as its
users' tests assert. Mangum's own test suite runs against this class (tests/peer_suites).

What is ours (docs/migrating.md has the table):
- `lifespan_once=True` runs the startup once per container, at the first event, and the
  shutdown on SIGTERM, so connections and `state` survive between requests (what
  `LambdaHandler` does); Mangum has no such option.
- One event loop for the process, reused by every invocation; called from inside a
  running event loop (pytest-asyncio, anyio, a notebook), the invocation runs on a
  worker thread with a loop of its own, where Mangum fails with "Cannot run the event
  loop while another loop is running". Lifespan startups and shutdowns that never answer
  are abandoned after `lifespan_timeout` seconds, with one log line.
- The adapters' response policy: a header with CR, LF or NUL (response splitting) or an
  invalid status becomes a 500; HEAD, 1xx, 204 and 304 responses lose their body.
- An app that returns without finishing its response gets a 500 (Mangum raises
  AttributeError); a malformed event of a known front door gets a 400 (Mangum raises
  KeyError or TypeError); an unknown event raises an error that is both
  `UnknownEventError` and `RuntimeError`.
- The event readers' fixes listed in `_mangum_events`.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from asyncio import events
from collections.abc import Sequence
from typing import Any

from .._loop import EventLoopOwner, process_loop
from .._policy import check
from .._types import Event, LambdaContext, LifespanMode
from ..asgi import _HttpCycle
from ..errors import BadEventError, UnknownEventError
from ..model import Request, Response
from ._mangum_events import HANDLERS, MangumResponse, _Handler
from ._mangum_lifespan import LifespanCycle, LifespanFailure, UnexpectedMessage

__all__ = [
    "DEFAULT_TEXT_MIME_TYPES",
    "ConfigurationError",
    "LifespanFailure",
    "Mangum",
    "UnexpectedMessage",
    "UnknownEventRuntimeError",
]

DEFAULT_TEXT_MIME_TYPES: list[str] = [
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/vnd.api+json",
    "application/vnd.oai.openapi",
]
"""Mangum's default list; an entry matches anywhere in the Content-Type."""

http_log = logging.getLogger("mangum.http")
"""Mangum's logger names, which its users already configure."""
log = logging.getLogger("mangum")

_ERROR_HEADERS = [[b"content-type", b"text/plain; charset=utf-8"]]


class ConfigurationError(ValueError):
    """An invalid option, as Mangum names it (a ValueError, as `LambdaHandler` raises)."""


class UnknownEventRuntimeError(UnknownEventError, RuntimeError):
    """An unrecognised event: `UnknownEventError` here, `RuntimeError` to Mangum users."""


def _error(status: int, text: str) -> MangumResponse:
    return {"status": status, "headers": list(_ERROR_HEADERS), "body": text.encode()}


class Mangum:
    """`handler = Mangum(app)`: an ASGI app as a Lambda handler, the way Mangum runs it."""

    def __init__(
        self,
        app: Any,
        lifespan: LifespanMode = "auto",
        api_gateway_base_path: str = "/",
        custom_handlers: Sequence[Any] | None = None,
        text_mime_types: list[str] | None = None,
        exclude_headers: list[str] | None = None,
        *,
        lifespan_once: bool = False,
        lifespan_timeout: float | None = 30.0,
    ) -> None:
        if lifespan not in ("auto", "on", "off"):
            raise ConfigurationError(
                "Invalid argument supplied for `lifespan`. Choices are: auto|on|off"
            )
        self.app = app
        self.lifespan = lifespan
        self.lifespan_once = lifespan_once
        self.lifespan_timeout = lifespan_timeout
        self.custom_handlers: list[Any] = list(custom_handlers or ())
        for handler in self.custom_handlers:
            if not callable(getattr(handler, "infer", None)):
                raise TypeError(
                    f"custom_handlers must be handler classes with infer(), not {handler!r}"
                )
        self.config: dict[str, Any] = {
            "api_gateway_base_path": api_gateway_base_path or "/",
            "text_mime_types": list(text_mime_types or DEFAULT_TEXT_MIME_TYPES),
            "exclude_headers": [name.lower() for name in exclude_headers or ()],
        }
        self._cycle: LifespanCycle | None = None  # lifespan_once: the container's one
        self._worker: Any = None  # the thread used once called inside a running loop
        self._worker_loop: EventLoopOwner | None = None
        process_loop()
        _ensure_thread_loop()

    def infer(self, event: Event, context: LambdaContext) -> Any:
        """The handler object for the event: the first class whose `infer` takes it."""
        for handler_class in self.custom_handlers:
            if handler_class.infer(event, context, self.config):
                return handler_class(event, context, self.config)
        if type(event) is dict:
            for builtin in HANDLERS:
                if builtin.infer(event, context, self.config):
                    return builtin(event, context, self.config)
        keys = event.keys() if isinstance(event, dict) else [type(event).__name__]
        raise UnknownEventRuntimeError(keys)

    def __call__(self, event: Event, context: LambdaContext = None) -> dict[str, Any]:
        if self._worker is None and events._get_running_loop() is None:
            return process_loop().run(self._invoke(event, context))
        return self._call_in_worker(event, context)

    async def _invoke(self, event: Event, context: LambdaContext) -> dict[str, Any]:
        handler = self.infer(event, context)
        try:
            scope = handler.scope
            body = handler.body
        except Exception as exc:
            if not isinstance(handler, _Handler):
                raise  # the user's own handler class: its error is theirs to see
            log.warning("Malformed %s event: %r", type(handler).__name__, exc)
            text = f"Bad Request: {exc}" if isinstance(exc, BadEventError) else "Bad Request"
            return handler(_error(400, text))
        if self.lifespan == "off":
            return handler(await self._respond(scope, body))  # type: ignore[no-any-return]
        cycle = await self._lifespan()
        try:
            scope["state"] = cycle.state.copy()
            return handler(await self._respond(scope, body))  # type: ignore[no-any-return]
        finally:
            if not self.lifespan_once:
                await cycle.shutdown()

    async def _lifespan(self) -> LifespanCycle:
        if self.lifespan_once and self._cycle is not None:
            return self._cycle
        cycle = LifespanCycle(self.app, self.lifespan, self.lifespan_timeout)
        await cycle.startup()  # LifespanFailure leaves the handler, as in Mangum
        if self.lifespan_once:
            self._cycle = cycle
            import atexit

            from .._shutdown import on_sigterm

            on_sigterm(self.close)
            atexit.register(self.close)
        return cycle

    async def _respond(self, scope: dict[str, Any], body: bytes) -> MangumResponse:
        """The app's response as Mangum hands it to a handler: status, byte pairs, body."""
        cycle = _HttpCycle(body)
        try:
            await self.app(scope, cycle.receive, cycle.send)
        except (Exception, asyncio.CancelledError):
            http_log.exception("An error occurred running the application.")
            if not cycle.complete:
                return _error(500, "Internal Server Error")
        finally:
            complete = cycle.complete
            cycle.finish()
        if not complete:
            http_log.error("The application returned without completing its response.")
            return _error(500, "Internal Server Error")
        assert cycle.status is not None
        response = Response(cycle.status, cycle.headers, cycle.body())
        method = scope.get("method")
        if check(Request(method if type(method) is str else "GET", b""), response) is not response:
            return _error(500, "Internal Server Error")  # logged by the policy
        http_log.info("%s %s %s", method, scope.get("path"), response.status)
        return {
            "status": response.status,
            "headers": [
                [name.encode("latin-1"), value.encode("latin-1")]
                for name, value in response.headers
            ],
            "body": response.body,
        }

    def _call_in_worker(self, event: Event, context: LambdaContext) -> dict[str, Any]:
        """Run the invocation on a thread of its own: this thread's loop is busy (the
        caller is a coroutine). Every later call goes there too, so that a lifespan kept
        across invocations stays on the loop it started on."""
        if self._worker is None:
            from concurrent.futures import ThreadPoolExecutor

            log.info("Called from inside a running event loop: invocations run on a worker thread")
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="adapters-mangum")
        return self._worker.submit(self._run_in_worker, event, context).result()  # type: ignore[no-any-return]

    def _run_in_worker(self, event: Event, context: LambdaContext) -> dict[str, Any]:
        if self._worker_loop is None or self._worker_loop.loop.is_closed():
            self._worker_loop = EventLoopOwner()
        return self._worker_loop.run(self._invoke(event, context))

    def close(self) -> None:
        """Run the lifespan shutdown of `lifespan_once` now (SIGTERM does it otherwise)."""
        cycle, self._cycle = self._cycle, None
        if cycle is None:
            return
        owner = self._worker_loop if self._worker is not None else process_loop()
        if owner is None or owner.loop.is_running() or owner.loop.is_closed():
            log.warning("ASGI lifespan shutdown not run: its event loop is busy or closed")
            return
        try:
            owner.run(cycle.shutdown())
        except LifespanFailure:
            log.exception("ASGI lifespan shutdown failed")


def _ensure_thread_loop() -> None:
    """Give this thread a current event loop if it has none, as Mangum's constructor
    does: code written for Mangum calls `asyncio.get_event_loop()` after it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            asyncio.get_event_loop()
        except RuntimeError:
            asyncio.set_event_loop(asyncio.new_event_loop())
