"""VPC Lattice targets, event formats v1 and v2 (adapters/sources/lattice.py)."""

from __future__ import annotations

import base64

from adapters import LambdaHandler
from adapters.events import build_event

from ..apps import make_flask_app
from .common import load, seen, wsgi


def test_lattice_v2_with_list_values() -> None:
    environ = seen(wsgi, load("lattice-v2-lists.json"))
    assert environ["PATH_INFO"] == "/items/café".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "tag=a&tag=b"
    assert environ["HTTP_X_REPEAT"] == "one,two"
    assert environ["REMOTE_ADDR"] == "10.0.0.7"
    assert base64.b64decode(environ["body"]) == b"hello lattice"


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
