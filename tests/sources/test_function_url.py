"""Lambda Function URLs (adapters/sources/function_url.py)."""

from __future__ import annotations

from adapters import LambdaHandler
from adapters.events import build_event

from ..apps import make_flask_app
from .common import seen, wsgi


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
