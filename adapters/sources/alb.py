"""Application Load Balancer Lambda targets.

ALB passes the path and query values as the client sent them (not decoded), and sends
either `headers` or `multiValueHeaders`, never both, depending on the target group's
`lambda.multi_value_headers.enabled` attribute; the response must use the same form.
See "Lambda functions as targets" in the Elastic Load Balancing guide.
"""

from __future__ import annotations

from ..bodies import decode_body
from ..model import Request, Response
from ..paths import encode_path
from ._common import (
    encode_query,
    forwarded_client,
    get_mapping,
    group_header_values,
    header_pairs,
    method_of,
    require_str,
    server_and_scheme,
    single_value_headers,
    status_line,
)
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._types import Event, LambdaContext

ALB_BODY_LIMIT = 1_048_576
"""ALB rejects Lambda responses over 1 MB ("Lambda functions as targets": limits)."""


class AlbSource(EventSource):
    name = "Application Load Balancer"

    def matches(self, event: Event) -> bool:
        request_context = event.get("requestContext")
        return isinstance(request_context, dict) and "elb" in request_context

    def parse(self, event: Event, context: LambdaContext) -> Request:
        method = method_of(event.get("httpMethod"))
        path = require_str(event, "path")
        multi = "multiValueHeaders" in event
        headers = header_pairs(get_mapping(event, "multiValueHeaders" if multi else "headers"))
        query = get_mapping(event, "multiValueQueryStringParameters") or get_mapping(
            event, "queryStringParameters"
        )
        server, scheme = server_and_scheme(headers, None, default_scheme="http")
        return Request(
            method=method,
            raw_path=encode_path(path),
            query_string=encode_query(query, raw=True),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=forwarded_client(headers),
            event=event,
            context=context,
        )

    def response_limit(self, event: Event) -> int:
        return ALB_BODY_LIMIT

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        result: Event = {
            "statusCode": response.status,
            "statusDescription": status_line(response.status),
            "body": body,
            "isBase64Encoded": is_base64,
        }
        if "multiValueHeaders" in event:
            result["multiValueHeaders"] = group_header_values(response.headers)
        else:
            result["headers"] = single_value_headers(response.headers)
        return result
