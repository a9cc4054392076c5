"""Small pieces the sources' example events share (imported only when one is built)."""

from __future__ import annotations

from urllib.parse import quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_QUERY_SAFE = "/:@!$'()*,;?"


def quote_query(text: str) -> str:
    """A query name or value percent-encoded as a browser sends it."""
    return quote(text, safe=_QUERY_SAFE)


def grouped(pairs: Sequence[tuple[str, str]], lower: bool = False) -> dict[str, list[str]]:
    """Pairs as a name -> [values] map, in order."""
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        result.setdefault(name.lower() if lower else name, []).append(value)
    return result


def comma_joined(pairs: Sequence[tuple[str, str]], lower: bool = True) -> dict[str, str]:
    """Pairs as a name -> value map, repeated values joined with commas."""
    result: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower() if lower else name
        result[key] = f"{result[key]},{value}" if key in result else value
    return result
