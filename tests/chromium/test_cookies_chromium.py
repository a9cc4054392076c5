"""The worker's cookie jar in a real browser: SameSite from another site, a corrupt saved
jar, HttpOnly and IndexedDB, and the shell pages booting under their CSP.

A second site is `cross-site.test`, mapped to 127.0.0.1 by Chromium's host resolver (the
same static server, another site to the browser); every other host resolves to nothing.
The worker's own script is served with the CSP a host should send for it
(WORKER_CSP), so the boot is checked under that too. Without Chromium or playwright the
tests skip, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import functools
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.cli.browser import StaticHandler

from ..example_app import LAMBDA_DIR
from ..node.pyodide_node import NOTES_REQUIREMENTS
from .test_browser_chromium import (
    BOOT_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _build,
    _unavailable,
    indexed_db_value,
    open_app,
    stop_service_workers,
)

DJANGO_SITE = Path(__file__).parents[1] / "browser_django"
DJANGO = "django==6.1.3"
WORKER_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'"
APP_CSP = "default-src 'self'; img-src https://app.example"
CROSS = "cross-site.test"
ARGS = [
    f"--host-resolver-rules=MAP {CROSS} 127.0.0.1 , MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    *(arg for arg in CHROMIUM_ARGS if not arg.startswith("--host-resolver-rules")),
]
SET_COOKIES = [
    "strict=1; Path=/; SameSite=Strict",
    "lax=1; Path=/; SameSite=Lax",
    "default=1; Path=/",
    "none=1; Path=/; SameSite=None; Secure",
    "session=1; Path=/; HttpOnly",
    "wide=1; Path=/; Domain=0.0.1",  # another IP's "domain": refused
]
COOKIE_APP = f"""
SET_COOKIES = {SET_COOKIES!r}


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path.endswith("/set"):
        start_response("200 OK", [("Content-Type", "text/plain")]
                       + [("Set-Cookie", value) for value in SET_COOKIES])
        return [b"set"]
    if path.endswith("/csp"):
        start_response("200 OK", [("Content-Type", "text/html"),
                                  ("Content-Security-Policy", {APP_CSP!r})])
        return [b"<!doctype html><p>the app's own policy</p>"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    cookies = sorted(part.split("=")[0].strip()
                     for part in environ.get("HTTP_COOKIE", "").split(";") if part.strip())
    body = (f"<!doctype html><title>show</title><p id=method>{{environ['REQUEST_METHOD']}}</p>"
            f"<pre id=cookies>{{' '.join(cookies)}}</pre>")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [body.encode()]
"""


class Server:
    """The bundles on 127.0.0.1 (also reached as cross-site.test); sw.js gets WORKER_CSP."""

    def __init__(self, root: Path) -> None:
        class Handler(StaticHandler):
            def end_headers(self) -> None:
                if self.path.split("?")[0].endswith("/sw.js"):
                    self.send_header("Content-Security-Policy", WORKER_CSP)
                super().end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        import http.server

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.root = root
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.cross = f"http://{CROSS}:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("cookie-sites")
    source = tmp_path_factory.mktemp("cookie-app")
    (source / "cookie_app.py").write_text(COOKIE_APP)
    _build(root / "cookies", "cookie_app:app", source)
    shutil.copytree(root / "cookies", root / "memory")
    manifest = json.loads((root / "memory" / "bundle.json").read_text())
    manifest["cookies"] = {"persist_http_only": False}
    (root / "memory" / "bundle.json").write_text(json.dumps(manifest))
    notes = ("--requirements-file", str(NOTES_REQUIREMENTS), "--pyscript", "--no-web")
    _build(root / "notes", "notes.flask_app:app", LAMBDA_DIR, *notes)
    _build(root / "django", "csrf_site:app", DJANGO_SITE, "--requirement", DJANGO)
    running = Server(root)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements/dev.txt)")
    profile = tmp_path_factory.mktemp("chromium-cookies-profile")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=ARGS,
            service_workers="allow",
        )  # fmt: skip
        try:
            yield browser
        finally:
            browser.close()


VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) =>
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));
"""


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    page = context.new_page()
    page.set_default_timeout(60_000)
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    page.add_init_script(VIOLATIONS)
    page.console_messages = messages
    try:
        yield page
    finally:
        page.close()


def violations(page: Any) -> list[str]:
    messages: list[str] = page.console_messages
    return [m for m in messages if "CSP violation" in m or "Content Security Policy" in m]


def cookies_shown(page: Any) -> list[str]:
    return sorted(page.locator("#cookies").inner_text().split())


def follow(page: Any, selector: str, url: str) -> list[str]:
    page.click(selector)
    page.wait_for_url(url)
    return cookies_shown(page)


def saved_jar(page: Any, scope: str) -> Any:
    return indexed_db_value(page, f"{scope} cookie-jar")


ALL = ["default", "lax", "none", "session", "strict"]


def test_cross_site_requests_get_only_the_cookies_a_browser_sends(
    page: Any, server: Server
) -> None:
    open_app(page, server, "cookies")  # type: ignore[arg-type]
    assert page.evaluate("fetch('./set').then((r) => r.text())") == "set"
    show = f"{server.url}/cookies/app/show"
    (server.root / "cross.html").write_text(
        f'<!doctype html><a id=link href="{show}?link">a link</a>'
        f'<a id=noreferrer rel=noreferrer href="{show}?noreferrer">no referrer</a>'
        f'<form id=form method=post action="{show}?post"><button id=post>post</button></form>'
    )
    # Same site: a link in the app's own page, a form post, a fetch.
    page.evaluate(f"document.body.insertAdjacentHTML('beforeend', '<a id=own href={show}>x</a>')")
    assert follow(page, "#own", show) == ALL
    posted = page.evaluate("fetch('./show', {method: 'POST', body: 'x'}).then((r) => r.text())")
    assert f"<pre id=cookies>{' '.join(ALL)}</pre>" in posted
    # From another site: a link gets Lax and default (Lax) cookies, not Strict ones.
    lax = ["default", "lax", "none", "session"]
    page.goto(f"{server.cross}/cross.html")
    assert follow(page, "#link", f"{show}?link") == lax
    page.goto(f"{server.cross}/cross.html")
    assert follow(page, "#noreferrer", f"{show}?noreferrer") == lax
    # A cross-site form post: only SameSite=None.
    page.goto(f"{server.cross}/cross.html")
    assert follow(page, "#post", f"{show}?post") == ["none"]
    assert page.locator("#method").inner_text() == "POST"
    # The IP host refused the Domain=0.0.1 cookie.
    names = {cookie["name"] for cookie in json.loads(saved_jar(page, f"{server.url}/cookies/app/"))}
    assert names == set(ALL)


def test_shell_pages_boot_under_their_csp_and_app_pages_keep_the_apps_own(
    page: Any, server: Server
) -> None:
    open_app(page, server, "cookies")  # type: ignore[arg-type]
    csp = page.evaluate("fetch('./csp').then((r) => r.headers.get('content-security-policy'))")
    assert csp == APP_CSP
    page.goto(f"{server.url}/notes/pyscript.html")
    page.wait_for_selector(
        "body[data-state=done], body[data-state=failed]", timeout=BOOT_TIMEOUT_MS
    )
    assert page.locator("body").get_attribute("data-state") == "done", page.console_messages
    assert violations(page) == []


def test_corrupt_saved_jar_is_discarded_and_the_app_still_boots(page: Any, server: Server) -> None:
    open_app(page, server, "cookies")  # type: ignore[arg-type]
    page.evaluate("fetch('./set')")
    scope = f"{server.url}/cookies/app/"
    page.evaluate(
        """(key) => new Promise((resolve) => {
            const open = indexedDB.open("adapters-browser", 1);
            open.onsuccess = () => {
                const tx = open.result.transaction("kv", "readwrite");
                tx.objectStore("kv").put('[{"name": "trunc', key);
                tx.oncomplete = () => { open.result.close(); resolve(); };
            };
        })""",
        f"{scope} cookie-jar",
    )
    stop_service_workers(page)
    page.wait_for_timeout(500)
    response = page.goto(f"{scope}show")
    assert response is not None and response.status == 200
    # Only the HttpOnly one was the jar's alone; the others live in the browser too.
    assert cookies_shown(page) == [name for name in ALL if name != "session"]
    assert page.evaluate("fetch('./set').then((r) => r.status)") == 200
    page.goto(f"{scope}show")
    assert cookies_shown(page) == ALL


def test_http_only_cookies_can_stay_out_of_indexeddb(page: Any, server: Server) -> None:
    """By default a HttpOnly cookie is saved where the page's scripts can read it (no
    browser store is out of their reach); `persist_http_only: false` keeps it in the
    worker's memory only, and the app still gets it while the worker runs."""
    open_app(page, server, "cookies")  # type: ignore[arg-type]
    page.evaluate("fetch('./set')")
    page.wait_for_timeout(300)
    default = json.loads(saved_jar(page, f"{server.url}/cookies/app/"))
    assert "session" in {cookie["name"] for cookie in default}
    assert "session" not in page.evaluate("document.cookie")
    open_app(page, server, "memory")  # type: ignore[arg-type]
    page.evaluate("fetch('./set')")
    page.wait_for_timeout(300)
    memory = json.loads(saved_jar(page, f"{server.url}/memory/app/"))
    assert {cookie["name"] for cookie in memory} == set(ALL) - {"session"}
    page.goto(f"{server.url}/memory/app/show")
    assert cookies_shown(page) == ALL


def test_django_ajax_csrf_recipe_works_through_document_cookie(page: Any, server: Server) -> None:
    """Django's documented AJAX recipe: read csrftoken from document.cookie, send it back
    as X-CSRFToken. Without the header the POST is refused (403), as on a server."""
    open_app(page, server, "django")  # type: ignore[arg-type]
    page.wait_for_selector("#ready")
    token = page.evaluate(
        "document.cookie.split('; ').find((c) => c.startsWith('csrftoken='))?.split('=')[1]"
    )
    assert token, page.evaluate("document.cookie")
    post = """async (token) => {
        const headers = token ? { "X-CSRFToken": token } : {};
        const response = await fetch("./echo", { method: "POST", headers });
        return [response.status, await response.text()];
    }"""
    status, body = page.evaluate(post, token)
    assert status == 200 and json.loads(body) == {"ok": True, "method": "POST"}
    assert page.evaluate(post, None)[0] == 403


def test_cookies_a_page_script_writes_reach_the_app_and_its_deletions_too(
    page: Any, server: Server
) -> None:
    open_app(page, server, "django")  # type: ignore[arg-type]
    page.evaluate("document.cookie = 'theme=dark; path=/'")
    seen = json.loads(page.evaluate("fetch('./cookies').then((r) => r.text())"))
    assert seen.get("theme") == "dark"
    page.evaluate("document.cookie = 'theme=; path=/; max-age=0'")
    seen = json.loads(page.evaluate("fetch('./cookies').then((r) => r.text())"))
    assert "theme" not in seen
    assert "csrftoken" in seen  # the app's own, read back from the browser's store
