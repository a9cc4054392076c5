"""Run one WSGI or ASGI app on AWS Lambda behind any AWS HTTP front door.

    from adapters import LambdaHandler
    handler = LambdaHandler(app)

Importing this package loads neither asyncio nor any framework: the ASGI machinery is
imported only when the handler wraps an ASGI app.
"""

from __future__ import annotations

from .errors import AdapterError, BadEventError, LifespanError, UnknownEventError
from .handler import LambdaHandler
from .model import Request, Response

__all__ = [
    "AdapterError",
    "BadEventError",
    "LambdaHandler",
    "LifespanError",
    "Request",
    "Response",
    "UnknownEventError",
]
__version__ = "0.1.0"
