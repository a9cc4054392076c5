"""What an event source is: the complete codec of one AWS front door.

A source recognises its front door's event, turns it into a `Request`, and renders a
`Response` into the result that door expects (buffered JSON, and for doors that can
stream, the prelude of a streamed response). It also knows the door's limits, its name,
the id it gives each request, an example event, and the inverse of its rendering: what
the door makes of a function's result, which the dev server, `adapters invoke` and the
tests use, so that no format is described twice.

Sources are stateless; one instance serves every invocation. To add a front door, subclass
`EventSource` and pass an instance in `LambdaHandler(app, sources=[...])`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from .._bodies import TextTypes, encode_body
from .._log import logger
from ..model import Request, Response, plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar

    from .._types import Event, LambdaContext
    from ..testing import ExampleRequest

LAMBDA_PAYLOAD_LIMIT = 6_291_556
"""Synchronous invocation response limit, in bytes, as Lambda enforces it (the error reads
"Response payload size exceeded maximum allowed payload size (6291556 bytes)")."""

STREAM_LIMIT = 200 * 1024 * 1024
"""A streamed response may be up to 200 MB ("Response streaming for Lambda functions")."""

HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
"""The content type of a streamed response that starts with an HTTP integration prelude."""

PRELUDE_DELIMITER = b"\x00" * 8
"""Eight NUL bytes end the JSON prelude; the raw body follows."""


_ERROR_TEXT = "Internal Server Error"


class UnrepresentableResponse(ValueError):
    """A response the front door's format has no way to carry (`shape` raises it)."""


def runtime_ensure_ascii() -> bool:
    """Whether the runtime escapes non-ASCII in the result's JSON, as awslambdaric does
    everywhere but on the python3.12 and later managed runtimes (and the adapters runtime
    does the same), so the size the front door sees is known."""
    import os

    environment = os.environ.get("AWS_EXECUTION_ENV", "")
    version = environment.removeprefix("AWS_Lambda_python3.")
    return not (version != environment and version.isdecimal() and int(version) >= 12)


def result_payload(result: Any) -> bytes:
    """The JSON the runtime sends for `result` (the adapters runtime sends exactly this).

    Raises TypeError or ValueError for a result JSON cannot hold.
    """
    import json

    if runtime_ensure_ascii():
        return json.dumps(result).encode("ascii")
    try:
        return json.dumps(result, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: only escapes can carry them
        return json.dumps(result).encode("ascii")


def serialized_size(result: Any) -> int:
    """The bytes of the JSON the runtime sends for `result`."""
    return len(result_payload(result))


class EventSource(ABC):
    """One AWS front door's event format."""

    name: ClassVar[str]
    """What logs call it ("API Gateway HTTP API (payload 2.0)")."""
    key: ClassVar[str]
    """Its short name in `build_event` and `adapters event` ("http")."""
    streams: ClassVar[bool] = False
    """True when the door can take a streamed response (HTTP integration prelude)."""

    @abstractmethod
    def matches(self, event: Event) -> bool:
        """True when the event is this source's (even a malformed one)."""

    @abstractmethod
    def parse(self, event: Event, context: LambdaContext) -> Request:
        """The request the event carries; raises BadEventError when it is malformed."""

    @abstractmethod
    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        """The response dict in this source's format, with the body already encoded."""

    @abstractmethod
    def example_event(self, request: ExampleRequest) -> Event:
        """The event this door sends for a request (see `adapters.testing.build_event`)."""

    @abstractmethod
    def decode_result(self, result: Any, event: Event) -> Response:
        """What the door answers its client for a function's `result`: the inverse of
        `render`. A result the door would refuse raises `ValueError` (the door's 502)."""

    def request_id(self, event: Event) -> str | None:
        """The id the front door gave this request (for log correlation), if any."""
        context = event.get("requestContext")
        if isinstance(context, dict):
            request_id = context.get("requestId")
            if isinstance(request_id, str):
                return request_id
        return None

    def response_limit(self, event: Event) -> int:
        """The largest buffered response payload the front door accepts, in bytes."""
        return LAMBDA_PAYLOAD_LIMIT

    def render(self, response: Response, event: Event, text_types: TextTypes) -> Event:
        """The buffered result for a complete response, within the door's size limit.

        The limit is on the JSON the runtime sends, where escapes can make a text body up
        to six times its length; so the count is exact whenever it could matter.
        """
        body = response.body
        if type(body) is not bytes:
            raise TypeError("a streamed body must be read whole before it is rendered")
        content_type = content_encoding = None
        size = 200  # a close upper bound on the JSON around the body and headers
        for name, value in response.headers:
            size += len(name) + len(value) + 8
            if name[:1] in ("C", "c") and len(name) in (12, 16):
                lowered = name.lower()
                if lowered == "content-type":
                    content_type = value
                elif lowered == "content-encoding":
                    content_encoding = value
        head = size  # the part JSON may escape even when the body is base64
        text, is_base64 = encode_body(body, content_type, content_encoding, text_types)
        size += len(text) if text.isascii() else len(text.encode("utf-8"))
        limit = self.response_limit(event)
        try:
            result = self.shape(response, text, is_base64, event)
        except UnrepresentableResponse as problem:
            logger().error("Response replaced by a 500: %s cannot carry it: %s", self.name, problem)
            return self.shape(
                plain_response(500, "Internal Server Error"), _ERROR_TEXT, False, event
            )
        if size <= limit // 6 or (is_base64 and size + 5 * head <= limit):
            return result  # escapes (at most six bytes a character) cannot take it past
        size = serialized_size(result)
        if size <= limit:
            return result
        logger().error(
            "Response replaced by a 500: %s bytes of JSON exceeds the %s byte limit of %s "
            "(status %s, base64=%s)",
            size, limit, self.name, response.status, is_base64,
        )  # fmt: skip
        error = plain_response(
            500,
            f"Internal Server Error: the response ({size} bytes as JSON) exceeds the "
            f"{limit} byte limit of {self.name}.",
        )
        return self.shape(error, error.body.decode(), False, event)  # type: ignore[union-attr]

    def failure_result(self, event: Event) -> Event:
        """A 500 in this door's shape that needs nothing from the event: the answer when
        even rendering failed (a hostile event), since the handler must answer."""
        return {
            "statusCode": 500,
            "headers": {"content-type": "text/plain; charset=utf-8"},
            "body": _ERROR_TEXT,
            "isBase64Encoded": False,
        }

    def prelude(self, response: Response, event: Event) -> dict[str, Any]:
        """The JSON prelude of a streamed response: status, headers and cookies."""
        raise NotImplementedError(f"{self.name} does not stream responses")

    def stream_head(self, response: Response, event: Event) -> bytes:
        """The bytes a streamed response starts with: the JSON prelude and its delimiter."""
        return _compact_json(self.prelude(response, event)).encode("utf-8") + PRELUDE_DELIMITER


def _compact_json(value: Any) -> str:
    """JSON without spaces, from one encoder made on first use (json.dumps with arguments
    builds a new encoder on every call)."""
    global _encode  # noqa: PLW0603 - made once, on the first streamed response
    if _encode is None:
        import json

        _encode = json.JSONEncoder(separators=(",", ":")).encode
    return _encode(value)


_encode: Callable[[Any], str] | None = None


def split_stream(payload: bytes) -> tuple[dict[str, Any], bytes]:
    """A streamed HTTP integration response as (prelude, body): the inverse of
    `stream_head` plus the body. Raises ValueError when there is no delimited prelude."""
    import json

    head, found, body = payload.partition(PRELUDE_DELIMITER)
    if not found:
        raise ValueError("no 8-NUL delimiter after the streamed response's prelude")
    prelude = json.loads(head)
    if not isinstance(prelude, dict):
        raise ValueError("the streamed response's prelude is not a JSON object")
    return prelude, body
