"""Percent-encoding of paths and splitting a mount prefix off them.

Sources hand over paths in different forms (raw, or already decoded text); the model keeps
one form, the percent-encoded bytes the client sent, so each interface can decode exactly
once in the way its spec asks (latin-1 `PATH_INFO` for WSGI, UTF-8 `path` for ASGI).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes

# Characters RFC 3986 allows in a path, plus '%' so that existing escapes survive.
_PATH_SAFE = "/%!$&'()*+,;=:@~"
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]")


def encode_path(path: str) -> bytes:
    """Percent-encode whatever a path may not hold raw, keeping existing escapes.

    Front doors disagree on whether a path arrives raw or decoded (HTTP APIs are reported
    to decode `rawPath`, REST APIs and ALB pass it raw: docs/event-sources.md). Keeping
    escapes and quoting only what cannot be raw gives the right path in both cases; only a
    decoded literal '%XX' sequence (rare: the client sent '%25XX') stays ambiguous.
    """
    if _NEEDS_QUOTING.search(path) is None:
        return path.encode("ascii")
    try:
        return quote(path, safe=_PATH_SAFE).encode("ascii")
    except UnicodeEncodeError:  # lone surrogates from JSON: see `utf8_bytes`
        from ._headers import utf8_bytes

        return quote(utf8_bytes(path), safe=_PATH_SAFE).encode("ascii")


_QUERY_KEPT = "".join(chr(code) for code in range(0x21, 0x7F))


def encode_raw_query(query: str) -> bytes:
    """A raw query string as the bytes a client sends: what is ASCII stays as it is, any
    other character becomes its percent-encoded UTF-8.

    Front doors hand over a raw query string as text, and some decode what the client
    percent-encoded (non-ASCII then arrives raw). Frameworks decode the query's escapes as
    UTF-8, so this is the form every one of them reads back correctly; latin-1 bytes
    would not be.
    """
    if query.isascii():
        return query.encode("ascii")
    from ._headers import utf8_bytes

    return quote(utf8_bytes(query), safe=_QUERY_KEPT).encode("ascii")


def decode_path(raw_path: bytes) -> bytes:
    return unquote_to_bytes(raw_path) if b"%" in raw_path else raw_path


def starts_with_segment(path: bytes, prefix: bytes) -> bool:
    """True when `prefix` is `path` or a whole-segment prefix of it."""
    return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == 0x2F)


def split_mount(raw_path: bytes, root_path: str) -> tuple[bytes, bytes]:
    """Split a raw path into decoded (mount prefix, rest).

    A root path that is not a whole-segment prefix of the path is not applied: the app
    then sees the full path, which is what it would see without a mount.
    """
    path = decode_path(raw_path)
    if not root_path:
        return b"", path
    root = root_path.encode("utf-8")
    if starts_with_segment(path, root):
        return root, path[len(root) :]
    return b"", path


def normalise_prefix(prefix: str | None) -> str:
    """'/v1/', 'v1' and '/v1' all mean '/v1'; '', '/' and None mean no prefix."""
    if not prefix:
        return ""
    prefix = "/" + prefix.strip("/")
    return "" if prefix == "/" else prefix
