"""HTTP APIs with payload format 2.0, and Lambda Function URLs, which use the same format.

The request carries `rawPath` and `rawQueryString` as the client sent them, lowercase
headers with repeated values comma-joined, and cookies in their own array; the response
sends cookies back in a `cookies` array, one Set-Cookie each. See "Create AWS Lambda proxy
integrations for HTTP APIs in API Gateway" and "Invoking Lambda function URLs".
"""

from __future__ import annotations

from ..bodies import decode_body
from ..errors import BadEventError
from ..headers import to_latin1_bytes
from ..model import Request, Response
from ..paths import encode_path, starts_with_segment
from ._common import (
    client_address,
    get_mapping,
    header_pairs,
    method_of,
    require_str,
    server_and_scheme,
)
from .apigateway_v1 import execute_api_stage
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._types import Event, LambdaContext


class HttpApiV2Source(EventSource):
    name = "API Gateway HTTP API (payload 2.0)"
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

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in response.headers:
            key = name.lower()
            if key == "set-cookie":
                cookies.append(value)
            else:
                headers[key] = f"{headers[key]},{value}" if key in headers else value
        result: Event = {
            "statusCode": response.status,
            "headers": headers,
            "body": body,
            "isBase64Encoded": is_base64,
        }
        if cookies:
            result["cookies"] = cookies
        return result


class FunctionUrlSource(HttpApiV2Source):
    """Function URLs send payload 2.0 from a `*.lambda-url.<region>.on.aws` domain."""

    name = "Lambda Function URL"
    # The Function URL page shows `rawQueryString` both with and without a leading "?".
    query_may_start_with_question_mark = True

    def matches(self, event: Event) -> bool:
        if not super().matches(event):
            return False
        domain = event["requestContext"].get("domainName")
        return isinstance(domain, str) and ".lambda-url." in domain
