"""The events AWS services hand to Lambda, in AWS's shapes (spec §8), and the envelope SNS wraps
a message in for an SQS subscriber: pure builders."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .._model import Arn
from .records import iso_millis


@dataclass(frozen=True)
class SnsNotification:
    """One SNS message as a subscription delivers it (``Type: Notification``). Lambda gets it as
    an event (``sns_event``), an SQS queue as its envelope (``sqs_body``), both signed alike."""

    topic_arn: str
    subscription_arn: str
    message_id: str
    message: str
    subject: str | None
    message_attributes: dict[str, Any]
    timestamp: str  # ISO-8601 UTC with milliseconds
    signature_version: str = "1"  # the topic's SignatureVersion: "1" SHA1withRSA, "2" SHA256withRSA

    @property
    def region(self) -> str:
        return Arn.parse(self.topic_arn).region

    @property
    def signing_cert_url(self) -> str:
        return sns_signing_cert_url(self.region)

    @property
    def unsubscribe_url(self) -> str:
        return f"https://sns.{self.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={self.subscription_arn}"

    def attributes(self) -> dict[str, dict[str, str]]:
        """Message attributes in SNS's form: ``{"Type": ..., "Value": ...}``, values as text."""
        return {name: {"Type": value.get("Type") or value.get("DataType"), "Value": _text(value)}
                for name, value in self.message_attributes.items()}

    def string_to_sign(self) -> str:
        """What SNS signs: these fields, name then value, one a line, Subject only when there is one."""
        fields = [("Message", self.message), ("MessageId", self.message_id)]
        if self.subject is not None:
            fields.append(("Subject", self.subject))
        fields += [("Timestamp", self.timestamp), ("TopicArn", self.topic_arn), ("Type", "Notification")]
        return "".join(f"{name}\n{value}\n" for name, value in fields)


def _text(attribute: dict[str, Any]) -> str:
    value = attribute.get("Value", attribute.get("StringValue", attribute.get("BinaryValue")))
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value if isinstance(value, str) else json.dumps(value)


def sns_signing_cert_url(region: str) -> str:
    """The region's signing certificate: one per region, as SNS's (not one per message)."""
    endpoint = f"https://sns.{region}.amazonaws.com"
    return f"{endpoint}/SimpleNotificationService-{uuid.uuid5(uuid.NAMESPACE_URL, endpoint).hex}.pem"


def sns_event(notification: SnsNotification, signature: str) -> dict[str, Any]:
    """``Records[].Sns`` as SNS delivers to a Lambda subscription (spec 8.2), keys in AWS's order."""
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": notification.subscription_arn,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": notification.signature_version,
                    "Timestamp": notification.timestamp,
                    "Signature": signature,
                    "SigningCertUrl": notification.signing_cert_url,
                    "MessageId": notification.message_id,
                    "Message": notification.message,
                    "MessageAttributes": notification.attributes(),
                    "Type": "Notification",
                    "UnsubscribeUrl": notification.unsubscribe_url,
                    "TopicArn": notification.topic_arn,
                    "Subject": notification.subject,
                },
            }
        ]
    }


def sqs_body(notification: SnsNotification, signature: str) -> str:
    """The body SNS writes to a subscribed SQS queue (raw delivery off): its JSON envelope, in
    SNS's field order and layout (``"Key" : value`` lines; each attribute on one compact line);
    ``Subject`` and ``MessageAttributes`` only when the message has them."""
    fields: list[tuple[str, str]] = [
        ("Type", "Notification"), ("MessageId", notification.message_id), ("TopicArn", notification.topic_arn),
    ]
    if notification.subject is not None:
        fields.append(("Subject", notification.subject))
    fields += [
        ("Message", notification.message), ("Timestamp", notification.timestamp),
        ("SignatureVersion", notification.signature_version), ("Signature", signature),
        ("SigningCertURL", notification.signing_cert_url), ("UnsubscribeURL", notification.unsubscribe_url),
    ]
    lines = [f"  {_json(name)} : {_json(value)}" for name, value in fields]
    attributes = notification.attributes()
    if attributes:
        entries = ",\n".join(
            f'    {_json(name)} : {{"Type":{_json(value["Type"])},"Value":{_json(value["Value"])}}}'
            for name, value in attributes.items()
        )
        lines.append(f'  "MessageAttributes" : {{\n{entries}\n  }}')
    return "{\n" + ",\n".join(lines) + "\n}"


def _json(text: str) -> str:
    """A JSON string as SNS writes it: non-ASCII characters as they are, not escaped."""
    return json.dumps(text, ensure_ascii=False)


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
