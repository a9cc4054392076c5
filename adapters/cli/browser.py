"""`adapters browser build|serve`: the browser bundle, built and served locally."""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import sys
import urllib.parse
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from .common import CommandError

MIME_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".whl": "application/octet-stream",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".tar": "application/x-tar",
}


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "browser",
        help="build or serve the browser bundle of an app",
        description="Build a static folder that runs the app in the browser (Pyodide), "
        "or serve one locally with the right MIME types.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="build the bundle: APP --out DIR [--path DIR] [--requirements-file FILE]",
        add_help=False,
        prefix_chars="\0",  # everything after `build` goes to the bundle builder as is
    )
    build.add_argument("rest", nargs=argparse.REMAINDER)
    build.set_defaults(run=run_build)
    dev = actions.add_parser(
        "dev",
        help="build, serve on 127.0.0.1, rebuild on edits and reload: APP [--path DIR]",
        add_help=False,
        prefix_chars="\0",
    )
    dev.add_argument("rest", nargs=argparse.REMAINDER)
    dev.set_defaults(run=run_dev)
    serve = actions.add_parser("serve", help="serve a built bundle on 127.0.0.1")
    serve.add_argument("folder", type=Path, metavar="DIR")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.set_defaults(run=run_serve)


def run_build(arguments: argparse.Namespace) -> int:
    from ..browser.bundle import main as build_main

    return build_main(["build", *arguments.rest])


def run_dev(arguments: argparse.Namespace) -> int:
    from .browser_dev import main as dev_main

    return dev_main(arguments.rest)


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types Pyodide and module workers need, never cached.

    ``headers`` are added to every response; ``on_request(method, path, status)`` hears
    of every request answered (the tests use both to tell the server's answers apart).
    """

    extensions_map = {  # noqa: RUF012 - an instance variable in the base class
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        **MIME_TYPES,
    }
    # Before a request line is understood the base class takes it for HTTP/0.9 and
    # answers without a status line or headers (so without nosniff); nobody speaks 0.9.
    default_request_version = "HTTP/1.0"

    def __init__(
        self,
        *args: Any,
        headers: Mapping[str, str] | None = None,
        on_request: Callable[[str, str, int], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self.extra_headers = dict(headers or {})
        self.on_request = on_request
        super().__init__(*args, **kwargs)  # answers the request: set the fields first

    def parse_request(self) -> bool:
        """Refuse other methods before the base class does: it answers 501, as if the
        server were unfinished, where a static server means 405 and says what it allows."""
        if not super().parse_request():
            return False
        if self.command in ("GET", "HEAD"):
            return True
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")  # a body left unread is not a request
        self.end_headers()
        return False

    def send_head(self) -> Any:
        """Hand over to the base class only what it may serve: it would list folders,
        follow symlinks anywhere and raise on paths no file can have (NUL)."""
        path = urllib.parse.unquote(self.path.split("?", 1)[0].split("#", 1)[0])
        if any(ord(character) < 0x20 or character == "\x7f" for character in path):
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request path")
            return None
        try:
            inside = "\\" not in path and self.inside_bundle()
        except ValueError:  # a lone surrogate from %-escapes: no file name on disk
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request path")
            return None
        if not inside and self.stand_in_for_app_page(path):
            inside = self.inside_bundle()
        if not inside:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        return super().send_head()

    def stand_in_for_app_page(self, path: str) -> bool:
        """A page in a bundle's app scope that no worker answered yet (a first visit that
        opens a deep link): serve the scope's index.html, the copy of the start page that
        installs the worker and loads this URL again. True when the request now points at
        it. The nearest folder above the path holding such a page is the scope."""
        root = os.path.realpath(self.directory)
        folder = path.rsplit("/", 1)[0]
        for _ in range(STAND_IN_DEPTH):  # bounded: a path of 2,000 folders costs nothing
            if not folder:
                break
            installer = f"{folder}/index.html"
            real = os.path.realpath(self.translate_path(installer))
            if os.path.commonpath([root, real]) == root and _is_stand_in(real):
                self.path = urllib.parse.quote(installer)
                return True
            folder = folder.rsplit("/", 1)[0]
        return False

    def inside_bundle(self) -> bool:
        """Whether the file the base class would send, a folder's index.html included,
        really is a regular file in the bundle once every symlink is resolved."""
        root = os.path.realpath(self.directory)
        real = os.path.realpath(self.translate_path(self.path))
        if os.path.isdir(real):
            real = os.path.realpath(os.path.join(real, "index.html"))
        return os.path.commonpath([root, real]) == root and os.path.isfile(real)

    def list_directory(self, path: Any) -> None:
        """Never reached through send_head; here so that no other way lists a folder."""
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.on_request is not None:
            # a request line too long or malformed is answered before it has a path
            self.on_request(self.command or "", getattr(self, "path", ""), int(code))
        super().log_request(code, size)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


STAND_IN_MARK = b'<meta name="adapters-site" content="stand-in">'
STAND_IN_DEPTH = 16
"""Folders looked at above a missing path: deep links are rarely deeper."""


def _is_stand_in(path: str) -> bool:
    """Whether the file is a bundle's start page copy that stands in for the app's pages."""
    try:
        with open(path, "rb") as page:
            return STAND_IN_MARK in page.read(4096)
    except OSError:
        return False


def make_static_server(
    folder: Path,
    host: str,
    port: int,
    *,
    headers: Mapping[str, str] | None = None,
    on_request: Callable[[str, str, int], None] | None = None,
) -> http.server.ThreadingHTTPServer:
    """Serve ``folder`` on host:port (0: a free port); call ``serve_forever`` to run it."""
    handler = functools.partial(
        StaticHandler, directory=str(folder), headers=headers, on_request=on_request
    )
    return http.server.ThreadingHTTPServer((host, port), handler)


def run_serve(arguments: argparse.Namespace) -> int:
    folder: Path = arguments.folder
    if not (folder / "bundle.json").is_file():
        raise CommandError(f"{folder} is not a bundle (no bundle.json): build one first")
    try:
        server = make_static_server(folder, arguments.host, arguments.port)
    except OSError as error:
        raise CommandError(f"cannot listen on {arguments.host}:{arguments.port}: {error}") from None
    port = server.server_address[1]
    print(f"Serving {folder} at http://{arguments.host}:{port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
