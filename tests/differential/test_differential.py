"""Differential tests: the same event through the real peer and through our drop-in.

Mangum 0.22 runs a Starlette app and a FastAPI app; apig-wsgi 2.20 runs a Flask app. The
events come from `adapters.events.build_event` for every source the peer supports. What
the app sees (method, route path, parsed query, headers, cookies, body) and what the
client gets (status, headers, every Set-Cookie, body bytes: both results read back by
`adapters.testing.client_response`, see peers.py) must be equal, except for the
disagreements listed in DISAGREEMENTS, where the peer is wrong and each has a test
asserting our behaviour.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any
from urllib.parse import parse_qsl, unquote

import apig_wsgi
import mangum
import pytest
from fastapi import FastAPI
from flask import Flask
from flask import Response as FlaskResponse
from flask import request as flask_request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters import LambdaHandler
from adapters.compat import Mangum, make_lambda_handler
from adapters.events import build_event

from .peers import client_view

# --------------------------------------------------------------------------------------
# Known disagreements: name -> (what the peer does, what we do, why we are right).
# Each has a test below named test_disagreement_<name> asserting our behaviour. The
# drop-in `adapters.compat.Mangum` keeps Mangum's reading wherever Mangum's own tests pin
# it (root_path, raw_path, stages, joined headers, server port, the 2.0 content type, the
# Lambda@Edge result): those entries hold between Mangum and `LambdaHandler`, what a user
# gains by switching to it (`run_mangum_vs_core`). The drop-in differs from Mangum itself
# in mangum_edge_repeated_headers, mangum_edge_path_encoded, mangum_alb_client and
# mangum_head_body.
# --------------------------------------------------------------------------------------

DISAGREEMENTS: dict[str, tuple[str, str, str]] = {
    "mangum_root_path": (
        "Mangum: REST stage / api_gateway_base_path stripped from `path`, root_path ''",
        "root_path '/prod', path '/prod/...' (route path the same)",
        "ASGI HTTP scope spec: root_path is the mount point and `path` includes it; "
        "clients use https://{api}.execute-api.{region}.amazonaws.com/{stage}/..., "
        "so generated URLs must keep the stage",
    ),
    "mangum_raw_path": (
        "Mangum: raw_path None",
        "raw_path is the path as the client sent it (percent-encoded)",
        "ASGI HTTP scope spec: raw_path is the original path bytes; without it '%2F' "
        "and '/' cannot be told apart",
    ),
    "mangum_http_stage": (
        "Mangum: HTTP API named stage left in the route path ('/v1/items' -> 404)",
        "stage is root_path; route path '/items'",
        "HTTP APIs prefix rawPath with a named stage on the execute-api domain "
        "(docs/event-sources.md §3); the stage is the mount point, not an app route",
    ),
    "mangum_repeated_request_headers": (
        "Mangum: payload 1.0 repeated headers joined into one with ', '",
        "one (name, value) pair per value",
        "ASGI spec: headers is a list of pairs and repeats are kept; joining breaks "
        "headers whose values may hold commas",
    ),
    "mangum_edge_repeated_headers": (
        "Mangum: Lambda@Edge keeps only the first value of a repeated request header",
        "every value",
        "Lambda@Edge event structure: each header is an array with one element per occurrence",
    ),
    "mangum_edge_path_encoded": (
        "Mangum: Lambda@Edge `path` is the raw uri, still percent-encoded",
        "decoded like every other source",
        "ASGI spec: path is decoded; CloudFront passes uri as received "
        "(URI and Query String Encoding)",
    ),
    "mangum_edge_response": (
        "Mangum: Lambda@Edge result has int status, `isBase64Encoded` (ignored by "
        "CloudFront), one value per header name (second Set-Cookie lost), Content-Length",
        "string status, `bodyEncoding`, every header value, disallowed headers dropped",
        "Generating HTTP responses in request triggers: status, statusDescription, "
        "headers {name: [{key, value}...]}, bodyEncoding text|base64; Content-Length is "
        "read-only (502 if set)",
    ),
    "mangum_server_port": (
        "Mangum: server port 80 without X-Forwarded-Port, even for https",
        "443 for https",
        "API Gateway, Function URLs and CloudFront serve HTTPS on 443; RFC 9110 §4.2.2",
    ),
    "mangum_alb_client": (
        "Mangum: client is the whole X-Forwarded-For value ('203.0.113.9, 198.51.100.7')",
        "the last hop, which the load balancer appended",
        "ALB X-Forwarded-For docs: the last address is the client's as ALB saw it; "
        "earlier ones are client-supplied",
    ),
    "mangum_v2_default_content_type": (
        "Mangum: payload 2.0 response without Content-Type gets 'application/json'",
        "headers as the app sent them",
        "RFC 9110 §8.3: a sender without a known type omits Content-Type; labelling "
        "arbitrary bytes JSON is wrong",
    ),
    "mangum_head_body": (
        "Mangum: HEAD response carries the GET body",
        "body dropped",
        "RFC 9110 §9.3.2: the server must not send content in a HEAD response",
    ),
    "apig_remote_addr": (
        "apig-wsgi: REMOTE_ADDR '127.0.0.1' on REST/HTTP 1.0 without X-Forwarded-For; "
        "on ALB the first (client-supplied) X-Forwarded-For hop",
        "requestContext.identity.sourceIp; on ALB the last hop",
        "REST proxy event: identity.sourceIp is the caller; ALB docs on X-Forwarded-For",
    ),
    "apig_script_name": (
        "apig-wsgi: SCRIPT_NAME '' with a REST stage; url_for drops the stage",
        "SCRIPT_NAME '/prod'",
        "PEP 3333 / CGI: SCRIPT_NAME is the mount point; stage URLs in the REST proxy docs",
    ),
    "apig_scheme_port": (
        "apig-wsgi: wsgi.url_scheme 'http' and SERVER_PORT '' without X-Forwarded-*",
        "'https' and '443'",
        "API Gateway endpoints are HTTPS only; PEP 3333 requires SERVER_PORT",
    ),
    "apig_repeated_cookie": (
        "apig-wsgi: repeated Cookie headers joined with ',' (app sees one cookie 'c' = '1,d=2')",
        "joined with '; '",
        "RFC 6265 §5.4 / RFC 9113 §8.2.3: cookie-pairs are separated by '; '",
    ),
    "apig_decoded_non_ascii_path": (
        "apig-wsgi: an HTTP API rawPath that arrives decoded ('/café') put in PATH_INFO "
        "as text, which Flask reads as '/caf\\ufffd'",
        "UTF-8 bytes as latin-1 in PATH_INFO; Flask reads '/café'",
        "PEP 3333: environ strings are bytes decoded as latin-1; HTTP APIs decode "
        "rawPath (docs/event-sources.md §3)",
    ),
    "apig_v2_repeated_response_headers": (
        "apig-wsgi: payload 2.0 response keeps the last value of a repeated header",
        "values comma-joined in one header (Set-Cookie in `cookies`)",
        "RFC 9110 §5.3: repeated fields combine into one comma-separated list; the 2.0 "
        "response `headers` map has one string per name",
    ),
    "function_url_leading_question_mark": (
        "both peers: a Function URL rawQueryString '?a=1' parses as key '?a'",
        "a leading '?' is dropped (key 'a'); a query whose first character is a "
        "literal '?' is the price",
        "Invoking Lambda function URLs: the request field table shows rawQueryString as "
        "'?parameter1=value1&parameter2=value2' (docs/event-sources.md §4); HTTP APIs "
        "keep it as sent",
    ),
    "apig_alb_single_value_cookies": (
        "apig-wsgi: ALB single-value headers keep the last Set-Cookie only",
        "every Set-Cookie, under case variants of the name",
        "ALB Lambda targets: single-value mode has one value per key; ALB passes "
        "differently-cased names as separate headers",
    ),
}

# --------------------------------------------------------------------------------------
# Apps: each reports what it saw and answers as the request's x-reply header asks.
# --------------------------------------------------------------------------------------

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
TEXT = "héllo wörld ✓ 𝄞".encode()
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def asgi_reply(request: Request) -> Response:
    scope = request.scope
    body = await request.body()
    root = scope.get("root_path", "")
    path = scope["path"]
    seen = {
        "method": scope["method"],
        "path": path,
        "root_path": root,
        "route_path": path[len(root) :] if root and path.startswith(root) else path,
        "raw_path": None if scope.get("raw_path") is None else scope["raw_path"].decode("latin-1"),
        "query": parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "cookies": request.cookies,
        "body": base64.b64encode(body).decode(),
        "client": scope.get("client"),
        "server": scope.get("server"),
        "scheme": scope["scheme"],
    }
    mode = request.headers.get("x-reply", "echo")
    response: Response
    if mode == "png":
        response = Response(PNG, media_type="image/png")
    elif mode == "text":
        response = Response(TEXT, media_type="text/plain")
    elif mode == "untyped":
        response = Response(b"\x00\x01raw")
    else:
        response = JSONResponse(seen)
    response.status_code = int(request.headers.get("x-reply-status", "200"))
    response.set_cookie("a", "1")
    response.set_cookie("b", "2; x", httponly=True)
    response.headers.append("X-Multi", "one")
    response.headers.append("X-Multi", "two")
    return response


def make_starlette() -> Starlette:
    return Starlette(routes=[Route("/{rest:path}", asgi_reply, methods=METHODS)])


def make_fastapi() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.add_api_route("/{rest:path}", asgi_reply, methods=METHODS)
    return app


def make_flask() -> Flask:
    app = Flask(__name__)

    @app.route("/", defaults={"rest": ""}, methods=METHODS)
    @app.route("/<path:rest>", methods=METHODS)
    def reply(rest: str) -> Any:
        req = flask_request
        seen = {
            "method": req.method,
            "route_path": req.path,
            "root_path": req.script_root,
            "query": list(req.args.items(multi=True)),
            "headers": [[k.lower(), v] for k, v in req.headers.items()],
            "cookies": req.cookies.to_dict(flat=False),
            "body": base64.b64encode(req.get_data()).decode(),
            "client": req.remote_addr,
            "scheme": req.scheme,
            "host": req.host,
        }
        mode = req.headers.get("x-reply", "echo")
        if mode == "png":
            response = FlaskResponse(PNG, content_type="image/png")
        elif mode == "text":
            response = FlaskResponse(TEXT, content_type="text/plain; charset=utf-8")
        else:
            response = FlaskResponse(json.dumps(seen), content_type="application/json")
        response.status_code = int(req.headers.get("x-reply-status", "200"))
        response.set_cookie("a", "1")
        response.set_cookie("b", "2; x", httponly=True)
        response.headers.add("X-Multi", "one")
        response.headers.add("X-Multi", "two")
        return response

    return app


STARLETTE, FASTAPI, FLASK = make_starlette(), make_fastapi(), make_flask()
MANGUM_PEERS = {
    "starlette": (mangum.Mangum(STARLETTE, lifespan="off"), Mangum(STARLETTE, lifespan="off")),
    "fastapi": (mangum.Mangum(FASTAPI, lifespan="off"), Mangum(FASTAPI, lifespan="off")),
}
MANGUM_VS_CORE = (
    mangum.Mangum(STARLETTE, lifespan="off"),
    LambdaHandler(STARLETTE, lifespan="off", access_log=False),
)
APIG_PEER = (apig_wsgi.make_lambda_handler(FLASK), make_lambda_handler(FLASK))
MANGUM_SOURCES = ["rest", "http-v1", "http", "function-url", "alb", "edge"]
APIG_SOURCES = ["rest", "http-v1", "http", "function-url", "alb"]

# --------------------------------------------------------------------------------------
# Running and reading results
# --------------------------------------------------------------------------------------


def _current_loop() -> None:
    """Real Mangum runs on the thread's current loop: make sure there is an open one."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        loop = None
    if loop is None or loop.is_closed():
        asyncio.set_event_loop(asyncio.new_event_loop())


def run_mangum(peer: str, event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    theirs, ours = MANGUM_PEERS[peer]
    _current_loop()
    return theirs(json.loads(json.dumps(event)), None), ours(json.loads(json.dumps(event)), None)


def run_mangum_vs_core(event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Mangum and `LambdaHandler` (not the drop-in, which keeps Mangum's reading): where
    switching from Mangum to `LambdaHandler` changes what the app sees, and why."""
    theirs, ours = MANGUM_VS_CORE
    _current_loop()
    return theirs(json.loads(json.dumps(event)), None), ours(json.loads(json.dumps(event)), None)


def run_apig(event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    theirs, ours = APIG_PEER
    return theirs(json.loads(json.dumps(event)), None), ours(json.loads(json.dumps(event)), None)


def seen_by_app(event: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(client_view(event, result).body)
    return data


def response_headers(event: dict[str, Any], result: dict[str, Any]) -> list[tuple[str, str]]:
    """Every response header a client receives, lowercased, in order, cookies included."""
    return [(name.lower(), value) for name, value in client_view(event, result).headers]


def header_view(pairs: list[tuple[str, str]], skip: set[str]) -> dict[str, list[str]]:
    """Headers compared as HTTP lists: repeated fields equal comma-joined ones."""
    view: dict[str, list[str]] = {}
    for name, value in pairs:
        if name in skip:
            continue
        if name == "set-cookie":
            view.setdefault(name, []).append(value)
        else:
            view.setdefault(name, []).extend(part.strip() for part in value.split(","))
    return view


def status_of(event: dict[str, Any], result: dict[str, Any]) -> int:
    return client_view(event, result).status


def request_view(seen: dict[str, Any], skip: set[str]) -> dict[str, Any]:
    headers = header_view([(k, v) for k, v in seen["headers"]], {"cookie", *skip})
    return {
        "method": seen["method"],
        "route_path": seen["route_path"],
        "query": [tuple(pair) for pair in seen["query"]],
        "headers": headers,
        "cookies": seen["cookies"],
        "body": seen["body"],
    }


def assert_same_response(
    event: dict[str, Any],
    theirs: dict[str, Any],
    ours: dict[str, Any],
    skip: set[str] | None = None,
) -> None:
    assert status_of(event, ours) == status_of(event, theirs)
    skip = {"content-length", *(skip or ())}
    assert header_view(response_headers(event, ours), skip) == header_view(
        response_headers(event, theirs), skip
    )
    assert client_view(event, ours).body == client_view(event, theirs).body


# --------------------------------------------------------------------------------------
# Fixed cases: every source, a spread of requests
# --------------------------------------------------------------------------------------

CASES: list[dict[str, Any]] = [
    {"method": "GET", "path": "/"},
    {"method": "GET", "path": "/items/42/", "query": [("a", "1"), ("a", "2"), ("b", "")]},
    {"method": "GET", "path": "/caf%C3%A9/%E2%9C%93", "query": [("q", "héllo wörld")]},
    {"method": "GET", "path": "/a%20b/c%2Bd", "query": [("x", "a+b&c=d"), ("y", "100%")]},
    {
        "method": "POST",
        "path": "/form",
        "headers": [("Content-Type", "application/json")],
        "body": '{"name": "zoë"}',
    },
    {
        "method": "PUT",
        "path": "/upload/",
        "headers": [("Content-Type", "application/octet-stream")],
        "body": PNG + bytes(range(256)),
    },
    {
        "method": "PATCH",
        "path": "/h",
        "headers": [("X-Trace", "a"), ("X-Trace", "b"), ("Accept", "text/html")],
    },
    {"method": "DELETE", "path": "/c", "headers": [("Cookie", "session=abc; theme=dark")]},
    {"method": "OPTIONS", "path": "/o", "query": [("k", "v")]},
]
REPLIES = [[], [("x-reply", "png")], [("x-reply", "text"), ("x-reply-status", "201")]]


def case_event(source: str, case: dict[str, Any], extra: list[tuple[str, str]]) -> dict[str, Any]:
    return build_event(
        source,
        method=case["method"],
        path=case["path"],
        query=case.get("query", ()),
        headers=[*case.get("headers", ()), *extra],
        body=case.get("body", b""),
        stage="$default" if source == "http" else None,
    )


# Lambda@Edge through Mangum: repeated headers, encoded paths and the response shape are
# known disagreements, so those parts are compared only where Mangum is right.
def mangum_skips(source: str, case: dict[str, Any]) -> set[str]:
    if source != "edge":
        return set()
    names = [name.lower() for name, _ in case.get("headers", ())]
    return {name for name in names if names.count(name) > 1}


@pytest.mark.parametrize("peer", ["starlette", "fastapi"])
@pytest.mark.parametrize("source", MANGUM_SOURCES)
@pytest.mark.parametrize("index", range(len(CASES)))
def test_mangum_app_sees_the_same_request(peer: str, source: str, index: int) -> None:
    case = CASES[index]
    if case["method"] == "HEAD":
        pytest.skip("HEAD has no body to read the echo from")
    event = case_event(source, case, [])
    theirs, ours = run_mangum(peer, event)
    assert status_of(event, ours) == status_of(event, theirs) == 200
    seen_theirs, seen_ours = seen_by_app(event, theirs), seen_by_app(event, ours)
    expected = request_view(seen_theirs, mangum_skips(source, case))
    if source == "edge" and "%" in case["path"]:
        expected["route_path"] = seen_ours["route_path"]  # mangum_edge_path_encoded
    assert request_view(seen_ours, mangum_skips(source, case)) == expected
    assert seen_ours["scheme"] == seen_theirs["scheme"] == "https"
    assert seen_ours["client"][0] == "198.51.100.7"


@pytest.mark.parametrize("peer", ["starlette", "fastapi"])
@pytest.mark.parametrize("source", [s for s in MANGUM_SOURCES if s != "edge"])
@pytest.mark.parametrize("reply", range(len(REPLIES)))
def test_mangum_client_gets_the_same_response(peer: str, source: str, reply: int) -> None:
    for case in CASES[:5]:
        event = case_event(source, case, REPLIES[reply])
        theirs, ours = run_mangum(peer, event)
        if REPLIES[reply]:
            assert_same_response(event, theirs, ours)
        else:  # the echo differs where the scopes do (root_path, server port, raw_path)
            assert status_of(event, ours) == status_of(event, theirs)
            skip = {"content-length"}
            assert header_view(response_headers(event, ours), skip) == header_view(
                response_headers(event, theirs), skip
            )
        cookies = [v for k, v in response_headers(event, ours) if k == "set-cookie"]
        assert len(cookies) == 2


@pytest.mark.parametrize("source", APIG_SOURCES)
@pytest.mark.parametrize("index", range(len(CASES)))
def test_apig_app_sees_the_same_request(source: str, index: int) -> None:
    case = CASES[index]
    event = case_event(source, case, [])
    theirs, ours = run_apig(event)
    assert status_of(event, ours) == status_of(event, theirs) == 200
    if case["method"] == "HEAD":
        return
    seen_theirs, seen_ours = seen_by_app(event, theirs), seen_by_app(event, ours)
    assert request_view(seen_ours, set()) == request_view(seen_theirs, set())
    assert seen_ours["host"] == seen_theirs["host"]


@pytest.mark.parametrize("source", APIG_SOURCES)
@pytest.mark.parametrize("reply", range(len(REPLIES)))
def test_apig_client_gets_the_same_response(source: str, reply: int) -> None:
    for case in CASES[:5]:
        extra = REPLIES[reply]
        event = case_event(source, case, extra)
        if extra and extra[0][1] == "png" and source in ("rest", "http-v1"):
            # binary_support is off by default on payload 1.0: apig-wsgi raises
            # UnicodeDecodeError (tests/differential/test_compat.py); ours falls back to base64.
            assert client_view(event, APIG_PEER[1](event, None)).body == PNG
            continue
        theirs, ours = run_apig(event)
        if extra:
            v2 = source in ("http", "function-url")
            assert_same_response(event, theirs, ours, {"x-multi"} if v2 else set())
        else:
            assert status_of(event, ours) == status_of(event, theirs)
            assert [v for k, v in response_headers(event, ours) if k == "set-cookie"] == [
                v for k, v in response_headers(event, theirs) if k == "set-cookie"
            ]


# --------------------------------------------------------------------------------------
# Generated cases
# --------------------------------------------------------------------------------------

SEGMENT = st.text(
    alphabet=st.sampled_from(list("abcXYZ019-._~!$&'()*+,;=:@ %?#/éü✓中𝄞")),
    min_size=1,
    max_size=8,
)
QUERY_TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ019 -_.~+&=%/?#é✓")), max_size=6)
HEADER_VALUE = st.text(alphabet=st.sampled_from(list("abcXYZ019-_./:=;")), min_size=1, max_size=8)


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    from urllib.parse import quote

    segments = draw(st.lists(SEGMENT, max_size=3))
    path = "/" + "/".join(quote(segment, safe="") for segment in segments)
    if segments and draw(st.booleans()):
        path += "/"
    # A query starting with a literal '?': see function_url_leading_question_mark.
    key = QUERY_TEXT.filter(lambda text: bool(text) and not text.startswith("?"))
    query = draw(st.lists(st.tuples(key, QUERY_TEXT), max_size=4))
    names = draw(st.lists(st.sampled_from(["x-a", "x-b", "accept-language"]), max_size=4))
    headers = [(name, draw(HEADER_VALUE)) for name in names]
    if draw(st.booleans()):
        cookies = draw(st.lists(st.sampled_from(["a=1", "b=two", "c="]), min_size=1, max_size=3))
        headers.append(("Cookie", "; ".join(cookies)))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    body: bytes = b""
    if method != "GET":
        if draw(st.booleans()):
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
            body = draw(st.text(max_size=20)).encode("utf-8")
        else:
            headers.append(("Content-Type", "application/octet-stream"))
            body = draw(st.binary(max_size=40))
    return {"method": method, "path": path, "query": query, "headers": headers, "body": body}


FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@FAST
@given(
    case=requests(),
    source=st.sampled_from(MANGUM_SOURCES),
    peer=st.sampled_from(["starlette", "fastapi"]),
)
def test_mangum_generated_requests(case: dict[str, Any], source: str, peer: str) -> None:
    event = case_event(source, case, [])
    theirs, ours = run_mangum(peer, event)
    skip = mangum_skips(source, case)
    expected = request_view(seen_by_app(event, theirs), skip)
    if source == "edge":  # mangum_edge_path_encoded
        expected["route_path"] = unquote(expected["route_path"])
    assert request_view(seen_by_app(event, ours), skip) == expected
    if source != "edge":  # mangum_edge_response: Mangum keeps one Set-Cookie
        assert [v for k, v in response_headers(event, ours) if k == "set-cookie"] == [
            v for k, v in response_headers(event, theirs) if k == "set-cookie"
        ]


@FAST
@given(case=requests(), source=st.sampled_from(APIG_SOURCES))
def test_apig_generated_requests(case: dict[str, Any], source: str) -> None:
    event = case_event(source, case, [])
    theirs, ours = run_apig(event)
    assert request_view(seen_by_app(event, ours), set()) == request_view(
        seen_by_app(event, theirs), set()
    )


# --------------------------------------------------------------------------------------
# The disagreements: our behaviour, asserted
# --------------------------------------------------------------------------------------


def test_every_disagreement_has_a_test() -> None:
    names = {name.removeprefix("test_disagreement_") for name in globals()}
    assert set(DISAGREEMENTS) <= names


def test_disagreement_mangum_root_path() -> None:
    event = build_event("rest", path="/items", stage="prod")
    theirs, ours = run_mangum_vs_core(event)
    assert seen_by_app(event, theirs)["root_path"] == ""
    assert seen_by_app(event, theirs)["path"] == "/items"
    assert seen_by_app(event, ours)["root_path"] == "/prod"
    assert seen_by_app(event, ours)["path"] == "/prod/items"
    assert seen_by_app(event, ours)["route_path"] == seen_by_app(event, theirs)["route_path"]


def test_disagreement_mangum_raw_path() -> None:
    event = build_event("http", path="/a%2Fb/caf%C3%A9")
    theirs, ours = run_mangum_vs_core(event)
    assert seen_by_app(event, theirs)["raw_path"] is None
    assert seen_by_app(event, ours)["raw_path"] == "/a%2Fb/caf%C3%A9"
    assert seen_by_app(event, ours)["path"] == seen_by_app(event, theirs)["path"] == "/a/b/café"


def test_disagreement_mangum_http_stage() -> None:
    event = build_event("http", path="/items", stage="v1")
    theirs, ours = run_mangum_vs_core(event)
    assert seen_by_app(event, theirs)["route_path"] == "/v1/items"
    assert seen_by_app(event, ours)["route_path"] == "/items"
    assert seen_by_app(event, ours)["root_path"] == "/v1"


def test_disagreement_mangum_repeated_request_headers() -> None:
    event = build_event("rest", path="/", headers=[("X-A", "1"), ("X-A", "2, 3")])
    theirs, ours = run_mangum_vs_core(event)
    assert ["x-a", "1, 2, 3"] in seen_by_app(event, theirs)["headers"]
    assert [h for h in seen_by_app(event, ours)["headers"] if h[0] == "x-a"] == [
        ["x-a", "1"],
        ["x-a", "2, 3"],
    ]


def test_disagreement_mangum_edge_repeated_headers() -> None:
    event = build_event("edge", path="/", headers=[("X-A", "1"), ("X-A", "2")])
    theirs, ours = run_mangum("starlette", event)
    assert [h for h in seen_by_app(event, theirs)["headers"] if h[0] == "x-a"] == [["x-a", "1"]]
    assert [h for h in seen_by_app(event, ours)["headers"] if h[0] == "x-a"] == [
        ["x-a", "1"],
        ["x-a", "2"],
    ]


def test_disagreement_mangum_edge_path_encoded() -> None:
    event = build_event("edge", path="/caf%C3%A9/a%20b")
    theirs, ours = run_mangum("starlette", event)
    assert seen_by_app(event, theirs)["path"] == "/caf%C3%A9/a%20b"
    assert seen_by_app(event, ours)["path"] == "/café/a b"
    assert seen_by_app(event, ours)["raw_path"] is None  # the drop-in keeps Mangum's None
    _, core = run_mangum_vs_core(event)
    assert seen_by_app(event, core)["path"] == "/café/a b"
    assert seen_by_app(event, core)["raw_path"] == "/caf%C3%A9/a%20b"


def test_disagreement_mangum_edge_response() -> None:
    event = build_event("edge", path="/", headers=[("x-reply", "png")])
    theirs, ours = run_mangum_vs_core(event)
    assert theirs["status"] == 200
    assert "bodyEncoding" not in theirs
    assert len(theirs["headers"]["set-cookie"]) == 1
    assert "content-length" in theirs["headers"]
    assert ours["status"] == "200"
    assert ours["statusDescription"] == "OK"
    assert ours["bodyEncoding"] == "base64"
    assert "isBase64Encoded" not in ours
    assert client_view(event, ours).body == PNG
    assert [e["value"] for e in ours["headers"]["x-multi"]] == ["one", "two"]
    assert len(ours["headers"]["set-cookie"]) == 2
    assert "content-length" not in ours["headers"]


@pytest.mark.parametrize("source", ["rest", "http", "function-url", "edge"])
def test_disagreement_mangum_server_port(source: str) -> None:
    event = build_event(source, path="/")
    theirs, ours = run_mangum_vs_core(event)
    assert seen_by_app(event, theirs)["server"][1] == 80
    assert seen_by_app(event, ours)["server"][1] == 443
    assert seen_by_app(event, ours)["server"][0] == seen_by_app(event, theirs)["server"][0]


def alb_event_with_forwarded_chain() -> dict[str, Any]:
    event = build_event("alb", path="/")
    event["multiValueHeaders"]["x-forwarded-for"] = ["203.0.113.9, 198.51.100.7"]
    return event


def test_disagreement_mangum_alb_client() -> None:
    event = alb_event_with_forwarded_chain()
    theirs, ours = run_mangum("starlette", event)
    assert seen_by_app(event, theirs)["client"][0] == "203.0.113.9, 198.51.100.7"
    assert seen_by_app(event, ours)["client"][0] == "198.51.100.7"


def test_disagreement_mangum_v2_default_content_type() -> None:
    event = build_event("http", headers=[("x-reply", "untyped")])
    theirs, ours = run_mangum_vs_core(event)
    assert theirs["headers"]["content-type"] == "application/json"
    assert "content-type" not in ours["headers"]
    assert client_view(event, ours).body == client_view(event, theirs).body == b"\x00\x01raw"


@pytest.mark.parametrize("source", ["rest", "http", "alb"])
def test_disagreement_mangum_head_body(source: str) -> None:
    event = build_event(source, method="HEAD", path="/")
    theirs, ours = run_mangum("starlette", event)
    assert client_view(event, theirs).body != b""
    assert client_view(event, ours).body == b""
    assert status_of(event, ours) == status_of(event, theirs) == 200


def test_disagreement_apig_remote_addr() -> None:
    event = build_event("rest", path="/")
    theirs, ours = run_apig(event)
    assert seen_by_app(event, theirs)["client"] == "127.0.0.1"
    assert seen_by_app(event, ours)["client"] == "198.51.100.7"
    event = alb_event_with_forwarded_chain()
    theirs, ours = run_apig(event)
    assert seen_by_app(event, theirs)["client"] == "203.0.113.9"
    assert seen_by_app(event, ours)["client"] == "198.51.100.7"


def test_disagreement_apig_script_name() -> None:
    event = build_event("rest", path="/items", stage="prod")
    theirs, ours = run_apig(event)
    assert seen_by_app(event, theirs)["root_path"] == ""
    assert seen_by_app(event, ours)["root_path"] == "/prod"
    assert (
        seen_by_app(event, ours)["route_path"]
        == seen_by_app(event, theirs)["route_path"]
        == "/items"
    )


@pytest.mark.parametrize("source", ["rest", "http", "function-url"])
def test_disagreement_apig_scheme_port(source: str) -> None:
    captured: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        captured.append(environ)
        start_response("204 No Content", [])
        return []

    event = build_event(source, path="/")
    apig_wsgi.make_lambda_handler(app)(event, None)
    make_lambda_handler(app)(event, None)
    theirs, ours = captured
    assert (theirs["wsgi.url_scheme"], theirs["SERVER_PORT"]) == ("http", "")
    assert (ours["wsgi.url_scheme"], ours["SERVER_PORT"]) == ("https", "443")


@pytest.mark.parametrize("source", ["rest", "alb"])
def test_disagreement_apig_repeated_cookie(source: str) -> None:
    event = build_event(source, path="/", headers=[("Cookie", "c=1"), ("Cookie", "d=2")])
    theirs, ours = run_apig(event)
    assert seen_by_app(event, theirs)["cookies"] == {"c": ["1,d=2"]}
    assert seen_by_app(event, ours)["cookies"] == {"c": ["1"], "d": ["2"]}


def test_disagreement_apig_decoded_non_ascii_path() -> None:
    event = build_event("http", path="/caf%C3%A9/x")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/café/x"
    theirs, ours = run_apig(event)
    assert seen_by_app(event, theirs)["route_path"] == "/caf\ufffd/x"
    assert seen_by_app(event, ours)["route_path"] == "/café/x"


def test_disagreement_apig_v2_repeated_response_headers() -> None:
    event = build_event("http", path="/", headers=[("x-reply", "text")])
    theirs, ours = run_apig(event)
    assert theirs["headers"]["x-multi"] == "two"
    assert ours["headers"]["x-multi"] == "one,two"


def test_http_api_query_may_start_with_a_literal_question_mark() -> None:
    event = build_event("http", path="/", query=[("?", "1")])
    assert event["rawQueryString"] == "?=1"
    theirs, ours = run_apig(event)
    assert seen_by_app(event, ours)["query"] == seen_by_app(event, theirs)["query"] == [["?", "1"]]


@pytest.mark.parametrize("run", [run_apig, run_mangum_vs_core])
def test_disagreement_function_url_leading_question_mark(run: Any) -> None:
    event = build_event("function-url", path="/", query=[("?a", "1")])
    assert event["rawQueryString"] == "?a=1"
    theirs, ours = run(event)
    assert seen_by_app(event, theirs)["query"] == [["?a", "1"]]
    assert seen_by_app(event, ours)["query"] == [["a", "1"]]


def test_disagreement_apig_alb_single_value_cookies() -> None:
    event = build_event("alb", path="/", multi_value=False)
    theirs, ours = run_apig(event)
    theirs_cookies = [v for k, v in response_headers(event, theirs) if k == "set-cookie"]
    assert len(theirs_cookies) == 1
    assert theirs_cookies[0].startswith("b=")
    ours_cookies = [v for k, v in response_headers(event, ours) if k == "set-cookie"]
    assert [cookie[:2] for cookie in ours_cookies] == ["a=", "b="]
