"""Answering 504 shortly before Lambda's deadline, instead of being killed with no word.

When an invocation runs out of time, Lambda stops the runtime: the client gets the front
door's own error and the function's log shows only "Task timed out", with nothing about
which request was stuck or where. So the handler arms a timer for the time that remains
(`context.get_remaining_time_in_millis()`) less a margin, and when it fires first, the
app is interrupted, the reason is logged, and the client gets a 504 in the front door's
shape while the process lives on for the next invocation.

- ASGI: the request's task is cancelled (as `asyncio.timeout` does; `_loop` arms the
  timer only once the task waits for the full event loop, since an answer computed in
  its first step cannot be stuck); the app sees `CancelledError` at its `await`. An app
  busy in CPU-bound code without an `await` cannot be interrupted this way; Lambda's own
  timeout still applies.
- WSGI: a `SIGALRM` timer raises `errors.DeadlineExceeded` (a BaseException, like
  KeyboardInterrupt, so frameworks' `except Exception` blocks do not swallow it, while
  `finally` blocks and context managers still release what the app holds). Blocking
  calls are interrupted too (PEP 475). It is used only where it is safe: in the main
  thread (where Python runs signal handlers), and only when no one else owns SIGALRM.
"""

from __future__ import annotations

import signal
import threading

from ._log import logger
from .errors import DeadlineExceeded

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType

DEFAULT_MARGIN = 0.5
"""Seconds before the deadline at which the app is interrupted: time enough to log, render
and send the 504 (a few milliseconds), with room for a slow first byte on a busy host."""


def seconds_left(context: object, margin: float) -> float | None:
    """Seconds until the app must be interrupted, or None when the context cannot tell
    (a test's `None`, a context without the method) or too little time is left to act."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    try:
        milliseconds = remaining()
    except Exception:
        return None
    if type(milliseconds) not in (int, float):
        return None
    left: float = milliseconds / 1000 - margin
    return left if left > 0.001 else None


def log_deadline(what: str, seconds: float, margin: float) -> None:
    logger().error(
        "Answering 504: %s was still running %.3f s after it started, %.3f s before the "
        "Lambda deadline; it was interrupted so the client gets an answer and this log "
        "says why (the function's timeout is too short for it, or it is stuck)",
        what,
        seconds,
        margin,
    )


def arm_alarm(seconds: float) -> bool:
    """Start the WSGI deadline timer; False where it cannot be used safely (module docs).

    Checked on every call, as the app may take SIGALRM over, or run a handler on a thread.
    """
    if not _HAS_TIMER or threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGALRM) is not _raise_deadline and not _install():
        return False
    global _armed  # noqa: PLW0603 - the one timer of the main thread
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return True


def disarm_alarm() -> None:
    global _armed  # noqa: PLW0603
    _armed = False  # first: a signal already delivered but not yet handled is ignored
    signal.setitimer(signal.ITIMER_REAL, 0)


_armed = False


_HAS_TIMER = hasattr(signal, "setitimer")  # not on Windows, nor in the browser


def _install() -> bool:
    if signal.getsignal(signal.SIGALRM) not in (signal.SIG_DFL, None):
        return False  # the app or a library owns SIGALRM: leave it alone
    signal.signal(signal.SIGALRM, _raise_deadline)
    return True


def _raise_deadline(signum: int, frame: FrameType | None) -> None:
    if _armed:
        raise DeadlineExceeded
