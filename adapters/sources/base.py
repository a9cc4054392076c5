"""What every event source provides, and the rendering steps they all share.

A source is stateless: it recognises its event, builds a `Request` from it, and shapes a
`Response` into the dict its front door expects. The shared steps (body encoding, payload
limit) live here so each source module holds only what is particular to its format.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from .._log import logger
from ..bodies import TextTypes, encode_body
from ..model import Request, Response, plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar

    from .._types import Event, LambdaContext

LAMBDA_PAYLOAD_LIMIT = 6_291_556
"""Synchronous invocation response limit, in bytes, as Lambda enforces it (the error reads
"Response payload size exceeded maximum allowed payload size (6291556 bytes)")."""


class EventSource(ABC):
    """One AWS front door's event format."""

    name: ClassVar[str]

    @abstractmethod
    def matches(self, event: Event) -> bool:
        """True when the event is this source's (even a malformed one)."""

    @abstractmethod
    def parse(self, event: Event, context: LambdaContext) -> Request:
        """The request the event carries; raises BadEventError when it is malformed."""

    @abstractmethod
    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        """The response dict in this source's format, with the body already encoded."""

    def response_limit(self, event: Event) -> int:
        """The largest response payload the front door accepts, in bytes."""
        return LAMBDA_PAYLOAD_LIMIT

    def render(self, response: Response, event: Event, text_types: TextTypes) -> Event:
        body, is_base64 = encode_body(response, text_types)
        size = payload_size(response, body)
        limit = self.response_limit(event)
        if size > limit:
            logger().error(
                "Response replaced by a 500: %s bytes after encoding exceeds the %s byte "
                "limit of %s (status %s, base64=%s)",
                size, limit, self.name, response.status, is_base64,
            )  # fmt: skip
            response = plain_response(
                500,
                f"Internal Server Error: the response ({size} bytes encoded) exceeds the "
                f"{limit} byte limit of {self.name}.",
            )
            body, is_base64 = encode_body(response, text_types)
        return self.shape(response, body, is_base64, event)


def payload_size(response: Response, body: str) -> int:
    """A close upper estimate of the JSON payload size, without serialising it."""
    size = 200 + (len(body) if body.isascii() else len(body.encode("utf-8")))
    for name, value in response.headers:
        size += len(name) + len(value) + 8
    return size
