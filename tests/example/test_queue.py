"""The template's QueueFunction: notes sent to an SQS queue land in the table, against moto.

What Lambda's event source mapping does is done here with moto's SQS: receive a batch,
hand it to the handler as the SQS event, delete the messages the function did not name
in its partial batch response, and let the named ones come back after their visibility
timeout. The queue and table are made with the template's own properties.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from adapters.testing import build_event

from ..example_app import TEMPLATE
from .test_store import CloudFormationLoader, table_properties

REGION = "us-east-1"


def template_resources() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)["Resources"]  # type: ignore[no-any-return]


def lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """An SQS message as the event source mapping puts it in the event."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


class Context:
    aws_request_id = "queue-test-request"
    function_name = "QueueFunction"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:QueueFunction"
    memory_limit_in_mb = "512"
    function_version = "$LATEST"
    log_group_name = "/aws/lambda/QueueFunction"
    log_stream_name = "stream"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, str, str]]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "TABLE_NAME": "notes-queue-test",
        "SESSION_SECRET": "q" * 32,
    }.items():
        monkeypatch.setenv(name, value)
    from notes.shared import store

    store.cache_clear()
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        dynamodb.create_table(TableName="notes-queue-test", **table_properties())
        sqs = boto3.client("sqs")
        resources = template_resources()
        dead = sqs.create_queue(QueueName="notes-dlq")["QueueUrl"]
        dead_arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])
        properties = resources["NotesQueue"]["Properties"]
        assert properties["RedrivePolicy"]["maxReceiveCount"] == 3
        redrive = {"deadLetterTargetArn": dead_arn["Attributes"]["QueueArn"], "maxReceiveCount": 3}
        url = sqs.create_queue(
            QueueName="notes-queue",
            Attributes={"VisibilityTimeout": "0", "RedrivePolicy": json.dumps(redrive)},
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        yield dynamodb, sqs, url, arn["Attributes"]["QueueArn"]
    store.cache_clear()


def poll_once(sqs: Any, url: str, arn: str, handler: Any) -> tuple[list[str], list[str]]:
    """One event source mapping poll: (ids handed over, ids the function said failed)."""
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    if not received:
        return [], []
    event = {"Records": [lambda_record(message, arn) for message in received]}
    result = handler(event, Context())
    failed = [item["itemIdentifier"] for item in result["batchItemFailures"]]
    done = [m for m in received if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)
            ],
        )
    return [m["MessageId"] for m in received], failed


def test_the_queue_function_is_wired_as_the_template_says() -> None:
    resources = template_resources()
    function = resources["QueueFunction"]["Properties"]
    assert function["Handler"] == "queue_handler.handler"
    [event] = function["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["Properties"]["Queue"] == {"GetAtt": "NotesQueue.Arn"}
    handler_module = importlib.import_module("queue_handler")
    assert handler_module.handler.events.path == "/events"


def test_queued_notes_are_stored_and_bad_messages_come_back_until_the_dead_letter_queue(
    aws: tuple[Any, Any, str, str],
) -> None:
    dynamodb, sqs, url, arn = aws
    handler = importlib.reload(importlib.import_module("queue_handler")).handler
    good = [{"title": f"Queued {n}", "body": "from SQS"} for n in range(3)]
    bad = ['{"title": ""}', "not json", "[1, 2]"]
    sent = {}
    for body in [json.dumps(note) for note in good] + bad:
        sent[sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"]] = body

    handed, failed = poll_once(sqs, url, arn, handler)
    assert sorted(handed) == sorted(sent)
    assert sorted(sent[message_id] for message_id in failed) == sorted(bad)
    titles = sorted(
        item["title"]["S"] for item in dynamodb.scan(TableName="notes-queue-test")["Items"]
    )
    assert titles == ["Queued 0", "Queued 1", "Queued 2"]

    # Only the named messages come back; after the third try SQS moves them aside.
    for _ in range(2):
        handed, failed = poll_once(sqs, url, arn, handler)
        assert sorted(handed) == sorted(failed) == sorted(id for id in sent if sent[id] in bad)
    assert poll_once(sqs, url, arn, handler) == ([], [])
    dead = sqs.get_queue_url(QueueName="notes-dlq")["QueueUrl"]
    moved = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10)["Messages"]
    assert sorted(message["Body"] for message in moved) == sorted(bad)
    assert len(dynamodb.scan(TableName="notes-queue-test")["Items"]) == 3  # none twice


def test_a_client_cannot_post_a_fake_batch_to_the_public_events_route(
    aws: tuple[Any, Any, str, str],
) -> None:
    dynamodb, *_ = aws
    handler = importlib.reload(importlib.import_module("queue_handler")).handler
    forged = {"Records": [{"messageId": "x", "body": '{"title": "forged"}'}]}
    result = handler(
        build_event(
            "http", method="POST", path="/events", body=json.dumps(forged),
            headers=[("Content-Type", "application/json")],
        ),
        Context(),
    )  # fmt: skip
    assert result["statusCode"] == 404
    assert dynamodb.scan(TableName="notes-queue-test")["Items"] == []
