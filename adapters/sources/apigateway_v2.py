"""HTTP APIs with payload format 2.0 (Lambda Function URLs share the format).

The request carries `rawPath` and `rawQueryString` as the client sent them, lowercase
headers with repeated values comma-joined, and cookies in their own array; the response
sends cookies back in a `cookies` array, one Set-Cookie each. See "Create AWS Lambda proxy
integrations for HTTP APIs in API Gateway".
"""

from __future__ import annotations

from .._bodies import decode_body
from .._headers import to_latin1_bytes
from .._paths import encode_path, starts_with_segment
from ..errors import BadEventError
from ..model import Request, Response
from ._fields import get_mapping, header_pairs, method_of, require_str
from ._origin import client_address, server_and_scheme
from ._results import result_body, result_headers, status_of
from .apigateway_v1 import execute_api_stage
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Event, LambdaContext
    from ..testing import ExampleRequest


class HttpApiV2Source(EventSource):
    name = "API Gateway HTTP API (payload 2.0)"
    key = "http"
    query_may_start_with_question_mark = False

    def matches(self, event: Event) -> bool:
        request_context = event.get("requestContext")
        return (
            event.get("version") == "2.0"
            and isinstance(request_context, dict)
            and "serviceNetworkArn" not in request_context
            and ("rawPath" in event or "http" in request_context)
        )

    def parse(self, event: Event, context: LambdaContext) -> Request:
        request_context = get_mapping(event, "requestContext")
        http = get_mapping(request_context, "http")
        method = method_of(http.get("method"))
        raw_path = encode_path(require_str(event, "rawPath"))
        headers = header_pairs(get_mapping(event, "headers"))
        cookies = event.get("cookies")
        if cookies:
            if not isinstance(cookies, list):
                raise BadEventError("cookies must be a list")
            headers.append(("cookie", "; ".join(str(cookie) for cookie in cookies)))
        query = event.get("rawQueryString") or ""
        if not isinstance(query, str):
            raise BadEventError("rawQueryString must be a string")
        if self.query_may_start_with_question_mark and query.startswith("?"):
            query = query[1:]
        stage = execute_api_stage(request_context, headers)
        root_path = stage if stage and starts_with_segment(raw_path, stage.encode()) else ""
        server, scheme = server_and_scheme(headers, request_context.get("domainName"))
        return Request(
            method=method,
            raw_path=raw_path,
            query_string=to_latin1_bytes(query),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=client_address(http.get("sourceIp")),
            root_path=root_path,
            event=event,
            context=context,
        )

    def prelude(self, response: Response, event: Event) -> dict[str, Any]:
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in response.headers:
            key = name.lower()
            if key == "set-cookie":
                cookies.append(value)
            else:
                headers[key] = f"{headers[key]},{value}" if key in headers else value
        result: dict[str, Any] = {"statusCode": response.status, "headers": headers}
        if cookies:
            result["cookies"] = cookies
        return result

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        result = self.prelude(response, event)
        cookies = result.pop("cookies", None)
        result["body"] = body
        result["isBase64Encoded"] = is_base64
        if cookies:
            result["cookies"] = cookies
        return result

    def decode_result(self, result: Any, event: Event) -> Response:
        """Payload 2.0's rule: a result without `statusCode` is the JSON body of a 200."""
        if isinstance(result, str) or (isinstance(result, dict) and "statusCode" not in result):
            import json

            text = result if isinstance(result, str) else json.dumps(result)
            return Response(200, [("content-type", "application/json")], text.encode("utf-8"))
        status = status_of(result)
        headers = result_headers(result)
        cookies = result.get("cookies") or []
        if not isinstance(cookies, list):
            raise ValueError("cookies must be a list")
        headers.extend(("set-cookie", str(cookie)) for cookie in cookies)
        return Response(status, headers, result_body(result))

    def example_event(self, request: ExampleRequest) -> Event:
        return v2_event(request, request.stage or "$default")


def v2_event(request: ExampleRequest, stage: str) -> Event:
    """The payload 2.0 event for a request (HTTP APIs and Function URLs)."""
    from ._examples import comma_joined

    prefix = f"/{stage}" if stage != "$default" and ".execute-api." in request.domain else ""
    cookies = [
        part.strip()
        for name, value in request.headers
        if name.lower() == "cookie"
        for part in value.split(";")
        if part.strip()
    ]
    headers = comma_joined([(n, v) for n, v in request.headers if n.lower() != "cookie"])
    query_map = comma_joined(request.query, lower=False)
    api_id = request.domain.partition(".")[0]
    event: Event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": prefix + request.path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": api_id,
            "domainName": request.domain,
            "domainPrefix": api_id,
            "http": {
                "method": request.method,
                "path": prefix + request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", "adapters-test"),
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": stage,
            "time": "10/Mar/2020:05:16:23 +0000",
            "timeEpoch": 1583817383220,
        },
        "isBase64Encoded": request.is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query_map:
        event["queryStringParameters"] = query_map
    if request.body:
        event["body"] = request.body
    return event
