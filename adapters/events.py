"""Realistic Lambda events for every supported source, built from one description.

For tests and local tools: describe the request once (method, path, query, headers,
body) and get the event each front door would send for it, with that door's encodings:
decoded query maps for API Gateway 1.0, a raw query string for 2.0 and CloudFront, raw
values for ALB, comma-joined or list-valued headers, base64 bodies for binary content.
Shapes follow the AWS examples cited in docs/event-sources.md.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from ._types import Event

SOURCE_NAMES = (
    "rest",
    "http-v1",
    "http",
    "function-url",
    "alb",
    "lattice-v1",
    "lattice-v2",
    "edge",
)

DEFAULT_DOMAINS = {
    "rest": "abc123defg.execute-api.us-east-1.amazonaws.com",
    "http-v1": "abc123defg.execute-api.us-east-1.amazonaws.com",
    "http": "abc123defg.execute-api.us-east-1.amazonaws.com",
    "function-url": "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
    "alb": "my-alb-1234567890.us-east-1.elb.amazonaws.com",
    "lattice-v1": "my-service-0123456789abcdef.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
    "lattice-v2": "my-service-0123456789abcdef.7d67968.vpc-lattice-svcs.us-east-1.on.aws",
    "edge": "d111111abcdef8.cloudfront.net",
}

_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")
_QUERY_SAFE = "/:@!$'()*,;?"


def _quote_query(text: str) -> str:
    return quote(text, safe=_QUERY_SAFE)


def build_event(
    source: str,
    *,
    method: str = "GET",
    path: str = "/",
    query: Sequence[tuple[str, str]] = (),
    headers: Sequence[tuple[str, str]] = (),
    body: bytes | str = b"",
    base64: bool | None = None,
    stage: str | None = None,
    domain: str | None = None,
    source_ip: str = "198.51.100.7",
    multi_value: bool = True,
    edge_event_type: str = "origin-request",
) -> Event:
    """The event `source` sends for this request.

    `path` is the percent-encoded path the client asked for, without any stage prefix
    (`stage` adds it where the source shows it). `query` and `headers` are decoded pairs
    in order; repeated names are repeated pairs. `base64` defaults to True for a body
    that is not text by its Content-Type, as the front doors do. `multi_value` picks ALB
    multi-value header mode; `edge_event_type` the Lambda@Edge trigger.
    """
    if source not in SOURCE_NAMES:
        raise ValueError(f"unknown source {source!r}; choose one of {', '.join(SOURCE_NAMES)}")
    domain = domain or DEFAULT_DOMAINS[source]
    header_list = list(headers)
    if not any(name.lower() == "host" for name, _ in header_list):
        header_list.insert(0, ("Host", domain))
    raw_body = body.encode("utf-8") if isinstance(body, str) else body
    if base64 is None:
        content_type = next((v for n, v in header_list if n.lower() == "content-type"), "")
        base64 = bool(raw_body) and not content_type.lower().startswith(_TEXT_TYPES)
    if not base64:
        try:
            body_text = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            base64, body_text = True, b64encode(raw_body).decode("ascii")
    else:
        body_text = b64encode(raw_body).decode("ascii")
    raw_query = "&".join(f"{_quote_query(k)}={_quote_query(v)}" for k, v in query)
    request = _Description(
        method.upper(), path, list(query), raw_query, header_list, body_text, base64,
        stage, domain, source_ip,
    )  # fmt: skip
    if source in ("rest", "http-v1"):
        return _api_gateway_v1(request, http_api=source == "http-v1")
    if source in ("http", "function-url"):
        return _api_gateway_v2(request, function_url=source == "function-url")
    if source == "alb":
        return _alb(request, multi_value)
    if source == "lattice-v1":
        return _lattice_v1(request)
    if source == "lattice-v2":
        return _lattice_v2(request)
    return _edge(request, edge_event_type)


class _Description:
    __slots__ = (
        "body", "domain", "headers", "is_base64", "method", "path", "query", "raw_query",
        "source_ip", "stage",
    )  # fmt: skip

    def __init__(
        self, method: str, path: str, query: list[tuple[str, str]], raw_query: str,
        headers: list[tuple[str, str]], body: str, is_base64: bool, stage: str | None,
        domain: str, source_ip: str,
    ) -> None:  # fmt: skip
        self.method = method
        self.path = path
        self.query = query
        self.raw_query = raw_query
        self.headers = headers
        self.body = body
        self.is_base64 = is_base64
        self.stage = stage
        self.domain = domain
        self.source_ip = source_ip


def _grouped(pairs: Sequence[tuple[str, str]], lower: bool = False) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name.lower() if lower else name, []).append(value)
    return grouped


def _api_gateway_v1(request: _Description, http_api: bool) -> Event:
    stage = request.stage or ("$default" if http_api else "prod")
    prefix = f"/{stage}" if stage != "$default" and ".execute-api." in request.domain else ""
    multi_headers = _grouped(request.headers)
    multi_query = _grouped(request.query)
    full_path = prefix + request.path
    return {
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
            "apiId": request.domain.partition(".")[0],
            "domainName": request.domain,
            "domainPrefix": request.domain.partition(".")[0],
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


def _api_gateway_v2(request: _Description, function_url: bool) -> Event:
    stage = "$default" if function_url else (request.stage or "$default")
    prefix = f"/{stage}" if stage != "$default" and ".execute-api." in request.domain else ""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    query_map: dict[str, str] = {}
    for key, value in request.query:
        query_map[key] = f"{query_map[key]},{value}" if key in query_map else value
    event: Event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": prefix + request.path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": request.domain.partition(".")[0],
            "domainName": request.domain,
            "domainPrefix": request.domain.partition(".")[0],
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


def _alb(request: _Description, multi_value: bool) -> Event:
    raw_pairs = [(_quote_query(k), _quote_query(v)) for k, v in request.query]
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
    if multi_value:
        event["multiValueHeaders"] = _grouped(headers, lower=True)
        event["multiValueQueryStringParameters"] = _grouped(raw_pairs)
    else:
        event["headers"] = {k: v[-1] for k, v in _grouped(headers, lower=True).items()}
        event["queryStringParameters"] = {k: v[-1] for k, v in _grouped(raw_pairs).items()}
    return event


def _lattice_headers(request: _Description) -> list[tuple[str, str]]:
    return [("x-forwarded-for", request.source_ip), *request.headers]


def _lattice_v1(request: _Description) -> Event:
    headers: dict[str, str] = {}
    for name, value in _lattice_headers(request):
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for key, value in request.query:
        query[_quote_query(key)] = _quote_query(value)
    return {
        "raw_path": request.path,
        "method": request.method,
        "headers": headers,
        "query_string_parameters": query,
        "body": request.body,
        "is_base64_encoded": request.is_base64,
    }


def _lattice_v2(request: _Description) -> Event:
    return {
        "version": "2.0",
        "path": request.path,
        "method": request.method,
        "headers": _grouped(_lattice_headers(request), lower=True),
        "queryStringParameters": _grouped(
            [(_quote_query(k), _quote_query(v)) for k, v in request.query]
        ),
        "body": request.body,
        "isBase64Encoded": request.is_base64,
        "requestContext": {
            "serviceNetworkArn": "arn:aws:vpc-lattice:us-east-1:123456789012:"
            "servicenetwork/sn-0bf3f2882e9cc805a",
            "serviceArn": "arn:aws:vpc-lattice:us-east-1:123456789012:"
            "service/svc-0a40eebed65f8d69c",
            "targetGroupArn": "arn:aws:vpc-lattice:us-east-1:123456789012:"
            "targetgroup/tg-6d0ecf831eec9f09",
            "identity": {"type": "NONE"},
            "region": "us-east-1",
            "timeEpoch": "1696331543569073",
        },
    }


def _edge(request: _Description, event_type: str) -> Event:
    headers: dict[str, list[dict[str, str]]] = {}
    for name, value in request.headers:
        headers.setdefault(name.lower(), []).append({"key": name, "value": value})
    cf_request: dict[str, Any] = {
        "clientIp": request.source_ip,
        "headers": headers,
        "method": request.method,
        "querystring": request.raw_query,
        "uri": request.path,
    }
    if request.body:
        data = request.body if request.is_base64 else b64encode(request.body.encode()).decode()
        cf_request["body"] = {
            "inputTruncated": False,
            "action": "read-only",
            "encoding": "base64",
            "data": data,
        }
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": request.domain,
                        "distributionId": "EDFDVBD6EXAMPLE",
                        "eventType": event_type,
                        "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
                    },
                    "request": cf_request,
                }
            }
        ]
    }
