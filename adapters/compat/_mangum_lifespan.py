"""ASGI lifespan with the outcomes Mangum's users rely on, and limits Mangum lacks.

What the app sees and what the handler raises are Mangum's:
- a `lifespan.startup.failed` or `lifespan.shutdown.failed`, or a message that is not a
  lifespan message, raises `LifespanFailure` out of the handler;
- an exception raised by the app's lifespan is logged ("Exception in 'lifespan'
  protocol.") and requests go on, with "auto" and with "on";
- an app that sends before it has received `lifespan.startup` has no lifespan; requests
  go on;
- `state` is one dict, filled in by the startup, that each request's scope copies.

What is ours: a startup or shutdown that does not answer within its time limit is
abandoned with one log line instead of hanging the invocation for ever.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .._types import ASGIApp, LifespanMode, Message

log = logging.getLogger("mangum.lifespan")
"""Mangum's logger name: the one its users already configure."""

LIFESPAN_MESSAGES = frozenset(
    {
        "lifespan.startup.complete",
        "lifespan.startup.failed",
        "lifespan.shutdown.complete",
        "lifespan.shutdown.failed",
    }
)


class LifespanFailure(Exception):
    """The app's lifespan startup or shutdown failed."""


class UnexpectedMessage(Exception):
    """An ASGI message the protocol does not allow at that point."""


class _NoLifespan(Exception):
    """Raised into an app that sends before it was asked to start: it has no lifespan."""


class LifespanCycle:
    """One run of the app's lifespan: `await startup()`, requests, `await shutdown()`."""

    def __init__(self, app: ASGIApp, mode: LifespanMode, timeout: float | None = 30.0) -> None:
        self.app = app
        self.mode = mode
        self.timeout = timeout
        self.state: dict[str, Any] = {}
        self.failure: BaseException | None = None
        self._asked = 0  # lifespan messages the app has received
        self._queue: asyncio.Queue[Message] = asyncio.Queue()
        self._started = asyncio.Event()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        self._task = asyncio.ensure_future(self._run())
        self._queue.put_nowait({"type": "lifespan.startup"})
        if not await self._wait(self._started, "startup"):
            return
        if self.failure is not None:
            raise LifespanFailure(self.failure)

    async def shutdown(self) -> None:
        task = self._task
        if task is None or task.done():
            if self.failure is not None:
                raise LifespanFailure(self.failure)
            return
        self._queue.put_nowait({"type": "lifespan.shutdown"})
        if not await self._wait(self._stopped, "shutdown"):
            return
        if self.failure is not None:
            raise LifespanFailure(self.failure)

    async def _wait(self, event: asyncio.Event, stage: str) -> bool:
        try:
            await asyncio.wait_for(event.wait(), self.timeout)
        except asyncio.TimeoutError:
            log.error(
                "ASGI lifespan %s did not answer within %g s; abandoned, the invocation goes on",
                stage,
                self.timeout,
            )
            if self._task is not None:
                self._task.cancel()
            return False
        return True

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": self.state}  # fmt: skip
        try:
            await self.app(scope, self._receive, self._send)
        except _NoLifespan:
            log.info("ASGI 'lifespan' protocol appears unsupported.")
        except (LifespanFailure, UnexpectedMessage) as failure:
            self.failure = failure
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # the app's own: logged, requests go on
            log.error("Exception in 'lifespan' protocol.", exc_info=error)
        finally:
            self._started.set()
            self._stopped.set()

    async def _receive(self) -> Message:
        self._asked += 1
        return await self._queue.get()

    async def _send(self, message: Message) -> None:
        kind = message.get("type")
        if self._asked == 0:  # not asked to start: the app does not speak lifespan
            raise _NoLifespan
        if kind not in LIFESPAN_MESSAGES:
            self.failure = UnexpectedMessage(f"Unexpected {kind!r} event received.")
            raise self.failure
        detail = message.get("message", "")
        if kind == "lifespan.startup.complete":
            self._started.set()
        elif kind == "lifespan.startup.failed":
            self.failure = LifespanFailure(f"Lifespan startup failure. {detail}")
            self._started.set()
            raise self.failure
        elif kind == "lifespan.shutdown.complete":
            self._stopped.set()
        else:
            self.failure = LifespanFailure(f"Lifespan shutdown failure. {detail}")
            self._stopped.set()
            raise self.failure
