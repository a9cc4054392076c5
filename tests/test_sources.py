"""What an app sees, and what the front door gets back, for each AWS event source.

Fixtures in tests/events/ are written from the AWS documentation's examples; others are
built with `adapters.events.build_event`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from adapters import LambdaHandler
from adapters.events import SOURCE_NAMES, build_event

from .apps import PNG, asgi_echo, make_flask_app, make_starlette_app, wsgi_echo
from .conftest import response_body

EVENTS = Path(__file__).parent / "events"


def load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def seen(handler: LambdaHandler, event: dict[str, Any]) -> dict[str, Any]:
    result = handler(event, None)
    assert result.get("statusCode", result.get("status")) in (200, "200"), result
    return json.loads(response_body(result))


wsgi = LambdaHandler(wsgi_echo)
asgi = LambdaHandler(asgi_echo)


# --- API Gateway REST API (payload 1.0) -------------------------------------------------


def test_rest_named_stage_becomes_script_name_and_path_stays_encoded() -> None:
    environ = seen(wsgi, load("rest-stage.json"))
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SCRIPT_NAME"] == "/v2"
    assert environ["PATH_INFO"] == "/items/café/".encode().decode("latin-1")
    assert parse_qsl(environ["QUERY_STRING"]) == [("tag", "a"), ("tag", "b&c"), ("q", "a b")]
    assert environ["HTTP_X_REPEAT"] == "one,two"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["CONTENT_LENGTH"] == str(len('{"title": "café"}'.encode()))
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    assert environ["SERVER_NAME"] == "r4nd0m1d.execute-api.eu-west-1.amazonaws.com"
    assert environ["SERVER_PORT"] == "443"
    assert environ["wsgi.url_scheme"] == "https"


def test_rest_named_stage_in_asgi_scope() -> None:
    scope = seen(asgi, load("rest-stage.json"))
    assert scope["root_path"] == "/v2"
    assert scope["path"] == "/v2/items/café/"
    assert scope["raw_path"] == "/v2/items/caf%C3%A9/"
    assert ["x-repeat", "one"] in scope["headers"] and ["x-repeat", "two"] in scope["headers"]
    assert scope["client"] == ["203.0.113.9", 0]


@pytest.mark.parametrize("source", ["rest", "http-v1", "http"])
def test_flask_url_for_includes_the_stage(source: str) -> None:
    handler = LambdaHandler(make_flask_app())
    body = seen(handler, build_event(source, path="/", stage="prod"))
    assert body["link"] == "/prod/items/a%20b"
    assert body["external"] == "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/"
    # and the app's own routes still match under the stage
    assert seen(handler, build_event(source, path="/items/x", stage="prod"))["name"] == "x"


@pytest.mark.parametrize("source", ["rest", "http-v1", "http"])
def test_starlette_url_for_includes_the_stage(source: str) -> None:
    handler = LambdaHandler(make_starlette_app())
    body = seen(handler, build_event(source, path="/", stage="prod"))
    assert body == {
        "link": "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/items/ab",
        "root_path": "/prod",
    }


@pytest.mark.parametrize("source", ["rest", "http-v1", "http"])
def test_default_stage_and_custom_domains_have_no_prefix(source: str) -> None:
    handler = LambdaHandler(make_flask_app())
    default = seen(handler, build_event(source, path="/", stage="$default"))
    assert default["link"] == "/items/a%20b"
    custom = seen(handler, build_event(source, path="/", stage="prod", domain="api.example.com"))
    assert custom["link"] == "/items/a%20b"
    assert custom["external"] == "https://api.example.com/"


def test_rest_stage_named_like_the_first_path_segment() -> None:
    event = build_event("rest", path="/prod/x", stage="prod")
    environ = seen(wsgi, event)
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/prod", "/prod/x")


def test_rest_multi_value_query_parses_back_to_the_same_values() -> None:
    pairs = [("a", "1"), ("a", "2&3=4"), ("b", "x+y z%"), ("ü", "ö"), ("empty", "")]
    environ = seen(wsgi, build_event("rest", query=pairs))
    assert parse_qsl(environ["QUERY_STRING"], keep_blank_values=True) == pairs


def test_rest_null_maps_as_the_console_sends_them() -> None:
    event = build_event("rest", path="/x")
    for key in ("headers", "multiValueHeaders", "queryStringParameters"):
        event[key] = None
    event["multiValueQueryStringParameters"] = None
    environ = seen(wsgi, event)
    assert environ["PATH_INFO"] == "/x" and environ["QUERY_STRING"] == ""


# --- HTTP API payload 2.0 and Function URLs ------------------------------------------------


def test_http_v2_keeps_raw_path_raw_query_and_joins_cookies() -> None:
    scope = seen(asgi, load("http-v2-stage.json"))
    assert scope["method"] == "PUT"
    assert scope["raw_path"] == "/dev/items/a%2Fb/"
    assert scope["root_path"] == "/dev"
    assert scope["path"] == "/dev/items/a/b/"
    assert scope["query_string"] == "tag=a&tag=b%26c&q=a+b&empty="
    assert ["cookie", "session=abc; theme=dark"] in scope["headers"]
    assert ["x-repeat", "one,two"] in scope["headers"]
    assert response_body({"body": scope["body"], "isBase64Encoded": True}) == b"\x00\x01\xff\x80"


def test_http_v2_wsgi_environ() -> None:
    environ = seen(wsgi, load("http-v2-stage.json"))
    assert environ["SCRIPT_NAME"] == "/dev"
    assert environ["PATH_INFO"] == "/items/a/b/"
    assert environ["QUERY_STRING"] == "tag=a&tag=b%26c&q=a+b&empty="
    assert environ["HTTP_COOKIE"] == "session=abc; theme=dark"
    assert environ["CONTENT_LENGTH"] == "4"
    assert environ["CONTENT_TYPE"] == "application/octet-stream"


@pytest.mark.parametrize("path", ["/a/", "/a%20b/c/", "/caf%C3%A9", "/%E2%82%AC/x//y"])
@pytest.mark.parametrize("source", ["http", "function-url"])
def test_v2_trailing_slashes_and_escapes_preserved(source: str, path: str) -> None:
    scope = seen(asgi, build_event(source, path=path))
    assert scope["raw_path"] == path
    assert scope["root_path"] == ""


def test_function_url_raw_query_with_leading_question_mark() -> None:
    event = build_event("function-url", path="/q")
    event["rawQueryString"] = "?a=1&b=%20"
    assert seen(wsgi, event)["QUERY_STRING"] == "a=1&b=%20"


def test_function_url_cookies_flask_session_round_trip() -> None:
    handler = LambdaHandler(make_flask_app())
    result = handler(build_event("function-url", path="/cookies"), None)
    assert result["cookies"] == [
        "first=1; Path=/",
        "second=2; HttpOnly; Path=/",
    ]
    assert "set-cookie" not in result["headers"]
    event = build_event("function-url", path="/whoami", headers=[("Cookie", "first=1; second=2")])
    assert seen(handler, event)["cookies"] == {"first": "1", "second": "2"}


# --- Application Load Balancer ------------------------------------------------------------


def test_alb_query_and_path_passed_through_undecoded() -> None:
    environ = seen(wsgi, load("alb-single.json"))
    assert environ["QUERY_STRING"] == "q=a%20b&next=%2Fhome"
    assert parse_qsl(environ["QUERY_STRING"]) == [("q", "a b"), ("next", "/home")]
    assert environ["PATH_INFO"] == "/items/café".encode().decode("latin-1")
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["SERVER_PORT"] == "80"
    assert environ["REMOTE_ADDR"] == "72.12.164.125"


def test_alb_response_matches_the_request_header_mode() -> None:
    handler = LambdaHandler(make_flask_app())
    multi = handler(build_event("alb", path="/cookies", multi_value=True), None)
    assert multi["statusDescription"] == "200 OK"
    assert "headers" not in multi
    assert multi["multiValueHeaders"]["Set-Cookie"] == [
        "first=1; Path=/",
        "second=2; HttpOnly; Path=/",
    ]
    single = handler(build_event("alb", path="/cookies", multi_value=False), None)
    assert "multiValueHeaders" not in single
    cookies = sorted(v for k, v in single["headers"].items() if k.lower() == "set-cookie")
    assert cookies == ["first=1; Path=/", "second=2; HttpOnly; Path=/"]
    assert all(isinstance(v, str) for v in single["headers"].values())


def test_alb_status_description_for_every_status() -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response(environ["PATH_INFO"][1:] + " Whatever", [])
        return [b""]

    handler = LambdaHandler(app)
    assert handler(build_event("alb", path="/404"), None)["statusDescription"] == "404 Not Found"
    assert handler(build_event("alb", path="/599"), None)["statusDescription"] == "599 Unknown"


# --- VPC Lattice ----------------------------------------------------------------------------


def test_lattice_v2_with_list_values() -> None:
    environ = seen(wsgi, load("lattice-v2-lists.json"))
    assert environ["PATH_INFO"] == "/items/café".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "tag=a&tag=b"
    assert environ["HTTP_X_REPEAT"] == "one,two"
    assert environ["REMOTE_ADDR"] == "10.0.0.7"
    assert response_body({"body": environ["body"], "isBase64Encoded": True}) == b"hello lattice"


def test_lattice_v2_with_string_values() -> None:
    event = load("lattice-v2-lists.json")
    event["headers"] = {k: ",".join(v) for k, v in event["headers"].items()}
    event["queryStringParameters"] = {"tag": "a"}
    environ = seen(wsgi, event)
    assert environ["HTTP_X_REPEAT"] == "one,two" and environ["QUERY_STRING"] == "tag=a"


def test_lattice_v1_snake_case_event() -> None:
    event = build_event(
        "lattice-v1", method="PATCH", path="/v1/x", query=[("q", "1")], body=b"\x01"
    )
    assert "raw_path" in event and "is_base64_encoded" in event
    environ = seen(wsgi, event)
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"]) == (
        "PATCH",
        "/v1/x",
        "q=1",
    )
    result = LambdaHandler(make_flask_app())(build_event("lattice-v1", path="/cookies"), None)
    assert result["statusDescription"] == "200 OK"
    assert sorted(v for k, v in result["headers"].items() if k.lower() == "set-cookie") == [
        "first=1; Path=/",
        "second=2; HttpOnly; Path=/",
    ]


# --- CloudFront Lambda@Edge ------------------------------------------------------------------


def test_edge_origin_request_event() -> None:
    environ = seen(wsgi, load("edge-origin-request.json"))
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["PATH_INFO"] == "/forms/submit"
    assert environ["QUERY_STRING"] == "size=LARGE&tag=a&tag=b%26c"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_X_REPEAT"] == "one,two"
    assert environ["REMOTE_ADDR"] == "203.0.113.178"
    assert environ["SERVER_NAME"] == "d111111abcdef8.cloudfront.net"
    body = response_body({"body": environ["body"], "isBase64Encoded": True})
    assert body == b"name=caf%C3%A9"


def test_edge_generated_response_shape() -> None:
    handler = LambdaHandler(make_flask_app())
    result = handler(build_event("edge", path="/cookies"), None)
    assert result["status"] == "200"
    assert result["statusDescription"] == "OK"
    assert result["bodyEncoding"] == "text"
    assert result["body"] == "cookies set"
    assert [h["value"] for h in result["headers"]["set-cookie"]] == [
        "first=1; Path=/",
        "second=2; HttpOnly; Path=/",
    ]
    assert result["headers"]["content-type"] == [
        {"key": "Content-Type", "value": "text/html; charset=utf-8"}
    ]
    # CloudFront refuses generated responses carrying read-only headers such as Content-Length
    assert "content-length" not in result["headers"]


def test_edge_truncated_body_is_refused_not_passed_on() -> None:
    event = load("edge-origin-request.json")
    event["Records"][0]["cf"]["request"]["body"]["inputTruncated"] = True
    result = wsgi(event, None)
    assert result["status"] == "400"
    assert "truncated" in result["body"]


# --- Bodies, for every source ------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCE_NAMES)
@pytest.mark.parametrize("make_app", [make_flask_app, make_starlette_app])
def test_binary_round_trip(source: str, make_app: Any) -> None:
    handler = LambdaHandler(make_app())
    payload = bytes(range(256))
    event = build_event(
        source,
        method="POST",
        path="/echo",
        headers=[("Content-Type", "application/octet-stream")],
        body=payload,
    )
    result = handler(event, None)
    assert result.get("isBase64Encoded") is True or result.get("bodyEncoding") == "base64"
    assert response_body(result) == payload


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_png_goes_base64_and_json_goes_as_text(source: str) -> None:
    handler = LambdaHandler(make_flask_app())
    image = handler(build_event(source, path="/image.png"), None)
    assert response_body(image) == PNG
    text = handler(build_event(source, path="/items/x"), None)
    assert text.get("isBase64Encoded") is False or text.get("bodyEncoding") == "text"
    assert json.loads(text["body"])["name"] == "x"


def _respond_with(body: bytes, headers: list[tuple[str, str]]) -> Any:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", headers)
        return [body]

    return app


@pytest.mark.parametrize(
    ("headers", "body", "as_text"),
    [
        ([("Content-Type", "text/html; charset=utf-8")], "é".encode(), True),
        ([("Content-Type", "application/problem+json")], b"{}", True),
        ([("Content-Type", "image/svg+xml")], b"<svg/>", True),
        ([("Content-Type", "application/x-www-form-urlencoded")], b"a=1", True),
        ([("Content-Type", "application/javascript")], b"1;", True),
        ([("Content-Type", "text/plain")], b"\xff\xfe", False),  # not UTF-8
        ([("Content-Type", "text/plain"), ("Content-Encoding", "gzip")], b"abc", False),
        ([("Content-Type", "application/pdf")], b"%PDF", False),
        ([], b"no type", False),
    ],
)
def test_text_or_base64_choice(headers: list[tuple[str, str]], body: bytes, as_text: bool) -> None:
    result = LambdaHandler(_respond_with(body, headers))(build_event("http"), None)
    assert result["isBase64Encoded"] is (not as_text)
    assert response_body(result) == body


def test_custom_text_mime_types() -> None:
    app = _respond_with(b"a,b", [("Content-Type", "application/pdf")])
    handler = LambdaHandler(app, text_mime_types=["application/pdf"])
    assert handler(build_event("http"), None)["isBase64Encoded"] is False
    handler = LambdaHandler(
        _respond_with(b"<p>", [("Content-Type", "text/html")]), text_mime_types=[]
    )
    assert handler(build_event("http"), None)["isBase64Encoded"] is True


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_head_response_has_no_body(source: str) -> None:
    app = _respond_with(b"full body", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    result = LambdaHandler(app)(build_event(source, method="HEAD"), None)
    assert response_body(result) == b""


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_content_length_is_the_real_body_length(source: str) -> None:
    event = build_event(
        source,
        method="POST",
        headers=[("Content-Length", "999"), ("Content-Type", "text/plain")],
        body="four",
    )
    environ = seen(wsgi, event)
    assert environ["CONTENT_LENGTH"] == "4"
    assert "HTTP_CONTENT_LENGTH" not in environ
