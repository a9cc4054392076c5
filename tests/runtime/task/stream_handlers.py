"""Handlers for the streaming runtime tests; imported by `python -m adapters.runtime`.

Each is a `LambdaHandler` with `response_mode="streaming"` over an app that streams its
body, with pauses (`PAUSE`) between chunks so that arrival times show streaming.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from fastapi import FastAPI
from fastapi.responses import StreamingResponse as FastAPIStreamingResponse
from flask import Flask, Response, stream_with_context
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from adapters import LambdaHandler

PAUSE = 0.25
MEGABYTE = 1024 * 1024
MARKER = os.environ.get("STREAM_TEST_MARKER", "/tmp/stream-test-marker")

flask_app = Flask(__name__)


@flask_app.get("/count")
def count() -> Response:
    def lines() -> Any:
        for number in range(3):
            if number:
                time.sleep(PAUSE)
            yield f"line {number}\n"

    return Response(stream_with_context(lines()), content_type="text/plain")


@flask_app.get("/big")
def big() -> Response:
    size = int(os.environ.get("STREAM_TEST_MEGABYTES", "50"))
    chunk = b"x" * MEGABYTE
    return Response((chunk for _ in range(size)), content_type="application/octet-stream")


async def ticks(request: Request) -> StreamingResponse:
    async def body() -> Any:
        for number in range(3):
            if number:
                await asyncio.sleep(PAUSE)
            yield f"tick {number}\n"

    return StreamingResponse(body(), media_type="text/plain")


async def cookies(request: Request) -> StreamingResponse:
    async def body() -> Any:
        yield "cookies set\n"

    response = StreamingResponse(body(), media_type="text/plain")
    for number in range(100):
        response.set_cookie(f"c{number}", str(number))
    return response


async def background(request: Request) -> StreamingResponse:
    def after() -> None:
        time.sleep(PAUSE)
        with open(MARKER, "w") as marker:
            marker.write(repr(time.time()))

    async def body() -> Any:
        yield "before the background task\n"

    return StreamingResponse(body(), media_type="text/plain", background=BackgroundTask(after))


async def huge(request: Request) -> StreamingResponse:
    async def body() -> Any:
        chunk = b"y" * MEGABYTE
        for _ in range(10_000):  # far past any limit: the runtime must stop it
            yield chunk

    return StreamingResponse(body(), media_type="application/octet-stream")


starlette_app = Starlette(
    routes=[
        Route("/ticks", ticks),
        Route("/cookies", cookies),
        Route("/background", background),
        Route("/huge", huge),
    ]
)

fastapi_app = FastAPI()


@fastapi_app.get("/events")
async def events() -> FastAPIStreamingResponse:
    async def body() -> Any:
        for number in range(3):
            if number:
                await asyncio.sleep(PAUSE)
            yield f"event: tick\ndata: {number}\n\n"

    return FastAPIStreamingResponse(body(), media_type="text/event-stream")


async def fails_after_first_chunk(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"first\n", "more_body": True})
    await asyncio.sleep(PAUSE)
    raise RuntimeError("secret detail that must not reach the client")


async def fails_before_response(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        raise RuntimeError("secret detail before any byte")


flask_handler = LambdaHandler(flask_app, response_mode="streaming")
starlette_handler = LambdaHandler(starlette_app, response_mode="streaming")
fastapi_handler = LambdaHandler(fastapi_app, response_mode="streaming")
failing_handler = LambdaHandler(fails_after_first_chunk, response_mode="streaming")
failing_early_handler = LambdaHandler(fails_before_response, response_mode="streaming")
buffered_handler = LambdaHandler(starlette_app)  # response_mode from ADAPTERS_RESPONSE_MODE


def raising_handler(event: Any, context: Any) -> Any:
    raise ValueError("the handler itself failed")


def plain_handler(event: Any, context: Any) -> Any:
    return {
        "statusCode": 200,
        "body": context.function_name,
        "remaining": context.get_remaining_time_in_millis(),
    }
