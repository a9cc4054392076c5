"""The browser as one more event source: a fetch `Request` in, a `Response` out.

Runs inside Pyodide (a service worker or a page). `BrowserHandler(app)` wraps a WSGI or
ASGI app; `await handler.handle(request)` answers one JS `Request` with a JS `Response`,
streaming ASGI bodies, keeping the app's cookies in a jar of its own (the browser hides
cookies from service workers and ignores Set-Cookie on synthetic responses), and running
the ASGI lifespan once per boot. Importing this package in CPython is fine: only the
functions that touch JS objects import `js` and `pyodide`.
"""

from __future__ import annotations

from .cookies import CookieJar
from .runtime import BrowserHandler

__all__ = ["BrowserHandler", "CookieJar"]
