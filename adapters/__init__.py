"""Run one WSGI or ASGI app on AWS Lambda behind any AWS HTTP front door.

    from adapters import LambdaHandler
    handler = LambdaHandler(app)

Importing this package loads neither asyncio nor any framework: the ASGI machinery is
imported only when the handler wraps an ASGI app.
"""

from __future__ import annotations

from ._bodies import TextTypes
from .errors import (
    AdapterError,
    AppStreamError,
    BadEventError,
    LifespanError,
    UnknownEventError,
)
from .handler import LambdaHandler, ResponseStream
from .model import AsyncByteStream, Request, Response, SyncByteStream
from .runner import AppRunner
from .sources.base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .access_log import AccessRecord, AccessWriter
    from .wsgi import EnvironHook

__all__ = [
    "AccessRecord",
    "AccessWriter",
    "AdapterError",
    "AppRunner",
    "AppStreamError",
    "AsyncByteStream",
    "BadEventError",
    "EnvironHook",
    "EventSource",
    "LambdaHandler",
    "LifespanError",
    "Request",
    "Response",
    "ResponseStream",
    "SyncByteStream",
    "TextTypes",
    "UnknownEventError",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """The type aliases the documented hooks use, without importing typing at start-up."""
    if name in ("AccessRecord", "AccessWriter"):
        from collections.abc import Callable
        from typing import Any

        record = dict[str, Any]
        return record if name == "AccessRecord" else Callable[[record], None]
    if name == "EnvironHook":
        from collections.abc import Callable
        from typing import Any

        return Callable[[dict[str, Any], Request], None]
    raise AttributeError(f"module 'adapters' has no attribute {name!r}")
