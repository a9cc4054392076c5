"""Who is asking and whom they asked: client address, host, port and scheme.

Front doors carry them in different places (request context fields, Host and
X-Forwarded-* headers); these helpers read them the same way wherever the formats agree.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._types import HeaderList


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
