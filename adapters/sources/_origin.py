"""Who is asking and whom they asked: client address, host, port and scheme.

Front doors carry them in different places (request context fields, Host and
X-Forwarded-* headers); these helpers read them the same way wherever the formats agree.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._types import HeaderList


def origin_headers(headers: HeaderList) -> dict[str, str]:
    """The last value of each origin header among pairs (as `read_headers` reports them)."""
    from ._fields import ORIGIN_HEADERS

    return {name: value for name, value in headers if name in ORIGIN_HEADERS}


def client_address(ip: object) -> tuple[str, int] | None:
    """A client address from an IP that may carry a CIDR suffix ('192.0.2.1/32')."""
    if not isinstance(ip, str) or not ip:
        return None
    return (ip.partition("/")[0].strip(), 0)


def forwarded_client(seen: dict[str, str]) -> tuple[str, int] | None:
    """The address the load balancer saw: the last X-Forwarded-For hop, which it appended."""
    forwarded = seen.get("x-forwarded-for")
    if not forwarded:
        return None
    return client_address(forwarded.rsplit(",", 1)[-1])


def server_and_scheme(
    seen: dict[str, str], default_host: object, default_scheme: str = "https"
) -> tuple[tuple[str, int] | None, str]:
    """Server (host, port) and scheme from Host and X-Forwarded-* as front doors set them.

    `seen` holds the last value of each origin header (`read_headers`).
    """
    scheme = seen.get("x-forwarded-proto") or default_scheme
    if scheme not in ("https", "http"):  # a list of hops (the last is the nearest), or odd case
        scheme = scheme.rsplit(",", 1)[-1].strip().lower() or default_scheme
    host = seen.get("host") or default_host
    if type(host) is not str:
        host = None
    port = seen.get("x-forwarded-port")
    if not host:
        return None, scheme
    if ":" not in host:
        pass
    elif host.startswith("["):
        end = host.find("]")
        if end != -1 and host[end + 1 : end + 2] == ":" and host[end + 2 :].isdecimal():
            host, port = host[: end + 1], host[end + 2 :]
    elif host.count(":") == 1:
        name, _, host_port = host.partition(":")
        if host_port.isdecimal():
            host, port = name, host_port
    if port and port.isdecimal():
        return (host, int(port)), scheme
    if port and port.strip().isdecimal():
        return (host, int(port.strip())), scheme
    return (host, 443 if scheme == "https" else 80), scheme
