"""Running one function for `adapters serve`: a worker process, or the real emulator.

Both start lazily on the first request, take one invocation at a time (as one Lambda
execution environment does), are stopped by pid, and are restarted after a code change
or a timeout.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .template import Function

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class InvokeError(Exception):
    """The function failed: `kind` is "error" (it raised), "timeout" or "crash"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def function_environment(function: Function) -> dict[str, str]:
    env = dict(os.environ)
    env.update(function.environment)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(function.timeout)),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_REGION": env.get("AWS_REGION", "us-east-1"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    # The function imports its code from CodeUri; adapters comes from where it runs now.
    paths = [str(function.code_dir), str(PROJECT_ROOT)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def stop_process(process: subprocess.Popen[Any] | None, grace: float = 3.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class WorkerRunner:
    """The function in a Python worker process of its own (no container, no emulator)."""

    def __init__(self, function: Function) -> None:
        self.function = function
        self.lock = threading.Lock()
        self.process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        process = subprocess.Popen(  # noqa: S603 - our interpreter, the template's handler
            [sys.executable, "-m", "adapters.devserver.worker", self.function.handler],
            cwd=self.function.code_dir,
            env=function_environment(self.function),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        first = self._read_line(process, max(self.function.timeout, 30.0))
        message = json.loads(first)
        if "init_error" in message:
            stop_process(process)
            error = message["init_error"]
            raise InvokeError(
                "crash", f"init failed: {error['errorType']}: {error['errorMessage']}"
            )
        return process

    @staticmethod
    def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            stop_process(process)
            raise InvokeError("timeout", f"no answer within {timeout:g} s")
        line = process.stdout.readline()
        if not line:
            code = process.wait()
            raise InvokeError("crash", f"the worker process exited with status {code}")
        return line

    def invoke(self, event: dict[str, Any]) -> Any:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.process = self._start()
            process = self.process
            assert process.stdin is not None
            try:
                process.stdin.write(json.dumps({"event": event}) + "\n")
                process.stdin.flush()
                answer = json.loads(self._read_line(process, self.function.timeout))
            except (InvokeError, BrokenPipeError) as error:
                self.process = None
                stop_process(process)
                if isinstance(error, InvokeError):
                    raise
                raise InvokeError("crash", "the worker process went away") from None
        if "error" in answer:
            failure = answer["error"]
            raise InvokeError("error", f"{failure['errorType']}: {failure['errorMessage']}")
        return answer["result"]

    def stop(self) -> None:
        with self.lock:
            stop_process(self.process)
            self.process = None


def find_emulator() -> Path | None:
    """The AWS Lambda Runtime Interface Emulator: $ADAPTERS_RIE, PATH, aws-sam-cli's copy."""
    candidates = [os.environ.get("ADAPTERS_RIE"), shutil.which("aws-lambda-rie")]
    try:
        import importlib.util

        spec = importlib.util.find_spec("samcli")
        if spec is not None and spec.submodule_search_locations:
            rapid = Path(next(iter(spec.submodule_search_locations))) / "local" / "rapid"
            candidates.append(str(rapid / "aws-lambda-rie-x86_64"))
    except (ImportError, ValueError):
        pass
    candidates.append(str(PROJECT_ROOT / ".tools" / "rie" / "aws-lambda-rie"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmulatorRunner:
    """The function under the real Lambda runtime: the RIE running awslambdaric."""

    def __init__(self, function: Function, emulator: Path) -> None:
        self.function = function
        self.emulator = emulator
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def _start(self) -> None:
        self.port, runtime_port = free_port(), free_port()
        command = [
            str(self.emulator), "--log-level", "error",
            "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
            "--runtime-api-address", f"127.0.0.1:{runtime_port}",
            sys.executable, "-m", "awslambdaric", self.function.handler,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - the emulator and our interpreter
            command, cwd=self.function.code_dir, env=function_environment(self.function)
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        stop_process(self.process)
        raise InvokeError("crash", "the runtime emulator did not start")

    def invoke(self, event: dict[str, Any]) -> Any:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._start()
            url = f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/invocations"
            request = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.function.timeout + 5) as answer:  # noqa: S310
                    result = json.loads(answer.read())
            except (urllib.error.URLError, TimeoutError) as error:
                stop_process(self.process)
                self.process = None
                raise InvokeError("timeout", str(error)) from None
        if isinstance(result, dict) and "errorType" in result and "statusCode" not in result:
            raise InvokeError("error", f"{result['errorType']}: {result.get('errorMessage', '')}")
        return result

    def stop(self) -> None:
        with self.lock:
            stop_process(self.process)
            self.process = None
