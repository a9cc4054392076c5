"""The minimal apps every implementation runs: the same two routes in each framework.

`GET /hello` answers a small JSON document; `POST /echo` answers the request body with the
request's Content-Type, so a binary body goes in as base64 and comes back as base64.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi import Request as FastAPIRequest
from flask import Flask
from flask import Response as FlaskResponse
from flask import request as flask_request
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

HELLO = {"message": "hello"}


async def _hello(request: Request) -> Response:
    return JSONResponse(HELLO)


async def _echo(request: Request) -> Response:
    body = await request.body()
    return Response(body, media_type=request.headers.get("content-type"))


def make_starlette() -> Starlette:
    return Starlette(routes=[Route("/hello", _hello), Route("/echo", _echo, methods=["POST"])])


def make_fastapi() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return HELLO

    @app.post("/echo")
    async def echo(request: FastAPIRequest) -> Response:
        body = await request.body()
        return Response(body, media_type=request.headers.get("content-type"))

    return app


def make_flask() -> Flask:
    app = Flask(__name__)

    @app.get("/hello")
    def hello() -> Any:
        return HELLO

    @app.post("/echo")
    def echo() -> FlaskResponse:
        return FlaskResponse(flask_request.get_data(), content_type=flask_request.content_type)

    return app
