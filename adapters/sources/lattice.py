"""Amazon VPC Lattice Lambda targets, event format v1 and v2.

v1 uses snake_case keys (`raw_path`, `query_string_parameters`, `is_base64_encoded`);
v2 has `version: "2.0"`, `path`, `queryStringParameters` and a `requestContext` naming
the service network. Header and query values arrive as strings in v1 and as lists (or
strings, in some published samples) in v2. The response is the same for both.
See "Lambda functions as targets" in the VPC Lattice user guide.
"""

from __future__ import annotations

from ..bodies import decode_body
from ..model import Request, Response
from ..paths import encode_path
from ._common import (
    encode_query,
    forwarded_client,
    get_mapping,
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


class LatticeSourceBase(EventSource):
    path_key: str
    query_key: str
    base64_key: str

    def parse(self, event: Event, context: LambdaContext) -> Request:
        method = method_of(event.get("method"))
        path = require_str(event, self.path_key)
        headers = header_pairs(get_mapping(event, "headers"))
        path, _, query_in_path = path.partition("?")
        query = encode_query(get_mapping(event, self.query_key), raw=True)
        server, scheme = server_and_scheme(headers, None)
        return Request(
            method=method,
            raw_path=encode_path(path),
            query_string=query or query_in_path.encode("latin-1", "replace"),
            headers=headers,
            body=decode_body(event.get("body"), event.get(self.base64_key)),
            scheme=scheme,
            server=server,
            client=forwarded_client(headers),
            event=event,
            context=context,
        )

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        return {
            "statusCode": response.status,
            "statusDescription": status_line(response.status),
            "headers": single_value_headers(response.headers),
            "body": body,
            "isBase64Encoded": is_base64,
        }


class LatticeV1Source(LatticeSourceBase):
    name = "VPC Lattice (v1)"
    path_key = "raw_path"
    query_key = "query_string_parameters"
    base64_key = "is_base64_encoded"

    def matches(self, event: Event) -> bool:
        return "raw_path" in event or "is_base64_encoded" in event


class LatticeV2Source(LatticeSourceBase):
    name = "VPC Lattice (v2)"
    path_key = "path"
    query_key = "queryStringParameters"
    base64_key = "isBase64Encoded"

    def matches(self, event: Event) -> bool:
        request_context = event.get("requestContext")
        return isinstance(request_context, dict) and "serviceNetworkArn" in request_context
