"""Hostile events through the drop-ins (`adapters.compat`): what each peer crashes on
(KeyError, TypeError, binascii.Error from deep inside) must end in a result the runtime
can send, or the documented exception for an event of no front door, never a traceback.

The events are the fuzzers' own (`fuzz_targets`): well-formed events of every source,
mutated, and arbitrary JSON objects built from the front doors' keys.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import UnknownEventError
from adapters.compat import Mangum, make_lambda_handler, serverless_wsgi

from . import fuzz_targets as ft
from .test_fuzz import FUZZ, JSON, SOURCES, DrawChooser


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    headers = [[b"x-echo-" + bytes(name), bytes(value)] for name, value in scope["headers"]]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": scope["path"].encode("utf-8", "replace")})


def wsgi_echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read()
    headers = [("X-Echo-" + key[5:].replace("_", "-"), value)
               for key, value in environ.items() if key.startswith("HTTP_")]  # fmt: skip
    start_response("200 OK", [*headers, ("Content-Type", "application/octet-stream")])
    return [body, environ["PATH_INFO"].encode("latin-1")]


MANGUM = Mangum(asgi_echo, lifespan="off")
APIG = make_lambda_handler(wsgi_echo)


def serverless(event: Any, context: Any) -> Any:
    return serverless_wsgi.handle_request(wsgi_echo, event, context)


DROP_INS = {"mangum": MANGUM, "apig-wsgi": APIG, "serverless-wsgi": serverless}


def answer_or_refuse(event: Any) -> None:
    for name, handler in DROP_INS.items():
        try:
            result = handler(json.loads(json.dumps(event)), None)
        except UnknownEventError:
            continue
        except RuntimeError as error:  # the non-proxy integration's 3xx-5xx, by design
            assert name == "serverless-wsgi", error
            assert json.loads(str(error))["statusCode"] >= 300
            continue
        payload = json.dumps(result, allow_nan=False)  # what the runtime must send
        payload.encode("utf-8")  # no lone surrogates either
        for leak in ft.LEAKS:
            assert leak not in payload, (name, leak)


@pytest.mark.parametrize("source", SOURCES)
@FUZZ
@given(data=st.data())
def test_a_mutated_event_is_answered_or_refused(source: str, data: st.DataObject) -> None:
    chooser = DrawChooser(data)
    event = ft.well_formed_event(chooser, source)
    for _ in range(chooser.integer(1, 6)):
        ft.mutate(event, chooser)
    answer_or_refuse(event)


@FUZZ
@given(event=st.dictionaries(st.sampled_from(ft.FRONT_DOOR_KEYS), JSON, max_size=8))
def test_arbitrary_json_objects_are_answered_or_refused(event: dict[str, Any]) -> None:
    answer_or_refuse(event)
