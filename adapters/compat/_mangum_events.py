"""The four front doors Mangum 0.22 serves, read and answered the way Mangum does.

Each class follows Mangum's handler protocol, because `custom_handlers` makes that
protocol public: `infer(event, context, config)` says whether the class takes the event;
an instance gives the ASGI `scope` and request `body`, and turns the app's response
(`{"status", "headers": [[bytes, bytes]], "body"}`) into the result dict. Users' own
handler classes go in front of these, unchanged.

What Mangum users' tests pin down is kept exactly: scopes with `raw_path` None, an empty
`root_path`, lower-case header names with repeated values joined, `server` from Host and
X-Forwarded-Port (default port 80), the result keys of each front door. Where Mangum's
reading is unsafe or breaks routing, ours differs, and docs/migrating.md says why:

- the ALB client is the last X-Forwarded-For hop, the one the load balancer appended
  (Mangum reports the whole header, which any client can write);
- `api_gateway_base_path` is removed only as whole path segments ("/api" is not removed
  from "/apiary") and the path keeps its leading "/";
- a Lambda@Edge `uri` is percent-decoded like every other path, every value of a
  repeated header reaches the app, and every value of a repeated response header
  (each Set-Cookie) is in the result (Mangum keeps one per name);
- `exclude_headers` applies to every result (Mangum ignores it for HTTP APIs);
- a malformed event of a known front door is a `BadEventError` (the handler answers 400)
  rather than a KeyError from deep inside.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote, unquote_plus, urlencode

from .._types import Event, LambdaContext
from ..errors import BadEventError
from ..sources._render import case_variant

Scope = dict[str, Any]
MangumResponse = dict[str, Any]
"""What a handler class is given: status, header pairs of bytes, the whole body."""

ASGI_SPEC = {"version": "3.0", "spec_version": "2.0"}


def _dict(value: object, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if type(value) is not dict:
        raise BadEventError(f"{what} must be an object")
    return value


def _text(value: object, what: str) -> str:
    if type(value) is not str:
        raise BadEventError(f"{what} must be a string")
    return value


def read_body(body: object, is_base64: object) -> bytes:
    """The request body: base64-decoded when the event says so, text as UTF-8."""
    if not body:
        return b""
    if is_base64:
        try:
            return base64.b64decode(body, validate=False)  # type: ignore[arg-type]
        except (binascii.Error, TypeError, ValueError):
            raise BadEventError("the body is not valid base64") from None
    if type(body) is bytes:
        return body
    if type(body) is not str:
        raise BadEventError("the body must be a string")
    return body.encode("utf-8", "surrogatepass")


def server_of(headers: dict[str, str]) -> tuple[str, int]:
    """Mangum's `server`: Host (default "mangum"), port from Host or X-Forwarded-Port (80)."""
    host = headers.get("host", "mangum")
    name, colon, port = host.rpartition(":")
    if not colon or "]" in port:  # no port in Host (an IPv6 literal has colons of its own)
        name, port = host, headers.get("x-forwarded-port", "80")
    try:
        return name, int(port)
    except ValueError:
        raise BadEventError(f"the port {port!r:.30} is not a number") from None


def strip_base_path(path: str, base_path: str) -> str:
    """The path below `base_path`, percent-decoded; the base removed only as whole segments."""
    if not path:
        return "/"
    base = base_path.strip("/")
    if base:
        prefix = "/" + base
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix) :] or "/"
    return unquote(path)


def single_headers(event: Event) -> dict[str, str]:
    """Payload 1.0 request headers as Mangum reads them: lower-case names, each
    `multiValueHeaders` entry joined with ", " over the single value."""
    headers = {
        _text(name, "a header name").lower(): _text(value, f"header {name!r}")
        for name, value in _dict(event.get("headers"), "headers").items()
    }
    multi = event.get("multiValueHeaders")
    if multi:
        for name, values in _dict(multi, "multiValueHeaders").items():
            joined = (
                ", ".join(_text(v, f"header {name!r}") for v in values)
                if type(values) is list
                else ""
            )
            headers[_text(name, "a header name").lower()] = joined
    return headers


def rest_query(event: Event) -> bytes:
    params = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
    if not params:
        return b""
    return urlencode(_dict(params, "the query parameters"), doseq=True).encode()


def scope_headers(headers: dict[str, str]) -> list[list[bytes]]:
    return [
        [name.encode(), value.encode("utf-8", "surrogateescape")] for name, value in headers.items()
    ]


def text_of(raw: bytes) -> str:
    """A response header as text: UTF-8, or latin-1 for bytes that are not UTF-8."""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def split_headers(response: MangumResponse) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Payload 1.0 result headers: a name seen once goes in `headers`, a repeated one
    (every value of it) in `multiValueHeaders`; names lower-case."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for raw_name, raw_value in response["headers"]:
        name, value = text_of(raw_name).lower(), text_of(raw_value)
        if name in multi:
            multi[name].append(value)
        elif name in single:
            multi[name] = [single.pop(name), value]
        else:
            single[name] = value
    return single, multi


def encode_body(body: bytes, content_type: str, text_types: list[str]) -> tuple[str, bool]:
    """Mangum's choice: text when an entry of `text_types` occurs in the Content-Type and
    the body is UTF-8; otherwise base64. An empty body is "" either way."""
    if not body:
        return "", False
    if any(entry in content_type for entry in text_types):
        try:
            return body.decode(), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode(), True


def without(headers: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    excluded = config["exclude_headers"]
    if not excluded:
        return headers
    return {name: value for name, value in headers.items() if name.lower() not in excluded}


class _Handler:
    """What every front door's class shares: the event, context and config it was made with."""

    def __init__(self, event: Event, context: LambdaContext, config: dict[str, Any]) -> None:
        self.event = event
        self.context = context
        self.config = config

    @classmethod
    def infer(cls, event: Event, context: LambdaContext, config: dict[str, Any]) -> bool:
        return False

    @property
    def scope(self) -> Scope:
        raise NotImplementedError

    def __call__(self, response: MangumResponse) -> Event:
        raise NotImplementedError

    def _scope(
        self,
        method: object,
        headers: list[list[bytes]],
        path: str,
        scheme: str,
        query: bytes,
        server: tuple[str, int],
        client: tuple[Any, int],
    ) -> Scope:
        return {
            "type": "http",
            "http_version": "1.1",
            "method": _text(method, "the method"),
            "headers": headers,
            "path": path,
            "raw_path": None,
            "root_path": "",
            "scheme": scheme,
            "query_string": query,
            "server": server,
            "client": client,
            "asgi": dict(ASGI_SPEC),
            "aws.event": self.event,
            "aws.context": self.context,
        }

    @property
    def body(self) -> bytes:
        return read_body(self.event.get("body"), self.event.get("isBase64Encoded"))

    def _v1_result(self, response: MangumResponse) -> Event:
        single, multi = split_headers(response)
        body, is_base64 = encode_body(
            response["body"], single.get("content-type", ""), self.config["text_mime_types"]
        )
        return {
            "statusCode": response["status"],
            "headers": without(single, self.config),
            "multiValueHeaders": without(multi, self.config),
            "body": body,
            "isBase64Encoded": is_base64,
        }


class APIGateway(_Handler):
    """REST APIs (payload 1.0 with `resource`)."""

    @classmethod
    def infer(cls, event: Event, context: LambdaContext, config: dict[str, Any]) -> bool:
        return "resource" in event and "requestContext" in event

    @property
    def scope(self) -> Scope:
        event = self.event
        headers = single_headers(event)
        identity = _dict(
            _dict(event["requestContext"], "requestContext").get("identity"), "identity"
        )
        return self._scope(
            event.get("httpMethod"),
            scope_headers(headers),
            strip_base_path(
                _text(event.get("path") or "", "path"), self.config["api_gateway_base_path"]
            ),
            headers.get("x-forwarded-proto", "https"),
            rest_query(event),
            server_of(headers),
            (identity.get("sourceIp"), 0),
        )

    def __call__(self, response: MangumResponse) -> Event:
        return self._v1_result(response)


class HTTPGateway(_Handler):
    """HTTP APIs and Function URLs: payload 2.0, and payload 1.0 with `version`."""

    @classmethod
    def infer(cls, event: Event, context: LambdaContext, config: dict[str, Any]) -> bool:
        return "version" in event and "requestContext" in event

    @property
    def scope(self) -> Scope:
        event = self.event
        context = _dict(event["requestContext"], "requestContext")
        if event["version"] == "2.0":
            http = _dict(context.get("http"), "requestContext.http")
            headers = {
                _text(name, "a header name").lower(): _text(value, f"header {name!r}")
                for name, value in _dict(event.get("headers"), "headers").items()
            }
            cookies = event.get("cookies")
            if cookies:
                if type(cookies) is not list:
                    raise BadEventError("cookies must be a list")
                headers["cookie"] = "; ".join(_text(c, "a cookie") for c in cookies)
            method, path, client = http.get("method"), http.get("path"), http.get("sourceIp")
            query = _text(event.get("rawQueryString") or "", "rawQueryString").encode()
        else:
            headers = single_headers(event)
            method, path = event.get("httpMethod"), event.get("path")
            client = _dict(context.get("identity"), "identity").get("sourceIp")
            query = rest_query(event)
        return self._scope(
            method,
            scope_headers(headers),
            strip_base_path(_text(path or "", "path"), self.config["api_gateway_base_path"]),
            headers.get("x-forwarded-proto", "https"),
            query,
            server_of(headers),
            (client, 0),
        )

    def __call__(self, response: MangumResponse) -> Event:
        if self.event["version"] != "2.0":
            return self._v1_result(response)
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for raw_name, raw_value in response["headers"]:
            name, value = text_of(raw_name).lower(), text_of(raw_value)
            if name == "set-cookie":
                cookies.append(value)
            elif name in headers:
                headers[name] += "," + value
            else:
                headers[name] = value
        headers.setdefault("content-type", "application/json")  # as Mangum labels it
        body, is_base64 = encode_body(
            response["body"], headers["content-type"], self.config["text_mime_types"]
        )
        headers = without(headers, self.config)
        if "set-cookie" in self.config["exclude_headers"]:
            cookies = []
        result: Event = {"statusCode": response["status"], "body": body}
        if headers:
            result["headers"] = headers
        if cookies:
            result["cookies"] = cookies
        result["isBase64Encoded"] = is_base64
        return result


class ALB(_Handler):
    """Application Load Balancer target groups, with or without multi-value headers."""

    @classmethod
    def infer(cls, event: Event, context: LambdaContext, config: dict[str, Any]) -> bool:
        context_ = event.get("requestContext")
        return type(context_) is dict and "elb" in context_

    @property
    def scope(self) -> Scope:
        event = self.event
        pairs: list[list[bytes]] = []
        last: dict[str, str] = {}
        if "multiValueHeaders" in event:
            for name, values in _dict(event["multiValueHeaders"], "multiValueHeaders").items():
                key = _text(name, "a header name").lower()
                for value in values if type(values) is list else ():
                    last[key] = _text(value, f"header {name!r}")
                    pairs.append([key.encode(), last[key].encode("utf-8", "surrogateescape")])
        else:
            for name, value in _dict(event.get("headers"), "headers").items():
                key = _text(name, "a header name").lower()
                last[key] = _text(value, f"header {name!r}")
                pairs.append([key.encode(), last[key].encode("utf-8", "surrogateescape")])
        forwarded = last.get("x-forwarded-for", "")
        path = _text(event.get("path") or "", "path")
        params = event.get("multiValueQueryStringParameters", event.get("queryStringParameters"))
        return self._scope(
            event.get("httpMethod"),
            pairs,
            unquote(path) if path else "/",
            last.get("x-forwarded-proto", "https"),
            alb_query(_dict(params, "the query parameters")) if params else b"",
            server_of(last),
            (forwarded.rpartition(",")[2].strip(), 0),
        )

    def __call__(self, response: MangumResponse) -> Event:
        grouped: dict[str, list[str]] = {}
        for raw_name, raw_value in response["headers"]:
            grouped.setdefault(text_of(raw_name).lower(), []).append(text_of(raw_value))
        single = {
            case_variant(name, index): value
            for name, values in grouped.items()
            for index, value in enumerate(values)
        }
        body, is_base64 = encode_body(
            response["body"], single.get("content-type", ""), self.config["text_mime_types"]
        )
        result: Event = {
            "statusCode": response["status"],
            "body": body,
            "isBase64Encoded": is_base64,
        }
        if "multiValueHeaders" in self.event:
            result["multiValueHeaders"] = without(grouped, self.config)
        else:
            result["headers"] = without(single, self.config)
        return result


def alb_query(params: dict[str, Any]) -> bytes:
    """ALB passes query parameters as the client encoded them: decoded here, then encoded
    once, so that "%2F" and "b+c" reach the app as the client meant them."""
    decoded = {
        unquote_plus(str(name)): (
            unquote_plus(value)
            if type(value) is str
            else [unquote_plus(str(item)) for item in value]
        )
        for name, value in params.items()
    }
    return urlencode(decoded, doseq=True).encode()


class LambdaAtEdge(_Handler):
    """CloudFront Lambda@Edge origin and viewer requests."""

    @classmethod
    def infer(cls, event: Event, context: LambdaContext, config: dict[str, Any]) -> bool:
        records = event.get("Records")
        return (
            type(records) is list
            and len(records) > 0
            and type(records[0]) is dict
            and "cf" in records[0]
        )

    def _request(self) -> dict[str, Any]:
        try:
            return _dict(self.event["Records"][0]["cf"]["request"], "cf.request")
        except (KeyError, TypeError):
            raise BadEventError("the event has no cf.request") from None

    @property
    def body(self) -> bytes:
        body = _dict(self._request().get("body"), "cf.request.body")
        return read_body(body.get("data"), body.get("encoding") == "base64")

    @property
    def scope(self) -> Scope:
        request = self._request()
        pairs: list[list[bytes]] = []
        first: dict[str, str] = {}
        for name, entries in _dict(request.get("headers"), "cf.request.headers").items():
            for entry in entries if type(entries) is list else ():
                value = _text(_dict(entry, f"header {name!r}").get("value"), f"header {name!r}")
                first.setdefault(name, value)
                pairs.append([name.encode(), value.encode("utf-8", "surrogateescape")])
        host = {"host": first.get("host", "mangum")}
        if "x-forwarded-port" in first:
            host["x-forwarded-port"] = first["x-forwarded-port"]
        return self._scope(
            request.get("method"),
            pairs,
            unquote(_text(request.get("uri") or "/", "cf.request.uri")),
            first.get("cloudfront-forwarded-proto", "https"),
            _text(request.get("querystring") or "", "cf.request.querystring").encode(),
            server_of(host),
            (request.get("clientIp"), 0),
        )

    def __call__(self, response: MangumResponse) -> Event:
        headers: dict[str, list[dict[str, str]]] = {}
        content_type = ""
        for raw_name, raw_value in response["headers"]:
            name, value = text_of(raw_name).lower(), text_of(raw_value)
            if name == "content-type":
                content_type = value
            headers.setdefault(name, []).append({"key": name, "value": value})
        body, is_base64 = encode_body(
            response["body"], content_type, self.config["text_mime_types"]
        )
        return {
            "status": response["status"],
            "headers": without(headers, self.config),
            "body": body,
            "isBase64Encoded": is_base64,
        }


HANDLERS: tuple[type[_Handler], ...] = (ALB, HTTPGateway, APIGateway, LambdaAtEdge)
"""Mangum's order: ALB first (its events may carry `version`), Lambda@Edge last."""
