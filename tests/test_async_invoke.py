"""InvocationType=Event as AWS processes it: queue, schedule, retries, event age (spec §1-2, §6)."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from mocklambda import NotIdleError, mock_lambda
from tests.helpers import ECHO_WITH_REQUEST_ID, FAILS_WITH_VALUE_ERROR, invoke_event, metric_total, send_event


def offsets(invocation, lam) -> list[float]:
    start = lam.clock.now() - lam.clock.elapsed
    return [(a.at - start).total_seconds() for a in invocation.attempts]


def test_event_is_accepted_with_202_and_an_empty_body(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_WITH_REQUEST_ID)
    response = invoke_event(lambda_client, "echo", b'{"a": 1}')
    assert response["StatusCode"] == 202  # spec 1.3
    assert response["Payload"].read() == b""  # spec 1.4
    for header in ("ExecutedVersion", "FunctionError", "LogResult"):
        assert header not in response


def test_request_id_is_the_invocation_id_on_every_attempt(create_function, lambda_client):
    seen = []
    with mock_lambda() as lam:
        create_function("flaky", FAILS_WITH_VALUE_ERROR)

        def flaky(event, context):
            seen.append((context.aws_request_id, context.client_context))
            raise RuntimeError("again")

        lam.handler("flaky", flaky)
        client_context = base64.b64encode(json.dumps({"custom": {"a": 1}}).encode()).decode()
        request_id = send_event(lambda_client, "flaky", ClientContext=client_context)
        lam.run_until_idle()
        invocation = lam.invocations()[0]
    assert invocation.request_id == request_id
    assert seen == [(request_id, None)] * 3  # spec 1.25; client context is sync-only (spec 1.13)


@pytest.mark.lambda_mock(mode="manual")
def test_function_errors_are_retried_after_one_then_two_minutes(lambda_mock, lambda_client, create_function):
    create_function("fails", FAILS_WITH_VALUE_ERROR)
    invoke_event(lambda_client, "fails")
    lambda_mock.clock.advance(59)
    assert len(lambda_mock.invocations()[0].attempts) == 1  # spec 2.2
    lambda_mock.clock.advance(1)
    assert len(lambda_mock.invocations()[0].attempts) == 2
    lambda_mock.clock.advance(timedelta(seconds=119))
    assert len(lambda_mock.invocations()[0].attempts) == 2
    assert lambda_mock.invocations()[0].status == "queued"
    lambda_mock.clock.advance(1)
    invocation = lambda_mock.invocations()[0]
    assert offsets(invocation, lambda_mock) == [0, 60, 180]
    assert (invocation.status, invocation.condition) == ("failed", "RetriesExhausted")
    assert [a.error_type for a in invocation.attempts] == ["ValueError"] * 3
    assert invocation.attempts[0].result["errorMessage"] == "nope"
    lambda_mock.assert_idle()


@pytest.mark.lambda_mock(mode="manual")
def test_assert_idle_lists_what_is_queued(lambda_mock, lambda_client, create_function):
    create_function("fails", FAILS_WITH_VALUE_ERROR)
    request_id = send_event(lambda_client, "fails")
    with pytest.raises(NotIdleError, match=request_id):
        lambda_mock.assert_idle()
    lambda_mock.run_until_idle()
    lambda_mock.assert_idle()


@pytest.mark.lambda_mock(mode="manual")
@pytest.mark.parametrize("retries, attempts", [(0, 1), (1, 2), (2, 3)])
def test_maximum_retry_attempts(lambda_mock, lambda_client, create_function, retries, attempts):
    create_function("fails", FAILS_WITH_VALUE_ERROR)
    lambda_client.put_function_event_invoke_config(FunctionName="fails", MaximumRetryAttempts=retries)
    invoke_event(lambda_client, "fails")
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert len(invocation.attempts) == attempts  # spec 2.4
    assert invocation.condition == "RetriesExhausted"


@pytest.mark.lambda_mock(mode="manual")
@pytest.mark.parametrize("max_age, attempts", [(60, 1), (90, 2), (180, 2), (181, 3)])
def test_event_age_gives_up_when_the_next_retry_would_be_too_late(lambda_mock, lambda_client, create_function, max_age, attempts):
    create_function("fails", FAILS_WITH_VALUE_ERROR)
    lambda_client.put_function_event_invoke_config(FunctionName="fails", MaximumEventAgeInSeconds=max_age)
    invoke_event(lambda_client, "fails")
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert len(invocation.attempts) == attempts  # spec 2.7: age 60 -> 1 attempt, age 90 -> 2
    assert invocation.condition == ("RetriesExhausted" if attempts == 3 else "EventAgeExceeded")
    assert offsets(invocation, lambda_mock)[-1] == [0, 60, 180][attempts - 1]  # no waiting for the full age


@pytest.mark.lambda_mock(mode="manual")
def test_the_invoked_qualifiers_config_governs_its_events(lambda_mock, lambda_client, create_function):
    create_function("fails", FAILS_WITH_VALUE_ERROR)
    lambda_client.publish_version(FunctionName="fails")
    lambda_client.create_alias(FunctionName="fails", Name="live", FunctionVersion="1")
    lambda_client.put_function_event_invoke_config(FunctionName="fails", Qualifier="live", MaximumRetryAttempts=0)
    invoke_event(lambda_client, "fails", Qualifier="live")
    invoke_event(lambda_client, "fails")
    lambda_mock.run_until_idle()
    by_alias, unqualified = lambda_mock.invocations()
    assert by_alias.function_arn.endswith(":function:fails:live")
    assert len(by_alias.attempts) == 1  # spec 2.12
    assert unqualified.function_arn.endswith(":function:fails:$LATEST")
    assert len(unqualified.attempts) == 3


@pytest.mark.lambda_mock(mode="manual")
def test_throttles_back_off_exponentially_without_using_retries(lambda_mock, lambda_client, create_function):
    create_function("fails", FAILS_WITH_VALUE_ERROR)
    lambda_client.put_function_event_invoke_config(FunctionName="fails", MaximumRetryAttempts=0)
    lambda_mock.inject_throttles("fails", times=3)
    invoke_event(lambda_client, "fails")
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert [a.kind for a in invocation.attempts] == ["throttle", "throttle", "throttle", "run"]  # spec 2.5
    assert offsets(invocation, lambda_mock) == [0, 1, 3, 7]  # 1 s, 2 s, 4 s ...
    assert invocation.condition == "RetriesExhausted"  # the one function error still ends it


@pytest.mark.lambda_mock(mode="manual")
def test_system_errors_are_retried_like_throttles(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_WITH_REQUEST_ID)
    lambda_mock.inject_system_errors("echo", times=2)
    invoke_event(lambda_client, "echo")
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert [a.kind for a in invocation.attempts] == ["system_error", "system_error", "run"]
    assert invocation.condition == "Success"


@pytest.mark.lambda_mock(mode="manual")
def test_throttling_ends_when_the_event_is_too_old(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_WITH_REQUEST_ID)
    lambda_client.put_function_event_invoke_config(FunctionName="echo", MaximumEventAgeInSeconds=60)
    lambda_mock.inject_throttles("echo", times=100)
    invoke_event(lambda_client, "echo")
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert invocation.condition == "EventAgeExceeded"
    assert all(a.kind == "throttle" for a in invocation.attempts)
    assert offsets(invocation, lambda_mock)[-1] < 60


@pytest.mark.lambda_mock(mode="manual")
def test_backoff_is_capped_at_five_minutes(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_WITH_REQUEST_ID)
    lambda_mock.inject_throttles("echo", times=12)
    invoke_event(lambda_client, "echo")
    lambda_mock.run_until_idle()
    times = offsets(lambda_mock.invocations()[0], lambda_mock)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]


@pytest.mark.lambda_mock(mode="manual")
def test_zero_reserved_concurrency_runs_nothing(lambda_mock, lambda_client, create_function):
    create_function("echo", "def handler(e, c):\n    raise AssertionError('must not run')\n")
    lambda_client.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    assert invoke_event(lambda_client, "echo")["StatusCode"] == 202  # spec 1.23: Event still accepted
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert (invocation.condition, invocation.attempts) == ("ZeroReservedConcurrency", ())  # spec 2.9


@pytest.mark.lambda_mock(mode="manual")
def test_timeouts_are_function_errors_and_retried(lambda_mock, lambda_client, create_function):
    create_function("slow", "import time\ndef handler(e, c):\n    while True:\n        time.sleep(0.02)\n", Timeout=1)
    lambda_client.put_function_event_invoke_config(FunctionName="slow", MaximumRetryAttempts=1)
    invoke_event(lambda_client, "slow")
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert [a.error_type for a in invocation.attempts] == ["Sandbox.Timedout"] * 2  # spec 2.10


def test_validation_happens_before_anything_is_queued(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_WITH_REQUEST_ID)
    with pytest.raises(ClientError) as excinfo:
        invoke_event(lambda_client, "missing")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"  # spec 1.18
    with pytest.raises(ClientError) as excinfo:
        invoke_event(lambda_client, "echo", b"{not json")
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestContentException"  # spec 1.17
    big = json.dumps("x" * (1024 * 1024)).encode()
    with pytest.raises(ClientError) as excinfo:
        invoke_event(lambda_client, "echo", big)
    error = excinfo.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413  # spec 1.14-1.16
    assert error["Error"]["Code"] == "RequestEntityTooLargeException"
    assert error["Error"]["Message"] == f"{len(big)} byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    with pytest.raises(ClientError) as excinfo:
        invoke_event(lambda_client, "echo", ClientContext="not base64!")
    assert excinfo.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert lambda_mock.invocations() == []
    assert invoke_event(lambda_client, "echo", json.dumps("x" * 1000000).encode())["StatusCode"] == 202


def test_auto_mode_settles_before_the_next_aws_call(lambda_mock, lambda_client, create_function, aws_region):
    s3 = boto3.client("s3", region_name=aws_region)
    s3.create_bucket(Bucket="out")
    create_function(
        "writer",
        """
        import boto3
        def handler(event, context):
            boto3.client("s3").put_object(Bucket="out", Key=event["key"], Body=b"done")
        """,
    )
    invoke_event(lambda_client, "writer", b'{"key": "k1"}')
    # code that knows nothing of mocklambda sees AWS's eventual result
    assert s3.get_object(Bucket="out", Key="k1")["Body"].read() == b"done"
    assert lambda_mock.invocations()[0].condition == "Success"


def test_auto_mode_settles_at_stop(lambda_client, create_function):
    with mock_lambda() as lam:
        create_function("fails", FAILS_WITH_VALUE_ERROR)
        invoke_event(lambda_client, "fails")
    assert lam.invocations()[0].condition == "RetriesExhausted"
    assert lam.clock.elapsed == timedelta(seconds=180)


@pytest.mark.lambda_mock(mode="manual")
def test_events_from_a_handler_run_after_its_attempt(lambda_mock, lambda_client, create_function):
    order = []
    create_function("first", ECHO_WITH_REQUEST_ID)
    create_function("second", ECHO_WITH_REQUEST_ID)

    @lambda_mock.handler("first")
    def first(event, context):
        order.append("first starts")
        boto3.client("lambda").invoke(FunctionName="second", InvocationType="Event", Payload=b'{"from": "first"}')
        order.append("first ends")

    lambda_mock.handler("second", lambda event, context: order.append(f"second got {event}"))
    invoke_event(lambda_client, "first")
    lambda_mock.run_until_idle()
    assert order == ["first starts", "first ends", "second got {'from': 'first'}"]
    assert [i.function_name for i in lambda_mock.invocations()] == ["first", "second"]


def test_invoke_async_goes_through_the_same_queue(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_WITH_REQUEST_ID)
    response = lambda_client.invoke_async(FunctionName="echo", InvokeArgs=b'{"legacy": true}')
    assert response["Status"] == 202  # spec 1.27
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert invocation.payload == {"legacy": True}
    assert invocation.attempts[0].result["id"] == response["ResponseMetadata"]["RequestId"]
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke_async(FunctionName="echo", InvokeArgs=json.dumps("x" * 300_000).encode())
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413  # 256 KB (spec 1.15)


def test_metrics_are_counted_as_aws_counts_them(lambda_mock, lambda_client, create_function):
    create_function("fails", FAILS_WITH_VALUE_ERROR)
    invoke_event(lambda_client, "fails")
    lambda_client.invoke(FunctionName="fails")  # one synchronous invocation too
    lambda_mock.run_until_idle()

    def total(metric: str, statistic: str = "Sum") -> float:
        return metric_total(lambda_mock, metric, "fails", statistic)

    assert total("Invocations") == 4  # spec 6.2: each async attempt counts, plus the sync call
    assert total("Errors") == 4
    assert total("AsyncEventsReceived") == 1
    assert total("AsyncEventsDropped") == 1
    assert total("AsyncEventAge", "Maximum") == 180_000  # milliseconds, at the last attempt


def test_duplicate_delivery_can_be_switched_on(create_function, lambda_client):
    calls = []
    with mock_lambda(duplicate_rate=1.0, seed=7) as lam:
        create_function("echo", ECHO_WITH_REQUEST_ID)
        lam.handler("echo", lambda event, context: calls.append(context.aws_request_id))
        request_id = send_event(lambda_client, "echo")
    assert calls == [request_id, request_id]  # spec 2.8: at least once
    assert [i.request_id for i in lam.invocations()] == [request_id, request_id]


def test_realtime_mode_runs_retries_on_the_scaled_wall_clock(create_function, lambda_client):
    with mock_lambda(mode="realtime", time_scale=0.001) as lam:  # 60 s of AWS time in 60 ms
        create_function("fails", FAILS_WITH_VALUE_ERROR)
        invoke_event(lambda_client, "fails")
        deadline = time.monotonic() + 10
        while lam.invocations()[0].status == "queued" and time.monotonic() < deadline:
            time.sleep(0.02)
        invocation = lam.invocations()[0]
        assert invocation.condition == "RetriesExhausted"
        assert len(invocation.attempts) == 3
        gaps = offsets(invocation, lam)
        assert gaps[1] - gaps[0] >= 60 and gaps[2] - gaps[1] >= 120


SLOW = "import time\ndef handler(event, context):\n    time.sleep(0.3)\n    return event\n"


def test_realtime_mode_enforces_reserved_concurrency(create_function, lambda_client):
    import threading

    started, release = threading.Event(), threading.Event()

    def slow(event, context):
        started.set()
        release.wait(5)
        return event

    with mock_lambda(mode="realtime", time_scale=0.01) as lam:
        create_function("single", SLOW, Timeout=10)
        lam.handler("single", slow)
        lambda_client.put_function_concurrency(FunctionName="single", ReservedConcurrentExecutions=1)
        invoke_event(lambda_client, "single", b'{"n": 1}')
        invoke_event(lambda_client, "single", b'{"n": 2}')
        assert started.wait(5)
        with pytest.raises(ClientError) as excinfo:  # one is running: a synchronous call is throttled
            lambda_client.invoke(FunctionName="single", Payload=b"{}")
        assert excinfo.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert excinfo.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
        time.sleep(0.1)  # 10 s of AWS time: the other event is being throttled meanwhile
        release.set()
        lam.run_until_idle(timeout=10)
        first, second = lam.invocations()
    assert (first.condition, second.condition) == ("Success", "Success")
    kinds = [a.kind for a in first.attempts] + [a.kind for a in second.attempts]
    assert kinds.count("run") == 2 and "throttle" in kinds  # the excess waited in the queue (spec 1.22)


def test_threads_a_handler_starts_may_call_aws_without_deadlock(lambda_mock, lambda_client, create_function):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="thread-bucket")
    create_function(
        "threads",
        """
        import boto3
        from concurrent.futures import ThreadPoolExecutor
        def put(i):
            boto3.client("s3", region_name="us-east-1").put_object(Bucket="thread-bucket", Key=str(i), Body=b"x")
        def handler(event, context):
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(put, range(8)))
            return "done"
        """,
        Timeout=10,
    )
    invoke_event(lambda_client, "threads")
    invoke_event(lambda_client, "threads")
    lambda_mock.run_until_idle()
    assert [i.condition for i in lambda_mock.invocations()] == ["Success", "Success"]
    assert boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket="thread-bucket")["KeyCount"] == 8


@pytest.mark.lambda_mock(mode="manual")
def test_attempts_run_by_due_time_then_by_acceptance(lambda_mock, lambda_client, create_function):
    """Deterministic order in the virtual modes (README "Time"): retries due at one instant run in
    the order their events were accepted, before events accepted later for that instant."""
    ran = []
    create_function("log", "def handler(event, context):\n    raise ValueError(event['n'])\n")
    lambda_mock.handler("log", lambda event, context: ran.append((event["n"], lambda_mock.clock.elapsed.total_seconds())) or 1 / 0)
    lambda_client.put_function_event_invoke_config(FunctionName="log", MaximumRetryAttempts=1)
    for n in range(3):
        invoke_event(lambda_client, "log", json.dumps({"n": n}).encode())
    lambda_mock.clock.advance(30)
    for n in range(3, 5):
        invoke_event(lambda_client, "log", json.dumps({"n": n}).encode())
    lambda_mock.clock.advance(30)  # t=60: the first three retry (spec 2.2), in acceptance order
    lambda_mock.run_until_idle()
    assert ran == [(0, 0), (1, 0), (2, 0), (3, 30), (4, 30), (0, 60), (1, 60), (2, 60), (3, 90), (4, 90)]
    assert [len(i.attempts) for i in lambda_mock.invocations()] == [2] * 5
