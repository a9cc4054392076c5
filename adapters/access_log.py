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
    duration: float,
    request_id: object,
    cold_start: bool,
) -> str:
    """The JSON line of `access_record(...)`, formatted field by field.

    `json.dumps` of a record costs several times more on this hot path (bench/PROFILE.md),
    and importing `json` is a cold-start cost most functions need not pay.
    """
    return (
        f'{{"level":"INFO","message":{_string(f"{method} {path} {status}")},'
        f'"requestId":{_string(request_id)},"method":{_string(method)},'
        f'"path":{_string(path)},"status":{int(status)},'
        f'"durationMs":{round(duration * 1000, 3)!r},"source":{_string(source)},'
        f'"coldStart":{"true" if cold_start else "false"}}}\n'
    )


def access_record(
    *,
    source: str,
    method: str,
    path: str,
    status: int,
    duration: float,
    request_id: object,
    cold_start: bool,
) -> AccessRecord:
    """What a custom writer receives for each request."""
    return {
        "level": "INFO",
        "message": f"{method} {path} {status}",
        "requestId": request_id,
        "method": method,
        "path": path,
        "status": status,
        "durationMs": round(duration * 1000, 3),
        "source": source,
        "coldStart": cold_start,
    }


def write_json_line(record: AccessRecord) -> None:
    """A record as one compact JSON line on stdout: the default writer.

    The handler never calls it with its own records: `access_emitter` writes those lines
    straight from the values. It is here for records built or changed by users.
    """
    import json

    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")


def access_emitter(writer: AccessWriter) -> Callable[..., None]:
    """How the handler hands each request's values (`access_record`'s arguments) to
    `writer`: chosen once, so the default writer costs no record and no check per call."""
    if writer is write_json_line:
        return _write_line

    def emit(**values: Any) -> None:
        writer(access_record(**values))

    return emit


def _write_line(**values: Any) -> None:
    sys.stdout.write(access_line(**values))
