"""`--websockets` in Chromium: a Starlette app's websocket routes, reached from the app's
page with the ordinary WebSocket API, carried to the worker by the page-side stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .test_browser_chromium import (  # noqa: F401 - browser_context and page: fixtures
    STREAM_APP_DIR,
    StaticServer,
    _build,
    browser_context,
    open_app,
    page,
    serving,
)

STARLETTE = "starlette==1.10.0"

SESSION = """async () => {
    const ws = new WebSocket("echo", ["chat", "other"]);
    ws.binaryType = "arraybuffer";
    const states = [ws.readyState];
    const next = () => new Promise((resolve) =>
        ws.addEventListener("message", (event) => resolve(event.data), { once: true }));
    const greeting = next();
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    states.push(ws.readyState);
    const got = { greeting: await greeting, protocol: ws.protocol, url: ws.url };
    ws.send("hi");
    got.text = await next();
    ws.send(new Uint8Array([1, 2, 3]));
    got.bytes = Array.from(new Uint8Array(await next()));
    ws.binaryType = "blob";
    ws.send(new Blob([new Uint8Array([7, 8])]));
    got.blob = Array.from(new Uint8Array(await (await next()).arrayBuffer()));
    const closed = new Promise((resolve) => {
        ws.onclose = (e) => resolve([e.code, e.reason, e.wasClean]);
    });
    ws.send("close");
    got.closed = await closed;
    states.push(ws.readyState);
    got.states = states;
    let threw = "";
    try { ws.send("late"); } catch (error) { threw = String(error); }
    got.late_send_threw = threw;

    const refused = new WebSocket("refuse");
    const seen = [];
    refused.onerror = () => seen.push("error");
    got.refused = await new Promise((resolve) => {
        refused.onclose = (e) => resolve([seen, e.code, e.wasClean]);
    });

    const mine = new WebSocket("echo");
    await new Promise((resolve) => { mine.onopen = resolve; });
    const byClient = new Promise((resolve) => {
        mine.onclose = (e) => resolve([e.code, e.wasClean]);
    });
    mine.close(4000, "done here");
    got.client_close = await byClient;
    let bad = "";
    try { new WebSocket("echo").close(1001); } catch (error) { bad = error.name; }
    got.bad_close_code = bad;
    const outside = new WebSocket("ws://127.0.0.1:9/nothing");
    got.outside_is_native = !(outside instanceof EventTarget && "_port" in outside);
    outside.close();
    return got;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    root = tmp_path_factory.mktemp("websocket-site")
    _build(root / "ws", "ws_app:app", STREAM_APP_DIR, "--websockets", "-r", STARLETTE)
    yield from serving(root)


def test_an_asgi_websocket_through_the_page_side_stand_in(
    page: Any,  # noqa: F811 - the imported fixture
    site: StaticServer,
) -> None:
    open_app(page, site, "ws")
    assert page.locator("#page").inner_text() == "ws app"
    got = page.evaluate(SESSION)
    assert got["greeting"] == f"hello at /ws/app/echo from {site.url}"
    assert got["protocol"] == "chat"
    assert got["url"] == site.url.replace("http:", "ws:") + "/ws/app/echo"
    assert got["text"] == "echo: hi"
    assert got["bytes"] == [3, 2, 1]
    assert got["blob"] == [8, 7]
    assert got["closed"] == [4001, "asked to", True]
    assert got["states"] == [0, 1, 3]
    assert got["late_send_threw"] == ""  # a send after close is dropped, as browsers do
    assert got["refused"] == [["error"], 1006, False]
    assert got["client_close"] == [4000, True]
    assert got["bad_close_code"] == "InvalidAccessError"
    assert got["outside_is_native"] is True
