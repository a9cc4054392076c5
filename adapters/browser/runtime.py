"""`BrowserHandler`: the browser driver of the app runner, inside Pyodide.

A fetch `Request` becomes the neutral request, the `AppRunner` answers it (streamed:
status and headers as soon as the app has sent them), and the answer becomes a fetch
`Response`. The browser's own concerns stay here: its cookie jar (the browser hides
cookies from a service worker and ignores Set-Cookie on the responses it makes) and
Pyodide having no threads.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
from typing import Any
from urllib.parse import urlsplit

from .._log import logger
from .._paths import encode_path
from ..model import SyncByteStream, plain_response, read_sync
from ..runner import AppRunner
from .cookies import Cookie, CookieJar, Initiator, SiteContext, fetch_context
from .source import request_from_fetch, to_fetch_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from .._detect import Interface
    from .._types import LifespanMode
    from ..model import Request, Response


def run_sync_work_inline() -> None:
    """Pyodide has no threads: run what frameworks send to a thread pool in place.

    Starlette and FastAPI hand sync endpoints and sync iterators to
    `anyio.to_thread.run_sync`, which fails with "can't start new thread" there.
    """
    try:
        import anyio.to_thread
    except ImportError:
        return

    async def run_sync(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]


class BrowserHandler:
    """`handler = BrowserHandler(app)`; then `await handler.handle(request)` per fetch.

    Options as for `LambdaHandler`, plus `base_path` (the path the app is mounted under:
    the service worker's scope), `jar` (a restored `CookieJar`) and `on_cookies` (called
    with the jar's JSON whenever it changes, to persist it). `persist_http_only=False`
    leaves HttpOnly cookies out of that JSON: they then last only as long as the worker
    runs, but nothing the page's scripts can read holds them (cookies.py says why no
    browser store is out of their reach).
    """

    def __init__(
        self,
        app: Any,
        *,
        interface: Interface | None = None,
        base_path: str | None = None,
        lifespan: LifespanMode | None = None,
        jar: CookieJar | None = None,
        on_cookies: Callable[[str], object] | None = None,
        persist_http_only: bool = True,
        on_visible_cookies: Callable[[str], object] | None = None,
    ) -> None:
        self.runner = AppRunner(app, interface=interface, lifespan=lifespan, base_path=base_path)
        self.app = app
        self.interface: Interface = self.runner.interface
        self.base_path = self.runner.base_path
        self.jar = jar if jar is not None else CookieJar()
        self.on_cookies = on_cookies
        self.persist_http_only = persist_http_only
        self.on_visible_cookies = on_visible_cookies
        import sys

        if sys.platform == "emscripten":
            run_sync_work_inline()

    async def handle(
        self, fetch_request: Any, initiator: str | None = None, visible_cookies: str | None = None
    ) -> Any:
        """Answer one JS Request with a JS Response; never raises, never hangs.

        `initiator` is the service worker's JSON account of the window that started a
        navigation (`{"found": bool, "url", "frameType", "ancestorOrigins"}`, see
        sw.js); with the request's own mode, destination, referrer and Origin it tells
        the jar which SameSite cookies the request may carry and which it may set.
        `visible_cookies` (JSON of the worker's `cookieStore.getAll()`, the cookies for
        its scope URL, where the browser has the Cookie Store API) are the browser's own
        cookies: those without HttpOnly live there, so `document.cookie` reads and writes
        them as on any site.
        """
        try:
            context = request_context(fetch_request, initiator)
            url = str(fetch_request.url)
            visible = None if visible_cookies is None else _json(visible_cookies)
            if visible is not None and self.jar.adopt_visible(
                visible, scope_url(url, self.base_path)
            ):
                self.save_jar()
            jar = self.jar.in_context(context)
            request = await request_from_fetch(fetch_request, jar)
            response = await self.respond(request)
            sets_cookies = any(name.lower() == "set-cookie" for name, _ in response.headers)
            if sets_cookies and self.on_visible_cookies is not None:
                before = self.jar.visible()  # only for answers that set cookies: most don't
                self.keep_cookies(response, url, context)
                await self.mirror(before)
            elif sets_cookies:
                self.keep_cookies(response, url, context)
            return to_fetch_response(response)
        except Exception:
            logger().exception(
                "Answering %s with a 500", getattr(fetch_request, "url", "a request")
            )
            return to_fetch_response(plain_response(500, "Internal Server Error"))

    async def respond(self, request: Request) -> Response:
        """The app's response; a body the app is still producing comes as a stream.

        That includes WSGI generators (Flask's `stream_with_context`, Django's
        StreamingHttpResponse), read one chunk per pull of the page's reader. A WSGI body
        of known length (Content-Length, which frameworks set for bodies they hold whole)
        is read at once instead: a ReadableStream costs every response turns of Pyodide's
        event loop, for nothing when all of it is there.
        """
        if self.interface != "wsgi":
            return await self.runner.respond(request, stream=True)
        # One context for the app's call and its body, as on a server's thread: Flask's
        # stream_with_context enters the request context in contextvars while the view
        # runs and leaves it when the body ends, and a context token works only in the
        # very Context it was made in (each pull of the page's reader is a task of its own).
        context = contextvars.copy_context()
        call = self.runner.respond(request, stream=True)
        response = await asyncio.create_task(call, context=context)  # type: ignore[call-arg,unused-ignore]  # 3.11+; Pyodide is 3.14
        body = response.body
        if type(body) is not bytes:
            in_context = InContext(body, context)  # type: ignore[arg-type]
            known_length = response.header("content-length") is not None
            response.body = read_sync(in_context) if known_length else in_context
        return response

    async def websocket(
        self, url: str, protocols_json: str, port: Any, origin: str | None = None
    ) -> None:
        """Run the app's websocket for `url` over `port`, a MessagePort from the page's
        shim (``websocket.py``); returns when the connection ends."""
        from js import Object
        from pyodide.ffi import create_proxy, to_js

        from .._policy import mount
        from ..asgi import build_scope, routes_below_root_path
        from ..model import Request
        from .websocket import run_session, websocket_scope

        def post(message: dict[str, Any]) -> None:
            port.postMessage(to_js(message, dict_converter=Object.fromEntries))

        protocols = [str(p) for p in _json(protocols_json) or [] if isinstance(p, str)]
        if self.interface != "asgi" or not url.startswith(scope_url(url, self.base_path)):
            logger().warning("No websocket for %s: only an ASGI app under its scope has them", url)
            post({"type": "close", "code": 1006, "reason": "", "accepted": False})
            port.close()
            return
        incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def arrived(event: Any) -> None:
            data = event.data
            kind = str(getattr(data, "type", ""))
            body = getattr(data, "data", None)
            if kind == "bytes" and body is not None:
                body = body.to_bytes() if hasattr(body, "to_bytes") else bytes(body)
            elif kind == "text":
                body = str(body)
            code, reason = getattr(data, "code", None), getattr(data, "reason", None)
            incoming.put_nowait({"type": kind, "data": body, "code": code, "reason": reason})

        listener = create_proxy(arrived)
        port.onmessage = listener
        parts = urlsplit(url)
        headers = [("host", parts.netloc), ("upgrade", "websocket"), ("connection", "Upgrade")]
        headers.append(("sec-websocket-version", "13"))
        if origin:
            headers.append(("origin", origin))
        if protocols:
            headers.append(("sec-websocket-protocol", ", ".join(protocols)))
        cookie = self.jar.header_for(url)
        if cookie:
            headers.append(("cookie", cookie))
        scheme = parts.scheme or "https"
        request = Request(
            "GET", encode_path(parts.path or "/"), parts.query.encode("latin-1", "replace"),
            headers, b"", scheme, (parts.hostname or "localhost", parts.port or 443), None, "",
        )  # fmt: skip
        if self.base_path:
            mount(request, self.base_path)
        root_in_path = not routes_below_root_path(self.app)
        http_scope = build_scope(request, self.runner.state, root_in_path)
        try:
            await run_session(self.app, websocket_scope(http_scope, protocols), incoming, post)
        finally:
            port.onmessage = None
            listener.destroy()
            port.close()

    async def startup(self) -> bool:
        """Run the ASGI lifespan startup now (at boot) rather than on the first request.

        False when it failed; it is then tried again on the next request.
        """
        from ..errors import LifespanError

        try:
            await self.runner.startup()
        except LifespanError:
            logger().exception("ASGI lifespan startup failed; it will be tried again")
            return False
        return True

    async def shutdown(self) -> None:
        await self.runner.shutdown()

    def keep_cookies(
        self, response: Response, url: str, context: SiteContext | None = None
    ) -> None:
        values = [value for name, value in response.headers if name.lower() == "set-cookie"]
        if values and self.jar.update(values, url, context=context):
            self.save_jar()

    def save_jar(self) -> None:
        if self.on_cookies is not None:
            try:
                self.on_cookies(self.jar.dumps(http_only=self.persist_http_only))
            except Exception:
                logger().exception("Could not persist the cookie jar")

    async def mirror(self, before: dict[tuple[str, str, str], Cookie]) -> None:
        """Hand the app's changes to cookies without HttpOnly to `on_visible_cookies`,
        which writes them into the browser (the browser ignores Set-Cookie on answers a
        worker makes), as JSON: [{"name", "value", "domain" or None, "path", "expires"
        (ms) or None, "sameSite", "delete"}]."""
        after = self.jar.visible()
        changes = []
        for key, cookie in after.items():
            old = before.get(key)
            if old is None or old.value != cookie.value or old.expires != cookie.expires:
                changes.append(_change(cookie, delete=False))
        changes += [
            _change(cookie, delete=True) for key, cookie in before.items() if key not in after
        ]
        if not changes or self.on_visible_cookies is None:
            return
        try:
            done: Any = self.on_visible_cookies(json.dumps(changes))
            if hasattr(done, "then"):  # a JS Promise: the writes land before the answer
                await done
        except Exception:
            logger().exception("Could not write the app's cookies into the browser")


def scope_url(url: str, base_path: str) -> str:
    """The worker's scope URL (origin and mount point) for a request URL under it."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{base_path.rstrip('/')}/"


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def _change(cookie: Cookie, delete: bool) -> dict[str, Any]:
    return {
        "name": cookie.name,
        "value": cookie.value,
        "domain": None if cookie.host_only else cookie.domain,
        "path": cookie.path,
        "expires": None if cookie.expires is None else int(cookie.expires * 1000),
        "sameSite": cookie.same_site or "lax",
        "delete": delete,
    }


def _text(value: Any) -> str:
    """A JS string property as str; JS null/undefined (None or JsNull) as ""."""
    return value if isinstance(value, str) else ""


def parse_initiator(text: str | None) -> Initiator | None:
    """The worker's JSON about a navigation's initiator; anything unreadable is None
    (the request is then judged on its own fields)."""
    if not isinstance(text, str) or not text:
        return None
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("found"), bool):
        return None
    ancestors = data.get("ancestorOrigins")
    return Initiator(
        found=data["found"],
        url=_text(data.get("url")),
        frame_type=_text(data.get("frameType")),
        ancestor_origins=(
            tuple(str(a) for a in ancestors) if isinstance(ancestors, list) else None
        ),
    )


def request_context(fetch_request: Any, initiator: str | None = None) -> SiteContext:
    """The SiteContext of a JS Request (or a stand-in with the same fields)."""
    headers = getattr(fetch_request, "headers", None)

    def header(name: str) -> str | None:
        value = headers.get(name) if headers is not None else None
        return value if isinstance(value, str) else None

    return fetch_context(
        str(fetch_request.url),
        method=str(getattr(fetch_request, "method", "GET")),
        mode=_text(getattr(fetch_request, "mode", "")),
        destination=_text(getattr(fetch_request, "destination", "")),
        referrer=_text(getattr(fetch_request, "referrer", "")),
        origin=header("origin"),
        sec_fetch_site=header("sec-fetch-site"),
        initiator=parse_initiator(initiator),
    )


class InContext(SyncByteStream):
    """A WSGI body read and closed in the Context the app was called in."""

    __slots__ = ("body", "context")

    def __init__(self, body: SyncByteStream, context: contextvars.Context) -> None:
        self.body = body
        self.context = context

    def __iter__(self) -> Iterator[bytes]:
        chunks = self.context.run(iter, self.body)
        while True:
            try:
                chunk = self.context.run(next, chunks)
            except StopIteration:
                return
            yield chunk

    def close(self) -> None:
        self.context.run(self.body.close)
