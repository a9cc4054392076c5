"""Running clean-up code when the Lambda runtime stops the process.

Lambda sends SIGTERM before it ends an execution environment that has a registered
extension, and then allows the runtime up to 300 ms ("Lambda Extensions API", shutdown
phase). Without an extension there is no signal and no clean-up window at all.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

from ._log import logger


def on_sigterm(callback: Callable[[], None]) -> bool:
    """Run `callback` on SIGTERM, then whatever SIGTERM would have done without it.

    Returns False when the handler cannot be installed (not the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        logger().debug("Not in the main thread: SIGTERM will not run the ASGI shutdown")
        return False
    previous = signal.getsignal(signal.SIGTERM)
    if previous is None:  # set outside Python; restoring the default is the best we can do
        previous = signal.SIG_DFL

    def handle(signum: int, frame: FrameType | None) -> None:
        try:
            callback()
        except Exception:
            logger().exception("Shutdown callback failed")
        finally:
            signal.signal(signal.SIGTERM, previous)
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.raise_signal(signum)

    signal.signal(signal.SIGTERM, handle)
    return True
