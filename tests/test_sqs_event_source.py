"""SQS event source mappings, polled as Lambda polls them, on the mock's clock (issue: spec §8)."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.helpers import make_queue


def count(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                        "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


@pytest.mark.lambda_mock(mode="manual")
def test_messages_are_delivered_in_batches_in_the_sqs_event_shape(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "jobs")
    batches = []
    create_function("worker", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("worker", lambda event, context: batches.append(event))
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=3)
    for number in range(7):
        sqs.send_message(QueueUrl=url, MessageBody=f"job {number}",
                         MessageAttributes={"n": {"DataType": "Number", "StringValue": str(number)}})
    lambda_mock.run_until_idle()
    assert [len(batch["Records"]) for batch in batches] == [3, 3, 1]  # BatchSize
    bodies = [record["body"] for batch in batches for record in batch["Records"]]
    assert sorted(bodies) == [f"job {n}" for n in range(7)]
    record = batches[0]["Records"][0]
    assert list(record) == ["messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                            "eventSource", "eventSourceARN", "awsRegion"]
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", arn, "us-east-1")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert set(record["attributes"]) >= {"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"}
    assert record["messageAttributes"]["n"]["dataType"] == "Number"
    assert count(sqs, url) == 0  # successful batches are deleted


def test_a_poison_message_reaches_the_queues_dlq_after_max_receive_count(lambda_mock, lambda_client, create_function, sqs):
    dlq_url, dlq_arn = make_queue(sqs, "jobs-dlq")
    url, arn = make_queue(sqs, "jobs", VisibilityTimeout=30,
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}))
    create_function("worker", "def handler(e, c):\n    raise ValueError('poison')\n")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    dead = sqs.receive_message(QueueUrl=dlq_url)["Messages"]  # auto mode: the whole story has happened
    assert [m["Body"] for m in dead] == ["poison"]
    assert count(sqs, url) == 0
    assert lambda_mock.clock.elapsed.total_seconds() == 150  # 5 receives, 30 s visibility timeout apart


@pytest.mark.lambda_mock(mode="manual")
def test_a_failed_batch_reappears_after_the_visibility_timeout(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "jobs", VisibilityTimeout=45)
    calls = []

    def flaky(event, context):
        calls.append(event["Records"][0]["attributes"]["ApproximateReceiveCount"])
        if len(calls) == 1:
            raise RuntimeError("first try fails")

    create_function("worker", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("worker", flaky)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker")
    sqs.send_message(QueueUrl=url, MessageBody="x")
    lambda_mock.clock.advance(44)
    assert calls == ["1"]
    lambda_mock.clock.advance(1)
    assert calls == ["1", "2"]  # received again, with the receive count AWS would show
    lambda_mock.assert_idle()


@pytest.mark.lambda_mock(mode="manual")
def test_report_batch_item_failures_deletes_only_the_successes(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "jobs", VisibilityTimeout=30)
    seen = []
    create_function("partial", "def handler(e, c):\n    return None\n")

    def partial(event, context):
        seen.append([r["body"] for r in event["Records"]])
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]}

    lambda_mock.handler("partial", partial)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="partial", BatchSize=10,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    for body in ("good", "bad", "good"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    lambda_mock.run_until_idle()
    assert seen == [["good", "bad", "good"]]
    assert count(sqs, url) == 1  # only the reported failure stays (invisible for 30 s)
    lambda_mock.run_until_idle()  # no redrive policy: redelivery waits for the clock to move
    assert len(seen) == 1
    lambda_mock.clock.advance(30)
    assert seen == [["good", "bad", "good"], ["bad"]]


def test_disabled_mappings_do_not_poll_until_enabled(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "jobs")
    seen = []
    create_function("worker", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("worker", lambda event, context: seen.extend(r["body"] for r in event["Records"]))
    mapping = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", Enabled=False)
    sqs.send_message(QueueUrl=url, MessageBody="waiting")
    assert seen == [] and count(sqs, url) == 1
    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    assert count(sqs, url) == 0 and seen == ["waiting"]


def test_a_loop_through_sqs_is_stopped(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "loop")
    create_function("echo", f"import boto3\ndef handler(e, c):\n    boto3.client('sqs').send_message(QueueUrl='{url}', MessageBody='again')\n")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="echo", BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="start")
    lambda_mock.run_until_idle()
    assert count(sqs, url) == 0  # the 17th message was dropped, so the loop ended (spec 7.2)
    logs = boto3.client("logs", region_name="us-east-1")
    starts = [e for s in logs.describe_log_streams(logGroupName="/aws/lambda/echo")["logStreams"]
              for e in logs.get_log_events(logGroupName="/aws/lambda/echo", logStreamName=s["logStreamName"])["events"]
              if e["message"].startswith("START")]
    assert len(starts) == 16


@pytest.mark.lambda_mock(mode="manual")
def test_the_batching_window_waits_for_a_batch_to_fill(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "jobs")
    batches = []
    create_function("worker", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("worker", lambda event, context: batches.append(len(event["Records"])))
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=10,
                                              MaximumBatchingWindowInSeconds=20)
    sqs.send_message(QueueUrl=url, MessageBody="first")
    lambda_mock.clock.advance(10)
    sqs.send_message(QueueUrl=url, MessageBody="second")
    lambda_mock.clock.advance(9)
    assert batches == []
    lambda_mock.clock.advance(1)  # 20 s after the first message
    assert batches == [2]


def test_a_failing_message_neither_hangs_nor_blocks_the_others(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "jobs", VisibilityTimeout=0)  # no redrive policy, no visibility timeout
    handled = []
    create_function("worker", "def handler(e, c):\n    return None\n")

    def worker(event, context):
        body = event["Records"][0]["body"]
        if body == "bad":
            raise ValueError("bad")
        handled.append(body)

    lambda_mock.handler("worker", worker)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=1)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "bad"}, {"Id": "2", "MessageBody": "good"}])
    lambda_mock.run_until_idle()  # returns: the bad message waits for the clock to move
    assert handled == ["good"]
    assert count(sqs, url) == 1


def test_binary_attributes_are_base64_and_absent_values_left_out(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "jobs")
    seen = []
    create_function("worker", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("worker", lambda event, context: seen.append(event["Records"][0]["messageAttributes"]))
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker")
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
        "s": {"DataType": "String", "StringValue": "v"}, "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}})
    lambda_mock.run_until_idle()
    assert seen == [{
        "s": {"stringValue": "v", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "b": {"binaryValue": "AQI=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
    }]


@pytest.mark.parametrize("identifier", [None, "", "not-a-message-id"])
def test_an_invalid_batch_item_failure_fails_the_whole_batch(lambda_mock, lambda_client, create_function, sqs, identifier):
    dlq_url, dlq_arn = make_queue(sqs, "dlq")
    url, arn = make_queue(sqs, "jobs", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
    create_function("worker", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("worker", return_value={"batchItemFailures": [{"itemIdentifier": identifier}]})
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=10,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}])
    lambda_mock.run_until_idle()
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert sorted(m["Body"] for m in dead) == ["a", "b"]  # nothing was deleted as if processed
