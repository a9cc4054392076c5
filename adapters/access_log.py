"""One structured log line per request.

Lambda users search CloudWatch by request id, path and status; API Gateway access logs
are off by default and ALB, Lattice and Function URLs have none of their own. The line
is JSON on stdout (which the runtime ships to CloudWatch as is) unless the user passes
their own writer, such as a Powertools Logger method. Paths are logged without the query
string, which often carries tokens.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

AccessRecord = dict[str, Any]
AccessWriter = Callable[[AccessRecord], None]


def write_json_line(record: AccessRecord) -> None:
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")


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
