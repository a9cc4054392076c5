"""API Gateway stages, in every payload format: the mount point, kept in generated URLs."""

from __future__ import annotations

import pytest

from adapters import LambdaHandler
from adapters.events import build_event

from ..apps import make_flask_app, make_starlette_app
from .common import seen


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
