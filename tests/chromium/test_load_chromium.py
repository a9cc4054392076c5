"""Load through the service worker: 1,000 fetches from the page, 50 in flight at a time.

The notes app (Flask and FastAPI bundles, as test_browser_chromium.py builds them) runs in
Pyodide in the service worker of headless Chromium, started the same way (every host but
127.0.0.1 unreachable). The page keeps a pool of 50 fetches going until 1,000 have been
answered: a health check, a seeded note, a missing note (404) and a note created, in
turn. Every answer's status and body is checked, then the list must hold exactly the
seeded notes and the 250 created ones (no write lost or doubled under concurrency).

The figures (p50/p99 of the page's round trip, wall time, Python's share from the
worker's Server-Timing) go to .tools/timings/browser-chromium.json and are printed
(`pytest -s`); docs/load-and-soak.md has a run's. Like the other Chromium tests these skip
without Chromium or playwright, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..example_app import LAMBDA_DIR
from ..node.pyodide_node import NOTES_REQUIREMENTS
from . import test_browser_chromium as chromium
from .test_browser_chromium import (
    CHROMIUM,
    StaticServer,
    _build,
    _unavailable,
    fetch_in_page,
    open_app,
    record_timing,
)

# The browser fixtures of test_browser_chromium.py (one Chromium per module, a fresh page
# per test), used here under their own names.
browser_context = chromium.browser_context
page = chromium.page

TOTAL = 1_000
CONCURRENCY = 50
SEEDED = 10
FETCH_TIMEOUT_MS = 30_000
LOAD_DEADLINE_MS = 180_000
KINDS = ("health", "get_one", "missing", "create")

# A pool of `concurrency` loops taking the next request until none is left or the deadline
# passes; each fetch is bounded by its own timeout. Returns one result per request (null
# for a request never sent), the wall time and the most fetches that were in flight.
LOAD_POOL = """async ([requests, concurrency, fetchTimeout, deadlineMs]) => {
    const results = new Array(requests.length).fill(null);
    const started = performance.now();
    let next = 0, inFlight = 0, maxInFlight = 0;
    async function loop() {
        while (next < requests.length && performance.now() - started < deadlineMs) {
            const index = next++;
            const { url, init } = requests[index];
            const begin = performance.now();
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            try {
                const signal = AbortSignal.timeout(fetchTimeout);
                const response = await fetch(url, { ...init, signal });
                const text = await response.text();
                const header = response.headers.get("server-timing") ?? "";
                const timing = /(?:^|,)\\s*app;dur=([0-9.]+)/.exec(header);
                results[index] = {
                    status: response.status, text, ms: performance.now() - begin,
                    app: timing ? Number(timing[1]) : null,
                    contentType: response.headers.get("content-type"),
                };
            } catch (error) {
                const ms = performance.now() - begin;
                results[index] = { status: 0, text: String(error), ms, app: null };
            } finally {
                inFlight -= 1;
            }
        }
    }
    await Promise.all(Array.from({ length: concurrency }, loop));
    return { results, wallMs: performance.now() - started, maxInFlight };
}"""


def require_chromium() -> None:
    """Skip (fail under CI=true) before any bundle is built, as browser_context would."""
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements/dev.txt)")


@pytest.fixture(scope="module")
def load_sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flask/ and fastapi/: the notes app bundles, as test_browser_chromium.py builds them."""
    require_chromium()
    root = tmp_path_factory.mktemp("load-sites")
    notes = ("--requirements-file", str(NOTES_REQUIREMENTS), "--secret-env", "SESSION_SECRET")
    _build(root / "flask", "notes.flask_app:app", LAMBDA_DIR, *notes)
    _build(root / "fastapi", "notes.fastapi_app:app", LAMBDA_DIR, *notes)
    return root


@pytest.fixture(scope="module")
def load_server(load_sites: Path) -> Iterator[StaticServer]:
    running = StaticServer(load_sites)
    try:
        yield running
    finally:
        running.stop()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank: p99 of 1,000 values is the 990th smallest."""
    ordered = sorted(values)
    rank = max(1, math.ceil(round(len(ordered) * fraction, 9)))  # round: 0.99 is inexact
    return ordered[rank - 1]


def plan(seeded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """TOTAL requests, KINDS in turn: what to fetch and what must come back."""
    requests = []
    for index in range(TOTAL):
        kind = KINDS[index % len(KINDS)]
        if kind == "health":
            request = {"url": "./api/health", "init": {}}
        elif kind == "get_one":
            request = {"url": f"./api/notes/{seeded[index % len(seeded)]['id']}", "init": {}}
        elif kind == "missing":
            request = {"url": f"./api/notes/missing-{index}", "init": {}}
        else:
            body = {"title": f"load {index}", "body": f"fetch {index} of {TOTAL} ✓"}
            request = {
                "url": "./api/notes",
                "init": {
                    "method": "POST",
                    "headers": {"content-type": "application/json"},
                    "body": json.dumps(body),
                },
                "sent": body,
            }
        requests.append({"kind": kind, **request})
    return requests


def problem_with(
    request: dict[str, Any], result: dict[str, Any] | None, framework: str, seeded: Any
) -> str | None:
    """Why the answer is not what the user must see, or None."""
    if result is None:
        return "never sent (the pool's deadline passed)"
    try:
        body = json.loads(result["text"])
    except ValueError:
        return f"status {result['status']}, not JSON: {result['text'][:200]!r}"
    kind = request["kind"]
    expected: tuple[int, Any]
    if kind == "health":
        expected = (200, {"status": "ok", "store": "MemoryStore", "framework": framework})
    elif kind == "get_one":
        note_id = request["url"].rsplit("/", 1)[1]
        expected = (200, seeded[note_id])
    elif kind == "missing":
        expected = (404, {"error": "not found"})
    else:
        sent = request["sent"]
        if result["status"] == 201 and {k: body.get(k) for k in sent} == sent:
            return None
        expected = (201, sent)
    if (result["status"], body) == expected:
        return None
    return f"{framework} {kind}: got {result['status']} {body!r}, expected {expected!r}"


@pytest.mark.parametrize("framework", ["flask", "fastapi"])
def test_a_thousand_fetches_fifty_at_a_time(
    page: Any, load_server: StaticServer, framework: str
) -> None:
    open_app(page, load_server, framework)
    seeded: dict[str, Any] = {}
    for number in range(SEEDED):
        created = fetch_in_page(
            page,
            "./api/notes",
            {"method": "POST", "headers": {"content-type": "application/json"},
             "body": json.dumps({"title": f"seed {number}", "body": "before the load"})},
        )  # fmt: skip
        assert created["status"] == 201
        note = json.loads(bytes(created["bytes"]))
        seeded[note["id"]] = note
    requests = plan(list(seeded.values()))

    started = time.monotonic()
    outcome = page.evaluate(
        LOAD_POOL,
        [
            [{"url": r["url"], "init": r["init"]} for r in requests],
            CONCURRENCY,
            FETCH_TIMEOUT_MS,
            LOAD_DEADLINE_MS,
        ],
    )
    wall_s = time.monotonic() - started
    results: list[dict[str, Any] | None] = outcome["results"]

    problems = [
        f"#{index}: {problem}"
        for index, (request, result) in enumerate(zip(requests, results, strict=True))
        if (problem := problem_with(request, result, framework, seeded)) is not None
    ]
    assert problems == [], f"{len(problems)} of {TOTAL} wrong, e.g. {problems[:5]}"
    answered = [result for result in results if result is not None]
    assert len(answered) == TOTAL
    assert outcome["maxInFlight"] == CONCURRENCY  # the page really had 50 out at once

    # No write lost or doubled: the list holds the seeded notes and every one created.
    listed = fetch_in_page(page, "./api/notes")
    assert listed["status"] == 200
    notes = json.loads(bytes(listed["bytes"]))["notes"]
    ids = [note["id"] for note in notes]
    assert len(ids) == len(set(ids))
    created_titles = {r["sent"]["title"] for r in requests if r["kind"] == "create"}
    assert {note["title"] for note in notes} == created_titles | {
        note["title"] for note in seeded.values()
    }
    assert len(notes) == SEEDED + TOTAL // len(KINDS)

    times = [result["ms"] for result in answered]
    app_times = [result["app"] for result in answered if result["app"] is not None]
    assert len(app_times) == TOTAL, "every answer carries the worker's Server-Timing"
    figures = {
        "fetches": float(TOTAL),
        "concurrency": float(CONCURRENCY),
        "p50_ms": percentile(times, 0.50),
        "p99_ms": percentile(times, 0.99),
        "max_ms": max(times),
        "wall_s": outcome["wallMs"] / 1000,
        "requests_per_s": TOTAL / (outcome["wallMs"] / 1000),
        "app_p50_ms": statistics.median(app_times),
        "app_p99_ms": percentile(app_times, 0.99),
    }
    record_timing(f"service_worker_load_{framework}", figures)
    shown = ", ".join(f"{name} {value:.1f}" for name, value in figures.items())
    print(f"\nservice worker load, {framework}: {shown} (evaluate {wall_s:.1f} s)")
