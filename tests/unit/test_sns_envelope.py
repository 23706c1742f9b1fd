"""The SNS notification as a Lambda event and as an SQS subscriber's envelope (spec 8.2; SNS docs
"Fanout to Amazon SQS queues", "Verifying the signatures of Amazon SNS messages"): pure builders."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mocklambda._core.service_events import SnsNotification, sns_event, sns_signing_cert_url, sqs_body

TOPIC = "arn:aws:sns:eu-west-1:123456789012:orders"
SUBSCRIPTION = f"{TOPIC}:0b6b8c7e-2f4c-4bd1-9d0b-3a1a5d3c2e10"


def notification(**changes: object) -> SnsNotification:
    fields: dict = {
        "topic_arn": TOPIC, "subscription_arn": SUBSCRIPTION, "message_id": "m-1", "message": "hello",
        "subject": None, "message_attributes": {}, "timestamp": "2024-01-02T03:04:05.678Z",
    }
    fields.update(changes)
    return SnsNotification(**fields)


def test_the_envelope_is_laid_out_as_sns_writes_it() -> None:
    body = sqs_body(notification(message_attributes={"ErrorCode": {"Type": "Number", "Value": "200"},
                                                     "RequestID": {"DataType": "String", "StringValue": "r-1"}}),
                    "c2lnbmF0dXJl")
    certificate = sns_signing_cert_url("eu-west-1")
    assert body == (
        '{\n'
        '  "Type" : "Notification",\n'
        '  "MessageId" : "m-1",\n'
        f'  "TopicArn" : "{TOPIC}",\n'
        '  "Message" : "hello",\n'
        '  "Timestamp" : "2024-01-02T03:04:05.678Z",\n'
        '  "SignatureVersion" : "1",\n'
        '  "Signature" : "c2lnbmF0dXJl",\n'
        f'  "SigningCertURL" : "{certificate}",\n'
        f'  "UnsubscribeURL" : "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={SUBSCRIPTION}",\n'
        '  "MessageAttributes" : {\n'
        '    "ErrorCode" : {"Type":"Number","Value":"200"},\n'
        '    "RequestID" : {"Type":"String","Value":"r-1"}\n'
        '  }\n'
        '}'
    )


def test_subject_and_attributes_appear_only_when_there_are_some() -> None:
    with_subject = json.loads(sqs_body(notification(subject="greeting"), "s"))
    assert list(with_subject)[:5] == ["Type", "MessageId", "TopicArn", "Subject", "Message"]
    assert "Subject" not in json.loads(sqs_body(notification(), "s"))
    assert "MessageAttributes" not in json.loads(sqs_body(notification(), "s"))


def test_the_string_to_sign_names_each_field_then_its_value() -> None:
    assert notification().string_to_sign() == (
        "Message\nhello\nMessageId\nm-1\nTimestamp\n2024-01-02T03:04:05.678Z\n"
        f"TopicArn\n{TOPIC}\nType\nNotification\n"
    )
    assert "Subject\ngreeting\nTimestamp" in notification(subject="greeting").string_to_sign()


def test_one_certificate_per_region_shared_by_the_lambda_event_and_the_envelope() -> None:
    event = sns_event(notification(signature_version="2"), "sig")["Records"][0]["Sns"]
    envelope = json.loads(sqs_body(notification(signature_version="2"), "sig"))
    assert event["SigningCertUrl"] == envelope["SigningCertURL"] == sns_signing_cert_url("eu-west-1")
    assert event["SignatureVersion"] == envelope["SignatureVersion"] == "2"
    assert sns_signing_cert_url("eu-west-1") != sns_signing_cert_url("us-east-1")
    assert event["Subject"] is None  # the Lambda event always has the key, null without a subject (spec 8.2)


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=100, deadline=None)
@given(message=text, subject=st.none() | text,
       attributes=st.dictionaries(text, st.tuples(st.sampled_from(["String", "Number", "Binary"]), text), max_size=3))
def test_any_message_round_trips_through_the_envelope(message: str, subject: str | None,
                                                      attributes: dict[str, tuple[str, str]]) -> None:
    """Whatever the message, subject and attributes hold, the body is JSON that gives them back,
    non-ASCII text unescaped, in SNS's key order."""
    sent = notification(message=message, subject=subject,
                        message_attributes={name: {"Type": kind, "Value": value} for name, (kind, value) in attributes.items()})
    body = sqs_body(sent, "sig")
    envelope = json.loads(body)
    assert envelope["Message"] == message and envelope.get("Subject") == subject
    assert envelope.get("MessageAttributes", {}) == {name: {"Type": kind, "Value": value}
                                                     for name, (kind, value) in attributes.items()}
    assert list(envelope)[0] == "Type" and list(envelope)[-1] == ("MessageAttributes" if attributes else "UnsubscribeURL")
    assert all(char in body for char in message if ord(char) >= 128)  # as they are, not \u-escaped
