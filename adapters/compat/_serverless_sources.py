"""The events serverless-wsgi 3.1 serves, read and answered as it does, on our sources.

serverless-wsgi decides by `version` alone ("2.0": payload 2.0, anything else: payload
1.0), after two special cases: warm-up pings (`source` "aws.events" or
"serverless-plugin-warmup") get `{}` without running the app, and API Gateway's
non-proxy Lambda integration (`requestPath`, no `version` or `isBase64Encoded`) has a
shape of its own. Results keep the app's header names; a repeated header goes under case
variants of its name (or into `multiValueHeaders` when the request had them), payload
2.0 included; ALB gets a `statusDescription`; `body` and `isBase64Encoded` are left out
when the body is empty.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from ..model import Request, Response
from ..sources._render import case_variant, status_line
from ._apig_sources import ApigAlbSource, ApigFunctionUrlSource, ApigHttpApiSource, ApigV1Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Event, LambdaContext


def is_warmup(event: Any) -> bool:
    return isinstance(event, dict) and event.get("source") in (
        "aws.events",
        "serverless-plugin-warmup",
    )


def is_lambda_integration(event: Event) -> bool:
    context = event.get("requestContext")
    return (
        event.get("version") is None
        and event.get("isBase64Encoded") is None
        and event.get("requestPath") is not None
        and not (type(context) is dict and context.get("elb"))
    )


def sw_result(response: Response, body: str, is_base64: bool, event: Event) -> Event:
    """serverless-wsgi's result: the app's header names, repeats as case variants or in
    `multiValueHeaders`, and no body keys for an empty body."""
    result: Event = {"statusCode": response.status}
    grouped: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in response.headers:
        key = spelling.setdefault(name.lower(), name)
        grouped.setdefault(key, []).append(value)
    if event.get("multiValueHeaders"):
        result["multiValueHeaders"] = grouped
    else:
        single: dict[str, str] = {}
        for name, values in grouped.items():
            if len(values) == 1:
                single[name] = values[0]
            else:
                for index, value in enumerate(values):
                    single[case_variant(name.lower(), index)] = value
        result["headers"] = single
    if body:
        result["body"] = body
        result["isBase64Encoded"] = is_base64
    return result


class SwV1Source(ApigV1Source):
    def matches(self, event: Event) -> bool:
        return super().matches(event) and not is_lambda_integration(event)

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        return sw_result(response, body, is_base64, event)


class SwAlbSource(ApigAlbSource):
    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        result = sw_result(response, body, is_base64, event)
        result["statusDescription"] = status_line(response.status)
        return result


class SwHttpApiSource(ApigHttpApiSource):
    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        return sw_result(response, body, is_base64, event)


class SwFunctionUrlSource(ApigFunctionUrlSource):
    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        return sw_result(response, body, is_base64, event)


class SwLambdaIntegrationSource(ApigV1Source):
    """API Gateway's non-proxy Lambda integration, with the default mapping template:
    `method`, `requestPath` with `{name}` placeholders filled from `path`, `query`,
    `headers`, a JSON `body`, `identity`, `principalId`."""

    def matches(self, event: Event) -> bool:
        return is_lambda_integration(event)

    def parse(self, event: Event, context: LambdaContext) -> Request:
        path = str(event.get("requestPath") or "/")
        params = event.get("path")
        if isinstance(params, dict):
            for name, value in params.items():
                for placeholder in ("{" + str(name) + "}", "{" + str(name) + "+}"):
                    path = path.replace(placeholder, str(value))
        body = event.get("body")
        query = event.get("query")
        import json  # only this integration sends a JSON body to re-encode

        proxy_event: Event = {
            "httpMethod": event.get("method") or "GET",
            "path": path.partition("?")[0],
            "headers": event.get("headers") or {},
            "multiValueQueryStringParameters": None,
            "queryStringParameters": None,
            "body": json.dumps(body) if body else None,
            "isBase64Encoded": False,
            "requestContext": {"identity": event.get("identity") or {}},
        }
        request = super().parse(proxy_event, context)
        request.query_string = (
            urlencode(query, doseq=True).encode() if isinstance(query, dict) else b""
        )
        request.raw_path = quote(proxy_event["path"], safe="/%!$&'()*+,;=:@~").encode()
        request.event = event
        return request

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        return sw_result(response, body, is_base64, event)


SERVERLESS_SOURCES = (
    SwAlbSource(),
    SwHttpApiSource(),
    SwFunctionUrlSource(),
    SwLambdaIntegrationSource(),
    SwV1Source(),
)
