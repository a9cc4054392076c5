"""The package's logger, for the paths that log.

`logging` costs more to import than the rest of the package together (it brings in
threading, traceback, weakref and string), and a WSGI request logs only when something
goes wrong; so it is imported on the first log call, not when the package is.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from logging import Logger


def logger() -> Logger:
    """The "adapters" logger; callers get it at the moment they log, never at import."""
    import logging

    return logging.getLogger("adapters")
