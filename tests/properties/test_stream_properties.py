"""Property: a streamed answer is the buffered answer, cut into pieces.

For the front doors that stream (Function URLs, REST APIs), any response an app makes
(status, headers with repeated Set-Cookie, a body in any number of chunks, HEAD or not)
reaches a client the same way whether the handler buffers it or streams it: the stream's
prelude decodes to the buffered status and headers, and its pieces concatenate to the
buffered body. Both are read back with `adapters.testing.client_response`, as the front
door would.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters import LambdaHandler
from adapters.testing import build_event, client_response

STATUSES = st.sampled_from([200, 201, 204, 302, 304, 400, 404, 418, 500, 503])
CHUNKS = st.lists(st.binary(max_size=300), max_size=6)
TYPES = st.sampled_from(["text/plain; charset=utf-8", "application/octet-stream", "image/png"])
COOKIES = st.lists(st.from_regex(r"[a-z]{1,5}=[a-z0-9]{0,5}", fullmatch=True), max_size=4)


def apps(status: int, content_type: str, cookies: list[str], chunks: list[bytes]) -> dict[str, Any]:
    headers = [("Content-Type", content_type), ("X-Pieces", str(len(chunks)))]
    headers += [("Set-Cookie", cookie) for cookie in cookies]

    def wsgi(environ: Any, start_response: Any) -> Any:
        start_response(f"{status} Whatever", headers)
        yield from chunks

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        encoded = [(n.lower().encode(), v.encode()) for n, v in headers]
        await send({"type": "http.response.start", "status": status, "headers": encoded})
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return {"wsgi": wsgi, "asgi": asgi}


@settings(max_examples=150, deadline=None)
@given(
    source=st.sampled_from(["function-url", "rest"]),
    interface=st.sampled_from(["wsgi", "asgi"]),
    method=st.sampled_from(["GET", "POST", "HEAD"]),
    status=STATUSES,
    content_type=TYPES,
    cookies=COOKIES,
    chunks=CHUNKS,
)
def test_the_stream_concatenates_to_the_buffered_answer(
    source: str, interface: str, method: str, status: int, content_type: str,
    cookies: list[str], chunks: list[bytes],
) -> None:  # fmt: skip
    app = apps(status, content_type, cookies, chunks)[interface]
    event = build_event(source, method=method, path="/p")
    buffered = LambdaHandler(app, interface=interface, access_log=False)(event, None)
    streaming = LambdaHandler(app, interface=interface, access_log=False, response_mode="streaming")
    stream = streaming.invoke_streaming(event, None)
    try:
        payload = b"".join(stream)
    finally:
        stream.close()
    expected = client_response(event, buffered)
    received = client_response(event, payload)
    assert received.status == expected.status == status
    assert sorted(received.headers) == sorted(expected.headers)
    assert received.body == expected.body
    if method != "HEAD" and status not in (204, 304):
        assert received.body == b"".join(chunks)
