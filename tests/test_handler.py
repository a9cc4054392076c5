"""LambdaHandler as a user meets it: detection, options, and every kind of bad input."""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

import pytest

from adapters import LambdaHandler, UnknownEventError
from adapters.events import SOURCE_NAMES, build_event, client_response

from .apps import make_flask_app, make_starlette_app, wsgi_echo

# --- Detecting the interface -------------------------------------------------------------------


def _wsgi_function(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgi"]


async def _asgi_function(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"asgi"})


class _AsgiClass:
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await _asgi_function(scope, receive, send)


class _WsgiClass:
    def __call__(self, environ: Any, start_response: Any) -> list[bytes]:
        return _wsgi_function(environ, start_response)


def _sync_wrapper_returning_coroutine(scope: Any, receive: Any, send: Any) -> Any:
    return _asgi_function(scope, receive, send)


def _django_wsgi() -> Any:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"], SECRET_KEY="test")
        django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def _django_asgi() -> Any:
    _django_wsgi()
    from django.core.handlers.asgi import ASGIHandler

    return ASGIHandler()


def _fastapi() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/")
    def root() -> dict[str, str]:
        return {"framework": "fastapi"}

    return app


urlpatterns: list[Any] = []  # Django's ROOT_URLCONF for the detection test


@pytest.mark.parametrize(
    ("make_app", "expected"),
    [
        (lambda: _wsgi_function, "wsgi"),
        (lambda: _asgi_function, "asgi"),
        (_AsgiClass, "asgi"),
        (_WsgiClass, "wsgi"),
        (lambda: _sync_wrapper_returning_coroutine, "asgi"),
        (lambda: functools.partial(_asgi_function), "asgi"),
        (make_flask_app, "wsgi"),
        (make_starlette_app, "asgi"),
        (_fastapi, "asgi"),
        (_django_wsgi, "wsgi"),
        (_django_asgi, "asgi"),
    ],
)
def test_interface_detection(make_app: Any, expected: str) -> None:
    assert LambdaHandler(make_app()).interface == expected


def test_fastapi_app_answers() -> None:
    result = LambdaHandler(_fastapi())(build_event("http"), None)
    assert json.loads(result["body"]) == {"framework": "fastapi"}


def test_undetectable_app_needs_interface_argument() -> None:
    def ambiguous(*args: Any) -> Any:
        return _wsgi_function(*args)

    with pytest.raises(TypeError, match="interface='wsgi'"):
        LambdaHandler(ambiguous)
    result = LambdaHandler(ambiguous, interface="wsgi")(build_event("http"), None)
    assert result["body"] == "wsgi"


def test_bad_options_are_refused_at_construction() -> None:
    with pytest.raises(TypeError):
        LambdaHandler("not an app")
    with pytest.raises(ValueError, match="interface"):
        LambdaHandler(_wsgi_function, interface="cgi")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lifespan"):
        LambdaHandler(_asgi_function, lifespan="sometimes")  # type: ignore[arg-type]


# --- base_path ----------------------------------------------------------------------------------


@pytest.mark.parametrize("base_path", ["/v1", "v1", "/v1/"])
def test_base_path_kept_in_the_event_moves_to_script_name(base_path: str) -> None:
    handler = LambdaHandler(make_flask_app(), base_path=base_path)
    event = build_event("rest", path="/v1/", domain="api.example.com")
    body = json.loads(handler(event, None)["body"])
    assert body == {"link": "/v1/items/a%20b", "external": "https://api.example.com/v1/"}


def test_base_path_stripped_by_the_front_door_is_still_the_mount_point() -> None:
    # HTTP API mappings are reported to remove the mapping key from rawPath.
    handler = LambdaHandler(make_starlette_app(), base_path="/v1")
    event = build_event("http", path="/", domain="api.example.com")
    body = json.loads(handler(event, None)["body"])
    assert body == {"link": "https://api.example.com/v1/items/ab", "root_path": "/v1"}


def test_base_path_does_not_match_a_longer_segment() -> None:
    handler = LambdaHandler(wsgi_echo, base_path="/v1")
    environ = json.loads(handler(build_event("alb", path="/v10/x"), None)["body"])
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/v1", "/v10/x")


def test_stage_wins_over_base_path_on_the_execute_api_domain() -> None:
    handler = LambdaHandler(wsgi_echo, base_path="/v1")
    environ = json.loads(handler(build_event("rest", path="/x", stage="prod"), None)["body"])
    assert (environ["SCRIPT_NAME"], environ["PATH_INFO"]) == ("/prod", "/x")


# --- Bad input ------------------------------------------------------------------------------


def test_unknown_event_names_the_keys_it_saw() -> None:
    sqs = {"Records": [{"eventSource": "aws:sqs", "body": "hello", "messageId": "1"}]}
    with pytest.raises(UnknownEventError) as caught:
        LambdaHandler(wsgi_echo)(sqs, None)
    message = str(caught.value)
    assert "Top-level keys seen: ['Records']" in message
    assert "It looks like an SQS event" in message
    assert "events_path" in message and "@handler.on('sqs')" in message  # how to take it in
    assert caught.value.keys == ["Records"]


@pytest.mark.parametrize(
    ("event", "words"),
    [
        ({}, "keys seen: []"),
        ({"foo": 1, "bar": 2}, "['bar', 'foo']"),
        ({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}, "EventBridge"),
        (
            {
                "requestContext": {
                    "eventType": "MESSAGE",
                    "connectionId": "x",
                    "routeKey": "$default",
                }
            },
            "WebSocket",
        ),
        ({"Records": [{"cf": {"config": {}, "request": {}, "response": {}}}]}, "response triggers"),
        ([1, 2], "list"),
        ("text", "str"),
    ],
)
def test_unknown_events_explain_themselves(event: Any, words: str) -> None:
    with pytest.raises(UnknownEventError, match="not recognised") as caught:
        LambdaHandler(wsgi_echo)(event, None)
    assert words in str(caught.value)


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_event_without_method_gets_400(source: str, caplog: pytest.LogCaptureFixture) -> None:
    event = build_event(source)
    for container in (
        event,
        event.get("requestContext", {}),
        event.get("requestContext", {}).get("http", {}),
    ):
        for key in ("httpMethod", "method"):
            container.pop(key, None)
    if source == "edge":
        del event["Records"][0]["cf"]["request"]["method"]
    response = client_response(event, LambdaHandler(wsgi_echo)(event, None))
    assert response.status == 400
    assert response.body == b"Bad Request: event has no HTTP method"
    assert "Malformed" in caplog.text


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_invalid_base64_body_gets_400(source: str) -> None:
    event = build_event(source, method="POST", body=b"\x00\x01", base64=True)
    if source == "edge":
        event["Records"][0]["cf"]["request"]["body"]["data"] = "not*base64!"
    elif source == "lattice-v1":
        event["body"] = "not*base64!"
    else:
        event["body"] = "not*base64!"
    response = client_response(event, LambdaHandler(wsgi_echo)(event, None))
    assert response.status == 400
    body = response.body.decode()
    assert "not valid base64" in body
    assert "Traceback" not in body


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e.update(headers=["not", "a", "map"]),
        lambda e: e.update(body=12345),
        lambda e: e.update(rawQueryString=7),
        lambda e: e.update(cookies="a=1"),
        lambda e: e.update(rawPath=None),
        lambda e: e["requestContext"].update(http="GET"),
        lambda e: e.update(headers={"x": 5}),
    ],
)
def test_malformed_fields_get_400_without_traceback(damage: Any) -> None:
    event = build_event("http", method="POST", body="x")
    damage(event)
    result = LambdaHandler(wsgi_echo)(event, None)
    assert result["statusCode"] == 400
    assert result["body"].startswith("Bad Request")
    assert "Traceback" not in result["body"]


def test_malformed_rest_query_map_gets_400() -> None:
    event = build_event("rest", query=[("a", "1")])
    event["multiValueQueryStringParameters"] = {"a": {"nested": 1}}
    result = LambdaHandler(wsgi_echo)(event, None)
    assert result["statusCode"] == 400
    assert result["body"] == "Bad Request: query parameter 'a' has a dict value"


@pytest.mark.parametrize("make_app", [make_flask_app, make_starlette_app])
@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_app_exception_gives_generic_500_and_logs_traceback(
    make_app: Any, source: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = build_event(source, path="/crash")
    response = client_response(event, LambdaHandler(make_app())(event, None))
    assert response.status == 500
    body = response.body.decode()
    assert "secret" not in body and "Traceback" not in body
    assert "secret database password" in caplog.text  # the traceback went to the log
    assert "RuntimeError" in caplog.text


def test_next_invocation_after_a_crash_works() -> None:
    handler = LambdaHandler(make_flask_app())
    assert handler(build_event("http", path="/crash"), None)["statusCode"] == 500
    assert handler(build_event("http", path="/items/ok"), None)["statusCode"] == 200


@pytest.mark.parametrize(
    ("source", "limit", "options"),
    [
        ("http", 6_291_556, {}),
        ("rest", 6_291_556, {}),
        ("function-url", 6_291_556, {}),
        ("lattice-v2", 6_291_556, {}),
        ("alb", 1_048_576, {}),
        ("edge", 1_048_576, {"edge_event_type": "origin-request"}),
        ("edge", 40_960, {"edge_event_type": "viewer-request"}),
    ],
)
def test_response_over_the_limit_is_replaced_with_a_clear_error(
    source: str, limit: int, options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Binary: base64 grows it by a third, so 0.76 x limit raw is over the limit encoded.
    size = int(limit * 0.76)

    def big(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [b"\x00" * size]

    event = build_event(source, **options)
    response = client_response(event, LambdaHandler(big)(event, None))
    assert response.status == 500
    assert f"exceeds the {limit} byte limit" in response.body.decode()
    assert f"{limit} byte limit" in caplog.text

    # just under the limit once encoded still goes through
    fits = int(limit * 0.74)

    def fine(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [b"\x00" * fits]

    ok = client_response(event, LambdaHandler(fine)(event, None))
    assert ok.status == 200 and len(ok.body) == fits


@pytest.mark.parametrize(
    "header",
    [
        ("X-Injected", "value\r\nSet-Cookie: admin=1"),
        ("X-Newline", "a\nb"),
        ("Bad Name", "x"),
        ("X-Colon:", "x"),
        ("X-Null", "a\x00b"),
    ],
)
@pytest.mark.parametrize("make_handler", ["wsgi", "asgi"])
def test_headers_with_cr_lf_are_refused(
    header: tuple[str, str], make_handler: str, caplog: pytest.LogCaptureFixture
) -> None:
    if make_handler == "wsgi":

        def app(environ: Any, start_response: Any) -> list[bytes]:
            start_response("200 OK", [header])
            return [b"ok"]

        handler = LambdaHandler(app)
    else:

        async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
            name, value = header
            headers = [(name.encode(), value.encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"ok"})

        handler = LambdaHandler(asgi_app, lifespan="off")
    for source in SOURCE_NAMES:
        event = build_event(source)
        result = handler(event, None)
        assert client_response(event, result).status == 500
        flattened = json.dumps(result)
        assert "admin=1" not in flattened and "X-Injected" not in flattened
    assert "invalid" in caplog.text


def test_logs_go_to_the_adapters_logger(caplog: pytest.LogCaptureFixture) -> None:
    def crashing(environ: Any, start_response: Any) -> list[bytes]:
        raise KeyError("boom")

    caplog.set_level(logging.ERROR, logger="adapters")
    LambdaHandler(crashing)(build_event("http", path="/x"), None)
    [record] = [r for r in caplog.records if r.name == "adapters"]
    assert record.getMessage() == "Unhandled exception in WSGI app (GET /x)"
    assert record.exc_info is not None
