"""`adapters event`: print the event a front door, or another AWS service, would send,
like `sam local generate-event`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..events import SOURCE_NAMES, build_event
from ..trigger_events import TRIGGER_KINDS
from .common import CommandError


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "event",
        help="print a realistic event for any supported source",
        description="Print the event SOURCE sends for one request, with that source's "
        "encodings (decoded or raw query values, joined or list headers, base64 bodies); "
        "or, for sqs, sns, s3, eventbridge, schedule, kinesis and dynamodb, the event that "
        "service sends, one record per --message.",
    )
    parser.add_argument(
        "source", choices=(*SOURCE_NAMES, *TRIGGER_KINDS), help="the front door or service"
    )
    trigger = parser.add_argument_group("non-HTTP events")
    trigger.add_argument(
        "--message", "-m", action="append", default=[], metavar="TEXT",
        help="a record's body: SQS message, SNS message, S3 key, Kinesis data, DynamoDB key "
        "(repeatable); for eventbridge the detail JSON",
    )  # fmt: skip
    trigger.add_argument("--fifo", action="store_true", help="sqs: records of a FIFO queue")
    trigger.add_argument("--name", default=None, help="the queue, topic, bucket, stream or rule")
    trigger.add_argument("--detail-type", default="Example Event", help="eventbridge")
    trigger.add_argument("--event-source", default="com.example.app", help="eventbridge")
    parser.add_argument("--method", "-X", default="GET")
    parser.add_argument(
        "--path", default="/", help="the path the client asked for, percent-encoded"
    )
    parser.add_argument(
        "--query", "-q", action="append", default=[], metavar="NAME=VALUE",
        help="a query parameter (repeatable; decoded form)",
    )  # fmt: skip
    parser.add_argument(
        "--header", "-H", action="append", default=[], metavar="'NAME: VALUE'",
        help="a request header (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--cookie", action="append", default=[], metavar="NAME=VALUE", help="a cookie (repeatable)"
    )
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", "-d", default=None, help="the request body, as text")
    body.add_argument(
        "--body-file", default=None, metavar="FILE", help="the request body, from a file"
    )
    parser.add_argument(
        "--base64", action=argparse.BooleanOptionalAction, default=None,
        help="send the body base64-encoded (default: when its Content-Type is not text)",
    )  # fmt: skip
    parser.add_argument("--stage", default=None, help="API Gateway stage (rest, http-v1, http)")
    parser.add_argument("--domain", default=None, help="the domain the client used")
    parser.add_argument("--source-ip", default="198.51.100.7")
    parser.add_argument(
        "--single-value", action="store_true", help="ALB: single-value headers (the default mode)"
    )
    parser.add_argument(
        "--edge-event-type", default="origin-request", choices=["viewer-request", "origin-request"]
    )
    parser.set_defaults(run=run)


def pairs(items: list[str], separator: str, what: str) -> list[tuple[str, str]]:
    found = []
    for item in items:
        name, sep, value = item.partition(separator)
        if not sep or not name.strip():
            raise CommandError(f"{what} {item!r} must look like NAME{separator.strip()}VALUE")
        found.append((name.strip(), value.strip() if separator == ":" else value))
    return found


def run(arguments: argparse.Namespace) -> int:
    if arguments.source in TRIGGER_KINDS:
        return run_trigger(arguments)
    headers = pairs(arguments.header, ":", "header")
    if arguments.cookie:
        cookies = pairs(arguments.cookie, "=", "cookie")
        headers.append(("Cookie", "; ".join(f"{name}={value}" for name, value in cookies)))
    body: bytes | str = b""
    if arguments.body_file is not None:
        try:
            body = Path(arguments.body_file).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read body file: {error}") from None
    elif arguments.body is not None:
        body = arguments.body
    event = build_event(
        arguments.source,
        method=arguments.method,
        path=arguments.path if arguments.path.startswith("/") else "/" + arguments.path,
        query=pairs(arguments.query, "=", "query parameter"),
        headers=headers,
        body=body,
        base64=arguments.base64,
        stage=arguments.stage,
        domain=arguments.domain,
        source_ip=arguments.source_ip,
        multi_value=not arguments.single_value,
        edge_event_type=arguments.edge_event_type,
    )
    print(json.dumps(event, indent=2))
    return 0


def run_trigger(arguments: argparse.Namespace) -> int:
    from ..trigger_events import build_trigger_event

    messages = list(arguments.message)
    if arguments.body is not None:
        messages.append(arguments.body)
    if not messages:
        messages = ["{}"]
    try:
        event = build_trigger_event(
            arguments.source,
            messages,
            fifo=arguments.fifo,
            name=arguments.name,
            detail_type=arguments.detail_type,
            event_source=arguments.event_source,
        )
    except ValueError as error:  # a detail that is not JSON, a FIFO name without .fifo
        raise CommandError(str(error)) from None
    print(json.dumps(event, indent=2))
    return 0
