"""Parsing steps that several event formats share.

AWS events null out empty maps, join or split repeated values differently, and carry the
client address in different places; these helpers keep that handling identical wherever
the formats agree.
"""

from __future__ import annotations

from urllib.parse import quote

from ..errors import BadEventError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from .._types import HeaderList

# Characters left readable in re-encoded query values; '&', '=', '+', '#', '%' are not.
_QUERY_SAFE = "/:@!$'()*,;?"
_RAW_QUERY_SAFE = _QUERY_SAFE + "%+="


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


def client_address(ip: object) -> tuple[str, int] | None:
    """A client address from an IP that may carry a CIDR suffix ('192.0.2.1/32')."""
    if not isinstance(ip, str) or not ip:
        return None
    return (ip.partition("/")[0].strip(), 0)


def forwarded_client(headers: HeaderList) -> tuple[str, int] | None:
    """The address the load balancer saw: the last X-Forwarded-For hop, which it appended."""
    forwarded = None
    for name, value in headers:
        if name == "x-forwarded-for":
            forwarded = value
    if not forwarded:
        return None
    return client_address(forwarded.rsplit(",", 1)[-1])


def server_and_scheme(
    headers: HeaderList, default_host: str | None, default_scheme: str = "https"
) -> tuple[tuple[str, int] | None, str]:
    """Server (host, port) and scheme from Host and X-Forwarded-* as front doors set them."""
    host = port = scheme = None
    for name, value in headers:
        if name == "host":
            host = value
        elif name == "x-forwarded-proto":
            scheme = value
        elif name == "x-forwarded-port":
            port = value
    scheme = (scheme.rsplit(",", 1)[-1].strip().lower() if scheme else "") or default_scheme
    host = host or default_host
    if not host:
        return None, scheme
    if host.startswith("["):
        end = host.find("]")
        if end != -1 and host[end + 1 : end + 2] == ":" and host[end + 2 :].isdigit():
            host, port = host[: end + 1], host[end + 2 :]
    elif host.count(":") == 1:
        name, _, host_port = host.partition(":")
        if host_port.isdigit():
            host, port = name, host_port
    port_number = (
        int(port) if port and port.strip().isdigit() else (443 if scheme == "https" else 80)
    )
    return (host, port_number), scheme


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
        raise ValueError(f"too many values for {name!r} to spell differently")
    chars = list(name)
    for bit, position in enumerate(letters):
        if index >> bit & 1:
            chars[position] = chars[position].upper()
    return "".join(chars)
