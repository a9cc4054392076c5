"""The adapters runtime under AWS's Runtime Interface Emulator, started both ways users do.

- the exec wrapper, as Lambda's managed Python runtime runs it: the wrapper gets the
  interpreter and the managed runtime's own arguments (`AWS_LAMBDA_EXEC_WRAPPER`);
- the `bootstrap`, as an OS-only runtime (provided.al2023) runs it from the task root.

The emulator answers the invoke with the bytes the runtime streamed, buffered (it has no
streaming invoke endpoint and drops trailers: FINDINGS in the tests' docs), so these
tests check the framing byte for byte against what our own Runtime API recorded for the
same request, and that buffered answers, errors and init failures arrive as on Lambda.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.testing import build_event

from ..runtime_emulator import ROOT, RuntimeEmulator, require_emulator
from .harness import TASK, environment, runtime, split_prelude

RUNTIME_DIR = ROOT / "adapters" / "runtime"
HANDLER = "stream_handlers.starlette_handler"


def wrapper_command(handler: str) -> list[str]:
    """What the managed runtime runs when AWS_LAMBDA_EXEC_WRAPPER is set."""
    return [str(RUNTIME_DIR / "exec-wrapper"), sys.executable, "-m", "awslambdaric", handler]


def emulator(tmp_path: Path, handler: str, how: str) -> RuntimeEmulator:
    require_emulator()
    env = environment(handler)
    if how == "exec-wrapper":
        return RuntimeEmulator(
            handler, tmp_path / "logs", extra_env=env, runtime_command=wrapper_command(handler),
            cwd=TASK,
        )  # fmt: skip
    task = tmp_path / "task"  # a deployment package: the bootstrap at its root
    shutil.copytree(TASK, task)
    shutil.copy2(RUNTIME_DIR / "bootstrap", task / "bootstrap")
    env.update({"LAMBDA_TASK_ROOT": str(task), "ADAPTERS_PYTHON": sys.executable})
    return RuntimeEmulator(
        handler, tmp_path / "logs", extra_env=env, runtime_command=[str(task / "bootstrap")],
        cwd=task,
    )  # fmt: skip


@pytest.fixture(params=["exec-wrapper", "bootstrap"])
def started(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RuntimeEmulator]:
    rie = emulator(tmp_path, HANDLER, request.param).start()
    try:
        yield rie
    finally:
        rie.stop()


def recorded(tmp_path: Path, event: Any) -> bytes:
    """The bytes the runtime posts for `event`, as our Runtime API records them."""
    with runtime(HANDLER, tmp_path) as process:
        answer, _ = process.invoke(event)
        return answer.read_all(30)


def test_a_stream_arrives_byte_for_byte(started: RuntimeEmulator, tmp_path: Path) -> None:
    event = build_event("function-url", path="/ticks")
    status, payload, _ = started.invoke_raw(event)
    assert status == 200
    prelude, body = split_prelude(payload)
    assert prelude == {"statusCode": 200, "headers": {"content-type": "text/plain; charset=utf-8"}}
    assert body == b"tick 0\ntick 1\ntick 2\n"
    assert payload == recorded(tmp_path, event)


def test_cookies_and_rest_prelude(started: RuntimeEmulator) -> None:
    status, payload, _ = started.invoke_raw(build_event("rest", path="/cookies"))
    assert status == 200
    prelude, body = split_prelude(payload)
    assert len(prelude["multiValueHeaders"]["set-cookie"]) == 100
    assert body == b"cookies set\n"


def test_buffered_doors_get_json(started: RuntimeEmulator) -> None:
    status, result, _ = started.invoke(build_event("http", path="/ticks"))
    assert status == 200
    assert result["statusCode"] == 200 and result["body"] == "tick 0\ntick 1\ntick 2\n"


def test_a_failure_mid_stream_keeps_what_was_sent(tmp_path: Path) -> None:
    """The emulator drops the error trailers; the partial body is all a client sees."""
    rie = emulator(tmp_path, "stream_handlers.failing_handler", "exec-wrapper").start()
    try:
        status, payload, _ = rie.invoke_raw(build_event("function-url", path="/"))
        logs = rie.wait_for_log("secret detail that must not reach the client")
    finally:
        rie.stop()
    assert status == 200
    assert split_prelude(payload)[1] == b"first\n"
    assert "Traceback" in logs


def test_a_handler_error_is_a_lambda_error(tmp_path: Path) -> None:
    rie = emulator(tmp_path, "stream_handlers.raising_handler", "bootstrap").start()
    try:
        status, result, _ = rie.invoke({"x": 1})
    finally:
        rie.stop()
    assert status == 200  # the emulator's way of returning a function error
    assert result["errorType"] == "ValueError"
    assert result["errorMessage"] == "the handler itself failed"


@pytest.mark.parametrize("how", ["exec-wrapper", "bootstrap"])
def test_an_import_failure_is_an_init_error(tmp_path: Path, how: str) -> None:
    rie = emulator(tmp_path, "broken_init.handler", how).start()
    try:
        status, payload, _ = rie.invoke_raw({"x": 1})
    finally:
        rie.stop()
    assert status == 502
    report = json.loads(payload)
    assert report["errorType"] == "RuntimeError"
    assert report["errorMessage"] == "the module failed to import"
