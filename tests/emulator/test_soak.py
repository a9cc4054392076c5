"""Soak, the quick version: 2,000 invocations per example handler through the real Lambda
runtime (the RIE plus awslambdaric), every answer checked, the function process's memory
read after the warm-up and at the end. The full run (10,000 per handler, JSON summary) is
`python -m bench.soak`; the figures are in docs/load-and-soak.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import (
    KINDS,
    RSS_GROWTH_LIMIT_KB,
    RSS_LATE_GROWTH_LIMIT_KB,
    Summary,
    soak,
    violations,
)

from ..runtime_emulator import LAMBDA_DIR, require_emulator, timing_report

COUNT = 2_000
MAX_SECONDS = 60.0


def describe(summary: Summary) -> str:
    return (
        f"{summary.app}: {summary.invocations}/{summary.requested} answered, "
        f"{summary.failures} wrong, RSS {summary.rss_before_kb} -> {summary.rss_after_kb} kB "
        f"(mid {summary.rss_mid_kb}), p50 {summary.latency_p50_ms} ms, "
        f"p99 {summary.latency_p99_ms} ms, {summary.duration_s} s\n"
        + "\n".join(f"  {failure}" for failure in summary.failure_examples)
        + (f"\n{summary.logs}" if summary.logs else "")
    )


@pytest.mark.parametrize("app", ["wsgi", "asgi"])
def test_soak_answers_every_invocation_without_growing(
    app: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    require_emulator()
    summary = soak(app, COUNT, warmup=200, max_seconds=MAX_SECONDS, log_dir=tmp_path)
    assert violations(summary) == [], describe(summary)
    # What the clients saw: every request of the mix, each answered as it should be.
    assert summary.invocations == COUNT
    assert summary.failures == 0
    assert set(summary.by_kind) == set(KINDS), summary.by_kind
    assert sum(summary.by_kind.values()) == COUNT
    assert min(summary.by_kind.values()) >= COUNT // len(KINDS)
    # One function process served the whole run, and its memory stayed put.
    assert summary.runtime_pid is not None
    assert summary.runtime_pid_after == summary.runtime_pid
    assert summary.rss_growth_kb is not None
    assert summary.rss_growth_kb < RSS_GROWTH_LIMIT_KB, describe(summary)
    assert summary.rss_late_growth_kb is not None
    assert summary.rss_late_growth_kb < RSS_LATE_GROWTH_LIMIT_KB, describe(summary)
    assert summary.latency_p50_ms is not None and summary.latency_p99_ms is not None
    timing_report(request.config).record(
        f"{summary.module} soak",
        p50=summary.latency_p50_ms / 1000,
        p99=summary.latency_p99_ms / 1000,
        invocation_count=float(summary.invocations),
    )


LEAKY_HANDLER = """
import json
import os
import sys

sys.path.insert(0, {lambda_dir!r})

from wsgi_handler import handler as notes_handler

kept = []


def handler(event, context):
    kept.append(os.urandom(16384))  # 16 kB kept per invocation
    result = notes_handler(event, context)
    if "/api/notes/missing" in json.dumps(event):
        result = {{**result, "statusCode": 500}}
    return result
"""


def test_soak_reports_a_leak_and_wrong_answers(tmp_path: Path) -> None:
    """The same soak, of a handler that keeps 16 kB per invocation and answers the
    missing-note request with a 500: both must show in the verdict."""
    require_emulator()
    code = tmp_path / "code"
    code.mkdir()
    (code / "leaky_handler.py").write_text(LEAKY_HANDLER.format(lambda_dir=str(LAMBDA_DIR)))
    count = 1_000
    summary = soak(
        "wsgi",
        count,
        warmup=200,
        max_seconds=MAX_SECONDS,
        log_dir=tmp_path / "logs",
        module="leaky_handler",
        cwd=code,
    )
    assert summary.invocations == count, describe(summary)
    assert summary.rss_growth_kb is not None
    assert summary.rss_growth_kb > RSS_GROWTH_LIMIT_KB, describe(summary)  # ~16 MB
    assert "missing" not in summary.by_kind
    assert summary.failures >= count // len(KINDS)
    assert {failure.kind for failure in summary.failure_examples} == {"missing"}
    assert "status 500, expected 404" in summary.failure_examples[0].problem
    found = violations(summary)
    assert any(problem.startswith("RSS grew") for problem in found), found
    assert any("over the second half" in problem for problem in found), found
    assert any("wrong answers" in problem for problem in found), found
