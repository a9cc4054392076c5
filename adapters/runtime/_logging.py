"""Log records on stdout with the request id, as Lambda's Python runtime writes them.

Text lines are `[LEVEL]\\t<UTC time>Z\\t<request id>\\t<message>`; with
`AWS_LAMBDA_LOG_FORMAT=JSON`, one JSON object per record (timestamp, level, message,
logger, requestId). `AWS_LAMBDA_LOG_LEVEL` sets the root logger's level.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time

_serving = threading.local()
"""The invocation each thread is serving (several at once under Managed Instances)."""


def set_request_id(request_id: str) -> None:
    """The loop calls this before each invocation, in the thread that serves it."""
    _serving.request_id = request_id


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = getattr(_serving, "request_id", "")
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", ""),
        }
        if record.exc_info:
            entry["stackTrace"] = self.formatException(record.exc_info).splitlines()
        return json.dumps(entry, default=str)


def install(log_format: str, log_level: str) -> None:
    """Add the runtime's handler to the root logger (once)."""
    root = logging.getLogger()
    if any(getattr(handler, "_adapters_runtime", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler(sys.stdout)
    if log_format.upper() == "JSON":
        handler.setFormatter(_JsonFormatter())
    else:
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(_RequestId())
    handler._adapters_runtime = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    level = {"TRACE": "DEBUG"}.get(log_level.upper(), log_level.upper())
    if isinstance(logging.getLevelName(level), int):  # a known level name
        root.setLevel(level)
