"""HTTP APIs with payload format 2.0 (Lambda Function URLs share the format).

The request carries `rawPath` and `rawQueryString` as the client sent them, lowercase
headers with repeated values comma-joined, and cookies in their own array; the response
sends cookies back in a `cookies` array, one Set-Cookie each. See "Create AWS Lambda proxy
integrations for HTTP APIs in API Gateway".
"""

from __future__ import annotations

from .._bodies import decode_body
from .._paths import encode_path, encode_raw_query, starts_with_segment
from ..errors import BadEventError
from ..model import Request, Response
from ._fields import get_mapping, read_headers
from ._origin import client_address, server_and_scheme
from ._results import result_body, result_headers, status_of
from .apigateway_v1 import execute_api_stage
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Event, HeaderList, LambdaContext
    from ..testing import ExampleRequest


class HttpApiV2Source(EventSource):
    name = "API Gateway HTTP API (payload 2.0)"
    key = "http"
    query_may_start_with_question_mark = False

    def matches(self, event: Event) -> bool:
        request_context = event.get("requestContext")
        if event.get("version") != "2.0" or type(request_context) is not dict:
            return False
        if "serviceNetworkArn" in request_context:
            return False
        if "rawPath" not in event and "http" not in request_context:
            return False
        return self.is_function_url(request_context) is self.function_url

    function_url = False

    @staticmethod
    def is_function_url(request_context: dict[str, Any]) -> bool:
        domain = request_context.get("domainName")
        return type(domain) is str and ".lambda-url." in domain

    def parse(self, event: Event, context: LambdaContext) -> Request:
        request_context = event.get("requestContext")
        if type(request_context) is not dict:
            request_context = get_mapping(event, "requestContext")
        http = request_context.get("http")
        if type(http) is not dict:
            http = get_mapping(request_context, "http")
        method = http.get("method")
        if type(method) is not str or not method:
            raise BadEventError("event has no HTTP method")
        raw_path = event.get("rawPath")
        if type(raw_path) is not str or not raw_path:
            raise BadEventError("event has no rawPath")
        headers, seen = read_headers(event, "headers", lowercase_map=True)
        cookies = event.get("cookies")
        if cookies:
            if type(cookies) is not list:
                raise BadEventError("cookies must be a list")
            headers = [*headers, ("cookie", "; ".join([str(cookie) for cookie in cookies]))]
        query = event.get("rawQueryString") or ""
        if type(query) is not str:
            raise BadEventError("rawQueryString must be a string")
        if query:
            if self.query_may_start_with_question_mark and query[0] == "?":
                query = query[1:]
            query_string = query.encode("ascii") if query.isascii() else encode_raw_query(query)
        else:
            query_string = b""
        path = encode_path(raw_path)
        stage = request_context.get("stage")
        root_path = ""
        if stage and stage != "$default":
            prefix = execute_api_stage(request_context, headers)
            if prefix and starts_with_segment(path, prefix.encode()):
                root_path = prefix
        server, scheme = server_and_scheme(seen, request_context.get("domainName"))
        data = decode_body(event.get("body"), event.get("isBase64Encoded"))
        return Request(
            method.upper(),  # method
            path,  # raw_path
            query_string,  # query_string
            headers,  # headers
            data,  # body
            scheme,  # scheme
            server,  # server
            client_address(http.get("sourceIp")),  # client
            root_path,  # root_path
            event,  # event
            context,  # context
        )

    def prelude(self, response: Response, event: Event) -> dict[str, Any]:
        headers, cookies = split_cookies(response.headers)
        result: dict[str, Any] = {"statusCode": response.status, "headers": headers}
        if cookies:
            result["cookies"] = cookies
        return result

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        headers, cookies = split_cookies(response.headers)
        result: Event = {
            "statusCode": response.status,
            "headers": headers,
            "body": body,
            "isBase64Encoded": is_base64,
        }
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


def split_cookies(headers: HeaderList) -> tuple[dict[str, str], list[str]]:
    """Payload 2.0's response headers: lowercase names, repeats comma-joined, and every
    Set-Cookie apart ("each cookie becomes a set-cookie header")."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "set-cookie":
            cookies.append(value)
        elif key in joined:
            joined[key] = f"{joined[key]},{value}"
        else:
            joined[key] = value
    return joined, cookies


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
