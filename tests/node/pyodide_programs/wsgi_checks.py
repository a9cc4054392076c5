"""The WSGI boot of tests/node/test_browser_node.py: a Flask app with the shared routes,
then every section, each recorded in `result`.

Runs in Pyodide after prelude.py and notes_checks.py, whose names it uses (imported here
for the linters only); `await` at the top level is Pyodide's `runPythonAsync`.
"""
# ruff: noqa: F704, PLE1142
# mypy: disable-error-code="top-level-await"

from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, request, url_for

TYPE_CHECKING = False
if TYPE_CHECKING:  # in Pyodide these are prelude.py's and notes_checks.py's, which run first
    from .notes_checks import notes_app, warm_timing
    from .prelude import BINARY, SECRET, app_crashes, mounted, requests_in, responses_out, section

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


await section("requests", lambda: requests_in(app))
await section("responses", lambda: responses_out(app))
await section("mounted", lambda: mounted(app))
await section("failures", lambda: app_crashes(app, raw_crash, raw_crash_in_body, "wsgi"))
await section("notes", lambda: notes_app("flask_app"))
await section("timing", lambda: warm_timing("flask_app"))
