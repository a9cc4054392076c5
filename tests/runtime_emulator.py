"""Run a handler module in lambda/ under the real Lambda runtime, without Docker.

The AWS Lambda Runtime Interface Emulator (RIE, `scripts/install-rie.sh` puts it in
`.tools/rie/`) serves the Lambda invoke API and the Runtime API; it starts
`python -m awslambdaric module.handler`, the Python runtime client AWS publishes, which
polls the Runtime API and calls the handler. Events go in over HTTP exactly as Lambda
delivers them, and the runtime's logs (everything the function writes) land in files the
tests can read.

Facts this relies on (see /work/shared/notes/offline-recipes.md, section 1, and the tests):
- two invokes at once make the RIE panic, so `invoke` holds a lock;
- the RIE starts the runtime on the first invoke, so "cold start" is measured from process
  start to the first answer;
- on SIGTERM the RIE SIGKILLs the runtime's process group, because no extension is
  registered: only a signal sent to the runtime process itself reaches Python.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_DIR = ROOT / "lambda"
RIE_PATH = ROOT / ".tools" / "rie" / "aws-lambda-rie"
TIMINGS_PATH = ROOT / ".tools" / "runtime-emulator-timings.json"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
SESSION_SECRET = "runtime-emulator-tests-session-secret-0123456789"
FUNCTION_NAME = "notes-runtime-emulator"
HANDLERS = ("wsgi_handler", "asgi_handler")

# Variables that would change which store or log format the app uses, or how the runtime
# client polls; the tests set what they need explicitly.
_REMOVED_ENV = (
    "TABLE_NAME",
    "NOTES_FILE",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_LOG_FORMAT",
    "AWS_LAMBDA_LOG_LEVEL",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_MAX_CONCURRENCY",
    "_LAMBDA_TELEMETRY_LOG_FD",
)


class EmulatorError(RuntimeError):
    """The emulator did not start, or an invoke did not get an answer."""


def free_ports(count: int) -> list[int]:
    """`count` distinct ports that were free on 127.0.0.1 a moment ago."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def child_pids(pid: int) -> list[int]:
    """The live direct children of `pid` (from /proc)."""
    children: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat.rpartition(")")[2].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def pid_alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


class RuntimeEmulator:
    """One RIE process running one handler module from lambda/ (e.g. "asgi_handler")."""

    def __init__(
        self,
        module: str,
        log_dir: Path,
        *,
        extra_env: Mapping[str, str] | None = None,
        python: str = sys.executable,
        runtime_command: list[str] | None = None,
        cwd: Path = LAMBDA_DIR,
    ) -> None:
        self.module = module
        self.handler = module if "." in module else f"{module}.handler"
        self.python = python
        self.runtime_command = runtime_command  # default: python -m awslambdaric HANDLER
        self.cwd = cwd
        self.log_dir = log_dir
        self.stdout_path = log_dir / f"{module}.stdout.log"
        self.stderr_path = log_dir / f"{module}.stderr.log"
        self.extra_env = dict(extra_env or {})
        self.invoke_port, self.runtime_port = free_ports(2)
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.cold_start: float | None = None  # seconds, process start to first answer
        self._lock = threading.Lock()
        self._files: list[IO[bytes]] = []

    # -- lifecycle -----------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _REMOVED_ENV}
        pythonpath = [str(ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(pythonpath),
                "PYTHONDONTWRITEBYTECODE": "1",
                "SESSION_SECRET": SESSION_SECRET,
                "NOTES_DIAGNOSTICS": "1",
                "AWS_LAMBDA_FUNCTION_NAME": FUNCTION_NAME,
                "AWS_LAMBDA_FUNCTION_TIMEOUT": "30",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_REGION": "us-east-1",
                # awslambdaric leaves the root logger at WARNING unless this is set (as
                # Lambda does for an application log level); INFO makes the app's
                # "notes app starting/stopping" lines observable.
                "AWS_LAMBDA_LOG_LEVEL": "INFO",
            }
        )
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        return [
            str(RIE_PATH),
            "--log-level",
            "error",
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{self.invoke_port}",
            "--runtime-api-address",
            f"127.0.0.1:{self.runtime_port}",
            *(self.runtime_command or [self.python, "-m", "awslambdaric", self.handler]),
        ]

    def start(self, timeout: float = 15.0) -> RuntimeEmulator:
        """Start the RIE and wait until its invoke API accepts connections."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        stdout = self.stdout_path.open("wb")
        stderr = self.stderr_path.open("wb")
        self._files = [stdout, stderr]
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.cwd,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # keep the terminal's signals (Ctrl-C) away from it
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise EmulatorError(
                    f"the RIE for {self.handler} exited with {self.process.returncode} "
                    f"before accepting invokes\n{self.describe_logs()}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.invoke_port), timeout=0.5),
            ):
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise EmulatorError(
                    f"the RIE for {self.handler} did not accept invokes on "
                    f"127.0.0.1:{self.invoke_port} within {timeout:.0f} s\n{self.describe_logs()}"
                )
            time.sleep(0.02)

    @property
    def pid(self) -> int:
        if self.process is None:
            raise EmulatorError("the emulator is not started")
        return self.process.pid

    def runtime_pid(self) -> int | None:
        """The `python -m awslambdaric` child of the RIE (it exists after the first invoke)."""
        children = child_pids(self.pid)
        return children[0] if children else None

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM the RIE (it SIGKILLs the runtime), SIGKILL after `timeout`; reap both."""
        process = self.process
        if process is None:
            return None
        runtime = self.runtime_pid() if process.poll() is None else None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if runtime is not None and pid_alive(runtime):  # orphaned by a killed RIE
            with contextlib.suppress(ProcessLookupError):
                os.kill(runtime, signal.SIGKILL)
        for file in self._files:
            file.close()
        self._files = []
        return process.returncode

    # -- invoking ------------------------------------------------------------------------

    def invoke(self, event: Any, timeout: float = 30.0) -> tuple[int, Any, float]:
        """POST `event` to the invoke API: (HTTP status, parsed JSON answer, seconds)."""
        status, raw, seconds = self.invoke_raw(event, timeout)
        try:
            answer = json.loads(raw) if raw else None
        except ValueError as exc:
            raise EmulatorError(
                f"the emulator answered {status} with non-JSON {raw[:500]!r}"
            ) from exc
        return status, answer, seconds

    def invoke_raw(self, event: Any, timeout: float = 30.0) -> tuple[int, bytes, float]:
        """POST `event` to the invoke API: (HTTP status, the answer's bytes, seconds)."""
        payload = json.dumps(event).encode("utf-8")
        with self._lock:  # the RIE panics on concurrent invokes
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", self.invoke_port, timeout=timeout)
            try:
                connection.request(
                    "POST", INVOKE_PATH, payload, {"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                raw = response.read()
            except OSError as exc:
                raise EmulatorError(
                    f"invoke of {self.handler} failed: {exc!r}\n{self.describe_logs()}"
                ) from exc
            finally:
                connection.close()
            finished = time.perf_counter()
            if self.cold_start is None:
                self.cold_start = finished - self.started_at
        return response.status, raw, finished - started

    # -- logs ----------------------------------------------------------------------------

    def output(self) -> str:
        """Everything the RIE and the runtime (the function's logs) have written so far."""
        return self.stdout() + self.stderr()

    def stdout(self) -> str:
        return _read(self.stdout_path)

    def stderr(self) -> str:
        return _read(self.stderr_path)

    def log_mark(self) -> tuple[int, int]:
        """A position in the logs (stdout, stderr); see `logs_since`."""
        return len(self.stdout()), len(self.stderr())

    def logs_since(self, mark: tuple[int, int] = (0, 0)) -> str:
        """What the RIE and the runtime wrote after `mark`: stdout, then stderr."""
        return self.stdout()[mark[0] :] + self.stderr()[mark[1] :]

    def wait_for_log(self, text: str, since: tuple[int, int] = (0, 0), timeout: float = 5.0) -> str:
        """The logs after `since` once they contain `text`; EmulatorError if they never do."""
        deadline = time.monotonic() + timeout
        while True:
            logs = self.logs_since(since)
            if text in logs:
                return logs
            if time.monotonic() > deadline:
                raise EmulatorError(
                    f"{text!r} did not appear in the logs of {self.handler} "
                    f"within {timeout} s\n{self.describe_logs()}"
                )
            time.sleep(0.02)

    def describe_logs(self, limit: int = 4000) -> str:
        return (
            f"--- stdout ({self.stdout_path}):\n{self.stdout()[-limit:]}\n"
            f"--- stderr ({self.stderr_path}):\n{self.stderr()[-limit:]}"
        )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


# -- pytest glue -------------------------------------------------------------------------


def require_emulator() -> None:
    """Skip (fail on CI) when the RIE binary or the runtime client is missing."""
    problem = None
    if not os.access(RIE_PATH, os.X_OK):
        problem = f"Lambda RIE not found at {RIE_PATH}: run scripts/install-rie.sh"
    elif importlib.util.find_spec("awslambdaric") is None:
        problem = "awslambdaric is not installed: run scripts/bootstrap.sh"
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(problem, pytrace=False)
    pytest.skip(problem)


@contextlib.contextmanager
def running_emulator(
    module: str, log_dir: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[RuntimeEmulator]:
    require_emulator()
    emulator = RuntimeEmulator(module, log_dir, extra_env=extra_env).start()
    try:
        yield emulator
    finally:
        emulator.stop()


class TimingReport:
    """Collects the measured times, writes them to TIMINGS_PATH, and prints them at the end
    of the run (a pytest plugin registered by `timing_report`)."""

    def __init__(self) -> None:
        self.timings: dict[str, dict[str, float]] = {}

    def record(self, module: str, **values: float) -> None:
        self.timings.setdefault(module, {}).update(values)
        TIMINGS_PATH.parent.mkdir(parents=True, exist_ok=True)
        TIMINGS_PATH.write_text(json.dumps(self.timings, indent=2, sort_keys=True) + "\n")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.timings:
            return
        terminalreporter.section("Lambda runtime emulator timings")
        for module, values in sorted(self.timings.items()):
            shown = ", ".join(
                f"{name} {value:.0f}" if name.endswith("count") else f"{name} {value * 1000:.1f} ms"
                for name, value in sorted(values.items())
            )
            terminalreporter.write_line(f"{module}: {shown}")
        terminalreporter.write_line(f"(also in {TIMINGS_PATH})")


def timing_report(config: pytest.Config) -> TimingReport:
    """The run's TimingReport, registered as a plugin on first use."""
    name = "runtime-emulator-timings"
    report = config.pluginmanager.get_plugin(name)
    if report is None:
        report = TimingReport()
        config.pluginmanager.register(report, name)
    assert isinstance(report, TimingReport)
    return report
