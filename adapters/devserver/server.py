"""Sockets for `adapters serve`: one port per API and per Function URL, as on AWS."""

from __future__ import annotations

import http.server
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from . import http11
from .functions import FunctionAnswer, InvokeError
from .gateway import (
    BAD_GATEWAY,
    NOT_FOUND,
    TIMEOUT,
    Reply,
    make_event,
    reply_from_result,
    reply_from_stream,
    reply_to_buffered,
)
from .routing import Route, find_route

WATCHED_SUFFIXES = (".py", ".html", ".jinja", ".json", ".txt", ".css", ".js", ".toml", ".yaml")


class Runner(Protocol):
    def invoke(self, event: dict[str, Any]) -> FunctionAnswer: ...
    def stop(self) -> None: ...


class FrontDoor:
    """What one port serves: an API's routes, or one Function URL."""

    def __init__(
        self,
        label: str,
        kind: str,
        routes: list[Route],
        stage: str = "$default",
        binary_types: tuple[str, ...] = (),
        streams: bool = False,
    ) -> None:
        self.label = label
        self.kind = kind
        self.routes = routes
        self.stage = stage
        self.binary_types = binary_types
        self.streams = streams  # a Function URL with InvokeMode RESPONSE_STREAM


class Gateway:
    """Routes a request to its function's runner and answers as the front door would."""

    def __init__(self, door: FrontDoor, runners: dict[str, Runner]) -> None:
        self.door = door
        self.runners = runners

    def answer(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, client: str
    ) -> tuple[Reply, str, FunctionAnswer | None]:
        """The reply, the function that gave it, and its answer (to close after replying)."""
        path, _, query = target.partition("?")
        if self.door.kind == "function-url":
            found: tuple[Route, dict[str, str]] | None = (self.door.routes[0], {})
        else:
            found = find_route(self.door.routes, method, path)
        if found is None:
            return NOT_FOUND, "-", None
        route, parameters = found
        host = next((v for n, v in headers if n.lower() == "host"), "127.0.0.1")
        event = make_event(
            self.door.kind, route, parameters, method=method, path=path, query=query,
            headers=headers, body=body, host=host, client_ip=client, stage=self.door.stage,
            binary_types=self.door.binary_types,
        )  # fmt: skip
        try:
            answer = self.runners[route.function].invoke(event)
        except InvokeError as error:
            print(f"  {route.function} failed: {error}", file=sys.stderr, flush=True)
            return (TIMEOUT if error.kind == "timeout" else BAD_GATEWAY), route.function, None
        streams = self.door.streams or route.streams
        if answer.streamed:
            reply = reply_from_stream(self.door.kind, answer.pieces(), streams)
        elif streams:
            reply = reply_to_buffered(self.door.kind, answer.result)
        else:
            accept = next((v for n, v in headers if n.lower() == "accept"), None)
            reply = reply_from_result(
                self.door.kind, answer.result, self.door.binary_types, accept, event
            )
        return reply, route.function, answer


class DoorServer(http.server.ThreadingHTTPServer):
    """One front door's listening socket.

    The standard backlog of 5 makes a burst of 50 connections wait for SYN retries
    (seconds at p99); 128 is what production servers default to.
    """

    request_queue_size = 128
    daemon_threads = True


def make_handler(gateway: Gateway) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "adapters-serve"
        timeout = 60  # seconds a client may take to send a request before it is dropped

        def setup(self) -> None:
            super().setup()
            # Separate writes (headers, body, each streamed piece) go out at once instead
            # of waiting for the client's delayed ACK (Nagle's algorithm).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def handle_one_request(self) -> None:
            """Read one request strictly (see `http11`), then answer it or refuse it."""
            self.close_connection = True
            self.request_version = "HTTP/1.1"
            try:
                head = http11.read_head(self.rfile)
                if head is None:
                    return
                self.command, self.path = head.method, head.target
                self.request_version = head.version
                if head.expects_continue and (head.chunked or head.content_length):
                    self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    self.wfile.flush()
                body = http11.read_body(self.rfile, head)
            except http11.BadRequest as refused:
                self.refuse(refused)
                return
            except (http11.IncompleteRequest, OSError):
                return  # the client went away mid-request: no one to answer
            self.close_connection = not head.keep_alive
            self.handle_one(head.headers, body)
            try:
                self.wfile.flush()
            except OSError:
                self.close_connection = True

        def refuse(self, refused: http11.BadRequest) -> None:
            text = f"{refused.status} {refused.reason}\n".encode()
            try:
                self.send_response_only(refused.status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(text)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(text)
                self.wfile.flush()
            except OSError:
                pass
            print(
                f"{gateway.door.label} refused a request: {refused.status} {refused.reason}",
                file=sys.stderr,
                flush=True,
            )

        def handle_one(self, headers: list[tuple[str, str]], body: bytes) -> None:
            started = time.perf_counter()
            (status, reply_headers, reply_body), function, answer = gateway.answer(
                self.command, self.path, headers, body, self.client_address[0]
            )
            try:
                self.send_response_only(status)
                for name, value in reply_headers:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                if self.close_connection:
                    self.send_header("Connection", "close")
                if isinstance(reply_body, bytes):
                    self.send_header("Content-Length", str(len(reply_body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(reply_body)
                else:
                    self.send_chunked(reply_body, answer)
            except OSError:  # the client went away; the function still finishes (as on AWS)
                self.close_connection = True
            finally:
                if answer is not None:
                    answer.close()
            elapsed = (time.perf_counter() - started) * 1000
            print(
                f"{gateway.door.label} {self.command} {self.path} -> {function} {status} "
                f"{elapsed:.1f} ms",
                file=sys.stderr,
                flush=True,
            )

        def send_chunked(self, pieces: Iterator[bytes], answer: FunctionAnswer | None) -> None:
            """A streamed body, each piece to the client as soon as it arrives."""
            if self.command == "HEAD":
                self.end_headers()
                for _ in pieces:
                    pass
                return
            if self.request_version == "HTTP/1.0":  # no chunked coding: the close ends the body
                self.close_connection = True
                self.end_headers()
                for piece in pieces:
                    self.wfile.write(piece)
                    self.wfile.flush()
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            for piece in pieces:
                if piece:
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece))
                    self.wfile.flush()
            if answer is not None and answer.truncated:
                self.close_connection = True  # no final chunk: the client sees a cut response
                return
            self.wfile.write(b"0\r\n\r\n")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # handle_one prints its own line

    return Handler


class Watcher(threading.Thread):
    """Restarts a function's runner when a file under its code folder changes."""

    def __init__(self, folders: dict[str, Path], on_change: Callable[[str, Path], None]) -> None:
        super().__init__(daemon=True, name="adapters-reload")
        self.folders = folders
        self.on_change = on_change
        self.stopped = threading.Event()
        self.seen = {name: self.snapshot(folder) for name, folder in folders.items()}

    @staticmethod
    def snapshot(folder: Path) -> dict[Path, float]:
        found: dict[Path, float] = {}
        for path in folder.rglob("*"):
            if path.suffix in WATCHED_SUFFIXES and "__pycache__" not in path.parts:
                try:
                    found[path] = path.stat().st_mtime
                except OSError:
                    continue
        return found

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            for name, folder in self.folders.items():
                now = self.snapshot(folder)
                before = self.seen[name]
                changed = [p for p in now.keys() | before.keys() if now.get(p) != before.get(p)]
                self.seen[name] = now
                if changed:
                    self.on_change(name, changed[0])
