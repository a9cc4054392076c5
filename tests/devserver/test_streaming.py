"""`adapters serve` streams what Lambda would stream, as `curl -N` would see it.

Neither `sam local start-api` nor the AWS emulator streams (sam-cli #6501, #8606): this is
where a user first watches Server-Sent Events arrive from their app. The example
template's StreamingFunction (the FastAPI notes app, ADAPTERS_RESPONSE_MODE=streaming)
sits behind a streaming REST API (door 4) and a streaming Function URL (door 5).
"""

from __future__ import annotations

import json
import socket
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..cli.command import SECRET
from ..example_app import TEMPLATE
from .serving import Served, start_serve

STREAMING_REST, STREAMING_URL = 4, 5


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    yield from start_serve(TEMPLATE, "--parameter-overrides", f"SessionSecret={SECRET}", doors=8)


def read_chunked(
    port: int, path: str, pieces: int | None = None
) -> tuple[bytes, list[tuple[float, bytes]]]:
    """GET `path` over a raw socket; the head, and each chunk of the body with its time."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    started = time.monotonic()
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    stream = sock.makefile("rb")
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += stream.readline()
    received: list[tuple[float, bytes]] = []
    try:
        while pieces is None or len(received) < pieces:
            size = int(stream.readline().strip(), 16)
            if size == 0:
                break
            received.append((time.monotonic() - started, stream.read(size)))
            stream.readline()
    finally:
        stream.close()
        sock.close()
    return head, received


@pytest.mark.parametrize("door", [STREAMING_URL, STREAMING_REST])
def test_server_sent_events_arrive_one_by_one(served: Served, door: int) -> None:
    head, received = read_chunked(served.ports[door], "/api/ticks?count=3&interval=0.4")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"transfer-encoding: chunked" in head.lower()
    assert b"content-type: text/event-stream" in head.lower()
    events = b"".join(piece for _, piece in received).decode()
    assert [json.loads(line[6:]) for line in events.splitlines() if line.startswith("data: ")] == [
        {"tick": 1, "of": 3}, {"tick": 2, "of": 3}, {"tick": 3, "of": 3},
    ]  # fmt: skip
    first_event = next(at for at, piece in received if b"data:" in piece)
    assert received[-1][0] - first_event >= 0.6  # two pauses of 0.4 s between them


def test_buffered_doors_of_the_same_app_still_buffer(served: Served) -> None:
    status, headers, body = served.request(3, "GET", "/api/ticks?count=2&interval=0")
    assert status == 200
    assert any(k.lower() == "content-length" for k, _ in headers)  # one buffered answer
    assert body.count(b"event: tick") == 2


def test_a_client_that_goes_away_does_not_stop_the_server(served: Served) -> None:
    head, received = read_chunked(
        served.ports[STREAMING_URL], "/api/ticks?count=5&interval=0.3", pieces=1
    )
    assert head.startswith(b"HTTP/1.1 200") and received  # then the client hung up
    status, _, body = served.request(STREAMING_URL, "GET", "/api/health")
    assert status == 200 and json.loads(body)["framework"] == "fastapi"
    assert served.process.poll() is None


def test_export_streams_ndjson(served: Served) -> None:
    created = served.request(
        STREAMING_URL, "POST", "/api/notes", json.dumps({"title": "streamed"}).encode(),
        {"Content-Type": "application/json"},
    )  # fmt: skip
    assert created[0] == 201
    head, received = read_chunked(served.ports[STREAMING_URL], "/api/notes/export")
    assert b"application/x-ndjson" in head
    lines = b"".join(piece for _, piece in received).decode().splitlines()
    assert any(json.loads(line)["title"] == "streamed" for line in lines)


MISCONFIGURED = """
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function: {Runtime: python3.12, CodeUri: app/, Timeout: 10}
    Resources:
      Streams:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
          Environment: {Variables: {ADAPTERS_RESPONSE_MODE: streaming}}
          Events:
            Buffered: {Type: Api, Properties: {Path: /buffered, Method: GET}}
      Buffers:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
          Events:
            Streaming:
              Type: Api
              Properties: {Path: /streaming, Method: GET, ResponseTransferMode: RESPONSE_STREAM}
"""


def test_a_stream_to_a_buffered_door_and_the_reverse_fail_as_on_aws(tmp_path: Path) -> None:
    code = tmp_path / "app"
    code.mkdir()
    (code / "app.py").write_text(
        textwrap.dedent(
            """
            from adapters import LambdaHandler

            def app(environ, start_response):
                start_response("200 OK", [("Content-Type", "text/plain")])
                return [b"hello"]

            handler = LambdaHandler(app)
            """
        )
    )
    template = tmp_path / "template.yaml"
    template.write_text(textwrap.dedent(MISCONFIGURED))
    for served_app in start_serve(template, doors=1):
        # A REST method that buffers, given a stream: Lambda's Invoke API hands API Gateway
        # the raw bytes, which it cannot read.
        assert served_app.request(0, "GET", "/buffered")[0] == 502
        # A streaming REST method, given a buffered result: "return a 500 error response".
        assert served_app.request(0, "GET", "/streaming")[0] == 500
        served_app.process.terminate()
        _, errors = served_app.process.communicate(timeout=10)
    assert "streamed its answer, but this front door invokes it buffered" in errors
    assert "this REST method streams, but the function answered buffered" in errors
