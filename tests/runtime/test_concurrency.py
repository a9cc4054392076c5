"""Concurrent invocations in one process, as Lambda Managed Instances send them.

`AWS_LAMBDA_MAX_CONCURRENCY=N` lets the Runtime API hand a process N invocations at once.
The adapters runtime answers them on N threads with one handler: an ASGI app keeps one
event loop (in a thread of its own) and one lifespan for all of them; a WSGI app runs on
the invocation threads. awslambdaric forks N processes instead, each with its own app;
both are run here against the local Runtime API, which serves concurrent `next` calls.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.testing import build_event

from ..runtime_emulator import timing_report
from .harness import RuntimeProcess, runtime

WAIT = 0.5  # seconds each request waits (tests/runtime/task/lifecycle_handlers.py)


def burst(process: RuntimeProcess, count: int, timeout: float = 30.0) -> tuple[list[Any], float]:
    """`count` invocations queued at once: their answers, in order, and the seconds taken."""
    started = time.monotonic()
    invocations = [
        process.api.submit(json.dumps(build_event("http", path=f"/r{n}")).encode(), timeout)
        for n in range(count)
    ]
    answers = []
    for invocation in invocations:
        answer = invocation.wait(timeout)
        assert answer is not None, process.output()
        result = json.loads(answer.read_all(timeout))
        assert result.get("statusCode") == 200, (result, process.output())
        answers.append(json.loads(result["body"]))
    return answers, time.monotonic() - started


def test_an_asgi_app_answers_concurrent_invocations_on_one_loop_with_one_lifespan(
    tmp_path: Path,
) -> None:
    env = {"AWS_LAMBDA_MAX_CONCURRENCY": "4", "LIFECYCLE_WAIT": str(WAIT)}
    with runtime("lifecycle_handlers.handler", tmp_path, env) as process:
        answers, seconds = burst(process, 8)
        log = process.output()
    assert [answer["path"] for answer in answers] == [f"/r{n}" for n in range(8)]
    assert {answer["startups"] for answer in answers} == {1}
    assert len({answer["loop"] for answer in answers}) == 1
    assert len({answer["pid"] for answer in answers}) == 1
    assert seconds < 4 * WAIT, seconds  # two rounds of four, not eight in a row (4 s)
    # Each access line carries its own request id, though they were served side by side.
    ids = [json.loads(line)["requestId"] for line in log.splitlines() if '"status"' in line]
    assert len(set(ids)) == 8, log


def test_sigterm_runs_the_one_lifespan_shutdown_of_a_concurrent_process(tmp_path: Path) -> None:
    env = {"AWS_LAMBDA_MAX_CONCURRENCY": "4", "LIFECYCLE_STARTUP": "first-request"}
    with runtime("lifecycle_handlers.handler", tmp_path, env) as process:
        answers, _ = burst(process, 4)  # the startup ran on an invocation thread
        assert {answer["startups"] for answer in answers} == {1}
        process.process.send_signal(signal.SIGTERM)
        process.process.wait(10)
        assert "lifespan shutdown after 1 startup(s)" in process.output()


def test_a_wsgi_app_answers_concurrent_invocations_on_threads(tmp_path: Path) -> None:
    env = {"AWS_LAMBDA_MAX_CONCURRENCY": "4", "LIFECYCLE_WAIT": str(WAIT)}
    with runtime("lifecycle_handlers.wsgi_handler", tmp_path, env) as process:
        answers, seconds = burst(process, 8)
    assert [answer["path"] for answer in answers] == [f"/r{n}" for n in range(8)]
    assert len({answer["thread"] for answer in answers}) == 4
    assert seconds < 4 * WAIT, seconds


def test_awslambdaric_runs_concurrent_invocations_in_forked_processes(tmp_path: Path) -> None:
    env = {"AWS_LAMBDA_MAX_CONCURRENCY": "3", "LIFECYCLE_WAIT": str(WAIT)}
    with runtime("lifecycle_handlers.handler", tmp_path, env, "awslambdaric") as process:
        answers, seconds = burst(process, 6)
    assert [answer["path"] for answer in answers] == [f"/r{n}" for n in range(6)]
    assert len({answer["pid"] for answer in answers}) == 3  # one app, one lifespan each
    assert {answer["startups"] for answer in answers} == {1}
    assert seconds < 4 * WAIT, seconds


def test_a_bad_concurrency_setting_fails_the_init(tmp_path: Path) -> None:
    env = {"AWS_LAMBDA_MAX_CONCURRENCY": "lots"}
    with runtime("lifecycle_handlers.wsgi_handler", tmp_path, env) as process:
        assert process.api.init_failed.wait(20), process.output()
        assert process.api.init_error is not None
        report = json.loads(process.api.init_error.body)
        assert "AWS_LAMBDA_MAX_CONCURRENCY must be a whole number" in report["errorMessage"]


@pytest.mark.parametrize("handler", ["handler", "wsgi_handler"])
def test_throughput_per_process_grows_with_concurrency(
    handler: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Figures for the closing note: I/O-bound requests (50 ms each) per second."""
    rates = {}
    for concurrency in (1, 8):
        env = {"AWS_LAMBDA_MAX_CONCURRENCY": str(concurrency), "LIFECYCLE_WAIT": "0.05"}
        with runtime(f"lifecycle_handlers.{handler}", tmp_path, env) as process:
            burst(process, concurrency)  # warm: the first answers pay for imports
            _, seconds = burst(process, 64)
        rates[concurrency] = 64 / seconds
    assert rates[8] > 3 * rates[1], rates
    timing_report(request.config).record(
        f"concurrency ({handler}, 50 ms waits)",
        requests_per_second_at_1_count=rates[1],
        requests_per_second_at_8_count=rates[8],
    )
