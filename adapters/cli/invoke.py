"""`adapters invoke`: run a handler on one event in this process, like `sam local invoke`."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from typing import Any

from .common import CommandError, LocalContext, import_object


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "invoke",
        help="run a Lambda handler on one event, in-process",
        description="Run MODULE:HANDLER on an event and print the response JSON. "
        "Log output (including the access log) goes to stderr.",
    )
    parser.add_argument(
        "handler", metavar="MODULE:HANDLER", help="for example wsgi_handler:handler"
    )
    parser.add_argument(
        "--event", "-e", required=True, metavar="FILE", help="event JSON file, or - for stdin"
    )
    parser.add_argument("--body", action="store_true", help="also print the decoded response body")
    parser.add_argument(
        "--path", default=None, help="folder to import the handler from (default: cwd)"
    )
    parser.add_argument("--function-name", default="local", help="name in the Lambda context")
    parser.set_defaults(run=run)


def read_event(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()  # noqa: SIM115
    except OSError as error:
        raise CommandError(f"cannot read event file: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"the event is not valid JSON: {error}") from None


def decoded_body(event: Any, result: Any) -> bytes | None:
    """The body the event's front door would send its client, or None if it would refuse."""
    from ..testing import client_response

    try:
        body = client_response(event, result).body
    except (ValueError, TypeError):
        return None
    return body if isinstance(body, bytes) else None


def run(arguments: argparse.Namespace) -> int:
    event = read_event(arguments.event)
    handler = import_object(arguments.handler, arguments.path)
    if not callable(handler):
        raise CommandError(f"{arguments.handler} is not callable")
    context = LocalContext(arguments.function_name)
    with contextlib.redirect_stdout(sys.stderr):
        try:
            result = handler(event, context)
        except Exception as error:
            traceback.print_exc()
            failure = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "requestId": context.aws_request_id,
            }
            print(json.dumps(failure, indent=2), file=sys.__stdout__)
            return 1
    print(json.dumps(result, indent=2))
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    if isinstance(failures, list) and isinstance(event, dict):
        records = event.get("Records")
        total = len(records) if isinstance(records, list) else "?"
        print(f"{len(failures)} of {total} records failed", file=sys.stderr)
    if arguments.body:
        body = decoded_body(event, result)
        if body is None:
            print("(no body)")
        else:
            try:
                print(body.decode("utf-8"))
            except UnicodeDecodeError:
                print(f"({len(body)} bytes of binary data)")
    return 0
