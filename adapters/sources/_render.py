"""Response shapes several front doors share: status lines and header maps."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .._types import HeaderList


def status_line(status: int) -> str:
    """'200 OK', as ALB and VPC Lattice want in statusDescription."""
    from http import HTTPStatus  # deferred: building the enum is a cold-start cost

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def group_header_values(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    return grouped


def single_value_headers(headers: HeaderList) -> dict[str, str]:
    """Headers for single-value mode, where a name can carry only one value.

    Repeated headers are comma-joined, as HTTP allows, except Set-Cookie, whose values may
    hold commas themselves: those go out under differently-cased names (Set-Cookie,
    set-cookie, SET-COOKIE, ...), which ALB passes on as separate headers.
    """
    result: dict[str, str] = {}
    cookie_names: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "set-cookie":
            spelling = case_variant(key, len(cookie_names))
            cookie_names.append(spelling)
            result[spelling] = value
        else:
            result[key] = f"{result[key]},{value}" if key in result else value
    return result


def case_variant(name: str, index: int) -> str:
    """The index-th distinct upper/lower-case spelling of a header name."""
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    if index >= 2 ** len(letters):
        from .base import UnrepresentableResponse

        raise UnrepresentableResponse(
            f"more than {2 ** len(letters)} {name} headers, the most single-value headers "
            "can spell differently (multi-value headers carry any number)"
        )
    chars = list(name)
    for bit, position in enumerate(letters):
        if index >> bit & 1:
            chars[position] = chars[position].upper()
    return "".join(chars)
