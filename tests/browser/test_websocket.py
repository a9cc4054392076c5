"""The ASGI side of the browser's websockets (`adapters.browser.websocket`), without a
browser: what the page is told for each way an app accepts, talks, closes or fails. The
page-side stand-in and the worker, in Chromium: tests/chromium/test_websocket_chromium.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.browser.websocket import MAX_MESSAGE_BYTES, run_session, websocket_scope

SCOPE = {"type": "websocket", "path": "/app/echo", "subprotocols": []}


def session(app: Any, *incoming: dict[str, Any]) -> list[dict[str, Any]]:
    told: list[dict[str, Any]] = []
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for message in incoming:
        queue.put_nowait(message)
    asyncio.run(asyncio.wait_for(run_session(app, dict(SCOPE), queue, told.append), 5))
    return told


late_sends: list[str] = []


async def echo(scope: Any, receive: Any, send: Any) -> None:
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept", "subprotocol": "chat"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            try:
                await send({"type": "websocket.send", "text": "too late"})
            except OSError as error:
                late_sends.append(f"{message['code']} {message['reason']}: {error}")
            return
        if "bytes" in message:
            await send({"type": "websocket.send", "bytes": message["bytes"][::-1]})
        else:
            await send({"type": "websocket.send", "text": "echo: " + message["text"]})


def test_accept_messages_both_ways_and_a_close_from_the_page() -> None:
    late_sends.clear()
    told = session(
        echo,
        {"type": "text", "data": "hi"},
        {"type": "bytes", "data": b"\x01\x02"},
        {"type": "close", "code": 4000, "reason": "bye"},
    )
    assert told == [
        {"type": "accept", "protocol": "chat"},
        {"type": "text", "data": "echo: hi"},
        {"type": "bytes", "data": b"\x02\x01"},
    ]  # and nothing after the page's close
    assert late_sends == ["4000 bye: the websocket is closed"]


def test_a_page_that_goes_away_is_a_disconnect_with_1005() -> None:
    late_sends.clear()
    session(echo, {"type": "gone"})
    assert late_sends == ["1005 : the websocket is closed"]


def test_the_app_closing_tells_the_page_its_code_and_reason() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4001, "reason": "asked to"})

    assert session(app) == [
        {"type": "accept", "protocol": ""},
        {"type": "close", "code": 4001, "reason": "asked to", "accepted": True},
    ]


def test_refusals_and_failures_are_failed_handshakes_or_1011() -> None:
    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 4003})

    async def deny_with_http(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.http.response.start", "status": 403, "headers": []})
        await send({"type": "websocket.http.response.body", "body": b"no"})

    async def return_without_accepting(scope: Any, receive: Any, send: Any) -> None:
        await receive()

    async def crash_before(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("secret detail")

    async def send_before_accept(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.send", "text": "early"})

    async def crash_after(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        raise RuntimeError("secret detail")

    failed_handshake = {"type": "close", "code": 1006, "reason": "", "accepted": False}
    assert session(refuse) == [{**failed_handshake, "code": 4003}]
    for app in (deny_with_http, return_without_accepting, crash_before, send_before_accept):
        assert session(app) == [failed_handshake], app.__name__
    told = session(crash_after)
    assert told[-1] == {"type": "close", "code": 1011, "reason": "", "accepted": True}
    assert "secret" not in repr(told)


def test_a_message_too_big_closes_with_1009() -> None:
    late_sends.clear()
    told = session(echo, {"type": "text", "data": "x" * (MAX_MESSAGE_BYTES + 1)})
    assert told[-1] == {
        "type": "close",
        "code": 1009,
        "reason": "message too big",
        "accepted": True,
    }
    assert late_sends == ["1009 message too big: the websocket is closed"]


def test_the_websocket_scope_comes_from_the_upgrade_requests_http_scope() -> None:
    http = {"type": "http", "method": "GET", "scheme": "https", "path": "/app/echo"}
    scope = websocket_scope(http, ["chat"])
    assert scope == {"type": "websocket", "scheme": "wss", "path": "/app/echo",
                     "subprotocols": ["chat"]}  # fmt: skip
    assert websocket_scope({**http, "scheme": "http"}, [])["scheme"] == "ws"
