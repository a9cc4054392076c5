"""Cold cost: import time, whole-process time, resident memory, and the asyncio check.

Everything here runs in fresh subprocesses of the same interpreter, from the repository
root (so `import adapters` finds the working tree first), with bytecode caches for every
module in one temporary prefix. Each figure is the median of several runs, after one
unrecorded run that writes the bytecode caches.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_WSGI_APP = (
    "def wsgi_app(environ, start_response):\n"
    "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
    "    return [b'ok']\n"
)
_ASGI_APP = (
    "async def asgi_app(scope, receive, send):\n"
    "    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n"
    "    await send({'type': 'http.response.body', 'body': b'ok'})\n"
)


class Subject:
    """One adapter: the module to import and how a user builds a handler with it."""

    def __init__(self, key: str, label: str, module: str, imports: str, build: str) -> None:
        self.key = key
        self.label = label
        self.module = module
        self.imports = imports
        self.build = build


SUBJECTS = [
    Subject(
        "adapters-wsgi",
        "adapters, WSGI app",
        "adapters",
        "import adapters",
        _WSGI_APP + "handler = adapters.LambdaHandler(wsgi_app)\n",
    ),
    Subject(
        "adapters-asgi",
        "adapters, ASGI app",
        "adapters",
        "import adapters",
        _ASGI_APP + "handler = adapters.LambdaHandler(asgi_app)\n",
    ),
    Subject(
        "apig_wsgi",
        "apig-wsgi",
        "apig_wsgi",
        "import apig_wsgi",
        _WSGI_APP + "handler = apig_wsgi.make_lambda_handler(wsgi_app, binary_support=True)\n",
    ),
    Subject(
        "serverless_wsgi",
        "serverless-wsgi",
        "serverless_wsgi",
        "import serverless_wsgi",
        _WSGI_APP
        + "def handler(event, context):\n"
        + "    return serverless_wsgi.handle_request(wsgi_app, event, context)\n",
    ),
    Subject(
        "compat-apig-wsgi",
        "adapters.compat, apig-wsgi drop-in",
        "adapters.compat.apig_wsgi",
        "from adapters.compat import make_lambda_handler",
        _WSGI_APP + "handler = make_lambda_handler(wsgi_app, binary_support=True)\n",
    ),
    Subject(
        "compat-serverless-wsgi",
        "adapters.compat, serverless-wsgi drop-in",
        "adapters.compat.serverless_wsgi",
        "from adapters.compat import serverless_wsgi",
        _WSGI_APP
        + "def handler(event, context):\n"
        + "    return serverless_wsgi.handle_request(wsgi_app, event, context)\n",
    ),
    Subject(
        "compat-mangum",
        "adapters.compat, Mangum drop-in",
        "adapters.compat.mangum",
        "from adapters.compat import Mangum",
        _ASGI_APP + "handler = Mangum(asgi_app, lifespan='off')\n",
    ),
    Subject(
        "mangum",
        "Mangum",
        "mangum",
        "import mangum",
        _ASGI_APP + "handler = mangum.Mangum(asgi_app, lifespan='off')\n",
    ),
]

# Runs in a fresh interpreter: only `time` (built in) is loaded before the import, so
# nothing the subject needs is imported ahead of it. VmRSS comes from /proc.
_MEASURE = """\
import time
{preload}
def _rss_kib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return -1
_rss0 = _rss_kib()
_t0 = time.perf_counter_ns()
{imports}
_t1 = time.perf_counter_ns()
{build}
_t2 = time.perf_counter_ns()
_rss1 = _rss_kib()
import json, resource, sys
print(json.dumps({{"import_us": (_t1 - _t0) / 1000, "build_us": (_t2 - _t1) / 1000,
    "rss_before_kib": _rss0, "rss_after_kib": _rss1,
    "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "asyncio": "asyncio" in sys.modules}}))
"""

# The WSGI path end to end: import, construction, one invocation; asyncio must not load.
_ASYNCIO_CHECK = """\
import json, sys
event = json.loads(sys.stdin.read())
import adapters
{app}
handler = adapters.LambdaHandler(wsgi_app, access_log=False)
result = handler(event, None)
print(json.dumps({{"status": result["statusCode"], "asyncio": "asyncio" in sys.modules,
    "modules": sorted(m for m in sys.modules if m.startswith("asyncio"))}}))
"""


def bytecode_env(cache_dir: str) -> dict[str, str]:
    """Bytecode caches for every module, kept in `cache_dir` (nothing written to the tree).

    Site-packages ship compiled files but this checkout may run with
    PYTHONDONTWRITEBYTECODE, which would make `adapters` (and only it) compile its
    sources in every process; a shared prefix puts every module on the same footing.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache_dir
    return env


_ENV: dict[str, str] = dict(os.environ)


def _python(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, *args],
        cwd=ROOT,
        env=_ENV,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def importtime_us(module: str) -> int:
    """The cumulative microseconds `-X importtime` reports for the top-level import."""
    completed = _python(["-X", "importtime", "-c", f"import {module}"])
    for line in completed.stderr.splitlines():
        parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    raise RuntimeError(f"no importtime line for {module}:\n{completed.stderr[-2000:]}")


def process_ms(code: str) -> float:
    """Wall time of a whole `python -c code` process, in milliseconds."""
    started = time.perf_counter()
    _python(["-c", code])
    return (time.perf_counter() - started) * 1000


# What the Lambda runtime client has imported before it imports the handler module.
RUNTIME_PRELOAD = "import awslambdaric.bootstrap"


def measure_in_process(subject: Subject, preload: str = "") -> dict[str, Any]:
    script = _MEASURE.format(preload=preload, imports=subject.imports, build=subject.build)
    result: dict[str, Any] = json.loads(_python(["-c", script]).stdout)
    return result


def asyncio_check() -> dict[str, Any]:
    from adapters.events import build_event

    event = build_event("http", path="/hello")
    completed = _python(["-c", _ASYNCIO_CHECK.format(app=_WSGI_APP)], stdin=json.dumps(event))
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def run(runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache_dir:
        _ENV.clear()
        _ENV.update(bytecode_env(cache_dir))
        try:
            return _run(runs, log)
        finally:
            _ENV.clear()
            _ENV.update(os.environ)


def _run(runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    runtime_client = importlib.util.find_spec("awslambdaric") is not None
    baseline: list[float] = []
    subjects: dict[str, dict[str, Any]] = {}
    samples: dict[str, dict[str, list[float]]] = {
        subject.key: {
            "importtime_us": [],
            "process_ms": [],
            "import_us": [],
            "build_us": [],
            "rss_added_kib": [],
            "runtime_us": [],
        }
        for subject in SUBJECTS
    }
    process_ms("pass")
    for subject in SUBJECTS:  # once unrecorded: bytecode caches, page cache
        process_ms(f"{subject.imports}\n{subject.build}")
        importtime_us(subject.module)
        measure_in_process(subject)
        if runtime_client:
            measure_in_process(subject, RUNTIME_PRELOAD)
    log(f"  {len(SUBJECTS)} adapters x {runs} runs (importtime, process, in-process)")
    for _ in range(runs):  # interleaved, like the per-invocation rounds
        baseline.append(process_ms("pass"))
        for subject in SUBJECTS:
            values = samples[subject.key]
            values["importtime_us"].append(importtime_us(subject.module))
            values["process_ms"].append(process_ms(f"{subject.imports}\n{subject.build}"))
            inner = measure_in_process(subject)
            values["import_us"].append(inner["import_us"])
            values["build_us"].append(inner["build_us"])
            values["rss_added_kib"].append(inner["rss_after_kib"] - inner["rss_before_kib"])
            subjects.setdefault(subject.key, {})["asyncio_after_build"] = inner["asyncio"]
            if runtime_client:
                preloaded = measure_in_process(subject, RUNTIME_PRELOAD)
                values["runtime_us"].append(preloaded["import_us"] + preloaded["build_us"])
    for subject in SUBJECTS:
        values = samples[subject.key]
        subjects[subject.key].update(
            {
                "label": subject.label,
                "module": subject.module,
                "importtime_cumulative_us": _median(values["importtime_us"]),
                "process_ms": _median(values["process_ms"]),
                "import_us": _median(values["import_us"]),
                "build_us": _median(values["build_us"]),
                "import_and_build_us": _median(
                    [a + b for a, b in zip(values["import_us"], values["build_us"], strict=True)]
                ),
                "rss_added_kib": _median(values["rss_added_kib"]),
                "import_and_build_after_runtime_client_us": (
                    _median(values["runtime_us"]) if values["runtime_us"] else None
                ),
            }
        )
    check = asyncio_check()
    return {
        "runs": runs,
        "python_startup_ms": _median(baseline),
        "subjects": subjects,
        "wsgi_path_asyncio": check,
    }
