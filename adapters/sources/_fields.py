"""Reading the fields of an event: AWS events null out empty maps and mix string and list
values, and a malformed event must give a clear `BadEventError`, never a TypeError."""

from __future__ import annotations

from ..errors import BadEventError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import HeaderList


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


def header_pairs(headers: dict[str, Any]) -> HeaderList:
    """Pairs from a name -> value or name -> [values] map, one pair per value."""
    pairs: HeaderList = []
    for name, value in headers.items():
        if isinstance(value, str):
            pairs.append((name.lower(), value))
        elif isinstance(value, list):
            pairs.extend((name.lower(), str(item)) for item in value)
        elif value is not None:
            raise BadEventError(f"header {name!r} has a {type(value).__name__} value")
    return pairs


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
