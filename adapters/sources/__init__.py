"""Event sources, and recognising which one sent an event.

Order matters only where formats overlap: Function URL before the HTTP API (same format,
recognised by its domain), ALB before payload 1.0 (ALB events carry `httpMethod` too).
"""

from __future__ import annotations

from .._types import Event
from ..errors import UnknownEventError
from .alb import AlbSource
from .apigateway_v1 import ApiGatewayV1Source
from .apigateway_v2 import FunctionUrlSource, HttpApiV2Source
from .base import EventSource
from .cloudfront import CloudFrontSource
from .lattice import LatticeV1Source, LatticeV2Source

SOURCES: tuple[EventSource, ...] = (
    FunctionUrlSource(),
    HttpApiV2Source(),
    AlbSource(),
    ApiGatewayV1Source(),
    LatticeV2Source(),
    LatticeV1Source(),
    CloudFrontSource(),
)

__all__ = [
    "SOURCES",
    "AlbSource",
    "ApiGatewayV1Source",
    "CloudFrontSource",
    "EventSource",
    "FunctionUrlSource",
    "HttpApiV2Source",
    "LatticeV1Source",
    "LatticeV2Source",
    "detect_source",
]


def detect_source(event: object) -> EventSource:
    """The source that sent `event`; raises UnknownEventError naming what arrived."""
    if not isinstance(event, dict):
        raise UnknownEventError([], f"The event is a {type(event).__name__}, not a JSON object")
    for source in SOURCES:
        if source.matches(event):
            return source
    raise UnknownEventError(event.keys(), _hint(event))


def _hint(event: Event) -> str:
    """Name the service behind common non-HTTP events, so the log says what went wrong."""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        service = first.get("eventSource") or first.get("EventSource")
        if isinstance(service, str):
            return f"It looks like a {service} event: is this function wired to the right trigger?"
        cf = first.get("cf")
        if isinstance(cf, dict) and "response" in cf:
            return "Lambda@Edge response triggers are not HTTP requests to an app"
    context = event.get("requestContext")
    if isinstance(context, dict) and "eventType" in context and "connectionId" in context:
        return "It looks like an API Gateway WebSocket event, which is not supported yet"
    if "source" in event and "detail-type" in event:
        return f"It looks like an EventBridge event from {event['source']!r}"
    return ""
