"""`adapters browser dev APP`: serve the app's bundle, rebuild it on edits, reload pages.

The server is `adapters browser serve`'s static server with two more paths under
``/__adapters/dev/``: the page script the service worker adds to the app's pages
(``client.js``) and the server-sent event stream that script listens to (``events``),
which says the current build on connecting and every new build, or a failed rebuild,
as it happens.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import io
import shutil
import signal
import tempfile
import threading
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from types import FrameType
from typing import Any

from ..browser.bundle import DEV_CLIENT, WEB_SOURCES, add_build_options
from ..browser.devloop import DevLoop, DevOptions
from ..browser.errors import BuildError, log
from .browser import StaticHandler

CLIENT_PATH = "/" + DEV_CLIENT
EVENTS_PATH = CLIENT_PATH.rsplit("/", 1)[0] + "/events"
KEEP_ALIVE_SECONDS = 15.0


class BuildAnnouncer:
    """The latest build and the events since, for every open event stream."""

    def __init__(self, build: str = "") -> None:
        self._changed = threading.Condition()
        self.build = build
        self.version = 0
        self.last: tuple[str, str] = ("build", build)
        self.closed = False

    def announce(self, event: str, data: str) -> None:
        with self._changed:
            if event == "build":
                self.build = data
            self.last = (event, data)
            self.version += 1
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> tuple[int, tuple[str, str] | None]:
        """The next event after version ``seen``, or None after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen or self.closed, timeout)
            if self.version == seen or self.closed:
                return seen, None
            return self.version, self.last


class DevHandler(StaticHandler):
    def __init__(self, *args: Any, announcer: BuildAnnouncer, **kwargs: Any) -> None:
        self.announcer = announcer
        super().__init__(*args, **kwargs)

    def send_head(self) -> Any:
        if self.path.split("?", 1)[0] == CLIENT_PATH:
            return self.send_client()
        return super().send_head()

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == EVENTS_PATH:
            self.stream_events()
            return
        super().do_GET()

    def send_client(self) -> Any:
        body = (WEB_SOURCES / "dev-client.js").read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def stream_events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        announcer = self.announcer
        try:
            seen = announcer.version
            self.write_event("build", announcer.build)
            while not announcer.closed:
                seen, event = announcer.wait(seen, KEEP_ALIVE_SECONDS)
                if event is None:
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
                else:
                    self.write_event(*event)
        except OSError:  # the page went away
            pass
        self.close_connection = True

    def write_event(self, event: str, data: str) -> None:
        lines = data.splitlines() or [""]
        text = f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"
        self.wfile.write(text.encode())
        self.wfile.flush()


def make_dev_server(
    folder: Path, host: str, port: int, announcer: BuildAnnouncer
) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(DevHandler, directory=str(folder), announcer=announcer)
    return http.server.ThreadingHTTPServer((host, port), handler)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="adapters browser dev",
        description="Build the app's browser bundle, serve it on 127.0.0.1, rebuild the "
        "app's code when its files change and reload the app's pages.",
    )
    add_build_options(parser, dev=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="(0: a free port)")
    parser.add_argument(
        "--interval", type=float, default=0.3, help="seconds between looks at the files"
    )
    return parser.parse_args(list(argv))


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    temporary = arguments.out is None
    out: Path = Path(tempfile.mkdtemp(prefix="adapters-dev-")) if temporary else arguments.out
    options = DevOptions(
        app=arguments.app, out=out, source=arguments.path,
        requirements=arguments.requirement, requirements_files=arguments.requirements_file,
        base_path=arguments.base_path, include=arguments.include, env=arguments.env,
        secret_env=arguments.secret_env, refresh=arguments.refresh,
        wheel_dirs=arguments.wheels, mirrors=arguments.mirror, bytecode=arguments.bytecode,
        persist=arguments.persist, websockets=arguments.websockets,
    )  # fmt: skip
    announcer = BuildAnnouncer()
    loop = DevLoop(options, announcer.announce, interval=max(arguments.interval, 0.05))
    stop = threading.Event()
    server = None
    watcher = None
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        announcer.build = loop.full_build()
        loop.start_watching()
        server = make_dev_server(out, arguments.host, arguments.port, announcer)
        host, port = arguments.host, server.server_address[1]
        scope = arguments.base_path.strip("/")
        print(
            f"Serving {arguments.app} at http://{host}:{port}/index.html "
            f"(the app at http://{host}:{port}/{scope}/); watching {options.source} "
            "for edits (Ctrl+C to stop)",
            flush=True,
        )
        watcher = threading.Thread(target=loop.run, args=(stop,), name="adapters-dev-watch")
        watcher.daemon = True
        watcher.start()
        server.serve_forever()
    except BuildError as error:
        log(f"error: {error}")
        return 1
    except OSError as error:
        log(f"error: {error}")
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
        announcer.close()
        if watcher is not None:
            watcher.join(timeout=10)  # a rebuild under way finishes before the folder goes
        if server is not None:
            server.server_close()
        if temporary:
            shutil.rmtree(out, ignore_errors=True)
    return 0
