"""`Mangum`: a drop-in for `mangum.Mangum` (0.22) on top of `LambdaHandler`.

Same constructor, same call, same result shapes, and Mangum's `text_mime_types`
semantics (an entry matches when it is a substring of the response Content-Type; a list
given replaces the default list). Scopes carry `aws.event` and `aws.context` as Mangum's
do. Deliberate differences (each one a fix; see docs/migrating.md):

- Lifespan startup runs once per container (on the first event) and shutdown on SIGTERM,
  not around every invocation, so connections and `state` survive between requests.
- `api_gateway_base_path` (and a REST/HTTP API stage on the execute-api domain) becomes
  `root_path`, with `path` the full decoded path, as the ASGI spec asks; Mangum strips it
  from `path` and leaves `root_path` empty, so generated URLs lose the prefix.
- `raw_path` holds the path as the client sent it (Mangum sends None).
- A named HTTP API stage is recognised as the mount point; Mangum routes on the path with
  the stage still in it unless `api_gateway_base_path` names the stage.
- Repeated request headers stay separate pairs (Mangum joins them with ", ", and
  Lambda@Edge keeps only the first value); responses keep every repeated header,
  including every Set-Cookie (Mangum's Lambda@Edge result keeps one per name).
- Lambda@Edge results use CloudFront's own `bodyEncoding` and string `status`, and drop
  the headers CloudFront refuses; the path is decoded as for every other source.
- `server` uses the scheme's port (443 for https) when no X-Forwarded-Port arrives; the
  ALB client is the last X-Forwarded-For hop (Mangum: the whole header).
- "/api/" and "/api" are the same base path (Mangum strips "/api/" and routes a 404).
- Payload 2.0 responses get no `content-type: application/json` the app did not send.
- Bodies of HEAD, 1xx, 204 and 304 responses are dropped; headers with CR/LF, and
  responses over the front door's size limit, become a 500 rather than a failed invoke.
- `exclude_headers` applies to every source (Mangum skips it for HTTP APIs).
- Unrecognised events raise an error that is both `UnknownEventError` and
  `RuntimeError`; an invalid `lifespan` raises Mangum's `ConfigurationError` (a ValueError).
- Also accepts VPC Lattice events. `custom_handlers` is not supported (TypeError).
- A Function URL `rawQueryString` loses a leading "?" (the AWS field table shows one).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._bodies import TextTypes
from .._types import Event, LambdaContext, LifespanMode
from ..errors import UnknownEventError
from ..handler import LambdaHandler

DEFAULT_TEXT_MIME_TYPES: list[str] = [
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/vnd.api+json",
    "application/vnd.oai.openapi",
]
"""Mangum's default list; entries match anywhere in the Content-Type."""


class ConfigurationError(ValueError):
    """An invalid option, as Mangum names it (a ValueError, as `LambdaHandler` raises)."""


class LifespanFailure(Exception):
    """The app's lifespan startup or shutdown failed, with `lifespan="on"`."""


class UnexpectedMessage(Exception):
    """An ASGI message the protocol does not allow at that point."""


class UnknownEventRuntimeError(UnknownEventError, RuntimeError):
    """An unrecognised event: `UnknownEventError` here, `RuntimeError` to Mangum users."""


class SubstringTextTypes(TextTypes):
    """Mangum's rule: text when any entry is a substring of the Content-Type."""

    __slots__ = ("entries",)

    def __init__(self, entries: Iterable[str]) -> None:
        super().__init__(())
        self.entries = tuple(entries)

    def is_text(self, content_type: str | None) -> bool:
        if not content_type:
            return False
        return any(entry in content_type for entry in self.entries)


class Mangum(LambdaHandler):
    """`handler = Mangum(app)`: an ASGI app as a Lambda handler, Mangum's way."""

    def __init__(
        self,
        app: Any,
        lifespan: LifespanMode = "auto",
        api_gateway_base_path: str = "/",
        custom_handlers: list[Any] | None = None,
        text_mime_types: list[str] | None = None,
        exclude_headers: list[str] | None = None,
    ) -> None:
        if lifespan not in ("auto", "on", "off"):
            raise ConfigurationError(
                "Invalid argument supplied for `lifespan`. Choices are: auto|on|off"
            )
        if custom_handlers:
            raise TypeError(
                "custom_handlers is not supported by adapters.compat.Mangum: every AWS HTTP "
                "front door is built in; open an issue for the event source you need"
            )
        mime_types = list(text_mime_types or DEFAULT_TEXT_MIME_TYPES)
        super().__init__(
            app,
            interface="asgi",
            base_path=api_gateway_base_path or "/",
            lifespan=lifespan,
            text_mime_types=SubstringTextTypes(mime_types),
        )
        self.lifespan = lifespan
        self.exclude_headers = frozenset(name.lower() for name in exclude_headers or ())
        self.config: dict[str, Any] = {
            "api_gateway_base_path": api_gateway_base_path or "/",
            "text_mime_types": mime_types,
            "exclude_headers": sorted(self.exclude_headers),
        }

    def __call__(self, event: Event, context: LambdaContext = None) -> Event:
        try:
            result = super().__call__(event, context)
        except UnknownEventError as exc:
            error = UnknownEventRuntimeError(exc.keys)
            error.args = exc.args
            raise error from None
        if self.exclude_headers:
            drop_headers(result, self.exclude_headers)
        return result


def drop_headers(result: Event, names: frozenset[str]) -> None:
    """Remove the named response headers (any case) from a rendered result, in place."""
    for key in ("headers", "multiValueHeaders"):
        headers = result.get(key)
        if isinstance(headers, dict):
            for name in [name for name in headers if name.lower() in names]:
                del headers[name]
    if "set-cookie" in names:
        result.pop("cookies", None)
