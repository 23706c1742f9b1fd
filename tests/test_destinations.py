"""Where outcomes land: invocation records and dead letters, read back through boto3 (spec §3-4,
test_lambda_destinations / test_sns.lambda_dlq_subset snapshots)."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import boto3
import moto
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.helpers import ECHO, ECHO_WITH_HELLO, FAILS, FN_ARN, TIMESTAMP, make_queue, metric_total, receive, send_event


def test_success_record_reaches_sqs_in_awss_shape(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "results")
    create_function("ok", ECHO_WITH_HELLO)
    lambda_client.put_function_event_invoke_config(FunctionName="ok", DestinationConfig={"OnSuccess": {"Destination": arn}})
    request_id = send_event(lambda_client, "ok", b'{"order": 1}')
    body = receive(sqs, url)[0]["Body"]
    record = json.loads(body)
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload", "responseContext", "responsePayload"]
    assert record["version"] == "1.0"
    assert TIMESTAMP.match(record["timestamp"])  # spec 3.3
    assert record["requestContext"] == {
        "requestId": request_id,
        "functionArn": FN_ARN.format("ok") + ":$LATEST",  # spec 3.4
        "condition": "Success",
        "approximateInvokeCount": 1,
    }
    assert list(record["requestContext"]) == ["requestId", "functionArn", "condition", "approximateInvokeCount"]
    assert record["requestPayload"] == {"order": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}  # spec 3.7
    assert record["responsePayload"] == {"hello": "world", "event": {"order": 1}}
    assert lambda_mock.invocations()[0].delivered_to == (arn,)


def test_failure_record_after_retries(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "failures")
    create_function("fails", FAILS)
    lambda_client.put_function_event_invoke_config(FunctionName="fails", DestinationConfig={"OnFailure": {"Destination": arn}})
    request_id = send_event(lambda_client, "fails", b'{"raise_error": 1}')
    record = json.loads(receive(sqs, url)[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3  # spec 2.2 / test_retries
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"] == {
        "errorMessage": "Test exception (this is intentional)",
        "errorType": "Exception",
        "requestId": request_id,
        "stackTrace": ['  File "/var/task/handler.py", line 2, in handler\n    raise Exception("Test exception (this is intentional)")\n'],
    }
    # the timestamp is the virtual time of the final outcome: three minutes after acceptance
    stamp = record["timestamp"]
    start = lambda_mock.invocations()[0].enqueued_at
    assert stamp.startswith((start + timedelta(seconds=180)).strftime("%Y-%m-%dT%H:%M:%S"))


def test_event_age_exceeded_record(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "failures")
    create_function("fails", FAILS)
    lambda_client.put_function_event_invoke_config(
        FunctionName="fails", MaximumEventAgeInSeconds=90, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    send_event(lambda_client, "fails")
    record = json.loads(receive(sqs, url)[0]["Body"])
    assert (record["requestContext"]["condition"], record["requestContext"]["approximateInvokeCount"]) == ("EventAgeExceeded", 2)
    assert record["responseContext"]["functionError"] == "Unhandled"  # spec 3.8


def test_zero_reserved_concurrency_record_has_no_response_fields(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "failures")
    create_function("capped", ECHO_WITH_HELLO)
    lambda_client.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=0)
    lambda_client.put_function_event_invoke_config(
        FunctionName="capped", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    send_event(lambda_client, "capped")
    record = json.loads(receive(sqs, url)[0]["Body"])
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload"]  # spec 2.9
    assert record["requestContext"]["condition"] == "ZeroReservedConcurrency"
    assert record["requestContext"]["approximateInvokeCount"] == 0


def test_record_through_sns_reaches_a_subscribed_queue(lambda_mock, lambda_client, create_function, sqs, aws_region):
    sns = boto3.client("sns", region_name=aws_region)
    topic = sns.create_topic(Name="results")["TopicArn"]
    url, queue_arn = make_queue(sqs, "subscriber")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    create_function("ok", ECHO_WITH_HELLO)
    lambda_client.put_function_event_invoke_config(FunctionName="ok", DestinationConfig={"OnSuccess": {"Destination": topic}})
    request_id = send_event(lambda_client, "ok")
    envelope = json.loads(receive(sqs, url)[0]["Body"])
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == topic
    record = json.loads(envelope["Message"])  # spec 3.10: the record is the SNS Message
    assert record["requestContext"]["requestId"] == request_id


def test_record_on_eventbridge_is_matched_by_rules(lambda_mock, lambda_client, create_function, sqs, aws_region):
    events = boto3.client("events", region_name=aws_region)
    bus = events.create_event_bus(Name="results")["EventBusArn"]
    url, queue_arn = make_queue(sqs, "rule-target")
    events.put_rule(Name="failures", EventBusName="results",
                    EventPattern=json.dumps({"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Failure"]}))
    events.put_targets(Rule="failures", EventBusName="results", Targets=[{"Id": "q", "Arn": queue_arn}])
    create_function("fails", FAILS)
    create_function("ok", ECHO_WITH_HELLO)
    for name in ("fails", "ok"):
        lambda_client.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": bus}, "OnSuccess": {"Destination": bus}},
        )
    request_id = send_event(lambda_client, "fails", b'{"mode": "failure"}')
    send_event(lambda_client, "ok", b'{"mode": "success"}')  # reaches the bus, but the rule wants failures
    event = json.loads(receive(sqs, url)[0]["Body"])
    assert event["source"] == "lambda"  # spec 3.12
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["resources"] == [bus, FN_ARN.format("fails") + ":$LATEST"]
    assert event["region"] == aws_region and event["version"] == "0"  # (moto's SQS target drops "account")
    assert event["detail"]["requestContext"]["requestId"] == request_id
    assert event["detail"]["requestPayload"] == {"mode": "failure"}


def test_lambda_destination_is_invoked_asynchronously_with_the_record(lambda_mock, lambda_client, create_function):
    received = []
    create_function("fails", FAILS)
    create_function("collector", ECHO_WITH_HELLO)
    lambda_mock.handler("collector", lambda event, context: received.append(event))
    lambda_client.put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": FN_ARN.format("collector")}},
    )
    request_id = send_event(lambda_client, "fails")
    lambda_mock.run_until_idle()
    assert [r["requestContext"]["requestId"] for r in received] == [request_id]  # spec 3.11
    collector = lambda_mock.invocations("collector")[0]
    assert collector.condition == "Success" and collector.payload == received[0]


def test_s3_failure_destination_stores_the_record_at_awss_key(lambda_mock, lambda_client, create_function, aws_region):
    s3 = boto3.client("s3", region_name=aws_region)
    s3.create_bucket(Bucket="failed-events")
    create_function("fails", FAILS)
    lambda_client.put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failed-events"}},
    )
    request_id = send_event(lambda_client, "fails")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="failed-events")["Contents"]]
    assert len(keys) == 1
    assert re.match(r"^aws/lambda/async/fails/\d{4}/\d\d/\d\d/\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d-[0-9a-f-]{36}$", keys[0])  # spec 3.13
    record = json.loads(s3.get_object(Bucket="failed-events", Key=keys[0])["Body"].read())
    assert record["requestContext"]["requestId"] == request_id


def test_sqs_dead_letter_queue_gets_the_original_event_and_attributes(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "dlq")
    create_function("fails", FAILS, DeadLetterConfig={"TargetArn": arn})
    payload = b'{"raise_error":   1}'
    request_id = send_event(lambda_client, "fails", payload)
    message = receive(sqs, url)[0]
    assert message["Body"] == payload.decode()  # byte for byte (spec 4.4)
    assert message["MessageAttributes"] == {  # spec 4.5, test_dead_letter_queue
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "Test exception (this is intentional)"},
        "RequestID": {"DataType": "String", "StringValue": request_id},
    }


def test_sns_dead_letter_topic(lambda_mock, lambda_client, create_function, sqs, aws_region):
    sns = boto3.client("sns", region_name=aws_region)
    topic = sns.create_topic(Name="dlq")["TopicArn"]
    url, queue_arn = make_queue(sqs, "dlq-subscriber")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    create_function("fails", FAILS, DeadLetterConfig={"TargetArn": topic})
    request_id = send_event(lambda_client, "fails", b'{"raise_error": 1}')
    envelope = json.loads(receive(sqs, url)[0]["Body"])
    assert json.loads(envelope["Message"]) == {"raise_error": 1}
    assert envelope["MessageAttributes"] == {  # test_sns_topic_as_lambda_dead_letter_queue
        "ErrorCode": {"Type": "Number", "Value": "200"},
        "ErrorMessage": {"Type": "String", "Value": "Test exception (this is intentional)"},
        "RequestID": {"Type": "String", "Value": request_id},
    }


# SNS's envelope for an SQS subscriber, in SNS's order (docs "Fanout to Amazon SQS queues"; the
# recording sorts its keys): Subject only when published with one, MessageAttributes only when set.
ENVELOPE_KEYS = ["Type", "MessageId", "TopicArn", "Message", "Timestamp", "SignatureVersion", "Signature",
                 "SigningCertURL", "UnsubscribeURL"]


def verify_sns_signature(envelope: dict) -> None:
    """SNS's documented check: the certificate at SigningCertURL (moto serves it) verifies the
    Signature over Message, MessageId, Subject (if any), Timestamp, TopicArn and Type, one name and
    value a line: SHA1withRSA for SignatureVersion "1", SHA256withRSA for "2". Raises if not."""
    certificate = x509.load_pem_x509_certificate(requests.get(envelope["SigningCertURL"], timeout=5).content)
    fields = [name for name in ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type") if name in envelope]
    signed = "".join(f"{name}\n{envelope[name]}\n" for name in fields).encode()
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[envelope["SignatureVersion"]]
    certificate.public_key().verify(base64.b64decode(envelope["Signature"]), signed, padding.PKCS1v15(), algorithm)


def test_dead_letter_relayed_by_sns_to_sqs_carries_snss_envelope(lambda_mock, lambda_client, create_function, sqs,
                                                                  aws_region):
    """DLQ = an SNS topic, read through a queue subscribed to it (raw delivery off): the body is
    SNS's envelope as AWS writes it, signed with SignatureVersion "1" and the same certificate as
    the SNS event the function itself got (test_sns.lambda_dlq_subset: ``<signing-cert-file:1>``
    inside and out; spec 4.4, 4.5, 8.2)."""
    sns = boto3.client("sns", region_name=aws_region)
    dlq_topic = sns.create_topic(Name="dlq")["TopicArn"]
    url, queue_arn = make_queue(sqs, "dlq-reader")
    subscription = sns.subscribe(TopicArn=dlq_topic, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    source_topic = sns.create_topic(Name="orders")["TopicArn"]
    create_function("fails", FAILS, DeadLetterConfig={"TargetArn": dlq_topic})
    sns.subscribe(TopicArn=source_topic, Protocol="lambda", Endpoint=FN_ARN.format("fails"))
    sns.publish(TopicArn=source_topic, Message="order 1")
    body = receive(sqs, url)[0]["Body"]
    envelope = json.loads(body)
    assert list(envelope) == [*ENVELOPE_KEYS, "MessageAttributes"]
    assert body.startswith('{\n  "Type" : "Notification",\n  "MessageId" : "') and body.endswith("\n  }\n}")
    assert '\n    "ErrorCode" : {"Type":"Number","Value":"200"}' in body  # one compact line per attribute
    event = lambda_mock.invocations("fails")[0].payload
    assert json.loads(envelope["Message"]) == event  # the event as-is (spec 4.4)
    assert envelope["SignatureVersion"] == event["Records"][0]["Sns"]["SignatureVersion"] == "1"
    assert envelope["SigningCertURL"] == event["Records"][0]["Sns"]["SigningCertUrl"]
    assert re.fullmatch(rf"https://sns\.{aws_region}\.amazonaws\.com/SimpleNotificationService-[0-9a-f]{{32}}\.pem",
                        envelope["SigningCertURL"])
    assert envelope["UnsubscribeURL"] == (f"https://sns.{aws_region}.amazonaws.com/?Action=Unsubscribe"
                                          f"&SubscriptionArn={subscription}")
    assert (envelope["TopicArn"], envelope["Type"]) == (dlq_topic, "Notification") and TIMESTAMP.match(envelope["Timestamp"])
    verify_sns_signature(envelope)


def test_record_relayed_by_sns_is_signed_and_the_lambda_event_too(lambda_mock, lambda_client, create_function, sqs,
                                                                    aws_region):
    """An OnFailure record through an SNS topic: the envelope has no MessageAttributes (the record
    has none, spec 3.9-3.10), its signature and the function's own SNS event's both verify."""
    sns = boto3.client("sns", region_name=aws_region)
    records = sns.create_topic(Name="records")["TopicArn"]
    url, queue_arn = make_queue(sqs, "record-reader")
    sns.subscribe(TopicArn=records, Protocol="sqs", Endpoint=queue_arn)
    create_function("fails", FAILS)
    lambda_client.put_function_event_invoke_config(FunctionName="fails", MaximumRetryAttempts=0,
                                                   DestinationConfig={"OnFailure": {"Destination": records}})
    request_id = send_event(lambda_client, "fails")
    envelope = json.loads(receive(sqs, url)[0]["Body"])
    assert list(envelope) == ENVELOPE_KEYS
    assert json.loads(envelope["Message"])["requestContext"]["requestId"] == request_id
    verify_sns_signature(envelope)
    source = sns.create_topic(Name="source")["TopicArn"]
    sns.subscribe(TopicArn=source, Protocol="lambda", Endpoint=FN_ARN.format("fails"))
    sns.publish(TopicArn=source, Message="hello", Subject="greeting")
    lambda_mock.run_until_idle()
    sns_event = lambda_mock.invocations("fails")[-1].payload["Records"][0]["Sns"]
    verify_sns_signature({**sns_event, "SigningCertURL": sns_event["SigningCertUrl"]})


def test_sns_to_sqs_keeps_subject_signature_version_2_and_raw_delivery(lambda_mock, sqs, aws_region):
    """What the topic and subscription say: a Subject goes after TopicArn; SignatureVersion "2"
    (SetTopicAttributes) signs with SHA256; raw delivery hands the message over bare; a FIFO topic
    still delivers (moto's way)."""
    sns = boto3.client("sns", region_name=aws_region)
    topic = sns.create_topic(Name="notes")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2")
    url, queue_arn = make_queue(sqs, "enveloped")
    raw_url, raw_arn = make_queue(sqs, "raw")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message="déjà vu", Subject="note")
    body = receive(sqs, url)[0]["Body"]
    envelope = json.loads(body)
    assert list(envelope) == [*ENVELOPE_KEYS[:3], "Subject", *ENVELOPE_KEYS[3:]]
    assert '"Message" : "déjà vu"' in body  # as SNS writes it: not \u-escaped
    assert envelope["SignatureVersion"] == "2"
    verify_sns_signature(envelope)
    assert receive(sqs, raw_url)[0]["Body"] == "déjà vu"
    fifo_topic = sns.create_topic(Name="notes.fifo", Attributes={"FifoTopic": "true",
                                                                 "ContentBasedDeduplication": "true"})["TopicArn"]
    fifo_url, fifo_arn = make_queue(sqs, "notes.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    sns.subscribe(TopicArn=fifo_topic, Protocol="sqs", Endpoint=fifo_arn)
    sns.publish(TopicArn=fifo_topic, Message="in order", MessageGroupId="group")
    assert json.loads(receive(sqs, fifo_url)[0]["Body"])["Message"] == "in order"  # FIFO topics: moto's envelope


def test_dead_letter_error_message_is_cut_at_1_kb(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "dlq")
    create_function("long", "def handler(e, c):\n    raise Exception('x' * 5000)\n", DeadLetterConfig={"TargetArn": arn})
    send_event(lambda_client, "long")
    attributes = receive(sqs, url)[0]["MessageAttributes"]
    assert attributes["ErrorMessage"]["StringValue"] == "x" * 1024


def test_never_run_events_reach_the_dlq_too(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "dlq")
    create_function("capped", ECHO_WITH_HELLO, DeadLetterConfig={"TargetArn": arn})
    lambda_client.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=0)
    request_id = send_event(lambda_client, "capped", b'{"k": 1}')
    message = receive(sqs, url)[0]
    assert message["Body"] == '{"k": 1}'
    assert message["MessageAttributes"]["RequestID"]["StringValue"] == request_id
    assert message["MessageAttributes"]["ErrorCode"]["StringValue"] == "429"  # U6: documented choice


def test_dlq_and_on_failure_destination_both_receive(lambda_mock, lambda_client, create_function, sqs):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    dest_url, dest_arn = make_queue(sqs, "dest")
    create_function("fails", FAILS, DeadLetterConfig={"TargetArn": dlq_arn})
    lambda_client.put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": dest_arn}}
    )
    send_event(lambda_client, "fails", b'{"both": true}')
    assert receive(sqs, dlq_url)[0]["Body"] == '{"both": true}'  # spec 3.16
    assert json.loads(receive(sqs, dest_url)[0]["Body"])["requestContext"]["condition"] == "RetriesExhausted"
    assert set(lambda_mock.invocations()[0].delivered_to) == {dlq_arn, dest_arn}


def test_success_goes_to_no_dlq_and_sync_invokes_make_no_records(lambda_mock, lambda_client, create_function, sqs):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    dest_url, dest_arn = make_queue(sqs, "dest")
    create_function("ok", ECHO_WITH_HELLO, DeadLetterConfig={"TargetArn": dlq_arn})
    create_function("fails", FAILS, DeadLetterConfig={"TargetArn": dlq_arn})
    for name in ("ok", "fails"):
        lambda_client.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": dest_arn}, "OnFailure": {"Destination": dest_arn}}
        )
        lambda_client.invoke(FunctionName=name)  # spec 2.13: synchronous calls produce no records
    send_event(lambda_client, "ok")
    receive(sqs, dest_url, count=1)
    receive(sqs, dlq_url, count=0)


def test_failed_delivery_is_recorded_and_counted_not_raised(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "gone")
    create_function("ok", ECHO_WITH_HELLO, DeadLetterConfig={"TargetArn": arn})
    lambda_client.put_function_event_invoke_config(FunctionName="ok", DestinationConfig={"OnSuccess": {"Destination": arn}})
    create_function("fails", FAILS, DeadLetterConfig={"TargetArn": arn})
    sqs.delete_queue(QueueUrl=url)
    send_event(lambda_client, "ok")
    send_event(lambda_client, "fails")
    lambda_mock.run_until_idle()
    ok, fails = lambda_mock.invocations()
    assert ok.condition == "Success" and ok.delivered_to == ()
    assert ok.delivery_errors[0].startswith(arn)
    assert fails.delivery_errors[0].startswith(arn)
    assert metric_total(lambda_mock, "DestinationDeliveryFailures", "ok") == 1  # spec 3.15
    assert metric_total(lambda_mock, "DeadLetterErrors", "fails") == 1  # spec 4.7
    assert "NOT delivered" in lambda_mock.timeline()


def test_fifo_and_too_small_queues_refuse_records_and_dead_letters(lambda_mock, lambda_client, create_function, sqs):
    """spec 3.15 / 4.1: FIFO queues are not supported, and a record over the queue's size limit
    is not delivered; both are recorded and counted, never raised, and other queues still work."""
    fifo, fifo_arn = make_queue(sqs, "results.fifo", FifoQueue="true")
    small, small_arn = make_queue(sqs, "small", MaximumMessageSize=1024)
    big = "def handler(e, c):\n    return 'x' * 2000\n"
    create_function("to-fifo", ECHO_WITH_HELLO)
    create_function("too-big", big)
    create_function("dlq-fifo", FAILS, DeadLetterConfig={"TargetArn": fifo_arn})
    lambda_client.put_function_event_invoke_config(FunctionName="to-fifo", DestinationConfig={"OnSuccess": {"Destination": fifo_arn}})
    lambda_client.put_function_event_invoke_config(FunctionName="too-big", DestinationConfig={"OnSuccess": {"Destination": small_arn}})
    for name in ("to-fifo", "too-big", "dlq-fifo"):
        send_event(lambda_client, name)
    lambda_mock.run_until_idle()
    for invocation in lambda_mock.invocations():
        assert invocation.delivered_to == (), invocation
        assert len(invocation.delivery_errors) == 1 and invocation.delivery_errors[0].split(": ")[0] in (fifo_arn, small_arn)
    assert "MessageGroupId" in lambda_mock.invocations("to-fifo")[0].delivery_errors[0]
    assert "shorter than 1024 bytes" in lambda_mock.invocations("too-big")[0].delivery_errors[0]
    receive(sqs, small, count=0)
    create_function("fits", ECHO_WITH_HELLO)
    lambda_client.put_function_event_invoke_config(FunctionName="fits", DestinationConfig={"OnSuccess": {"Destination": small_arn}})
    send_event(lambda_client, "fits")
    assert json.loads(receive(sqs, small)[0]["Body"])["requestContext"]["condition"] == "Success"


def test_a_lambda_destination_deleted_meanwhile_is_an_inspectable_delivery_failure(lambda_mock, lambda_client,
                                                                                  create_function):
    create_function("dst", ECHO)
    create_function("fails", FAILS)
    lambda_client.put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": FN_ARN.format("dst")}},
    )
    lambda_client.delete_function(FunctionName="dst")
    send_event(lambda_client, "fails")
    lambda_mock.run_until_idle()
    [invocation] = lambda_mock.invocations("fails")
    assert invocation.condition == "RetriesExhausted" and invocation.delivered_to == ()  # spec 3.14: the record is lost, and counted
    assert invocation.delivery_errors[0].startswith(FN_ARN.format("dst") + ": UnknownFunctionException")
    assert "Function not found" in invocation.delivery_errors[0]


@pytest.mark.skipif(tuple(int(p) for p in moto.__version__.split(".")[:2]) < (5, 2),
                    reason="moto 5.1 would show the header in every ReceiveMessage; mocklambda adds none there")
def test_records_and_dead_letters_in_sqs_carry_an_aws_trace_header(lambda_mock, lambda_client, create_function, sqs):
    """spec 3.9 (test_retries, test_maxeventage, test_dead_letter_queue): what Lambda sends to SQS
    has the AWSTraceHeader system attribute, and no message attributes on records."""
    records_url, records_arn = make_queue(sqs, "records")
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    create_function("fails", FAILS, DeadLetterConfig={"TargetArn": dlq_arn})
    lambda_client.put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": records_arn}})
    send_event(lambda_client, "fails")
    messages = {url: sqs.receive_message(QueueUrl=url, AttributeNames=["All"], MessageAttributeNames=["All"])
                ["Messages"][0] for url in (records_url, dlq_url)}
    for message in messages.values():
        assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0",
                            message["Attributes"]["AWSTraceHeader"])
    assert "MessageAttributes" not in messages[records_url]  # a record has none (spec 3.9)
    assert set(messages[dlq_url]["MessageAttributes"]) == {"RequestID", "ErrorCode", "ErrorMessage"}  # spec 4.4
