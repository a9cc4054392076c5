"""Per-invocation time: the same apps and the same events through every implementation.

Each implementation is a zero-argument callable that handles one prebuilt event. For one
event, all implementations are timed in rounds; in each round every implementation runs
one batch of calls, in an order that rotates from round to round so slow drift (CPU
frequency, caches, other processes) spreads over all of them. A sample is the mean time
per call of one batch (`perf_counter_ns` around the batch); the report gives the median
and the 90th percentile of those samples in microseconds.

The floors are the apps called directly: an ASGI app driven on one event loop with a
minimal receive/send and a prebuilt scope, a WSGI app called with a prebuilt environ.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import io
import json
import os
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import Any

from adapters import LambdaHandler
from adapters.events import build_event

from .apps import make_fastapi, make_flask, make_starlette
from .requests import HEADERS, FakeContext

Call = Callable[[], Any]
Outcome = tuple[int, bytes]

SMALL_BODY = json.dumps({"title": "Shopping", "body": "milk, eggs, bread", "tags": ["home"]})
LARGE_BODY_SIZE = 1024 * 1024
# ALB refuses a Lambda response over 1 MB (LambdaHandler answers such a response with a
# 500, as ALB would fail it); 700 KiB is the largest round size whose base64 echo fits.
ALB_LARGE_BODY_SIZE = 700 * 1024

SOURCES = {"http": "HTTP API 2.0", "rest": "REST 1.0", "alb": "ALB"}


@dataclass
class Scenario:
    """One event (source and body) and the implementations timed on it."""

    key: str
    source: str
    body_kind: str
    content_type: str
    body: bytes
    event: dict[str, Any]
    label: str
    calls: dict[str, Call] = field(default_factory=dict)
    checks: dict[str, Callable[[Any], Outcome]] = field(default_factory=dict)


@dataclass
class Settings:
    rounds_small: int
    batch_small: int
    rounds_large: int
    batch_large: int
    warmup: int


QUICK = Settings(rounds_small=7, batch_small=10, rounds_large=5, batch_large=1, warmup=3)
FULL = Settings(rounds_small=101, batch_small=40, rounds_large=31, batch_large=3, warmup=20)

# What each implementation key means, in table order.
IMPLEMENTATIONS = {
    "starlette/direct": "Starlette called directly (floor)",
    "starlette/adapters": "LambdaHandler + Starlette",
    "starlette/adapters-nolog": "LambdaHandler + Starlette, access_log=False",
    "starlette/mangum": "Mangum + Starlette",
    "fastapi/direct": "FastAPI called directly (floor)",
    "fastapi/adapters": "LambdaHandler + FastAPI",
    "fastapi/mangum": "Mangum + FastAPI",
    "flask/direct": "Flask called directly (floor)",
    "flask/adapters": "LambdaHandler + Flask",
    "flask/adapters-nolog": "LambdaHandler + Flask, access_log=False",
    "flask/apig-wsgi": "apig-wsgi + Flask",
    "flask/serverless-wsgi": "serverless-wsgi + Flask",
    "base64/floor": "one b64decode + one b64encode of the body",
}


# -- the floors ----------------------------------------------------------------------------


def asgi_scope(method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> Any:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]
        + [(b"content-length", str(len(body)).encode("ascii"))],
        "client": ("198.51.100.7", 0),
        "server": ("example.com", 443),
        "extensions": {},
    }


def asgi_direct(
    app: Any, loop: asyncio.AbstractEventLoop, scope: dict[str, Any], body: bytes
) -> Call:
    """The app driven on one loop with a prebuilt scope: what any server must at least do."""
    disconnect = {"type": "http.disconnect"}

    def call() -> Outcome:
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        status: list[int] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return pending.pop() if pending else disconnect

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            else:
                chunks.append(message.get("body", b""))

        loop.run_until_complete(app(dict(scope), receive, send))
        return status[0], b"".join(chunks)

    return call


def wsgi_direct(
    app: Any, method: str, path: str, headers: list[tuple[str, str]], body: bytes
) -> Call:
    """The app called with a prebuilt environ (a fresh input stream each call)."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        path=path, method=method, headers=headers, data=body, base_url="https://example.com"
    )
    environ = builder.get_environ()
    builder.close()

    def call() -> Outcome:
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(line)
            return None

        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        result = app(env, start_response)
        try:
            payload = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(status[0][:3]), payload

    return call


def base64_floor(encoded: str) -> Call:
    """One b64decode of the request body and one b64encode of the response body."""

    def call() -> bytes:
        return base64.b64encode(base64.b64decode(encoded))

    return call


# -- building the scenarios ------------------------------------------------------------------


def lambda_outcome(result: Any) -> Outcome:
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return int(result["statusCode"]), data


def direct_outcome(result: Any) -> Outcome:
    status, data = result
    return int(status), bytes(data)


def build_scenarios(sources: tuple[str, ...] = tuple(SOURCES)) -> list[Scenario]:
    import apig_wsgi
    import mangum
    import serverless_wsgi  # type: ignore[import-untyped]

    context = FakeContext()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # Mangum asks for the current loop
    starlette, fastapi, flask = make_starlette(), make_fastapi(), make_flask()
    handlers: dict[str, Callable[[Any, Any], Any]] = {
        "starlette/adapters": LambdaHandler(starlette),
        "starlette/adapters-nolog": LambdaHandler(starlette, access_log=False),
        "starlette/mangum": mangum.Mangum(starlette, lifespan="off"),
        "fastapi/adapters": LambdaHandler(fastapi),
        "fastapi/mangum": mangum.Mangum(fastapi, lifespan="off"),
        "flask/adapters": LambdaHandler(flask),
        "flask/adapters-nolog": LambdaHandler(flask, access_log=False),
        "flask/apig-wsgi": apig_wsgi.make_lambda_handler(flask, binary_support=True),
    }
    scenarios: list[Scenario] = []
    for source in sources:
        for body_kind in ("small", "large"):
            if body_kind == "small":
                body, content_type = SMALL_BODY.encode("utf-8"), "application/json"
            else:
                size = ALB_LARGE_BODY_SIZE if source == "alb" else LARGE_BODY_SIZE
                body, content_type = os.urandom(size), "application/octet-stream"
            headers = [*HEADERS, ("Content-Type", content_type)]
            event = build_event(source, method="POST", path="/echo", headers=headers, body=body)
            size_label = (
                f"{len(body)} B text" if body_kind == "small" else f"{len(body) // 1024} KiB binary"
            )
            scenario = Scenario(
                key=f"{source}/{body_kind}",
                source=source,
                body_kind=body_kind,
                content_type=content_type,
                body=body,
                event=event,
                label=f"{SOURCES[source]}, POST /echo, {size_label}",
            )
            for name, app in (("starlette", starlette), ("fastapi", fastapi)):
                scope = asgi_scope("POST", "/echo", headers, body)
                scenario.calls[f"{name}/direct"] = asgi_direct(app, loop, scope, body)
                scenario.checks[f"{name}/direct"] = direct_outcome
            scenario.calls["flask/direct"] = wsgi_direct(flask, "POST", "/echo", headers, body)
            scenario.checks["flask/direct"] = direct_outcome
            for key, handler in handlers.items():
                scenario.calls[key] = _bind(handler, event, context)
                scenario.checks[key] = lambda_outcome
            scenario.calls["flask/serverless-wsgi"] = _bind_serverless(
                serverless_wsgi.handle_request, flask, event, context
            )
            scenario.checks["flask/serverless-wsgi"] = lambda_outcome
            if body_kind == "large":
                scenario.calls["base64/floor"] = base64_floor(str(event["body"]))
                scenario.checks["base64/floor"] = lambda result: (200, base64.b64decode(result))
            scenarios.append(scenario)
    return scenarios


def _bind(handler: Callable[[Any, Any], Any], event: Any, context: Any) -> Call:
    return lambda: handler(event, context)


def _bind_serverless(handle: Callable[..., Any], app: Any, event: Any, context: Any) -> Call:
    return lambda: handle(app, event, context)


# -- running ---------------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send stdout (LambdaHandler's access log lines) to /dev/null while timing."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        yield


def verify(scenario: Scenario) -> None:
    """Every implementation answers 200 with the body echoed, and leaves the event alone."""
    before = json.dumps(scenario.event, sort_keys=True)
    for key, call in scenario.calls.items():
        status, data = scenario.checks[key](call())
        if status != 200 or data != scenario.body:
            raise AssertionError(
                f"{key} on {scenario.key}: status {status}, body of {len(data)} bytes "
                f"(expected 200 and the {len(scenario.body)} bytes sent)"
            )
    if json.dumps(scenario.event, sort_keys=True) != before:
        raise AssertionError(f"an implementation changed the {scenario.key} event")


def time_calls(
    calls: dict[str, Call], rounds: int, batch: int, warmup: int
) -> dict[str, list[float]]:
    """Per-call microseconds, one sample per batch, implementations interleaved."""
    names = list(calls)
    for name in names:
        call = calls[name]
        for _ in range(warmup):
            call()
    samples: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    for index in range(rounds):
        shift = index % len(names)
        order = names[shift:] + names[:shift]
        if index % 2:
            order.reverse()
        for name in order:
            call = calls[name]
            started = perf_counter_ns()
            for _ in range(batch):
                call()
            samples[name].append((perf_counter_ns() - started) / batch / 1000.0)
    return samples


def summarise(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p90_index = min(len(ordered) - 1, max(0, round(0.9 * (len(ordered) - 1))))
    return {
        "median_us": round(statistics.median(ordered), 2),
        "p90_us": round(ordered[p90_index], 2),
        "min_us": round(ordered[0], 2),
        "samples": len(ordered),
    }


def run(settings: Settings, log: Callable[[str], None]) -> dict[str, Any]:
    scenarios = build_scenarios()
    results: dict[str, Any] = {}
    with quiet_stdout():
        for scenario in scenarios:
            verify(scenario)
    for scenario in scenarios:
        small = scenario.body_kind == "small"
        rounds = settings.rounds_small if small else settings.rounds_large
        batch = settings.batch_small if small else settings.batch_large
        log(f"  {scenario.label}: {len(scenario.calls)} implementations x {rounds} rounds")
        with quiet_stdout():
            samples = time_calls(scenario.calls, rounds, batch, settings.warmup)
        results[scenario.key] = {
            "label": scenario.label,
            "source": scenario.source,
            "body": scenario.body_kind,
            "body_bytes": len(scenario.body),
            "content_type": scenario.content_type,
            "rounds": rounds,
            "batch": batch,
            "results": {name: summarise(values) for name, values in samples.items()},
        }
    return results
