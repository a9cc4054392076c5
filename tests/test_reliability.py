"""Regression tests for issue 10: every fault is an answer, valid requests get right answers.

Each test is named after what a user sees. The handler's rule: `LambdaHandler.__call__`
raises only `UnknownEventError`; whatever an event or an app does otherwise, the front
door gets a result of its own shape, within its size limit, with no exception text in it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import falcon
import falcon.asgi
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from adapters import LambdaHandler
from adapters.testing import SOURCE_NAMES, build_event, client_response

from .apps import make_flask_app, read_body

SECRET = "secret database password in this message"


def wsgi_report(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Report every HTTP_ key, the query and the body the app was handed."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    seen = {key: value for key, value in environ.items() if key.startswith("HTTP_")}
    seen["QUERY_STRING"] = environ["QUERY_STRING"]
    seen["PATH_INFO"] = environ["PATH_INFO"]
    seen["BODY"] = environ["wsgi.input"].read(length).decode("utf-8", "replace")
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


async def asgi_report(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = await read_body(receive)
    seen = {
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "path": scope["path"],
        "query": scope["query_string"].decode("latin-1"),
        "body": body.decode("utf-8", "replace"),
    }
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


def set_cookies(response: Any) -> list[str]:
    return [value for name, value in response.headers if name.lower() == "set-cookie"]


def assert_clean_error(result: dict[str, Any], status: int) -> None:
    text = json.dumps(result)
    assert str(result.get("statusCode", result.get("status"))) == str(status), result
    assert "Traceback" not in text and SECRET not in text


# --------------------------------------------------------------------- faults are answers


@pytest.mark.parametrize("config", ["a string", 5, None, [], ["x"]])
def test_edge_event_whose_config_is_not_an_object_gets_an_answer(config: object) -> None:
    event = build_event("edge", path="/")
    event["Records"][0]["cf"]["config"] = config
    result = LambdaHandler(wsgi_report)(event, None)
    assert isinstance(result, dict) and str(result["status"]).isdigit()
    json.dumps(result)


def _with_surrogates(source: str) -> dict[str, Any]:
    event = build_event(
        source,
        path="/p",
        headers=[("X-Odd", "a\udcffb"), ("Cookie", "session=\udcff")],
        query=[("q", "1")],
    )
    if isinstance(event.get("body"), str) or "body" in event:
        event["body"] = "text \udcff body"
        event["isBase64Encoded"] = False
    return event


@pytest.mark.parametrize("source", SOURCE_NAMES)
@pytest.mark.parametrize("app", [wsgi_report, asgi_report], ids=["wsgi", "asgi"])
def test_lone_surrogates_in_headers_cookies_and_bodies_are_answered_on_every_source(
    source: str, app: Any
) -> None:
    event = _with_surrogates(source)
    result = LambdaHandler(app)(event, None)
    response = client_response(event, result)
    assert response.status == 200
    seen = json.loads(response.body)
    text = json.dumps(seen)
    # The unencodable byte arrives as U+FFFD or its escaped form, never as a crash.
    assert "X_ODD" in text.upper() or "x-odd" in text


@pytest.mark.parametrize("source", ["rest", "http", "function-url", "alb"])
def test_lone_surrogate_in_the_path_is_answered(source: str) -> None:
    event = build_event(source, path="/p")
    key = "rawPath" if "rawPath" in event else "path"
    event[key] = "/p\udcff"
    result = LambdaHandler(wsgi_report)(event, None)
    assert client_response(event, result).status in (200, 400)


@pytest.mark.parametrize(
    "headers",
    [[("a",)], ["x"], [("a", 1)], "not a list", [(b"a", "b")], [("a", "b", "c")], None],
    ids=repr,
)
def test_wsgi_app_with_a_malformed_header_list_gets_a_logged_500(
    headers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", headers)
        return [SECRET.encode()]

    event = build_event("rest", path="/")
    result = LambdaHandler(app)(event, None)
    assert_clean_error(result, 500)
    assert [r.levelname for r in caplog.records] == ["ERROR"]


@pytest.mark.parametrize("status", ["0 Zero", "99 Low", "600 High", "999 Nine", "abc", "20 OK"])
def test_wsgi_status_outside_100_to_599_is_a_500(status: str) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(status, [])
        return [SECRET.encode()]

    for source in SOURCE_NAMES:
        event = build_event(source, path="/")
        assert client_response(event, LambdaHandler(app)(event, None)).status == 500


@pytest.mark.parametrize("status", [0, 99, 600, 999, True, False, "200", 200.0, None])
def test_asgi_status_outside_100_to_599_or_not_an_int_is_a_500(status: object) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": SECRET.encode()})

    handler = LambdaHandler(app, lifespan="off")
    for source in SOURCE_NAMES:
        event = build_event(source, path="/")
        response = client_response(event, handler(event, None))
        assert response.status == 500 and SECRET.encode() not in response.body


@pytest.mark.parametrize("status", [100 + 1, 599, 204, 418])
def test_asgi_status_at_the_edges_of_the_range_passes_through(status: int) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    event = build_event("http", path="/")
    assert client_response(event, LambdaHandler(app)(event, None)).status == status


def test_asgi_app_raising_cancelled_error_gets_a_500_and_the_handler_keeps_serving() -> None:
    calls = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        calls.append(scope["path"])
        if scope["path"] == "/cancel":
            raise asyncio.CancelledError
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"fine"})

    handler = LambdaHandler(app, lifespan="off")
    event = build_event("http", path="/cancel")
    assert_clean_error(handler(event, None), 500)
    event = build_event("http", path="/after")
    response = client_response(event, handler(event, None))
    assert (response.status, response.body) == (200, b"fine")
    assert calls == ["/cancel", "/after"]


# ------------------------------------------------------------ right answers to valid requests


def _set_raw_query(source: str, event: dict[str, Any], raw: str) -> None:
    if source == "edge":
        event["Records"][0]["cf"]["request"]["querystring"] = raw
    else:
        event["rawQueryString"] = raw


@pytest.mark.parametrize("source", ["http", "function-url", "edge"])
def test_non_ascii_raw_query_reaches_flask_and_starlette_as_utf8(source: str) -> None:
    event = build_event(source, path="/items/x")
    _set_raw_query(source, event, "q=café&city=Zürich")
    flask_body = json.loads(
        client_response(event, LambdaHandler(make_flask_app())(event, None)).body
    )
    assert flask_body["args"] == {"q": ["café"], "city": ["Zürich"]}

    async def items(request: Request) -> JSONResponse:
        return JSONResponse(dict(request.query_params))

    starlette = LambdaHandler(Starlette(routes=[Route("/items/x", items)]), lifespan="off")
    response = client_response(event, starlette(event, None))
    assert response.status == 200
    assert json.loads(response.body) == {"q": "café", "city": "Zürich"}


# VPC Lattice v1 events hold one string per header name, the fields already joined with
# commas by the service; a comma inside a cookie value is common enough that splitting on
# it would break more apps than it helps (docs/event-sources.md).
@pytest.mark.parametrize("source", [name for name in SOURCE_NAMES if name != "lattice-v1"])
def test_two_cookie_fields_reach_flask_and_starlette_as_two_cookies(source: str) -> None:
    event = build_event(source, path="/whoami", headers=[("Cookie", "a=1"), ("Cookie", "b=2")])
    body = client_response(event, LambdaHandler(make_flask_app())(event, None)).body
    assert json.loads(body)["cookies"] == {"a": "1", "b": "2"}

    async def whoami(request: Request) -> JSONResponse:
        return JSONResponse(request.cookies)

    starlette = LambdaHandler(Starlette(routes=[Route("/whoami", whoami)]), lifespan="off")
    assert json.loads(client_response(event, starlette(event, None)).body) == {"a": "1", "b": "2"}


def _text_app(body: bytes) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    return app


@pytest.mark.parametrize(
    ("source", "limit", "size"),
    [("rest", 6 * 1024 * 1024, 6_290_000), ("http", 6 * 1024 * 1024, 6_290_000),
     ("alb", 1024 * 1024, 1_000_000), ("edge", 1024 * 1024, 1_000_000)],
)  # fmt: skip
@pytest.mark.parametrize("char", [b'"', b"\n", b"\\"])
def test_body_that_serialises_past_the_limit_is_our_500_not_the_platforms_502(
    source: str, limit: int, size: int, char: bytes
) -> None:
    event = build_event(source, path="/")
    result = LambdaHandler(_text_app(char * size))(event, None)
    assert len(json.dumps(result).encode()) <= limit
    assert client_response(event, result).status == 500


@pytest.mark.parametrize(("source", "size"), [("rest", 2_500_000), ("alb", 400_000)])
def test_escaped_body_that_still_fits_the_limit_is_served(source: str, size: int) -> None:
    event = build_event(source, path="/")
    result = LambdaHandler(_text_app(b'"' * size))(event, None)
    response = client_response(event, result)
    assert response.status == 200 and response.body == b'"' * size


def _cookie_app(count: int) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Set-Cookie", f"c{i}=v") for i in range(count)])
        return [b"ok"]

    return app


@pytest.mark.parametrize("source", ["alb-single", "lattice-v1", "lattice-v2"])
def test_more_than_512_set_cookies_where_the_door_needs_name_case_variants_is_a_500(
    source: str,
) -> None:
    key, multi = ("alb", False) if source == "alb-single" else (source, True)
    event = build_event(key, path="/", multi_value=multi)
    result = LambdaHandler(_cookie_app(600))(event, None)
    assert_clean_error(result, 500)
    event = build_event(key, path="/", multi_value=multi)
    response = client_response(event, LambdaHandler(_cookie_app(300))(event, None))
    assert response.status == 200
    assert len(set_cookies(response)) == 300


@pytest.mark.parametrize("source", ["rest", "http", "alb", "function-url"])
def test_600_set_cookies_pass_where_the_door_carries_lists(source: str) -> None:
    event = build_event(source, path="/")
    response = client_response(event, LambdaHandler(_cookie_app(600))(event, None))
    assert response.status == 200
    assert len(set_cookies(response)) == 600


# --------------------------------------------------------------------- forged identity


@pytest.mark.parametrize("source", SOURCE_NAMES)
@pytest.mark.parametrize("order", ["forged-first", "forged-last"])
def test_underscore_header_cannot_override_the_hyphenated_one(source: str, order: str) -> None:
    real, forged = ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded_For", "6.6.6.6")
    headers = [forged, real] if order == "forged-first" else [real, forged]
    event = build_event(source, path="/", headers=headers)
    seen = json.loads(client_response(event, LambdaHandler(wsgi_report)(event, None)).body)
    assert "6.6.6.6" not in seen["HTTP_X_FORWARDED_FOR"]
    assert "203.0.113.9" in seen["HTTP_X_FORWARDED_FOR"]


def test_underscore_header_alone_still_reaches_the_app() -> None:
    event = build_event("rest", path="/", headers=[("X_Custom", "kept")])
    seen = json.loads(client_response(event, LambdaHandler(wsgi_report)(event, None)).body)
    assert seen["HTTP_X_CUSTOM"] == "kept"


# ---------------------------------------------------------------- edge: the viewer's host


def _origin_request(host: str) -> dict[str, Any]:
    event = build_event("edge", path="/whoami", headers=[("Host", host)])
    event["Records"][0]["cf"]["request"]["origin"] = {
        "custom": {"domainName": "origin.example.com", "path": "", "port": 443,
                   "protocol": "https", "customHeaders": {}},
    }  # fmt: skip
    return event


def test_edge_origin_request_app_sees_the_viewers_host_not_the_origins() -> None:
    event = _origin_request("origin.example.com")
    body = json.loads(client_response(event, LambdaHandler(make_flask_app())(event, None)).body)
    assert body["host"] == "d111111abcdef8.cloudfront.net"


def test_edge_origin_request_keeps_a_forwarded_viewer_host() -> None:
    event = _origin_request("www.example.org")
    body = json.loads(client_response(event, LambdaHandler(make_flask_app())(event, None)).body)
    assert body["host"] == "www.example.org"


# ---------------------------------------------------------------- Falcon below a mount point


def _falcon_app() -> falcon.asgi.App:
    class Items:
        async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
            resp.media = {"path": req.path, "root": req.root_path}

    app = falcon.asgi.App()
    app.add_route("/items", Items())
    return app


@pytest.mark.parametrize("source", ["rest", "http", "http-v1"])
def test_falcon_asgi_app_routes_behind_a_named_stage(source: str) -> None:
    event = build_event(source, path="/items", stage="prod")
    response = client_response(event, LambdaHandler(_falcon_app(), lifespan="off")(event, None))
    assert response.status == 200
    assert json.loads(response.body)["path"] == "/items"


def test_root_path_in_path_true_gives_the_spec_scope_that_falcon_cannot_route() -> None:
    event = build_event("rest", path="/items", stage="prod")
    handler = LambdaHandler(_falcon_app(), lifespan="off", root_path_in_path=True)
    assert client_response(event, handler(event, None)).status == 404


def test_starlette_keeps_the_spec_scope_with_root_path_in_the_path() -> None:
    async def where(request: Request) -> PlainTextResponse:
        scope = request.scope
        return PlainTextResponse(f"{scope['root_path']}|{scope['path']}")

    app = Starlette(routes=[Route("/items", where)])
    event = build_event("rest", path="/items", stage="prod")
    response = client_response(event, LambdaHandler(app, lifespan="off")(event, None))
    assert response.body == b"/prod|/prod/items"


def test_root_path_in_path_is_refused_for_a_wsgi_app() -> None:
    with pytest.raises(TypeError, match="ASGI apps only"):
        LambdaHandler(wsgi_report, root_path_in_path=False)


# falcon.App (WSGI) needs nothing: PATH_INFO never holds SCRIPT_NAME.
def test_falcon_wsgi_app_routes_behind_a_named_stage() -> None:
    class Items:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = {"path": req.path}

    app = falcon.App()
    app.add_route("/items", Items())
    event = build_event("rest", path="/items", stage="prod")
    response = client_response(event, LambdaHandler(app)(event, None))
    assert response.status == 200
