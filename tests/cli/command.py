"""The `adapters` command, run as a user runs it: a subprocess."""

from __future__ import annotations

import os
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
