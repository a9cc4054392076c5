"""The WSGI side, held to PEP 3333."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from adapters import LambdaHandler
from adapters.events import build_event, client_response


def run(app: Any, event: dict[str, Any] | None = None) -> dict[str, Any]:
    return LambdaHandler(app)(event or build_event("http", path="/p"), None)


def test_environ_has_every_key_pep_3333_requires() -> None:
    seen: dict[str, Any] = {}

    def app(environ: Any, start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return []

    event = build_event("rest", method="POST", path="/p", query=[("a", "1")], body="hi")
    run(app, event)
    for key in (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_LENGTH",
        "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "wsgi.version", "wsgi.url_scheme",
        "wsgi.input", "wsgi.errors", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once",
    ):  # fmt: skip
        assert key in seen, key
    assert seen["wsgi.version"] == (1, 0)
    assert seen["wsgi.input"].read() == b"hi"
    assert seen["aws.event"] is event
    assert seen["aws.context"] is None
    assert all(type(v) is str for k, v in seen.items() if k.isupper())


def test_context_reaches_the_app() -> None:
    class Context:
        aws_request_id = "req-1"

    context = Context()
    seen: dict[str, Any] = {}

    def app(environ: Any, start_response: Any) -> list[bytes]:
        seen["context"] = environ["aws.context"]
        start_response("204 No Content", [])
        return []

    LambdaHandler(app)(build_event("http"), context)
    assert seen["context"] is context


def test_non_latin1_header_values_arrive_as_utf8_bytes_in_latin1_str() -> None:
    seen: dict[str, Any] = {}

    def app(environ: Any, start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return []

    run(app, build_event("http", headers=[("X-Name", "Zoë €")]))
    assert seen["HTTP_X_NAME"].encode("latin-1").decode("utf-8") == "Zoë €"


def test_write_callable_and_iterable_are_both_collected() -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        return [b"then ", b"", b"returned"]

    event = build_event("http", path="/p")
    assert client_response(event, run(app, event)).body == b"written then returned"


class ClosingBody:
    def __init__(self, fail: bool) -> None:
        self.closed = False
        self.fail = fail

    def __iter__(self) -> Any:
        yield b"part"
        if self.fail:
            raise ValueError("broken generator")

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("fail", [False, True])
def test_close_is_always_called(fail: bool) -> None:
    body = ClosingBody(fail)

    def app(environ: Any, start_response: Any) -> ClosingBody:
        start_response("200 OK", [])
        return body

    result = run(app)
    assert body.closed
    assert result["statusCode"] == (500 if fail else 200)


def test_exc_info_before_any_body_replaces_the_response() -> None:
    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-First", "1")])
        try:
            raise ValueError("handled by the app")
        except ValueError:
            start_response("503 Service Unavailable", [("X-Second", "1")], sys.exc_info())
        return [b"sorry"]

    event = build_event("http", path="/p")
    result = run(app, event)
    assert result["statusCode"] == 503
    assert result["headers"] == {"x-second": "1"}
    assert client_response(event, result).body == b"sorry"


def test_exc_info_after_body_started_reraises_and_gives_500() -> None:
    def app(environ: Any, start_response: Any) -> Any:
        write = start_response("200 OK", [])
        write(b"already sent")
        try:
            raise ValueError("too late")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"never"]

    result = run(app)
    assert result["statusCode"] == 500
    assert result["body"] == "Internal Server Error"


@pytest.mark.parametrize(
    "app_body",
    [
        "start_response('200 OK', []); start_response('201 Created', []); return []",
        "return [b'no start_response']",
        "start_response('OK', []); return []",
        "start_response('2000 OK', []); return []",
        "write = start_response; return iter([])",
    ],
)
def test_wsgi_protocol_violations_give_500(app_body: str) -> None:
    namespace: dict[str, Any] = {}
    exec(f"def app(environ, start_response):\n    {app_body}", namespace)
    assert run(namespace["app"])["statusCode"] == 500


def test_cookies_from_several_sources_are_joined_with_semicolons() -> None:
    seen: dict[str, Any] = {}

    def app(environ: Any, start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return []

    run(app, build_event("edge", headers=[("Cookie", "a=1"), ("Cookie", "b=2")]))
    assert seen["HTTP_COOKIE"] == "a=1; b=2"


def test_wsgi_path_never_imports_asyncio() -> None:
    script = textwrap.dedent(
        """
        import sys
        from adapters import LambdaHandler
        from adapters.events import build_event

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"hello"]

        handler = LambdaHandler(app, access_log=False)
        for source in ("rest", "http", "alb", "edge", "lattice-v2"):
            assert handler(build_event(source), None)["body"] == "hello"
        print(sorted(m for m in ("asyncio", "inspect", "dataclasses") if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.replace("'", '"')) == []
