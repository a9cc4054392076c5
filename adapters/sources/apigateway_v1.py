"""API Gateway REST APIs and HTTP APIs with payload format 1.0.

Both send the same "Lambda proxy" event: `httpMethod`, `path`, single- and multi-value
header and query maps with decoded values, and a `requestContext` that names the stage.
See "Set up Lambda proxy integrations in API Gateway" (input format) and "Create AWS Lambda
proxy integrations for HTTP APIs in API Gateway" (payload format versions).
"""

from __future__ import annotations

from ..bodies import decode_body
from ..model import Request, Response
from ..paths import encode_path
from ._common import (
    client_address,
    encode_query,
    get_mapping,
    group_header_values,
    header_pairs,
    method_of,
    require_str,
    server_and_scheme,
)
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._types import Event, HeaderList, LambdaContext


def execute_api_stage(request_context: dict[str, object], headers: HeaderList) -> str:
    """The '/stage' prefix clients use on the default execute-api domain, else ''.

    Custom domains map a stage to a base path of their own, and the `$default` stage has
    no prefix, so only a named stage on the execute-api domain prefixes client URLs. The
    domain is `requestContext.domainName`, or the Host header for events without one
    (`sam local generate-event apigateway aws-proxy` leaves it out).
    """
    stage = request_context.get("stage")
    domain = request_context.get("domainName")
    if domain is None:
        domain = next((value for name, value in headers if name == "host"), None)
    if (
        isinstance(stage, str)
        and stage
        and stage != "$default"
        and isinstance(domain, str)
        and ".execute-api." in domain
    ):
        return "/" + stage
    return ""


class ApiGatewayV1Source(EventSource):
    name = "API Gateway (payload 1.0)"

    def matches(self, event: Event) -> bool:
        request_context = event.get("requestContext")
        return (
            isinstance(request_context, dict)
            and ("httpMethod" in event or "resource" in event)
            and "connectionId" not in request_context  # WebSocket APIs share the shape
        )

    def parse(self, event: Event, context: LambdaContext) -> Request:
        request_context = get_mapping(event, "requestContext")
        method = method_of(event.get("httpMethod") or request_context.get("httpMethod"))
        path = require_str(event, "path")
        if not path.startswith("/"):
            path = "/" + path
        multi_headers = get_mapping(event, "multiValueHeaders")
        headers = header_pairs(multi_headers or get_mapping(event, "headers"))
        query = get_mapping(event, "multiValueQueryStringParameters") or get_mapping(
            event, "queryStringParameters"
        )
        root_path = execute_api_stage(request_context, headers)
        raw_path = encode_path(path)
        if root_path and not self._path_has_stage(path, root_path, request_context):
            raw_path = encode_path(root_path) + raw_path
        server, scheme = server_and_scheme(headers, request_context.get("domainName"))
        identity = get_mapping(request_context, "identity")
        return Request(
            method=method,
            raw_path=raw_path,
            query_string=encode_query(query),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=client_address(identity.get("sourceIp")),
            root_path=root_path,
            event=event,
            context=context,
        )

    @staticmethod
    def _path_has_stage(path: str, stage_prefix: str, request_context: dict[str, object]) -> bool:
        """REST APIs send `path` without the stage and `requestContext.path` with it."""
        context_path = request_context.get("path")
        if not isinstance(context_path, str):
            return False
        return context_path == path and (
            path == stage_prefix or path.startswith(stage_prefix + "/")
        )

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        # Headers set once go in `headers`, repeated ones (Set-Cookie) in
        # `multiValueHeaders`; no name appears in both, so no merge rule applies.
        grouped = group_header_values(response.headers)
        single = {name: values[0] for name, values in grouped.items() if len(values) == 1}
        multi = {name: values for name, values in grouped.items() if len(values) > 1}
        result: Event = {"statusCode": response.status, "headers": single}
        if multi:
            result["multiValueHeaders"] = multi
        result["body"] = body
        result["isBase64Encoded"] = is_base64
        return result
