"""ASGI websockets in the browser: a page's WebSocket, carried to the app in the worker.

A service worker cannot accept a WebSocket connection: the browser opens those itself,
past every worker. The bundle's page-side shim (``browser/websocket-shim.js``, added to
the app's pages with ``--websockets``) stands in for ``WebSocket`` for URLs under the
app's scope and carries the connection over a ``MessageChannel`` to the worker, which
runs the app's websocket scope here. The messages on the port, both ways, are small
dicts: ``{"type": "text"|"bytes", "data"}``, ``{"type": "close", "code", "reason"}``, and
from the app ``{"type": "accept", "protocol"}`` (a close before it is a failed
handshake, as the page's ``error`` then ``close`` events say).

`run_session` is the ASGI side alone (a queue in, a function out), so that it can be
tested without a browser; `BrowserHandler.websocket` binds it to the port.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from .._log import logger

Post = Callable[[dict[str, Any]], None]
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""A larger message from the page closes the connection with 1009 (Message Too Big)."""


class SessionState:
    __slots__ = ("accepted", "closed", "connected")

    def __init__(self) -> None:
        self.connected = False
        self.accepted = False
        self.closed = False


async def run_session(
    app: Any, scope: dict[str, Any], incoming: asyncio.Queue[dict[str, Any]], post: Post
) -> None:
    """Run one websocket connection of the app; returns when the app does."""
    state = SessionState()

    def close(code: int, reason: str = "") -> None:
        if not state.closed:
            state.closed = True
            post({"type": "close", "code": code, "reason": reason, "accepted": state.accepted})

    async def receive() -> dict[str, Any]:
        if not state.connected:
            state.connected = True
            return {"type": "websocket.connect"}
        message = await incoming.get()
        kind = message.get("type")
        data = message.get("data")
        size = len(data) if isinstance(data, str | bytes) else 0
        if kind in ("text", "bytes") and size > MAX_MESSAGE_BYTES:
            close(1009, "message too big")
            return {"type": "websocket.disconnect", "code": 1009, "reason": "message too big"}
        if kind == "text" and isinstance(data, str):
            return {"type": "websocket.receive", "text": data}
        if kind == "bytes" and isinstance(data, bytes):
            return {"type": "websocket.receive", "bytes": data}
        state.closed = True  # the page closed, or went away: nothing more to tell it
        code = message.get("code")
        reason = message.get("reason")
        return {
            "type": "websocket.disconnect",
            "code": code if isinstance(code, int) else 1005,
            "reason": reason if isinstance(reason, str) else "",
        }

    async def send(message: dict[str, Any]) -> None:
        kind = message.get("type")
        if state.closed:
            raise OSError("the websocket is closed")  # as servers raise to a late send
        if kind == "websocket.accept":
            if state.accepted:
                raise RuntimeError("websocket.accept sent twice")
            state.accepted = True
            post({"type": "accept", "protocol": message.get("subprotocol") or ""})
        elif kind == "websocket.send":
            if not state.accepted:
                raise RuntimeError("websocket.send before websocket.accept")
            if message.get("bytes") is not None:
                post({"type": "bytes", "data": bytes(message["bytes"])})
            else:
                post({"type": "text", "data": str(message.get("text") or "")})
        elif kind == "websocket.close":
            close(int(message.get("code") or 1000), str(message.get("reason") or ""))
        elif kind == "websocket.http.response.start":
            close(1006)  # the app denies the handshake with an HTTP answer: a failed connect
        elif kind != "websocket.http.response.body":
            raise RuntimeError(f"unexpected ASGI message {kind!r} on a websocket")

    try:
        await app(scope, receive, send)
    except Exception:
        logger().exception("The app failed on the websocket %s", scope.get("path"))
        close(1011 if state.accepted else 1006)
    else:
        close(1000 if state.accepted else 1006)


def websocket_scope(http_scope: Mapping[str, Any], protocols: list[str]) -> dict[str, Any]:
    """The websocket scope for the upgrade request's HTTP scope."""
    scope = dict(http_scope)
    scope.pop("method", None)
    scope["type"] = "websocket"
    scope["scheme"] = "wss" if http_scope.get("scheme") == "https" else "ws"
    scope["subprotocols"] = protocols
    return scope
