"""`BrowserHandler`: a WSGI or ASGI app answering fetch requests inside Pyodide."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncGenerator, Callable
from typing import Any

from .._types import LifespanMode
from ..asgi import build_scope, stream_asgi
from ..detect import Interface, detect_interface
from ..handler import checked
from ..lifespan import Lifespan
from ..model import Request, Response, plain_response
from ..paths import normalise_prefix
from ..wsgi import build_environ, run_wsgi
from .cookies import CookieJar
from .source import request_from_fetch, to_fetch_response

logger = logging.getLogger("adapters")


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
    with the jar's JSON whenever it changes, to persist it).
    """

    def __init__(
        self,
        app: Any,
        *,
        interface: Interface | None = None,
        base_path: str | None = None,
        lifespan: LifespanMode = "auto",
        jar: CookieJar | None = None,
        on_cookies: Callable[[str], object] | None = None,
    ) -> None:
        self.app = app
        self.interface: Interface = interface or detect_interface(app)
        self.base_path = normalise_prefix(base_path)
        self.lifespan_mode: LifespanMode = lifespan
        Lifespan(app, lifespan)  # validates the mode
        self.jar = jar if jar is not None else CookieJar()
        self.on_cookies = on_cookies
        self._lifespan: Lifespan | None = None
        self._starting: asyncio.Future[Lifespan] | None = None
        if sys.platform == "emscripten":
            run_sync_work_inline()

    async def handle(self, fetch_request: Any) -> Any:
        """Answer one JS Request with a JS Response; never raises, never hangs."""
        try:
            request = await request_from_fetch(fetch_request, self.base_path, self.jar)
            response, chunks = await self.respond(request)
            self.keep_cookies(response, str(fetch_request.url))
            return to_fetch_response(response, chunks)
        except Exception:
            logger.exception("Answering %s with a 500", getattr(fetch_request, "url", "a request"))
            return to_fetch_response(plain_response(500, "Internal Server Error"), None)

    async def respond(
        self, request: Request
    ) -> tuple[Response, AsyncGenerator[bytes, None] | None]:
        """The app's response; ASGI bodies come as chunks while the app still runs."""
        if self.interface == "wsgi":
            return checked(request, run_wsgi(self.app, build_environ(request))), None
        lifespan = await self._started()
        if lifespan is None:
            return plain_response(500, "Internal Server Error"), None
        response, chunks = await stream_asgi(
            self.app, build_scope(request, lifespan.state), request.body
        )
        final = checked(request, response)
        if chunks is not None and (
            final is not response or request.method == "HEAD" or final.status in (204, 304)
        ):
            await chunks.aclose()
            return final, None
        return final, chunks

    async def startup(self) -> bool:
        """Run the ASGI lifespan startup now (at boot) rather than on the first request.

        False when it failed; it is then tried again on the next request.
        """
        return self.interface == "wsgi" or await self._started() is not None

    async def _started(self) -> Lifespan | None:
        """The lifespan, started once per boot; concurrent first requests wait for it."""
        if self._lifespan is not None:
            return self._lifespan
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        try:
            lifespan = await asyncio.shield(self._starting)
        except Exception:
            logger.exception("ASGI lifespan startup failed; it will be tried again")
            self._starting = None
            return None
        self._lifespan = lifespan
        return lifespan

    async def _start(self) -> Lifespan:
        lifespan = Lifespan(self.app, self.lifespan_mode)
        await lifespan.startup()
        return lifespan

    async def shutdown(self) -> None:
        if self._lifespan is not None:
            lifespan, self._lifespan = self._lifespan, None
            await lifespan.shutdown()

    def keep_cookies(self, response: Response, url: str) -> None:
        values = [value for name, value in response.headers if name.lower() == "set-cookie"]
        if values and self.jar.update(values, url) and self.on_cookies is not None:
            try:
                self.on_cookies(self.jar.dumps())
            except Exception:
                logger.exception("Could not persist the cookie jar")
