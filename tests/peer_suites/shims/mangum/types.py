"""`mangum.types`: the names its tests annotate with (and build `LambdaConfig` from)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Literal, TypedDict

__all__ = [
    "ASGI",
    "LambdaCognitoIdentity",
    "LambdaConfig",
    "LambdaContext",
    "LambdaEvent",
    "LambdaMobileClientContext",
    "LifespanMode",
    "Message",
    "QueryParams",
    "Receive",
    "Response",
    "Scope",
    "Send",
]

QueryParams = MutableMapping[str, Any]
LambdaEvent = dict[str, Any]
LambdaContext = Any
LambdaCognitoIdentity = Any
LambdaMobileClientContext = Any
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]
LifespanMode = Literal["auto", "on", "off"]


class LambdaConfig(TypedDict):
    api_gateway_base_path: str
    text_mime_types: list[str]
    exclude_headers: list[str]


class Response(TypedDict):
    status: int
    headers: list[list[bytes]]
    body: bytes
