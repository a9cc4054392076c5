"""Running one function for `adapters serve`: the adapters runtime, or the AWS emulator.

Both start lazily on the first request, take one invocation at a time (as one Lambda
execution environment does), are stopped by pid, and are restarted after a code change,
a crash or a timeout. The default runs the function as Lambda would under the adapters
runtime: `python -m adapters.runtime` against a local Runtime API, so streamed answers
stream. `--emulator` runs AWS's Runtime Interface Emulator with awslambdaric instead,
which buffers every answer.
"""

from __future__ import annotations

import json
import os
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

from .runtime_api import RuntimeAPI
from .template import Function

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PRELUDE_DELIMITER = b"\x00" * 8


class InvokeError(Exception):
    """The function failed: `kind` is "error" (it raised), "timeout" or "crash"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class FunctionAnswer:
    """A function's answer to one invocation: a JSON result, or a stream of bytes.

    A stream's `pieces()` come as the function sends them; `close()` must be called once
    the caller is done (it reads what is left, so the function can finish, and frees the
    function for its next invocation).
    """

    def __init__(
        self,
        result: Any = None,
        *,
        stream: Any = None,
        content_type: str = "",
        release: Any = None,
    ) -> None:
        self.result = result
        self.streamed = stream is not None
        self.content_type = content_type
        self._stream = stream
        self._release = release
        self.truncated = False

    def pieces(self) -> Any:
        """The streamed bytes as they arrive (a buffered result gives nothing)."""
        if self._stream is not None:
            try:
                yield from self._stream
            except (TimeoutError, InvokeError):
                self.truncated = True

    def close(self) -> None:
        for _ in self.pieces():
            pass
        release, self._release = self._release, None
        if release is not None:
            release()


def function_environment(function: Function) -> dict[str, str]:
    env = dict(os.environ)
    env.update(function.environment)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(function.timeout)),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local",
            "AWS_REGION": env.get("AWS_REGION", "us-east-1"),
            "LAMBDA_TASK_ROOT": str(function.code_dir),
            "_HANDLER": function.handler,
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


class RuntimeRunner:
    """The function under the adapters runtime, against a Runtime API of our own."""

    POLL = 0.05

    def __init__(self, function: Function) -> None:
        self.function = function
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.api: RuntimeAPI | None = None

    def _start(self) -> tuple[subprocess.Popen[bytes], RuntimeAPI]:
        api = RuntimeAPI(f"arn:aws:lambda:us-east-1:123456789012:function:{self.function.name}")
        env = function_environment(self.function)
        env["AWS_LAMBDA_RUNTIME_API"] = api.address
        process = subprocess.Popen(
            [sys.executable, "-m", "adapters.runtime"],
            cwd=self.function.code_dir,
            env=env,
            stdout=sys.stderr,  # the function's output (logs, prints) goes to the terminal
        )
        self.process, self.api = process, api
        return process, api

    def invoke(self, event: dict[str, Any]) -> FunctionAnswer:
        """Send one invocation; the answer holds the function until it is closed."""
        self.lock.acquire()
        try:
            answer = self._invoke(event)
        except BaseException:
            self.lock.release()
            raise
        if not answer.streamed:
            self.lock.release()
        return answer

    def _invoke(self, event: dict[str, Any]) -> FunctionAnswer:
        process, api = self.process, self.api
        if process is None or api is None or process.poll() is not None:
            self._discard()
            process, api = self._start()
        timeout = self.function.timeout
        deadline = time.monotonic() + timeout
        invocation = api.submit(json.dumps(event).encode("utf-8"), timeout)
        while invocation.wait(self.POLL) is None:
            if api.init_failed.is_set():
                self._discard()
                raise InvokeError("crash", f"init failed: {_describe(api.init_error)}")
            if process.poll() is not None:
                self._discard()
                raise InvokeError("crash", f"the runtime exited with status {process.returncode}")
            if time.monotonic() > deadline:
                self._discard()
                raise InvokeError("timeout", f"Task timed out after {timeout:.2f} seconds")
        answer = invocation.answer
        assert answer is not None
        if answer.kind == "stream":
            return FunctionAnswer(
                stream=self._watched(answer, process, deadline),
                content_type=answer.content_type,
                release=self.lock.release,
            )
        body = answer.read_all(max(0.0, deadline - time.monotonic()) + 1)
        if answer.kind == "error":
            raise InvokeError("error", _describe_error(body))
        try:
            return FunctionAnswer(json.loads(body))
        except ValueError:  # raw bytes: what no buffered front door can read
            return FunctionAnswer(
                stream=iter([body]), content_type=answer.content_type, release=self.lock.release
            )

    def _watched(self, answer: Any, process: subprocess.Popen[bytes], deadline: float) -> Any:
        """The stream's pieces; past the deadline the runtime is stopped, as Lambda would."""
        try:
            yield from answer.chunks(deadline)
        except TimeoutError:
            self._discard()
            raise InvokeError("timeout", "the function timed out while streaming") from None
        if answer.truncated:
            self._discard()
            raise InvokeError("crash", "the runtime went away while streaming")

    def _discard(self) -> None:
        """Stop the runtime and forget its API: the next invocation starts afresh."""
        stop_process(self.process)
        if self.api is not None:
            self.api.close()
        self.process, self.api = None, None

    def stop(self) -> None:
        with self.lock:
            self._discard()


def _describe(answer: Any) -> str:
    return _describe_error(answer.body) if answer is not None else "no reason given"


def _describe_error(body: bytes) -> str:
    try:
        failure = json.loads(body)
        return f"{failure['errorType']}: {failure['errorMessage']}"
    except (ValueError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace")


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
        runtime = [sys.executable, "-m", "awslambdaric", self.function.handler]
        wrapper = self.function.environment.get("AWS_LAMBDA_EXEC_WRAPPER")
        if wrapper:  # as the managed runtime does: the wrapper gets the runtime's command
            local = Path(wrapper.replace("/var/task/", f"{self.function.code_dir}/", 1))
            runtime = [str(local), *runtime]
        command = [
            str(self.emulator), "--log-level", "error",
            "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
            "--runtime-api-address", f"127.0.0.1:{runtime_port}",
            *runtime,
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

    def invoke(self, event: dict[str, Any]) -> FunctionAnswer:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._start()
            url = f"http://127.0.0.1:{self.port}/2015-03-31/functions/function/invocations"
            request = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.function.timeout + 5) as answer:  # noqa: S310
                    body = answer.read()
            except (urllib.error.URLError, TimeoutError) as error:
                stop_process(self.process)
                self.process = None
                raise InvokeError("timeout", str(error)) from None
        try:
            result = json.loads(body)
        except ValueError:  # the emulator passes a streamed answer on as its raw bytes
            return FunctionAnswer(stream=iter([body]), content_type="application/octet-stream")
        if isinstance(result, dict) and "errorType" in result and "statusCode" not in result:
            raise InvokeError("error", f"{result['errorType']}: {result.get('errorMessage', '')}")
        return FunctionAnswer(result)

    def stop(self) -> None:
        with self.lock:
            stop_process(self.process)
            self.process = None
