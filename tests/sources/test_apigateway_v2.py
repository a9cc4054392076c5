"""HTTP APIs with payload 2.0 (adapters/sources/apigateway_v2.py), the format Function URLs
share."""

from __future__ import annotations

import base64

import pytest

from adapters.events import build_event

from .common import asgi, load, seen, wsgi


def test_http_v2_keeps_raw_path_raw_query_and_joins_cookies() -> None:
    scope = seen(asgi, load("http-v2-stage.json"))
    assert scope["method"] == "PUT"
    assert scope["raw_path"] == "/dev/items/a%2Fb/"
    assert scope["root_path"] == "/dev"
    assert scope["path"] == "/dev/items/a/b/"
    assert scope["query_string"] == "tag=a&tag=b%26c&q=a+b&empty="
    assert ["cookie", "session=abc; theme=dark"] in scope["headers"]
    assert ["x-repeat", "one,two"] in scope["headers"]
    assert base64.b64decode(scope["body"]) == b"\x00\x01\xff\x80"


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
