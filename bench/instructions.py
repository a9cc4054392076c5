"""Per-invocation cost as an instruction count under callgrind, which a noisy machine cannot move.

`python -m bench.instructions` prints, for each (implementation, app, event), the
instructions one call of `handler(event, context)` executes, and the adapter's overhead:
that count minus the count of the bare app called directly (the floor). The apps are a bare
WSGI app and a bare ASGI app (`wsgi_app`, `asgi_app` below), so nearly all of what is counted
is the adapter.

Method. Every measured item runs in its own Python process under
`valgrind --tool=callgrind --dump-before=getppid`. The process builds the implementation and
loads the prebuilt event, calls it `warmup` times, then calls `os.getppid()` (a marker: the
only call of libc's `getppid` in the process), runs `n1` calls, the marker again, `n2` calls,
the marker again. Callgrind writes the counts between markers as separate dumps, so

    instructions per call = (I(n2 segment) - I(n1 segment)) / (n2 - n1)

which cancels start-up, imports, construction, warm-up and the marker's own cost, and also
the bytecode compilation a file changed by someone else would cost one process and not
another. The processes run with a fixed environment (PYTHONHASHSEED=0, no
PYTHONUNBUFFERED), stdout sent to /dev/null (LambdaHandler's default access log is written,
to /dev/null, as the brief of this benchmark requires), and on a snapshot of `adapters/`
copied when the run starts, so one run measures one version of the package. Before each
measured loop the collector runs once and everything alive is frozen (`gc.freeze()`): the
collections a call's own allocations trigger are counted, a traversal of the modules an
implementation imported is not. Every item is first run once natively to check its answer
(200 and the app's body, and one access-log line per call exactly when expected).

Floors: the WSGI app called with a prebuilt environ (a copy of it and a fresh input stream
per call, a trivial start_response, the body joined, `close` honoured); the ASGI app's
coroutine, with a prebuilt scope and trivial receive/send, driven by `coro.send(None)` until
StopIteration (a bare app never really awaits), and the same coroutine run by an event
loop's `run_until_complete` (labelled "loop"). Overheads are against the first; the ASGI
table also shows them against the loop floor.

Python 3.11 has no perf trampoline, so callgrind sees C functions only; the hot spots it
reports are C functions (with their share per call), and the Python-level picture comes from
cProfile call counts per invocation, measured natively (the counts do not depend on speed).
"""

from __future__ import annotations

import json
import os
import sys

from .requests import HEADERS as REQUEST_HEADERS
from .requests import FakeContext

# Only what a measured child needs is imported at module level (the child is this module
# run as __main__; its start-up is not measured, but under valgrind it costs seconds).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from typing import Any

    Event = dict[str, Any]
    Call = Callable[[], Any]
    Log = Callable[[str], None]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The request every event describes: a 68-byte JSON body POSTed with a browser's headers.
REQUEST_BODY = b'{"title": "Shopping", "body": "milk, eggs, bread", "tags": ["home"]}'
HEADERS = [*REQUEST_HEADERS, ("Content-Type", "application/json")]
RESPONSE_BODY = b'{"message":"hi"}\n'
RESPONSE_HEADERS = [("Content-Type", "application/json"), ("Content-Length", "17")]

SOURCES = {"http": "HTTP API 2.0", "rest": "REST 1.0"}

# key -> (interface, label), in table order.
IMPLEMENTATIONS: dict[str, tuple[str, str]] = {
    "wsgi/floor": ("wsgi", "bare WSGI app, prebuilt environ (floor)"),
    "wsgi/minimal": ("wsgi", "minimal hand-rolled adapter"),
    "wsgi/adapters": ("wsgi", "LambdaHandler"),
    "wsgi/adapters-nolog": ("wsgi", "LambdaHandler, access_log=False"),
    "wsgi/apig-wsgi": ("wsgi", "apig-wsgi"),
    "wsgi/serverless-wsgi": ("wsgi", "serverless-wsgi"),
    "wsgi/compat-apig-wsgi": ("wsgi", "adapters.compat.make_lambda_handler (apig-wsgi drop-in)"),
    "wsgi/compat-serverless-wsgi": ("wsgi", "adapters.compat.serverless_wsgi (drop-in)"),
    "asgi/floor": ("asgi", "bare ASGI app, prebuilt scope, coro.send(None) (floor)"),
    "asgi/floor-loop": ("asgi", "bare ASGI app, prebuilt scope, loop.run_until_complete"),
    "asgi/minimal": ("asgi", "minimal hand-rolled adapter, coroutine stepped"),
    "asgi/minimal-loop": ("asgi", "minimal hand-rolled adapter, run_until_complete"),
    "asgi/adapters": ("asgi", "LambdaHandler"),
    "asgi/adapters-nolog": ("asgi", "LambdaHandler, access_log=False"),
    "asgi/mangum": ("asgi", "Mangum, lifespan='off'"),
    "asgi/compat-mangum": ("asgi", "adapters.compat.Mangum, lifespan='off' (drop-in)"),
}
# Buffered against streamed, on a door that does both (a Function URL): the buffered
# result as the runtime sends it (JSON-encoded), and the whole stream as the adapters
# runtime sends it (prelude and body pieces, closed), with the default access log.
STREAMING: dict[str, tuple[str, str]] = {
    "wsgi/adapters-json": ("wsgi", "LambdaHandler, buffered result as JSON"),
    "wsgi/adapters-stream": ("wsgi", "LambdaHandler.invoke_streaming, the whole stream"),
    "asgi/adapters-json": ("asgi", "LambdaHandler, buffered result as JSON"),
    "asgi/adapters-stream": ("asgi", "LambdaHandler.invoke_streaming, the whole stream"),
}
STREAMING_SOURCE = "function-url"
# Implementations whose every call writes one access-log line to stdout.
LOGGING = frozenset({"wsgi/adapters", "asgi/adapters", *STREAMING})
# The overhead each ratio divides by, per interface.
REFERENCES = {
    "wsgi": {"apig-wsgi": "wsgi/apig-wsgi", "minimal": "wsgi/minimal"},
    "asgi": {"mangum": "asgi/mangum", "minimal": "asgi/minimal"},
}
# The runs whose C-level hot spots and Python call counts are reported in detail.
DETAIL = ("wsgi/adapters", "asgi/adapters")
DETAIL_SOURCE = "http"
MARKER = "getppid"


class Settings:
    """How much to run. The defaults keep a full run (every item twice) to a few minutes."""

    n1 = 100
    n2 = 300
    warmup = 20
    jobs = 2  # processes at a time (the counts do not depend on it)
    repeat = True  # every item measured twice, in separate processes
    profile_calls = 200  # calls under cProfile for the call counts
    sources: tuple[str, ...] = tuple(SOURCES)  # the events measured
    details = True  # C-level hot spots and Python call counts too
    ref: str | None = None  # measure `adapters/` at this git revision; None: the working tree

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            if not hasattr(Settings, name):
                raise TypeError(f"unknown setting {name!r}")
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        names = (
            "n1",
            "n2",
            "warmup",
            "jobs",
            "repeat",
            "profile_calls",
            "sources",
            "details",
            "ref",
        )
        return {name: getattr(self, name) for name in names}


# -- the apps and the events ---------------------------------------------------------------


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", RESPONSE_HEADERS)
    return [RESPONSE_BODY]


_ASGI_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(name.lower().encode(), value.encode()) for name, value in RESPONSE_HEADERS],
}
_ASGI_BODY = {"type": "http.response.body", "body": RESPONSE_BODY}


async def asgi_app(
    scope: dict[str, Any],
    receive: Callable[[], Any],
    send: Callable[[dict[str, Any]], Any],
) -> None:
    await send(_ASGI_START)
    await send(_ASGI_BODY)


def make_events() -> dict[str, Event]:
    """The events, built once per run (the only use of `build_event`)."""
    from adapters.events import build_event

    return {
        source: build_event(source, method="POST", path="/echo", headers=HEADERS, body=REQUEST_BODY)
        for source in [*SOURCES, STREAMING_SOURCE]
    }


# -- the measured callables (built in the child process) -----------------------------------


def make_call(impl: str, event: Event) -> Call:
    """A zero-argument callable that handles `event` once with implementation `impl`."""
    context = FakeContext()
    if impl == "wsgi/floor":
        return _wsgi_floor(event)
    if impl in ("asgi/floor", "asgi/floor-loop"):
        return _asgi_floor(event, loop=impl == "asgi/floor-loop")
    if impl.endswith(("/minimal", "/minimal-loop")):
        from . import minimal

        if impl == "wsgi/minimal":
            handler = minimal.wsgi_handler(wsgi_app)
        else:
            handler = minimal.asgi_handler(asgi_app, loop=impl == "asgi/minimal-loop")
        return lambda: handler(event, context)
    if impl in STREAMING:
        from adapters import LambdaHandler

        streaming = LambdaHandler(
            wsgi_app if impl.startswith("wsgi/") else asgi_app, response_mode="streaming"
        )
        if impl.endswith("-json"):
            return lambda: json.dumps(streaming(event, context)).encode()

        def stream() -> bytes:
            answer = streaming.invoke_streaming(event, context)
            try:
                return b"".join(answer)
            finally:
                answer.close()

        return stream
    if impl.endswith(("/adapters", "/adapters-nolog")):
        from adapters import LambdaHandler

        app: Any = wsgi_app if impl.startswith("wsgi/") else asgi_app
        lambda_handler = LambdaHandler(app, access_log=not impl.endswith("-nolog"))
        return lambda: lambda_handler(event, context)
    if impl == "wsgi/compat-apig-wsgi":
        from adapters.compat import make_lambda_handler

        drop_in = make_lambda_handler(wsgi_app, binary_support=True)
        return lambda: drop_in(event, context)
    if impl == "wsgi/compat-serverless-wsgi":
        from adapters.compat import serverless_wsgi as drop_in_module

        return lambda: drop_in_module.handle_request(wsgi_app, event, context)
    if impl == "asgi/compat-mangum":
        from adapters.compat import Mangum

        compat_mangum = Mangum(asgi_app, lifespan="off")
        return lambda: compat_mangum(event, context)
    if impl == "wsgi/apig-wsgi":
        import apig_wsgi

        apig = apig_wsgi.make_lambda_handler(wsgi_app, binary_support=True)
        return lambda: apig(event, context)
    if impl == "wsgi/serverless-wsgi":
        import serverless_wsgi  # type: ignore[import-untyped]

        handle = serverless_wsgi.handle_request
        return lambda: handle(wsgi_app, event, context)
    if impl == "asgi/mangum":
        import asyncio

        import mangum

        asyncio.set_event_loop(asyncio.new_event_loop())  # Mangum asks for the current loop
        asgi: Any = asgi_app
        mangum_handler = mangum.Mangum(asgi, lifespan="off")
        lambda_context: Any = context
        return lambda: mangum_handler(event, lambda_context)
    raise ValueError(f"unknown implementation {impl!r}")


def _wsgi_floor(event: Event) -> Call:
    from io import BytesIO

    from .minimal import Parsed, build_environ

    environ = build_environ(event)
    body = Parsed(event).body

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        return None

    def call() -> tuple[str, bytes]:
        env = dict(environ)
        env["wsgi.input"] = BytesIO(body)
        result = wsgi_app(env, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return "200", payload

    return call


def _asgi_floor(event: Event, loop: bool) -> Call:
    from .minimal import build_scope

    scope, body = build_scope(event)
    request = {"type": "http.request", "body": body, "more_body": False}

    def call() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return request

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        coro = asgi_app(dict(scope), receive, send)
        try:
            while True:
                coro.send(None)
        except StopIteration:
            pass
        return sent

    if not loop:
        return call

    import asyncio

    event_loop = asyncio.new_event_loop()
    asyncio.set_event_loop(event_loop)

    def on_loop() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return request

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        event_loop.run_until_complete(asgi_app(dict(scope), receive, send))
        return sent

    return on_loop


def outcome(impl: str, result: Any) -> tuple[int, bytes]:
    """(status, body) from whatever the implementation returned."""
    if impl.endswith("-stream"):
        head, _, body = result.partition(b"\x00" * 8)
        return int(json.loads(head)["statusCode"]), body
    if impl.endswith("-json"):
        result = json.loads(result)
    if impl == "wsgi/floor":
        return int(result[0]), bytes(result[1])
    if impl.startswith("asgi/floor"):
        start, *rest = result
        return int(start["status"]), b"".join(message.get("body", b"") for message in rest)
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        from binascii import a2b_base64

        return int(result["statusCode"]), a2b_base64(body)
    return int(result["statusCode"]), body.encode("utf-8")


# -- the child process ---------------------------------------------------------------------


def _child(argv: list[str]) -> int:
    """`--child MODE IMPL SOURCE EVENTS_JSON [args]`: one measured item (see the docstring);
    `--child events - - EVENTS_JSON` writes the events."""
    mode, impl, source, events_path, *rest = argv
    if mode == "events":
        with open(events_path, "w") as file:
            json.dump(make_events(), file)
        return 0
    with open(events_path) as file:
        event: Event = json.load(file)[source]
    call = make_call(impl, event)
    if mode == "verify":
        import adapters

        calls = int(rest[0])
        for _ in range(calls):
            status, body = outcome(impl, call())
            if status != 200 or body != RESPONSE_BODY:
                print(f"{impl} on {source}: {status} {body!r}", file=sys.stderr)
                return 1
        sys.stdout.flush()
        print(json.dumps({"adapters": adapters.__file__}), file=sys.stderr)
        return 0
    if mode == "measure":
        import gc

        n1, n2, warmup = (int(value) for value in rest)
        for _ in range(warmup):
            call()
        gc.collect()
        gc.freeze()
        marker = os.getppid
        marker()
        for _ in range(n1):
            call()
        marker()
        for _ in range(n2):
            call()
        marker()
        return 0
    if mode == "profile":
        import cProfile
        import pstats

        calls, out = int(rest[0]), rest[1]
        for _ in range(20):
            call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            call()
        profiler.disable()
        rows = []
        stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        for (filename, line, name), (_, ncalls, tottime, cumtime, _) in stats.items():
            if filename == __file__ or name == "<method 'disable' of '_lsprof.Profiler' objects>":
                continue  # the harness's own closures and the profiler
            rows.append([filename, line, name, ncalls, tottime, cumtime])
        with open(out, "w") as file:
            json.dump({"calls": calls, "rows": rows}, file)
        return 0
    raise ValueError(f"unknown child mode {mode!r}")


# -- the parent ----------------------------------------------------------------------------


class Job:
    """One callgrind process: an implementation on an event, in run 1 or 2 (the repeat)."""

    def __init__(self, impl: str, source: str, run: int) -> None:
        self.impl = impl
        self.source = source
        self.run = run

    @property
    def name(self) -> str:
        return f"{self.impl.replace('/', '-')}.{self.source}.{self.run}"


class Workspace:
    """A temporary directory with the package snapshot, the events and the callgrind files."""

    def __init__(self, root: Path, ref: str | None) -> None:
        import shutil
        from pathlib import Path

        self.root = root
        self.src = root / "src"
        if ref is None:
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(Path(REPO) / "adapters", self.src / "adapters", ignore=ignore)
        else:
            _extract(ref, "adapters", self.src)
        (self.src / "bench").mkdir()
        (self.src / "bench" / "__init__.py").write_text("")
        for name in ("instructions.py", "minimal.py", "requests.py"):
            shutil.copy2(Path(__file__).with_name(name), self.src / "bench" / name)
        self.events = root / "events.json"
        self.out = root / "callgrind"
        self.out.mkdir()
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LC_ALL": "C.UTF-8",
            "PYTHONHASHSEED": "0",
            "PYTHONPYCACHEPREFIX": str(root / "pycache"),
            "HOME": str(root),
        }

    def command(self, mode: str, impl: str, source: str, *args: str) -> list[str]:
        return [
            sys.executable, "-m", "bench.instructions", "--child", mode, impl, source,
            str(self.events), *args,
        ]  # fmt: skip


def _resolve(ref: str) -> str:
    """The commit a git revision names."""
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        raise RuntimeError("measuring a git revision needs git")
    done = subprocess.run(  # noqa: S603 (git found on PATH, fixed arguments)
        [git, "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def _extract(ref: str, folder: str, destination: Path) -> None:
    """`folder` as it is at git revision `ref`, written under `destination`."""
    import io
    import shutil
    import subprocess
    import tarfile

    git = shutil.which("git")
    if git is None:
        raise RuntimeError("measuring a git revision needs git")
    archive = subprocess.run(  # noqa: S603 (git found on PATH, fixed arguments)
        [git, "archive", "--format=tar", ref, folder], cwd=REPO, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")


def _run(command: list[str], workspace: Workspace, stdout: int | None = None) -> Any:
    import subprocess

    return subprocess.run(  # noqa: S603 (this interpreter or valgrind, fixed arguments)
        command,
        cwd=workspace.src,
        env=workspace.env,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=900,
        check=False,
    )


def verify(impl: str, source: str, workspace: Workspace) -> str:
    """Run the item natively: right answer, the access log as expected; returns the path
    `adapters` was imported from. Also compiles every module into the shared bytecode cache."""
    import subprocess

    calls = 3
    done = _run(workspace.command("verify", impl, source, str(calls)), workspace, subprocess.PIPE)
    if done.returncode != 0:
        raise RuntimeError(f"{impl} on {source} failed: {done.stderr.strip()[-2000:]}")
    lines = done.stdout.count("\n")
    expected = calls if impl in LOGGING else 0
    if lines != expected:
        raise RuntimeError(f"{impl} on {source}: {lines} stdout lines, expected {expected}")
    return str(json.loads(done.stderr.strip().splitlines()[-1])["adapters"])


def callgrind_parts(path: Path) -> list[int]:
    """The instruction totals of the marker-triggered dumps `path.1`, `path.2`, ..."""
    parts: list[int] = []
    index = 1
    while (part := path.with_name(f"{path.name}.{index}")).exists():
        text = part.read_text(errors="replace")
        if f"--dump-before={MARKER}" not in text:
            raise RuntimeError(f"{part} was not written by the marker")
        totals = [line for line in text.splitlines() if line.startswith(("totals:", "summary:"))]
        parts.append(int(totals[0].split()[1]))
        index += 1
    return parts


def measure(job: Job, workspace: Workspace, settings: Settings, valgrind: str) -> dict[str, Any]:
    out = workspace.out / f"{job.name}.out"
    command = [
        valgrind, "--tool=callgrind", "-q", f"--callgrind-out-file={out}",
        f"--dump-before={MARKER}", "--dump-instr=no",
        *workspace.command(
            "measure", job.impl, job.source, str(settings.n1), str(settings.n2),
            str(settings.warmup),
        ),
    ]  # fmt: skip
    done = _run(command, workspace)
    if done.returncode != 0:
        raise RuntimeError(f"{job.name}: valgrind exited {done.returncode}: {done.stderr[-2000:]}")
    parts = callgrind_parts(out)
    if len(parts) != 3:
        raise RuntimeError(f"{job.name}: {len(parts)} marker dumps, expected 3")
    _, first, second = parts
    per_call = (second - first) / (settings.n2 - settings.n1)
    return {
        "per_call": per_call,
        "n1_total": first,
        "n2_total": second,
        # What the n1 segment holds beyond n1 calls: the marker and the loop set-up.
        "fixed": round(first - settings.n1 * per_call),
        "file": str(out),
    }


def _spread(values: Iterable[float]) -> float:
    """(largest - smallest) as a percentage of the mean magnitude."""
    values = list(values)
    mean = sum(abs(value) for value in values) / len(values)
    return 0.0 if mean == 0 else 100.0 * (max(values) - min(values)) / mean


def run(log: Log, settings: Settings | None = None) -> dict[str, Any]:
    """Measure every implementation on every event; a JSON-able dict of the results."""
    import platform
    import shutil
    import subprocess
    import tempfile
    import time
    from pathlib import Path

    settings = settings or Settings()
    started = time.perf_counter()
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return {"skipped": "valgrind is not installed"}
    version = subprocess.run(  # noqa: S603 (valgrind found on PATH, fixed arguments)
        [valgrind, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    # A name such as HEAD is resolved once: commits made during the run do not change it.
    commit = None if settings.ref is None else _resolve(settings.ref)
    results: dict[str, Any] = {
        "method": {
            "description": "callgrind instruction counts; per call = (I(n2 calls) - I(n1 calls))"
            " / (n2 - n1) between marker dumps in one process",
            **settings.as_dict(),
            "valgrind": version,
            "python": platform.python_version(),
            "repo": _git_state(),
            "adapters_measured": "working tree" if commit is None else f"{settings.ref} ({commit})",
        },
        "events": {},
        "implementations": {key: label for key, (_, label) in IMPLEMENTATIONS.items()},
    }
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp:
        workspace = Workspace(Path(tmp), commit)
        done = _run(workspace.command("events", "-", "-"), workspace)
        if done.returncode != 0:
            raise RuntimeError(f"building the events failed: {done.stderr[-2000:]}")
        events = json.loads(workspace.events.read_text())
        results["events"] = {
            source: {"label": SOURCES[source], "event_json_bytes": len(json.dumps(events[source]))}
            for source in settings.sources
        }
        log("instructions: checking every implementation natively")
        phases: dict[str, float] = {}
        phase = time.perf_counter()
        pairs = [(impl, source) for source in settings.sources for impl in IMPLEMENTATIONS]
        imported = _parallel(lambda pair: verify(pair[0], pair[1], workspace), pairs, settings.jobs)
        results["method"]["adapters_imported_from"] = sorted(
            {path.replace(tmp, "<snapshot>") for path in imported}
        )
        phases["verify"], phase = time.perf_counter() - phase, time.perf_counter()
        runs = (1, 2) if settings.repeat else (1,)
        # The slow ones first, so the two workers finish together.
        jobs = [Job(impl, source, number) for number in runs for impl, source in pairs]
        jobs.sort(key=lambda job: (job.run, "serverless" not in job.impl, "mangum" not in job.impl))
        log(
            f"instructions: {len(jobs)} callgrind processes, {settings.jobs} at a time "
            f"(warm-up {settings.warmup}, n1 {settings.n1}, n2 {settings.n2})"
        )
        measured: dict[str, dict[str, Any]] = {}

        def one(job: Job) -> None:
            measured[job.name] = measure(job, workspace, settings, valgrind)
            log(f"  {job.name}: {measured[job.name]['per_call']:,.0f} instructions per call")

        streaming = [(impl, STREAMING_SOURCE) for impl in STREAMING]
        _parallel(lambda pair: verify(pair[0], pair[1], workspace), streaming, settings.jobs)
        jobs += [Job(impl, source, number) for number in runs for impl, source in streaming]
        _parallel(one, jobs, settings.jobs)
        phases["callgrind"], phase = time.perf_counter() - phase, time.perf_counter()
        results["streaming"] = _summarise_streaming(measured, runs)
        results["results"] = _summarise(measured, runs, settings.sources)
        results["spread"] = _overall_spread(results["results"])
        if settings.details and DETAIL_SOURCE in settings.sources:
            log("instructions: C-level hot spots and Python call counts")
            results.update(_details(measured, workspace, settings, tmp))
            phases["hotspots and call counts"] = time.perf_counter() - phase
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    results["phase_seconds"] = {name: round(value, 1) for name, value in phases.items()}
    return results


def _details(
    measured: dict[str, dict[str, Any]], workspace: Workspace, settings: Settings, tmp: str
) -> dict[str, Any]:
    from pathlib import Path

    return {
        "hotspots": {
            impl: hotspots(Path(measured[Job(impl, DETAIL_SOURCE, 1).name]["file"]), settings)
            for impl in DETAIL
        },
        "call_counts": call_counts(workspace, settings, tmp),
    }


def _parallel(function: Callable[[Any], Any], items: Iterable[Any], workers: int) -> list[Any]:
    """`function` over `items`, `workers` at a time (each runs a process), results in order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(function, items))


def _git_state() -> dict[str, Any]:
    import shutil
    import subprocess

    executable = shutil.which("git")

    def git(*args: str) -> str:
        if executable is None:
            return ""
        done = subprocess.run(  # noqa: S603 (git found on PATH, fixed arguments)
            [executable, *args], cwd=REPO, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "adapters_dirty": bool(git("status", "--porcelain", "--", "adapters")),
    }


def _summarise_streaming(
    measured: dict[str, dict[str, Any]], runs: tuple[int, ...]
) -> dict[str, Any]:
    """Per interface: the buffered and the streamed answer, and what streaming adds."""
    rows: dict[str, Any] = {}
    for interface in ("wsgi", "asgi"):
        per_call = {
            kind: round(
                sum(
                    measured[Job(f"{interface}/adapters-{kind}", STREAMING_SOURCE, n).name][
                        "per_call"
                    ]
                    for n in runs
                )
                / len(runs)
            )
            for kind in ("json", "stream")
        }
        rows[interface] = {
            "buffered_instructions_per_call": per_call["json"],
            "streamed_instructions_per_call": per_call["stream"],
            "streaming_adds_pct": round(100 * (per_call["stream"] / per_call["json"] - 1), 1),
        }
    return rows


def _summarise(
    measured: dict[str, dict[str, Any]], runs: tuple[int, ...], sources: Iterable[str]
) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for source in sources:
        rows: dict[str, Any] = {}
        for impl, (interface, label) in IMPLEMENTATIONS.items():
            passes = [measured[Job(impl, source, number).name] for number in runs]
            values = [item["per_call"] for item in passes]
            rows[impl] = {
                "label": label,
                "interface": interface,
                "instructions_per_call": round(sum(values) / len(values)),
                "runs": [round(value) for value in values],
                "spread_pct": round(_spread(values), 3),
                "fixed": [item["fixed"] for item in passes],
            }
        for impl, row in rows.items():
            interface = row["interface"]
            floor = rows[f"{interface}/floor"]
            if impl.startswith(f"{interface}/floor"):
                continue
            row["overhead"] = row["instructions_per_call"] - floor["instructions_per_call"]
            row["overhead_runs"] = [
                mine - base for mine, base in zip(row["runs"], floor["runs"], strict=True)
            ]
            row["overhead_spread_pct"] = round(_spread(row["overhead_runs"]), 3)
            if interface == "asgi":
                loop_floor = rows["asgi/floor-loop"]["instructions_per_call"]
                row["overhead_vs_loop_floor"] = row["instructions_per_call"] - loop_floor
        for row in rows.values():
            if "overhead" not in row:
                continue
            for name, reference in REFERENCES[row["interface"]].items():
                base = rows[reference]["overhead"]
                row[f"ratio_vs_{name}"] = round(row["overhead"] / base, 3) if base else None
        summary[source] = rows
    return summary


def _overall_spread(summary: dict[str, Any]) -> dict[str, Any]:
    rows = [row for source in summary.values() for row in source.values()]
    worst = max(rows, key=lambda row: row["spread_pct"])
    overheads = [row for row in rows if "overhead_spread_pct" in row]
    worst_overhead = max(overheads, key=lambda row: row["overhead_spread_pct"])
    return {
        "max_instructions_spread_pct": worst["spread_pct"],
        "max_overhead_spread_pct": worst_overhead["overhead_spread_pct"],
        "max_abs_difference": max(max(row["runs"]) - min(row["runs"]) for row in rows),
    }


def _annotate(annotate: str, path: Path) -> dict[str, tuple[int, str]]:
    """Self instructions per C function in one callgrind dump: name -> (count, object).

    A dump taken while the program runs lists every function then on the call stack with
    the dump's whole total; those are dropped (what remains adds up to the total). Names
    are merged over source files (inlined header functions) and recursion levels ("'2").
    """
    import re
    import subprocess

    done = subprocess.run(  # noqa: S603 (callgrind_annotate found on PATH, fixed arguments)
        [annotate, "--inclusive=no", "--threshold=100", "--auto=no", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    row = re.compile(r"^\s*([\d,]+)\s+(?:\([\s\d.]+%\)\s+)?(\S.*)$")
    program = 0
    costs: dict[str, tuple[int, str]] = {}
    for line in done.stdout.splitlines():
        match = row.match(line)
        if match is None:
            continue
        count, what = int(match.group(1).replace(",", "")), match.group(2).strip()
        if what.startswith("PROGRAM TOTALS"):
            program = count
            continue
        if count == program:
            continue  # on the stack when the dump was taken
        shared = ""
        if what.endswith("]"):
            what, _, shared = what[:-1].rpartition(" [")
        function = re.sub(r"'\d+$", "", what.rpartition(":")[2])
        before, known = costs.get(function, (0, ""))
        costs[function] = (before + count, known or shared.rpartition("/")[2])
    return costs


def hotspots(out: Path, settings: Settings, top: int = 20) -> Any:
    """The C functions with the most self instructions per call, by the same differencing."""
    import shutil

    annotate = shutil.which("callgrind_annotate")
    if annotate is None:
        return {"skipped": "callgrind_annotate is not installed"}
    first = _annotate(annotate, out.with_name(f"{out.name}.2"))
    second = _annotate(annotate, out.with_name(f"{out.name}.3"))
    span = settings.n2 - settings.n1
    per_call: dict[str, float] = {}
    objects: dict[str, str] = {}
    for name in set(first) | set(second):
        low, high = first.get(name, (0, "")), second.get(name, (0, ""))
        per_call[name] = (high[0] - low[0]) / span
        objects[name] = high[1] or low[1] or "?"
    total = sum(per_call.values())
    by_object: dict[str, float] = {}
    for name, value in per_call.items():
        by_object[objects[name]] = by_object.get(objects[name], 0.0) + value
    ranked = sorted(per_call.items(), key=lambda item: -item[1])[:top]
    return {
        "instructions_per_call": round(total),
        "functions": [
            {
                "function": name,
                "object": objects[name],
                "per_call": round(value),
                "share": round(value / total, 4),
            }
            for name, value in ranked
        ],
        "by_object": {
            name: round(value)
            for name, value in sorted(by_object.items(), key=lambda item: -item[1])
            if value >= 0.005 * total
        },
    }


def call_counts(workspace: Workspace, settings: Settings, tmp: str, top: int = 30) -> Any:
    """Function calls per invocation under cProfile (natively), per implementation and event."""
    pairs = [
        (impl, source) for source in SOURCES for impl in IMPLEMENTATIONS if "/floor" not in impl
    ]

    def profile(pair: tuple[str, str]) -> dict[str, Any]:
        impl, source = pair
        out = workspace.root / f"profile-{impl.replace('/', '-')}-{source}.json"
        command = workspace.command("profile", impl, source, str(settings.profile_calls), str(out))
        done = _run(command, workspace)
        if done.returncode != 0:
            raise RuntimeError(f"profiling {impl} on {source}: {done.stderr[-2000:]}")
        data = json.loads(out.read_text())
        return _profile_summary(data, tmp, detail=impl in DETAIL, top=top)

    summaries = _parallel(profile, pairs, settings.jobs)
    return {
        f"{impl} {source}": summary
        for (impl, source), summary in zip(pairs, summaries, strict=True)
    }


def _profile_summary(data: dict[str, Any], tmp: str, detail: bool, top: int) -> dict[str, Any]:
    calls = data["calls"]
    python_calls = builtin_calls = 0.0
    by_package: dict[str, float] = {}
    python: list[tuple[str, float, float]] = []
    builtins: list[tuple[str, float, float]] = []
    for filename, line, name, ncalls, tottime, _ in data["rows"]:
        per, microseconds = ncalls / calls, 1e6 * tottime / calls
        if filename == "~":
            builtin_calls += per
            builtins.append((name, per, microseconds))
            continue
        python_calls += per
        package, path = _package(filename, tmp)
        by_package[package] = by_package.get(package, 0.0) + per
        python.append((f"{path}:{line}({name})", per, microseconds))
    summary: dict[str, Any] = {
        "python_calls": round(python_calls, 1),
        "builtin_calls": round(builtin_calls, 1),
        "python_calls_by_package": {
            name: round(value, 1) for name, value in sorted(by_package.items(), key=lambda i: -i[1])
        },
    }
    if detail:
        for key, rows in (("python_functions", python), ("builtins", builtins)):
            rows.sort(key=lambda item: (-item[1], -item[2]))
            summary[key] = [
                {"function": label, "calls": round(per, 2), "tottime_us": round(us, 2)}
                for label, per, us in rows[:top]
            ]
    return summary


def _package(filename: str, tmp: str) -> tuple[str, str]:
    """(package, short path) for a profiled file: the snapshot, site-packages or stdlib."""
    path = filename.replace("\\", "/")
    snapshot = f"{tmp}/src/"
    if path.startswith(snapshot):
        short = path[len(snapshot) :]
    elif "/site-packages/" in path:
        short = path.rpartition("/site-packages/")[2]
    elif "/lib/python" in path:
        short = "stdlib/" + path.rpartition("/lib/python")[2].partition("/")[2]
    else:
        short = path
    head = short.split("/")[0]
    if head == "stdlib":
        head = "stdlib/" + short.split("/")[1].removesuffix(".py")
    return head.removesuffix(".py"), short


# -- the table -----------------------------------------------------------------------------


def _streaming_lines(streaming: dict[str, Any] | None) -> list[str]:
    if not streaming:
        return []
    lines = [
        "",
        "Lambda Function URL, buffered vs streamed (with the runtime's share: the JSON "
        "encoding of a buffered result, the join of a stream)",
    ]
    for interface, row in streaming.items():
        lines.append(
            f"  {interface.upper()}: buffered {row['buffered_instructions_per_call']:,}, "
            f"streamed {row['streamed_instructions_per_call']:,} "
            f"({row['streaming_adds_pct']:+.1f}%)"
        )
    return lines


def render_table(results: dict[str, Any]) -> str:
    if "skipped" in results:
        return f"instructions: skipped ({results['skipped']})"
    method = results["method"]
    lines = [
        f"Instructions per call under callgrind ({method['valgrind']}, Python {method['python']}"
        f"; per call = (I({method['n2']}) - I({method['n1']})) / {method['n2'] - method['n1']}"
        f", after {method['warmup']} warm-up calls). Overhead = per call - floor."
    ]
    for source, rows in results["results"].items():
        for interface, references in REFERENCES.items():
            lines.append("")
            lines.append(f"{SOURCES[source]}, bare {interface.upper()} app")
            names = list(references)
            header = f"{'implementation':58} {'instr/call':>10} {'overhead':>9}"
            if interface == "asgi":
                header += f" {'vs loop':>8}"
            header += "".join(f" {'/' + name:>10}" for name in names) + f" {'spread':>7}"
            lines.append(header)
            for row in rows.values():
                if row["interface"] != interface:
                    continue
                text = f"{row['label'][:58]:58} {row['instructions_per_call']:>10,}"
                if "overhead" in row:
                    text += f" {row['overhead']:>9,}"
                    if interface == "asgi":
                        text += f" {row['overhead_vs_loop_floor']:>8,}"
                    for name in names:
                        ratio = row.get(f"ratio_vs_{name}")
                        text += f" {ratio:>9.2f}x" if ratio is not None else f" {'-':>10}"
                else:
                    text += f" {'-':>9}" + (f" {'-':>8}" if interface == "asgi" else "")
                    text += "".join(f" {'':>10}" for _ in names)
                text += f" {row['spread_pct']:>6.2f}%"
                lines.append(text)
    lines.extend(_streaming_lines(results.get("streaming")))
    spread = results["spread"]
    lines.append("")
    lines.append(
        f"Two identical runs: largest spread {spread['max_instructions_spread_pct']:.3f}% of "
        f"instructions per call ({spread['max_abs_difference']:,} instructions), "
        f"{spread['max_overhead_spread_pct']:.3f}% of an overhead. "
        f"Wall time {results.get('wall_seconds', '?')} s ("
        + ", ".join(f"{name} {value} s" for name, value in results.get("phase_seconds", {}).items())
        + ")."
    )
    for impl, spots in results.get("hotspots", {}).items():
        lines.append("")
        if "skipped" in spots:
            lines.append(f"hot spots of {impl}: skipped ({spots['skipped']})")
            continue
        lines.append(
            f"C-level hot spots, {impl} on {SOURCES[DETAIL_SOURCE]} "
            f"({spots['instructions_per_call']:,} instructions per call, self cost)"
        )
        for item in spots["functions"][:15]:
            lines.append(
                f"  {item['per_call']:>8,} {100 * item['share']:5.1f}%  {item['function']}"
                f" [{item['object']}]"
            )
        objects = ", ".join(f"{name} {value:,}" for name, value in spots["by_object"].items())
        lines.append(f"  by object: {objects}")
    counts = results.get("call_counts", {})
    if counts:
        lines.append("")
        lines.append("Calls per invocation (cProfile): Python functions + C functions/methods")
        for key, summary in counts.items():
            packages = ", ".join(
                f"{name} {value:g}"
                for name, value in list(summary["python_calls_by_package"].items())[:4]
            )
            lines.append(
                f"  {key:28} {summary['python_calls']:>6g} + {summary['builtin_calls']:>5g}"
                f"   ({packages})"
            )
        for key, summary in counts.items():
            if "python_functions" not in summary:
                continue
            lines.append("")
            lines.append(f"Python functions per invocation, {key} (calls, tottime us)")
            for item in summary["python_functions"]:
                lines.append(
                    f"  {item['calls']:>6g} {item['tottime_us']:>7.2f}  {item['function']}"
                )
            builtins = ", ".join(
                f"{item['function']} {item['calls']:g}" for item in summary["builtins"][:12]
            )
            lines.append(f"  C calls: {builtins}")
    return "\n".join(lines)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child(argv[1:])
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--n1", type=int, default=Settings.n1)
    parser.add_argument("--n2", type=int, default=Settings.n2)
    parser.add_argument("--warmup", type=int, default=Settings.warmup)
    parser.add_argument("--jobs", type=int, default=Settings.jobs, help="processes at a time")
    parser.add_argument("--once", action="store_true", help="measure each item once, not twice")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--ref", help="measure adapters/ as committed at this git revision (default: working tree)"
    )
    args = parser.parse_args(argv)
    settings = Settings(
        n1=args.n1,
        n2=args.n2,
        warmup=args.warmup,
        jobs=args.jobs,
        repeat=not args.once,
        ref=args.ref,
    )
    results = run(_log, settings)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(render_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
