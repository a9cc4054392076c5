"""API Gateway REST APIs and HTTP APIs with payload format 1.0.

Both send the same "Lambda proxy" event: `httpMethod`, `path`, single- and multi-value
header and query maps with decoded values, and a `requestContext` that names the stage.
See "Set up Lambda proxy integrations in API Gateway" (input format) and "Create AWS Lambda
proxy integrations for HTTP APIs in API Gateway" (payload format versions). HTTP API events
keep a named stage in `path`; REST events leave it out of `path` (and keep it in
`requestContext.path`). REST methods can stream their response
(`responseTransferMode: STREAM`, "Stream the integration response for your proxy
integrations in API Gateway"); HTTP APIs cannot.
"""

from __future__ import annotations

from .._bodies import decode_body
from .._paths import encode_path
from ..errors import BadEventError
from ..model import Request, Response
from ._fields import get_mapping, read_headers
from ._origin import client_address, server_and_scheme
from ._query import encode_query
from ._render import group_header_values
from ._results import result_body, result_headers, status_of
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Event, LambdaContext, RequestHeaders
    from ..testing import ExampleRequest


def execute_api_stage(request_context: dict[str, object], headers: RequestHeaders) -> str:
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
    """REST APIs (and, through `HttpApiV1Source`, HTTP APIs with payload 1.0)."""

    name = "API Gateway (payload 1.0)"
    key = "rest"
    streams = True

    def matches(self, event: Event) -> bool:
        request_context = event.get("requestContext")
        return (
            type(request_context) is dict
            and ("httpMethod" in event or "resource" in event)
            and "elb" not in request_context  # ALB events carry httpMethod too
            and "connectionId" not in request_context  # WebSocket APIs share the shape
        )

    def parse(self, event: Event, context: LambdaContext) -> Request:
        request_context = event.get("requestContext")
        if type(request_context) is not dict:
            request_context = get_mapping(event, "requestContext")
        method = event.get("httpMethod") or request_context.get("httpMethod")
        if type(method) is not str or not method:
            raise BadEventError("event has no HTTP method")
        path = event.get("path")
        if type(path) is not str or not path:
            raise BadEventError("event has no path")
        if path[0] != "/":
            path = "/" + path
        headers, seen = read_headers(
            event, "multiValueHeaders" if event.get("multiValueHeaders") else "headers"
        )
        query_key = (
            "multiValueQueryStringParameters"
            if event.get("multiValueQueryStringParameters")
            else "queryStringParameters"
        )
        query = event.get(query_key)
        if query and type(query) is not dict:
            raise BadEventError(f"{query_key} must be an object, got {type(query).__name__}")
        root_path = execute_api_stage(request_context, headers)
        raw_path = encode_path(path)
        if root_path and not self._path_has_stage(path, root_path, request_context):
            raw_path = encode_path(root_path) + raw_path
        server, scheme = server_and_scheme(seen, request_context.get("domainName"))
        identity = request_context.get("identity")
        if type(identity) is not dict:
            identity = get_mapping(request_context, "identity")
        data = decode_body(event.get("body"), event.get("isBase64Encoded"))
        return Request(
            method.upper(),  # method
            raw_path,  # raw_path
            encode_query(query) if query else b"",  # query_string
            headers,  # headers
            data,  # body
            scheme,  # scheme
            server,  # server
            client_address(identity.get("sourceIp")),  # client
            root_path,  # root_path
            event,  # event
            context,  # context
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
        result: Event = self.prelude(response, event)
        result["body"] = body
        result["isBase64Encoded"] = is_base64
        return result

    def prelude(self, response: Response, event: Event) -> dict[str, Any]:
        # Headers set once go in `headers`, repeated ones (Set-Cookie) in
        # `multiValueHeaders`; no name appears in both, so no merge rule applies.
        grouped = group_header_values(response.headers)
        single = {name: values[0] for name, values in grouped.items() if len(values) == 1}
        multi = {name: values for name, values in grouped.items() if len(values) > 1}
        result: dict[str, Any] = {"statusCode": response.status, "headers": single}
        if multi:
            result["multiValueHeaders"] = multi
        return result

    def decode_result(self, result: Any, event: Event) -> Response:
        status = status_of(result)
        return Response(status, result_headers(result), result_body(result))

    def example_event(self, request: ExampleRequest) -> Event:
        return _proxy_event(request, http_api=False)


class HttpApiV1Source(ApiGatewayV1Source):
    """HTTP APIs with payload format 1.0: the REST format, stage kept in `path`.

    Its events cannot be told from REST events (both may carry `version: "1.0"`), so
    detection always names the REST source, which parses both; this class exists for the
    example event, whose `path` differs.
    """

    key = "http-v1"
    streams = False

    def example_event(self, request: ExampleRequest) -> Event:
        return _proxy_event(request, http_api=True)


def _proxy_event(request: ExampleRequest, http_api: bool) -> Event:
    from ._examples import grouped

    stage = request.stage or ("$default" if http_api else "prod")
    prefix = f"/{stage}" if stage != "$default" and ".execute-api." in request.domain else ""
    multi_headers = grouped(request.headers)
    multi_query = grouped(request.query)
    full_path = prefix + request.path
    api_id = request.domain.partition(".")[0]
    event: Event = {
        "version": "1.0",
        "resource": "/{proxy+}",
        "path": full_path if http_api else request.path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": request.path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": api_id,
            "domainName": request.domain,
            "domainPrefix": api_id,
            "extendedRequestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "httpMethod": request.method,
            "identity": {"sourceIp": request.source_ip, "userAgent": "adapters-test"},
            "path": full_path,
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": 1428582896000,
            "resourceId": "123456",
            "resourcePath": "/{proxy+}",
            "stage": stage,
        },
        "body": request.body or None,
        "isBase64Encoded": request.is_base64,
    }
    return event
