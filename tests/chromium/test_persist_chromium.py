"""`--persist /data` in Chromium: what the app writes there outlives the worker.

The control is the same app built without it, whose file is gone once the browser stops
the worker (Pyodide's file system lives in the worker's memory).
"""

from __future__ import annotations

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
    open_app,
    serving,
    stop_service_workers,
)
from .test_offline_chromium import playwright  # noqa: F401 - the fixture

APP = "files_app:app"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    root = tmp_path_factory.mktemp("persist-sites")
    _build(root / "kept", APP, STREAM_APP_DIR, "--persist", "/data")
    _build(root / "plain", APP, STREAM_APP_DIR)
    yield from serving(root)


@pytest.fixture
def page(playwright: Any, tmp_path: Path) -> Iterator[Any]:  # noqa: F811 - the imported fixture
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
        args=CHROMIUM_ARGS, service_workers="allow",
    )  # fmt: skip
    opened = context.pages[0] if context.pages else context.new_page()
    opened.set_default_timeout(BOOT_TIMEOUT_MS)
    try:
        yield opened
    finally:
        context.close()


def lines_after_a_worker_stop(page: Any, server: StaticServer, site: str) -> list[str]:
    open_app(page, server, site)
    for line in ("first line", "second line"):
        status = page.evaluate(
            "async (line) => (await fetch('./', {method: 'POST', body: line})).status", line
        )
        assert status == 200  # the 303 followed
    page.reload()
    assert page.locator("#lines li").all_inner_texts() == ["first line", "second line"]
    page.wait_for_timeout(500)  # the worker's write-back to IndexedDB, after the answer
    stop_service_workers(page)
    page.wait_for_timeout(300)
    page.goto(f"{server.url}/{site}/app/")
    return list(page.locator("#lines li").all_inner_texts())


def test_files_in_a_persistent_folder_outlive_the_worker(page: Any, sites: StaticServer) -> None:
    assert lines_after_a_worker_stop(page, sites, "kept") == ["first line", "second line"]


def test_without_persist_the_files_go_with_the_worker(page: Any, sites: StaticServer) -> None:
    assert lines_after_a_worker_stop(page, sites, "plain") == []
