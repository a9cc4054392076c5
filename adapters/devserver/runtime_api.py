"""A local Lambda Runtime API: invocations in, the runtime's answers out, byte for byte.

`adapters serve` runs each function as Lambda does, as a runtime process that asks this
API for invocations (`python -m adapters.runtime`, the same code that runs on Lambda),
so buffered and streamed answers both work, and nothing the function prints can be
taken for an answer. It also records exactly what the runtime posted (headers, each
chunk with its arrival time, trailers), which the tests read: the AWS emulator buffers
streams and drops trailers, so it cannot show them.

Endpoints, as "Using the Lambda runtime API for custom runtimes" defines them:
`GET /2018-06-01/runtime/invocation/next`, `POST .../invocation/{id}/response` (buffered,
or chunked with `Lambda-Runtime-Function-Response-Mode: streaming`), `POST
.../invocation/{id}/error` and `POST /2018-06-01/runtime/init/error`; for SnapStart,
`GET /2018-06-01/runtime/restore/next` (held until `restore` is set: the moment Lambda
would take the snapshot) and `POST /2018-06-01/runtime/restore/error`.
"""

from __future__ import annotations

import http.server
import json
import queue
import socket
import threading
import time
import uuid
from typing import Any

PREFIX = "/2018-06-01/runtime/"
MAX_CHUNK_LINE = 1024


class Answer:
    """What the runtime sent for one invocation, filled in as it arrives.

    `kind` is "response" (buffered), "stream", "error" (the `/error` call) or
    "init_error". `body` holds a buffered answer or error; a stream's pieces arrive on
    `chunks()` as the runtime sends them, each also kept in `received` with its time.
    """

    def __init__(self, kind: str, headers: dict[str, str]) -> None:
        self.kind = kind
        self.headers = headers
        self.content_type = headers.get("content-type", "")
        self.body = b""
        self.received: list[tuple[float, bytes]] = []
        self.trailers: dict[str, str] = {}
        self.complete = threading.Event()
        self.truncated = False
        self._pieces: queue.Queue[bytes | None] = queue.Queue()

    def chunks(self, deadline: float | None = None) -> Any:
        """The stream's pieces as they arrive; ends when the runtime ends the body.

        Raises TimeoutError when `deadline` (a `time.monotonic()` value) passes first.
        """
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                piece = self._pieces.get(timeout=wait)
            except queue.Empty:
                raise TimeoutError("the runtime stopped sending its stream") from None
            if piece is None:
                return
            yield piece

    def read_all(self, timeout: float | None = None) -> bytes:
        if self.kind != "stream":
            self.complete.wait(timeout)
            return self.body
        return b"".join(self.chunks(None if timeout is None else time.monotonic() + timeout))

    def _add(self, piece: bytes) -> None:
        self.received.append((time.monotonic(), piece))
        self._pieces.put(piece)

    def _end(self) -> None:
        self._pieces.put(None)
        self.complete.set()


class Invocation:
    """One queued invocation and, once the runtime answers, its `Answer`."""

    def __init__(self, event: bytes, timeout: float, headers: dict[str, str]) -> None:
        self.request_id = str(uuid.uuid4())
        self.event = event
        self.deadline_ms = int((time.time() + timeout) * 1000)
        self.headers = headers
        self.answer: Answer | None = None
        self.answered = threading.Event()
        self.taken = threading.Event()
        self.taken_at = 0.0  # time.time() when the runtime took it

    def wait(self, timeout: float | None) -> Answer | None:
        """The answer once the runtime starts sending it, or None on timeout."""
        self.answered.wait(timeout)
        return self.answer


class RuntimeAPI:
    """The Runtime API for one runtime process, on 127.0.0.1 and a free port."""

    def __init__(self, function_arn: str = "") -> None:
        self.function_arn = function_arn or ("arn:aws:lambda:us-east-1:123456789012:function:local")
        self.pending: queue.Queue[Invocation] = queue.Queue()
        self.invocations: dict[str, Invocation] = {}
        self.init_error: Answer | None = None
        self.init_failed = threading.Event()
        self.polling = threading.Event()
        """Set when the runtime first asks for an invocation: its INIT is over."""
        self.snapshotting = threading.Event()
        """Set when the runtime asks for `restore/next`: INIT and its hooks are done."""
        self.restore = threading.Event()
        """Set it to let `restore/next` return: the runtime then runs its restore hooks."""
        self.restore_error: Answer | None = None
        self.restore_failed = threading.Event()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="runtime-api", daemon=True
        )
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def submit(
        self, event: bytes, timeout: float, headers: dict[str, str] | None = None
    ) -> Invocation:
        """Queue an invocation; the runtime's next `/next` takes it."""
        invocation = Invocation(event, timeout, headers or {})
        self.invocations[invocation.request_id] = invocation
        self.pending.put(invocation)
        return invocation

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_class(api: RuntimeAPI) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "adapters-runtime-api"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes; without this the second waits
            # for the runtime's delayed ACK (Nagle's algorithm), 40 ms an answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == PREFIX + "restore/next":  # SnapStart: "the snapshot is taken"
                api.snapshotting.set()
                api.restore.wait()
                self.reply(200, {})
                return
            if self.path != PREFIX + "invocation/next":
                self.reply(404, {"errorType": "NotFound", "errorMessage": self.path})
                return
            api.polling.set()
            invocation = api.pending.get()
            invocation.taken_at = time.time()
            invocation.taken.set()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
            self.send_header("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", api.function_arn)
            for name, value in invocation.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(invocation.event)))
            self.end_headers()
            self.wfile.write(invocation.event)

        def do_POST(self) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            if self.path == PREFIX + "restore/error":
                answer = Answer("restore_error", headers)
                answer.body = self.read_body(headers, None)
                api.restore_error = answer
                self.reply(202, {"status": "OK"})
                answer._end()
                api.restore_failed.set()
                return
            if self.path == PREFIX + "init/error":
                answer = Answer("init_error", headers)
                answer.body = self.read_body(headers, None)
                api.init_error = answer
                self.reply(202, {"status": "OK"})
                answer._end()
                api.init_failed.set()
                return
            parts = self.path[len(PREFIX) :].split("/") if self.path.startswith(PREFIX) else []
            invocation = api.invocations.get(parts[1]) if len(parts) == 3 else None
            if invocation is None or parts[0] != "invocation" or parts[2] not in (
                "response", "error",
            ):  # fmt: skip
                self.reply(404, {"errorType": "NotFound", "errorMessage": self.path})
                return
            if invocation.answer is not None:
                self.reply(400, {"errorType": "InvalidStateTransition", "errorMessage": "answered"})
                return
            mode = headers.get("lambda-runtime-function-response-mode")
            if mode not in (None, "streaming"):
                self.reply(400, {"errorType": "InvalidFunctionResponseMode",
                                 "errorMessage": "Invalid function response mode"})  # fmt: skip
                return
            kind = "error" if parts[2] == "error" else ("stream" if mode else "response")
            answer = Answer(kind, headers)
            invocation.answer = answer
            invocation.answered.set()
            try:
                answer.body = self.read_body(headers, answer if kind == "stream" else None)
                api.invocations.pop(invocation.request_id, None)
                self.reply(202, {"status": "OK"})
            finally:
                answer._end()  # after the reply: a complete answer was acknowledged

        def read_body(self, headers: dict[str, str], stream: Answer | None) -> bytes:
            """The request body: Content-Length or chunked (pieces go to `stream`)."""
            if "chunked" not in headers.get("transfer-encoding", "").lower():
                length = int(headers.get("content-length") or 0)
                return self.rfile.read(length) if length > 0 else b""
            body = bytearray()
            while True:
                line = self.rfile.readline(MAX_CHUNK_LINE)
                if not line:  # the runtime went away mid-body
                    if stream is not None:
                        stream.truncated = True
                    return bytes(body)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                piece = self.rfile.read(size)
                self.rfile.readline(MAX_CHUNK_LINE)  # the CRLF after the data
                if stream is not None:
                    stream._add(piece)
                else:
                    body += piece
            while True:  # trailers, up to the blank line
                line = self.rfile.readline(MAX_CHUNK_LINE * 64)
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if stream is not None:
                    stream.trailers[name.strip().lower()] = value.strip()
            return bytes(body)

    return Handler
