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
import os
import pstats
import statistics
import sys
from collections.abc import Callable, Sequence
from time import perf_counter, perf_counter_ns
from typing import Any

from adapters import LambdaHandler
from adapters.sources import detect_source

from .apps import make_flask, make_starlette
from .invocation import (
    SMALL_BODY,
    asgi_direct,
    asgi_scope,
    quiet_stdout,
    wsgi_direct,
)
from .requests import HEADERS, FakeContext


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


def breakdown(framework: str, number: int, repeat: int) -> list[tuple[str, float]]:
    """Each step `LambdaHandler.__call__` takes, timed alone through the handler's own
    objects (its source, runner and driver), so the breakdown cannot drift from the code."""
    from adapters.testing import build_event

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

    def respond() -> Any:
        return handler._run(handler.runner.respond(source.parse(event, context)))

    timed("handler(event, context), whole call", lambda: handler(event, context))
    timed("handler, access_log=False", lambda: quiet(event, context))
    timed("detect_source(event)", lambda: detect_source(event))
    timed("source.parse(event, context)", lambda: source.parse(event, context))
    timed("runner.respond(request), driven as the handler does", respond)
    rows[-1] = (rows[-1][0] + " - parse", rows[-1][1] - rows[-2][1])
    if framework == "starlette":
        loop = asyncio.new_event_loop()
        direct_scope = asgi_scope("POST", "/echo", headers, body)
        timed(
            "  floor: Starlette driven directly on a loop",
            asgi_direct(app, loop, direct_scope, body),
        )
    else:
        timed(
            "  floor: Flask called with a prebuilt environ",
            wsgi_direct(app, "POST", "/echo", headers, body),
        )
    response = respond()
    timed(
        "handler._render(source, response, event)", lambda: handler._render(source, response, event)
    )
    started = perf_counter()
    emit = handler._emit_access
    assert emit is not None
    timed(
        "access log: handler._log_access (the line, formatted, and its write)",
        lambda: handler._log_access(emit, source, request, response, started, context),
    )
    return rows


def cprofile_top(framework: str, calls: int, limit: int) -> str:
    from adapters.testing import build_event

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
