"""Reading HTTP/1.1 requests as strictly as h11 does, for `adapters serve`.

`http.server` reads requests leniently: a header line without a colon is skipped, a bad
Content-Length or an unknown Transfer-Encoding is ignored, a chunked body is left on the
connection and read as the next request. A development server that accepts what API
Gateway refuses hides bugs, and one that frames bodies loosely lets one request's bytes
become another's. Here every request is framed exactly (RFC 9112) or refused with the
status h11 gives, and a refused connection is closed.
"""

from __future__ import annotations

import re
from typing import Protocol

MAX_LINE = 65536
"""Longest request line or header line (as http.server's own limit)."""
MAX_HEADERS = 100
MAX_HEAD_BYTES = 64 * 1024
MAX_BODY = 10 * 1024 * 1024
"""API Gateway's payload limit: larger requests get 413 there."""

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TARGET = re.compile(rb"/[\x21-\x7e]*")  # origin-form only: API Gateway routes nothing else
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_FIELD_VALUE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(;.*)?")


class Reader(Protocol):
    """The connection's buffered input (a socket file, or BytesIO in tests)."""

    def readline(self, size: int, /) -> bytes: ...
    def read(self, size: int, /) -> bytes: ...


class BadRequest(Exception):
    """The request cannot be served: answer `status` with `reason`, then close."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class IncompleteRequest(Exception):
    """The client closed the connection in the middle of a request: nothing to answer."""


class RequestHead:
    """A request line and its header fields, with the body's framing decided."""

    __slots__ = ("chunked", "content_length", "expects_continue", "headers", "keep_alive",
                 "method", "target", "version")  # fmt: skip

    def __init__(
        self, method: str, target: str, version: str, headers: list[tuple[str, str]]
    ) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.chunked = False
        self.content_length = 0
        self.expects_continue = False
        self.keep_alive = version == "HTTP/1.1"


def _line(rfile: Reader, *, first: bool = False) -> bytes | None:
    raw = rfile.readline(MAX_LINE + 1)
    if not raw:
        if first:
            return None
        raise IncompleteRequest
    if len(raw) > MAX_LINE:
        raise BadRequest(414 if first else 431, "line too long")
    if not raw.endswith(b"\n"):
        raise IncompleteRequest
    return raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]


def read_head(rfile: Reader) -> RequestHead | None:
    """The next request's head, or None when the client closed between requests."""
    line = _line(rfile, first=True)
    while line == b"":  # RFC 9112 2.2: empty lines before a request line are ignored
        line = _line(rfile, first=True)
    if line is None:
        return None
    head = _parse_request_line(line)
    total = len(line)
    fields: list[tuple[str, str]] = []
    while True:
        raw = _line(rfile)
        assert raw is not None
        if raw == b"":
            break
        total += len(raw)
        if len(fields) >= MAX_HEADERS or total > MAX_HEAD_BYTES:
            raise BadRequest(431, "request header fields too large")
        fields.append(_parse_field(raw))
    head.headers = fields
    _frame(head)
    return head


def _parse_request_line(line: bytes) -> RequestHead:
    parts = line.split(b" ")
    if len(parts) != 3:
        raise BadRequest(400, "malformed request line")
    method, target, version = parts
    if not _TOKEN.fullmatch(method):
        raise BadRequest(400, "malformed request method")
    if not _TARGET.fullmatch(target):
        raise BadRequest(400, "malformed request target")
    found = _VERSION.fullmatch(version)
    if found is None:
        raise BadRequest(400, "malformed HTTP version")
    if found.group(1) != b"1":
        raise BadRequest(505, "HTTP version not supported")
    text_version = "HTTP/1.1" if found.group(2) != b"0" else "HTTP/1.0"
    return RequestHead(method.decode("ascii"), target.decode("ascii"), text_version, [])


def _parse_field(raw: bytes) -> tuple[str, str]:
    if raw[:1] in (b" ", b"\t"):
        raise BadRequest(400, "obsolete line folding")
    name, colon, value = raw.partition(b":")
    if not colon or not _TOKEN.fullmatch(name):
        raise BadRequest(400, "malformed header field")
    value = value.strip(b" \t")
    if not _FIELD_VALUE.fullmatch(value):
        raise BadRequest(400, "illegal character in a header value")
    return name.decode("ascii"), value.decode("latin-1")


def _frame(head: RequestHead) -> None:
    """Decide the body's framing and the connection's fate, refusing what is ambiguous."""
    lengths: list[str] = []
    codings: list[str] = []
    hosts = 0
    for name, value in head.headers:
        key = name.lower()
        if key == "content-length":
            lengths += [part.strip() for part in value.split(",")]
        elif key == "transfer-encoding":
            codings += [part.strip().lower() for part in value.split(",") if part.strip()]
        elif key == "host":
            hosts += 1
        elif key == "connection":
            options = {part.strip().lower() for part in value.split(",")}
            if "close" in options:
                head.keep_alive = False
            elif "keep-alive" in options and head.version == "HTTP/1.0":
                head.keep_alive = True
        elif key == "expect":
            if value.strip().lower() != "100-continue":
                raise BadRequest(417, "unsupported expectation")
            head.expects_continue = head.version == "HTTP/1.1"
    if head.version == "HTTP/1.1" and hosts == 0:
        raise BadRequest(400, "missing Host header")
    if hosts > 1:
        raise BadRequest(400, "more than one Host header")
    if codings:
        if lengths:  # a smuggling vector (RFC 9112 6.1): refuse rather than guess
            raise BadRequest(400, "both Transfer-Encoding and Content-Length")
        if codings != ["chunked"]:
            raise BadRequest(501, "unsupported transfer coding")
        if head.version == "HTTP/1.0":
            raise BadRequest(400, "Transfer-Encoding in an HTTP/1.0 request")
        head.chunked = True
        return
    if lengths:
        if len(set(lengths)) != 1 or not lengths[0].isdigit() or not lengths[0].isascii():
            raise BadRequest(400, "invalid Content-Length")
        head.content_length = int(lengths[0])
        if head.content_length > MAX_BODY:
            raise BadRequest(413, "request body too large")


def read_body(rfile: Reader, head: RequestHead) -> bytes:
    """The request's whole body, by the framing `read_head` decided."""
    if head.chunked:
        return _read_chunked(rfile)
    body = rfile.read(head.content_length) if head.content_length else b""
    if len(body) < head.content_length:
        raise IncompleteRequest
    return body


def _read_chunked(rfile: Reader) -> bytes:
    pieces: list[bytes] = []
    size = 0
    while True:
        line = _line(rfile)
        assert line is not None
        found = _CHUNK_SIZE.fullmatch(line)
        if found is None:
            raise BadRequest(400, "malformed chunk size")
        length = int(found.group(1), 16)
        if length == 0:
            break
        size += length
        if size > MAX_BODY:
            raise BadRequest(413, "request body too large")
        piece = rfile.read(length)
        if len(piece) < length:
            raise IncompleteRequest
        pieces.append(piece)
        if _line(rfile) != b"":
            raise BadRequest(400, "chunk not followed by CRLF")
    trailers = 0
    while _line(rfile) != b"":  # trailer fields are read and dropped, as h11 reports them apart
        trailers += 1
        if trailers > MAX_HEADERS:
            raise BadRequest(431, "too many trailer fields")
    return b"".join(pieces)
