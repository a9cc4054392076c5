"""What a cold start imports: the package must not pay for modules a WSGI request never uses.

`logging`, `typing`, `json` and `base64` once made up most of `import adapters`; they are
now loaded only on the paths that need them (an error to log, an annotation a type checker
reads, a log field that needs escaping). Each check runs in a fresh interpreter, since this
test process has long since imported all of them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from adapters.events import build_event

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("typing", "logging", "json", "base64", "collections", "collections.abc", "asyncio")

# `re` and `urllib.parse` are the package's real dependencies, and they bring in
# `collections` on interpreters that do not load it at startup (the Lambda runtime has
# loaded both before the handler module is imported). The baseline includes them, so the
# check is the same wherever it runs and still catches anything the package adds itself.
_BASELINE = "import re, urllib.parse"

_REPORT = "print(','.join(sorted(m for m in {heavy!r} if m in sys.modules)))"


def loaded(script: str) -> set[str]:
    """Which HEAVY modules are loaded after `script`, in a fresh interpreter at the root."""
    code = f"import sys\n{script}\n{_REPORT.format(heavy=HEAVY)}\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return set(filter(None, out.stdout.splitlines()[-1].split(",")))


def test_a_wsgi_request_imports_no_heavy_module() -> None:
    event = build_event(
        "http",
        method="POST",
        path="/upload",
        headers=[("Content-Type", "application/octet-stream")],
        body=b"\x00\x01 binary",
    )
    script = textwrap.dedent(
        f"""
        import adapters

        class Context:
            aws_request_id = "8f5d3a1e-0000-4000-8000-000000000001"

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "application/octet-stream")])
            return [environ["wsgi.input"].read()]

        handler = adapters.LambdaHandler(app)
        event = {event!r}
        result = handler(event, Context())
        assert result["statusCode"] == 200, result
        assert result["isBase64Encoded"] and result["body"] == event["body"], result
        """
    )
    baseline = loaded(_BASELINE)
    assert loaded(script) - baseline == set()
