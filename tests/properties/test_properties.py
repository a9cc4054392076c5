"""Property tests: for every event source, an echo app sees exactly the request sent.

Requests are generated (method, path, query, headers, cookies, body, stage), turned into
each front door's event by `adapters.events.build_event`, run through `LambdaHandler` with
a plain WSGI echo app and a plain ASGI echo app, and checked from the user's side: the
path, query, headers and cookies the app sees, and what the client receives (read back by
`adapters.testing.client_response`, as the front door would): the body bytes and every
Set-Cookie, each in the source's response form.

Some formats lose information by design; the assertions state exactly what each format
can carry (see `expected_query` and `expected_headers`, and docs/event-sources.md).
"""

from __future__ import annotations

import asyncio
import json
from base64 import b64decode, b64encode
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import LambdaHandler
from adapters.events import SOURCE_NAMES, build_event, client_response

from ..apps import read_body

# Sources that put a named stage in front of the path on the execute-api domain.
STAGED_SOURCES = {"rest", "http-v1", "http"}
# Sources whose events carry repeated headers as one comma-joined value: HTTP API 2.0 and
# Function URLs ("Duplicate headers are combined with commas", docs section 3), and VPC
# Lattice v1 (string-valued header map, docs section 6).
JOINED_HEADER_SOURCES = {"http", "function-url", "lattice-v1"}
# Sources whose query maps group values by key, so only the order within a key survives:
# API Gateway 1.0 ("the order of the request parameters is not preserved", docs section
# 1), ALB multi-value mode and Lattice v2 (name -> [values] maps).
GROUPED_QUERY_SOURCES = {"rest", "http-v1", "alb", "lattice-v2"}

SET_COOKIE_EXPIRES = "Expires=Wed, 21 Oct 2015 07:28:00 GMT"


# --------------------------------------------------------------------------- echo apps


def wsgi_echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Echo the body back with the request's content type; report the rest in X-Echo."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    report = {
        key: environ[key]
        for key in (
            "REQUEST_METHOD",
            "SCRIPT_NAME",
            "PATH_INFO",
            "QUERY_STRING",
            "CONTENT_TYPE",
            "CONTENT_LENGTH",
        )
        if key in environ
    }
    report["headers"] = {key: value for key, value in environ.items() if key.startswith("HTTP_")}
    report["body"] = b64encode(body).decode("ascii")
    headers = [
        ("Content-Type", environ.get("CONTENT_TYPE") or "application/octet-stream"),
        ("Content-Length", str(len(body))),
        ("X-Echo", b64encode(json.dumps(report).encode()).decode("ascii")),
    ]
    headers += [("Set-Cookie", value) for value in set_cookies_for(environ.get("HTTP_COOKIE"))]
    start_response("200 OK", headers)
    return [body]


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return  # no lifespan support: the handler carries on without it
    body = await read_body(receive)
    headers = scope["headers"]
    report = {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "root_path": scope["root_path"],
        "query_string": scope["query_string"].decode("latin-1"),
        "headers": [[name.decode("latin-1"), value.decode("latin-1")] for name, value in headers],
        "body": b64encode(body).decode("ascii"),
    }
    content_type = next((v for n, v in headers if n == b"content-type"), None)
    cookie = "; ".join(v.decode("latin-1") for n, v in headers if n == b"cookie") or None
    response_headers = [
        (b"content-type", content_type or b"application/octet-stream"),
        (b"content-length", str(len(body)).encode()),
        (b"x-echo", b64encode(json.dumps(report).encode())),
    ]
    response_headers += [(b"set-cookie", value.encode()) for value in set_cookies_for(cookie)]
    await send({"type": "http.response.start", "status": 200, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})


def set_cookies_for(cookie_header: str | None) -> list[str]:
    """One Set-Cookie per request cookie; every other one carries a comma (Expires)."""
    if not cookie_header:
        return []
    values = []
    for index, cookie in enumerate(cookie_header.split("; ")):
        attributes = "; Path=/" + (f"; {SET_COOKIE_EXPIRES}" if index % 2 else "")
        values.append(cookie + attributes)
    return values


HANDLERS = {
    "wsgi": LambdaHandler(wsgi_echo),
    "asgi": LambdaHandler(asgi_echo, lifespan="off"),
}


@pytest.fixture(scope="module", autouse=True)
def _close_asgi_loop():
    yield
    HANDLERS["asgi"].close()
    asyncio.set_event_loop(None)


# -------------------------------------------------------------------------- strategies

METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])

# A path segment is built of atoms: characters a client sends raw, percent-encoded bytes
# (any byte, in either hex case), non-ASCII characters and spaces as a front door that
# decodes paths would hand them over, and stage-like words to collide with stage names.
_RAW_CHARS = st.sampled_from(list("abcXYZ019-._~!$&'()*+,;=:@"))
_ESCAPE = st.integers(0, 255).flatmap(
    lambda byte: st.sampled_from([f"%{byte:02X}", f"%{byte:02x}"])
)
_NON_ASCII = st.characters(min_codepoint=0xA0, exclude_categories=("Cs",))
_SEGMENT = st.one_of(
    st.lists(st.one_of(_RAW_CHARS, _ESCAPE, _NON_ASCII, st.just(" ")), min_size=1, max_size=6).map(
        "".join
    ),
    st.sampled_from(["prod", "v1", "$default", "%2F", "%3F", "%25", "a%20b"]),
)


@st.composite
def paths(draw: st.DrawFn) -> str:
    segments = draw(st.lists(_SEGMENT, max_size=4))
    trailing = draw(st.booleans()) and bool(segments)
    return "/" + "/".join(segments) + ("/" if trailing else "")


_QUERY_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("ab1&=+% #?/;,é")),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=6,
)
query_pairs = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(["a", "b", "a b", "&", "=", "+", "?", "?a"]), _QUERY_TEXT),
        _QUERY_TEXT,
    ).filter(lambda pair: pair[0] != ""),
    max_size=6,
)

_TOKEN = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    min_size=1,
    max_size=6,
)
_HEADER_VALUE = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12
).map(str.strip)


@st.composite
def header_pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
    """Test headers (all named X-T-...) with repeated names, each spelt one way."""
    names = draw(st.lists(_TOKEN.map(lambda t: "X-T-" + t), min_size=1, max_size=3))
    spelling: dict[str, str] = {}
    for name in names:
        spelling.setdefault(name.lower(), name)
    pool = list(spelling.values())
    return draw(st.lists(st.tuples(st.sampled_from(pool), _HEADER_VALUE), max_size=6))


_COOKIE_OCTETS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\')
cookie_lists = st.lists(
    st.tuples(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=6),
        st.text(alphabet=_COOKIE_OCTETS, max_size=10),
    ),
    max_size=4,
)

TEXT_TYPES = ["text/plain; charset=utf-8", "application/json", "text/html"]
BINARY_TYPES = ["application/octet-stream", "image/png", None]


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str | None, bytes]:
    """(content type, body): text bodies, arbitrary bytes, and bytes labelled as text."""
    kind = draw(st.sampled_from(["text", "binary", "mislabelled"]))
    if kind == "text":
        return draw(st.sampled_from(TEXT_TYPES)), draw(st.text(max_size=40)).encode("utf-8")
    body = draw(st.binary(max_size=40))
    if kind == "binary":
        return draw(st.sampled_from(BINARY_TYPES)), body
    return draw(st.sampled_from(TEXT_TYPES)), body


STAGES = st.sampled_from([None, "$default", "prod", "v1", "dev_2"])


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    content_type, body = draw(bodies())
    headers = draw(header_pairs())
    cookies = draw(cookie_lists)
    all_headers = list(headers)
    if content_type is not None:
        all_headers.append(("Content-Type", content_type))
    if cookies:
        all_headers.append(("Cookie", "; ".join(f"{n}={v}" for n, v in cookies)))
    return {
        "method": draw(METHODS),
        "path": draw(paths()),
        "query": draw(query_pairs),
        "headers": headers,
        "all_headers": all_headers,
        "cookies": cookies,
        "content_type": content_type,
        "body": body,
        "stage": draw(STAGES),
        "multi_value": draw(st.booleans()),
        "edge_event_type": draw(st.sampled_from(["origin-request", "viewer-request"])),
    }


# ------------------------------------------------------------------------ expectations


def stage_prefix(source: str, stage: str | None) -> str:
    """The mount point a client's URL has on the default execute-api domain."""
    if source not in STAGED_SOURCES:
        return ""
    if stage is None:
        stage = "prod" if source == "rest" else "$default"  # build_event's defaults
    return "" if stage == "$default" else "/" + stage


def expected_query(source: str, req: dict[str, Any]) -> dict[str, list[str]] | list:
    """What each format can carry of the sent query pairs.

    - HTTP API 2.0, Function URL, CloudFront: the raw query string, pairs in order.
    - API Gateway 1.0, ALB multi-value, Lattice v2: name -> [values] maps; order within a
      name survives, order across names does not.
    - ALB single-value mode: "the load balancer uses the last value that it receives"
      (docs section 5); Lattice v1's map is single-valued too (the last value is kept).
    """
    pairs = req["query"]
    if source == "function-url" and pairs and pairs[0][0].startswith("?"):
        # The Function URL docs show `rawQueryString` both with and without a leading "?"
        # (docs section 4), so one leading "?" is stripped and a query that really starts
        # with "?" (`/path??a=1`, key "?a") cannot be told apart. HTTP API 2.0 has no such
        # inconsistency and must keep it.
        pairs = [(pairs[0][0][1:], pairs[0][1]), *pairs[1:]]
    if source in ("http", "function-url", "edge"):
        return list(pairs)
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    single = source == "lattice-v1" or (source == "alb" and not req["multi_value"])
    if single:
        return {key: values[-1:] for key, values in grouped.items()}
    return grouped


def seen_query(source: str, req: dict[str, Any], query_string: str) -> dict[str, list[str]] | list:
    pairs = parse_qsl(query_string, keep_blank_values=True)
    if source in ("http", "function-url", "edge"):
        return pairs
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def expected_headers(source: str, req: dict[str, Any], *, asgi: bool) -> dict[str, list[str]]:
    """The X-T-* headers the app sees: lowercase name -> values, in the order sent.

    WSGI joins repeated headers with "," into one environ key (PEP 3333 / RFC 9110 list
    syntax). ASGI gets separate pairs where the event keeps them, and the comma-joined
    value where the format joins them (HTTP API 2.0, Function URL, Lattice v1). ALB in
    single-value mode keeps only the last value (docs section 5).
    """
    grouped: dict[str, list[str]] = {}
    for name, value in req["headers"]:
        grouped.setdefault(name.lower(), []).append(value)
    if source == "alb" and not req["multi_value"]:
        return {name: values[-1:] for name, values in grouped.items()}
    if not asgi or source in JOINED_HEADER_SOURCES:
        return {name: [",".join(values)] for name, values in grouped.items()}
    return grouped


def response_parts(
    source: str, req: dict[str, Any], event: dict[str, Any], result: dict[str, Any]
) -> tuple[int, bytes, list[tuple[str, str]], list[str]]:
    """(status, body bytes, other headers as (lowercase name, value), Set-Cookie values)
    as the source's client receives them, checking the result's shape on the way."""
    if source == "edge":
        assert set(result) == {"status", "statusDescription", "headers", "body", "bodyEncoding"}
        assert result["status"] == "200"
        assert result["bodyEncoding"] in ("text", "base64")
        for name, entries in result["headers"].items():
            assert name == name.lower()
            for entry in entries:
                assert entry["key"].lower() == name
    else:
        assert isinstance(result["statusCode"], int)
        assert isinstance(result["isBase64Encoded"], bool)
        if source in ("rest", "http-v1"):
            # Payload 1.0: API Gateway merges `headers` and `multiValueHeaders`.
            assert not set(result["headers"]) & set(result.get("multiValueHeaders") or {})
        elif source in ("http", "function-url"):
            # Payload 2.0 has no multi-value headers; cookies go in their own array.
            assert "multiValueHeaders" not in result
            assert "set-cookie" not in {name.lower() for name in result["headers"]}
        elif source == "alb":
            assert result["statusDescription"] == "200 OK"
            if req["multi_value"]:  # the response must use the request's mode
                assert "headers" not in result
            else:
                assert "multiValueHeaders" not in result
                assert all(isinstance(v, str) for v in result["headers"].values())
        else:  # lattice
            assert result["statusDescription"] == "200 OK"
            assert all(isinstance(v, str) for v in result["headers"].values())
    assert isinstance(result["body"], str)
    response = client_response(event, result)
    pairs = [(name.lower(), value) for name, value in response.headers]
    cookies = [value for name, value in pairs if name == "set-cookie"]
    others = [(name, value) for name, value in pairs if name != "set-cookie"]
    return response.status, response.body, others, cookies


def expected_set_cookies(source: str, req: dict[str, Any]) -> list[str]:
    """The Set-Cookie values the echo app sends: each must come back as its own value.

    Every source has a form that carries each Set-Cookie separately: 2.0 `cookies`, 1.0
    and ALB multi-value `multiValueHeaders`, ALB single-value mode and VPC Lattice (whose
    response headers are single strings, docs sections 5 and 6) under differently-cased
    names, CloudFront its header list. Comma-joining would be wrong: a browser reads
    "a=1; Expires=Wed, 21 Oct 2015 ..., b=2" as one cookie (RFC 6265 section 3).
    """
    sent = "; ".join(f"{n}={v}" for n, v in req["cookies"]) if req["cookies"] else None
    return set_cookies_for(sent)


def invoke(source: str, interface: str, req: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    event = build_event(
        source,
        method=req["method"],
        path=req["path"],
        query=req["query"],
        headers=req["all_headers"],
        body=req["body"],
        stage=req["stage"],
        multi_value=req["multi_value"],
        edge_event_type=req["edge_event_type"],
    )
    result = HANDLERS[interface](event, None)
    status, body, headers, cookies = response_parts(source, req, event, result)
    assert status == 200, result
    echoes = [value for name, value in headers if name == "x-echo"]
    assert len(echoes) == 1, headers
    report = json.loads(b64decode(echoes[0]))
    return report, (body, headers, cookies)


def check_response(source: str, req: dict[str, Any], report: dict[str, Any], parts: Any) -> None:
    body, headers, cookies = parts
    assert b64decode(report["body"]) == req["body"]
    # HEAD responses carry no body; otherwise the echoed bytes come back exactly.
    assert body == (b"" if req["method"] == "HEAD" else req["body"])
    assert cookies == expected_set_cookies(source, req)
    content_types = [value for name, value in headers if name == "content-type"]
    assert content_types == [req["content_type"] or "application/octet-stream"]


# ------------------------------------------------------------------------------ tests

SETTINGS = settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("source", SOURCE_NAMES)
@SETTINGS
@given(req=requests())
def test_wsgi_app_sees_the_request(source: str, req: dict[str, Any]) -> None:
    report, parts = invoke(source, "wsgi", req)
    prefix = stage_prefix(source, req["stage"])

    assert report["REQUEST_METHOD"] == req["method"]
    # SCRIPT_NAME + PATH_INFO are the decoded path bytes, as latin-1 text (PEP 3333).
    assert report["SCRIPT_NAME"] == prefix
    full = (report["SCRIPT_NAME"] + report["PATH_INFO"]).encode("latin-1")
    assert full == prefix.encode() + unquote_to_bytes(req["path"])

    assert seen_query(source, req, report["QUERY_STRING"]) == expected_query(source, req)

    seen = {key: [value] for key, value in report["headers"].items() if key.startswith("HTTP_X_T_")}
    expected = {
        "HTTP_" + name.upper().replace("-", "_"): values
        for name, values in expected_headers(source, req, asgi=False).items()
    }
    assert seen == expected
    if req["cookies"]:
        sent = "; ".join(f"{n}={v}" for n, v in req["cookies"])
        assert report["headers"]["HTTP_COOKIE"] == sent
    else:
        assert "HTTP_COOKIE" not in report["headers"]
    assert report.get("CONTENT_TYPE") == req["content_type"]
    assert report["CONTENT_LENGTH"] == str(len(req["body"]))

    check_response(source, req, report, parts)


@pytest.mark.parametrize("source", SOURCE_NAMES)
@SETTINGS
@given(req=requests())
def test_asgi_app_sees_the_request(source: str, req: dict[str, Any]) -> None:
    report, parts = invoke(source, "asgi", req)
    prefix = stage_prefix(source, req["stage"])
    decoded = prefix.encode() + unquote_to_bytes(req["path"])

    assert report["method"] == req["method"]
    # raw_path decodes to the path sent; path is that, UTF-8 decoded (ASGI: "with
    # percent-encoded sequences and UTF-8 byte sequences decoded into characters"), and
    # includes root_path, the stage prefix.
    raw_path = report["raw_path"].encode("latin-1")
    assert raw_path.isascii()
    assert unquote_to_bytes(raw_path) == decoded
    assert report["path"] == decoded.decode("utf-8", "replace")
    assert report["root_path"] == prefix
    assert report["path"].startswith(report["root_path"])

    assert seen_query(source, req, report["query_string"]) == expected_query(source, req)

    headers = report["headers"]
    assert all(name == name.lower() for name, _ in headers)
    seen: dict[str, list[str]] = {}
    for name, value in headers:
        if name.startswith("x-t-"):
            seen.setdefault(name, []).append(value)
    assert seen == expected_headers(source, req, asgi=True)
    cookie = "; ".join(value for name, value in headers if name == "cookie")
    assert cookie == "; ".join(f"{n}={v}" for n, v in req["cookies"])
    content_types = [value for name, value in headers if name == "content-type"]
    assert content_types == ([req["content_type"]] if req["content_type"] else [])

    check_response(source, req, report, parts)


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_http_api_keeps_a_query_that_starts_with_question_mark(interface: str) -> None:
    """Minimal reproduction of a property failure: `GET /??=` (query key "?").

    HTTP API 2.0 sends `rawQueryString` as the client sent it, without the separating
    "?" (docs section 3: "rawQueryString": "parameter1=value1&..."); only the Function
    URL docs show a leading "?" (section 4). Stripping one for HTTP APIs too turns the
    key "?" into "".
    """
    req = {
        "method": "GET", "path": "/", "query": [("?", "")], "headers": [], "all_headers": [],
        "cookies": [], "content_type": None, "body": b"", "stage": None, "multi_value": True,
        "edge_event_type": "origin-request",
    }  # fmt: skip
    report, _ = invoke("http", interface, req)
    query = report["QUERY_STRING" if interface == "wsgi" else "query_string"]
    assert parse_qsl(query, keep_blank_values=True) == [("?", "")]
