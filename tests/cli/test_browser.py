"""`adapters browser serve`: a bundle served with the types a worker needs
(adapters/cli/browser.py)."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from pathlib import Path


def test_browser_serve_serves_a_bundle_with_module_types(tmp_path: Path) -> None:
    (tmp_path / "bundle.json").write_text("{}")
    (tmp_path / "sw.mjs").write_text("export {}")
    (tmp_path / "x.wasm").write_bytes(b"\0asm")
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters", "browser", "serve", str(tmp_path), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        announced = re.search(
            r"Serving .* at http://127\.0\.0\.1:(\d+)/", process.stdout.readline()
        )
        assert announced, "the command did not say where it serves"
        port = int(announced.group(1))
        for name, kind in (("sw.mjs", "text/javascript"), ("x.wasm", "application/wasm")):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/" + name)
            assert connection.getresponse().getheader("Content-Type") == kind
            connection.close()
    finally:
        process.terminate()
        process.wait(10)
