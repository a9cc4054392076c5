"""One structured log line per request.

Lambda users search CloudWatch by request id, path and status; API Gateway access logs
are off by default and ALB, Lattice and Function URLs have none of their own. The line
is JSON on stdout (which the runtime ships to CloudWatch as is) unless the user passes
their own writer, such as a Powertools Logger method. Paths are logged without the query
string, which often carries tokens.

This runs on every invocation, so the default line is formatted by hand from values
checked to need no JSON escaping (nearly always), `json` is imported only for a value
that does, and the duration is formatted from whole microseconds rather than as a float.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    AccessRecord = dict[str, Any]
    AccessWriter = Callable[[AccessRecord], None]
    Emit = Callable[[str, str, str, int, float, object, bool], None]


def _plain(text: str) -> bool:
    """True when `text` can go between JSON quotes as it is."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def _string(value: object) -> str:
    """A JSON string literal (or null)."""
    if type(value) is str and _plain(value):
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
    """The JSON line of `access_record(...)` with the same values."""
    return format_line(_string(source), method, path, status, duration, request_id, cold_start)


def format_line(
    source_literal: str,
    method: str,
    path: str,
    status: int,
    duration: float,
    request_id: object,
    cold_start: bool,
) -> str:
    """The line, with the source already a JSON literal (it is one per front door)."""
    status = int(status)
    if type(request_id) is str:
        text = method + path + request_id
        rid = '"' + request_id + '"'
    else:
        text = method + path
        rid = "null" if request_id is None else _string(request_id)
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        message = f'"{method} {path} {status}"'
        method_literal = '"' + method + '"'
        path_literal = '"' + path + '"'
    else:  # something to escape (rare): json does it
        message = _string(f"{method} {path} {status}")
        method_literal, path_literal, rid = _string(method), _string(path), _string(request_id)
    micros = round(duration * 1_000_000)
    return (
        f'{{"level":"INFO","message":{message},"requestId":{rid},"method":{method_literal},'
        f'"path":{path_literal},"status":{status},'
        f'"durationMs":{micros // 1000}.{str(1000 + micros % 1000)[1:]},"source":{source_literal},'
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
        "durationMs": round(duration * 1_000_000) / 1000,  # the line's value, as a float
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


def access_emitter(writer: AccessWriter) -> Emit:
    """How the handler hands each request's values to `writer`, positionally: (source
    name, method, path, status, duration, request id, cold start). Chosen once, so the
    default writer costs no record and no check per call."""
    if writer is write_json_line:
        literals: dict[str, str] = {}

        def write_line(
            source: str, method: str, path: str, status: int, duration: float,
            request_id: object, cold: bool,
        ) -> None:  # fmt: skip
            literal = literals.get(source)
            if literal is None:
                literal = literals[source] = _string(source)
            sys.stdout.write(format_line(literal, method, path, status, duration, request_id, cold))

        return write_line

    def emit(
        source: str, method: str, path: str, status: int, duration: float,
        request_id: object, cold: bool,
    ) -> None:  # fmt: skip
        record = access_record(
            source=source, method=method, path=path, status=status, duration=duration,
            request_id=request_id, cold_start=cold,
        )  # fmt: skip
        writer(record)

    return emit
