"""`adapters serve`: the template's HTTP front doors on 127.0.0.1, without Docker."""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .common import CommandError

if TYPE_CHECKING:
    from ..devserver.server import FrontDoor, Runner, Watcher
    from ..devserver.template import Application

KIND_NAMES = {
    "rest": "REST API, payload 1.0",
    "http": "HTTP API, payload 2.0",
    "http-v1": "HTTP API, payload 1.0",
    "function-url": "Function URL",
}


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve a SAM template's APIs and Function URLs locally (no Docker)",
        description="Read the template's functions and their Api, HttpApi and "
        "FunctionUrlConfig events; serve each API and Function URL on a port of its own, "
        "turning each request into the event its front door sends.",
    )
    parser.add_argument("template", nargs="?", default="template.yaml", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=3000,
        help="first port; the next doors count up (0: each door gets a free port)",
    )  # fmt: skip
    parser.add_argument(
        "--emulator", action="store_true",
        help="run functions under the real Lambda runtime emulator (RIE + awslambdaric)",
    )  # fmt: skip
    parser.add_argument(
        "--parameter-overrides", nargs="*", default=[], metavar="NAME=VALUE",
        help="template parameter values",
    )  # fmt: skip
    parser.add_argument(
        "--env-vars", type=Path, default=None, metavar="FILE",
        help='JSON like sam\'s: {"FunctionName": {"VAR": "value"}, "Parameters": {...}}',
    )  # fmt: skip
    parser.add_argument("--no-reload", action="store_true", help="do not restart on code changes")
    parser.set_defaults(run=run)


def read_overrides(items: list[str]) -> dict[str, str]:
    overrides = {}
    for item in items:
        for part in item.split():
            name, equals, value = part.partition("=")
            if not equals or not name:
                raise CommandError(f"parameter override {part!r} must look like NAME=VALUE")
            overrides[name.removeprefix("ParameterKey=")] = value
    return overrides


def read_env_vars(path: Path | None) -> dict[str, dict[str, str]]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read --env-vars {path}: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CommandError(f"--env-vars {path} must map function names to {{VAR: value}} maps")
    return {name: {k: str(v) for k, v in values.items()} for name, values in data.items()}


def run(arguments: argparse.Namespace) -> int:
    from ..devserver.template import TemplateError, read_application

    template: Path = arguments.template
    if not template.is_file():
        raise CommandError(f"no template at {template}")
    try:
        app = read_application(
            template,
            read_overrides(arguments.parameter_overrides),
            read_env_vars(arguments.env_vars),
        )
    except TemplateError as error:
        for warning in error.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        raise CommandError(str(error)) from None
    for warning in app.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    runners = make_runners(app, arguments.emulator)
    servers: list[http.server.ThreadingHTTPServer] = []
    try:
        for offset, door in enumerate(front_doors(app)):
            port = arguments.port + offset if arguments.port else 0
            servers.append(start_server(door, runners, arguments.host, port))
        watcher = None if arguments.no_reload else start_watcher(app, runners)
        print("Ready. Ctrl+C to stop.", flush=True)
        wait_for_stop()
        if watcher is not None:
            watcher.stopped.set()
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for runner in runners.values():
            runner.stop()
    return 0


def make_runners(app: Application, use_emulator: bool) -> dict[str, Runner]:
    from ..devserver.functions import EmulatorRunner, RuntimeRunner, find_emulator

    emulator = find_emulator() if use_emulator else None
    if use_emulator and emulator is None:
        raise CommandError(
            "--emulator needs the Lambda Runtime Interface Emulator: install aws-sam-cli, "
            "put aws-lambda-rie on PATH, or set ADAPTERS_RIE"
        )
    return {
        name: EmulatorRunner(function, emulator) if emulator else RuntimeRunner(function)
        for name, function in app.functions.items()
    }


def front_doors(app: Application) -> list[FrontDoor]:
    from ..devserver.routing import Route
    from ..devserver.server import FrontDoor

    doors = [
        FrontDoor(name, api.kind, api.routes, api.stage, api.binary_types)
        for name, api in app.apis.items()
    ]
    doors += [
        FrontDoor(
            f"{name}Url",
            "function-url",
            [Route("ANY", "/{proxy+}", name)],
            streams=function.url_streams,
        )
        for name, function in app.functions.items()
        if function.function_url
    ]
    return doors


def start_server(
    door: FrontDoor, runners: dict[str, Runner], host: str, port: int
) -> http.server.ThreadingHTTPServer:
    from ..devserver.server import DoorServer, Gateway, make_handler

    try:
        server = DoorServer((host, port), make_handler(Gateway(door, runners)))
    except OSError as error:
        raise CommandError(f"cannot listen on {host}:{port}: {error}") from None
    streaming = ", streaming" if door.streams else ""
    print(
        f"{door.label} ({KIND_NAMES[door.kind]}{streaming}): "
        f"http://{host}:{server.server_address[1]}/"
    )
    for route in door.routes if door.kind != "function-url" else ():
        mode = " (streaming)" if route.streams else ""
        print(f"    {route.method:6} {route.path} -> {route.function}{mode}")
    sys.stdout.flush()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_watcher(app: Application, runners: dict[str, Runner]) -> Watcher:
    from ..devserver.server import Watcher

    def restart(name: str, changed: Path) -> None:
        print(f"reloading {name}: {changed} changed", file=sys.stderr, flush=True)
        runners[name].stop()

    watcher = Watcher({name: f.code_dir for name, f in app.functions.items()}, restart)
    watcher.start()
    return watcher


def wait_for_stop() -> None:
    """Until Ctrl+C or SIGTERM (how tests and process managers stop servers)."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
