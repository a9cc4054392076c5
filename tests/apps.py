"""Apps the tests run: small, but written the way users write them."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from flask import Flask, make_response, redirect, request, url_for
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def wsgi_echo(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Everything a WSGI app sees, as JSON; the request body comes back base64."""
    body = environ["wsgi.input"].read()
    seen = {
        key: value
        for key, value in environ.items()
        if isinstance(value, str) and (key.isupper() or key == "wsgi.url_scheme")
    }
    seen["body"] = base64.b64encode(body).decode()
    payload = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [payload]


async def read_body(receive: Any) -> bytes:
    """The whole request body, however many messages it arrives in."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Everything an ASGI app sees in an http scope, as JSON."""
    if scope["type"] != "http":
        raise RuntimeError("echo app serves http only")
    body = await read_body(receive)
    seen = {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "root_path": scope["root_path"],
        "query_string": scope["query_string"].decode("latin-1"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "scheme": scope["scheme"],
        "server": scope["server"],
        "client": scope["client"],
        "http_version": scope["http_version"],
        "body": base64.b64encode(body).decode(),
        "has_event": "aws.event" in scope,
    }
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


def make_flask_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-only"

    @app.get("/")
    def index() -> Any:
        return {"link": url_for("item", name="a b"), "external": url_for("index", _external=True)}

    @app.get("/items/<name>")
    def item(name: str) -> Any:
        return {"name": name, "args": request.args.to_dict(flat=False)}

    @app.post("/echo")
    def echo() -> Any:
        response = make_response(request.get_data())
        response.content_type = request.content_type or "application/octet-stream"
        return response

    @app.get("/cookies")
    def cookies() -> Any:
        response = make_response("cookies set")
        response.set_cookie("first", "1")
        response.set_cookie("second", "2", httponly=True)
        return response

    @app.get("/whoami")
    def whoami() -> Any:
        return {"cookies": request.cookies, "remote": request.remote_addr, "host": request.host}

    @app.get("/image.png")
    def image() -> Any:
        return PNG, 200, {"Content-Type": "image/png"}

    @app.get("/go")
    def go() -> Any:
        return redirect(url_for("index"))

    @app.get("/crash")
    def crash() -> Any:
        raise RuntimeError("secret database password in this message")

    return app


def make_starlette_app(events: list[str] | None = None) -> Starlette:
    log = events if events is not None else []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        log.append("startup")
        yield {"connections": log}
        log.append("shutdown")

    async def index(request: Request) -> Response:
        return JSONResponse(
            {
                "link": str(request.url_for("item", name="ab")),
                "root_path": request.scope["root_path"],
            }
        )

    async def item(request: Request) -> Response:
        return JSONResponse(
            {
                "name": request.path_params["name"],
                "args": [list(pair) for pair in request.query_params.multi_items()],
            }
        )

    async def echo(request: Request) -> Response:
        data = await request.body()
        return Response(
            data, media_type=request.headers.get("content-type", "application/octet-stream")
        )

    async def cookies(request: Request) -> Response:
        response = PlainTextResponse("cookies set")
        response.set_cookie("first", "1")
        response.set_cookie("second", "2", httponly=True)
        return response

    async def state(request: Request) -> Response:
        return JSONResponse({"log": request.state.connections})

    async def stream(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for number in range(3):
                yield f"chunk {number}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    async def image(request: Request) -> Response:
        return Response(PNG, media_type="image/png")

    async def crash(request: Request) -> Response:
        raise RuntimeError("secret database password in this message")

    return Starlette(
        routes=[
            Route("/", index),
            Route("/items/{name}", item, name="item"),
            Route("/echo", echo, methods=["POST"]),
            Route("/cookies", cookies),
            Route("/state", state),
            Route("/stream", stream),
            Route("/image.png", image),
            Route("/crash", crash),
        ],
        lifespan=lifespan,
    )
