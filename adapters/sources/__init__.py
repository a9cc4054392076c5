"""Event sources, and recognising which one sent an event.

Each source module recognises its own event (`EventSource.matches`). They are imported
lazily, in the order below, stopping at the first that recognises the event: a function
behind one front door loads one or two source modules, not all seven, on its cold start.
Order matters only where formats overlap: Function URL before the HTTP API (same format,
recognised by its domain), ALB before payload 1.0 (ALB events carry `httpMethod` too).
"""

from __future__ import annotations

import importlib

from ..errors import UnknownEventError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._types import Event
    from .base import EventSource

ORDER: tuple[tuple[str, str], ...] = (
    ("apigateway_v2", "FunctionUrlSource"),
    ("apigateway_v2", "HttpApiV2Source"),
    ("alb", "AlbSource"),
    ("apigateway_v1", "ApiGatewayV1Source"),
    ("lattice", "LatticeV2Source"),
    ("lattice", "LatticeV1Source"),
    ("cloudfront", "CloudFrontSource"),
)
_loaded: list[EventSource | None] = [None] * len(ORDER)

__all__ = ["ORDER", "detect_source", "source_at"]


def source_at(index: int) -> EventSource:
    """The source in position `index` of ORDER, imported on first use."""
    found = _loaded[index]
    if found is None:
        module_name, class_name = ORDER[index]
        module = importlib.import_module(f"{__name__}.{module_name}")
        found = _loaded[index] = getattr(module, class_name)()
    return found


def detect_source(event: object) -> EventSource:
    """The source that sent `event`; raises UnknownEventError naming what arrived."""
    if not isinstance(event, dict):
        raise UnknownEventError([], f"The event is a {type(event).__name__}, not a JSON object")
    for index in range(len(ORDER)):
        source = source_at(index)
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
