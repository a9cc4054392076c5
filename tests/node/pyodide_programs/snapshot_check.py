"""The notes app (Flask) as the service worker boots it, from a memory snapshot or not: a
note posted, the page read back with the session cookie (tests/node/test_browser_snapshot.py).

Runs in Pyodide; the test puts `SETTINGS` (the bundle's bundle.json) and `SECRET` (the
secret this browser generated) before it. `await` at the top level is Pyodide's
`runPythonAsync`.
"""
# ruff: noqa: F704, PLE1142
# mypy: disable-error-code="top-level-await"

import sys
from typing import Any

from js import Headers, Object, Request
from pyodide.ffi import to_js

from adapters.browser.worker import create_handler

TYPE_CHECKING = False
if TYPE_CHECKING:  # bound by the test, before this file
    SETTINGS = ""
    SECRET = ""

preloaded = {"flask": "flask" in sys.modules, "app": "notes.flask_app" in sys.modules}
handler = await create_handler(SETTINGS, None, None, "/", {"SESSION_SECRET": SECRET})
from notes.flask_app import app  # noqa: E402 (imported after the boot, as the worker does)


def request(path: str, method: str = "GET", body: str | None = None) -> Any:
    headers = Headers.new()
    init: dict[str, Any] = {"method": method, "headers": headers}
    if body is not None:
        headers.append("content-type", "application/x-www-form-urlencoded")
        init["body"] = body
    init = to_js(init, dict_converter=Object.fromEntries)
    return Request.new("http://127.0.0.1:8000" + path, init)


posted = await handler.handle(request("/notes", "POST", "title=From+the+snapshot&body=x"))
jar_after_post = sorted(cookie.name for cookie in handler.jar)
page = await handler.handle(request("/"))
text = await page.text()
result = {
    "preloaded": preloaded,
    "secret_key_is_the_browsers": app.secret_key == SECRET,
    "post_status": posted.status,
    "page_status": page.status,
    "note_listed": "From the snapshot" in text,
    "flash_shown": 'class="flash' in text,
    "jar_after_post": jar_after_post,
}
