"""The WSGI boot of tests/node/test_browser_node.py: a Flask app with the shared routes,
then every section, each recorded in `result`.

Runs in Pyodide after prelude.py and notes_checks.py, whose names it uses (imported here
for the linters only); `await` at the top level is Pyodide's `runPythonAsync`.
"""
# ruff: noqa: F704, PLE1142
# mypy: disable-error-code="top-level-await"

from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, request, stream_with_context, url_for

TYPE_CHECKING = False
if TYPE_CHECKING:  # in Pyodide these are prelude.py's and notes_checks.py's, which run first
    import asyncio

    from adapters.browser import BrowserHandler

    from .notes_checks import notes_app, warm_timing
    from .prelude import (
        BINARY,
        SECRET,
        TIMEOUT,
        app_crashes,
        fetch,
        handle,
        mounted,
        read_stream,
        requests_in,
        responses_out,
        section,
    )

app = Flask("wsgi_checks")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@app.route("/echo/", defaults={"rest": ""}, methods=METHODS)
@app.route("/echo/<path:rest>", methods=METHODS)
def echo(rest: str) -> dict[str, Any]:
    environ = request.environ
    headers = [
        [key[5:].replace("_", "-").lower(), value]
        for key, value in environ.items() if key.startswith("HTTP_")
    ]  # fmt: skip
    headers += [
        [key.replace("_", "-").lower(), environ[key]]
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(key)
    ]  # fmt: skip
    return {
        "method": environ["REQUEST_METHOD"],
        "root": environ["SCRIPT_NAME"],
        "route_path": environ["PATH_INFO"],
        "rest": rest,
        "query_string": environ["QUERY_STRING"],
        "args": [[k, v] for k, v in request.args.items(multi=True)],
        "headers": sorted(headers),
        "body": request.get_data().hex(),
        "url": request.url,
        "link": url_for("echo", rest="x/y"),
    }


@app.get("/cookies")
def cookies() -> Response:
    response = Response("cookies set")
    response.headers.add("X-Value", "one")
    response.headers.add("X-Value", "two")
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


@app.get("/forget")
def forget() -> Response:
    response = Response("forgotten")
    response.delete_cookie("first")
    return response


@app.get("/whoami")
def whoami() -> dict[str, Any]:
    return {"cookie": request.headers.get("Cookie"), "cookies": request.cookies.to_dict()}


@app.route("/binary", methods=["GET", "POST"])
def binary() -> Response:
    data = request.get_data() if request.method == "POST" else BINARY
    return Response(data, mimetype="application/octet-stream")


@app.get("/status/<int:status>")
def status(status: int) -> Response:
    return Response("a body HTTP forbids here", status=status, headers={"X-Status": str(status)})


@app.get("/crash")
def crash() -> Response:
    raise RuntimeError(SECRET)


def raw_crash(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise RuntimeError(SECRET)


def raw_crash_in_body(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"part"
    raise RuntimeError(SECRET)


produced: list[str] = []
closed: list[bool] = []


@app.get("/context-stream")
def context_stream() -> Response:
    """Flask's stream_with_context: the request is there for every chunk, then torn down."""

    def pieces() -> Iterator[str]:
        for number in range(3):
            yield f"{request.args.get('tag', '')}{number};"

    return Response(stream_with_context(pieces()), mimetype="text/plain")


def generator_app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """A streamed body: each chunk is made when the reader asks for it."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        for piece in ("first", "second", "third"):
            produced.append(piece)
            yield (piece + (";" if piece != "third" else "")).encode()
    finally:
        closed.append(True)


def sized_crash(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "8")])
    yield b"part"
    raise RuntimeError(SECRET)


def sized(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
    yield b"wh"
    yield b"ole"[:2]


async def streaming() -> dict[str, Any]:
    out: dict[str, Any] = {}
    handler = BrowserHandler(generator_app, interface="wsgi")
    response = await handle(handler, "/stream")
    out["status"] = response.status
    reader = response.body.getReader()
    first = await asyncio.wait_for(reader.read(), TIMEOUT)
    out["first"] = first.value.to_bytes().decode()
    out["produced_after_first_read"] = list(produced)
    out["rest"] = await read_stream(reader)
    out["produced"] = list(produced)
    out["closed"] = closed == [True]
    out["sized_crash"] = await fetch(BrowserHandler(sized_crash, interface="wsgi"), "/")
    whole = await handle(BrowserHandler(sized, interface="wsgi"), "/")
    out["sized_is_whole"] = (await whole.text()) == "whol"
    in_context = await handle(BrowserHandler(app, interface="wsgi"), "/context-stream?tag=t")
    try:
        out["in_context"] = await read_stream(in_context.body.getReader())
    except Exception as error:  # the stream errored: the app failed mid-body
        out["in_context"] = repr(error)
    return out


await section("requests", lambda: requests_in(app))
await section("streaming", streaming)
await section("responses", lambda: responses_out(app))
await section("mounted", lambda: mounted(app))
await section("failures", lambda: app_crashes(app, raw_crash, raw_crash_in_body, "wsgi"))
await section("notes", lambda: notes_app("flask_app"))
await section("timing", lambda: warm_timing("flask_app"))
