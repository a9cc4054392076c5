"""Offline first, in Chromium: after the first visit the app starts with no network, after
the worker is stopped and after the browser restarts; a new build is picked up when the
network is back, and never a build whose files do not match their hashes.

"No network" is the real thing for the origin: the static server that served the bundle
is stopped, so every request the worker does not answer itself fails. Each test has its
own server, bundle folder and browser profile.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_browser_chromium import (
    BOOT_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    STREAM_APP_DIR,
    StaticServer,
    _build,
    _unavailable,
    indexed_db_value,
    record_timing,
    stop_service_workers,
)

APP = "version_app:app"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements/dev.txt)")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two builds of the same app (VERSION 1 and 2), built once, copied per test."""
    root = tmp_path_factory.mktemp("offline-builds")
    made = {}
    for version in ("1", "2"):
        source = root / f"source-{version}"
        shutil.copytree(STREAM_APP_DIR, source)
        code = source / "version_app.py"
        code.write_text(code.read_text().replace('VERSION = "1"', f'VERSION = "{version}"'))
        _build(root / f"v{version}", APP, source)
        made[version] = root / f"v{version}"
    _build(root / "mounted", APP, root / "source-1", "--base-path", "/tools/notes")
    made["mounted"] = root / "mounted"
    broken = root / "source-broken"
    shutil.copytree(root / "source-1", broken)
    code = broken / "version_app.py"
    code.write_text(code.read_text() + '\nraise RuntimeError("this deploy is broken")\n')
    _build(root / "broken", APP, broken)  # builds: the builder reads the app, never runs it
    made["broken"] = root / "broken"
    return made


class Browser:
    """A Chromium with a profile of its own, which a test may close and start again."""

    def __init__(self, playwright: Any, profile: Path) -> None:
        self.playwright = playwright
        self.profile = profile
        self.context: Any = None

    def start(self) -> Any:
        self.context = self.playwright.chromium.launch_persistent_context(
            str(self.profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            service_workers="allow",
        )
        page = self.context.pages[0] if self.context.pages else self.context.new_page()
        page.set_default_timeout(BOOT_TIMEOUT_MS)
        return page

    def stop(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None


@pytest.fixture
def browser(playwright: Any, tmp_path: Path) -> Iterator[Browser]:
    running = Browser(playwright, tmp_path / "profile")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def site(builds: dict[str, Path], tmp_path: Path) -> Iterator[tuple[Path, StaticServer]]:
    """A copy of build 1 in a folder of this test's, served on a port of its own."""
    root = tmp_path / "site"
    shutil.copytree(builds["1"], root / "app1")
    server = StaticServer(root)
    try:
        yield root / "app1", server
    finally:
        server.stop()


def first_visit(page: Any, server: StaticServer) -> float:
    started = time.monotonic()
    page.goto(f"{server.url}/app1/index.html")
    page.wait_for_url(f"{server.url}/app1/app/")
    return time.monotonic() - started


def shown_version(page: Any) -> str:
    return str(page.locator("#version").inner_text())


def test_after_the_first_visit_the_app_starts_with_the_network_off(
    browser: Browser, site: tuple[Path, StaticServer]
) -> None:
    _, server = site
    page = browser.start()
    first = first_visit(page, server)
    assert shown_version(page) == "1"
    app_url = f"{server.url}/app1/app/"
    server.stop()  # the network is off for this origin from here on
    stop_service_workers(page)
    page.wait_for_timeout(300)
    started = time.monotonic()
    page.goto(app_url)
    after_stop = time.monotonic() - started
    assert shown_version(page) == "1"

    browser.stop()  # a browser restart: the registration, caches and IndexedDB remain
    page = browser.start()
    started = time.monotonic()
    page.goto(app_url)
    after_restart = time.monotonic() - started
    assert shown_version(page) == "1"
    record_timing(
        "offline_boot",
        {
            "first_visit_s": first,
            "offline_after_worker_stop_s": after_stop,
            "offline_after_browser_restart_s": after_restart,
        },
    )


def _update_to(page: Any, url: str, version: str, rounds: int = 20) -> None:
    """Navigate until the app shows `version`: each navigation starts an update check
    (never waited for), and the navigation after a finished download starts the new build."""
    for _ in range(rounds):
        page.goto(url)
        if shown_version(page) == version:
            return
        page.wait_for_timeout(1000)
    raise AssertionError(f"build {version} was not picked up after {rounds} navigations")


def visit_then_deploy(page: Any, site: tuple[Path, StaticServer], build: Path) -> str:
    """The first visit on build 1, then the host serves `build`; the app's URL."""
    folder, server = site
    first_visit(page, server)
    assert shown_version(page) == "1"
    shutil.rmtree(folder)
    shutil.copytree(build, folder)
    return f"{server.url}/app1/app/"


def test_a_new_build_is_picked_up_when_online_and_kept_for_offline(
    browser: Browser, site: tuple[Path, StaticServer], builds: dict[str, Path]
) -> None:
    _, server = site
    page = browser.start()
    app_url = visit_then_deploy(page, site, builds["2"])
    _update_to(page, app_url, "2")
    server.stop()
    stop_service_workers(page)
    page.wait_for_timeout(300)
    page.goto(app_url)
    assert shown_version(page) == "2", "the new build is the one kept for offline starts"


def test_a_build_whose_files_do_not_match_their_hashes_is_never_started(
    browser: Browser, site: tuple[Path, StaticServer], builds: dict[str, Path]
) -> None:
    folder, _ = site
    page = browser.start()
    app_url = visit_then_deploy(page, site, builds["2"])
    app_wheel = next((folder / "pyodide").glob("app_code-*.whl"))
    app_wheel.write_bytes(app_wheel.read_bytes() + b"tampered")
    for _ in range(4):
        page.goto(app_url)
        assert shown_version(page) == "1"
        page.wait_for_timeout(800)
    kept = page.evaluate(
        "async () => (await caches.keys()).filter((name) => name.startsWith('adapters '))"
    )
    assert len(kept) == 1, f"only the running build's cache stays, not a half-checked one: {kept}"


@pytest.mark.parametrize("path", ["app/", "app/deep/link?page=2"])
def test_an_app_url_opened_first_installs_the_worker_and_shows_that_page(
    browser: Browser, site: tuple[Path, StaticServer], path: str
) -> None:
    """No 404 on a first visit that starts from a bookmark or a shared link: the static
    folder's app/index.html (or, for a deeper path, `adapters browser serve`'s stand-in
    for it) installs the worker, which then answers the very URL asked for."""
    _, server = site
    page = browser.start()
    url = f"{server.url}/app1/{path}"
    page.goto(url)
    page.wait_for_selector("#version", timeout=BOOT_TIMEOUT_MS)
    assert page.url == url
    assert shown_version(page) == "1"
    controlled = page.evaluate("() => navigator.serviceWorker.controller !== null")
    assert controlled, "the page is the app's answer, through the worker"


def test_base_path_puts_the_app_where_it_says(
    browser: Browser, builds: dict[str, Path], tmp_path: Path
) -> None:
    root = tmp_path / "site"
    shutil.copytree(builds["mounted"], root / "app1")
    server = StaticServer(root)
    try:
        page = browser.start()
        page.goto(f"{server.url}/app1/index.html")
        page.wait_for_url(f"{server.url}/app1/tools/notes/")
        assert shown_version(page) == "1"
        assert page.locator("#mount").inner_text() == "/app1/tools/notes"
        gone = page.goto(f"{server.url}/app1/app/")
        assert gone is not None and gone.status == 404, "nothing is served at the default place"
        deep = f"{server.url}/app1/tools/notes/a/b"
        page.goto(deep)
        assert page.url == deep and shown_version(page) == "1"
    finally:
        server.stop()


def test_a_new_build_that_cannot_start_falls_back_to_the_one_before(
    browser: Browser, site: tuple[Path, StaticServer], builds: dict[str, Path]
) -> None:
    """A broken deploy (the app raises at import) downloads fine and passes its hashes;
    the navigation that starts it gets the previous build instead of an error page."""
    page = browser.start()
    app_url = visit_then_deploy(page, site, builds["broken"])
    for _ in range(6):
        response = page.goto(app_url)
        assert response is not None and response.status == 200
        assert shown_version(page) == "1"
        page.wait_for_timeout(700)
    keys = ("build", "build-previous")
    recorded = {key: indexed_db_value(page, f"{app_url} {key}") for key in keys}
    first = json.loads((builds["1"] / "bundle.json").read_text())["build"]
    # build-previous is written only when a new build was downloaded whole; after the
    # failed start the old build is again the one recorded to boot.
    assert recorded == {"build": first, "build-previous": first}, recorded
