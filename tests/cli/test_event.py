"""`adapters event`: the event each front door sends (adapters/cli/event.py)."""

from __future__ import annotations

import json

from .command import adapters


def test_event_for_every_source_is_recognised() -> None:
    from adapters.events import SOURCE_NAMES
    from adapters.sources import detect_source

    for source in SOURCE_NAMES:
        result = adapters(
            "event", source, "-X", "POST", "--path", "/items/1", "-q", "a=1", "-q", "a=2",
            "-H", "Content-Type: application/octet-stream", "--cookie", "s=1", "--body", "xyz",
            "--stage", "prod",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        event = json.loads(result.stdout)
        request = detect_source(event).parse(event, None)
        assert request.method == "POST"
        assert request.raw_path.endswith(b"/items/1")
        assert request.body == b"xyz"
        assert ("cookie", "s=1") in request.headers


def test_service_events_have_one_record_per_message_and_their_options() -> None:
    from adapters.triggers import event_kind

    for kind in ("sqs", "sns", "s3", "kinesis", "dynamodb", "schedule"):
        done = adapters("event", kind, "-m", "one", "-m", "two")
        assert done.returncode == 0, done.stderr
        event = json.loads(done.stdout)
        assert event_kind(event) == kind
        if kind != "schedule":
            assert len(event["Records"]) == 2
    fifo = json.loads(adapters("event", "sqs", "--fifo", "-m", "a").stdout)["Records"][0]
    assert fifo["eventSourceARN"].endswith(".fifo")
    assert fifo["attributes"]["MessageGroupId"] == "group-1"
    bridge = adapters(
        "event", "eventbridge", "-m", '{"order": 7}', "--detail-type", "Order Placed",
        "--event-source", "shop.orders",
    )  # fmt: skip
    assert json.loads(bridge.stdout)["detail-type"] == "Order Placed"
    assert json.loads(bridge.stdout)["detail"] == {"order": 7}


def test_bad_service_event_options_are_one_clear_line() -> None:
    for args, message in (
        (("eventbridge", "-m", "not json"), "the EventBridge detail must be JSON"),
        (("sqs", "--fifo", "--name", "plain"), "a FIFO queue's name ends in .fifo"),
    ):
        done = adapters("event", *args)
        assert done.returncode == 2
        assert message in done.stderr and "Traceback" not in done.stderr
