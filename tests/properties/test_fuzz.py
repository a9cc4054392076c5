"""Fuzzing in the suite (docs/fuzzing.md): well-formed and malformed events of every
source, and arbitrary JSON, against echo apps and apps that misbehave, with the
invariants of `fuzz_targets.check_event` on every invocation.

Quick in CI (the "fuzz-quick" profile: a few dozen examples per test). The campaign
(`bash scripts/fuzz-campaign.sh`) sets ADAPTERS_FUZZ_EXAMPLES to run many more, and
ADAPTERS_FUZZ_SOURCES to split the work across processes.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import LambdaHandler, UnknownEventError
from adapters.sources import source_for_key
from adapters.testing import SOURCE_NAMES, build_event, client_response

from . import fuzz_targets as ft
from . import test_properties as tp

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}
settings.register_profile("fuzz-quick", max_examples=100, **_COMMON)
settings.register_profile(
    "fuzz-campaign", max_examples=int(os.environ.get("ADAPTERS_FUZZ_EXAMPLES") or 25), **_COMMON
)
FUZZ = settings.get_profile(
    "fuzz-campaign" if os.environ.get("ADAPTERS_FUZZ_EXAMPLES") else "fuzz-quick"
)
SOURCES = ft.all_sources()


class DrawChooser:
    """The generators' decisions, drawn from hypothesis (so failures shrink)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def text(self, max_size: int) -> str:
        return self.data.draw(
            st.text(st.characters(codec=None, exclude_categories=()), max_size=max_size)
        )

    def binary(self, max_size: int) -> bytes:
        return self.data.draw(st.binary(max_size=max_size))


@pytest.fixture(scope="module", autouse=True)
def _counts() -> Iterator[None]:
    yield
    ft.report_counts(os.environ.get("ADAPTERS_FUZZ_COUNT_FILE"))


# ---------------------------------------------------------------- well-formed events


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(req=tp.requests())
def test_a_well_formed_event_reaches_the_app_as_sent_and_passes_every_check(
    source: str, interface: str, req: dict[str, Any]
) -> None:
    """test_properties' exact-request properties, run at fuzzing scale, plus the fuzz
    invariants on the same event for every app (echo, raising)."""
    inner = (
        tp.test_wsgi_app_sees_the_request
        if interface == "wsgi"
        else tp.test_asgi_app_sees_the_request
    )
    inner.hypothesis.inner_test(source=source, req=req)  # type: ignore[attr-defined]
    event = build_event(
        source, method=req["method"], path=req["path"], query=req["query"],
        headers=req["all_headers"], body=req["body"], stage=req["stage"],
        multi_value=req["multi_value"], edge_event_type=req["edge_event_type"],
    )  # fmt: skip
    answers = dict(ft.check_event(event))
    assert set(answers) == set(ft.HANDLERS)  # a well-formed event is always answered
    for name in ("wsgi-raises", "asgi-raises"):
        assert client_response(event, answers[name]).status == 500


# ------------------------------------------------------------------ malformed events


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_a_mutated_event_is_answered_or_refused_as_unknown(
    source: str, data: st.DataObject
) -> None:
    chooser = DrawChooser(data)
    event = ft.well_formed_event(chooser, source)
    for _ in range(chooser.integer(1, 6)):
        ft.mutate(event, chooser)
    for name, result in ft.check_event(event):
        if "raises" not in name:  # the echo apps answer 200, or the adapter 400 (or 500)
            assert client_response(event, result, [ft.recognised(event)]).status in (  # type: ignore[list-item]
                200, 204, 400, 500,
            )  # fmt: skip


JSON = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(),
        st.text(st.characters(codec=None, exclude_categories=()), max_size=10),
        st.sampled_from(ft.NASTY_STRINGS[:-2]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(ft.FRONT_DOOR_KEYS), st.text(max_size=6)),
                        children, max_size=5),
    ),
    max_leaves=25,
)  # fmt: skip


@FUZZ
@given(event=st.dictionaries(st.sampled_from(ft.FRONT_DOOR_KEYS), JSON, max_size=8))
def test_arbitrary_json_objects_are_answered_or_refused_as_unknown(event: dict[str, Any]) -> None:
    ft.check_event(event)


@FUZZ
@given(data=st.data())
def test_generated_garbage_events_are_answered_or_refused_as_unknown(data: st.DataObject) -> None:
    ft.check_event(ft.arbitrary_event(DrawChooser(data)))


@FUZZ
@given(event=st.one_of(JSON.filter(lambda value: not isinstance(value, dict)), st.binary()))
def test_an_event_that_is_not_an_object_raises_unknown_event_error(event: Any) -> None:
    for handler in ft.HANDLERS.values():
        with pytest.raises(UnknownEventError):
            handler(event, None)


# ----------------------------------------------------------------- misbehaving apps


def _encoded_size(script: ft.Script) -> int:
    """The JSON length of the script's body as the result carries it."""
    body = script.body
    if any(b"octet-stream" in bytes(v) for _, v in script.headers if isinstance(v, bytes)) or any(
        "octet-stream" in v for _, v in script.headers if isinstance(v, str)
    ):
        return (len(body) + 2) // 3 * 4
    return len(json.dumps(body.decode("utf-8")))


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_a_misbehaving_app_gets_its_client_a_clean_answer(
    source: str, interface: str, data: st.DataObject
) -> None:
    chooser = DrawChooser(data)
    script = ft.script_for(chooser, interface == "asgi", source)
    event = ft.well_formed_event(chooser, source, method="POST")
    name = f"{interface}-scripted"
    (answer,) = ft.check_event(event, {name: ft.SCRIPTED[name]}, script)
    response = client_response(event, answer[1])
    if script.raise_at:  # whatever was sent before, the client sees a plain 500
        assert response.status == 500
        assert response.body == b"Internal Server Error"
    if isinstance(script.body, bytes) and len(script.body) > 1000 and script.status == 200:
        limit = source_for_key(source).response_limit(event)
        size = _encoded_size(script)
        if size + 1000 < limit:  # fits: the client gets all of it
            assert (response.status, response.body) == (200, script.body)
        elif size > limit:  # cannot fit: a 500 that says why
            assert response.status == 500
            assert b"exceeds the" in response.body


# ---------------------------------------------------------------- the checks can fail


@pytest.mark.parametrize(
    ("source", "result", "complaint"),
    [
        ("http", {"statusCode": 500, "headers": {}, "body": 'File "app.py"',
                  "isBase64Encoded": False}, 'File "'),
        ("rest", {"statusCode": 500, "headers": {"x": ft.SECRET}, "body": "",
                  "isBase64Encoded": False}, ft.SECRET),
        ("alb", {"statusCode": 200, "statusDescription": "200 OK", "body": "VHJhY2ViYWNr",
                 "isBase64Encoded": True, "headers": {}}, "Traceback"),
        ("alb", {"statusCode": 200, "statusDescription": "200 OK", "body": "x" * 1_048_577,
                 "isBase64Encoded": False, "headers": {}}, "over alb's"),
        ("alb", {"statusCode": 200, "statusDescription": "200 OK", "body": "",
                 "isBase64Encoded": False, "multiValueHeaders": {}}, "multi=False"),
        ("edge", {"status": 200, "statusDescription": "OK", "headers": {}, "body": "",
                  "bodyEncoding": "text"}, "200"),
        ("lattice-v2", {"statusCode": True, "statusDescription": "200 OK", "headers": {},
                        "body": "", "isBase64Encoded": False}, "True"),
        ("function-url", {"statusCode": 200, "headers": {"a": 1}, "body": "",
                          "isBase64Encoded": False}, "headers"),
    ],
)  # fmt: skip
def test_the_invariants_catch_what_a_client_must_not_see(
    source: str, result: dict[str, Any], complaint: str
) -> None:
    event = build_event(source, multi_value=False)
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        ft.check_result(source_for_key(source), event, result)


def test_the_invariants_pass_a_clean_answer_for_every_source() -> None:
    for source in SOURCE_NAMES:
        event = build_event(source, method="POST", body=b"\x00\xff")
        (_, result), *_ = ft.check_event(event, {"wsgi-echo": ft.HANDLERS["wsgi-echo"]})
        assert client_response(event, result).body == b"\x00\xff"


# ------------------------------------------------------------ package bugs found here


def test_a_binary_response_with_non_ascii_headers_stays_within_the_alb_limit() -> None:
    """The limit check skips the exact count for base64 bodies, but header values that
    JSON escapes (é is six bytes as \\u00e9) can still take the result past 1 MB."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(
            "200 OK", [("Content-Type", "application/octet-stream"), ("X-A", "é" * 200_000)]
        )
        return [b"\x00"]

    event = build_event("alb")
    result = LambdaHandler(app, access_log=False)(event, None)
    assert len(json.dumps(result).encode()) <= 1_048_576


def test_a_lone_surrogate_in_a_wsgi_header_gets_a_500_the_runtime_can_send() -> None:
    """PEP 3333 header values are text; "\\udcff" is not, and the python3.12+ runtimes
    (UTF-8 JSON, ensure_ascii=False) could not marshal a result holding it."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-A", "\udcff")])
        return [b"ok"]

    result = LambdaHandler(app, access_log=False)(build_event("http"), None)
    json.dumps(result, ensure_ascii=False).encode("utf-8")
    assert result["statusCode"] == 500
    assert result["body"] == "Internal Server Error"


def test_non_ascii_text_in_a_wsgi_header_is_still_sent() -> None:
    """Only what cannot be UTF-8 is refused: apps send "✓" and "é" and users see them."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-Check", "✓ é")])
        return [b"ok"]

    result = LambdaHandler(app, access_log=False)(build_event("http"), None)
    assert result["statusCode"] == 200
    assert result["headers"]["x-check"] == "✓ é"


def test_the_same_event_is_read_the_same_whatever_the_last_events_source() -> None:
    """An event both ALB and Function URL `matches` (a Function URL event with
    requestContext.elb: null) is a Function URL event to detect_source, but an ALB one to
    a handler whose previous event was an ALB event."""
    handler = LambdaHandler(ft.wsgi_echo, access_log=False)
    handler(build_event("alb"), None)
    event = build_event("function-url")
    event["requestContext"]["elb"] = None
    result = handler(event, None)
    assert "statusDescription" not in result  # what a fresh handler answers


def test_a_function_url_event_with_a_lattice_key_is_read_the_same_after_a_lattice_event() -> None:
    """Found by atheris: a Function URL event that also carries `is_base64_encoded` (a
    VPC Lattice 1.0 key) got a Lattice-shaped answer (`statusDescription`) from a handler
    whose previous event was a Lattice one, and a Function URL answer from a fresh one."""
    handler = LambdaHandler(ft.wsgi_echo, access_log=False)
    handler(build_event("lattice-v1"), None)
    event = build_event("function-url")
    event["is_base64_encoded"] = [None, None, False]
    fresh = LambdaHandler(ft.wsgi_echo, access_log=False)(copy.deepcopy(event), None)
    after = handler(event, None)
    assert "statusDescription" not in after
    assert after.keys() == fresh.keys()
