"""Where `LambdaHandler`'s per-invocation time goes: `python -m bench.profile`.

A manual breakdown of one invocation into the steps `LambdaHandler.__call__` takes, each
timed alone on the same HTTP API 2.0 event (POST /echo, small JSON body) the main
benchmark uses, for Starlette and Flask; then cProfile's top functions over many calls.
Findings are written up in bench/PROFILE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
from collections.abc import Callable, Sequence
from time import perf_counter, perf_counter_ns
from typing import Any

from adapters import LambdaHandler
from adapters.access_log import access_record
from adapters.asgi import build_scope, run_asgi
from adapters.handler import checked
from adapters.paths import decode_path
from adapters.sources import detect_source
from adapters.wsgi import build_environ, run_wsgi

from .apps import make_flask, make_starlette
from .invocation import (
    HEADERS,
    SMALL_BODY,
    FakeContext,
    asgi_direct,
    asgi_scope,
    quiet_stdout,
    wsgi_direct,
)


def per_call_us(call: Callable[[], Any], number: int, repeat: int) -> float:
    """The median over `repeat` batches of the mean per-call time, in microseconds."""
    for _ in range(max(10, number // 10)):
        call()
    samples = []
    for _ in range(repeat):
        started = perf_counter_ns()
        for _ in range(number):
            call()
        samples.append((perf_counter_ns() - started) / number / 1000)
    return statistics.median(samples)


def breakdown(framework: str, number: int, repeat: int) -> list[tuple[str, float]]:  # noqa: PLR0915
    from adapters.events import build_event

    body = SMALL_BODY.encode("utf-8")
    headers = [*HEADERS, ("Content-Type", "application/json")]
    event = build_event("http", method="POST", path="/echo", headers=headers, body=body)
    context = FakeContext()
    app: Any = make_starlette() if framework == "starlette" else make_flask()
    handler = LambdaHandler(app)
    quiet = LambdaHandler(app, access_log=False)
    handler(event, context)  # lifespan startup, first-call set-up
    quiet(event, context)
    source = detect_source(event)
    request = source.parse(event, context)
    rows: list[tuple[str, float]] = []

    def timed(name: str, call: Callable[[], Any]) -> None:
        rows.append((name, per_call_us(call, number, repeat)))

    timed("handler(event, context), whole call", lambda: handler(event, context))
    timed("handler, access_log=False", lambda: quiet(event, context))
    timed("detect_source(event)", lambda: detect_source(event))
    timed("source.parse(event, context)", lambda: source.parse(event, context))
    if framework == "starlette":
        interface: Any = handler._run
        loop: asyncio.AbstractEventLoop = interface.loop
        state = interface.lifespan.state
        scope = build_scope(request, state)
        timed("build_scope(request, state)", lambda: build_scope(request, state))
        timed(
            "loop.run_until_complete(run_asgi(app, scope, body))",
            lambda: loop.run_until_complete(run_asgi(app, dict(scope), request.body)),
        )

        async def nothing() -> None:
            return None

        timed(
            "  of which: loop.run_until_complete(<empty coroutine>)",
            lambda: loop.run_until_complete(nothing()),
        )
        direct_scope = asgi_scope("POST", "/echo", headers, body)
        timed(
            "  floor: Starlette driven directly on the loop",
            asgi_direct(app, loop, direct_scope, body),
        )
        response = loop.run_until_complete(run_asgi(app, dict(scope), request.body))
    else:
        environ = build_environ(request)
        timed("build_environ(request)", lambda: build_environ(request))
        timed("run_wsgi(app, environ)", lambda: run_wsgi(app, build_environ(request)))
        rows[-1] = (
            "run_wsgi(app, build_environ(request)) - build_environ",
            rows[-1][1] - rows[-2][1],
        )
        timed(
            "  floor: Flask called with a prebuilt environ",
            wsgi_direct(app, "POST", "/echo", headers, body),
        )
        response = run_wsgi(app, environ)
    timed("checked(request, response)", lambda: checked(request, response))
    timed(
        "handler._render(source, response, event)", lambda: handler._render(source, response, event)
    )
    started = perf_counter()
    emit = handler._emit_access
    assert emit is not None
    timed(
        "access log: handler._log_access (the line, formatted, and its write)",
        lambda: handler._log_access(
            emit,
            source,
            request,
            response,
            started,
            context,
        ),
    )

    def record() -> dict[str, Any]:
        return access_record(
            source=source.name,
            method=request.method,
            path=decode_path(request.raw_path).decode("utf-8", "replace"),
            status=response.status,
            duration=perf_counter() - started,
            request_id=getattr(context, "aws_request_id", None),
            cold_start=False,
        )

    the_record = record()
    timed("  of which: access_record(...) + decode_path", record)
    timed(
        "  of which: json.dumps(record, separators=(',', ':'))",
        lambda: json.dumps(the_record, separators=(",", ":")),
    )
    encoder = json.JSONEncoder(separators=(",", ":"))
    timed("  compare: a reused JSONEncoder(...).encode(record)", lambda: encoder.encode(the_record))
    line = json.dumps(the_record, separators=(",", ":")) + "\n"
    timed("  of which: sys.stdout.write(line) (to /dev/null)", lambda: sys.stdout.write(line))
    timed("  compare: perf_counter() x2", lambda: (perf_counter(), perf_counter()))
    return rows


def cprofile_top(framework: str, calls: int, limit: int) -> str:
    from adapters.events import build_event

    body = SMALL_BODY.encode("utf-8")
    headers = [*HEADERS, ("Content-Type", "application/json")]
    event = build_event("http", method="POST", path="/echo", headers=headers, body=body)
    context = FakeContext()
    app = make_starlette() if framework == "starlette" else make_flask()
    handler = LambdaHandler(app)
    for _ in range(50):
        handler(event, context)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        handler(event, context)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--number", type=int, default=400, help="calls per batch")
    parser.add_argument("--repeat", type=int, default=15, help="batches (median taken)")
    parser.add_argument("--cprofile-calls", type=int, default=3000)
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args(argv)
    report: list[str] = []
    for framework in ("starlette", "flask"):
        with quiet_stdout():
            rows = breakdown(framework, args.number, args.repeat)
        report.append(f"== {framework}: HTTP API 2.0, POST /echo, {len(SMALL_BODY)} B JSON ==")
        width = max(len(name) for name, _ in rows)
        report.extend(f"{name.ljust(width)}  {value:8.2f} us" for name, value in rows)
        report.append("")
    if not args.no_cprofile:
        for framework in ("starlette", "flask"):
            with quiet_stdout():
                text = cprofile_top(framework, args.cprofile_calls, 25)
            report.append(f"== cProfile, {framework}, {args.cprofile_calls} calls ==")
            report.append(text)
    print("\n".join(report))
    print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
