"""Event sources, and recognising which one sent an event.

Each source module recognises its own event (`EventSource.matches`). They are imported
lazily, in the order below, stopping at the first that recognises the event: a function
behind one front door loads one or two source modules, not all of them, on its cold
start. Order matters only where formats overlap: Function URL before the HTTP API (same
format, recognised by its domain), ALB before payload 1.0 (ALB events carry `httpMethod`
too).
"""

from __future__ import annotations

import importlib

from ..errors import UnknownEventError
from .base import EventSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._types import Event

ORDER: tuple[tuple[str, str], ...] = (
    ("function_url", "FunctionUrlSource"),
    ("apigateway_v2", "HttpApiV2Source"),
    ("alb", "AlbSource"),
    ("apigateway_v1", "ApiGatewayV1Source"),
    ("lattice", "LatticeV2Source"),
    ("lattice", "LatticeV1Source"),
    ("cloudfront", "CloudFrontSource"),
)
"""The built-in sources, in detection order."""

KEYS: dict[str, tuple[str, str]] = {
    "rest": ("apigateway_v1", "ApiGatewayV1Source"),
    "http-v1": ("apigateway_v1", "HttpApiV1Source"),
    "http": ("apigateway_v2", "HttpApiV2Source"),
    "function-url": ("function_url", "FunctionUrlSource"),
    "alb": ("alb", "AlbSource"),
    "lattice-v1": ("lattice", "LatticeV1Source"),
    "lattice-v2": ("lattice", "LatticeV2Source"),
    "edge": ("cloudfront", "CloudFrontSource"),
}
"""Each front door by its short name (`build_event`, `adapters event`)."""

SOURCE_KEYS = tuple(KEYS)

_instances: dict[tuple[str, str], EventSource] = {}
_detection: list[EventSource | None] = [None] * len(ORDER)

__all__ = ["KEYS", "ORDER", "SOURCE_KEYS", "EventSource", "detect_source", "source_for_key"]


def _load(location: tuple[str, str]) -> EventSource:
    found = _instances.get(location)
    if found is None:
        module_name, class_name = location
        module = importlib.import_module(f"{__name__}.{module_name}")
        found = _instances[location] = getattr(module, class_name)()
    return found


def source_for_key(key: str) -> EventSource:
    """The source a short name ("rest", "http", ...) stands for."""
    location = KEYS.get(key)
    if location is None:
        raise ValueError(f"unknown source {key!r}; choose one of {', '.join(KEYS)}")
    return _load(location)


def detect_source(event: object, extra: Sequence[EventSource] = ()) -> EventSource:
    """The source that sent `event`: `extra` first, then the built-in ones in ORDER.

    Raises UnknownEventError naming what arrived.
    """
    if not isinstance(event, dict):
        raise UnknownEventError([], f"The event is a {type(event).__name__}, not a JSON object")
    for source in extra:
        if source.matches(event):
            return source
    for index, location in enumerate(ORDER):
        builtin = _detection[index]
        if builtin is None:
            builtin = _detection[index] = _load(location)
        if builtin.matches(event):
            return builtin
    raise UnknownEventError(event.keys(), _hint(event))


def _hint(event: Event) -> str:
    """Name the service behind a non-HTTP event, and how to take it in, for the log."""
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        cf = records[0].get("cf")
        if isinstance(cf, dict) and "response" in cf:
            return "Lambda@Edge response triggers are not HTTP requests to an app"
    from ..triggers import KINDS, event_kind

    kind = event_kind(event)
    if kind == "invoke":
        return (
            "If this is a direct invocation, set LambdaHandler(app, events_path=...) or "
            "register a callable with @handler.on('invoke')"
        )
    name = KINDS[kind]
    article = "an" if name[0] in "AEIOUS" else "a"
    return (
        f"It looks like {article} {name} event: to take it in this function, set "
        f"LambdaHandler(app, events_path=...) or register a callable with "
        f"@handler.on({kind!r})"
    )
