"""Amazon VPC Lattice Lambda targets, event format v1 and v2.

v1 uses snake_case keys (`raw_path`, `query_string_parameters`, `is_base64_encoded`);
v2 has `version: "2.0"`, `path`, `queryStringParameters` and a `requestContext` naming
the service network. Header and query values arrive as strings in v1 and as lists (or
strings, in some published samples) in v2. The response is the same for both.
See "Lambda functions as targets" in the VPC Lattice user guide.
"""

from __future__ import annotations

from .._bodies import decode_body
from .._paths import encode_path, encode_raw_query
from ..model import Request, Response
from ._fields import get_mapping, method_of, read_headers, require_str
from ._origin import forwarded_client, server_and_scheme
from ._query import encode_query
from ._render import single_value_headers, status_line
from ._results import result_body, result_headers, status_of
from .alb import trace_id
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Event, LambdaContext
    from ..testing import ExampleRequest


class LatticeSourceBase(EventSource):
    path_key: str
    query_key: str
    base64_key: str

    def parse(self, event: Event, context: LambdaContext) -> Request:
        method = method_of(event.get("method"))
        path = require_str(event, self.path_key)
        headers, seen = read_headers(event, "headers")
        path, _, query_in_path = path.partition("?")
        query = encode_query(get_mapping(event, self.query_key), raw=True)
        server, scheme = server_and_scheme(seen, None)
        return Request(
            method,  # method
            encode_path(path),  # raw_path
            query or encode_raw_query(query_in_path),  # query_string
            headers,  # headers
            decode_body(event.get("body"), event.get(self.base64_key)),  # body
            scheme,  # scheme
            server,  # server
            forwarded_client(seen),  # client
            "",  # root_path
            event,  # event
            context,  # context
        )

    def request_id(self, event: Event) -> str | None:
        return trace_id(event)

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        return {
            "statusCode": response.status,
            "statusDescription": status_line(response.status),
            "headers": single_value_headers(response.headers),
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def decode_result(self, result: Any, event: Event) -> Response:
        status = status_of(result)
        return Response(status, result_headers(result), result_body(result))


class LatticeV1Source(LatticeSourceBase):
    name = "VPC Lattice (v1)"
    key = "lattice-v1"
    path_key = "raw_path"
    query_key = "query_string_parameters"
    base64_key = "is_base64_encoded"

    def matches(self, event: Event) -> bool:
        return "raw_path" in event or "is_base64_encoded" in event

    def example_event(self, request: ExampleRequest) -> Event:
        from ._examples import comma_joined, quote_query

        headers = comma_joined([("x-forwarded-for", request.source_ip), *request.headers])
        query = {quote_query(key): quote_query(value) for key, value in request.query}
        return {
            "raw_path": request.path,
            "method": request.method,
            "headers": headers,
            "query_string_parameters": query,
            "body": request.body,
            "is_base64_encoded": request.is_base64,
        }


class LatticeV2Source(LatticeSourceBase):
    name = "VPC Lattice (v2)"
    key = "lattice-v2"
    path_key = "path"
    query_key = "queryStringParameters"
    base64_key = "isBase64Encoded"

    def matches(self, event: Event) -> bool:
        request_context = event.get("requestContext")
        return isinstance(request_context, dict) and "serviceNetworkArn" in request_context

    def example_event(self, request: ExampleRequest) -> Event:
        from ._examples import grouped, quote_query

        arn = "arn:aws:vpc-lattice:us-east-1:123456789012:"
        return {
            "version": "2.0",
            "path": request.path,
            "method": request.method,
            "headers": grouped([("x-forwarded-for", request.source_ip), *request.headers], True),
            "queryStringParameters": grouped(
                [(quote_query(k), quote_query(v)) for k, v in request.query]
            ),
            "body": request.body,
            "isBase64Encoded": request.is_base64,
            "requestContext": {
                "serviceNetworkArn": arn + "servicenetwork/sn-0bf3f2882e9cc805a",
                "serviceArn": arn + "service/svc-0a40eebed65f8d69c",
                "targetGroupArn": arn + "targetgroup/tg-6d0ecf831eec9f09",
                "identity": {"type": "NONE"},
                "region": "us-east-1",
                "timeEpoch": "1696331543569073",
            },
        }
