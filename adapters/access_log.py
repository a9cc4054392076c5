"""One structured log line per request.

Lambda users search CloudWatch by request id, path and status; API Gateway access logs
are off by default and ALB, Lattice and Function URLs have none of their own. The line
is JSON on stdout (which the runtime ships to CloudWatch as is) unless the user passes
their own writer, such as a Powertools Logger method. Paths are logged without the query
string, which often carries tokens.
"""

from __future__ import annotations

import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    AccessRecord = dict[str, Any]
    AccessWriter = Callable[[AccessRecord], None]


_PLAIN = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII but '"' and '\\': nothing to escape


def _string(value: object) -> str:
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return '"' + value + '"'
    if value is None:  # no request id outside Lambda (tests, local runs)
        return "null"
    import json  # only for strings that need escaping: most lines never load it

    return json.dumps(value)


def write_json_line(record: AccessRecord) -> None:
    """The record as one compact JSON line on stdout.

    Formatted field by field for the record `access_record` makes: `json.dumps` costs
    more per call on this hot path (bench/PROFILE.md), and importing `json` is a cold-start
    cost most functions need not pay. Other records go through json.
    """
    if record.keys() != _FIELDS:
        import json

        sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
        return
    sys.stdout.write(
        f'{{"level":"INFO","message":{_string(record["message"])},'
        f'"requestId":{_string(record["requestId"])},"method":{_string(record["method"])},'
        f'"path":{_string(record["path"])},"status":{int(record["status"])},'
        f'"durationMs":{float(record["durationMs"])!r},"source":{_string(record["source"])},'
        f'"coldStart":{"true" if record["coldStart"] else "false"}}}\n'
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
