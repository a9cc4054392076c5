"""Query strings rebuilt from the name -> value maps some front doors send."""

from __future__ import annotations

from urllib.parse import quote

from ._fields import query_values

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Characters left readable in re-encoded query values; '&', '=', '+', '#', '%' are not.
_QUERY_SAFE = "/:@!$'()*,;?"
_RAW_QUERY_SAFE = _QUERY_SAFE + "%+="


def encode_query(params: dict[str, Any], *, raw: bool = False) -> bytes:
    """A query string from a name -> value(s) map.

    Decoded values (API Gateway 1.0) are fully escaped, so they parse back to exactly
    those values. With `raw`, for values a source passes on undecoded (ALB; Lattice,
    likely), existing escapes, '+' and '=' stay as sent and only what could not have
    been sent raw (a space, '&', '#', non-ASCII) is quoted, so a source that did decode
    still parses back.
    """
    safe = _RAW_QUERY_SAFE if raw else _QUERY_SAFE
    parts: list[str] = []
    for key, value_or_list in params.items():
        name = quote(key, safe=safe)
        parts.extend(
            f"{name}={quote(value, safe=safe)}" for value in query_values(key, value_or_list)
        )
    return "&".join(parts).encode("ascii")
