"""Reading a function's result back, as the front doors do (the inverse of rendering)."""

from __future__ import annotations

import binascii

from .._bodies import decode_base64
from ..errors import BadEventError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import HeaderList


def status_of(result: Any) -> int:
    """The integer `statusCode` of a result object, or ValueError: the front door's 502."""
    if not isinstance(result, dict):
        raise ValueError(f"the result is a {type(result).__name__}, not an object")
    status = result.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool):
        raise ValueError("the result has no integer statusCode")
    return status


def result_headers(result: dict[str, Any]) -> HeaderList:
    """`headers` then `multiValueHeaders`, as pairs in order."""
    pairs: HeaderList = []
    headers = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise ValueError("headers must be objects")
    pairs.extend((str(name), str(value)) for name, value in headers.items())
    for name, values in multi.items():
        if not isinstance(values, list):
            raise ValueError(f"multiValueHeaders[{name!r}] must be a list")
        pairs.extend((str(name), str(value)) for value in values)
    return pairs


def result_body(result: dict[str, Any], base64_flag: str = "isBase64Encoded") -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise ValueError("body must be a string")
    encoded = result.get(base64_flag)
    if base64_flag == "bodyEncoding":
        encoded = encoded == "base64"
    if encoded:
        try:
            return decode_base64(body)
        except (BadEventError, binascii.Error):
            raise ValueError("body is marked base64 but is not valid base64") from None
    return body.encode("utf-8")
