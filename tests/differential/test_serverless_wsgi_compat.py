"""A serverless-wsgi user switches the import and gets the same environ and results.

The real serverless-wsgi 3.1.0 (installed from its wheel for the tests) is the oracle:
the same event goes to both `handle_request`s with the same Flask app, which answers with
the WSGI environ it saw. Its own suite (`wsgi_handler_test.py`) is not published on the
package index; `scripts/run-serverless-wsgi-suite.sh` runs it where a copy of the
repository is at hand (docs/migrating.md gives the figure).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import serverless_wsgi
from flask import Flask, Response, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import UnknownEventError
from adapters.compat import serverless_wsgi as ours
from adapters.events import build_event

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def make_app() -> Flask:
    app = Flask(__name__)

    @app.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "HEAD"])
    @app.route("/<path:rest>", methods=["GET", "POST", "PUT", "HEAD"])
    def echo(rest: str) -> Any:
        reply = request.headers.get("x-reply", "environ")
        if reply == "png":
            response = Response(PNG, content_type="image/png")
        elif reply == "svg":
            response = Response("<svg/>", content_type="image/svg+xml")
        elif reply == "empty":
            response = Response(b"", status=204)
        elif reply == "gzip":
            response = Response(b"not really gzip", content_type="text/plain")
            response.headers["Content-Encoding"] = "gzip"
        else:
            seen = {
                key: value
                for key, value in request.environ.items()
                if isinstance(value, str | int | bool | tuple | type(None))
                and not key.startswith("werkzeug.")
            }
            seen["body"] = base64.b64encode(request.get_data()).decode()
            seen["url"] = request.url
            response = Response(json.dumps(seen, default=str), content_type="application/json")
        response.status_code = int(request.headers.get("x-status", "200"))
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        response.headers.add("X-Multi", "one")
        response.headers.add("X-Multi", "two")
        return response

    return app


APP = make_app()
SOURCES = ["rest", "http-v1", "http", "function-url", "alb"]


def both(event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    theirs = serverless_wsgi.handle_request(APP, json.loads(json.dumps(event)), {})
    mine = ours.handle_request(APP, json.loads(json.dumps(event)), {})
    return theirs, mine


def environ_of(result: dict[str, Any]) -> dict[str, Any]:
    body = result["body"]
    data: dict[str, Any] = json.loads(base64.b64decode(body) if result["isBase64Encoded"] else body)
    data.pop("wsgi.version", None)  # a tuple: JSON makes a list of both
    return data


CASES = [
    {"path": "/"},
    {"path": "/items/42", "query": [("a", "1"), ("a", "2"), ("b", "x y")]},
    {"path": "/caf%C3%A9", "query": [("q", "héllo")]},
    {"method": "POST", "path": "/form", "body": '{"name": "zoë"}',
     "headers": [("Content-Type", "application/json")]},
    {"method": "PUT", "path": "/bin", "body": PNG,
     "headers": [("Content-Type", "application/octet-stream")]},
    {"path": "/c", "headers": [("Cookie", "session=abc; theme=dark"), ("X-Trace", "t1")]},
]  # fmt: skip


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", CASES, ids=[case["path"] for case in CASES])
def test_the_app_sees_the_same_environ(source: str, case: dict[str, Any]) -> None:
    event = build_event(source, **case)
    theirs, mine = both(event)
    assert environ_of(mine) == environ_of(theirs)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("reply", ["environ", "png", "svg", "empty", "gzip"])
@pytest.mark.parametrize("multi_value", [True, False])
def test_the_result_dict_is_the_same(source: str, reply: str, multi_value: bool) -> None:
    event = build_event(source, path="/r", headers=[("X-Reply", reply)], multi_value=multi_value)
    theirs, mine = both(event)
    if reply == "environ":
        assert environ_of(mine) == environ_of(theirs)
        theirs.pop("body"), mine.pop("body")
    assert mine == theirs


@pytest.mark.parametrize("variable", ["STRIP_STAGE_PATH", "API_GATEWAY_BASE_PATH"])
def test_the_environment_variables_work_the_same(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "v1" if variable == "API_GATEWAY_BASE_PATH" else "yes")
    for source in ("rest", "http"):
        event = build_event(source, path="/v1/items", stage="prod")
        theirs, mine = both(event)
        assert environ_of(mine)["SCRIPT_NAME"] == environ_of(theirs)["SCRIPT_NAME"]
        assert environ_of(mine)["PATH_INFO"] == environ_of(theirs)["PATH_INFO"]


@pytest.mark.parametrize("source", ["aws.events", "serverless-plugin-warmup"])
def test_warm_up_pings_do_not_reach_the_app(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    event = {"source": source, "detail-type": "Scheduled Event"}
    assert (
        ours.handle_request(APP, event, {}) == serverless_wsgi.handle_request(APP, event, {}) == {}
    )
    assert "warming" in capsys.readouterr().out


def lambda_integration_event(status: str = "200") -> dict[str, Any]:
    """API Gateway's non-proxy integration with its default mapping template."""
    return {
        "body": {"name": "zoë"},
        "method": "POST",
        "principalId": "user-1",
        "stage": "dev",
        "headers": {"Host": "abc.execute-api.us-east-1.amazonaws.com", "X-Status": status,
                    "Content-Type": "application/json"},
        "query": {"q": "test"},
        "path": {"id": "42"},
        "identity": {"sourceIp": "198.51.100.7"},
        "requestPath": "/items/{id}",
    }  # fmt: skip


def test_the_lambda_integration_reads_the_same() -> None:
    theirs, mine = both(lambda_integration_event())
    assert environ_of(mine) == environ_of(theirs)
    assert environ_of(mine)["PATH_INFO"] == "/items/42"


def test_the_lambda_integration_raises_for_an_error_status_like_the_peer() -> None:
    event = lambda_integration_event("404")
    with pytest.raises(RuntimeError) as theirs:
        serverless_wsgi.handle_request(APP, json.loads(json.dumps(event)), {})
    with pytest.raises(RuntimeError) as mine:
        ours.handle_request(APP, json.loads(json.dumps(event)), {})
    assert json.loads(str(mine.value))["statusCode"] == json.loads(str(theirs.value))["statusCode"]


def test_text_mime_types_can_be_extended_like_the_peer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ours, "TEXT_MIME_TYPES", [*ours.TEXT_MIME_TYPES, "image/png"])
    ours.TEXT_MIME_TYPES.remove("image/png")
    ours.TEXT_MIME_TYPES.append("application/x-custom")
    app = Flask("custom")
    app.add_url_rule("/", view_func=lambda: Response("hi", content_type="application/x-custom"))
    result = ours.handle_request(app, build_event("rest", path="/"), {})
    assert result["isBase64Encoded"] is False
    assert result["body"] == "hi"


def test_unknown_events_raise_a_clear_error() -> None:
    with pytest.raises(UnknownEventError):
        ours.handle_request(APP, {"Records": [{"eventSource": "aws:sqs"}]}, {})


def test_a_text_body_that_is_not_utf8_goes_as_base64_where_the_peer_fails() -> None:
    app = Flask("latin")
    app.add_url_rule("/", view_func=lambda: Response(b"caf\xe9", content_type="text/plain"))
    event = build_event("rest", path="/")
    with pytest.raises(UnicodeDecodeError):
        serverless_wsgi.handle_request(app, event, {})
    result = ours.handle_request(app, event, {})
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == b"caf\xe9"


def test_an_app_exception_is_a_500_not_a_failed_invocation() -> None:
    app = Flask("failing")

    @app.route("/")
    def fail() -> str:
        raise RuntimeError("secret detail")

    app.config["PROPAGATE_EXCEPTIONS"] = True
    result = ours.handle_request(app, build_event("rest", path="/"), {})
    assert result["statusCode"] == 500
    assert "secret" not in json.dumps(result)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from(SOURCES),
    segments=st.lists(st.text(st.characters(codec="utf-8", exclude_characters="/?#%"),
                              min_size=1, max_size=8), max_size=3),
    query=st.lists(st.tuples(st.text("abcxyz", min_size=1, max_size=4),
                             st.text("abc 123&=+", max_size=6)), max_size=3),
)  # fmt: skip
def test_fuzzed_requests_read_the_same(
    source: str, segments: list[str], query: list[tuple[str, str]]
) -> None:
    from urllib.parse import quote

    path = "/" + "/".join(quote(segment, safe="") for segment in segments)
    event = build_event(source, path=path, query=query)
    theirs, mine = both(event)
    assert mine["statusCode"] == theirs["statusCode"]
    if theirs["statusCode"] == 200:
        assert environ_of(mine) == environ_of(theirs)


@pytest.mark.parametrize("source", ["rest", "alb"])
def test_a_repeated_request_header_is_comma_joined_where_the_peer_keeps_the_last(
    source: str,
) -> None:
    event = build_event(source, path="/", headers=[("X-A", "1"), ("X-A", "2")])
    theirs, mine = both(event)
    assert environ_of(theirs)["HTTP_X_A"] == "2"
    assert environ_of(mine)["HTTP_X_A"] == "1,2"


def test_a_header_name_with_an_underscore_never_replaces_the_real_one() -> None:
    """serverless-wsgi turns "X_Forwarded_For" into HTTP_X_FORWARDED_FOR, over the value
    the front door wrote; in the drop-in, as in LambdaHandler, it only fills a key that no
    hyphenated header took."""
    forged = ("X_Forwarded_For", "203.0.113.66")
    event = build_event("rest", path="/", headers=[("X-Forwarded-For", "198.51.100.7"), forged])
    theirs, mine = both(event)
    assert environ_of(theirs)["HTTP_X_FORWARDED_FOR"] == "203.0.113.66"
    assert environ_of(mine)["HTTP_X_FORWARDED_FOR"] == "198.51.100.7"
    alone = build_event("rest", path="/", headers=[forged])
    assert environ_of(both(alone)[1])["HTTP_X_FORWARDED_FOR"] == "203.0.113.66"
