"""Request body decoding and the text-or-base64 choice for response bodies.

Every AWS front door carries bodies inside JSON, so binary content must travel as base64.
Sending text as text keeps responses readable in logs and consoles and avoids the 33%
base64 growth against the payload limits; anything that is not certainly text goes as
base64, which is always lossless.
"""

from __future__ import annotations

import sys

from .errors import BadEventError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


DEFAULT_TEXT_MIME_TYPES: tuple[str, ...] = (
    "text/",
    "application/json",
    "application/javascript",
    "application/ecmascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/graphql",
    "+json",
    "+xml",
)
"""Entries ending in '/' match a whole type, entries starting with '+' match a structured
syntax suffix, anything else matches one media type exactly."""


class TextTypes:
    """A compiled `text_mime_types` list; built once per handler, used per response."""

    __slots__ = ("exact", "prefixes", "suffixes")

    def __init__(self, entries: Iterable[str] = DEFAULT_TEXT_MIME_TYPES) -> None:
        exact: set[str] = set()
        prefixes: list[str] = []
        suffixes: list[str] = []
        for raw_entry in entries:
            entry = raw_entry.strip().lower()
            if not entry:
                continue
            if entry.endswith("/"):
                prefixes.append(entry)
            elif entry.startswith("+"):
                suffixes.append(entry)
            else:
                exact.add(entry.partition(";")[0].strip())
        self.exact = frozenset(exact)
        self.prefixes = tuple(prefixes)
        self.suffixes = tuple(suffixes)

    def is_text(self, content_type: str | None) -> bool:
        if not content_type:
            return False
        mime = content_type.partition(";")[0].strip().lower()
        return mime in self.exact or mime.startswith(self.prefixes) or mime.endswith(self.suffixes)


def decode_body(body: object, is_base64: object) -> bytes:
    """The request body as bytes; a body that cannot be what it claims is a bad event."""
    if body is None or body == "":
        return b""
    if type(body) is not str:
        raise BadEventError(f"body must be a string, got {type(body).__name__}")
    if is_base64:
        return decode_base64(body)
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from JSON
        from ._headers import utf8_bytes

        return utf8_bytes(body)


def decode_base64(text: str) -> bytes:
    """Strict base64, refusing exactly what `base64.b64decode(text, validate=True)` does.

    binascii directly: `base64` would also load `struct` and first copy the text to bytes
    (1.4 MB for a 1 MB body), while `a2b_base64` reads an ASCII str as it is and raises
    ValueError for any other. Imported here, so functions that only ever see text bodies
    never load it.
    """
    import binascii

    try:
        if sys.version_info >= (3, 11):
            return binascii.a2b_base64(text, strict_mode=True)
        import re  # Python 3.10's b64decode validates with this pattern, then decodes

        if re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text) is None:
            raise binascii.Error("Non-base64 digit found")
        return binascii.a2b_base64(text)
    except (binascii.Error, ValueError):
        raise BadEventError("body is marked base64-encoded but is not valid base64") from None


def encode_body(
    body: bytes, content_type: str | None, content_encoding: str | None, text_types: TextTypes
) -> tuple[str, bool]:
    """A response body for a JSON payload, and whether it is base64-encoded."""
    if not body:
        return "", False
    compressed = content_encoding is not None and content_encoding.strip().lower() != "identity"
    if not compressed and text_types.is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    import binascii

    return binascii.b2a_base64(body, newline=False).decode("ascii"), True
