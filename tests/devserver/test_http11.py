"""The strict request reader of `adapters serve`: what h11 refuses is refused, with h11's
statuses, and every accepted request is framed exactly."""

from __future__ import annotations

import io

import pytest

from adapters.devserver import http11


def read(raw: bytes) -> tuple[http11.RequestHead, bytes, bytes]:
    """The head, the body, and what is left on the connection for the next request."""
    stream = io.BytesIO(raw)
    head = http11.read_head(stream)
    assert head is not None
    body = http11.read_body(stream, head)
    return head, body, stream.read()


def refused(raw: bytes) -> int:
    with pytest.raises(http11.BadRequest) as caught:
        read(raw)
    return caught.value.status


GET = b"GET /a HTTP/1.1\r\nHost: x\r\n"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /a\r\n\r\n", 400),  # HTTP/0.9
        (b"GET  /a HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"G(T /a HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /a HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET /a HTTP/1\r\nHost: x\r\n\r\n", 400),
        (b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET http://x/a HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (GET + b"NoColon\r\n\r\n", 400),
        (GET + b"Space : x\r\n\r\n", 400),
        (GET + b": empty name\r\n\r\n", 400),
        (GET + b"X: a\x01b\r\n\r\n", 400),
        (GET + b"X: a\x00b\r\n\r\n", 400),
        (GET + b"X: a\r\n folded\r\n\r\n", 400),
        (GET + b"".join(b"X%d: y\r\n" % i for i in range(101)) + b"\r\n", 431),
        (GET + b"X: " + b"v" * 70_000 + b"\r\n\r\n", 431),
        (b"GET /a HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 without Host
        (GET + b"Host: y\r\n\r\n", 400),
        (GET + b"Content-Length: abc\r\n\r\n", 400),
        (GET + b"Content-Length: -5\r\n\r\n", 400),
        (GET + b"Content-Length: +5\r\n\r\nabcde", 400),
        (GET + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        (GET + b"Content-Length: \xd9\xa3\r\n\r\nabc", 400),  # a non-ASCII digit
        (GET + b"Content-Length: 99999999999\r\n\r\n", 413),
        (GET + b"Transfer-Encoding: gzip\r\n\r\n", 501),
        (GET + b"Transfer-Encoding: gzip, chunked\r\n\r\n", 501),
        (GET + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400),
        (b"GET /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (GET + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (GET + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 400),
        (GET + b"Transfer-Encoding: chunked\r\n\r\n" + b"b00000\r\n", 413),
        (GET + b"Expect: teapot\r\n\r\n", 417),
    ],
)
def test_malformed_requests_get_h11s_answers(raw: bytes, status: int) -> None:
    assert refused(raw) == status


def test_a_chunked_body_is_decoded_and_nothing_is_left_to_read_as_a_next_request() -> None:
    raw = GET + b"Transfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nT: x\r\n\r\n"
    head, body, rest = read(raw + GET + b"\r\n")
    assert body == b"abcde"
    assert rest == GET + b"\r\n"
    assert ("T", "x") not in head.headers


def test_a_content_length_body_is_read_exactly_and_pipelined_requests_stay_apart() -> None:
    first = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    head, body, rest = read(first + b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
    assert (head.method, head.target, body) == ("POST", "/a", b"hello")
    second_head, second_body, _ = read(rest)
    assert (second_head.target, second_body) == ("/b", b"hi")


def test_repeated_identical_content_lengths_are_one_length() -> None:
    assert read(GET + b"Content-Length: 3, 3\r\n\r\nabc")[1] == b"abc"


def test_bare_lf_line_ends_and_leading_empty_lines_are_tolerated() -> None:
    head, _, _ = read(b"\r\n\nGET /a?q=1 HTTP/1.1\nHost: x\nX-Y:  spaced  \n\n")
    assert head.target == "/a?q=1"
    assert ("X-Y", "spaced") in head.headers


def test_header_values_keep_obs_text_bytes_as_latin1() -> None:
    head, _, _ = read(GET + b"X: caf\xc3\xa9\r\n\r\n")
    assert ("X", "caf\xc3\xa9") in head.headers


@pytest.mark.parametrize(
    ("raw", "keep_alive"),
    [
        (GET + b"\r\n", True),
        (GET + b"Connection: close\r\n\r\n", False),
        (b"GET /a HTTP/1.0\r\n\r\n", False),
        (b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
    ],
)
def test_the_connection_is_kept_as_the_client_asked(raw: bytes, keep_alive: bool) -> None:
    assert read(raw)[0].keep_alive is keep_alive


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
        b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        b"GET /a HTTP/1.1\r\nHost: x\r\n",
        b"GET /a HTTP/1.1\r\nHost: x",
    ],
)
def test_a_request_cut_short_is_incomplete_not_served(raw: bytes) -> None:
    with pytest.raises(http11.IncompleteRequest):
        read(raw)


def test_a_closed_connection_between_requests_is_no_request() -> None:
    assert http11.read_head(io.BytesIO(b"")) is None
    assert http11.read_head(io.BytesIO(b"\r\n")) is None
