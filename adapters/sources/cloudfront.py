"""CloudFront Lambda@Edge viewer-request and origin-request triggers.

The app's response becomes a response generated at the edge: CloudFront answers the
viewer with it and does not forward the request. Headers travel as
`{lowercase-name: [{"key": Name, "value": value}]}`; the body is included only when the
trigger has "include body" set, and is cut off past the trigger's limit (`inputTruncated`).
See "Lambda@Edge event structure" and "Lambda@Edge function examples" (generating responses).
"""

from __future__ import annotations

from .._bodies import decode_body
from .._paths import encode_path, encode_raw_query
from ..errors import BadEventError
from ..model import Request, Response
from ._fields import get_mapping, merge_cookie_fields, method_of, require_str
from ._origin import client_address, origin_headers, server_and_scheme
from ._render import status_line
from ._results import result_body
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Event, HeaderList, LambdaContext
    from ..testing import ExampleRequest

VIEWER_RESPONSE_LIMIT = 40_960
ORIGIN_RESPONSE_LIMIT = 1_048_576
"""Generated responses, headers and body together: 40 KB for viewer request triggers,
1 MB for origin request triggers ("Quotas on Lambda@Edge")."""

# Headers CloudFront refuses in a generated response ("Restrictions on edge functions":
# disallowed and read-only headers); sending one makes CloudFront fail the request.
_DROPPED = frozenset(
    {
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "proxy-connection", "trailer", "upgrade", "x-real-ip", "x-forwarded-proto",
        "transfer-encoding", "via", "x-cache", "content-length",
    }
)  # fmt: skip
_DROPPED_PREFIXES = ("x-amz-cf-", "x-edge-", "x-accel-")


def cf_record(event: Event) -> dict[str, Any] | None:
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        cf = records[0].get("cf")
        if isinstance(cf, dict):
            return cf
    return None


def viewer_host_headers(
    headers: HeaderList, request: dict[str, Any], config: dict[str, Any]
) -> HeaderList:
    """The headers with the Host the viewer used, as far as the event tells it.

    In an origin-request event CloudFront has already set Host to the origin's domain
    unless the origin request policy forwards the viewer's Host. An app that builds links,
    redirects or CSRF origin checks from that Host would point viewers at the origin, so
    when Host is the origin's own domain it is replaced by the distribution's domain.
    An alternate domain (CNAME) is not in the event: forward the Host header to the
    origin in the origin request policy, and the viewer's Host arrives as it is.
    """
    origin = request.get("origin")
    distribution = config.get("distributionDomainName")
    if not isinstance(origin, dict) or not isinstance(distribution, str) or not distribution:
        return headers
    origin_domains = {
        details.get("domainName", "").lower()
        for details in origin.values()
        if isinstance(details, dict) and isinstance(details.get("domainName"), str)
    }
    hosts = [value for name, value in headers if name == "host"]
    if not hosts or hosts[-1].lower() not in origin_domains:
        return headers
    return [(name, distribution if name == "host" else value) for name, value in headers]


class CloudFrontSource(EventSource):
    name = "CloudFront Lambda@Edge"
    key = "edge"

    def matches(self, event: Event) -> bool:
        cf = cf_record(event)
        return cf is not None and "request" in cf and "response" not in cf

    def parse(self, event: Event, context: LambdaContext) -> Request:
        cf = cf_record(event) or {}
        request = get_mapping(cf, "request")
        config = get_mapping(cf, "config")
        method = method_of(request.get("method"))
        uri = require_str(request, "uri", "cf.request")
        headers: HeaderList = []
        for name, entries in get_mapping(request, "headers").items():
            if not isinstance(entries, list):
                raise BadEventError(f"header {name!r} must be a list of key/value objects")
            for entry in entries:
                value = entry.get("value") if isinstance(entry, dict) else None
                if not isinstance(value, str):
                    raise BadEventError(f"header {name!r} has an entry without a value")
                headers.append((name.lower(), value))
        if sum(name == "cookie" for name, _ in headers) > 1:
            headers = merge_cookie_fields(headers)
        if config.get("eventType") == "origin-request":
            headers = viewer_host_headers(headers, request, config)
        body_info = get_mapping(request, "body")
        if body_info.get("inputTruncated"):
            raise BadEventError(
                "the request body was truncated by CloudFront (inputTruncated); "
                "refusing to pass a partial body to the app"
            )
        body = decode_body(body_info.get("data"), body_info.get("encoding", "base64") == "base64")
        query = request.get("querystring") or ""
        if not isinstance(query, str):
            raise BadEventError("cf.request.querystring must be a string")
        forwarded_proto = [v for n, v in headers if n == "cloudfront-forwarded-proto"]
        server, scheme = server_and_scheme(
            origin_headers(headers), config.get("distributionDomainName")
        )
        if forwarded_proto:
            scheme = forwarded_proto[-1].lower()
        return Request(
            method,  # method
            encode_path(uri),  # raw_path
            encode_raw_query(query),  # query_string
            headers,  # headers
            body,  # body
            scheme,  # scheme
            server,  # server
            client_address(request.get("clientIp")),  # client
            "",  # root_path
            event,  # event
            context,  # context
        )

    def response_limit(self, event: Event) -> int:
        cf = cf_record(event) or {}
        config = cf.get("config")
        event_type = config.get("eventType") if isinstance(config, dict) else None
        return VIEWER_RESPONSE_LIMIT if event_type == "viewer-request" else ORIGIN_RESPONSE_LIMIT

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        headers: dict[str, list[dict[str, str]]] = {}
        for name, value in response.headers:
            key = name.lower()
            if key in _DROPPED or key.startswith(_DROPPED_PREFIXES):
                continue
            headers.setdefault(key, []).append({"key": name, "value": value})
        return {
            "status": str(response.status),
            "statusDescription": status_line(response.status).partition(" ")[2],
            "headers": headers,
            "body": body,
            "bodyEncoding": "base64" if is_base64 else "text",
        }

    def failure_result(self, event: Event) -> Event:
        text_plain = [{"key": "Content-Type", "value": "text/plain; charset=utf-8"}]
        return {
            "status": "500",
            "statusDescription": "Internal Server Error",
            "headers": {"content-type": text_plain},
            "body": "Internal Server Error",
            "bodyEncoding": "text",
        }

    def request_id(self, event: Event) -> str | None:
        cf = cf_record(event) or {}
        config = cf.get("config")
        request_id = config.get("requestId") if isinstance(config, dict) else None
        return request_id if isinstance(request_id, str) else None

    def decode_result(self, result: Any, event: Event) -> Response:
        if not isinstance(result, dict):
            raise ValueError(f"the result is a {type(result).__name__}, not an object")
        status = result.get("status")
        if not isinstance(status, str) or not status.isdigit():
            raise ValueError("a generated response needs a status string")
        headers: HeaderList = []
        entries = result.get("headers") or {}
        if not isinstance(entries, dict):
            raise ValueError("headers must be an object")
        for name, values in entries.items():
            if not isinstance(values, list):
                raise ValueError(f"header {name!r} must be a list")
            for entry in values:
                if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                    raise ValueError(f"header {name!r} has an entry without a value")
                headers.append((str(entry.get("key") or name), entry["value"]))
        return Response(int(status), headers, result_body(result, "bodyEncoding"))

    def example_event(self, request: ExampleRequest) -> Event:
        import binascii

        headers: dict[str, list[dict[str, str]]] = {}
        for name, value in request.headers:
            headers.setdefault(name.lower(), []).append({"key": name, "value": value})
        cf_request: dict[str, Any] = {
            "clientIp": request.source_ip,
            "headers": headers,
            "method": request.method,
            "querystring": request.raw_query,
            "uri": request.path,
        }
        if request.body:
            data = request.body
            if not request.is_base64:
                data = binascii.b2a_base64(data.encode("utf-8"), newline=False).decode("ascii")
            cf_request["body"] = {
                "inputTruncated": False,
                "action": "read-only",
                "encoding": "base64",
                "data": data,
            }
        config = {
            "distributionDomainName": request.domain,
            "distributionId": "EDFDVBD6EXAMPLE",
            "eventType": request.edge_event_type,
            "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
        }
        return {"Records": [{"cf": {"config": config, "request": cf_request}}]}
