"""Recursive loop detection and the recursion config API (spec §7)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import FN_ARN, make_queue, metric_total

SELF_INVOKING = """
import json, boto3
def handler(event, context):
    n = event["n"]
    if n < event["stop_at"]:
        boto3.client("lambda").invoke(FunctionName=context.function_name, InvocationType="Event",
                                      Payload=json.dumps({"n": n + 1, "stop_at": event["stop_at"]}))
    return n
"""


def test_a_loop_is_stopped_after_16_invocations_and_the_event_goes_to_the_dlq(lambda_mock, lambda_client, create_function):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url, dlq = make_queue(sqs, "dlq")
    create_function("loop", SELF_INVOKING, DeadLetterConfig={"TargetArn": dlq})
    lambda_client.invoke(FunctionName="loop", InvocationType="Event", Payload=json.dumps({"n": 1, "stop_at": 100}))
    lambda_mock.run_until_idle()
    invocations = lambda_mock.invocations("loop")
    ran = [i for i in invocations if i.attempts]
    assert [i.attempts[0].result for i in ran] == list(range(1, 17))  # spec 7.2: 16 invocations run
    stopped = invocations[16]
    assert (stopped.condition, stopped.attempts, stopped.payload["n"]) == ("RecursiveInvocationException", (), 17)
    message = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert json.loads(message["Body"]) == {"n": 17, "stop_at": 100}
    assert message["MessageAttributes"]["RequestID"]["StringValue"] == stopped.request_id
    assert metric_total(lambda_mock, "RecursiveInvocationsDropped", "loop") == 1


def test_allow_lets_the_loop_run(lambda_mock, lambda_client, create_function):
    create_function("loop", SELF_INVOKING)
    response = lambda_client.put_function_recursion_config(FunctionName="loop", RecursiveLoop="Allow")
    assert response["RecursiveLoop"] == "Allow"  # spec 7.3
    lambda_client.invoke(FunctionName="loop", InvocationType="Event", Payload=json.dumps({"n": 1, "stop_at": 20}))
    lambda_mock.run_until_idle()
    assert [i.condition for i in lambda_mock.invocations("loop")] == ["Success"] * 20


def test_a_fan_out_is_not_a_loop(lambda_mock, lambda_client, create_function):
    create_function("worker", "def handler(e, c):\n    return e\n")
    create_function(
        "fan",
        """
        import boto3
        def handler(event, context):
            client = boto3.client("lambda")
            for i in range(20):
                client.invoke(FunctionName="worker", InvocationType="Event", Payload=b"{}")
        """,
    )
    lambda_client.invoke(FunctionName="fan", InvocationType="Event")
    lambda_mock.run_until_idle()
    assert [i.condition for i in lambda_mock.invocations("worker")] == ["Success"] * 20


def test_a_synchronous_loop_gets_recursive_invocation_exception(lambda_mock, lambda_client, create_function):
    create_function(
        "deep",
        """
        import json, boto3
        from botocore.exceptions import ClientError
        def handler(event, context):
            try:
                response = boto3.client("lambda").invoke(FunctionName="deep", Payload=json.dumps(event["n"] + 1))
            except ClientError as error:
                return {"stopped_at": event["n"] + 1, "code": error.response["Error"]["Code"],
                        "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
            return json.loads(response["Payload"].read())
        """.replace('event["n"]', "event"),
        Timeout=30,
    )
    result = json.loads(lambda_client.invoke(FunctionName="deep", Payload=b"1")["Payload"].read())
    assert result == {"stopped_at": 17, "code": "RecursiveInvocationException", "status": 400}


def test_recursion_config_api(lambda_mock, lambda_client, create_function):
    create_function("fn", "def handler(e, c):\n    return 1\n")
    assert lambda_client.get_function_recursion_config(FunctionName="fn")["RecursiveLoop"] == "Terminate"  # default
    lambda_client.put_function_recursion_config(FunctionName="fn", RecursiveLoop="Allow")
    assert lambda_client.get_function_recursion_config(FunctionName="fn")["RecursiveLoop"] == "Allow"
    with pytest.raises(ClientError) as excinfo:
        lambda_client.put_function_recursion_config(FunctionName="fn", RecursiveLoop="InvalidValue")
    error = excinfo.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"], error["Error"]["Message"]) == (
        400,
        "ValidationException",
        "1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Terminate, Allow]",
    )
    with pytest.raises(ClientError) as excinfo:
        lambda_client.get_function_recursion_config(FunctionName="missing")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_loop_through_lambda_destinations_is_stopped(lambda_mock, lambda_client, create_function):
    for name in ("ping", "pong"):
        create_function(name, "def handler(e, c):\n    return {'ok': True}\n")
    for name, other in (("ping", "pong"), ("pong", "ping")):
        lambda_client.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": FN_ARN.format(other)}}
        )
    lambda_client.invoke(FunctionName="ping", InvocationType="Event")
    lambda_mock.run_until_idle()
    ping = lambda_mock.invocations("ping")
    assert sum(1 for i in ping if i.condition == "Success") == 16
    assert ping[-1].condition == "RecursiveInvocationException"


IDEMPOTENT_SELF_INVOKING = """
import json, boto3
seen = set()
def handler(event, context):
    n = event["n"]
    if n not in seen:  # a duplicate delivery does nothing twice (spec 2.8)
        seen.add(n)
        boto3.client("lambda").invoke(FunctionName=context.function_name, InvocationType="Event",
                                      Payload=json.dumps({"n": n + 1}))
    return n
"""


def test_a_duplicate_delivery_of_a_stopped_event_is_stopped_too(lambda_client, create_function):
    """Issue 13 item 15: with every event delivered twice, the 17th invocation of the loop and its
    duplicate are both stopped (spec 7.2, 2.8)."""
    from mocklambda import mock_lambda

    with mock_lambda(duplicate_rate=1.0, seed=1) as lam:
        create_function("loop", IDEMPOTENT_SELF_INVOKING)
        lambda_client.invoke(FunctionName="loop", InvocationType="Event", Payload=json.dumps({"n": 1}))
        lam.run_until_idle()
        seventeenth = [i for i in lam.invocations("loop") if i.payload["n"] == 17]
        assert [(i.condition, i.attempts) for i in seventeenth] == [("RecursiveInvocationException", ())] * 2
        assert max(i.payload["n"] for i in lam.invocations("loop") if i.attempts) == 16


def test_the_loops_next_event_is_marked_stopped_before_the_queue_holds_it(lambda_mock, lambda_client,
                                                                          create_function, monkeypatch):
    """Issue 17 review: the mark was set after the event was queued, so in realtime mode a worker
    could take the 17th invocation first and run it (spec 7.2). What any worker sees is what the
    queue holds when it wakes: the mark must already be there."""
    from mocklambda._core.event_queue import EventQueue

    seen: list[tuple[int, bool]] = []
    push = EventQueue._push

    def watched(self: EventQueue, item: object, due: float) -> None:
        if hasattr(item, "request"):
            seen.append((json.loads(item.request.payload)["n"], item.stopped_as_recursive))
        push(self, item, due)

    monkeypatch.setattr(EventQueue, "_push", watched)
    create_function("loop", SELF_INVOKING)
    lambda_client.invoke(FunctionName="loop", InvocationType="Event", Payload=json.dumps({"n": 1, "stop_at": 100}))
    lambda_mock.run_until_idle()
    assert seen[:17] == [(n, n == 17) for n in range(1, 18)]
