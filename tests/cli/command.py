"""The `adapters` command, run as a user runs it: a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from ..example_app import LAMBDA_DIR

ROOT = LAMBDA_DIR.parent
SECRET = "0123456789abcdef0123456789abcdef"


def adapters(
    *args: str, stdin: str | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters", *args],
        input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60, check=False,
        env={**os.environ, "SESSION_SECRET": SECRET},
    )  # fmt: skip


def free_port_block(count: int) -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count < 65535 and all(port_free(base + i) for i in range(count)):
            return int(base)
    raise RuntimeError("no free block of ports")


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
