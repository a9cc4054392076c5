"""`adapters serve` in a subprocess, each front door on a port the system picked
(`--port 0`), read back from what the command prints."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..cli.command import ROOT, SECRET


class Served:
    def __init__(self, process: subprocess.Popen[str], lines: list[str]) -> None:
        self.process = process
        self.lines = lines
        self.ports = [int(port) for port in DOOR_URL.findall("".join(lines))]

    def request(
        self, offset: int, method: str, path: str, body: bytes = b"", headers: Any = None
    ) -> Any:
        connection = http.client.HTTPConnection("127.0.0.1", self.ports[offset], timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


DOOR_URL = re.compile(r"\): http://127\.0\.0\.1:(\d+)/$", re.MULTILINE)


def start_serve(
    template: Path, *extra: str, doors: int, log: Any = subprocess.PIPE
) -> Iterator[Served]:
    """`log` takes the server's stderr (a file for long runs: nobody drains the pipe)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters", "serve", str(template), "--port", "0", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
        env={**os.environ, "SESSION_SECRET": SECRET},
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Ready."):
                break
        if not (lines and lines[-1].startswith("Ready.")):
            errors = process.stderr.read() if process.stderr is not None else ""
            raise AssertionError("".join(lines) + errors)
        served = Served(process, lines)
        assert len(served.ports) == doors, "".join(lines)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
