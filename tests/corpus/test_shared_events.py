"""The published sample events in ../shared/events as a supplementary corpus.

Every JSON file there is run through `LambdaHandler` with a WSGI and an ASGI echo app.
HTTP requests from a supported source must reach the app with the event's method, path,
query, headers and body, and come back in the source's response shape; anything else in
the corpus (WebSocket events) must be refused with `UnknownEventError` naming its keys.

What the app should see is worked out here from the event itself, following
docs/event-sources.md, not from the adapter's code. Corpus quirks (see also
../shared/events/NOTICE.md):
- powertools Lattice v1 events use snake_case keys (`raw_path`, `is_base64_encoded`);
  Lattice v2 header and query values are strings in some samples and lists in others,
  and `vpcLatticeEventV2PathTrailingSlash.json` has a snake_case
  `query_string_parameters`, which is not a v2 key: its query is not expected to arrive.
- sam-generated events carry base64 bodies (`isBase64Encoded: true`), and the HTTP API
  one has capitalised header names.
- powertools 2.0 events give `sourceIp` with a CIDR suffix ("192.168.0.1/32").
- three powertools REST events set `isBase64Encoded: true` on the plain-text body "Hello
  from Lambda!", which is not valid base64: those are malformed events and must get a
  400 in the source's shape without the app being called.
- the aws-lambda-go REST samples name a stage on an execute-api domain but give a
  `requestContext.path` without it; the stage is still the mount point.
"""

from __future__ import annotations

import asyncio
import binascii
import json
from base64 import b64decode
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote_to_bytes

import pytest

from adapters import LambdaHandler, UnknownEventError
from adapters.testing import client_response

from ..apps import read_body

EVENTS_DIR = Path(__file__).resolve().parents[3] / "shared" / "events"

if not EVENTS_DIR.is_dir():
    pytest.skip(
        f"sample event corpus not found at {EVENTS_DIR} (the shared/events folder next to "
        "the repository); these tests only supplement tests/properties/test_properties.py",
        allow_module_level=True,
    )

FILES = sorted(EVENTS_DIR.rglob("*.json"))


# --------------------------------------------------------------------------- echo apps

SEEN: list[dict[str, Any]] = []


def wsgi_echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    SEEN.append({k: v for k, v in environ.items() if isinstance(v, str)} | {"body": body})
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/octet-stream"),
            ("Set-Cookie", "a=1; Path=/"),
            ("Set-Cookie", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT"),
        ],
    )
    return [body]


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    SEEN.append(dict(scope) | {"body": body})
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/octet-stream"),
                (b"set-cookie", b"a=1; Path=/"),
                (b"set-cookie", b"b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


SET_COOKIES = ["a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT"]

HANDLERS = {
    "wsgi": LambdaHandler(wsgi_echo),
    "asgi": LambdaHandler(asgi_echo, lifespan="off"),
}


@pytest.fixture(scope="module", autouse=True)
def _close_asgi_loop():
    yield
    HANDLERS["asgi"].close()
    asyncio.set_event_loop(None)


# ---------------------------------------------------------------- reading the events


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def kind_of(event: dict[str, Any]) -> str:
    """The front door that sent the event, or "other" for what is not an HTTP request."""
    context = event.get("requestContext")
    context = context if isinstance(context, dict) else {}
    if "eventType" in context or "connectionId" in context:
        return "other"  # API Gateway WebSocket ($connect, $disconnect, messages)
    if "elb" in context:
        return "alb"
    if "serviceNetworkArn" in context:
        return "lattice-v2"
    if "raw_path" in event:
        return "lattice-v1"
    if event.get("version") == "2.0" and "rawPath" in event:
        domain = context.get("domainName") or ""
        return "function-url" if ".lambda-url." in domain else "http-v2"
    if context and ("httpMethod" in event or "resource" in event):
        return "v1"
    return "other"


CASES = [(path, kind_of(load(path))) for path in FILES]


def case_id(path: Path) -> str:
    return str(path.relative_to(EVENTS_DIR))


HTTP_CASES = [pytest.param(p, k, id=case_id(p)) for p, k in CASES if k != "other"]
OTHER_CASES = [pytest.param(p, id=case_id(p)) for p, k in CASES if k == "other"]


def values_of(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def header_pairs(event: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """The request headers the event carries, lowercase names, as separate pairs."""
    if kind in ("v1", "alb") and event.get("multiValueHeaders"):
        source = event["multiValueHeaders"]
    else:
        source = event.get("headers") or {}
    pairs = [(name.lower(), v) for name, value in source.items() for v in values_of(value)]
    if kind in ("http-v2", "function-url") and event.get("cookies"):
        pairs.append(("cookie", "; ".join(event["cookies"])))
    return pairs


def expected_method(event: dict[str, Any], kind: str) -> str:
    if kind in ("http-v2", "function-url"):
        return event["requestContext"]["http"]["method"]
    if kind in ("lattice-v1", "lattice-v2"):
        return event["method"]
    return event.get("httpMethod") or event["requestContext"]["httpMethod"]


def expected_paths(event: dict[str, Any], kind: str) -> tuple[str, bytes]:
    """(mount point, full decoded path) the client's URL had.

    A named stage on the default execute-api domain prefixes client URLs; REST `path`
    leaves it out (docs section 1), 2.0 `rawPath` keeps it (section 3). Events without a
    `domainName` (SAM's) are placed by their Host header.
    """
    context = event.get("requestContext") or {}
    stage = context.get("stage")
    host = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("host")
    domain = context.get("domainName") or host or ""
    prefix = (
        "/" + stage
        if kind in ("v1", "http-v2") and stage and stage != "$default" and ".execute-api." in domain
        else ""
    )
    if kind in ("http-v2", "function-url"):
        path = event["rawPath"]
    elif kind == "lattice-v1":
        path = event["raw_path"]
    else:
        path = event["path"]
    decoded = unquote_to_bytes(path)
    if (
        kind == "v1"
        and prefix
        and not (context.get("path") == path and (path + "/").startswith(prefix + "/"))
    ):
        decoded = prefix.encode() + decoded
    return prefix, decoded


def expected_query(event: dict[str, Any], kind: str) -> dict[str, list[str]]:
    """The query the app should parse, name -> values (order across names is not kept
    by the map-based formats)."""
    if kind in ("http-v2", "function-url"):
        raw = event.get("rawQueryString") or ""
        return parse_qs(raw.removeprefix("?"), keep_blank_values=True)
    if kind == "v1":
        # Decoded values (docs section 1).
        query = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
        return {k: values_of(v) for k, v in (query or {}).items()}
    if kind == "alb":
        # Raw values: "the load balancer does not decode them" (docs section 5).
        query = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters")
    elif kind == "lattice-v1":
        query = event.get("query_string_parameters")
    else:
        query = event.get("queryStringParameters")  # the v2 key only; see the docstring
    raw = "&".join(f"{k}={v}" for k, vs in (query or {}).items() for v in values_of(vs))
    return parse_qs(raw, keep_blank_values=True)


def expected_body(event: dict[str, Any], kind: str) -> bytes | None:
    """The body bytes, or None when the event is malformed (bad base64)."""
    body = event.get("body") or ""
    flag = event.get("is_base64_encoded" if kind == "lattice-v1" else "isBase64Encoded")
    if not flag:
        return body.encode("utf-8")
    try:
        return b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None


def check_shape(event: dict[str, Any], kind: str, result: dict[str, Any], status: int) -> bytes:
    """Check the response has the source's shape; return the body its client receives."""
    assert isinstance(result["statusCode"], int)
    assert result["statusCode"] == status
    assert isinstance(result["body"], str)
    assert isinstance(result["isBase64Encoded"], bool)
    if kind in ("alb", "lattice-v1", "lattice-v2"):
        assert result["statusDescription"] == {200: "200 OK", 400: "400 Bad Request"}[status]
    if kind == "alb":
        # "You must use multiValueHeaders if you have enabled multi-value headers and
        # headers otherwise" (docs section 5).
        if "multiValueHeaders" in event:
            assert "headers" not in result
            assert all(isinstance(v, list) for v in result["multiValueHeaders"].values())
        else:
            assert "multiValueHeaders" not in result
            assert all(isinstance(v, str) for v in result["headers"].values())
    elif kind in ("lattice-v1", "lattice-v2"):
        assert all(isinstance(v, str) for v in result["headers"].values())
    elif kind == "v1":
        assert isinstance(result["headers"], dict)
        assert isinstance(result.get("multiValueHeaders", {}), dict)
    else:
        assert isinstance(result["headers"], dict)
        assert "multiValueHeaders" not in result
        assert all(isinstance(v, str) for v in result["headers"].values())
    response = client_response(event, result)
    if status == 200:
        cookies = [value for name, value in response.headers if name.lower() == "set-cookie"]
        assert cookies == SET_COOKIES
    return response.body


# ------------------------------------------------------------------------------ tests


def test_corpus_is_not_empty() -> None:
    assert HTTP_CASES, f"no HTTP events found under {EVENTS_DIR}"


def run_event(path: Path, kind: str, interface: str) -> tuple[dict[str, Any], Any, bytes] | None:
    """Run one corpus event through the echo app; None when it must be (and was) a 400.

    Returns the event, the response and the body sent, with what the app saw in SEEN[0].
    """
    event = load(path)
    SEEN.clear()
    result = HANDLERS[interface](event, None)
    body = expected_body(event, kind)
    if body is None:
        check_shape(event, kind, result, 400)
        assert SEEN == []
        return None
    assert len(SEEN) == 1
    return event, result, body


@pytest.mark.parametrize(("path", "kind"), HTTP_CASES)
def test_wsgi_app_sees_the_event(path: Path, kind: str) -> None:
    ran = run_event(path, kind, "wsgi")
    if ran is None:
        return
    event, result, body = ran
    environ = SEEN[0]
    prefix, full = expected_paths(event, kind)

    assert environ["REQUEST_METHOD"] == expected_method(event, kind)
    assert environ["SCRIPT_NAME"] == prefix
    assert (environ["SCRIPT_NAME"] + environ["PATH_INFO"]).encode("latin-1") == full
    assert parse_qs(environ["QUERY_STRING"], keep_blank_values=True) == expected_query(event, kind)
    assert environ["body"] == body
    assert environ["CONTENT_LENGTH"] == str(len(body))

    expected: dict[str, str] = {}
    for name, value in header_pairs(event, kind):
        if name == "content-length":
            continue
        key = "CONTENT_TYPE" if name == "content-type" else "HTTP_" + name.upper().replace("-", "_")
        separator = "; " if key == "HTTP_COOKIE" else ","
        expected[key] = f"{expected[key]}{separator}{value}" if key in expected else value
    for key, value in expected.items():
        assert environ.get(key) == value, key

    assert check_shape(event, kind, result, 200) == body


@pytest.mark.parametrize(("path", "kind"), HTTP_CASES)
def test_asgi_app_sees_the_event(path: Path, kind: str) -> None:
    ran = run_event(path, kind, "asgi")
    if ran is None:
        return
    event, result, body = ran
    scope = SEEN[0]
    prefix, full = expected_paths(event, kind)

    assert scope["method"] == expected_method(event, kind)
    assert scope["root_path"] == prefix
    assert scope["path"] == full.decode("utf-8", "replace")
    assert unquote_to_bytes(scope["raw_path"]) == full
    query = scope["query_string"].decode("latin-1")
    assert parse_qs(query, keep_blank_values=True) == expected_query(event, kind)
    assert scope["body"] == body

    seen = sorted((n.decode("latin-1"), v.decode("latin-1")) for n, v in scope["headers"])
    assert seen == sorted(header_pairs(event, kind))

    assert check_shape(event, kind, result, 200) == body


@pytest.mark.parametrize("path", OTHER_CASES)
@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_non_http_event_is_refused(path: Path, interface: str) -> None:
    event = load(path)
    SEEN.clear()
    with pytest.raises(UnknownEventError) as caught:
        HANDLERS[interface](event, None)
    assert SEEN == []
    assert caught.value.keys == sorted(event)
    assert str(sorted(event)) in str(caught.value)
