"""Shared by the hypothesis fuzz tests (test_fuzz.py) and the atheris target
(scripts/fuzz_atheris.py): the apps, the event generators and mutators, and the checks
every invocation must pass.

Generators take a `Chooser`, so the same code is driven by hypothesis (which shrinks a
failure to a small case) and by atheris's byte stream (which steers by coverage).

The invariants (`check_event`), on `LambdaHandler(app)(event, None)` for every app here:

- the only exception raised is `UnknownEventError`, and exactly for the events
  `detect_source` does not recognise;
- the result has its source's shape, serialises with `json.dumps` (and as valid UTF-8,
  as the python3.12+ runtimes send it) within the source's `response_limit`, and is a
  result the front door accepts (`client_response` does not raise its 502);
- no traceback text and no secret of the app's exceptions appear in the headers or the
  (decoded) body the client receives.
"""

from __future__ import annotations

import copy
import json
import os
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import quote

from adapters import LambdaHandler, UnknownEventError
from adapters.sources import detect_source, source_for_key
from adapters.testing import SOURCE_NAMES, build_event, client_response

from ..apps import read_body

if TYPE_CHECKING:
    from collections.abc import Sequence

    from adapters.sources.base import EventSource

T = TypeVar("T")

SECRET = "fuzz-secret-b41d"
"""Part of every exception message the apps raise: it must never reach a client."""

LEAKS = ("Traceback", 'File "', SECRET)

# ---------------------------------------------------------------------------- choosers


class Chooser(Protocol):
    """Where the generators get their decisions from."""

    def integer(self, low: int, high: int) -> int: ...

    def text(self, max_size: int) -> str: ...

    def binary(self, max_size: int) -> bytes: ...


def pick(chooser: Chooser, options: Sequence[T]) -> T:
    return options[chooser.integer(0, len(options) - 1)]


def coin(chooser: Chooser) -> bool:
    return chooser.integer(0, 1) == 1


class RandomChooser:
    """A chooser from `random`, for smoke runs without hypothesis or atheris."""

    def __init__(self, seed: int) -> None:
        import random

        self.random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def text(self, max_size: int) -> str:
        size = self.random.randint(0, max_size)
        return "".join(
            chr(self.random.choice((self.random.randint(0, 0x2FF), 0xDCFF))) for _ in range(size)
        )

    def binary(self, max_size: int) -> bytes:
        return self.random.randbytes(self.random.randint(0, max_size))


# ------------------------------------------------------------------------------ values

HUGE_TEXT = "h" * 1_100_000  # over ALB's and an origin-request trigger's 1 MB
LARGE_TEXT = "l" * 45_000  # over a viewer-request trigger's 40 KB
NASTY_STRINGS = (
    "", " ", "\udcff", "a\udcffb", "\ud800", "\x00", "a\x00b", "\r\n", "a\r\nSet-Cookie: x=1",
    "é", "€", "\U0001f600", "%", "%zz", "%00", "%C3%28", "//", "/../..", "?", "#", "&&==",
    "*", "!!not base64!!", "QQ=", "QQ==QQ==", "=", "null", "0", "-1", "GET", "get", "$default",
    "\t", "\x7f", "\x85", "\u2028", "a" * 300, LARGE_TEXT, HUGE_TEXT,
)  # fmt: skip
NASTY_INTS = (0, 1, -1, 2**31, -(2**63), 10**30, 99, 600)
NASTY_FLOATS = (0.0, -0.0, 1.5, 1e308, float("inf"), float("nan"))


def odd_value(chooser: Chooser, depth: int = 0) -> Any:
    """A JSON-like value of any type, often a nasty one."""
    kind = chooser.integer(0, 9 if depth < 3 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return coin(chooser)
    if kind == 2:
        return pick(chooser, NASTY_INTS) if coin(chooser) else chooser.integer(-1000, 1000)
    if kind == 3:
        return pick(chooser, NASTY_FLOATS)
    if kind in (4, 5):
        return pick(chooser, NASTY_STRINGS)
    if kind == 6:
        return chooser.text(12)
    if kind == 7:
        return [odd_value(chooser, depth + 1) for _ in range(chooser.integer(0, 3))]
    if kind == 8:
        return [pick(chooser, (1, None, True, 2.5, {"a": 1}, ["x"], "v"))]
    return {odd_key(chooser): odd_value(chooser, depth + 1) for _ in range(chooser.integer(0, 3))}


FRONT_DOOR_KEYS = (
    "version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
    "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters",
    "requestContext", "http", "method", "path", "httpMethod", "resource", "body",
    "isBase64Encoded", "is_base64_encoded", "elb", "stage", "domainName", "Records", "cf",
    "request", "response", "config", "eventType", "uri", "querystring", "raw_path",
    "query_string_parameters", "serviceNetworkArn", "connectionId", "sourceIp", "host",
    "content-type", "cookie", "x-forwarded-proto", "x-forwarded-for", "data", "encoding",
    "inputTruncated",
)  # fmt: skip


def odd_key(chooser: Chooser) -> str:
    kind = chooser.integer(0, 3)
    if kind == 0:
        return chooser.text(8)
    if kind == 1:
        return pick(chooser, ("", "\udcff", "\x00", "Host", "HOST", "Cookie", "a b", "é"))
    return pick(chooser, FRONT_DOOR_KEYS)


def arbitrary_event(chooser: Chooser) -> Any:
    """Any JSON value, mostly objects keyed by the names front doors use."""
    if chooser.integer(0, 9) == 0:
        return odd_value(chooser)
    return {odd_key(chooser): odd_value(chooser) for _ in range(chooser.integer(0, 8))}


# ------------------------------------------------------------------------------ events

METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "get", "BREW")
PATHS = ("/", "/a/b", "/a%2Fb", "/%00", "/%C3%A9", "/é", "/prod/x", "/a/", "/a?b", "//x")
CONTENT_TYPES = ("text/plain", "application/json", "application/octet-stream", "image/png")


def _valid(text: str) -> str:
    """The text without lone surrogates (a well-formed event is valid Unicode)."""
    return text.encode("utf-8", "ignore").decode("utf-8")


def well_formed_event(chooser: Chooser, source: str, method: str | None = None) -> dict[str, Any]:
    """A valid event of `source` from `build_event`, with a drawn request."""
    headers = [("Content-Type", pick(chooser, CONTENT_TYPES))]
    for _ in range(chooser.integer(0, 3)):
        name = pick(chooser, ("X-A", "x-a", "Cookie", "Accept", "X-Forwarded-For", "Host"))
        headers.append((name, _valid(chooser.text(8)).strip() or "v"))
    query = [
        (_valid(chooser.text(4)) or "k", _valid(chooser.text(4)))
        for _ in range(chooser.integer(0, 3))
    ]
    path = pick(chooser, PATHS)
    if coin(chooser):
        path = "/" + quote(chooser.text(8).encode("utf-8", "ignore"), safe="/")
    return build_event(
        source,
        method=method or pick(chooser, METHODS),
        path=path,
        query=query,
        headers=headers,
        body=chooser.binary(40),
        stage=pick(chooser, (None, "$default", "prod", "v1")),
        multi_value=coin(chooser),
        edge_event_type=pick(chooser, ("origin-request", "viewer-request")),
    )


def locations(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a value's nested dicts and lists."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += locations(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += locations(item, (*prefix, index))
    return found


def containers(value: Any, key: str) -> list[dict[str, Any]]:
    """Every dict inside `value` (itself included) that has `key`."""
    found = [value] if isinstance(value, dict) and key in value else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        found += containers(item, key)
    return found


def _at(event: Any, where: tuple[Any, ...]) -> tuple[Any, Any]:
    target = event
    for key in where[:-1]:
        target = target[key]
    return target, where[-1]


BAD_BASE64 = ("!!!!", "QQ=", "QQ", "Q", "QUJD\nREVG", "QUJD====", "\udcff", "é", "QUJD RA==")
HEADER_FIELDS = ("headers", "multiValueHeaders")


def mutate(event: Any, chooser: Chooser) -> None:
    """Damage `event` in place in one of the ways clients and integrations do."""
    where = locations(event)
    kind = chooser.integer(0, 9)
    if kind == 0 and where:  # drop a key
        parent, key = _at(event, pick(chooser, where))
        if isinstance(parent, dict):
            del parent[key]
        else:
            parent.pop(key)
    elif kind in (1, 2) and where:  # a value of the wrong type
        parent, key = _at(event, pick(chooser, where))
        parent[key] = odd_value(chooser)
    elif kind == 3:  # invalid base64 marked as base64
        for holder in containers(event, "isBase64Encoded") + containers(event, "is_base64_encoded"):
            holder["isBase64Encoded" if "isBase64Encoded" in holder else "is_base64_encoded"] = True
            holder["body"] = pick(chooser, BAD_BASE64)
        for holder in containers(event, "uri"):
            holder["body"] = {"data": pick(chooser, BAD_BASE64), "encoding": "base64"}
    elif kind == 4:  # headers that are not an object
        for holder in [h for field in HEADER_FIELDS for h in containers(event, field)]:
            holder[pick(chooser, [f for f in HEADER_FIELDS if f in holder])] = pick(
                chooser, ([], ["a", "b"], "Host: x", 7, None, True, [["host", "x"]])
            )
    elif kind == 5:  # header values that are lists of non-strings, or odd entries
        for holder in [h[f] for f in HEADER_FIELDS for h in containers(event, f)]:
            if isinstance(holder, dict):
                name = pick(chooser, ("host", "Cookie", "x-a", "content-type", "X-Forwarded-Proto"))
                holder[name] = pick(
                    chooser,
                    (
                        [1, None], [{"a": 1}], [["x"]], [], [True, 2.5], [{"value": None}],
                        [{"key": 1, "value": "v"}], [{"key": "X"}], [{"value": 3}], ["a", 1],
                        {"value": "x"}, 0,
                    ),
                )  # fmt: skip
    elif kind == 6 and where:  # a string leaf turned nasty or huge
        strings = [w for w in where if isinstance(_at(event, w)[0][w[-1]], str)]
        if strings:
            parent, key = _at(event, pick(chooser, strings))
            parent[key] = _nastier(parent[key], chooser)
    elif kind == 7:  # a garbage key in some object
        objects = [event] + [_at(event, w)[0][w[-1]] for w in where]
        objects = [o for o in objects if isinstance(o, dict)]
        if objects:
            pick(chooser, objects)[odd_key(chooser)] = odd_value(chooser)
    elif kind == 8 and where:  # a container swapped for the other kind
        parent, key = _at(event, pick(chooser, where))
        value = parent[key]
        if isinstance(value, dict):
            parent[key] = list(value.items()) if coin(chooser) else list(value)
        elif isinstance(value, list):
            parent[key] = {str(i): item for i, item in enumerate(value)}
    elif kind == 9:  # nested garbage grafted anywhere
        parent, key = _at(event, pick(chooser, where)) if where else (event, odd_key(chooser))
        if isinstance(parent, dict) or isinstance(key, int):
            parent[key] = {odd_key(chooser): odd_value(chooser) for _ in range(3)}


def _nastier(text: str, chooser: Chooser) -> str:
    kind = chooser.integer(0, 4)
    position = chooser.integer(0, len(text))
    if kind == 0:
        return text[:position] + pick(chooser, ("\udcff", "\ud83d", "\x00", "\r\n", "\x7f"))
    if kind == 1:
        return text[:position] + pick(chooser, NASTY_STRINGS) + text[position:]
    if kind == 2:
        return text * 2000 if len(text) < 1000 else HUGE_TEXT
    if kind == 3:
        return text.upper() if coin(chooser) else text.lower()
    return ""


# -------------------------------------------------------------------------------- apps


def wsgi_echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The request's body, and its method, path, query and headers in X-Echo (JSON)."""
    body = environ["wsgi.input"].read()
    seen = {k: v for k, v in environ.items() if isinstance(v, str) and k.isupper()}
    start_response(
        "200 OK",
        [("Content-Type", "application/octet-stream"), ("X-Echo", json.dumps(seen))],
    )
    return [body]


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The request's body, with the request's headers sent back as response headers."""
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    headers = [(b"x-echo-" + name, value) for name, value in scope["headers"]]
    headers.append((b"x-echo-path", scope["raw_path"] + b"?" + scope["query_string"]))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def wsgi_raises(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise RuntimeError(f"database password {SECRET}")


async def asgi_raises(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise KeyError(SECRET)


class Script:
    """What the scripted apps do on their next call: status, headers, body, and where
    (if anywhere) they raise: "call", "start" (after the status), "body" (mid-body)."""

    def __init__(
        self, status: Any = 200, headers: Any = (), body: Any = b"", raise_at: str = ""
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.raise_at = raise_at

    def __repr__(self) -> str:
        body = (
            self.body
            if not isinstance(self.body, bytes) or len(self.body) < 80
            else (f"<{len(self.body)} bytes {self.body[:8]!r}...>")
        )
        headers = self.headers if len(repr(self.headers)) < 300 else "<long headers>"
        return f"Script({self.status!r}, {headers!r}, {body!r}, {self.raise_at!r})"


SCRIPT = Script()


def wsgi_scripted(environ: dict[str, Any], start_response: Any) -> Any:
    script = SCRIPT
    if script.raise_at == "call":
        raise RuntimeError(SECRET)
    status = script.status
    if isinstance(status, int) and not isinstance(status, bool):
        status = f"{status} Whatever"
    start_response(status, script.headers)
    if script.raise_at == "start":
        raise ValueError(f"after start_response: {SECRET}")

    def chunks() -> Any:
        yield script.body
        if script.raise_at == "body":
            raise OSError(SECRET)

    return chunks()


async def asgi_scripted(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    script = SCRIPT
    if script.raise_at == "call":
        raise RuntimeError(SECRET)
    await send({"type": "http.response.start", "status": script.status, "headers": script.headers})
    if script.raise_at == "start":
        raise ValueError(f"after http.response.start: {SECRET}")
    more = script.raise_at == "body"
    await send({"type": "http.response.body", "body": script.body, "more_body": more})
    if more:
        raise OSError(SECRET)


def _handlers(apps: dict[str, Any]) -> dict[str, LambdaHandler]:
    return {
        name: LambdaHandler(
            app, access_log=False, **({"lifespan": "off"} if "asgi" in name else {})
        )
        for name, app in apps.items()
    }


HANDLERS = _handlers(
    {"wsgi-echo": wsgi_echo, "asgi-echo": asgi_echo, "wsgi-raises": wsgi_raises,
     "asgi-raises": asgi_raises}
)  # fmt: skip
SCRIPTED = _handlers({"wsgi-scripted": wsgi_scripted, "asgi-scripted": asgi_scripted})


def script_for(chooser: Chooser, asgi: bool, source: str) -> Script:
    """A drawn misbehaviour: a raise somewhere, an odd status or headers, a huge body."""
    kind = chooser.integer(0, 4)
    raise_at = pick(chooser, ("call", "start", "body")) if kind == 0 else ""
    status: Any = 200
    if kind == 1:
        status = pick(chooser, ODD_STATUSES_ASGI if asgi else ODD_STATUSES_WSGI)
    headers: Any = [(b"content-type", b"text/plain")] if asgi else [("Content-Type", "text/plain")]
    if kind == 2:
        headers = pick(chooser, ODD_HEADERS_ASGI if asgi else ODD_HEADERS_WSGI)
    body: Any = b"ok"
    if kind == 3:
        body = pick(chooser, (None, "text", 7, [b"x"], bytearray(b"x"), memoryview(b"x")))
    if kind == 4:
        body = huge_body(chooser, source)
        if coin(chooser):
            headers = (
                [(b"content-type", b"application/octet-stream")]
                if asgi
                else [("Content-Type", "application/octet-stream")]
            )
    return Script(status, headers, body, raise_at)


ODD_STATUSES_WSGI = (
    "999 Weird", "99 Low", "600 High", "abc", "", "200", "200OK", " 200 OK", "200 OK\r\nX: y",
    None, 200.0, b"200 OK", "0 Zero", "-1 Minus", "404 Not Found", "204 No Content",
    "304 Not Modified", "1000000000000 Big", "²⁰⁰ Superscript", "١٢٣ Arabic",
)  # fmt: skip
ODD_STATUSES_ASGI = (
    999, 99, 600, 0, -1, 10**20, True, None, "200", 200.5, 204, 304, 404, [200], b"200",
)  # fmt: skip
_COOKIES_WSGI = [("Set-Cookie", f"c{i}=1") for i in range(300)]
ODD_HEADERS_WSGI = (
    [("X-A", 1)], [(1, "x")], [("X-A",)], "not a list", [("X-A", "a\r\nb")], [("X-A", "é")],
    [("X-A", "€")], [("X-A", "\udcff")], [("X" * 10_000, "v")], [("X-A", "v" * 1_100_000)],
    _COOKIES_WSGI, [("", "v")], [("X A", "v")], [("Content-Length", "99999")],
    [("Content-Type", "text/plain; charset=utf-8")] * 3, None, [["X-A", "v"]], [("X-A", None)],
    [("Content-Length", "abc")], [("x-amz-cf-id", "x"), ("Transfer-Encoding", "chunked")],
)  # fmt: skip
_COOKIES_ASGI = [(b"set-cookie", f"c{i}=1".encode()) for i in range(300)]
ODD_HEADERS_ASGI = (
    [(b"x-a", 1)], [(1, b"x")], [(b"x-a",)], "not a list", [(b"x-a", b"a\r\nb")],
    [(b"x-a", "é".encode())], [(b"x-a", b"\xff\xfe")], [("x-a", "str")], [(b"x" * 10_000, b"v")],
    [(b"x-a", b"v" * 1_100_000)], _COOKIES_ASGI, [(b"", b"v")], [(b"x a", b"v")], None,
    [(b"content-length", b"99999")], [[b"x-a", b"v"]], [(b"x-a", None)], {b"x-a": b"v"},
    [(b"content-length", b"abc")], [(b"transfer-encoding", b"chunked")],
)  # fmt: skip
HUGE_CHARS = ("a", "é", "\x01", '"', "€", "\U0001f600", "\\")


def huge_body(chooser: Chooser, source: str) -> bytes:
    """A body near one of the size thresholds that matter (the limit and a sixth of it)."""
    limit = source_for_key(source).response_limit(build_event(source))
    target = pick(chooser, (limit // 6, limit // 4, limit - 300, limit, limit + 1, 7_000_000))
    char = pick(chooser, HUGE_CHARS)
    size = max(0, target + chooser.integer(-400, 400)) // len(char.encode())
    return (char * size).encode()


# ------------------------------------------------------------------------------ checks

CASES = {"events": 0, "invocations": 0}
"""How many events and handler invocations were checked (the campaign reports them)."""


def recognised(event: Any) -> EventSource | None:
    try:
        return detect_source(event)
    except UnknownEventError:
        return None


def check_event(
    event: Any, handlers: dict[str, LambdaHandler] | None = None, script: Script | None = None
) -> list[tuple[str, Any]]:
    """Invoke every handler on a copy of `event`; check the invariants; return the
    (handler name, result) pairs of the invocations that answered."""
    global SCRIPT  # noqa: PLW0603 - the scripted apps read it
    if script is not None:
        SCRIPT = script
    CASES["events"] += 1
    original = copy.deepcopy(event)
    source = recognised(original)
    answered = []
    for name, handler in (handlers or HANDLERS).items():
        CASES["invocations"] += 1
        try:
            result = handler(copy.deepcopy(original), None)
        except UnknownEventError:
            assert source is None, f"{name}: UnknownEventError for a {source.key} event"  # type: ignore[union-attr]
            continue
        assert source is not None, f"{name}: answered an event detect_source refuses"
        check_result(source, original, result, name)
        answered.append((name, result))
    return answered


def check_result(source: EventSource, event: Any, result: Any, name: str = "") -> None:
    """The result is the source's shape, within its limit, accepted, and leaks nothing."""
    text = json.dumps(result)
    limit = source.response_limit(event)
    assert len(text.encode("utf-8")) <= limit, (
        f"{name}: {len(text)} bytes of JSON, over {source.key}'s {limit}"
    )
    try:
        json.dumps(result, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:  # python3.12+ runtimes send UTF-8, cannot send this
        raise AssertionError(f"{name}: result is not valid Unicode: {text[:300]}") from error
    check_shape(source.key, event, result)
    try:
        response = client_response(event, result, [source])
    except ValueError as refusal:
        raise AssertionError(f"{name}: the front door would refuse {text[:300]}") from refusal
    assert 100 <= response.status <= 599, response.status
    seen = [text, response.body.decode("latin-1")]
    seen += [f"{n}: {v}" for n, v in response.headers]
    for leak in LEAKS:
        assert not any(leak in part for part in seen), f"{name}: {leak!r} in {text[:300]}"


def _str_map(value: Any, what: str) -> None:
    assert type(value) is dict, f"{what} is a {type(value).__name__}"
    for key, item in value.items():
        assert type(key) is str and type(item) is str, f"{what}: {key!r}: {item!r}"


def _list_map(value: Any, what: str) -> None:
    assert type(value) is dict, f"{what} is a {type(value).__name__}"
    for key, items in value.items():
        assert type(key) is str and type(items) is list, f"{what}: {key!r}: {items!r}"
        assert all(type(item) is str for item in items), f"{what}: {key!r}: {items!r}"


def check_shape(key: str, event: Any, result: Any) -> None:
    """The fields and types each front door reads (docs/event-sources.md)."""
    assert type(result) is dict, result
    assert type(result.get("body")) is str, result.get("body")
    if key == "edge":
        assert set(result) == {"status", "statusDescription", "headers", "body", "bodyEncoding"}
        assert type(result["status"]) is str and result["status"].isdigit(), result["status"]
        assert result["status"].isascii() and 100 <= int(result["status"]) <= 599
        assert type(result["statusDescription"]) is str
        assert result["bodyEncoding"] in ("text", "base64")
        assert type(result["headers"]) is dict
        for name, entries in result["headers"].items():
            assert type(name) is str and name == name.lower() and type(entries) is list
            for entry in entries:
                assert set(entry) == {"key", "value"}, entry
                assert type(entry["key"]) is str and entry["key"].lower() == name
                assert type(entry["value"]) is str
        return
    status = result.get("statusCode")
    assert type(status) is int and 100 <= status <= 599, status
    assert type(result.get("isBase64Encoded")) is bool
    allowed = {"statusCode", "headers", "body", "isBase64Encoded"}
    if key in ("rest", "http-v1"):
        allowed.add("multiValueHeaders")
    elif key in ("http", "function-url"):
        allowed.add("cookies")
        if "cookies" in result:
            cookies = result["cookies"]
            assert type(cookies) is list and all(type(c) is str for c in cookies), cookies
    else:  # ALB and VPC Lattice: a status line too
        allowed |= {"statusDescription", "multiValueHeaders"}
        assert type(result.get("statusDescription")) is str
        assert result["statusDescription"].startswith(f"{status} ")
    assert set(result) <= allowed, set(result) - allowed
    if key == "alb":  # the response must use the request's header mode
        multi = "multiValueHeaders" in event
        field, other = (
            ("multiValueHeaders", "headers") if multi else ("headers", "multiValueHeaders")
        )
        assert field in result and other not in result, f"ALB multi={multi}: {sorted(result)}"
    elif key.startswith("lattice"):
        assert "multiValueHeaders" not in result
    if "headers" in result:
        _str_map(result["headers"], "headers")
    if "multiValueHeaders" in result:
        _list_map(result["multiValueHeaders"], "multiValueHeaders")
        if "headers" in result and key in ("rest", "http-v1"):
            assert not set(result["headers"]) & set(result["multiValueHeaders"])


def all_sources() -> tuple[str, ...]:
    """The sources to fuzz: ADAPTERS_FUZZ_SOURCES (comma-separated) or all of them."""
    chosen = os.environ.get("ADAPTERS_FUZZ_SOURCES", "")
    return tuple(s for s in chosen.split(",") if s) or SOURCE_NAMES


def report_counts(path: str | None) -> None:
    """Append this process's counts as one JSON line (the campaign adds them up)."""
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(CASES) + "\n")
