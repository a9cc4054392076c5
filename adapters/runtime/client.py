"""A client for the Lambda Runtime API, standard library only, that can stream.

Follows "Using the Lambda runtime API for custom runtimes" (docs.aws.amazon.com/lambda/
latest/dg/runtimes-api.html) and its section "Implementing response streaming in a custom
runtime" (runtimes-custom.html#runtimes-custom-response-streaming):

- `GET /2018-06-01/runtime/invocation/next` blocks until there is an invocation; the
  request id, deadline, function ARN, trace id, client context and Cognito identity come
  as `Lambda-Runtime-*` headers, the event as the body.
- A buffered answer is one `POST .../invocation/{id}/response` with the JSON result.
- A streamed answer is the same POST with `Lambda-Runtime-Function-Response-Mode:
  streaming` and `Transfer-Encoding: chunked`, each piece sent as it is produced. A
  failure after the first byte ends the body with the trailers
  `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body` (base64
  JSON), declared up front in a `Trailer` header; the connection is closed afterwards.
- A failure before any byte goes to `.../invocation/{id}/error`, one during start-up to
  `/2018-06-01/runtime/init/error`.
- Under SnapStart, `GET /2018-06-01/runtime/restore/next` ends INIT (the snapshot is
  taken while it waits) and returns in each restored copy; a failure of the after-restore
  hooks goes to `/2018-06-01/runtime/restore/error`.
"""

from __future__ import annotations

import http.client
import json
import socket

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

API_VERSION = "2018-06-01"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_HEADER = "Lambda-Runtime-Function-Error-Body"
RESPONSE_MODE_HEADER = "Lambda-Runtime-Function-Response-Mode"


class RuntimeAPIError(Exception):
    """The Runtime API refused a call (a status other than 2xx), or went away."""


class Invocation:
    """One invocation as `/invocation/next` hands it over."""

    __slots__ = (
        "client_context",
        "cognito_identity",
        "deadline_ms",
        "event",
        "function_arn",
        "request_id",
        "tenant_id",
        "trace_id",
    )

    def __init__(self, event: bytes, headers: http.client.HTTPMessage) -> None:
        self.event = event
        self.request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        deadline = headers.get("Lambda-Runtime-Deadline-Ms", "")
        self.deadline_ms = int(deadline) if deadline.isdigit() else None
        self.function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self.trace_id = headers.get("Lambda-Runtime-Trace-Id")
        self.client_context = headers.get("Lambda-Runtime-Client-Context")
        self.cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")


class StreamOutcome:
    """How a streamed answer ended: how much was sent, and the failure reported, if any."""

    __slots__ = ("bytes_sent", "error_type")

    def __init__(self, bytes_sent: int, error_type: str | None) -> None:
        self.bytes_sent = bytes_sent
        self.error_type = error_type


class RuntimeClient:
    """The Runtime API at `address` ("host:port", as AWS_LAMBDA_RUNTIME_API gives it)."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"AWS_LAMBDA_RUNTIME_API must be host:port, not {address!r}")
        self.host = host
        self.port = int(port)
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            connection = http.client.HTTPConnection(self.host, self.port)
            connection.connect()
            # A stream is many small writes: without this, each waits for the last one's
            # delayed ACK (Nagle's algorithm), 40 ms a piece on Linux.
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = self._connect()
        try:
            connection.request(method, f"/{API_VERSION}/runtime/{path}", body, headers or {})
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise RuntimeAPIError(
                f"the Runtime API at {self.host}:{self.port} failed: {error}"
            ) from error
        if not 200 <= response.status < 300:
            raise RuntimeAPIError(f"{method} {path}: {response.status} {data[:300]!r}")
        return response, data

    def next(self) -> Invocation:
        """Wait for the next invocation."""
        response, event = self._call("GET", "invocation/next")
        return Invocation(event, response.headers)

    def respond(
        self, request_id: str, payload: bytes, content_type: str = "application/json"
    ) -> None:
        """A buffered answer."""
        self._call(
            "POST",
            f"invocation/{request_id}/response",
            payload,
            {"Content-Type": content_type},
        )

    def fail(self, request_id: str, error: dict[str, Any]) -> None:
        """An invocation failed before any byte of an answer."""
        self._call(
            "POST",
            f"invocation/{request_id}/error",
            json.dumps(error).encode("utf-8"),
            {"Content-Type": "application/json", ERROR_TYPE_HEADER: str(error["errorType"])},
        )

    def fail_init(self, error: dict[str, Any]) -> None:
        """Start-up failed: Lambda reports it for the first invocation (a 502 there)."""
        self._call(
            "POST",
            "init/error",
            json.dumps(error).encode("utf-8"),
            {"Content-Type": "application/json", ERROR_TYPE_HEADER: str(error["errorType"])},
        )

    def restore_next(self) -> None:
        """SnapStart: INIT is done, snapshot now; returns in the restored copy."""
        self._call("GET", "restore/next")

    def fail_restore(self, error: dict[str, Any]) -> None:
        """SnapStart: the after-restore hooks failed; Lambda ends this environment."""
        self._call(
            "POST",
            "restore/error",
            json.dumps(error).encode("utf-8"),
            {"Content-Type": "application/json", ERROR_TYPE_HEADER: str(error["errorType"])},
        )

    def stream(
        self, request_id: str, content_type: str, chunks: Iterable[bytes], limit: int
    ) -> StreamOutcome:
        """Send `chunks` as a streamed answer, each as soon as it is produced.

        An exception from `chunks` before its first piece becomes an `/error` call; after
        it, or past `limit` bytes, the body ends with the error trailers, which Lambda
        forwards to the client, so they name no exception text. Either way the invocation
        is answered and the exception is not re-raised: the outcome says what happened.
        """
        iterator = iter(chunks)
        try:
            first = next(iterator, b"")
        except Exception as exc:
            from .errors import error_info

            self.fail(request_id, error_info(exc, request_id))
            return StreamOutcome(0, "error")
        connection = self._connect()
        sent = 0
        error: dict[str, Any] | None = None
        try:
            connection.putrequest(
                "POST",
                f"/{API_VERSION}/runtime/invocation/{request_id}/response",
                skip_accept_encoding=True,
            )
            connection.putheader(RESPONSE_MODE_HEADER, "streaming")
            connection.putheader("Transfer-Encoding", "chunked")
            connection.putheader("Content-Type", content_type)
            connection.putheader("Trailer", f"{ERROR_TYPE_HEADER}, {ERROR_BODY_HEADER}")
            connection.endheaders()
            chunk = first
            while True:
                if chunk:
                    if sent + len(chunk) > limit:
                        error = _too_large(limit)
                        break
                    connection.send(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                try:
                    chunk = next(iterator)
                except StopIteration:
                    break
                except Exception as exc:
                    from .errors import stream_error_info

                    error = stream_error_info(exc)  # logs what the app's interface did not
                    break
            connection.send(_last_chunk(error))
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as failure:
            raise RuntimeAPIError(
                f"streaming the answer to {request_id} failed: {failure}"
            ) from failure
        finally:
            self.close()  # "Close the underlying connection after it has ... written the response"
        if not 200 <= response.status < 300:
            raise RuntimeAPIError(f"the Runtime API refused the stream: {response.status}")
        return StreamOutcome(sent, None if error is None else str(error["errorType"]))


def _too_large(limit: int) -> dict[str, Any]:
    return {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": f"Response stream exceeded the {limit} byte limit; the rest was not sent.",
    }


def _last_chunk(error: dict[str, Any] | None) -> bytes:
    """The chunked body's end: the zero-size chunk, with the error trailers after a failure."""
    if error is None:
        return b"0\r\n\r\n"
    import binascii

    body = binascii.b2a_base64(json.dumps(error).encode("utf-8"), newline=False)
    error_type = str(error["errorType"]).encode("latin-1", "replace")
    return b"0\r\n%b: %b\r\n%b: %b\r\n\r\n" % (
        ERROR_TYPE_HEADER.encode(),
        error_type,
        ERROR_BODY_HEADER.encode(),
        body,
    )
