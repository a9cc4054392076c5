"""Start-up at INIT and SnapStart's hooks, in-process.

The hooks are run the way the runtime runs them: awslambdaric's own hook runner, over the
registry of `snapshot_restore_py` (tests/runtime/test_lifecycle.py runs whole runtimes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import snapshot_restore_py
from awslambdaric import lambda_runtime_hooks_runner

from adapters import LambdaHandler, LifespanError, snapstart
from adapters.testing import build_event

from .apps import make_starlette_app, wsgi_echo


@pytest.fixture(autouse=True)
def fresh_registries() -> Iterator[None]:
    def clear() -> None:
        snapshot_restore_py.get_before_snapshot().clear()
        snapshot_restore_py.get_after_restore().clear()
        snapstart._before.clear()
        snapstart._after.clear()
        snapstart._participants.clear()
        snapstart._installed = False
        snapstart.restores = 0

    clear()
    yield
    clear()


@pytest.fixture
def snapstart_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")


def get(handler: LambdaHandler, path: str = "/state") -> dict[str, Any]:
    result = handler(build_event("http", path=path))
    assert result["statusCode"] == 200, result
    return result


def test_startup_init_runs_the_lifespan_when_the_handler_is_made() -> None:
    events: list[str] = []
    handler = LambdaHandler(make_starlette_app(events), startup="init")
    assert events == ["startup"]  # before any invocation
    result = get(handler)
    assert json.loads(result["body"]) == {"log": ["startup"]}  # its state reached the request
    get(handler)
    assert events == ["startup"]
    handler.close()
    assert events == ["startup", "shutdown"]


def test_the_default_starts_the_app_on_its_first_request() -> None:
    events: list[str] = []
    handler = LambdaHandler(make_starlette_app(events))
    assert events == []
    get(handler)
    assert events == ["startup"]
    handler.close()


def test_a_failed_startup_at_init_raises_a_clear_error(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "database unreachable"})

    with pytest.raises(LifespanError, match="startup failed: database unreachable"):
        LambdaHandler(app, startup="init")
    assert "The app could not start: ASGI lifespan startup failed" in caplog.text


def test_a_startup_at_init_that_hangs_is_abandoned_at_the_startup_timeout() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await asyncio.sleep(30)

    with pytest.raises(LifespanError, match=r"did not complete within 0\.2 s"):
        LambdaHandler(app, startup="init", startup_timeout=0.2)


def test_startup_init_is_harmless_for_a_wsgi_app_and_checked() -> None:
    assert get(LambdaHandler(wsgi_echo, startup="init"), "/x")["statusCode"] == 200
    with pytest.raises(ValueError, match="startup must be 'first-request' or 'init'"):
        LambdaHandler(wsgi_echo, startup="eager")  # type: ignore[arg-type]


def test_without_snapstart_no_hook_is_registered() -> None:
    LambdaHandler(make_starlette_app())
    assert snapshot_restore_py.get_before_snapshot() == []
    assert snapshot_restore_py.get_after_restore() == []


@pytest.mark.usefixtures("snapstart_on")
def test_snapstart_hooks_start_the_app_run_callbacks_in_order_and_reseed_random(
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[str] = []
    events: list[str] = []

    @snapstart.before_snapshot
    def first_registered() -> None:
        calls.append(f"before 1 (app events {events})")

    @snapstart.before_snapshot
    async def second_registered() -> None:
        await asyncio.sleep(0)
        calls.append("before 2")

    @snapstart.after_restore
    async def reconnect() -> None:
        await asyncio.sleep(0)
        calls.append("after 1")

    @snapstart.after_restore
    def refresh() -> None:
        calls.append("after 2")

    handler = LambdaHandler(make_starlette_app(events))
    assert events == []
    lambda_runtime_hooks_runner.run_before_snapshot()
    # Started before the snapshot, then the app's callbacks, last registered first.
    assert events == ["startup"]
    assert calls == ["before 2", "before 1 (app events ['startup'])"]

    random.seed(1234)  # what every restored copy would share without a reseed
    shared = random.Random(1234).random()
    lambda_runtime_hooks_runner.run_after_restore()
    assert calls[2:] == ["after 1", "after 2"]
    assert random.random() != shared
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["message"] == "Restored from a SnapStart snapshot"
    assert line["restores"] == snapstart.restores == 1

    # Starlette never asked for the restore event (it would take it for a shutdown).
    assert json.loads(get(handler)["body"]) == {"log": ["startup"]}
    assert events == ["startup"]
    handler.close()


@pytest.mark.usefixtures("snapstart_on")
def test_an_asgi_app_that_asked_gets_the_restore_event_and_its_failure_fails_the_restore() -> None:
    seen: list[str] = []
    fail = False

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        assert "lambda.snapstart" in scope["extensions"]
        while True:
            message = await receive()
            seen.append(message["type"])
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete", "snapstart": True})
            elif message["type"] == "lifespan.snapstart.restore":
                if fail:
                    await send({"type": "lifespan.snapstart.restore.failed", "message": "pool"})
                else:
                    await send({"type": "lifespan.snapstart.restore.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    LambdaHandler(app, startup="init")
    lambda_runtime_hooks_runner.run_before_snapshot()
    lambda_runtime_hooks_runner.run_after_restore()
    assert seen == ["lifespan.startup", "lifespan.snapstart.restore"]
    fail = True
    with pytest.raises(LifespanError, match="restore handling failed: pool"):
        lambda_runtime_hooks_runner.run_after_restore()


@pytest.mark.usefixtures("snapstart_on")
def test_a_startup_that_fails_before_the_snapshot_fails_the_snapshot() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no secrets"})

    LambdaHandler(app, lifespan="on")
    with pytest.raises(LifespanError, match="no secrets"):
        lambda_runtime_hooks_runner.run_before_snapshot()


@pytest.fixture
def threaded_loop() -> Iterator[None]:
    """A process loop of this test's own (to run in a thread), then the earlier one again."""
    import adapters._loop

    earlier = adapters._loop._process_loop
    adapters._loop._process_loop = None
    yield
    adapters._loop.process_loop().close()
    adapters._loop._process_loop = earlier
    if earlier is not None:
        asyncio.set_event_loop(earlier.loop)


class ShortDeadline:
    aws_request_id = "deadline"

    def get_remaining_time_in_millis(self) -> int:
        return 800  # less the default 0.5 s margin: 0.3 s for the app


@pytest.mark.usefixtures("threaded_loop")
def test_concurrent_calls_share_one_loop_and_one_lifespan_and_keep_deadlines() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    events: list[str] = []

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(float(request.query_params.get("wait", "0.3")))
        return JSONResponse({"loop": id(asyncio.get_running_loop()), "n": request.url.path})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    app = Starlette(routes=[Route("/{n}", slow)], lifespan=lifespan)
    handler = LambdaHandler(app, startup="init", access_log=False)
    handler.serve_concurrently()

    def call(number: int) -> dict[str, Any]:
        return json.loads(get(handler, f"/{number}")["body"])  # type: ignore[no-any-return]

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(call, range(8)))
    assert time.monotonic() - started < 1.5  # side by side: eight in a row take 2.4 s
    assert [answer["n"] for answer in answers] == [f"/{n}" for n in range(8)]
    assert len({answer["loop"] for answer in answers}) == 1
    late = handler(build_event("http", path="/late", query=[("wait", "3")]), ShortDeadline())
    assert late["statusCode"] == 504
    handler.close()
    assert events == ["startup", "shutdown"]
