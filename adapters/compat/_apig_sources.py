"""The events apig-wsgi accepts, read and answered as apig-wsgi does, on our sources.

apig-wsgi decides by two keys only: `requestContext.elb` means ALB, otherwise `version`
("1.0" when missing) picks the payload format, and nothing else is required: its users'
tests send events without a `requestContext`. Its results keep the app's header names
(payload 1.0, ALB), always carry `cookies` (payload 2.0), never `statusDescription`, and
put every header in `multiValueHeaders` when the request came with that key.
"""

from __future__ import annotations

from ..errors import UnknownEventError
from ..model import Request, Response
from ..sources._render import case_variant
from ..sources.alb import AlbSource
from ..sources.apigateway_v1 import ApiGatewayV1Source
from ..sources.apigateway_v2 import HttpApiV2Source
from ..sources.function_url import FunctionUrlSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .._types import Environ, Event, LambdaContext


class UnknownVersionError(UnknownEventError):
    """An event whose `version` apig-wsgi does not know, with apig-wsgi's message."""

    def __init__(self, version: object) -> None:
        super().__init__([])
        self.args = (f"Unknown version {version!r}",)


def _is_alb(event: Event) -> bool:
    context = event.get("requestContext")
    return type(context) is dict and "elb" in context


class ApigV1Source(ApiGatewayV1Source):
    """Payload 1.0 as apig-wsgi takes it: `httpMethod` and `path`, the rest optional."""

    def matches(self, event: Event) -> bool:
        context = event.get("requestContext")
        return (
            event.get("version", "1.0") == "1.0"
            and "httpMethod" in event
            and not _is_alb(event)
            and not (type(context) is dict and "connectionId" in context)
        )

    def parse(self, event: Event, context: LambdaContext) -> Request:
        given = _text_body(event)
        if type(given.get("requestContext")) is not dict:  # null or missing
            given = {**given, "requestContext": {}}
        request = super().parse(given, context)
        request.event = event
        return request

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        return _v1_result(response, body, is_base64, event)


class ApigAlbSource(AlbSource):
    """ALB as apig-wsgi answers it: no `statusDescription`, the app's header names."""

    def matches(self, event: Event) -> bool:
        return _is_alb(event)

    def parse(self, event: Event, context: LambdaContext) -> Request:
        request = super().parse(_text_body(event), context)
        request.event = event
        return request

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        return _v1_result(response, body, is_base64, event)


class _ApigV2:
    """Payload 2.0 as apig-wsgi answers it: `cookies` always in the result."""

    function_url: bool

    def matches(self, event: Event) -> bool:
        context = event.get("requestContext")
        return (
            event.get("version") == "2.0"
            and type(context) is dict
            and type(context.get("http")) is dict
            and "serviceNetworkArn" not in context
            and HttpApiV2Source.is_function_url(context) is self.function_url
        )

    def parse(self, event: Event, context: LambdaContext) -> Request:
        request: Request = super().parse(_text_body(event), context)  # type: ignore[misc]
        request.event = event
        return request

    def shape(self, response: Response, body: str, is_base64: bool, event: Event) -> Event:
        result = super().shape(response, body, is_base64, event)  # type: ignore[misc]
        return {
            "statusCode": result["statusCode"],
            "cookies": result.get("cookies", []),
            "headers": result["headers"],
            "isBase64Encoded": is_base64,
            "body": body,
        }


class ApigHttpApiSource(_ApigV2, HttpApiV2Source):
    """HTTP API payload 2.0, apig-wsgi's way."""


class ApigFunctionUrlSource(_ApigV2, FunctionUrlSource):
    """Function URLs (payload 2.0), apig-wsgi's way."""


def _text_body(event: Event) -> Event:
    """The event with a base64 body given as bytes (`b64encode(...)` in a test, which
    apig-wsgi decodes) as the text a front door sends."""
    body = event.get("body")
    if type(body) is bytes and event.get("isBase64Encoded"):
        return {**event, "body": body.decode("ascii", "replace")}
    return event


APIG_SOURCES = (ApigAlbSource(), ApigHttpApiSource(), ApigFunctionUrlSource(), ApigV1Source())


def _v1_result(response: Response, body: str, is_base64: bool, event: Event) -> Event:
    result: Event = {"statusCode": response.status}
    if "multiValueHeaders" in event:
        grouped: dict[str, list[str]] = {}
        for name, value in response.headers:
            grouped.setdefault(name, []).append(value)
        result["multiValueHeaders"] = grouped
    else:
        result["headers"] = _single_values(response.headers)
    result["isBase64Encoded"] = is_base64
    result["body"] = body
    return result


def _single_values(headers: list[tuple[str, str]]) -> dict[str, str]:
    """One value per name, under the app's spelling; a repeated header is comma-joined,
    and each Set-Cookie goes under its own case variant of the name (apig-wsgi keeps the
    last value of each only, losing cookies)."""
    result: dict[str, str] = {}
    spelling: dict[str, str] = {}
    cookies = 0
    for name, value in headers:
        key = name.lower()
        if key == "set-cookie":
            result[name if cookies == 0 else case_variant(key, cookies)] = value
            cookies += 1
        elif key in spelling:
            result[spelling[key]] += "," + value
        else:
            spelling[key] = name
            result[name] = value
    return result


def apig_environ(environ: Environ, request: Request) -> None:
    """The environ keys apig-wsgi sets its own way, over the ones built from the request.

    Kept as ours, on purpose: `REMOTE_ADDR` (the address AWS reports, not a forgeable
    X-Forwarded-For hop), `SCRIPT_NAME` (the stage), `PATH_INFO` (decoded once), the "; "
    between Cookie headers of payload 1.0 (apig-wsgi's "," merges cookies), and, when no
    Host or X-Forwarded-* header says otherwise, `SERVER_NAME`, `SERVER_PORT` and
    `wsgi.url_scheme` as PEP 3333 wants them (apig-wsgi: "", "" and "http", even behind
    API Gateway, which is HTTPS only).
    """
    event = request.event
    if not isinstance(event, dict):  # pragma: no cover - the handler passes the event dict
        return
    v2 = event.get("version") == "2.0"
    cookies = False
    if v2:
        environ["HTTP_COOKIE"] = ";".join(event.get("cookies") or ())
        cookies = bool(event.get("cookies"))
        headers: Any = event.get("headers") or {}
    elif "multiValueHeaders" in event:
        headers = event.get("multiValueHeaders") or {}
    else:
        headers = event.get("headers") or {}
    if type(headers) is not dict:  # pragma: no cover - refused by the parse already
        headers = {}
    for name, values in headers.items():
        # One loop for both shapes (a string, or a list of them), without building lists:
        # this runs for every header of every request.
        if type(values) is str:
            joined = whole = last = values
        elif type(values) is list and len(values) == 1 and type(values[0]) is str:
            joined = whole = last = values[0]  # the common case: no generator for it
        elif type(values) is list and values and all(type(v) is str for v in values):
            joined, whole = ",".join(values), values[-1]
            last = whole
        else:
            continue  # what our reading refused or kept apart stays as it was
        if type(name) is not str or "_" in name:
            continue
        if v2 and "," in last:
            last = last.rpartition(",")[2]
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = last
        elif key == "HOST":
            environ["SERVER_NAME"] = last
        elif key == "X_FORWARDED_PROTO":
            environ["wsgi.url_scheme"] = last
        elif key == "X_FORWARDED_PORT":
            environ["SERVER_PORT"] = last
        elif key == "COOKIE":
            if cookies:
                environ["HTTP_COOKIE"] += ";" + whole
            continue  # payload 1.0: ours, joined with "; "
        if "\r" not in joined and "\n" not in joined and "\x00" not in joined:
            environ["HTTP_" + key] = joined
    environ["CONTENT_LENGTH"] = str(len(request.body))
    if "REMOTE_ADDR" not in environ or request.client is None:
        environ["REMOTE_ADDR"] = "127.0.0.1"


def event_version(event: Any) -> object:
    """The version apig-wsgi would read, for its "Unknown version" error."""
    return event.get("version") if isinstance(event, dict) else None
