"""Reading the fields of an event: AWS events null out empty maps and mix string and list
values, and a malformed event must give a clear `BadEventError`, never a TypeError."""

from __future__ import annotations

from ..errors import BadEventError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import HeaderList, RequestHeaders


def get_mapping(container: dict[str, Any], key: str) -> dict[str, Any]:
    """A sub-object that may be missing or null in real events; anything else is malformed."""
    value = container.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadEventError(f"{key} must be an object, got {type(value).__name__}")
    return value


def require_str(container: dict[str, Any], key: str, where: str = "event") -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise BadEventError(f"{where} has no {key}")
    return value


ORIGIN_HEADERS = frozenset({"host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-for"})
"""The headers `read_headers` also reports by name: who asked, and whom (`_origin`)."""

_TRACKED = ORIGIN_HEADERS | {"cookie"}


def merge_cookie_fields(pairs: HeaderList) -> HeaderList:
    """One Cookie field where the request had several, joined with "; " where the first was.

    HTTP/2 and HTTP/3 clients send each cookie in a field of its own, and a front door may
    pass them on as a list; many frameworks read only one Cookie header, so the others'
    cookies would be lost (RFC 9113 8.2.3 asks for this join before HTTP/1.1 semantics).
    """
    values = [value for name, value in pairs if name == "cookie"]
    merged: HeaderList = []
    for name, value in pairs:
        if name != "cookie":
            merged.append((name, value))
        elif values:
            merged.append(("cookie", "; ".join(values)))
            values = []
    return merged


def read_headers(
    container: dict[str, Any], key: str, lowercase_map: bool = False
) -> tuple[RequestHeaders, dict[str, str]]:
    """The header pairs of a name -> value or name -> [values] map (one pair per value,
    names lowercase), and the last value of each of ORIGIN_HEADERS that is present.

    With `lowercase_map`, for doors that send a map of lowercase names to strings (HTTP
    APIs, Function URLs), such a map with ASCII values is used as it is, checked with two
    joins instead of a loop (every invocation reads one): its items view, which tells
    the interfaces that no name repeats and no value needs transcoding.
    """
    headers = container.get(key)
    if headers is None or headers == {}:
        return [], {}
    if type(headers) is not dict:
        raise BadEventError(f"{key} must be an object, got {type(headers).__name__}")
    if lowercase_map:
        try:
            names = "".join(headers)
            plain = "".join(headers.values()).isascii()  # TypeError unless all are strings
        except TypeError:
            names, plain = "X", False
        if plain and names.lower() == names:
            return headers.items(), {
                name: headers[name] for name in ORIGIN_HEADERS if name in headers
            }
    pairs: HeaderList = []
    seen: dict[str, str] = {}
    cookie_fields = 0
    append = pairs.append
    for given, value in headers.items():
        name = given.lower()
        if type(value) is str:
            append((name, value))
            last = value
        elif type(value) is list:
            if len(value) == 1:  # the usual case, without a comprehension to run
                last = value[0] if type(value[0]) is str else str(value[0])
                append((name, last))
            elif value:
                pairs.extend([(name, v if type(v) is str else str(v)) for v in value])
                last = pairs[-1][1]
            else:
                continue
        elif value is None:
            continue
        else:
            raise BadEventError(f"header {name!r} has a {type(value).__name__} value")
        if name in _TRACKED:
            if name != "cookie":
                seen[name] = last
            else:
                cookie_fields += 1 if type(value) is str else len(value)
    if cookie_fields > 1:
        pairs = merge_cookie_fields(pairs)
    return pairs, seen


def method_of(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise BadEventError("event has no HTTP method")
    return value.upper()


def query_values(key: str, value: object) -> list[str]:
    """A query map's entry as a list: maps hold a string, a list, or null."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    raise BadEventError(f"query parameter {key!r} has a {type(value).__name__} value")
