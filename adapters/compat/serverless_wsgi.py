"""`handle_request(app, event, context)`: a drop-in for serverless-wsgi 3.1's, on `LambdaHandler`.

    # import serverless_wsgi
    from adapters.compat import serverless_wsgi
    def handler(event, context):
        return serverless_wsgi.handle_request(app, event, context)

The same events (`_serverless_sources`: warm-up pings answered `{}`, the non-proxy Lambda
integration, whose 3xx-5xx answers are raised as `RuntimeError(json_of_the_result)` as
API Gateway's error mapping expects), the same environ (`serverless.event`,
`serverless.context`, `serverless.authorizer`, `REMOTE_USER`, `SERVER_NAME` "lambda" and
`SERVER_PORT` "443" without headers, `SCRIPT_NAME` "/stage" on execute-api hosts unless
`STRIP_STAGE_PATH` is set, `API_GATEWAY_BASE_PATH`), the same result dicts and the same
text-or-base64 rule: text for `text/*` and the types in the module's `TEXT_MIME_TYPES`
(a list you may extend, as serverless-wsgi's plugin does), base64 for a compressed body.
No werkzeug needed. Deliberate differences (docs/migrating.md):

- A text body that is not UTF-8 goes as base64 instead of failing with
  UnicodeDecodeError; HEAD, 204 and 304 bodies are dropped; a header with CR/LF becomes
  a 500, as does an exception from the app (serverless-wsgi lets it fail the invocation).
- `Content-Encoding: identity` does not force base64.
- A repeated request header reaches the app comma-joined (CGI's rule); serverless-wsgi
  keeps the last value.
- An event that is not an HTTP request of any front door raises `UnknownEventError` (a
  ValueError) instead of a KeyError.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote, unquote_plus, urlencode

from .._bodies import TextTypes
from ..handler import LambdaHandler
from ..model import Request
from ..sources.base import EventSource
from ._serverless_sources import SERVERLESS_SOURCES, is_lambda_integration, is_warmup

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Environ, Event, LambdaContext

__all__ = ["TEXT_MIME_TYPES", "handle_request"]

TEXT_MIME_TYPES = [
    "application/json",
    "application/javascript",
    "application/xml",
    "application/vnd.api+json",
    "image/svg+xml",
]
"""Types sent as text besides `text/*`; read on every response, so appending works."""

_TRUE = ("yes", "y", "true", "t", "1")
_NOT_SET = ("REMOTE_PORT", "aws.event", "aws.context", "wsgi.input_terminated")


class ServerlessTextTypes(TextTypes):
    """serverless-wsgi's rule: `text/*` or an exact entry of `TEXT_MIME_TYPES` (no
    Content-Type at all counts as text/plain); a compressed body is base64 whatever its type."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(())

    def is_text(self, content_type: str | None) -> bool:
        mime = (content_type or "text/plain").partition(";")[0].strip().lower() or "text/plain"
        return mime.startswith("text/") or mime in TEXT_MIME_TYPES


class ServerlessWsgiHandler(LambdaHandler):
    """One WSGI app's handler; `handle_request` keeps one per app."""

    def __init__(self, app: Any) -> None:
        super().__init__(
            app,
            interface="wsgi",
            text_mime_types=ServerlessTextTypes(),
            environ_hook=serverless_environ,
            sources=SERVERLESS_SOURCES,
            access_log=False,
        )

    def text_types_for(self, source: EventSource, event: Event) -> TextTypes:
        return self.text_types


_handlers: dict[int, tuple[Any, ServerlessWsgiHandler]] = {}


def handle_request(app: Any, event: Event, context: LambdaContext) -> Event:
    """The result for one event, as `serverless_wsgi.handle_request` returns it."""
    if is_warmup(event):
        print("Lambda warming event received, skipping handler")
        return {}
    held = _handlers.get(id(app))
    if held is None or held[0] is not app:
        if len(_handlers) >= 16:  # a process serves one app; tests make many
            _handlers.clear()
        held = _handlers[id(app)] = (app, ServerlessWsgiHandler(app))
    result = held[1](event, context)
    if isinstance(event, dict) and is_lambda_integration(event) and result["statusCode"] >= 300:
        import json

        raise RuntimeError(json.dumps(result))
    return result


def serverless_environ(environ: Environ, request: Request) -> None:
    """The environ keys serverless-wsgi sets its own way, over the ones built from the request."""
    event = request.event
    if not isinstance(event, dict):  # pragma: no cover - the handler passes the event dict
        return
    context = event.get("requestContext")
    context = context if isinstance(context, dict) else {}
    integration = is_lambda_integration(event)
    v2 = event.get("version") == "2.0"
    headers = _headers(event)
    if v2:
        headers["HTTP_COOKIE"] = "; ".join(str(c) for c in event.get("cookies") or ())
    host = headers.get("HTTP_HOST")
    strip = os.environ.get("STRIP_STAGE_PATH", "").lower().strip() in _TRUE
    stage = (event if integration else context).get("stage", "")
    script_name = f"/{stage}" if "amazonaws.com" in (host or "") and not strip else ""
    if integration:
        path = _text(request.raw_path)
    else:
        path = str(event.get("rawPath" if v2 else "path") or "").partition("?")[0]
    base_path = os.environ.get("API_GATEWAY_BASE_PATH")
    if base_path:
        script_name = "/" + base_path
        if path.startswith(script_name):
            path = path[len(script_name) :]
    if v2:
        query = str(event.get("rawQueryString") or "")
        remote = (context.get("http") or {}).get("sourceIp", "")
        authorizer = context.get("authorizer")
        user = (authorizer or {}).get("principalId", "") if isinstance(authorizer, dict) else ""
    elif integration:
        query = request.query_string.decode("latin-1")
        remote = (event.get("identity") or {}).get("sourceIp", "")
        authorizer = event.get("enhancedAuthContext")
        user = event.get("principalId", "")
    else:
        query = _v1_query(event, bool(context.get("elb")))
        remote = (context.get("identity") or {}).get("sourceIp", "")
        authorizer = context.get("authorizer")
        user = (authorizer or {}).get("principalId", "") if isinstance(authorizer, dict) else ""
    for key in _NOT_SET:  # serverless-wsgi's environ has exactly its own keys
        environ.pop(key, None)
    content_type = headers.pop("HTTP_CONTENT_TYPE", "")
    headers.pop("HTTP_CONTENT_LENGTH", None)
    environ.update(headers)  # the same keys as ours (our reading refused what it left out)
    environ.update(
        {
            "CONTENT_TYPE": _latin1(content_type),
            "PATH_INFO": _latin1(unquote(path)),
            "QUERY_STRING": _latin1(query),
            "REMOTE_ADDR": _latin1(str(remote or "")),
            "REMOTE_USER": _latin1(str(user or "")),
            "SCRIPT_NAME": _latin1(script_name),
            "SERVER_NAME": _latin1(host or "lambda"),
            "SERVER_PORT": _latin1(headers.get("HTTP_X_FORWARDED_PORT") or "443"),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": _latin1(headers.get("HTTP_X_FORWARDED_PROTO") or "https"),
            "wsgi.errors": sys.stderr,
            "wsgi.multiprocess": False,
            "serverless.authorizer": authorizer,
            "serverless.event": event,
            "serverless.context": request.context,
        }
    )


def _headers(event: Event) -> dict[str, str]:
    """The request headers as environ keys (HTTP_X_A) and values, repeats comma-joined.

    A name with "_" fills its key only when no hyphenated header did, as everywhere in
    adapters (docs/security.md): "X_Forwarded_For" must not replace the X-Forwarded-For
    the front door wrote. A value with CR, LF or NUL is left out.
    """
    multi = event.get("multiValueHeaders")
    found: dict[str, str] = {}
    late: list[tuple[str, str]] = []
    if multi and type(multi) is dict:
        pairs: Any = multi.items()
    else:
        pairs = (event.get("headers") or {}).items()
    for name, values in pairs:
        if type(values) is list:  # one value is the common case: no generator for it
            if len(values) == 1 and type(values[0]) is str:
                value = values[0]
            elif values and all(type(v) is str for v in values):
                value = ",".join(values)
            else:
                continue
        elif type(values) is str:
            value = values
        else:
            continue
        if type(name) is not str or "\r" in value or "\n" in value or "\x00" in value:
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        if "_" in name:
            late.append((key, value))
        else:
            found[key] = found[key] + "," + value if key in found else value
    for key, value in late:
        found.setdefault(key, value)
    return found


def _v1_query(event: Event, alb: bool) -> str:
    params: Any = (
        event.get("multiValueQueryStringParameters")
        or event.get("queryStringParameters")
        or event.get("query")
        or ""
    )
    if alb and isinstance(params, dict):
        pairs = []
        for name, values in params.items():
            for value in values if isinstance(values, list) else [values]:
                pairs.append((unquote_plus(str(name)), unquote_plus(str(value))))
        return urlencode(pairs)
    return urlencode(params, doseq=True)


def _text(raw_path: bytes) -> str:
    return unquote(raw_path.decode("latin-1"))


def _latin1(text: str) -> str:
    """PEP 3333: environ text is the UTF-8 bytes read as latin-1."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("latin-1", "replace")
