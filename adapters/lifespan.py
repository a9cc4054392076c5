"""The ASGI lifespan protocol: one startup, one shutdown, and the `state` between them.

Protocol only. When they run is the runner's and the process owner's decision: once per
process, startup before the first request and shutdown when the process is told to stop.
Peers run both around every invocation, which repeats connection set-up on each request
and defeats `state`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._log import logger
from ._types import ASGIApp, LifespanMode, Message
from .errors import LifespanError

LIFESPAN_MODES = ("auto", "on", "off")


def check_lifespan_mode(mode: object) -> None:
    if mode not in LIFESPAN_MODES:
        raise ValueError(f"lifespan must be 'auto', 'on' or 'off', not {mode!r}")


class Lifespan:
    def __init__(self, app: ASGIApp, mode: LifespanMode = "auto") -> None:
        check_lifespan_mode(mode)
        self.app = app
        self.mode = mode
        self.state: dict[str, Any] = {}
        self.supported = False
        self._queue: asyncio.Queue[Message] | None = None
        self._startup: asyncio.Future[tuple[str, str]] | None = None
        self._shutdown: asyncio.Future[tuple[str, str]] | None = None
        self._restore: asyncio.Future[tuple[str, str]] | None = None
        self._task: asyncio.Task[None] | None = None
        self.wants_restore = False
        """True when the app asked for SnapStart restore events (see `restore`)."""

    async def startup(self) -> None:
        """Run the app's startup; raises LifespanError if the app reports a failure."""
        if self.mode == "off":
            return
        loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._startup = loop.create_future()
        self._shutdown = loop.create_future()
        self._queue.put_nowait({"type": "lifespan.startup"})
        self._task = loop.create_task(self._main())
        outcome, detail = await self._startup
        if outcome == "complete":
            self.supported = True
            return
        if outcome == "failed":
            raise LifespanError(f"ASGI lifespan startup failed: {detail}")
        if self.mode == "on":
            raise LifespanError(f"ASGI lifespan startup did not complete: {detail}")
        logger().info("ASGI app does not support lifespan (%s); continuing without it", detail)

    def abandon(self) -> None:
        """Stop a startup that is taking too long: its task is cancelled, not awaited."""
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def restore(self) -> None:
        """Tell the app its process was restored from a SnapStart snapshot, and wait.

        An ASGI extension: under SnapStart the lifespan scope holds
        `extensions["lambda.snapstart"]`; an app that wants the event says so in its
        startup message, `{"type": "lifespan.startup.complete", "snapstart": True}`, and
        then receives `{"type": "lifespan.snapstart.restore"}` after each restore,
        answering `lifespan.snapstart.restore.complete` (or `.failed` with a `message`).
        Other apps never see the event: many treat any message after startup as shutdown.
        """
        if not (self.supported and self.wants_restore) or self._queue is None:
            return
        self._restore = asyncio.get_running_loop().create_future()
        self._queue.put_nowait({"type": "lifespan.snapstart.restore"})
        outcome, detail = await self._restore
        if outcome != "complete":
            raise LifespanError(f"the app's SnapStart restore handling {outcome}: {detail}")

    async def shutdown(self) -> None:
        if not self.supported or self._queue is None or self._shutdown is None:
            return
        self.supported = False
        self._queue.put_nowait({"type": "lifespan.shutdown"})
        outcome, detail = await self._shutdown
        if self._task is not None:
            await asyncio.wait([self._task])
        if outcome != "complete":
            raise LifespanError(f"ASGI lifespan shutdown {outcome}: {detail}")

    async def _main(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        from .snapstart import enabled as snapstart_enabled

        if snapstart_enabled():
            scope["extensions"] = {"lambda.snapstart": {}}
        outcome = ("returned", "the app returned")
        try:
            await self.app(scope, self._receive, self._send)
        except Exception as exc:
            outcome = ("error", f"{type(exc).__name__}: {exc}")
            if self._startup is not None and self._startup.done():
                logger().exception("ASGI lifespan task raised")
        finally:
            for future in (self._startup, self._shutdown, self._restore):
                if future is not None and not future.done():
                    future.set_result(outcome)

    async def _receive(self) -> Message:
        assert self._queue is not None
        return await self._queue.get()

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        detail = str(message.get("message", ""))
        futures = {
            "lifespan.startup.complete": (self._startup, "complete"),
            "lifespan.startup.failed": (self._startup, "failed"),
            "lifespan.shutdown.complete": (self._shutdown, "complete"),
            "lifespan.shutdown.failed": (self._shutdown, "failed"),
            "lifespan.snapstart.restore.complete": (self._restore, "complete"),
            "lifespan.snapstart.restore.failed": (self._restore, "failed"),
        }
        if kind not in futures:
            raise RuntimeError(f"unexpected ASGI lifespan message {kind!r}")
        if kind == "lifespan.startup.complete" and message.get("snapstart") is True:
            self.wants_restore = True
        future, outcome = futures[kind]
        if future is not None and not future.done():
            future.set_result((outcome, detail))
