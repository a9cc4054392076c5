"""Application Load Balancer targets (adapters/sources/alb.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from adapters import LambdaHandler
from adapters.events import build_event

from ..apps import make_flask_app
from .common import load, seen, wsgi


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
