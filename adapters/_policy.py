"""The response policy: what every driver does to every request and response, once.

The mount point a client sees, the headers that must never leave the process, and the
bodies HTTP forbids are decided here and nowhere else, whichever front door or app
interface is involved.
"""

from __future__ import annotations

from ._headers import find_unsafe_header
from ._log import logger
from ._paths import decode_path, encode_path, starts_with_segment
from .model import AsyncByteStream, Request, Response, SyncByteStream, plain_response

NO_BODY_STATUSES = frozenset({204, 304})
"""With 1xx, the statuses that never carry a body (RFC 9110 6.4.1)."""


def mount(request: Request, base_path: str) -> None:
    """Report `base_path` as the mount point, whether or not the front door kept it.

    REST APIs keep a custom domain's base path mapping in `path`; HTTP API mappings are
    reported to strip it. Either way the client's URL has it, so links must too. A stage
    prefix (default execute-api domain) already is the mount point and wins.
    """
    if request.root_path:
        return
    if not starts_with_segment(decode_path(request.raw_path), base_path.encode("utf-8")):
        request.raw_path = encode_path(base_path) + request.raw_path
    request.root_path = base_path


def check(request: Request, response: Response) -> Response:
    """Refuse unsafe headers and statuses HTTP has no room for with a 500; drop bodies that
    HTTP forbids (HEAD, 1xx, 204, 304).

    For a complete body; `checked` is the same for any body.
    """
    try:
        problem = find_unsafe_header(response.headers)
    except (TypeError, ValueError):  # not a list of pairs
        problem = f"a malformed header list {response.headers!r:.200}"
    status = response.status
    if problem is None and (type(status) is not int or not 100 <= status <= 599):
        problem = f"an invalid status {status!r:.50}"  # front doors answer 502 to these
    if problem is not None:
        logger().error("Response replaced by a 500: the app sent %s", problem)
        return plain_response(500, "Internal Server Error")
    if response.body and (request.method == "HEAD" or status < 200 or status in NO_BODY_STATUSES):
        response.body = b""
    return response


async def checked(request: Request, response: Response) -> Response:
    """`check` for any body: a streamed one that will not be sent is closed (stopping the app)."""
    body = response.body
    if type(body) is bytes:
        return check(request, response)
    final = check(request, response)
    if final is not response or response.body is not body:  # the stream will not be sent
        await close_body(body)
    return final


async def close_body(body: object) -> None:
    """Close a streamed body nobody will read."""
    if isinstance(body, SyncByteStream):
        body.close()
    elif isinstance(body, AsyncByteStream):
        await body.aclose()
