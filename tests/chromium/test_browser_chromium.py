"""The app in a real browser: headless Chromium, the service worker and the PyScript page.

Bundles are built with `python -m adapters.browser build ... --web --pyscript` and served
from 127.0.0.1 by the static server of `adapters browser serve`. Chromium (Debian's
/usr/bin/chromium, driven by Python `playwright`, never `playwright install`) runs with a
fresh profile and a host resolver that maps every host but 127.0.0.1 to nothing, so
nothing can reach a CDN.
Without Chromium or playwright the tests skip, except in CI (CI=true), where they fail.

Figures (page load to the first answer, warm requests through the worker) go to
.tools/timings/browser-chromium.json, a screenshot to .tools/artifacts/; never asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.cli.browser import make_static_server

from ..example_app import LAMBDA_DIR
from ..node import pyodide_node
from ..node.pyodide_node import NOTES_REQUIREMENTS, ROOT

CHROMIUM = Path("/usr/bin/chromium")
TIMINGS = ROOT / ".tools" / "timings" / "browser-chromium.json"
ARTIFACTS = ROOT / ".tools" / "artifacts"
ICON = (LAMBDA_DIR / "notes" / "static" / "icon.png").read_bytes()
STREAM_APP_DIR = Path(__file__).parents[1] / "browser_app"
BOOT_TIMEOUT_MS = 180_000
CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-gpu",
    "--no-sandbox",
    "--disable-quic",
]


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def record_timing(name: str, values: dict[str, float]) -> None:
    pyodide_node.record_timing(name, values, TIMINGS)


# --- The static server -------------------------------------------------------------------


class StaticServer:
    """Serves `root` on 127.0.0.1 (a free port) from a thread; records every request."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, str, int]] = []
        self.httpd = make_static_server(
            root,
            "127.0.0.1",
            0,
            headers={"X-Static-Server": "tests"},
            on_request=lambda *request: self.requests.append(request),
        )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


# --- Bundles ---------------------------------------------------------------------------


def serving(root: Path) -> Iterator[StaticServer]:
    """Serve `root` until the generator is closed (a fixture's body), then remove it."""
    server = StaticServer(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _build(out: Path, app: str, path: Path, *extra: str) -> None:
    command = [
        sys.executable, "-m", "adapters.browser", "build", app, "--path", str(path),
        "--out", str(out), "--web", *extra,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        pytest.fail(f"building {app} failed:\n{done.stderr}")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flask/, fastapi/, flask-snapshot/ (booting from a memory snapshot),
    snapshot-broken/ (its snapshot file damaged), stream/ and broken/ (flask without its
    flask wheel) side by side."""
    root = tmp_path_factory.mktemp("sites")
    notes = ("--requirements-file", str(NOTES_REQUIREMENTS), "--secret-env", "SESSION_SECRET")
    started = time.monotonic()
    _build(root / "flask", "notes.flask_app:app", LAMBDA_DIR, *notes, "--pyscript")
    record_timing("build_flask_bundle", {"seconds": time.monotonic() - started})
    _build(root / "fastapi", "notes.fastapi_app:app", LAMBDA_DIR, *notes)
    _build(root / "flask-snapshot", "notes.flask_app:app", LAMBDA_DIR, *notes, "--snapshot")
    _build(root / "stream", "stream_app:app", STREAM_APP_DIR)
    shutil.copytree(root / "flask-snapshot", root / "snapshot-broken")
    (root / "snapshot-broken" / "pyodide" / "snapshot.bin.gz").write_bytes(b"not a snapshot")
    shutil.copytree(root / "flask", root / "broken")
    wheels = list((root / "broken" / "pyodide").glob("flask-*.whl"))
    assert len(wheels) == 1
    wheels[0].unlink()
    return root


@pytest.fixture(scope="module")
def server(sites: Path) -> Iterator[StaticServer]:
    running = StaticServer(sites)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements/dev.txt)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            service_workers="allow",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    page = browser_context.new_page()
    page.set_default_timeout(60_000)
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    page.console_messages = messages  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        page.close()


def open_app(page: Any, server: StaticServer, site: str) -> float:
    """Open SITE/index.html, which installs the worker and goes to SITE/app/; seconds."""
    started = time.monotonic()
    page.goto(f"{server.url}/{site}/index.html")
    page.wait_for_url(f"{server.url}/{site}/app/", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_load_state("load")
    return time.monotonic() - started


def stop_service_workers(page: Any) -> None:
    """What the browser does to an idle worker: stop it, Python state and all."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("ServiceWorker.enable")
        cdp.send("ServiceWorker.stopAllWorkers")
    finally:
        cdp.detach()


def indexed_db_value(page: Any, key: str) -> Any:
    """A value the worker keeps in its IndexedDB store (the jar, the recorded builds)."""
    return page.evaluate(
        """(key) => new Promise((resolve, reject) => {
            const open = indexedDB.open("adapters-browser", 1);
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const get = open.result.transaction("kv").objectStore("kv").get(key);
                get.onsuccess = () => { open.result.close(); resolve(get.result ?? null); };
                get.onerror = () => reject(get.error);
            };
        })""",
        key,
    )


def fetch_in_page(page: Any, url: str, init: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """async ([url, init]) => {
            const response = await fetch(url, init ?? {});
            const bytes = new Uint8Array(await response.arrayBuffer());
            return {
                status: response.status, type: response.type, url: response.url,
                headers: Object.fromEntries(response.headers.entries()), bytes: Array.from(bytes),
            };
        }""",
        [url, init],
    )
    return result


# --- The service worker ------------------------------------------------------------------


def test_fastapis_docs_pages_work_with_no_cdn(page: Any, server: StaticServer) -> None:
    """/docs and /redoc load Swagger UI and ReDoc from jsDelivr; this browser reaches no
    host but 127.0.0.1, so they render only if the worker answers from the bundle."""
    open_app(page, server, "fastapi")
    outside: list[str] = []
    page.on("requestfailed", lambda request: outside.append(request.url))
    page.goto(f"{server.url}/fastapi/app/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=BOOT_TIMEOUT_MS)
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Notes")
    page.locator(".opblock-summary-path", has_text="/api/health").first.wait_for()
    page.goto(f"{server.url}/fastapi/app/redoc")
    page.wait_for_selector("redoc h1, .api-info h1", timeout=BOOT_TIMEOUT_MS)
    assert "Notes" in page.locator(".api-info h1").first.inner_text()
    # Favicons are the browser's own requests, which no service worker sees (Chromium)
    unanswered = [url for url in outside if not url.endswith(("/favicon.png", "/icon.png"))]
    assert unanswered == [], f"every request of the docs pages was answered: {outside}"
    served = {path for _, path, _ in server.requests}
    assert any(path.startswith("/fastapi/vendor/swagger-ui-dist@") for path in served)


@pytest.mark.parametrize("framework", ["flask", "fastapi", "flask-snapshot"])
def test_worker_serves_the_app_pages_and_form_posts(
    page: Any, server: StaticServer, framework: str
) -> None:
    seconds = open_app(page, server, framework)
    assert page.locator("h1").inner_text() == "Notes"
    label = "FastAPI" if framework == "fastapi" else "Flask"
    assert f"Served by {label}" in page.locator("footer").inner_text()
    first_answer = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].responseStart"
    )
    # A form post: the app sets its session cookie (kept in the worker's jar), redirects,
    # and the next page reads the flash message from it.
    page.fill("input[name=title]", f"Shopping {framework}")
    page.fill("textarea[name=body]", "milk\neggs")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{server.url}/{framework}/app/"
    assert page.locator(".flash").inner_text() == f"Saved “Shopping {framework}”."
    # A link to the detail page, and back: the flash is gone (the session was updated).
    page.locator("ul.notes a", has_text=f"Shopping {framework}").click()
    page.wait_for_url(f"{server.url}/{framework}/app/notes/*")
    assert page.locator("article h2").inner_text() == f"Shopping {framework}"
    assert "milk\neggs" in page.locator("article p").inner_text()
    page.locator("a", has_text="All notes").click()
    page.wait_for_url(f"{server.url}/{framework}/app/")
    assert page.locator(".flash").count() == 0
    if framework == "flask":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser-app.png"), full_page=True)
    # Warm requests through the worker: a bounded loop of fetches from the page.
    samples, app_times = warm_requests(page, "./api/health")
    assert len(app_times) == len(samples), "every answer carries the worker's Server-Timing"
    record_timing(
        f"service_worker_{framework.replace('-', '_')}",
        {
            "index_to_app_page_s": seconds,
            "app_navigation_first_byte_ms": first_answer,
            "warm_request_median_ms": statistics.median(samples),
            "warm_request_max_ms": max(samples),
            "warm_app_median_ms": statistics.median(app_times),
        },
    )


def warm_requests(page: Any, url: str, count: int = 40) -> tuple[list[float], list[float]]:
    """A bounded loop of fetches from the page: the round trip of each, in ms, and the
    `app;dur=` the worker's Server-Timing header gave (the Python part), where present."""
    times, app_times = page.evaluate(
        """async ([url, count]) => {
            const times = [], appTimes = [];
            for (let i = 0; i < count; i++) {
                const start = performance.now();
                const response = await fetch(url);
                await response.arrayBuffer();
                times.push(performance.now() - start);
                const header = response.headers.get("server-timing") ?? "";
                const timing = /(?:^|,)\\s*app;dur=([0-9.]+)/.exec(header);
                if (timing) appTimes.push(Number(timing[1]));
            }
            return [times, appTimes];
        }""",
        [url, count],
    )
    return times, app_times


FLOOR_WORKER = """
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  if (new URL(event.request.url).pathname.endsWith("/ping")) event.respondWith(new Response("ok"));
});
"""
FLOOR_PAGE = """<!doctype html><title>floor</title><script>
navigator.serviceWorker.register("./sw.js");
navigator.serviceWorker.ready.then(() => {
  const done = () => (document.title = "controlled");
  if (navigator.serviceWorker.controller) done();
  else navigator.serviceWorker.addEventListener("controllerchange", done);
});
</script>"""


def test_service_worker_floor(page: Any, server: StaticServer) -> None:
    """The browser's own cost of a request answered by a worker with a constant Response:
    the floor under the warm figure above, which no Python in the worker can go below."""
    floor = server.root / "floor"
    floor.mkdir(exist_ok=True)
    (floor / "sw.js").write_text(FLOOR_WORKER)
    (floor / "index.html").write_text(FLOOR_PAGE)
    page.goto(f"{server.url}/floor/index.html")
    page.wait_for_function("document.title === 'controlled'")
    samples, _ = warm_requests(page, "./ping")
    assert page.evaluate("fetch('./ping').then((r) => r.text())") == "ok"
    record_timing(
        "service_worker_floor",
        {"warm_request_median_ms": statistics.median(samples), "warm_request_max_ms": max(samples)},
    )


BARE_PYODIDE_PAGE = """<!doctype html><title>bare</title><script type="module">
const { loadPyodide } = await import("../flask/pyodide/pyodide.mjs");
const pyodide = await loadPyodide({
  indexURL: "../flask/pyodide/", lockFileURL: "../flask/pyodide/pyodide-lock.json",
});
window.answer = pyodide.runPython("6 * 7");
window.bootMs = performance.now();  // since the page opened
</script>"""


def test_bare_pyodide_boot_floor(page: Any, server: StaticServer) -> None:
    """The start-up floor: a page that only boots Pyodide from the bundle's runtime (no
    packages, no worker, no app). The app's first page is measured against it."""
    bare = server.root / "bare"
    bare.mkdir(exist_ok=True)
    (bare / "index.html").write_text(BARE_PYODIDE_PAGE)
    page.goto(f"{server.url}/bare/index.html")
    page.wait_for_function("window.answer === 42", timeout=BOOT_TIMEOUT_MS)
    record_timing("bare_pyodide_page_boot", {"seconds": page.evaluate("window.bootMs") / 1000})


def test_binary_download_arrives_intact(page: Any, server: StaticServer) -> None:
    open_app(page, server, "flask")
    answer = fetch_in_page(page, "./icon.png")
    assert answer["status"] == 200
    assert answer["headers"]["content-type"] == "image/png"
    assert bytes(answer["bytes"]) == ICON
    assert "x-static-server" not in answer["headers"]  # the app answered, not the server


def test_json_api_through_the_worker(page: Any, server: StaticServer) -> None:
    open_app(page, server, "flask")
    created = fetch_in_page(
        page,
        "./api/notes",
        {"method": "POST", "headers": {"content-type": "application/json"},
         "body": json.dumps({"title": "From fetch", "body": "é ✓"})},
    )  # fmt: skip
    assert created["status"] == 201
    note = json.loads(bytes(created["bytes"]))
    listed = fetch_in_page(page, "./api/notes")
    assert note in json.loads(bytes(listed["bytes"]))["notes"]
    missing = fetch_in_page(page, "./api/notes/nope")
    assert missing["status"] == 404


@pytest.mark.parametrize("site", ["flask", "flask-snapshot"])
def test_a_wsgi_generator_that_sleeps_streams_in_both_kinds_of_bundle(
    page: Any, server: StaticServer, site: str
) -> None:
    """Flask's event stream calls time.sleep between events: in a worker booted from a
    snapshot as in one booted plainly, the events arrive one by one, not a 500."""
    open_app(page, server, site)
    got = page.evaluate(
        """async () => {
            const started = performance.now();
            const response = await fetch("./api/ticks?count=3&interval=0.3");
            const reader = response.body.getReader();
            const arrivals = [];
            let text = "";
            for (;;) {
                const { done, value } = await reader.read();
                if (done) break;
                text += new TextDecoder().decode(value);
                arrivals.push(performance.now() - started);
            }
            return { status: response.status, text, arrivals };
        }"""
    )
    assert got["status"] == 200, got["text"]
    assert got["text"].count("data:") == 3
    assert got["arrivals"][-1] - got["arrivals"][0] >= 500, "two sleeps of 0.3 s between"


def test_streamed_response_arrives_in_pieces(page: Any, server: StaticServer) -> None:
    open_app(page, server, "stream")
    pieces = page.evaluate(
        """async () => {
            const response = await fetch("./stream");
            const reader = response.body.getReader();
            const decoder = new TextDecoder();
            const pieces = [];
            for (;;) {
                const { done, value } = await reader.read();
                if (done) break;
                pieces.push({ received: Date.now(), text: decoder.decode(value) });
            }
            return pieces;
        }"""
    )
    lines = [json.loads(line) for piece in pieces for line in piece["text"].splitlines()]
    assert [line["index"] for line in lines] == [0, 1, 2, 3]
    assert len(pieces) >= 2, pieces
    # The page held the first piece before the app produced the last one.
    assert pieces[0]["received"] < lines[-1]["produced"], pieces


def test_a_python_exception_is_a_500_not_a_hang(page: Any, server: StaticServer) -> None:
    open_app(page, server, "stream")
    answer = fetch_in_page(page, "./crash")
    assert answer["status"] == 500
    assert bytes(answer["bytes"]).startswith(b"Internal Server Error")


def test_requests_outside_the_scope_go_to_the_network(page: Any, server: StaticServer) -> None:
    open_app(page, server, "flask")
    before = len(server.requests)
    answer = fetch_in_page(page, "../pyodide/pyodide-lock.json", {"cache": "no-store"})
    assert answer["status"] == 200
    assert answer["headers"].get("x-static-server") == "tests"
    on_disk = (server.root / "flask" / "pyodide" / "pyodide-lock.json").read_bytes()
    assert bytes(answer["bytes"]) == on_disk
    assert ("GET", "/flask/pyodide/pyodide-lock.json", 200) in server.requests[before:]
    # Under the scope, the worker answers and the server never hears of it.
    before = len(server.requests)
    assert fetch_in_page(page, "./api/health")["status"] == 200
    assert not any("/api/health" in path for _, path, _ in server.requests[before:])
    # Any other host is blocked by the browser: the worker does not answer for it.
    failed = page.evaluate(
        """async () => {
            try { await fetch("http://example.com/"); return "answered"; }
            catch (error) { return "failed"; }
        }"""
    )
    assert failed == "failed"


@pytest.mark.parametrize("site", ["flask", "flask-snapshot"])
def test_worker_restart_keeps_the_session(page: Any, server: StaticServer, site: str) -> None:
    open_app(page, server, site)
    # A form post whose redirect is not followed: the flash waits in the session cookie.
    posted = page.evaluate(
        """async () => {
            const response = await fetch("./notes", {
                method: "POST", redirect: "manual",
                headers: { "content-type": "application/x-www-form-urlencoded" },
                body: new URLSearchParams({ title: "Before the restart", body: "" }),
            });
            return response.type;
        }"""
    )
    assert posted == "opaqueredirect"
    # The browser stops a worker once it is idle: after the jar's save to IndexedDB, which
    # the fetch event keeps it alive for. CDP's stop is immediate, so let the save land.
    page.wait_for_timeout(1000)
    stop_service_workers(page)
    page.wait_for_timeout(500)
    started = time.monotonic()
    page.goto(f"{server.url}/{site}/app/")
    restart = time.monotonic() - started
    # The session (cookie jar and secret, from IndexedDB) survived; the notes, kept in
    # Python's memory, did not: proof that Python really started again.
    assert page.locator(".flash").inner_text() == "Saved “Before the restart”."
    assert page.locator("text=No notes yet.").count() == 1
    name = "service_worker_restart" + ("_snapshot" if site.endswith("snapshot") else "")
    record_timing(name, {"navigation_after_stop_s": restart})


def test_a_damaged_snapshot_falls_back_to_a_normal_boot(page: Any, server: StaticServer) -> None:
    """A snapshot that cannot be restored (damaged, or from another Pyodide build) only
    costs the faster start: the worker boots the usual way and serves the app."""
    open_app(page, server, "snapshot-broken")
    assert page.locator("h1").inner_text() == "Notes"
    assert "Served by Flask" in page.locator("footer").inner_text()


def test_failed_boot_shows_a_clear_error(page: Any, server: StaticServer) -> None:
    page.goto(f"{server.url}/broken/index.html")
    page.wait_for_selector("body[data-state=failed]", timeout=BOOT_TIMEOUT_MS)
    message = page.locator("#error-message").inner_text()
    assert "flask" in message
    assert page.locator("#error").is_visible()
    response = page.goto(f"{server.url}/broken/app/")
    assert response is not None
    assert response.status == 503
    assert "The app could not start" in page.locator("h1").inner_text()
    assert "flask" in page.locator("#adapters-boot-error").inner_text()


# --- PyScript ----------------------------------------------------------------------------


def test_pyscript_page_runs_the_app(page: Any, server: StaticServer) -> None:
    before = len(server.requests)
    started = time.monotonic()
    page.goto(f"{server.url}/flask/pyscript.html")
    page.wait_for_selector("body[data-state=done], body[data-state=failed]")
    seconds = time.monotonic() - started
    assert page.locator("body").get_attribute("data-state") == "done", (
        page.locator("#error").inner_text(),
        page.console_messages,  # type: ignore[attr-defined]
    )
    calls = page.locator(".call")
    assert calls.count() == 1  # the app's own start page, nothing the page made up
    assert "GET / → 200" in calls.nth(0).inner_text()
    assert ">Notes</a></h1>" in calls.nth(0).inner_text()
    # The page's form sends whatever the user asks for, to this app.
    page.select_option("#method", "POST")
    page.fill("#path", "/api/notes")
    page.fill("#body", '{"title": "Written from PyScript", "body": "in the page"}')
    page.click("#send")
    page.wait_for_function("document.querySelectorAll('.call').length === 2")
    assert "POST /api/notes → 201" in calls.nth(1).inner_text()
    page.select_option("#method", "GET")
    page.click("#send")
    page.wait_for_function("document.querySelectorAll('.call').length === 3")
    listed = calls.nth(2).inner_text()
    assert "GET /api/notes → 200" in listed
    assert "Written from PyScript" in listed
    # Everything the page asked for is in the bundle (PyScript's files included).
    missing = [(path, code) for _, path, code in server.requests[before:] if code >= 400]
    assert missing == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-pyscript.png"), full_page=True)
    record_timing("pyscript_page", {"load_to_done_s": seconds})
