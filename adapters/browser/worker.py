"""The Python side of the service worker (browser/sw.js) and of the PyScript page.

The worker boots Pyodide, loads the bundle's wheels, then calls `create_handler` with
bundle.json's settings, the cookie jar it restored from IndexedDB and a callback that
saves the jar again; every fetch under its scope then goes to `handler.handle(request)`.

    handler = await create_handler(settings_json, jar_text, save, base_path="/site/app")

Environment variables (fixed ones from bundle.json, generated secrets kept by the worker)
are set before the app is imported, since apps read them at import time.

A saved jar that cannot be read is discarded with one warning, never a failed boot:
without it the user is only logged out. bundle.json `"cookies": {"persist_http_only":
false}` keeps HttpOnly cookies out of IndexedDB, where the page's scripts could read
them, at the cost of losing them whenever the browser stops the worker.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from .cookies import CookieJar
from .runtime import BrowserHandler


class BootError(Exception):
    """The app could not be started: the message says why, for the error page."""


def parse_settings(settings: str | Mapping[str, Any]) -> dict[str, Any]:
    """bundle.json, as JSON text or an already parsed mapping."""
    if isinstance(settings, str):
        try:
            parsed = json.loads(settings)
        except ValueError as error:
            raise BootError(f"bundle.json is not valid JSON: {error}") from None
    else:
        parsed = dict(settings)
    if not isinstance(parsed, dict) or not isinstance(parsed.get("app"), str):
        raise BootError("bundle.json names no app (expected an 'app' like notes.flask_app:app)")
    return parsed


def apply_env(env: Mapping[str, str]) -> None:
    """Set environment variables the app reads, without overriding ones already set."""
    for name, value in env.items():
        os.environ.setdefault(str(name), str(value))


def load_app(spec: str) -> Any:
    """Import `module:attribute`; a failure becomes a BootError naming what went wrong."""
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise BootError(f"cannot import the app module {module_name!r}: {error!r}") from error
    try:
        return getattr(module, attribute or "app")
    except AttributeError:
        raise BootError(f"the module {module_name!r} has no attribute {attribute!r}") from None


def persist_http_only(settings: Mapping[str, Any]) -> bool:
    """bundle.json's `cookies.persist_http_only`; True (sessions survive a worker
    restart) unless it is exactly false."""
    cookies = settings.get("cookies")
    return not (isinstance(cookies, Mapping) and cookies.get("persist_http_only") is False)


def setup_logging() -> None:
    """Log to the console (Pyodide sends stderr there), once."""
    root = logging.getLogger()
    if not any(getattr(h, "_adapters_browser", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._adapters_browser = True  # type: ignore[attr-defined]
        root.addHandler(handler)


def sleep_without_stack_switching() -> None:
    """Keep ``time.sleep`` working where Pyodide's own cannot.

    Pyodide's ``time.sleep`` suspends WebAssembly (JSPI) when it believes it can. In a
    worker restored from a memory snapshot it believes so but cannot, and raised
    "WebAssembly stack switching not supported" (a Flask event stream answered 500). A
    probe finds out once; where it fails, ``time.sleep`` waits the plain way (it holds
    the worker meanwhile, as any synchronous code does).
    """
    import asyncio
    import time

    try:
        from pyodide import webloop
        from pyodide.ffi import can_run_sync, run_sync
    except ImportError:  # not in Pyodide
        return
    if not can_run_sync():
        return  # Pyodide's sleep already takes the plain way
    probe = asyncio.sleep(0)
    try:
        run_sync(probe)
    except Exception:  # a JS Error of any kind: no stack switching here
        probe.close()
        time.sleep = webloop._orig_sleep


async def create_handler(
    settings: str | Mapping[str, Any],
    jar_text: str | None = None,
    save: Callable[[str], object] | None = None,
    base_path: str | None = None,
    env: Mapping[str, str] | None = None,
    write_cookies: Callable[[str], object] | None = None,
) -> BrowserHandler:
    """Import the bundle's app and wrap it; for an ASGI app, run the lifespan startup now.

    `base_path` is where the app is mounted (the worker's scope path); without it, the
    bundle's `base_path`. `env` adds variables (the worker's generated secrets) to the
    fixed ones in bundle.json. `write_cookies` puts the app's cookies without HttpOnly
    into the browser (the worker's Cookie Store API), so that page scripts see them.
    Raises BootError when the app cannot start.
    """
    setup_logging()
    sleep_without_stack_switching()
    parsed = parse_settings(settings)
    fixed = parsed.get("env", {}).get("values", {})
    apply_env({**fixed, **(env or {})})
    app = load_app(str(parsed["app"]))
    handler = BrowserHandler(
        app,
        base_path=base_path if base_path is not None else str(parsed.get("base_path", "/")),
        jar=CookieJar.loads(jar_text),
        on_cookies=save,
        persist_http_only=persist_http_only(parsed),
        on_visible_cookies=write_cookies,
    )
    if not await handler.startup():
        raise BootError("the app's ASGI lifespan startup failed (see the console)")
    return handler
