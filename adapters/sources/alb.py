"""Application Load Balancer Lambda targets.

ALB passes the path and query values as the client sent them (not decoded), and sends
either `headers` or `multiValueHeaders`, never both, depending on the target group's
`lambda.multi_value_headers.enabled` attribute; the response must use the same form.
See "Lambda functions as targets" in the Elastic Load Balancing guide. ALB never streams.
"""

from __future__ import annotations

from .._bodies import decode_body
from .._paths import encode_path
from ..model import Request, Response
from ._fields import get_mapping, method_of, read_headers, require_str
from ._origin import forwarded_client, server_and_scheme
from ._query import encode_query
from ._render import group_header_values, single_value_headers, status_line
from ._results import result_body, result_headers, status_of
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Event, LambdaContext
    from ..testing import ExampleRequest

ALB_BODY_LIMIT = 1_048_576
"""ALB rejects Lambda responses over 1 MB ("Lambda functions as targets": limits)."""


def trace_id(event: Event) -> str | None:
    """The X-Amzn-Trace-Id the load balancer added: the id these doors give a request."""
    for key in ("headers", "multiValueHeaders"):
        headers = event.get(key)
        if isinstance(headers, dict):
            for name, values in headers.items():
                if name.lower() == "x-amzn-trace-id":
                    value = values[-1] if isinstance(values, list) and values else values
                    return value if isinstance(value, str) else None
    return None


class AlbSource(EventSource):
    name = "Application Load Balancer"
    key = "alb"

    def matches(self, event: Event) -> bool:
        request_context = event.get("requestContext")
        return isinstance(request_context, dict) and isinstance(request_context.get("elb"), dict)

    def parse(self, event: Event, context: LambdaContext) -> Request:
        method = method_of(event.get("httpMethod"))
        path = require_str(event, "path")
        multi = "multiValueHeaders" in event
        headers, seen = read_headers(event, "multiValueHeaders" if multi else "headers")
        query = get_mapping(event, "multiValueQueryStringParameters") or get_mapping(
            event, "queryStringParameters"
        )
        server, scheme = server_and_scheme(seen, None, default_scheme="http")
        return Request(
            method,  # method
            encode_path(path),  # raw_path
            encode_query(query, raw=True),  # query_string
            headers,  # headers
            decode_body(event.get("body"), event.get("isBase64Encoded")),  # body
            scheme,  # scheme
            server,  # server
            forwarded_client(seen),  # client
            "",  # root_path
            event,  # event
            context,  # context
        )

    def request_id(self, event: Event) -> str | None:
        return trace_id(event)

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

    def decode_result(self, result: Any, event: Event) -> Response:
        status = status_of(result)
        return Response(status, result_headers(result), result_body(result))

    def example_event(self, request: ExampleRequest) -> Event:
        from ._examples import grouped, quote_query

        raw_pairs = [(quote_query(k), quote_query(v)) for k, v in request.query]
        headers = [("x-forwarded-for", request.source_ip), ("x-forwarded-port", "443"),
                   ("x-forwarded-proto", "https"), *request.headers]  # fmt: skip
        event: Event = {
            "requestContext": {
                "elb": {
                    "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                    "targetgroup/my-target-group/6d0ecf831eec9f09"
                }
            },
            "httpMethod": request.method,
            "path": request.path,
            "body": request.body,
            "isBase64Encoded": request.is_base64,
        }
        if request.multi_value:
            event["multiValueHeaders"] = grouped(headers, lower=True)
            event["multiValueQueryStringParameters"] = grouped(raw_pairs)
        else:
            event["headers"] = {k: v[-1] for k, v in grouped(headers, lower=True).items()}
            event["queryStringParameters"] = {k: v[-1] for k, v in grouped(raw_pairs).items()}
        return event
