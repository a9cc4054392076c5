"""The exceptions callers may need to catch, and nothing else.

An unknown event is the caller's configuration problem (a misrouted SQS trigger, a test
event typed by hand) and is raised so it fails loudly in the logs. A malformed HTTP event
is a client or platform problem and becomes a 400 response instead; its exception never
escapes the handler.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


class AdapterError(Exception):
    """Base class for every exception this package raises on purpose."""


class UnknownEventError(AdapterError, ValueError):
    """The event is not an HTTP request from any supported source.

    `keys` holds the event's top-level keys, so the log line shows what actually arrived.
    """

    def __init__(self, keys: Iterable[str], hint: str = "") -> None:
        self.keys = sorted(str(key) for key in keys)
        message = (
            "Event not recognised as an HTTP request from any supported source "
            "(API Gateway REST or HTTP API, Lambda Function URL, Application Load Balancer, "
            "VPC Lattice, CloudFront Lambda@Edge). "
            f"Top-level keys seen: {self.keys}"
        )
        if hint:
            message = f"{message}. {hint}"
        super().__init__(message)


class BadEventError(AdapterError, ValueError):
    """A recognised HTTP event is malformed (no method, invalid base64 body, ...).

    The handler answers these with a 400 response; the message goes to the log and into
    the response body, so it must never hold anything but a description of the event.
    """


class LifespanError(AdapterError, RuntimeError):
    """The ASGI app reported that its lifespan startup or shutdown failed."""


class AppStreamError(AdapterError, RuntimeError):
    """The app failed after its status and headers went out, while streaming its body.

    Nothing can turn the response into a 500 any more; drivers end the stream with the
    error signal their transport has (Lambda's error trailers, an errored ReadableStream).
    The app's own exception is the `__cause__`, and its traceback is already logged.
    """


class DeadlineExceeded(BaseException):
    """The app was still running at the invocation's deadline, less the margin.

    A BaseException (as KeyboardInterrupt), so that frameworks' `except Exception` blocks
    do not turn it into their own error page, while `finally` blocks still run.
    """
