"""`adapters browser dev` in Chromium: the page reloads itself with the new code after an
edit, keeps the last good build through a rebuild that fails, shows an app that cannot
start and comes back once it is fixed, and keeps working after the worker is stopped.

The dev command runs as users run it, in a process of its own, stopped by its pid.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..node.pyodide_node import ROOT
from .test_browser_chromium import (
    BOOT_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    STREAM_APP_DIR,
    record_timing,
    stop_service_workers,
)
from .test_offline_chromium import playwright  # noqa: F401 - the fixture

RELOAD_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def chromium(playwright: Any) -> Iterator[Any]:  # noqa: F811 - the imported fixture
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


class DevCommand:
    """`adapters browser dev version_app:app` on a copy of the version app."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.errors = ""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "adapters", "browser", "dev", "version_app:app",
             "--path", str(source), "--port", "0", "--interval", "0.1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found is None:
            self.stop()
            pytest.fail(f"adapters browser dev did not start: {line}{self.errors}")
        self.url = found.group(0)

    def edit(self, old: str, new: str) -> float:
        code = self.source / "version_app.py"
        text = code.read_text()
        assert old in text
        code.write_text(text.replace(old, new))
        return time.monotonic()

    def stop(self) -> str:
        self.process.terminate()
        try:
            _, self.errors = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, self.errors = self.process.communicate()
        return self.errors


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevCommand]:
    source = tmp_path / "src"
    shutil.copytree(STREAM_APP_DIR, source)
    command = DevCommand(source)
    try:
        yield command
    finally:
        command.stop()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(service_workers="allow")
    opened = context.new_page()
    opened.set_default_timeout(BOOT_TIMEOUT_MS)
    try:
        yield opened
    finally:
        context.close()


def wait_for_version(page: Any, version: str) -> None:
    page.wait_for_function(
        "(v) => document.getElementById('version')?.textContent === v",
        arg=version,
        timeout=RELOAD_TIMEOUT_MS,
    )


def test_an_edit_reloads_the_page_with_the_new_code(dev: DevCommand, page: Any) -> None:
    page.goto(f"{dev.url}/index.html")
    page.wait_for_url(f"{dev.url}/app/")
    assert page.locator("#version").inner_text() == "1"
    edited = dev.edit('VERSION = "1"', 'VERSION = "2"')
    wait_for_version(page, "2")  # nobody touched the page: it reloaded itself
    first = time.monotonic() - edited
    edited = dev.edit('VERSION = "2"', 'VERSION = "3"')
    wait_for_version(page, "3")
    second = time.monotonic() - edited
    # after the browser stops the idle worker, the page still hears of edits
    stop_service_workers(page)
    page.wait_for_timeout(300)
    edited = dev.edit('VERSION = "3"', 'VERSION = "4"')
    wait_for_version(page, "4")
    after_stop = time.monotonic() - edited
    errors = dev.stop()
    assert errors.count("rebuilt the app's code in") == 3, errors
    record_timing(
        "dev_loop_edit_to_page",
        {"first_s": first, "second_s": second, "after_worker_stop_s": after_stop},
    )


def test_a_broken_edit_keeps_the_page_then_a_fix_brings_the_app_back(
    dev: DevCommand, page: Any
) -> None:
    page.goto(f"{dev.url}/app/")  # the app's URL first: the stand-in installs the worker
    wait_for_version(page, "1")
    page.evaluate("window.adaptersSamePage = true")
    dev.edit('VERSION = "1"', 'VERSION = "1"\ndef broken(:')  # does not build
    page.wait_for_timeout(1500)
    assert page.evaluate("window.adaptersSamePage") is True, "a failed rebuild reloads nothing"
    assert page.locator("#version").inner_text() == "1"

    # builds, but raises when Python imports it: the worker's error page, no fallback
    dev.edit("def broken(:", 'raise RuntimeError("half-finished edit")')
    page.wait_for_selector("#adapters-boot-error", timeout=RELOAD_TIMEOUT_MS)
    assert "half-finished edit" in page.locator("#adapters-boot-error").inner_text()

    dev.edit('raise RuntimeError("half-finished edit")', 'VERSION = "5"')
    wait_for_version(page, "5")  # the error page reloads itself too
    errors = dev.stop()
    assert "error: rebuilding the app's code: cannot import 'version_app'" in errors
    assert "Traceback" not in errors
