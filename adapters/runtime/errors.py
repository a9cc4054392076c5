"""Error reports in the shape Lambda's own Python runtime gives them.

`{"errorMessage", "errorType", "requestId", "stackTrace"}`, as awslambdaric posts them, so
logs, the Lambda console and `sam local invoke` read our failures the way they read any
Python function's. A failure in the middle of a streamed response is reported in its
trailers, which Lambda forwards to the client: that report names no exception text.
"""

from __future__ import annotations

import traceback

from .._log import logger
from ..errors import AppStreamError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def error_info(exc: BaseException, request_id: str = "", error_type: str = "") -> dict[str, Any]:
    """The report for an exception that failed an invocation or the start-up."""
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def stream_error_info(exc: BaseException) -> dict[str, Any]:
    """The trailer report for a stream that failed after its first byte."""
    if isinstance(exc, AppStreamError):  # the interface logged the app's traceback
        message = "The app failed while streaming its response; see the function's log."
    else:
        logger().error("The response stream failed", exc_info=exc)
        message = "The response stream failed; see the function's log."
    return {"errorType": "Function.StreamError", "errorMessage": message}
