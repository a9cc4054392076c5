"""Hostile input, generated: events of every front door mutated into every shape a client
or a misconfigured integration could produce, run against apps that behave and apps that
do not. The promises checked on each case (docs/security.md):

- the handler raises only `UnknownEventError`;
- the result has its front door's shape (a status the door reads back) and serialises to
  JSON within the door's limit;
- no traceback and no exception text of the app appear in what the client receives.

Quick in CI (`ADAPTERS_FUZZ_EXAMPLES`, default 150 per test); the long campaign sets it
to 1,000,000 or more (see docs/security.md).
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import LambdaHandler, UnknownEventError
from adapters.sources import detect_source
from adapters.testing import SOURCE_NAMES, build_event, client_response

EXAMPLES = int(os.environ.get("ADAPTERS_FUZZ_EXAMPLES", "150"))
SECRET = "fuzz-secret-7f3a"
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=20), st.sampled_from(["\udcff", "\x00", "a\r\nb", "é", "=" * 5, "%zz"]),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.text(max_size=5)), max_size=3),
)  # fmt: skip


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [body, environ["PATH_INFO"].encode("latin-1"), environ["QUERY_STRING"].encode()]


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": list(scope["headers"])})
    await send({"type": "http.response.body", "body": message.get("body", b"")})


def failing_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise RuntimeError(SECRET)


HANDLERS = [
    LambdaHandler(wsgi_app, access_log=False),
    LambdaHandler(asgi_app, lifespan="off", access_log=False),
    LambdaHandler(failing_app, access_log=False),
]


def paths(event: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into the event's nested dicts and lists."""
    found = [prefix] if prefix else []
    if isinstance(event, dict):
        for key, value in event.items():
            found += paths(value, (*prefix, key))
    elif isinstance(event, list):
        for index, value in enumerate(event):
            found += paths(value, (*prefix, index))
    return found


def mutate(event: Any, where: tuple[Any, ...], value: Any, delete: bool) -> None:
    target = event
    for key in where[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        del target[where[-1]]
    else:
        target[where[-1]] = value


def check(event: Any) -> None:
    original = copy.deepcopy(event)
    for handler in HANDLERS:
        try:
            result = handler(copy.deepcopy(event), None)
        except UnknownEventError:
            continue
        text = json.dumps(result)  # must serialise
        assert "Traceback" not in text and SECRET not in text, text[:300]
        source = detect_source(original)
        assert len(text.encode()) <= source.response_limit(original)
        try:
            response = client_response(original, result)
        except ValueError:  # a result the door itself would refuse (its 502)
            raise AssertionError(f"the front door would refuse {text[:300]}") from None
        assert 100 <= response.status <= 599


@FUZZ
@given(
    source=st.sampled_from(SOURCE_NAMES),
    data=st.data(),
    mutations=st.integers(min_value=1, max_value=4),
)
def test_mutated_events_of_every_source_get_an_answer_or_unknown_event(
    source: str, data: st.DataObject, mutations: int
) -> None:
    event = build_event(
        source,
        method=data.draw(st.sampled_from(["GET", "POST", "HEAD", "DELETE"])),
        path=data.draw(st.sampled_from(["/", "/a/b", "/%2F%00", "/é"])),
        headers=[("Content-Type", "text/plain"), ("Cookie", "a=1")],
        body=data.draw(st.binary(max_size=20)),
        query=[("q", "1")],
        multi_value=data.draw(st.booleans()),
    )
    for _ in range(mutations):
        where = paths(event)
        if not where:
            break
        point = data.draw(st.sampled_from(where))
        mutate(event, point, data.draw(ODD_VALUES), data.draw(st.booleans()))
    check(event)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = ["version", "routeKey", "rawPath", "requestContext", "httpMethod", "path", "headers",
        "multiValueHeaders", "body", "isBase64Encoded", "Records", "method", "cookies",
        "query_string_parameters", "queryStringParameters", "rawQueryString", "elb", "http",
        "stage"]  # fmt: skip


@FUZZ
@given(event=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=8))
def test_arbitrary_json_with_the_keys_front_doors_use_never_escapes(event: dict[str, Any]) -> None:
    check(event)


@FUZZ
@given(status=ODD_VALUES, headers=ODD_VALUES, body=ODD_VALUES)
def test_an_asgi_app_sending_garbage_gets_the_client_a_clean_answer(
    status: Any, headers: Any, body: Any
) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    handler = LambdaHandler(app, lifespan="off", access_log=False)
    for source in ("http", "alb", "edge"):
        event = build_event(source, path="/")
        result = handler(event, None)
        assert "Traceback" not in json.dumps(result)
        assert 100 <= client_response(event, result).status <= 599
