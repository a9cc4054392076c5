"""The process's one event loop, and running a coroutine to its end on it, cheaply.

Lambda calls a handler synchronously, once per invocation, so each ASGI invocation must
run a coroutine to completion and return. `loop.run_until_complete` does that at a cost of
about 68,000 CPU instructions per call (its `run_forever` set-up, a selector poll, three
turns of `_run_once`: bench/PROFILE.md), more than everything else an invocation does.
Yet most invocations never wait for I/O at all: the app computes its response and
returns within the first step of its task.

So `run` creates the task as usual and then runs the loop's ready callbacks itself, with
the loop marked as running in this thread (so `get_running_loop`, `current_task` and
everything built on them, anyio included, see a real loop and a real task). The moment
the task has to wait for something only the full loop provides (I/O, a timer, a thread),
it hands over to `run_until_complete`, which carries on with the same task. Only the
callbacks that were ready are ever run early, in their order: the loop's semantics are
unchanged, only its bookkeeping is skipped.

This reads two private parts of asyncio's base event loop (the `_ready` deque and
`Handle._run`), unchanged from Python 3.4 to 3.14; any loop without them (uvloop, a
future asyncio) simply always takes `run_until_complete`.
"""

from __future__ import annotations

import asyncio
import sys
from asyncio import events
from collections import deque

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any, TypeVar

    T = TypeVar("T")

_MAX_EARLY_CALLBACKS = 10_000
"""A bound on the callbacks run outside the full loop for one call: past it, a callback
chain that never waits (a busy loop of `sleep(0)`) gets the real loop's fairness."""


class EventLoopOwner:
    """Owns one event loop for the life of the process and runs coroutines on it."""

    __slots__ = ("_ready", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = asyncio.new_event_loop() if loop is None else loop
        ready = getattr(self.loop, "_ready", None)
        self._ready: deque[Any] | None = ready if type(ready) is deque else None

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coroutine` to its end on the loop and return its result.

        With `timeout`, raise `DeadlineExceeded` once that many seconds have passed
        (the task is cancelled first, so the app's `finally` blocks run).
        """
        loop = self.loop
        ready = self._ready
        when = None if timeout is None else loop.time() + timeout
        if ready is None or ready or events._get_running_loop() is not None:
            if when is None:
                return loop.run_until_complete(coroutine)
            return _finish(loop, loop.create_task(coroutine), when)
        # A Task made directly, named: the loop's create_task wrapper and the default
        # name ("Task-N", formatted per task on Python 3.11) cost more than the step.
        task = asyncio.Task(coroutine, loop=loop, name="adapters")
        hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(
            firstiter=loop._asyncgen_firstiter_hook,  # type: ignore[attr-defined]
            finalizer=loop._asyncgen_finalizer_hook,  # type: ignore[attr-defined]
        )  # as run_forever does, so async generators are finalised on this loop
        events._set_running_loop(loop)
        try:
            budget = _MAX_EARLY_CALLBACKS
            while ready and budget:
                budget -= 1
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
                if task.done():
                    # What became ready meanwhile (its own done callbacks, tasks it started)
                    # runs now, as the loop's next turn would, leaving the loop idle.
                    for _ in range(min(len(ready), budget)):
                        handle = ready.popleft()
                        if not handle._cancelled:
                            handle._run()
                    break
        finally:
            events._set_running_loop(None)
            sys.set_asyncgen_hooks(*hooks)
        if task.done():
            return task.result()
        if when is None:
            return loop.run_until_complete(task)
        return _finish(loop, task, when)

    def close(self) -> None:
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()


def _finish(loop: asyncio.AbstractEventLoop, task: asyncio.Task[T], when: float) -> T:
    """Run the loop until `task` is done, cancelling it at `when` (loop time)."""
    from .errors import DeadlineExceeded

    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = loop.call_at(when, expire)
    try:
        result = loop.run_until_complete(task)
    except asyncio.CancelledError:
        if expired:
            raise DeadlineExceeded from None
        raise
    finally:
        timer.cancel()
    if expired:  # the app caught the cancellation (or, before 3.11, it became a 500)
        raise DeadlineExceeded
    return result


_process_loop: EventLoopOwner | None = None


def process_loop() -> EventLoopOwner:
    """The event loop every handler of this process shares (one per process, as Lambda has
    one request at a time); also made the thread's current loop for code that asks."""
    global _process_loop  # noqa: PLW0603 - one per process, by design
    if _process_loop is None or _process_loop.loop.is_closed():
        _process_loop = EventLoopOwner()
        asyncio.set_event_loop(_process_loop.loop)
    return _process_loop
