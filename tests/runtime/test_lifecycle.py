"""INIT start-up and SnapStart through a real runtime loop: AWS's awslambdaric and ours.

The runtime runs in a process of its own against the local Runtime API, which, unlike
AWS's emulator, runs INIT before the first invocation (as Lambda does for provisioned
and SnapStart environments) and has SnapStart's `restore/next` and `restore/error`:
the API holds `restore/next` where Lambda would take the snapshot, and releases it when
the test says the copy is restored. The hooks then run exactly as each runtime runs them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from adapters.testing import build_event

from ..runtime_emulator import timing_report
from .harness import RuntimeProcess, runtime

CLIENTS = ("adapters.runtime", "awslambdaric")
DELAY = 0.4  # seconds the test app's startup takes


def answer_json(process: RuntimeProcess, path: str = "/") -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    answer, _ = process.invoke(build_event("http", path=path))
    body = answer.read_all(timeout=30)
    seconds = time.monotonic() - started
    assert answer.kind == "response", (answer.kind, body, process.output())
    result = json.loads(body)
    assert result["statusCode"] == 200, (result, process.output())
    return json.loads(result["body"]), seconds


def wait_for(event: Any, process: RuntimeProcess, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not event.wait(0.05):
        if process.process.poll() is not None:
            raise AssertionError(f"the runtime exited before {what}:\n{process.output()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s:\n{process.output()}")


def exit_status(process: RuntimeProcess, timeout: float = 10.0) -> int:
    return process.process.wait(timeout)


@pytest.mark.parametrize("client", CLIENTS)
def test_startup_at_init_is_done_before_the_first_invocation(
    client: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    figures = {}
    for startup in ("init", "first-request"):
        env = {"LIFECYCLE_STARTUP": startup, "LIFECYCLE_DELAY": str(DELAY)}
        with runtime("lifecycle_handlers.handler", tmp_path, env, client) as process:
            wait_for(process.api.polling, process, "poll for an invocation")
            first, seconds = answer_json(process)
            second, _ = answer_json(process)
        assert first["startups"] == second["startups"] == 1
        figures[startup] = seconds
    # The user who sends the first request waits for the startup only without INIT start-up.
    assert figures["init"] < DELAY <= figures["first-request"], figures
    timing_report(request.config).record(
        f"lifecycle first invocation, {client}",
        startup_init=figures["init"],
        startup_first_request=figures["first-request"],
        startup_itself=DELAY,
    )


@pytest.mark.parametrize("client", CLIENTS)
def test_a_failed_startup_at_init_fails_the_init_with_a_clear_error(
    client: str, tmp_path: Path
) -> None:
    env = {"LIFECYCLE_STARTUP": "init", "LIFECYCLE_FAIL": "startup"}
    with runtime("lifecycle_handlers.handler", tmp_path, env, client) as process:
        wait_for(process.api.init_failed, process, "init error")
        assert exit_status(process) != 0
        error = process.api.init_error
        assert error is not None
        report = json.loads(error.body)
        assert report["errorType"] == "LifespanError"
        assert "ASGI lifespan startup failed: no database" in report["errorMessage"]
        assert error.headers["lambda-runtime-function-error-type"] == "LifespanError"
        assert "ASGI lifespan startup failed: no database" in process.output()
        assert not process.api.polling.is_set()  # no invocation was ever taken


@pytest.mark.parametrize("client", CLIENTS)
def test_snapstart_starts_the_app_before_the_snapshot_and_tells_it_of_the_restore(
    client: str, tmp_path: Path
) -> None:
    env = {"LIFECYCLE_STARTUP": "first-request", "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
    with runtime("lifecycle_handlers.handler", tmp_path, env, client) as process:
        wait_for(process.api.snapshotting, process, "snapshot")
        assert not process.api.polling.is_set()
        process.api.restore.set()
        facts, _ = answer_json(process)
        again, _ = answer_json(process)
        log = process.output()
    assert facts["startups"] == again["startups"] == 1  # started once, before the snapshot
    assert facts["calls"] == [
        "before_snapshot(startups=1)",  # the app's callbacks run after its startup
        "after_restore",
        "lifespan.snapstart.restore",
    ]
    assert facts["restores"] == 1
    assert facts["lifespan_extensions"] == ["lambda.snapstart"]
    restored = [json.loads(line) for line in log.splitlines() if "SnapStart snapshot" in line]
    assert len(restored) == 1, log
    assert restored[0]["restores"] == 1
    assert restored[0]["message"] == "Restored from a SnapStart snapshot"
    access = [json.loads(line) for line in log.splitlines() if '"status"' in line]
    assert [line.get("coldStart") for line in access] == [True, False], log


@pytest.mark.parametrize("client", CLIENTS)
def test_a_failed_restore_is_reported_as_the_runtime_reports_it(
    client: str, tmp_path: Path
) -> None:
    env = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start", "LIFECYCLE_FAIL": "restore"}
    with runtime("lifecycle_handlers.handler", tmp_path, env, client) as process:
        wait_for(process.api.snapshotting, process, "snapshot")
        process.api.restore.set()
        wait_for(process.api.restore_failed, process, "restore error")
        assert exit_status(process) == 65
        error = process.api.restore_error
        assert error is not None
        assert error.headers["lambda-runtime-function-error-type"] == "Runtime.AfterRestoreError"
        report = json.loads(error.body)
        assert "SnapStart restore handling failed: stale" in report["errorMessage"]
        assert not process.api.polling.is_set()
