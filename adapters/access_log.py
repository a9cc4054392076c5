"""One structured log line per request.

Lambda users search CloudWatch by request id, path and status; API Gateway access logs
are off by default and ALB, Lattice and Function URLs have none of their own. The line
is JSON on stdout (which the runtime ships to CloudWatch as is) unless the user passes
their own writer, such as a Powertools Logger method. Paths are logged without the query
string, which often carries tokens.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    AccessRecord = dict[str, Any]
    AccessWriter = Callable[[AccessRecord], None]


def _string(value: object) -> str:
    """A JSON string literal; plain printable ASCII (the usual case) needs no escaping."""
    if (
        type(value) is str
        and value.isascii()
        and value.isprintable()
        and '"' not in value
        and "\\" not in value
    ):
        return '"' + value + '"'
    if value is None:  # no request id outside Lambda (tests, local runs)
        return "null"
    import json  # only for strings that need escaping: most lines never load it

    return json.dumps(value)


def access_line(
    *,
    source: str,
    method: str,
    path: str,
    status: int,
    duration_ms: float,
    request_id: object,
    cold_start: bool,
) -> str:
    """The JSON line for one request, formatted field by field.

    `json.dumps` of a record costs several times more on this hot path (bench/PROFILE.md),
    and importing `json` is a cold-start cost most functions need not pay.
    """
    return (
        f'{{"level":"INFO","message":{_string(f"{method} {path} {status}")},'
        f'"requestId":{_string(request_id)},"method":{_string(method)},'
        f'"path":{_string(path)},"status":{int(status)},'
        f'"durationMs":{float(duration_ms)!r},"source":{_string(source)},'
        f'"coldStart":{"true" if cold_start else "false"}}}\n'
    )


def write_json_line(record: AccessRecord) -> None:
    """The record as one compact JSON line on stdout (the default writer)."""
    if record.keys() != _FIELDS or record["message"] != (
        f"{record['method']} {record['path']} {record['status']}"
    ):
        import json

        sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
        return
    sys.stdout.write(
        access_line(
            source=record["source"],
            method=record["method"],
            path=record["path"],
            status=record["status"],
            duration_ms=record["durationMs"],
            request_id=record["requestId"],
            cold_start=record["coldStart"],
        )
    )


def access_record(
    *,
    source: str,
    method: str,
    path: str,
    status: int,
    duration: float,
    context: Any,
    cold_start: bool,
) -> AccessRecord:
    return {
        "level": "INFO",
        "message": f"{method} {path} {status}",
        "requestId": getattr(context, "aws_request_id", None),
        "method": method,
        "path": path,
        "status": status,
        "durationMs": round(duration * 1000, 3),
        "source": source,
        "coldStart": cold_start,
    }


_FIELDS = access_record(
    source="", method="", path="", status=0, duration=0.0, context=None, cold_start=False
).keys()
