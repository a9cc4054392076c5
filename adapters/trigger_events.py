"""Example non-HTTP events, in the shapes AWS services send them to Lambda.

For tests and `adapters event sqs|sns|s3|eventbridge|schedule|kinesis|dynamodb`: one
record per body given, with distinct ids, so that partial batch responses can name
them. The shapes follow the Lambda developer guide's example event for each service.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
TRIGGER_KINDS = ("sqs", "sns", "s3", "eventbridge", "schedule", "kinesis", "dynamodb")


def build_trigger_event(
    kind: str,
    bodies: Sequence[str] = ("{}",),
    *,
    fifo: bool = False,
    name: str | None = None,
    detail_type: str = "Example Event",
    event_source: str = "com.example.app",
) -> dict[str, Any]:
    """The event `kind` sends for `bodies` (one record each; for EventBridge, the detail).

    `name` is the queue, topic, bucket, stream or table (a default per kind); `fifo`
    makes an SQS FIFO queue's records.
    """
    now = time.time()
    if kind == "sqs":
        queue = name or ("notes-queue.fifo" if fifo else "notes-queue")
        if fifo and not queue.endswith(".fifo"):
            raise ValueError("a FIFO queue's name ends in .fifo")
        return {
            "Records": [_sqs_record(body, queue, fifo, now, n) for n, body in enumerate(bodies)]
        }
    if kind == "sns":
        topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:{name or 'notes-topic'}"
        return {"Records": [_sns_record(body, topic, now) for body in bodies]}
    if kind == "s3":
        bucket = name or "notes-bucket"
        return {"Records": [_s3_record(key, bucket, now) for key in bodies]}
    if kind in ("eventbridge", "schedule"):
        scheduled = kind == "schedule"
        detail: Any = {}
        if not scheduled and bodies:
            try:
                detail = json.loads(bodies[0])
            except ValueError as error:
                raise ValueError(f"the EventBridge detail must be JSON: {error}") from None
        rule = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name or 'every-hour'}"
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event" if scheduled else detail_type,
            "source": "aws.events" if scheduled else event_source,
            "account": ACCOUNT,
            "time": _iso(now),
            "region": REGION,
            "resources": [rule] if scheduled else [],
            "detail": detail,
        }
    if kind == "kinesis":
        stream = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name or 'notes-stream'}"
        return {"Records": [_kinesis_record(b, stream, now, n) for n, b in enumerate(bodies)]}
    if kind == "dynamodb":
        table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name or 'notes'}/stream/2026-01-01"
        return {"Records": [_dynamodb_record(b, table, now, n) for n, b in enumerate(bodies)]}
    raise ValueError(f"unknown event kind {kind!r}; choose one of {', '.join(TRIGGER_KINDS)}")


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _sqs_record(body: str, queue: str, fifo: bool, now: float, number: int) -> dict[str, Any]:
    sent = str(int(now * 1000))
    attributes = {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": sent,
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": sent,
    }
    if fifo:
        attributes.update(
            {
                "SequenceNumber": str(18849496460467696128 + number),
                "MessageGroupId": "group-1",
                "MessageDeduplicationId": hashlib.sha256(body.encode()).hexdigest(),
            }
        )
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": base64.b64encode(uuid.uuid4().bytes * 4).decode(),
        "body": body,
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
        "awsRegion": REGION,
    }


def _sns_record(message: str, topic: str, now: float) -> dict[str, Any]:
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic}:{uuid.uuid4()}",
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": _iso(now),
            "Signature": "EXAMPLE",
            "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService.pem",
            "MessageId": str(uuid.uuid4()),
            "Message": message,
            "MessageAttributes": {},
            "Type": "Notification",
            "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
            "TopicArn": topic,
            "Subject": None,
        },
    }


def _s3_record(key: str, bucket: str, now: float) -> dict[str, Any]:
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": _iso(now),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
        "requestParameters": {"sourceIPAddress": "198.51.100.7"},
        "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper()},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "notes-upload",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": {"key": key, "size": 1024, "eTag": uuid.uuid4().hex, "sequencer": "0A1B2C"},
        },
    }


def _kinesis_record(data: str, stream: str, now: float, number: int) -> dict[str, Any]:
    sequence = str(49590338271490256608559692538361571095921575989136588898 + number)
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "1",
            "sequenceNumber": sequence,
            "data": base64.b64encode(data.encode()).decode(),
            "approximateArrivalTimestamp": round(now, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000006:{sequence}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/lambda-role",
        "awsRegion": REGION,
        "eventSourceARN": stream,
    }


def _dynamodb_record(key: str, stream: str, now: float, number: int) -> dict[str, Any]:
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": int(now),
            "Keys": {"id": {"S": key}},
            "NewImage": {"id": {"S": key}},
            "SequenceNumber": str(4421584500000000017450439091 + number),
            "SizeBytes": 26 + len(key),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": stream,
    }
