"""A Starlette app with websockets, for the Chromium test of `--websockets`.

`/echo` greets, echoes text, reverses bytes, and closes with 4001 when asked; `/refuse`
closes before accepting (a failed handshake); `/` is a page to open the sockets from.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

PAGE = (
    "<!doctype html><html><head><title>ws</title></head><body><p id=page>ws app</p></body></html>"
)


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


async def echo(websocket: WebSocket) -> None:
    offered = websocket.scope["subprotocols"]
    await websocket.accept(subprotocol=offered[0] if offered else None)
    await websocket.send_text(
        f"hello at {websocket.url.path} from {websocket.headers.get('origin')}"
    )
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("bytes") is not None:
            await websocket.send_bytes(message["bytes"][::-1])
        elif message.get("text") == "close":
            await websocket.close(4001, "asked to")
            return
        else:
            await websocket.send_text("echo: " + str(message.get("text")))


async def refuse(websocket: WebSocket) -> None:
    await websocket.close(4003)


app = Starlette(
    routes=[Route("/", page), WebSocketRoute("/echo", echo), WebSocketRoute("/refuse", refuse)]
)
