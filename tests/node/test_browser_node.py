"""The fast tier of the browser tests: `adapters.browser` in Pyodide in Node.js.

Node 20 has the fetch `Request`, `Response`, `Headers` and `ReadableStream` globally, so
`BrowserHandler.handle()` runs here on real JS objects, as in a service worker, without a
browser. Each Pyodide boot costs seconds, so everything runs in two boots (one WSGI, one
ASGI, side by side): the programs in pyodide_programs/ run in Pyodide, record what a
client saw in named sections, and the tests assert on those sections. A failing section
fails only its tests, with the traceback from inside Pyodide.

The bundle is the session-built notes bundle (`notes_bundle`): flask, fastapi, starlette,
jinja2, python-multipart, itsdangerous, our package and the notes app. The network is
blocked by the harness. The warm request time goes to .tools/timings/browser-node.json
(recorded, never asserted).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ..example_app import LAMBDA_DIR
from .pyodide_node import ROOT, PyodideRun, program, run_pyodide

TIMINGS = ROOT / ".tools" / "timings" / "browser-node.json"
BINARY = bytes(range(256)) * 4 + b"\r\n\x00end"
ICON = (LAMBDA_DIR / "notes" / "static" / "icon.png").read_bytes()
SECRET = "secret detail of the crash"
INTERFACES = ["wsgi", "asgi"]

# --- The code that runs in Pyodide: pyodide_programs/ ---------------------------------

CODES = {
    "wsgi": program("prelude.py", "notes_checks.py", "wsgi_checks.py"),
    "asgi": program("prelude.py", "notes_checks.py", "asgi_checks.py"),
}

PACKAGES = {
    "wsgi": ["flask", "webapp-adapters", "app-code"],
    "asgi": [
        "fastapi", "starlette", "python-multipart", "jinja2", "itsdangerous",
        "webapp-adapters", "app-code",
    ],
}  # fmt: skip


# --- Running it: two boots, side by side ----------------------------------------------


@pytest.fixture(scope="module")
def runs(notes_bundle: Path) -> dict[str, PyodideRun]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(
                run_pyodide, notes_bundle, code, packages=PACKAGES[name], check=False, timeout=300
            )
            for name, code in CODES.items()
        }
        return {name: future.result() for name, future in futures.items()}


def section(runs: dict[str, PyodideRun], interface: str, name: str) -> Any:
    run = runs[interface]
    found = (run.result or {}).get(name) if isinstance(run.result, dict) else None
    if found is None:
        pytest.fail(f"{interface}: no section {name!r}: {run.error}\n{run.stderr[-4000:]}")
    if isinstance(found, dict) and set(found) == {"error"}:
        pytest.fail(f"{interface} {name} raised in Pyodide:\n{found['error']}")
    return found


def values(response: dict[str, Any], name: str) -> list[str]:
    return [value for key, value in response["headers"] if key == name]


def body(response: dict[str, Any]) -> bytes:
    return base64.b64decode(response["b64"])


def echoed(response: dict[str, Any]) -> dict[str, Any]:
    assert response["status"] == 200, response["text"]
    return json.loads(response["text"])


def no_traceback(response: dict[str, Any]) -> None:
    assert "Traceback" not in response["text"]
    assert SECRET not in response["text"]
    assert "RuntimeError" not in response["text"]


# --- Requests in -----------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_the_app_sees_method_path_query_and_headers(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    seen = echoed(section(runs, interface, "requests")["get"])
    assert seen["method"] == "GET"
    assert seen["root"] == ""
    # The URL parser percent-encodes the raw é; %2F is a slash once decoded (as in WSGI).
    path = seen["route_path"]
    if interface == "wsgi":  # PEP 3333: PATH_INFO holds the bytes as latin-1
        path = path.encode("latin-1").decode("utf-8")
    assert path == "/echo/café/é x/y"
    assert seen["rest"] == "café/é x/y"
    assert seen["query_string"] == "q=%C3%BC&q=2&sp=a+b&amp=%26"
    assert seen["args"] == [["q", "ü"], ["q", "2"], ["sp", "a b"], ["amp", "&"]]
    assert seen["url"].startswith("http://127.0.0.1:8000/echo/caf")
    headers = dict(seen["headers"])
    assert headers["x-rep"] == "a, b"  # fetch Headers join repeated values
    assert headers["x-latin"] == "café"
    assert "cookie" not in headers  # a worker never sees the page's cookies: the jar's only
    assert seen["body"] == ""
    if interface == "asgi":
        assert seen["raw_path"] == "/echo/caf%C3%A9/%C3%A9%20x%2Fy"
        assert seen["greeting"] == "from lifespan"


@pytest.mark.parametrize("interface", INTERFACES)
def test_the_app_sees_text_and_binary_bodies(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "requests")
    text = echoed(found["text"])
    assert text["method"] == "POST"
    assert bytes.fromhex(text["body"]) == "héllo ✓".encode()
    assert dict(text["headers"])["content-type"] == "text/plain; charset=utf-8"
    binary = echoed(found["binary"])
    assert binary["method"] == "PUT"
    assert bytes.fromhex(binary["body"]) == BINARY
    assert dict(binary["headers"])["content-length"] == str(len(BINARY))
    assert echoed(found["patch"])["method"] == "PATCH"
    assert bytes.fromhex(echoed(found["patch"])["body"]) == b"\x00"
    assert echoed(found["delete"])["method"] == "DELETE"


# --- Responses out ---------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_repeated_headers_and_cookies_kept_by_the_jar(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    found = section(runs, interface, "responses")
    cookies = found["cookies"]
    assert cookies["status"] == 200 and cookies["status_text"] == "OK"
    assert cookies["text"] == "cookies set"
    assert values(cookies, "x-value") == ["one, two"]  # Headers.get joins them, in order
    assert not cookies["has_set_cookie"] and cookies["set_cookie"] == []
    assert found["jar_after_set"] == ["first", "second"]
    whoami = echoed(found["whoami"])
    assert whoami["cookies"] == {"first": "1", "second": "2"}
    assert whoami["cookie"] in ("first=1; second=2", "second=2; first=1")
    assert found["jar_after_forget"] == ["second"]
    assert echoed(found["restored"])["cookies"] == {"second": "2"}


@pytest.mark.parametrize("interface", INTERFACES)
def test_on_cookies_gets_the_jar_when_it_changes(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    found = section(runs, interface, "responses")
    [saved] = found["saved_after_set"]
    assert {(c["name"], c["value"]) for c in json.loads(saved)} == {("first", "1"), ("second", "2")}
    assert found["saved_after_whoami"] == 1  # no Set-Cookie: nothing to persist
    assert found["saved_after_forget"] == 2  # a deletion is a change


@pytest.mark.parametrize("interface", INTERFACES)
def test_binary_bodies_byte_exact(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "responses")
    for name, expected in (("binary_get", BINARY), ("binary_post", BINARY[::-1])):
        assert found[name]["status"] == 200
        assert body(found[name]) == expected
        assert values(found[name], "content-type") == ["application/octet-stream"]


@pytest.mark.parametrize("interface", INTERFACES)
def test_head_no_content_and_not_modified_have_no_body(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    found = section(runs, interface, "responses")
    head = found["head"]
    assert head["status"] == 200 and body(head) == b""
    assert values(head, "content-type") == ["application/octet-stream"]
    for status in ("204", "304"):
        answer = found[status]
        assert answer["status"] == int(status)
        assert answer["null_body"] and body(answer) == b""
        assert values(answer, "x-status") == [status]


# --- Mounting ----------------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_base_path_mounts_the_app(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "mounted")
    inside = echoed(found["inside"])
    assert inside["root"] == "/app"
    assert inside["route_path"] == "/echo/x"
    assert inside["rest"] == "x"
    assert inside["link"] == "/app/echo/x/y"
    assert inside["url"] == "http://127.0.0.1:8000/app/echo/x"
    assert echoed(found["root"])["rest"] == ""


# --- Failures ----------------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_app_exceptions_give_a_500_without_traceback(
    runs: dict[str, PyodideRun], interface: str
) -> None:
    found = section(runs, interface, "failures")
    for name in ("framework_crash", "raw_crash", "used_body"):
        answer = found[name]
        assert answer["status"] == 500, name
        assert "Internal Server Error" in answer["text"], name
        no_traceback(answer)
    assert found["raw_crash"]["text"] == "Internal Server Error"
    assert found["still_serving"]["status"] == 200
    assert SECRET in runs[interface].stderr  # logged for the developer, not sent


def test_wsgi_crash_while_iterating_the_body(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "wsgi", "failures")
    # A generator body streams, so a crash after its first chunk errors the stream (as
    # on a server); one of known length is read whole first, so its crash is a clean 500.
    assert found["in_body_status"] == 200
    assert found["in_body_first"] == "part"
    assert found["in_body_next"].startswith("rejected")
    assert SECRET not in found["in_body_next"]
    streamed = section(runs, "wsgi", "streaming")
    assert streamed["sized_crash"]["status"] == 500
    assert streamed["sized_crash"]["text"] == "Internal Server Error"


def test_wsgi_generators_stream_while_the_app_produces_them(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "wsgi", "streaming")
    assert found["status"] == 200
    assert found["first"] == "first;"
    assert found["produced_after_first_read"] == ["first"], "not read whole before answering"
    assert "".join(found["rest"]) == "second;third"
    assert found["produced"] == ["first", "second", "third"]
    assert found["closed"] is True
    assert found["sized_is_whole"] is True  # Content-Length: no stream needed
    # every pull is a task of its own; the generator still sees its request throughout
    assert "".join(found["in_context"]) == "t0;t1;t2;"


def test_asgi_crash_after_streaming_started_errors_the_stream(
    runs: dict[str, PyodideRun],
) -> None:
    found = section(runs, "asgi", "failures")
    assert found["in_body_status"] == 200
    assert found["in_body_first"] == "part"
    assert found["in_body_next"].startswith("rejected")
    assert SECRET not in found["in_body_next"]
    assert found["stream_status"] == 200
    assert found["stream_array_buffer"].startswith("rejected")
    no_response = found["no_response"]
    assert no_response["status"] == 500 and no_response["text"] == "Internal Server Error"


# --- ASGI: streaming, sync work, lifespan -------------------------------------------------


def test_asgi_bodies_stream_while_the_app_runs(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "asgi", "streaming")
    assert found["status"] == 200
    assert found["content_type"].startswith("text/plain")
    assert found["first"] == "first chunk;"
    assert found["waiting_before_release"]  # the second read waits for the app
    assert "".join(found["rest"]) == "second chunk;third"
    assert found["finished"]
    assert body(found["binary_stream"]) == BINARY


def test_asgi_background_tasks_run_after_the_response(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "asgi", "streaming")
    assert body(found["after_plain"]) == b"plain answer"
    assert body(found["after_streamed"]) == b"streamed answer"
    assert found["background"] == ["plain", "streamed"]


def test_asgi_bodies_nobody_reads_stop_the_app(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "asgi", "streaming")
    head = found["head"]
    assert head["status"] == 200 and body(head) == b""
    assert found["left_running"] == []
    assert found["closed"] == sorted(
        ["stream", "head", "cancel-after-read", "cancel-unread", "cancel-pending"]
    )
    assert found["cancel_pending"] == "resolved"
    assert found["pending_read"] == "resolved"  # as {done: true}


def test_sync_endpoints_run_inline_without_threads(runs: dict[str, PyodideRun]) -> None:
    found = section(runs, "asgi", "sync")
    assert "can't start new thread" in found["threads"]  # Pyodide really has none
    assert echoed(found["sync"]) == {"thread": found["loop_thread"]}
    assert found["sync_stream"]["status"] == 200
    assert found["sync_stream"]["text"] == "sync iterator chunks"


def test_lifespan_starts_once_and_its_state_reaches_requests(
    runs: dict[str, PyodideRun],
) -> None:
    found = section(runs, "asgi", "lifespan")
    assert found["boots"] == 1
    *states, echo = found["answers"]
    assert len(states) == 8
    assert all(echoed(s) == {"boot": 1, "greeting": "from lifespan"} for s in states)
    assert echoed(echo)["greeting"] == "from lifespan"


# --- The notes app ---------------------------------------------------------------------


@pytest.mark.parametrize("interface", INTERFACES)
def test_notes_app(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "notes")
    framework = {"wsgi": "Flask", "asgi": "FastAPI"}[interface]
    home = found["home"]
    assert home["status"] == 200
    assert values(home, "content-type")[0].startswith("text/html")
    assert f"· {framework}</title>" in home["text"]
    assert 'action="/notes"' in home["text"]
    create = found["create"]
    assert create["status"] == 303
    assert values(create, "location") == ["/"]
    assert create["set_cookie"] == []
    assert found["jar"] == ["session"]
    after = found["after"]["text"]
    assert "Saved “Hello ✓”." in after
    assert "Hello ✓</a>" in after
    assert "Saved" not in found["again"]["text"]  # a flash is shown once
    icon = found["icon"]
    assert icon["status"] == 200 and values(icon, "content-type") == ["image/png"]
    assert body(icon) == ICON
    assert found["icon_sha256"] == hashlib.sha256(ICON).hexdigest()
    assert any(n["title"] == "Hello ✓" for n in echoed(found["api"])["notes"])


@pytest.mark.parametrize("interface", INTERFACES)
def test_notes_app_mounted(runs: dict[str, PyodideRun], interface: str) -> None:
    found = section(runs, interface, "notes")
    home = found["mounted_home"]["text"]
    assert found["mounted_home"]["status"] == 200
    assert 'action="/app/notes"' in home
    assert 'href="/app/icon.png"' in home
    assert 'href="/app/"' in home
    create = found["mounted_create"]
    assert create["status"] == 303 and values(create, "location") == ["/app/"]
    assert "Saved “Mounted”." in found["mounted_after"]["text"]


# --- Nothing left the machine; the warm request time --------------------------------------


def test_offline_and_timed(runs: dict[str, PyodideRun]) -> None:
    figures: dict[str, Any] = {}
    for interface, run in runs.items():
        assert run.blocked == [], run.blocked
        timing = section(runs, interface, "timing")
        assert timing["requests"] == 50
        assert 0 < timing["app_direct_median_ms"] < timing["max_ms"]
        app = {"wsgi": "flask", "asgi": "fastapi"}[interface]
        figures[f"{app} GET /api/notes"] = {
            **{k: round(v, 2) for k, v in timing.items() if k.endswith("_ms")},
            "requests": timing["requests"],
            "boot_ms": round(run.timings.get("boot_ms", 0.0)),
            "load_packages_ms": round(run.timings.get("load_ms", 0.0)),
        }
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps({**figures, "at": time.time()}, indent=1) + "\n")
