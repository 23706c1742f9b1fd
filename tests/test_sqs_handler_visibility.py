"""An SQS mapping honours what its handler does to its records: ChangeMessageVisibility and
DeleteMessage, on the mock's clock (issue 12, item 17).

AWS (not in the spec, which has no SQS-mapping statements): a failed batch's messages "become
visible to Lambda again" after the visibility timeout
(docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html), and ChangeMessageVisibility's
new timeout counts "from the time that you make the ChangeMessageVisibility call"; 0 makes the
message visible at once; the next receive uses the queue's own timeout again
(docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html).
The receive counts and the redrive to the dead-letter queue are checked against the AWS recording
``event-source-mappings/test_lambda_integration_sqs.snapshot.json``.

Every handler here is one real function from a zip that calls SQS with boto3 (``PLANNED``): each
record's body says what the handler does with it, and the handler reports each record it sees to
a ``seen`` queue, so a test reads which receives happened at which virtual time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from freezegun import freeze_time
from moto import mock_aws

from mocklambda import mock_lambda
from tests.helpers import make_queue
from tests.test_golden_snapshots import recorded

SQS_ESM = "event-source-mappings/test_lambda_integration_sqs.snapshot.json"
SQS_ESM_TEST = "tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_sqs.py::"

PLANNED = """
import json
import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    failed = []
    for record in event["Records"]:
        plan = json.loads(record["body"])
        count = int(record["attributes"]["ApproximateReceiveCount"])
        handle = record["receiptHandle"]
        sqs.send_message(QueueUrl=os.environ["SEEN"], MessageBody=json.dumps(
            {"name": plan["name"], "count": count, "receiptHandle": handle}))
        if "backoff" in plan:  # AWS's documented pattern: hide the record longer after each failure
            sqs.change_message_visibility(QueueUrl=os.environ["QUEUE"], ReceiptHandle=handle,
                                          VisibilityTimeout=plan["backoff"] * 2 ** count)
        if "visibility" in plan:  # the batch form of the same call
            sqs.change_message_visibility_batch(QueueUrl=os.environ["QUEUE"], Entries=[
                {"Id": "1", "ReceiptHandle": handle, "VisibilityTimeout": plan["visibility"]}])
        if plan.get("delete"):
            sqs.delete_message(QueueUrl=os.environ["QUEUE"], ReceiptHandle=handle)
        if count <= plan.get("fail_receives", 0):
            failed.append(record["messageId"])
    if failed and os.environ.get("PARTIAL"):
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
    if failed:
        raise RuntimeError(f"{len(failed)} record(s) failed")
"""


def planned_mapping(lambda_client: Any, create_function: Any, sqs: Any, *, redrive: int | None,
                    partial: bool = False, **queue: Any) -> tuple[str, str, str]:
    """The queue (``queue`` attributes; ``redrive``: its maxReceiveCount, or None for no redrive
    policy), its dead-letter queue and the ``seen`` queue, with ``PLANNED`` mapped to it."""
    seen_url, _ = make_queue(sqs, "seen")
    dlq_url, dlq_arn = make_queue(sqs, "jobs-dlq")
    if redrive is not None:
        queue["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": redrive})
    url, arn = make_queue(sqs, "jobs", **queue)
    variables = {"SEEN": seen_url, "QUEUE": url, **({"PARTIAL": "1"} if partial else {})}
    create_function("planned", PLANNED, Environment={"Variables": variables})
    lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="planned", BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"] if partial else [])
    return url, dlq_url, seen_url


def send(sqs: Any, url: str, *plans: dict[str, Any]) -> None:
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(number), "MessageBody": json.dumps(plan)} for number, plan in enumerate(plans)])


def seen(sqs: Any, seen_url: str) -> list[tuple[str, int]]:
    """The receives the handler reported since the last look: (name, receive count), in order."""
    return [(s["name"], s["count"]) for s in sightings(sqs, seen_url)]


def sightings(sqs: Any, seen_url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=seen_url, MaxNumberOfMessages=10).get("Messages", []):
        found.extend(json.loads(m["Body"]) for m in messages)
        sqs.delete_message_batch(QueueUrl=seen_url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)])
    return found


def dead(sqs: Any, dlq_url: str) -> list[str]:
    return [json.loads(m["Body"])["name"]
            for m in sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])]


def waiting(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                        "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


@pytest.mark.lambda_mock(mode="manual")
def test_a_handlers_backoff_hides_its_record_as_long_as_it_set(lambda_mock, lambda_client, create_function, sqs):
    attempts = recorded(SQS_ESM, SQS_ESM_TEST + "test_redrive_policy_with_failing_lambda")
    # AWS received the failing message twice (receive counts 1 and 2), then the queue's redrive
    # policy (maxReceiveCount 2) moved it, body unchanged, to the dead-letter queue
    counts = [int(attempts[step]["Messages"][0]["Body"]["event"]["Records"][0]["attributes"]["ApproximateReceiveCount"])
              for step in ("first_attempt", "second_attempt")]
    assert counts == [1, 2]
    url, dlq_url, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=len(counts),
                                             VisibilityTimeout=30)
    plan = {"name": "job", "backoff": 60, "fail_receives": 99}  # hidden 60 * 2**count s after each failure
    send(sqs, url, plan)
    lambda_mock.clock.advance(0)
    assert seen(sqs, seen_url) == [("job", counts[0])]
    lambda_mock.clock.advance(119)  # the queue's own 30 s would have brought it back at 30, 60 and 90 s
    assert seen(sqs, seen_url) == []
    lambda_mock.clock.advance(1)
    assert seen(sqs, seen_url) == [("job", counts[1])]  # at 120 s = 60 * 2**1
    lambda_mock.clock.advance(239)
    assert dead(sqs, dlq_url) == [] and waiting(sqs, url) == 1
    lambda_mock.clock.advance(1)  # at 360 s = 120 + 60 * 2**2 it is visible; the redrive policy moves it
    aws_sent = json.loads(attempts["first_attempt"]["Messages"][0]["Body"]["event"]["Records"][0]["body"])
    assert attempts["dlq_response"]["Messages"][0]["Body"] == aws_sent  # AWS: the body as sent
    assert [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=dlq_url)["Messages"]] == [plan]
    assert waiting(sqs, url) == 0 and seen(sqs, seen_url) == []
    assert lambda_mock.clock.elapsed.total_seconds() == 360


def test_the_poison_message_reaches_the_dlq_on_the_handlers_timeline_in_auto_mode(lambda_mock, lambda_client,
                                                                                  create_function, sqs):
    url, dlq_url, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=3, VisibilityTimeout=30)
    send(sqs, url, {"name": "job", "backoff": 60, "fail_receives": 99})
    assert dead(sqs, dlq_url) == ["job"]  # auto mode: the whole story has happened
    assert seen(sqs, seen_url) == [("job", 1), ("job", 2), ("job", 3)]
    assert lambda_mock.clock.elapsed.total_seconds() == 120 + 240 + 480  # not 3 * 30


@pytest.mark.lambda_mock(mode="manual")
def test_visibility_zero_makes_the_record_visible_at_once(lambda_mock, lambda_client, create_function, sqs):
    url, dlq_url, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=3, VisibilityTimeout=30)
    send(sqs, url, {"name": "job", "visibility": 0, "fail_receives": 99})
    lambda_mock.run_until_idle()
    assert seen(sqs, seen_url) == [("job", 1), ("job", 2), ("job", 3)]  # received again at once, each time
    assert dead(sqs, dlq_url) == ["job"]
    assert lambda_mock.clock.elapsed.total_seconds() == 0  # the queue's 30 s never came into it


@pytest.mark.lambda_mock(mode="manual")
def test_visibility_zero_without_a_redrive_policy_returns_a_second_later(lambda_mock, lambda_client,
                                                                        create_function, sqs):
    # nothing ends these redeliveries but the retention period: the README's choices table holds
    # them back one second each, so that run_until_idle returns (as with a VisibilityTimeout of 0)
    url, _, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=None, VisibilityTimeout=30)
    send(sqs, url, {"name": "job", "visibility": 0, "fail_receives": 99})
    lambda_mock.run_until_idle()
    assert seen(sqs, seen_url) == [("job", 1)]
    lambda_mock.clock.advance(1)
    assert seen(sqs, seen_url) == [("job", 2)]
    lambda_mock.clock.advance(1)
    assert seen(sqs, seen_url) == [("job", 3)]


@pytest.mark.lambda_mock(mode="manual")
@pytest.mark.parametrize("fail_receives", [99, 0], ids=["then-fails", "then-succeeds"])
def test_a_record_the_handler_deleted_is_never_redelivered(lambda_mock, lambda_client, create_function, sqs,
                                                           fail_receives):
    url, dlq_url, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=2, VisibilityTimeout=30)
    send(sqs, url, {"name": "job", "delete": True, "fail_receives": fail_receives})
    lambda_mock.run_until_idle()
    assert seen(sqs, seen_url) == [("job", 1)]
    assert lambda_mock.clock.elapsed.total_seconds() == 0  # nothing was left to come back at 30 s
    assert waiting(sqs, url) == 0
    lambda_mock.clock.advance(3600)
    assert seen(sqs, seen_url) == [] and dead(sqs, dlq_url) == []


@pytest.mark.lambda_mock(mode="manual")
def test_partial_batch_failures_come_back_when_their_own_visibility_says(lambda_mock, lambda_client,
                                                                         create_function, sqs):
    url, dlq_url, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=5, partial=True,
                                             VisibilityTimeout=30)
    send(sqs, url,
         {"name": "ok"},                                            # processed: deleted
         {"name": "retry", "fail_receives": 1},                     # reported: back after the queue's 30 s
         {"name": "later", "visibility": 300, "fail_receives": 1},  # reported, hidden 300 s
         {"name": "now", "visibility": 0, "fail_receives": 1},      # reported, visible at once
         {"name": "done-anyway", "visibility": 600})                # not reported: deleted all the same
    lambda_mock.clock.advance(0)
    first = seen(sqs, seen_url)
    assert sorted(first[:5]) == [("done-anyway", 1), ("later", 1), ("now", 1), ("ok", 1), ("retry", 1)]
    assert first[5:] == [("now", 2)]  # the next poll, at the same instant
    lambda_mock.clock.advance(29)
    assert seen(sqs, seen_url) == []
    lambda_mock.clock.advance(1)
    assert seen(sqs, seen_url) == [("retry", 2)]  # the queue's own timeout
    lambda_mock.clock.advance(269)
    assert seen(sqs, seen_url) == []
    lambda_mock.clock.advance(1)
    assert seen(sqs, seen_url) == [("later", 2)]  # the timeout it set, counted from its call at t=0
    lambda_mock.run_until_idle()
    assert lambda_mock.clock.elapsed.total_seconds() == 300
    lambda_mock.clock.advance(600)
    assert seen(sqs, seen_url) == [] and waiting(sqs, url) == 0 and dead(sqs, dlq_url) == []


def failed_once_at_ten_seconds(lambda_mock: Any, lambda_client: Any, create_function: Any,
                                sqs: Any) -> tuple[str, str, str]:
    """A record that failed at t=0 and waits for the queue's 30 s; the clock at 10 s. Returns the
    queue, the seen queue and the record's receipt handle."""
    url, _, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=5, VisibilityTimeout=30)
    send(sqs, url, {"name": "job", "fail_receives": 1})
    lambda_mock.clock.advance(10)
    (first,) = sightings(sqs, seen_url)
    return url, seen_url, first["receiptHandle"]


@pytest.mark.lambda_mock(mode="manual")
@pytest.mark.parametrize("seconds", [100, 5])
def test_a_test_may_move_the_return_of_a_waiting_record(lambda_mock, lambda_client, create_function, sqs, seconds):
    url, seen_url, handle = failed_once_at_ten_seconds(lambda_mock, lambda_client, create_function, sqs)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=seconds)
    lambda_mock.clock.advance(seconds - 1)
    assert seen(sqs, seen_url) == []  # for 100 s: not at the queue's 30 s either
    lambda_mock.clock.advance(1)
    assert seen(sqs, seen_url) == [("job", 2)]  # counted from the call, at t=10
    lambda_mock.clock.advance(60)
    assert seen(sqs, seen_url) == [] and waiting(sqs, url) == 0


@pytest.mark.lambda_mock(mode="manual")
def test_a_test_may_make_a_waiting_record_visible_at_once(lambda_mock, lambda_client, create_function, sqs):
    url, seen_url, handle = failed_once_at_ten_seconds(lambda_mock, lambda_client, create_function, sqs)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    lambda_mock.clock.advance(0)
    assert seen(sqs, seen_url) == [("job", 2)]
    assert lambda_mock.clock.elapsed.total_seconds() == 10


@pytest.mark.lambda_mock(mode="manual")
def test_real_time_passing_does_not_bring_a_held_record_back_early(lambda_mock, lambda_client, create_function, sqs):
    # moto counts visibility timeouts in real time: a slow test (here: moto's clock a minute on)
    # must not show a record before its deadline on the mock's clock
    url, _, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=5, VisibilityTimeout=30)
    send(sqs, url, {"name": "job", "visibility": 2, "fail_receives": 1})
    lambda_mock.clock.advance(0)
    assert seen(sqs, seen_url) == [("job", 1)]
    with freeze_time(datetime.now(timezone.utc) + timedelta(minutes=1), tick=True):
        send(sqs, url, {"name": "other"})
        lambda_mock.clock.advance(1)
        assert seen(sqs, seen_url) == [("other", 1)]
    lambda_mock.clock.advance(1)
    assert seen(sqs, seen_url) == [("job", 2)]


def test_records_still_held_when_the_mock_stops_go_back_to_motos_clock(create_function, lambda_client, sqs):
    with mock_aws():
        with mock_lambda(mode="manual") as lam:
            url, _, seen_url = planned_mapping(lambda_client, create_function, sqs, redrive=None,
                                               VisibilityTimeout=30)
            send(sqs, url, {"name": "job", "fail_receives": 99})
            lam.clock.advance(10)  # no redrive policy: it waits for the clock, 20 s to go
            assert seen(sqs, seen_url) == [("job", 1)]
        assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
        with freeze_time(datetime.now(timezone.utc) + timedelta(seconds=19)):
            assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
        with freeze_time(datetime.now(timezone.utc) + timedelta(seconds=21)):
            (message,) = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
        assert message["Attributes"]["ApproximateReceiveCount"] == "2"
