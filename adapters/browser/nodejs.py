"""Running the build's Node.js scripts: the snapshot maker and the bytecode compiler.

Each script boots the bundle's own Pyodide and prints one JSON line on stdout, with
``"ok"`` and, when that is false, ``"error"``: the report is read the same way for both.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from .errors import BuildError


def run_node_script(command: list[str], what: str, timeout: float = 600) -> dict[str, Any]:
    """Run ``command`` (node and a script of ours); its report, or BuildError saying
    ``what`` failed and why."""
    try:
        done = subprocess.run(  # noqa: S603 - node on PATH, our own script
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what}: took over {timeout / 60:.0f} minutes") from None
    try:
        report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        report = {"ok": False, "error": (done.stderr or done.stdout).strip()[-2000:]}
    if not report.get("ok"):
        raise BuildError(f"{what}: {report.get('error') or 'node failed'}")
    return report
