"""Checks on response headers before they leave the process.

A header value with CR or LF is a response-splitting attempt or an app bug; front doors
differ in what they do with one, so it is refused here, the same way for every source. A
lone surrogate is refused too: the python3.12+ runtimes marshal results as UTF-8 and would
fail with the runtime's own error instead of our 500.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._types import HeaderList

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CHECKED_NAMES: set[str] = set()
"""Names already found to be valid tokens: apps send the same few on every response."""


def find_unsafe_header(headers: HeaderList) -> str | None:
    """A description of the first header that must not be sent, or None if all are safe."""
    for name, value in headers:
        if type(name) is not str or name not in _CHECKED_NAMES:
            if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
                return f"an invalid header name {name!r}"
            if len(_CHECKED_NAMES) < 256:  # bounded: an app may make names up
                _CHECKED_NAMES.add(name)
        if not isinstance(value, str) or "\r" in value or "\n" in value or "\x00" in value:
            return f"an invalid value for header {name!r}"
        if not value.isascii() and not _is_sendable(value):
            return f"a value for header {name!r} that is not text (a lone surrogate)"
    return None


def _is_sendable(text: str) -> bool:
    """Whether the text can leave as UTF-8: a lone surrogate cannot, on any runtime.

    Non-ASCII text itself goes out as the front doors send it (UTF-8); PEP 3333 asks for
    latin-1, but apps do send "✓" and users see it, so only what no runtime can encode is
    refused.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def to_latin1_bytes(text: str) -> bytes:
    """Header text as bytes: latin-1 where it fits (HTTP's own), else UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return utf8_bytes(text)


def utf8_bytes(text: str) -> bytes:
    """Text from an event as UTF-8, whatever it holds.

    JSON can carry lone surrogates ("\\udcff") that UTF-8 cannot: those in U+DC80-U+DCFF
    become the single bytes Python's surrogateescape stands them for, any other one "?".
    An event's text is then always something an app can be handed, never an exception.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            return text.encode("utf-8", "replace")
