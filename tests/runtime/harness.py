"""The adapters runtime in a process of its own, against the local Runtime API.

`RuntimeAPI` (adapters.devserver.runtime_api) records what the runtime posts: request
headers, every chunk with its arrival time, trailers. AWS's emulator buffers a stream and
drops trailers, so what streaming looks like on the wire is checked here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from adapters.devserver.runtime_api import Answer, RuntimeAPI

ROOT = Path(__file__).resolve().parents[2]
TASK = Path(__file__).resolve().parent / "task"


class RuntimeProcess:
    def __init__(self, api: RuntimeAPI, process: subprocess.Popen[bytes], log: Path) -> None:
        self.api = api
        self.process = process
        self.log = log
        self.last: Any = None  # the last invocation submitted

    def invoke(self, event: Any, timeout: float = 30.0) -> tuple[Answer, float]:
        """Queue one invocation; the answer once it starts arriving, and when it was queued."""
        payload = event if isinstance(event, bytes) else json.dumps(event).encode()
        queued = time.monotonic()
        invocation = self.last = self.api.submit(payload, timeout)
        deadline = queued + timeout
        while invocation.wait(0.05) is None:
            if self.process.poll() is not None or self.api.init_failed.is_set():
                raise AssertionError(f"the runtime did not answer:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer within {timeout} s:\n{self.output()}")
        assert invocation.answer is not None
        return invocation.answer, queued

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def environment(handler: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER"))}
    env.update(
        {
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": str(TASK),
            "PYTHONPATH": str(ROOT),
            "AWS_LAMBDA_FUNCTION_NAME": "stream-tests",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "ADAPTERS_RESPONSE_MODE": "buffered",
        }
    )
    env.update(extra or {})
    return env


@contextlib.contextmanager
def runtime(
    handler: str,
    log_dir: Path,
    extra_env: Mapping[str, str] | None = None,
    client: str = "adapters.runtime",
) -> Iterator[RuntimeProcess]:
    """`python -m adapters.runtime` serving `handler` (module.name in tests/runtime/task);
    `client="awslambdaric"` runs AWS's runtime client instead, as the managed runtime does."""
    api = RuntimeAPI()
    log = log_dir / f"{handler}.log"
    env = environment(handler, extra_env)
    env["AWS_LAMBDA_RUNTIME_API"] = api.address
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", client, *([handler] if client == "awslambdaric" else [])],
            cwd=TASK,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: awslambdaric's forked workers too
        )
    try:
        yield RuntimeProcess(api, process, log)
    finally:
        stop_group(process)
        api.close()


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the runtime and every process it forked, then SIGKILL what is left."""
    for signal_number in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal_number)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the workers end with their parent's group
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def split_prelude(payload: bytes) -> tuple[dict[str, Any], bytes]:
    head, found, body = payload.partition(b"\x00" * 8)
    assert found, f"no 8-NUL delimiter in {payload[:200]!r}"
    return json.loads(head), body
