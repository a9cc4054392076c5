"""A Mangum or apig-wsgi user switches the import and gets the same results.

`from adapters.compat import Mangum` / `make_lambda_handler` must take the peers' options
and honour them the way the peers document; the real peers (installed for the tests) are
the oracle wherever their behaviour is right. Deliberate differences are asserted as ours.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import inspect
import json
from typing import Any

import apig_wsgi
import mangum
import pytest
from flask import Flask
from flask import Response as FlaskResponse
from flask import request as flask_request
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters import UnknownEventError
from adapters.compat import Mangum, make_lambda_handler
from adapters.events import build_event

from .peers import client_view

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
CONTEXT = object()


def usable_loop() -> None:
    """Real Mangum runs on the thread's current loop; make sure it is not a closed one."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        loop = None
    if loop is None or loop.is_closed():
        asyncio.set_event_loop(asyncio.new_event_loop())


# --------------------------------------------------------------------------- apps


async def typed(request: Request) -> Response:
    """Answers with the Content-Type (and Content-Encoding) the query asks for."""
    content_type = request.query_params.get("type")
    encoding = request.query_params.get("encoding")
    body = gzip.compress(b"hello", mtime=0) if encoding == "gzip" else b"hello"
    headers = {"Content-Encoding": encoding} if encoding else {}
    response = Response(body, headers=headers)
    if content_type:
        response.headers["content-type"] = content_type
    return response


async def headers_endpoint(request: Request) -> Response:
    response = JSONResponse({"ok": True})
    response.headers["X-Secret"] = "s"
    response.headers["Server"] = "uvicorn-ish"
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


async def scope_endpoint(request: Request) -> Response:
    scope = request.scope
    return JSONResponse(
        {
            "path": scope["path"],
            "root_path": scope["root_path"],
            "route_path": scope["path"][len(scope["root_path"]) :],
            "url": str(request.url_for("scope_endpoint")),
            "has_event": scope.get("aws.event") is not None,
            "context_is_ours": scope.get("aws.context") is CONTEXT,
            "state": dict(scope.get("state") or {}),
        }
    )


def starlette_app(startups: list[str] | None = None) -> Starlette:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        if startups is not None:
            startups.append("start")
        yield {"db": "connected"}
        if startups is not None:
            startups.append("stop")

    return Starlette(
        routes=[
            Route("/typed", typed),
            Route("/headers", headers_endpoint),
            Route("/scope", scope_endpoint, name="scope_endpoint"),
        ],
        lifespan=lifespan,
    )


def flask_app() -> Flask:
    app = Flask(__name__)

    @app.route("/typed")
    def flask_typed() -> Any:
        encoding = flask_request.args.get("encoding")
        body = gzip.compress(b"hello", mtime=0) if encoding == "gzip" else b"hello"
        response = FlaskResponse(body)
        content_type = flask_request.args.get("type")
        if content_type:
            response.headers["Content-Type"] = content_type
        else:
            del response.headers["Content-Type"]
        if encoding:
            response.headers["Content-Encoding"] = encoding
        return response

    @app.route("/png")
    def flask_png() -> Any:
        return FlaskResponse(PNG, content_type="image/png")

    @app.route("/environ")
    def flask_environ() -> Any:
        return {"url": flask_request.url}

    @app.route("/cookies")
    def flask_cookies() -> Any:
        response = FlaskResponse("ok", content_type="text/plain")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    return app


# --------------------------------------------------------------------------- Mangum


def test_mangum_signature_matches_the_peer() -> None:
    ours = inspect.signature(Mangum.__init__).parameters
    theirs = inspect.signature(mangum.Mangum.__init__).parameters
    shared = list(ours)[: len(theirs)]
    assert shared == list(theirs)
    assert [ours[name].default for name in shared] == [p.default for p in theirs.values()]
    extras = [ours[name] for name in list(ours)[len(theirs) :]]
    assert extras, "the drop-in's own options follow Mangum's"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extras)


MANGUM_SOURCES = ["rest", "http-v1", "http", "function-url", "alb", "edge"]


@pytest.mark.parametrize("source", MANGUM_SOURCES)
def test_mangum_result_has_the_peer_shape(source: str) -> None:
    usable_loop()
    event = build_event(source, path="/headers")
    theirs = mangum.Mangum(starlette_app(), lifespan="off")(event, None)
    ours = Mangum(starlette_app(), lifespan="off")(event, None)
    assert set(ours) == set(theirs)
    assert client_view(event, ours).body == client_view(event, theirs).body
    # Set-Cookie is the one header whose repeats Mangum loses (Lambda@Edge keeps one).
    cookies = [v for k, v in client_view(event, ours).headers if k.lower() == "set-cookie"]
    assert len(cookies) == 2


@pytest.mark.parametrize(
    ("source", "multi_value"),
    [("rest", True), ("http-v1", True), ("http", True), ("function-url", True),
     ("alb", True), ("alb", False), ("edge", True)],
)  # fmt: skip
def test_mangum_exclude_headers_removes_them_in_any_case(source: str, multi_value: bool) -> None:
    handler = Mangum(starlette_app(), lifespan="off", exclude_headers=["x-SECRET", "Server"])
    event = build_event(source, path="/headers", multi_value=multi_value)
    names = {name.lower() for name, _ in client_view(event, handler(event, None)).headers}
    assert "x-secret" not in names
    assert "server" not in names
    assert "content-type" in names
    assert "set-cookie" in names, "exclude_headers must leave other headers alone"


def test_mangum_exclude_headers_matches_the_peer_where_the_peer_applies_it() -> None:
    """Mangum applies exclude_headers only through its REST and ALB handlers; a payload 1.0
    event with a `version` key (HTTP APIs, newer REST events) goes through its HTTP API
    handler, which ignores the option. Ours applies it everywhere."""
    usable_loop()
    event = build_event("rest", path="/headers")
    del event["version"]  # the REST example in the AWS proxy-integration docs has none
    theirs = mangum.Mangum(starlette_app(), lifespan="off", exclude_headers=["X-Secret"])
    ours = Mangum(starlette_app(), lifespan="off", exclude_headers=["X-Secret"])
    assert "x-secret" not in {name.lower() for name in theirs(event, None)["headers"]}
    assert "x-secret" not in {name.lower() for name in ours(event, None)["headers"]}
    versioned = build_event("rest", path="/headers")
    assert "x-secret" in {name.lower() for name in theirs(versioned, None)["headers"]}
    assert "x-secret" not in {name.lower() for name in ours(versioned, None)["headers"]}


def test_mangum_exclude_set_cookie_drops_the_payload_2_cookies() -> None:
    handler = Mangum(starlette_app(), lifespan="off", exclude_headers=["set-cookie"])
    result = handler(build_event("http", path="/headers"), None)
    assert "cookies" not in result


TYPES = [
    "text/html; charset=utf-8",
    "text/plain",
    "application/json",
    "application/vnd.api+json",
    "application/vnd.oai.openapi;version=3.0",
    "application/problem+json",
    "application/xml",
    "application/javascript",
    "image/png",
    "application/octet-stream",
    "",
]


@pytest.mark.parametrize("source", ["rest", "http-v1", "alb"])
@pytest.mark.parametrize("mime_types", [None, ["application/x-custom", "problem+json"]])
def test_mangum_text_mime_types_decide_like_the_peer(source: str, mime_types: Any) -> None:
    usable_loop()
    app = starlette_app()
    theirs = mangum.Mangum(app, lifespan="off", text_mime_types=mime_types)
    ours = Mangum(app, lifespan="off", text_mime_types=mime_types)
    for content_type in [*TYPES, "application/x-custom"]:
        query = [("type", content_type)] if content_type else []
        event = build_event(source, path="/typed", query=query)
        expected, got = theirs(event, None), ours(event, None)
        assert got["isBase64Encoded"] == expected["isBase64Encoded"], content_type
        assert client_view(event, got).body == client_view(event, expected).body == b"hello"


def test_mangum_compressed_bodies_go_as_base64_like_the_peer() -> None:
    usable_loop()
    event = build_event("rest", path="/typed", query=[("type", "text/html"), ("encoding", "gzip")])
    theirs = mangum.Mangum(starlette_app(), lifespan="off")(event, None)
    ours = Mangum(starlette_app(), lifespan="off")(event, None)
    assert ours["isBase64Encoded"] is theirs["isBase64Encoded"] is True
    assert gzip.decompress(client_view(event, ours).body) == b"hello"


def test_mangum_payload_2_without_content_type_is_labelled_like_the_peer() -> None:
    """Mangum labels a typeless 2.0 response application/json; its users' tests assert
    it, so the drop-in does too (`LambdaHandler` does not: test_differential)."""
    usable_loop()
    event = build_event("http", path="/typed")
    theirs = mangum.Mangum(starlette_app(), lifespan="off")(event, None)
    ours = Mangum(starlette_app(), lifespan="off")(event, None)
    assert theirs["headers"]["content-type"] == ours["headers"]["content-type"]
    assert ours["headers"]["content-type"] == "application/json"
    assert client_view(event, ours).body == client_view(event, theirs).body == b"hello"


@pytest.mark.parametrize("base_path", ["/api", "api"])
def test_mangum_api_gateway_base_path_routes_like_the_peer(base_path: str) -> None:
    usable_loop()
    event = build_event("rest", path="/api/scope", domain="api.example.com")
    theirs = json.loads(
        mangum.Mangum(starlette_app(), lifespan="off", api_gateway_base_path=base_path)(
            event, None
        )["body"]
    )
    ours = json.loads(
        Mangum(starlette_app(), lifespan="off", api_gateway_base_path=base_path)(event, None)[
            "body"
        ]
    )
    assert ours["route_path"] == theirs["route_path"] == "/scope"
    # Mangum strips the prefix and reports no mount point (its tests pin root_path "");
    # `LambdaHandler(app, base_path=...)` keeps it in links.
    assert ours["root_path"] == theirs["root_path"] == ""
    assert ours["url"] == theirs["url"] == "https://api.example.com/scope"


@pytest.mark.parametrize("path", ["/apiary", "/api", "/api/"])
def test_mangum_base_path_is_removed_as_whole_segments(path: str) -> None:
    """Mangum removes '/api' from '/apiary' (routing 'ary') and leaves '' for '/api'."""
    event = build_event("rest", path=path, domain="api.example.com")
    handler = Mangum(starlette_app(), lifespan="off", api_gateway_base_path="/api")
    scope = Mangum(_scope_echo, lifespan="off", api_gateway_base_path="/api")
    if path == "/apiary":
        assert json.loads(scope(event, None)["body"])["path"] == "/apiary"
    else:
        assert json.loads(scope(event, None)["body"])["path"] == "/"
    assert handler(event, None)["statusCode"] == 404  # no such route, either way


def test_mangum_base_path_with_a_trailing_slash_still_routes() -> None:
    """Mangum strips '/api/' from '/api/scope' and routes 'scope' (a 404); we normalise."""
    usable_loop()
    event = build_event("rest", path="/api/scope", domain="api.example.com")
    theirs = mangum.Mangum(starlette_app(), lifespan="off", api_gateway_base_path="/api/")
    assert theirs(event, None)["statusCode"] == 404
    ours = Mangum(starlette_app(), lifespan="off", api_gateway_base_path="/api/")(event, None)
    assert json.loads(ours["body"])["route_path"] == "/scope"


async def _scope_echo(scope: Any, receive: Any, send: Any) -> None:
    body = json.dumps({"path": scope["path"], "root_path": scope["root_path"]}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def test_mangum_scope_keeps_aws_keys() -> None:
    result = Mangum(starlette_app(), lifespan="off")(build_event("http", path="/scope"), CONTEXT)
    seen = json.loads(result["body"])
    assert seen["has_event"] is True
    assert seen["context_is_ours"] is True


def test_mangum_lifespan_runs_around_every_invocation_like_the_peer() -> None:
    usable_loop()
    theirs_log: list[str] = []
    theirs = mangum.Mangum(starlette_app(theirs_log), lifespan="auto")
    ours_log: list[str] = []
    ours = Mangum(starlette_app(ours_log), lifespan="auto")
    for _ in range(3):
        theirs(build_event("http", path="/scope"), None)
        state = json.loads(ours(build_event("http", path="/scope"), None)["body"])["state"]
        assert state == {"db": "connected"}
    assert theirs_log == ours_log == ["start", "stop"] * 3


def test_mangum_lifespan_once_keeps_the_app_started_between_invocations() -> None:
    ours_log: list[str] = []
    ours = Mangum(starlette_app(ours_log), lifespan="auto", lifespan_once=True)
    states = [json.loads(ours(build_event("http", path="/scope"), None)["body"])["state"]]
    states += [json.loads(ours(build_event("http", path="/scope"), None)["body"])["state"]]
    assert ours_log == ["start"]
    assert states == [{"db": "connected"}] * 2
    ours.close()
    assert ours_log == ["start", "stop"]
    usable_loop()


@pytest.mark.parametrize(
    "event",
    [
        {"foo": "bar"},
        {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]},
        {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
    ],
)
def test_mangum_unknown_event_raises_both_error_types(event: dict[str, Any]) -> None:
    usable_loop()
    with pytest.raises(RuntimeError):
        mangum.Mangum(starlette_app(), lifespan="off")(event, None)
    with pytest.raises(RuntimeError) as caught:
        Mangum(starlette_app(), lifespan="off")(event, None)
    assert isinstance(caught.value, UnknownEventError)
    assert "not recognised" in str(caught.value)


def test_mangum_custom_handlers_take_their_events_first() -> None:
    class Queue:
        """A user's handler class, written for Mangum's protocol."""

        @classmethod
        def infer(cls, event: Any, context: Any, config: Any) -> bool:
            return "queue" in event

        def __init__(self, event: Any, context: Any, config: Any) -> None:
            self.event = event

        @property
        def body(self) -> bytes:
            return b""

        @property
        def scope(self) -> dict[str, Any]:
            return {"type": "http", "method": "GET", "path": "/scope", "headers": [],
                    "query_string": b"", "scheme": "https", "server": ("q", 443),
                    "client": None, "root_path": "", "http_version": "1.1",
                    "asgi": {"version": "3.0"}, "aws.event": self.event,
                    "aws.context": None}  # fmt: skip

        def __call__(self, response: dict[str, Any]) -> dict[str, Any]:
            return {"done": response["status"], "body": response["body"].decode()}

    handler = Mangum(starlette_app(), lifespan="off", custom_handlers=[Queue])
    result = handler({"queue": "jobs"}, None)
    assert result["done"] == 200
    assert json.loads(result["body"])["has_event"] is True
    assert handler(build_event("http", path="/scope"), None)["statusCode"] == 200


def test_mangum_custom_handlers_without_infer_are_refused_clearly() -> None:
    class Custom:
        pass

    with pytest.raises(TypeError, match="custom_handlers"):
        Mangum(starlette_app(), custom_handlers=[Custom])
    Mangum(starlette_app(), custom_handlers=[])
    Mangum(starlette_app(), custom_handlers=None)


def test_mangum_works_when_called_inside_a_running_event_loop() -> None:
    """pytest-asyncio and anyio tests call the handler from a coroutine; Mangum fails
    there ("Cannot run the event loop while another loop is running")."""
    log: list[str] = []
    handler = Mangum(starlette_app(log), lifespan="auto")

    async def test_body() -> list[int]:
        return [handler(build_event("http", path="/scope"), None)["statusCode"] for _ in "ab"]

    assert asyncio.run(test_body()) == [200, 200]
    assert log == ["start", "stop"] * 2
    usable_loop()


def test_mangum_lifespan_that_never_answers_is_abandoned_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await asyncio.sleep(3600)  # never answers the shutdown
            return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = Mangum(app, lifespan="on", lifespan_timeout=0.2)
    assert handler(build_event("http", path="/"), None)["statusCode"] == 204
    assert "lifespan shutdown did not answer within 0.2 s" in caplog.text


@pytest.mark.parametrize("source", MANGUM_SOURCES)
def test_mangum_malformed_event_of_a_known_source_gets_a_400(source: str) -> None:
    """Mangum raises KeyError, TypeError or binascii.Error from inside its handlers."""
    handler = Mangum(starlette_app(), lifespan="off")
    bad_body = build_event(source, path="/scope", body=b"x")
    if source == "edge":
        bad_body["Records"][0]["cf"]["request"]["body"] = {"data": "a", "encoding": "base64"}
    else:
        bad_body["body"], bad_body["isBase64Encoded"] = "a", True  # not base64
    bad_header = build_event(source, path="/scope")
    if source == "edge":
        bad_header["Records"][0]["cf"]["request"]["headers"]["host"] = [{"value": 42}]
    else:
        key = "multiValueHeaders" if "multiValueHeaders" in bad_header else "headers"
        bad_header[key]["host"] = [42] if key == "multiValueHeaders" else 42
    for event in (bad_body, bad_header):
        result = handler(event, None)
        assert result.get("statusCode", result.get("status")) == 400
        assert "Traceback" not in json.dumps(result)


def test_mangum_unsafe_response_header_and_unfinished_response_get_a_500() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"x-a", b"1\r\nSet-Cookie: evil=1")] if scope["path"] == "/split" else []
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if scope["path"] == "/split":
            await send({"type": "http.response.body", "body": b"hi"})

    handler = Mangum(app, lifespan="off")
    for path in ("/split", "/unfinished"):
        result = handler(build_event("rest", path=path), None)
        assert result["statusCode"] == 500
        assert result["body"] == "Internal Server Error"
        assert "evil" not in json.dumps(result)


def test_mangum_invalid_lifespan_is_refused() -> None:
    with pytest.raises(ValueError, match="lifespan"):
        Mangum(starlette_app(), lifespan="sometimes")  # type: ignore[arg-type]


def test_mangum_config_mirrors_the_peer() -> None:
    theirs = mangum.Mangum(starlette_app(), exclude_headers=["X-A"], text_mime_types=["a/b"])
    ours = Mangum(starlette_app(), exclude_headers=["X-A"], text_mime_types=["a/b"])
    assert ours.config == dict(theirs.config)
    assert Mangum(starlette_app()).config == dict(mangum.Mangum(starlette_app()).config)


# --------------------------------------------------------------------------- apig-wsgi


def test_make_lambda_handler_signature_matches_the_peer() -> None:
    ours = inspect.signature(make_lambda_handler).parameters
    theirs = inspect.signature(apig_wsgi.make_lambda_handler).parameters
    assert list(ours) == list(theirs)
    assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


APIG_SOURCES = [("rest", True), ("http-v1", True), ("http", True), ("function-url", True),
                ("alb", True), ("alb", False)]  # fmt: skip


@pytest.mark.parametrize(("source", "multi_value"), APIG_SOURCES)
def test_apig_environ_extras_match_the_peer(source: str, multi_value: bool) -> None:
    captured: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        captured.append({k: v for k, v in environ.items() if k.startswith("apig_wsgi.")})
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    event = build_event(source, path="/environ", multi_value=multi_value)
    context = object()
    apig_wsgi.make_lambda_handler(app)(event, context)
    make_lambda_handler(app)(event, context)
    theirs, ours = captured
    assert set(ours) == set(theirs)
    assert ours["apig_wsgi.full_event"] is event
    assert ours["apig_wsgi.context"] is context
    assert ours["apig_wsgi.request_context"] is event["requestContext"]
    assert ours["apig_wsgi.multi_value_headers"] is theirs["apig_wsgi.multi_value_headers"]


BINARY_TYPES = ["text/html; charset=utf-8", "application/json", "application/problem+json",
                "application/vnd.api+json", "application/xml", "image/png", ""]  # fmt: skip


@pytest.mark.parametrize(("source", "multi_value"), APIG_SOURCES)
@pytest.mark.parametrize("binary_support", [None, True, False])
def test_apig_binary_decision_matches_the_peer(
    source: str, multi_value: bool, binary_support: bool | None
) -> None:
    app = flask_app()
    theirs = apig_wsgi.make_lambda_handler(app, binary_support=binary_support)
    ours = make_lambda_handler(app, binary_support=binary_support)
    encodings = [None] if binary_support is False else [None, "gzip"]
    for content_type in BINARY_TYPES:
        for encoding in encodings:
            if encoding and source in ("rest", "http-v1") and binary_support is None:
                continue  # binary support off by default: see the gzip test below
            query = [("type", content_type)] if content_type else []
            query += [("encoding", encoding)] if encoding else []
            event = build_event(source, path="/typed", query=query, multi_value=multi_value)
            expected, got = theirs(event, None), ours(event, None)
            assert got["isBase64Encoded"] == expected["isBase64Encoded"], (content_type, encoding)
            assert client_view(event, got).body == client_view(event, expected).body


@pytest.mark.parametrize("prefixes", [("image/",), [], ("text/", "application/x-")])
def test_apig_non_binary_prefixes_match_the_peer(prefixes: Any) -> None:
    app = flask_app()
    theirs = apig_wsgi.make_lambda_handler(
        app, binary_support=True, non_binary_content_type_prefixes=prefixes
    )
    ours = make_lambda_handler(app, binary_support=True, non_binary_content_type_prefixes=prefixes)
    for content_type in [*BINARY_TYPES, "application/x-thing"]:
        query = [("type", content_type)] if content_type else []
        event = build_event("rest", path="/typed", query=query)
        assert ours(event, None)["isBase64Encoded"] == theirs(event, None)["isBase64Encoded"]


def test_apig_binary_off_never_corrupts_a_binary_body() -> None:
    """Deliberate: apig-wsgi raises UnicodeDecodeError; we fall back to base64."""
    event = build_event("rest", path="/png")
    with pytest.raises(UnicodeDecodeError):
        apig_wsgi.make_lambda_handler(flask_app())(event, None)
    result = make_lambda_handler(flask_app())(event, None)
    assert result["isBase64Encoded"] is True
    assert client_view(event, result).body == PNG

    gz = build_event("rest", path="/typed", query=[("type", "text/html"), ("encoding", "gzip")])
    with pytest.raises(UnicodeDecodeError):
        apig_wsgi.make_lambda_handler(flask_app())(gz, None)
    result = make_lambda_handler(flask_app())(gz, None)
    assert gzip.decompress(client_view(gz, result).body) == b"hello"


def test_apig_binary_on_sends_png_as_base64_like_the_peer() -> None:
    event = build_event("rest", path="/png")
    theirs = apig_wsgi.make_lambda_handler(flask_app(), binary_support=True)(event, None)
    ours = make_lambda_handler(flask_app(), binary_support=True)(event, None)
    assert ours["isBase64Encoded"] is theirs["isBase64Encoded"] is True
    assert client_view(event, ours).body == client_view(event, theirs).body == PNG


def test_apig_app_exception_fails_the_invocation_like_the_peer() -> None:
    """apig-wsgi lets the app's exception out of the handler (the invocation fails, the
    client gets the front door's 502, Lambda's Errors metric counts it); so does the drop-in,
    with the same exception, once, and the handler serves the next request."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("boom")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"fine"]

    event = build_event("rest", path="/boom")
    with pytest.raises(RuntimeError, match="boom"):
        apig_wsgi.make_lambda_handler(app)(event, None)
    handler = make_lambda_handler(app)
    with pytest.raises(RuntimeError, match="boom"):
        handler(event, None)
    assert handler(build_event("rest", path="/ok"), None)["body"] == "fine"


@pytest.mark.parametrize(
    "event",
    [
        {"version": "3.0", "requestContext": {}},
        {"Records": [{"eventSource": "aws:sqs", "body": "{}"}]},
    ],
)
def test_apig_unknown_event_raises_value_error(event: dict[str, Any]) -> None:
    if event.get("version") == "3.0":
        with pytest.raises(ValueError):
            apig_wsgi.make_lambda_handler(flask_app())(event, None)
    with pytest.raises(ValueError) as caught:
        make_lambda_handler(flask_app())(event, None)
    assert isinstance(caught.value, UnknownEventError)


def test_apig_stage_is_in_script_name() -> None:
    """Deliberate: apig-wsgi leaves SCRIPT_NAME empty, so url_for drops the stage."""
    event = build_event("rest", path="/environ", stage="prod")
    theirs = json.loads(apig_wsgi.make_lambda_handler(flask_app())(event, None)["body"])
    ours = json.loads(make_lambda_handler(flask_app())(event, None)["body"])
    assert theirs["url"] == "http://abc123defg.execute-api.us-east-1.amazonaws.com/environ"
    assert ours["url"] == "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/environ"


def test_apig_cookies_match_the_peer_where_it_can_carry_them() -> None:
    for source, multi in [("rest", True), ("http", True), ("alb", True)]:
        event = build_event(source, path="/cookies", multi_value=multi)
        theirs = apig_wsgi.make_lambda_handler(flask_app())(event, None)
        ours = make_lambda_handler(flask_app())(event, None)
        assert set_cookies(event, ours) == set_cookies(event, theirs)
        assert len(set_cookies(event, ours)) == 2
    # ALB single-value mode: apig-wsgi keeps the last cookie only; ours keeps both.
    event = build_event("alb", path="/cookies", multi_value=False)
    assert len(set_cookies(event, apig_wsgi.make_lambda_handler(flask_app())(event, None))) == 1
    assert len(set_cookies(event, make_lambda_handler(flask_app())(event, None))) == 2


def set_cookies(event: dict[str, Any], result: dict[str, Any]) -> list[str]:
    return [
        value for name, value in client_view(event, result).headers if name.lower() == "set-cookie"
    ]


def test_apig_handler_is_a_plain_callable() -> None:
    handler = make_lambda_handler(flask_app())
    assert callable(handler)
    result = handler(build_event("http", path="/cookies"), None)
    assert result["statusCode"] == 200


# --------------------------------------------------------------------------- extension point


def test_environ_hook_is_for_wsgi_only() -> None:
    from adapters import LambdaHandler

    with pytest.raises(TypeError, match="WSGI"):
        LambdaHandler(starlette_app(), environ_hook=lambda environ, request: None)


def test_environ_hook_and_text_types_instance_on_the_core_handler() -> None:
    from adapters import LambdaHandler
    from adapters._bodies import TextTypes

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/x-mine")])
        return [environ["my.key"].encode()]

    def hook(environ: dict[str, Any], request: Any) -> None:
        environ["my.key"] = request.method

    handler = LambdaHandler(app, environ_hook=hook, text_mime_types=TextTypes(["application/"]))
    result = handler(build_event("http", method="PUT", path="/"), None)
    assert result["isBase64Encoded"] is False
    assert result["body"] == "PUT"


def test_mangum_invalid_lifespan_raises_the_peers_error_and_message() -> None:
    from adapters.compat.mangum import ConfigurationError

    async def app(scope: Any, receive: Any, send: Any) -> None: ...

    with pytest.raises(mangum.exceptions.ConfigurationError) as theirs:
        mangum.Mangum(app, lifespan="unknown")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as ours:
        Mangum(app, lifespan="unknown")  # type: ignore[arg-type]
    assert str(ours.value) == str(theirs.value)
    assert isinstance(ours.value, ValueError)
