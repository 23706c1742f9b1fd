"""The events AWS services hand to Lambda, in AWS's shapes (spec §8): pure builders."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from .._model import Arn
from .records import iso_millis


def sns_event(
    *,
    subscription_arn: str,
    topic_arn: str,
    message_id: str,
    message: str,
    subject: str | None,
    message_attributes: dict[str, Any] | None,
    at: datetime,
) -> dict[str, Any]:
    """``Records[].Sns`` as SNS delivers to a Lambda subscription (spec 8.2), keys in AWS's order."""
    region = Arn.parse(topic_arn).region
    endpoint = f"https://sns.{region}.amazonaws.com"
    attributes = {
        name: {"Type": value.get("Type") or value.get("DataType"),
               "Value": value.get("Value", value.get("StringValue"))}
        for name, value in (message_attributes or {}).items()
    }
    certificate = uuid.uuid5(uuid.NAMESPACE_URL, endpoint).hex
    signature = base64.b64encode(hashlib.sha256(f"{message_id}{message}".encode()).digest() * 8).decode()
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": iso_millis(at),
                    "Signature": signature,
                    "SigningCertUrl": f"{endpoint}/SimpleNotificationService-{certificate}.pem",
                    "MessageId": message_id,
                    "Message": message,
                    "MessageAttributes": attributes,
                    "Type": "Notification",
                    "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
                    "TopicArn": topic_arn,
                    "Subject": subject,
                },
            }
        ]
    }


_SEQUENCE = itertools.count()


def s3_event(moto_event: dict[str, Any], account_id: str, at: datetime) -> dict[str, Any]:
    """moto's S3 notification completed to AWS's shape (spec 8.1): identities, request and
    response elements, the object's sequencer; removals carry no size or eTag."""
    records = []
    for record in moto_event.get("Records", []):
        s3 = record.get("s3", {})
        bucket = s3.get("bucket", {})
        obj = dict(s3.get("object", {}))
        event_name = record.get("eventName", "")
        request_id = uuid.uuid4().hex[:16].upper()
        sequencer = f"{int(at.timestamp() * 1_000_000):X}{next(_SEQUENCE):08X}"
        owner = {"principalId": f"A{hashlib.sha1(account_id.encode()).hexdigest()[:13].upper()}"}
        if event_name.startswith("ObjectRemoved"):
            obj = {"key": obj.get("key"), "sequencer": sequencer}
        else:
            obj["sequencer"] = sequencer
        records.append(
            {
                "eventVersion": record.get("eventVersion", "2.1"),
                "eventSource": "aws:s3",
                "awsRegion": record.get("awsRegion"),
                "eventTime": iso_millis(at),
                "eventName": event_name,
                "userIdentity": {"principalId": f"AWS:{owner['principalId']}"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": request_id,
                    "x-amz-id-2": base64.b64encode(hashlib.sha256(request_id.encode()).digest()).decode(),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": s3.get("configurationId"),
                    "bucket": {"name": bucket.get("name"), "ownerIdentity": owner, "arn": bucket.get("arn")},
                    "object": obj,
                },
            }
        )
    return {"Records": records}


def eventbridge_event(moto_event: dict[str, Any]) -> dict[str, Any]:
    """The event as a rule hands it to a Lambda target (spec 8.3): ``time`` as ISO-8601 seconds."""
    event = dict(moto_event)
    event.pop("ingestion-time", None)
    when = event.get("time")
    if isinstance(when, (int, float)):
        event["time"] = datetime.fromtimestamp(when, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    ordered: dict[str, Any] = {key: event[key] for key in
               ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")
               if key in event}
    ordered.update({key: value for key, value in event.items() if key not in ordered})
    return ordered


def input_path(event: dict[str, Any], path: str) -> Any:
    """EventBridge ``InputPath``: a JSONPath like ``$.detail.items[0].sku``."""
    value: Any = event
    for key, index in re.findall(r"\.?([^.\[\]]+)|\[(\d+)\]", path.lstrip("$")):
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    return value


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """``Records[]`` of an SQS event source mapping batch, from messages as ``ReceiveMessage``
    returns them (with all attributes)."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    key: attributes[key]
                    for key in ("ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                "ApproximateFirstReceiveTimestamp", "MessageGroupId", "MessageDeduplicationId",
                                "SequenceNumber", "AWSTraceHeader")
                    if key in attributes
                },
                "messageAttributes": {
                    name: _sqs_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def _sqs_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute as Lambda's SQS event writes it: only the value that is there, binary
    values base64-encoded."""
    attribute: dict[str, Any] = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        binary = value["BinaryValue"]
        attribute["binaryValue"] = base64.b64encode(binary).decode() if isinstance(binary, bytes) else binary
    attribute.update({"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")})
    return attribute


def batch_item_failures(payload: bytes, batch_ids: list[str]) -> list[str] | None:
    """Message ids a handler reported as failed (``ReportBatchItemFailures``); None if the
    response reports no failures. An identifier that is missing, empty or not in the batch makes
    the whole batch fail, as on AWS."""
    try:
        response = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return None
    failures = response["batchItemFailures"]
    if not isinstance(failures, list):
        return list(batch_ids)
    ids = []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return list(batch_ids)
        ids.append(identifier)
    return ids
