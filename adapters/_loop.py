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
    """Owns one event loop for the life of the process and runs coroutines on it.

    By default the loop runs in the calling thread, only while a coroutine is being run:
    one invocation at a time, as Lambda has always called handlers. After
    `serve_in_thread()` the loop runs for ever in a thread of its own and `run` may be
    called from many threads at once (Lambda Managed Instances' concurrent invocations):
    every coroutine is then a task of that one loop, so one lifespan and one connection
    pool serve them all.
    """

    __slots__ = ("_ready", "_thread", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = asyncio.new_event_loop() if loop is None else loop
        ready = getattr(self.loop, "_ready", None)
        self._ready: deque[Any] | None = ready if type(ready) is deque else None
        self._thread: Any = None

    @property
    def threaded(self) -> bool:
        """True once the loop runs in its own thread (`serve_in_thread`)."""
        return self._thread is not None

    def serve_in_thread(self) -> None:
        """Run the loop for ever in a daemon thread, so that `run` is thread-safe.

        Tasks already on the loop (a lifespan started during INIT) carry on there.
        """
        if self._thread is not None:
            return
        import threading

        started = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.call_soon(started.set)
            self.loop.run_forever()

        thread = threading.Thread(target=main, name="adapters-event-loop", daemon=True)
        thread.start()
        started.wait()
        self._thread = thread

    def _run_from_thread(self, coroutine: Coroutine[Any, Any, T], timeout: float | None) -> T:
        """`run` when the loop has a thread of its own: the coroutine becomes a task there,
        in a copy of the caller's context (its contextvars, a trace span), and this thread
        waits for it."""
        import concurrent.futures
        import contextvars

        context = contextvars.copy_context()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        tasks: list[asyncio.Task[T]] = []

        def settle(task: asyncio.Task[T]) -> None:
            if task.cancelled():
                done.set_exception(asyncio.CancelledError())
            elif task.exception() is not None:
                done.set_exception(task.exception())
            else:
                done.set_result(task.result())

        def start() -> None:
            task = context.run(self.loop.create_task, coroutine)
            tasks.append(task)
            task.add_done_callback(settle)

        self.loop.call_soon_threadsafe(start)
        try:
            return done.result(timeout)
        except concurrent.futures.TimeoutError:
            pass
        from .errors import DeadlineExceeded

        self.loop.call_soon_threadsafe(lambda: tasks[0].cancel() if tasks else None)
        done.exception()  # waits: the app's finally blocks run before the 504 goes out
        raise DeadlineExceeded

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coroutine` to its end on the loop and return its result.

        With `timeout`, raise `DeadlineExceeded` once that many seconds have passed
        (the task is cancelled first, so the app's `finally` blocks run).
        """
        if self._thread is not None:
            return self._run_from_thread(coroutine, timeout)
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
        if self._thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
            self._thread = None
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
    """The event loop every handler of this process shares (one per process, whether Lambda
    sends one request at a time or several); also made the thread's current loop for code
    that asks."""
    global _process_loop  # noqa: PLW0603 - one per process, by design
    if _process_loop is None or _process_loop.loop.is_closed():
        _process_loop = EventLoopOwner()
        asyncio.set_event_loop(_process_loop.loop)
    return _process_loop
