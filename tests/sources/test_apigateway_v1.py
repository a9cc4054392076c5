"""API Gateway REST APIs and HTTP APIs with payload 1.0 (adapters/sources/apigateway_v1.py)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from adapters.events import build_event

from .common import asgi, load, seen, wsgi


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
