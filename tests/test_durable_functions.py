"""Durable functions (issue 16) through the real boto3 API: handlers in the function's zip use the
unmodified ``aws-durable-execution-sdk-python``; waits, step retries and callbacks run on the
mock's clock. ``D#`` / ``Q#`` / ``§`` cite the research spec of issue 16 (/work/notes/durable-spec.md,
summarised in the README's "Durable functions" section and choices table)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mocklambda import mock_lambda
from tests.helpers import ACCOUNT, REGION, error_of

needs_sdk = pytest.mark.skipif(sys.version_info < (3, 11),
                               reason="durable functions need Python 3.11+ (aws-durable-execution-sdk-python does)")
if sys.version_info >= (3, 11):
    pytest.importorskip("aws_durable_execution_sdk_python")

DURABLE = {"ExecutionTimeout": 7 * 86400, "RetentionPeriodInDays": 7}

STEPS_AND_WAIT = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    doubled = context.step(lambda _: event["x"] * 2, name="double")
    context.wait(Duration.from_seconds(event.get("wait", 10)), name="pause")
    total = context.step(lambda _: doubled + 1, name="increment")
    return {"doubled": doubled, "total": total}
"""

ORDER_WORKFLOW = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration

@durable_execution
def handler(event, context: DurableContext):
    reserved = context.step(lambda _: "reserved " + event["order"], name="reserve")
    context.wait(Duration.from_days(3), name="cooling-off")
    approval = context.create_callback(name="approval", config=CallbackConfig(timeout=Duration.from_hours(1)))
    decision = approval.result()
    return {"reserved": reserved, "decision": decision}
"""

FLAKY_STEP = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import JitterStrategy, RetryStrategyConfig, create_retry_strategy

CALLS = []

def charge(_):
    CALLS.append(1)
    if len(CALLS) < 3:
        raise ConnectionError("card service down")
    return "charged"

@durable_execution
def handler(event, context: DurableContext):
    retry = create_retry_strategy(RetryStrategyConfig(max_attempts=5, initial_delay=Duration.from_seconds(30),
                                                      backoff_rate=2, jitter_strategy=JitterStrategy.NONE))
    return context.step(charge, name="charge", config=StepConfig(retry_strategy=retry))
"""

CHILD_CONTEXT = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution

@durable_execution
def handler(event, context: DurableContext):
    def inner(child: DurableContext):
        return child.step(lambda _: "inner", name="in-child")
    return context.run_in_child_context(inner, name="child")
"""

MAP_AND_PARALLEL = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    squares = context.map([1, 2, 3], lambda ctx, item, index, items: ctx.step(lambda _: item * item), name="squares")
    def slow(ctx):
        ctx.wait(Duration.from_seconds(30), name="slow-wait")
        return "slow"
    both = context.parallel([lambda ctx: "fast", slow], name="both")
    return {"squares": squares.get_results(), "both": both.get_results()}
"""

POLL_AND_CALLBACK = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision

def every_minute(state, attempts):
    return WaitForConditionDecision.stop_polling() if state >= 3 else WaitForConditionDecision.continue_waiting(
        Duration.from_seconds(60))

@durable_execution
def handler(event, context: DurableContext):
    polled = context.wait_for_condition(lambda state, ctx: state + 1,
                                        WaitForConditionConfig(wait_strategy=every_minute, initial_state=0), name="poll")
    answer = context.wait_for_callback(lambda callback_id, ctx: print("submit", callback_id), name="ask")
    return {"polled": polled, "answer": answer}
"""

MANY_STEPS = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    values = [context.step(lambda _, n=n: n, name=f"s{n}") for n in range(event["steps"])]
    context.wait(Duration.from_seconds(1), name="replay")
    return sum(values)
"""

NOT_WRAPPED = "def handler(event, context):\n    return {'plain': True}\n"


@pytest.fixture
def durable_function(create_function):
    """create("name", source, **kwargs): a durable function (Timeout 60 s: a synchronous invoke
    waits at most the function's timeout, D1)."""

    def create(name: str, source: str, **kwargs: Any) -> dict[str, Any]:
        params = {"Runtime": "python3.13", "Timeout": 60, "DurableConfig": DURABLE, **kwargs}
        return create_function(name, source, **params)

    return create


def history(lambda_client, arn: str) -> list[dict[str, Any]]:
    """Every event (a page holds 100 when MaxItems is left out, Q15)."""
    pages = lambda_client.get_paginator("get_durable_execution_history").paginate(DurableExecutionArn=arn,
                                                                                  IncludeExecutionData=True)
    return [event for page in pages for event in page["Events"]]


def event_types(lambda_client, arn: str) -> list[str]:
    return [event["EventType"] for event in history(lambda_client, arn)]


def start_event(lambda_client, name: str, payload: Any, **kwargs: Any) -> str:
    response = lambda_client.invoke(FunctionName=name, Qualifier="$LATEST", InvocationType="Event",
                                    Payload=json.dumps(payload), **kwargs)
    assert response["StatusCode"] == 202
    return response["DurableExecutionArn"]


# --- DurableConfig (D9) ---------------------------------------------------------------------------------------


@needs_sdk
def test_durable_config_is_kept_and_answered(lambda_mock, lambda_client, durable_function):
    created = durable_function("orders", STEPS_AND_WAIT)
    assert created["DurableConfig"] == DURABLE
    assert lambda_client.get_function(FunctionName="orders")["Configuration"]["DurableConfig"] == DURABLE
    lambda_client.update_function_configuration(FunctionName="orders",
                                                DurableConfig={"ExecutionTimeout": 60, "RetentionPeriodInDays": 1})
    configuration = lambda_client.get_function_configuration(FunctionName="orders")
    assert configuration["DurableConfig"] == {"ExecutionTimeout": 60, "RetentionPeriodInDays": 1}


@needs_sdk
def test_retention_defaults_to_14_days(lambda_mock, lambda_client, durable_function):
    created = durable_function("orders", STEPS_AND_WAIT, DurableConfig={"ExecutionTimeout": 900})
    assert created["DurableConfig"] == {"ExecutionTimeout": 900, "RetentionPeriodInDays": 14}  # D9, Q2


@pytest.mark.parametrize(("config", "problem"), [
    ({"ExecutionTimeout": 31_622_401}, "Value '31622401' at 'durableConfig.executionTimeout' failed to satisfy "
                                       "constraint: Member must have value less than or equal to 31622400"),
    ({"ExecutionTimeout": 60, "RetentionPeriodInDays": 91},
     "Value '91' at 'durableConfig.retentionPeriodInDays' failed to satisfy constraint: Member must have value "
     "less than or equal to 90"),
])
def test_durable_config_out_of_range_is_refused(lambda_mock, create_function, config, problem):
    """botocore checks only the minimum; the service the maximum (D9). Runs on Python 3.10 too."""
    with pytest.raises(ClientError) as caught:
        create_function("orders", NOT_WRAPPED, DurableConfig=config)
    assert error_of(caught) == (400, "ValidationException", f"1 validation error detected: {problem}")


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="the refusal of Python 3.10")
def test_durable_config_is_refused_on_python_310(lambda_mock, create_function):
    with pytest.raises(ClientError) as caught:
        create_function("orders", NOT_WRAPPED, DurableConfig=DURABLE)
    status, code, message = error_of(caught)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert "durable functions need Python 3.11 or later" in message


# --- Invoke (D1, D6-D8) ---------------------------------------------------------------------------------------


@needs_sdk
def test_unqualified_invoke_of_a_durable_function_is_refused(lambda_mock, lambda_client, durable_function):
    durable_function("orders", STEPS_AND_WAIT)
    for kind in ("RequestResponse", "Event"):
        with pytest.raises(ClientError) as caught:
            lambda_client.invoke(FunctionName="orders", InvocationType=kind, Payload=b"{}")
        assert error_of(caught) == (400, "InvalidParameterValueException",
                                    "You cannot invoke a durable function using an unqualified ARN.")  # D8


@needs_sdk
def test_synchronous_invoke_runs_the_execution_to_its_result(lambda_mock, lambda_client, durable_function):
    """The invocation waits for the whole execution (D1): steps, a wait on the mock's clock, a
    replay; the response carries the execution's ARN and its result."""
    durable_function("orders", STEPS_AND_WAIT)
    started = lambda_mock.clock.now()
    response = lambda_client.invoke(FunctionName="orders", Qualifier="$LATEST", Payload=b'{"x": 20, "wait": 10}')
    assert json.loads(response["Payload"].read()) == {"doubled": 40, "total": 41}
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    arn = response["DurableExecutionArn"]
    assert arn.startswith(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders:$LATEST/durable-execution/")
    assert lambda_mock.clock.now() - started == timedelta(seconds=10)  # the wait, in virtual time
    execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "SUCCEEDED"
    assert json.loads(execution["Result"]) == {"doubled": 40, "total": 41}
    assert execution["InputPayload"] == '{"x": 20, "wait": 10}'
    assert execution["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"
    assert execution["Version"] == "$LATEST"
    assert execution["EndTimestamp"] - execution["StartTimestamp"] == timedelta(seconds=10)


@needs_sdk
def test_history_events_are_appended_in_order_with_aws_details(lambda_mock, lambda_client, durable_function):
    """EventIds are sequential from ExecutionStarted (Q16); InvocationCompleted after each
    invocation; a wait's events carry its duration (conformance 2-1's shape, spec §5.1)."""
    durable_function("orders", STEPS_AND_WAIT)
    arn = lambda_client.invoke(FunctionName="orders", Qualifier="$LATEST",
                               Payload=b'{"x": 1, "wait": 2}')["DurableExecutionArn"]
    events = history(lambda_client, arn)
    assert [(event["EventId"], event["EventType"], event.get("Name")) for event in events] == [
        (1, "ExecutionStarted", None), (2, "StepStarted", "double"), (3, "StepSucceeded", "double"),
        (4, "WaitStarted", "pause"), (5, "InvocationCompleted", None), (6, "WaitSucceeded", "pause"),
        (7, "StepStarted", "increment"), (8, "StepSucceeded", "increment"), (9, "InvocationCompleted", None),
        (10, "ExecutionSucceeded", None),
    ]
    assert events[0]["ExecutionStartedDetails"] == {"Input": {"Payload": '{"x": 1, "wait": 2}', "Truncated": False},
                                                    "ExecutionTimeout": 7 * 86400}
    assert events[2]["StepSucceededDetails"] == {"Result": {"Payload": "2", "Truncated": False},
                                                 "RetryDetails": {"CurrentAttempt": 1}}
    assert events[3]["WaitStartedDetails"]["Duration"] == 2
    assert events[3]["WaitStartedDetails"]["ScheduledEndTimestamp"] == events[3]["EventTimestamp"] + timedelta(seconds=2)
    assert events[5]["WaitSucceededDetails"] == {"Duration": 2}
    assert events[5]["EventTimestamp"] - events[4]["EventTimestamp"] == timedelta(seconds=2)
    assert set(events[4]["InvocationCompletedDetails"]) == {"StartTimestamp", "EndTimestamp", "RequestId"}
    assert events[4]["InvocationCompletedDetails"]["RequestId"] != events[8]["InvocationCompletedDetails"]["RequestId"]
    assert events[9]["ExecutionSucceededDetails"] == {"Result": {"Payload": '{"doubled": 2, "total": 3}',
                                                                 "Truncated": False}}
    step_ids = {event["Id"] for event in events[1:3]}
    assert len(step_ids) == 1  # the SDK's operation id, the same for both events of the step
    without_data = lambda_client.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert without_data["Events"][0]["ExecutionStartedDetails"]["Input"] == {"Truncated": True}


@needs_sdk
def test_history_pages_and_reverse_order(lambda_mock, lambda_client, durable_function):
    durable_function("orders", STEPS_AND_WAIT)
    arn = lambda_client.invoke(FunctionName="orders", Qualifier="$LATEST", Payload=b'{"x": 1}')["DurableExecutionArn"]
    paginator = lambda_client.get_paginator("get_durable_execution_history")
    pages = list(paginator.paginate(DurableExecutionArn=arn, PaginationConfig={"PageSize": 3}))
    assert [len(page["Events"]) for page in pages] == [3, 3, 3, 1]
    assert [e["EventId"] for page in pages for e in page["Events"]] == list(range(1, 11))
    reverse = lambda_client.get_durable_execution_history(DurableExecutionArn=arn, ReverseOrder=True, MaxItems=2)
    assert [e["EventType"] for e in reverse["Events"]] == ["ExecutionSucceeded", "InvocationCompleted"]


# --- the mock's clock --------------------------------------------------------------------------------------------


@needs_sdk
def test_a_three_day_wait_runs_in_manual_mode_as_the_clock_moves(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("orders", STEPS_AND_WAIT)
        arn = start_event(lambda_client, "orders", {"x": 5, "wait": 3 * 86400})
        assert event_types(lambda_client, arn) == ["ExecutionStarted"]  # manual: nothing ran yet
        lam.clock.advance(0)
        assert event_types(lambda_client, arn)[-2:] == ["WaitStarted", "InvocationCompleted"]
        lam.clock.advance(timedelta(days=3) - timedelta(seconds=1))
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
        lam.clock.advance(1)
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert execution["Status"] == "SUCCEEDED"
        assert execution["EndTimestamp"] - execution["StartTimestamp"] == timedelta(days=3)
        lam.assert_idle()


@needs_sdk
def test_a_three_day_wait_runs_to_the_end_in_auto_mode(lambda_client, durable_function):
    with mock_lambda() as lam:
        durable_function("orders", STEPS_AND_WAIT)
        arn = start_event(lambda_client, "orders", {"x": 5, "wait": 3 * 86400})
        lam.run_until_idle()
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert (execution["Status"], json.loads(execution["Result"])) == ("SUCCEEDED", {"doubled": 10, "total": 11})
        assert lam.clock.elapsed == timedelta(days=3)


@needs_sdk
def test_the_execution_times_out_on_the_clock(lambda_client, durable_function):
    """ExecutionTimeout applies to the whole execution (D9), however long its waits."""
    with mock_lambda(mode="manual") as lam:
        durable_function("orders", STEPS_AND_WAIT, DurableConfig={"ExecutionTimeout": 3600})
        arn = start_event(lambda_client, "orders", {"x": 5, "wait": 3 * 86400})
        lam.clock.advance(3599)
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
        lam.clock.advance(1)
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert execution["Status"] == "TIMED_OUT"
        assert execution["EndTimestamp"] - execution["StartTimestamp"] == timedelta(hours=1)
        assert event_types(lambda_client, arn)[-1] == "ExecutionTimedOut"
        lam.clock.advance(timedelta(days=3))  # the wait's end finds the execution over: nothing runs
        assert event_types(lambda_client, arn)[-1] == "ExecutionTimedOut"


@needs_sdk
def test_a_synchronous_invoke_gives_up_after_the_function_timeout(lambda_mock, lambda_client, durable_function):
    """D1: at most 15 minutes, or less when the function's timeout is lower; the execution goes on."""
    durable_function("orders", STEPS_AND_WAIT)
    response = lambda_client.invoke(FunctionName="orders", Qualifier="$LATEST", Payload=b'{"x": 1, "wait": 120}')
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {"errorMessage": "Task timed out after 60.00 seconds",
                                                      "errorType": "Sandbox.Timedout"}
    arn = response["DurableExecutionArn"]
    assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"  # auto mode went on


@needs_sdk
def test_a_failed_step_is_retried_on_the_clock(lambda_client, durable_function):
    """RETRY makes the step PENDING until NextAttemptDelaySeconds pass, then READY and the
    function is invoked again (§3.3); history as conformance's step retry (§5.1)."""
    with mock_lambda(mode="manual") as lam:
        durable_function("pay", FLAKY_STEP)
        arn = start_event(lambda_client, "pay", {})
        lam.clock.advance(0)
        assert event_types(lambda_client, arn)[-2:] == ["StepFailed", "InvocationCompleted"]
        lam.clock.advance(29)
        assert event_types(lambda_client, arn).count("StepFailed") == 1
        lam.clock.advance(1)
        assert event_types(lambda_client, arn).count("StepFailed") == 2  # 30 s after the first
        lam.clock.advance(60)  # backoff rate 2
        events = history(lambda_client, arn)
        failed = [event for event in events if event["EventType"] == "StepFailed"]
        assert [event["StepFailedDetails"]["RetryDetails"] for event in failed] == [
            {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 30}, {"CurrentAttempt": 2, "NextAttemptDelaySeconds": 60}]
        error = failed[0]["StepFailedDetails"]["Error"]["Payload"]
        assert (error["ErrorType"], error["ErrorMessage"]) == ("ConnectionError", "card service down")
        succeeded = [event for event in events if event["EventType"] == "StepSucceeded"]
        assert succeeded[0]["StepSucceededDetails"]["RetryDetails"] == {"CurrentAttempt": 3}
        assert (succeeded[0]["EventTimestamp"] - events[0]["EventTimestamp"]) == timedelta(seconds=90)
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert (execution["Status"], execution["Result"]) == ("SUCCEEDED", '"charged"')


# --- callbacks ----------------------------------------------------------------------------------------------------


def callback_id(lambda_client, arn: str, name: str) -> str:
    started = [event for event in history(lambda_client, arn)
               if event["EventType"] == "CallbackStarted" and event["Name"] == name]
    assert len(started) == 1
    return started[0]["CallbackStartedDetails"]["CallbackId"]


@needs_sdk
def test_the_order_workflow_a_three_day_wait_then_a_callback_the_test_completes(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("orders", ORDER_WORKFLOW)
        arn = start_event(lambda_client, "orders", {"order": "o-1"})
        lam.clock.advance(timedelta(days=3))
        started = [event for event in history(lambda_client, arn) if event["EventType"] == "CallbackStarted"]
        assert started[0]["CallbackStartedDetails"]["Timeout"] == 3600
        lam.clock.advance(600)
        lambda_client.send_durable_execution_callback_success(CallbackId=callback_id(lambda_client, arn, "approval"),
                                                              Result=b"approved")
        lam.clock.advance(0)
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert execution["Status"] == "SUCCEEDED"
        assert json.loads(execution["Result"]) == {"reserved": "reserved o-1", "decision": "approved"}
        types = event_types(lambda_client, arn)
        assert types[types.index("CallbackStarted"):] == ["CallbackStarted", "InvocationCompleted", "CallbackSucceeded",
                                                          "InvocationCompleted", "ExecutionSucceeded"]
        with pytest.raises(ClientError) as caught:  # closed: AWS's CallbackTimeoutException
            lambda_client.send_durable_execution_callback_heartbeat(
                CallbackId=callback_id(lambda_client, arn, "approval"))
        assert error_of(caught)[:2] == (400, "CallbackTimeoutException")


@needs_sdk
def test_a_callback_failure_fails_the_execution(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("orders", ORDER_WORKFLOW)
        arn = start_event(lambda_client, "orders", {"order": "o-2"})
        lam.clock.advance(timedelta(days=3))
        lambda_client.send_durable_execution_callback_failure(
            CallbackId=callback_id(lambda_client, arn, "approval"),
            Error={"ErrorType": "Rejected", "ErrorMessage": "no stock"})
        lam.clock.advance(0)
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert execution["Status"] == "FAILED"
        assert "no stock" in execution["Error"]["ErrorMessage"]
        failed = [event for event in history(lambda_client, arn) if event["EventType"] == "CallbackFailed"]
        assert failed[0]["CallbackFailedDetails"]["Error"]["Payload"] == {"ErrorType": "Rejected",
                                                                          "ErrorMessage": "no stock"}


@needs_sdk
def test_a_callback_times_out_on_the_clock(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("orders", ORDER_WORKFLOW)
        arn = start_event(lambda_client, "orders", {"order": "o-3"})
        lam.clock.advance(timedelta(days=3, seconds=3599))
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
        lam.clock.advance(1)
        timed_out = [event for event in history(lambda_client, arn) if event["EventType"] == "CallbackTimedOut"]
        assert timed_out[0]["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == "Callback.Timeout"
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "FAILED"


@needs_sdk
def test_callback_timeouts_are_deadlines_auto_mode_does_not_jump_to(lambda_client, durable_function):
    """run_until_idle runs the 3-day wait but stops at the callback: its timeout is a deadline,
    not work, so the test can still answer it."""
    with mock_lambda() as lam:
        durable_function("orders", ORDER_WORKFLOW)
        arn = start_event(lambda_client, "orders", {"order": "o-4"})
        lam.run_until_idle()
        assert lam.clock.elapsed == timedelta(days=3)
        lambda_client.send_durable_execution_callback_success(CallbackId=callback_id(lambda_client, arn, "approval"),
                                                              Result=b"ok")
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"


def test_an_unknown_callback_id_is_not_found(lambda_mock, lambda_client):
    with pytest.raises(ClientError) as caught:
        lambda_client.send_durable_execution_callback_success(CallbackId="bm9wZQ==", Result=b"x")
    assert error_of(caught)[:2] == (404, "ResourceNotFoundException")


# --- names, listing, stop, delete (D5-D7, D17) -------------------------------------------------------------------


@needs_sdk
def test_an_execution_name_is_an_idempotency_key(lambda_client, durable_function):
    with mock_lambda(mode="manual"):
        durable_function("orders", STEPS_AND_WAIT)
        first = start_event(lambda_client, "orders", {"x": 1}, DurableExecutionName="order-1")
        assert first.split("/durable-execution/")[1].split("/")[0] == "order-1"
        again = start_event(lambda_client, "orders", {"x": 1}, DurableExecutionName="order-1")
        assert again == first  # D6: same name, same payload: the existing execution
        with pytest.raises(ClientError) as caught:
            start_event(lambda_client, "orders", {"x": 2}, DurableExecutionName="order-1")
        status, code, message = error_of(caught)
        assert (status, code) == (409, "DurableExecutionAlreadyStartedException")  # D7
        assert first in message
        listed = lambda_client.list_durable_executions_by_function(FunctionName="orders")["DurableExecutions"]
        assert [execution["DurableExecutionArn"] for execution in listed] == [first]


@needs_sdk
def test_a_name_is_free_again_after_the_retention_period(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("orders", STEPS_AND_WAIT, DurableConfig={"ExecutionTimeout": 900, "RetentionPeriodInDays": 1})
        first = start_event(lambda_client, "orders", {"x": 1, "wait": 1}, DurableExecutionName="daily")
        lam.clock.advance(1)
        assert lambda_client.get_durable_execution(DurableExecutionArn=first)["Status"] == "SUCCEEDED"
        lam.clock.advance(timedelta(days=1))
        with pytest.raises(ClientError) as caught:
            lambda_client.get_durable_execution(DurableExecutionArn=first)
        assert error_of(caught)[:2] == (404, "ResourceNotFoundException")
        second = start_event(lambda_client, "orders", {"x": 2, "wait": 1}, DurableExecutionName="daily")
        assert second != first and "/durable-execution/daily/" in second


@needs_sdk
def test_listing_filters_and_pages(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("orders", STEPS_AND_WAIT)
        arns = [start_event(lambda_client, "orders", {"x": n, "wait": 100 * (n + 1)}) for n in range(3)]
        lam.clock.advance(150)  # the first ends; the others wait
        running = lambda_client.list_durable_executions_by_function(FunctionName="orders", Statuses=["RUNNING"])
        assert [e["DurableExecutionArn"] for e in running["DurableExecutions"]] == arns[1:]
        done = lambda_client.list_durable_executions_by_function(FunctionName="orders", Statuses=["SUCCEEDED"])
        assert [(e["DurableExecutionArn"], e["Status"]) for e in done["DurableExecutions"]] == [(arns[0], "SUCCEEDED")]
        pages = list(lambda_client.get_paginator("list_durable_executions_by_function").paginate(
            FunctionName="orders", PaginationConfig={"PageSize": 2}))
        assert [[e["DurableExecutionArn"] for e in page["DurableExecutions"]] for page in pages] == [arns[:2], arns[2:]]
        reverse = lambda_client.list_durable_executions_by_function(FunctionName="orders", ReverseOrder=True)
        assert [e["DurableExecutionArn"] for e in reverse["DurableExecutions"]] == arns[::-1]
        with pytest.raises(ClientError) as caught:
            lambda_client.list_durable_executions_by_function(FunctionName="nope")
        assert error_of(caught)[:2] == (404, "ResourceNotFoundException")


@needs_sdk
def test_stop_and_delete(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("orders", STEPS_AND_WAIT)
        arn = start_event(lambda_client, "orders", {"x": 1, "wait": 3600})
        lam.clock.advance(0)
        with pytest.raises(ClientError) as caught:  # D17: only a terminal execution can be deleted
            lambda_client.delete_durable_execution(DurableExecutionArn=arn)
        assert error_of(caught)[:2] == (409, "ResourceConflictException")
        stopped = lambda_client.stop_durable_execution(DurableExecutionArn=arn,
                                                       Error={"ErrorType": "Cancelled", "ErrorMessage": "by test"})
        assert stopped["StopTimestamp"] == lam.clock.now().replace(microsecond=stopped["StopTimestamp"].microsecond)
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert (execution["Status"], execution["Error"]) == ("STOPPED", {"ErrorType": "Cancelled",
                                                                         "ErrorMessage": "by test"})
        lam.clock.advance(3600)  # the wait's timer finds the execution stopped: no invocation
        assert event_types(lambda_client, arn)[-1] == "ExecutionStopped"
        lambda_client.delete_durable_execution(DurableExecutionArn=arn)
        with pytest.raises(ClientError) as caught:
            lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert error_of(caught)[:2] == (404, "ResourceNotFoundException")


# --- what the SDK does, operation by operation ------------------------------------------------------------------


@needs_sdk
def test_child_contexts_carry_their_children(lambda_mock, lambda_client, durable_function):
    durable_function("nested", CHILD_CONTEXT)
    response = lambda_client.invoke(FunctionName="nested", Qualifier="$LATEST", Payload=b"{}")
    assert json.loads(response["Payload"].read()) == "inner"
    events = history(lambda_client, response["DurableExecutionArn"])
    context = next(event for event in events if event["EventType"] == "ContextStarted")
    step = next(event for event in events if event["EventType"] == "StepStarted")
    assert (context["Name"], step["Name"], step["ParentId"]) == ("child", "in-child", context["Id"])
    assert [e["EventType"] for e in events].count("ContextSucceeded") == 1


@needs_sdk
def test_map_and_parallel_run_their_branches_on_the_clock(lambda_mock, lambda_client, durable_function):
    durable_function("fanout", MAP_AND_PARALLEL)
    response = lambda_client.invoke(FunctionName="fanout", Qualifier="$LATEST", Payload=b"{}")
    assert json.loads(response["Payload"].read()) == {"squares": [1, 4, 9], "both": ["fast", "slow"]}
    execution = lambda_client.get_durable_execution(DurableExecutionArn=response["DurableExecutionArn"])
    assert execution["EndTimestamp"] - execution["StartTimestamp"] == timedelta(seconds=30)
    events = history(lambda_client, response["DurableExecutionArn"])
    sub_types = {event.get("SubType") for event in events if event["EventType"] == "ContextStarted"}
    assert {"Map", "MapIteration", "Parallel", "ParallelBranch"} <= sub_types


@needs_sdk
def test_wait_for_condition_polls_and_wait_for_callback_waits(lambda_client, durable_function):
    """wait_for_condition's polls are STEP retries with state (§3.3); wait_for_callback a CONTEXT
    holding a CALLBACK and its submitter STEP."""
    with mock_lambda(mode="manual") as lam:
        durable_function("poller", POLL_AND_CALLBACK)
        arn = start_event(lambda_client, "poller", {})
        lam.clock.advance(0)
        lam.clock.advance(120)  # two more polls, a minute apart
        polls = [event for event in history(lambda_client, arn)
                 if event["EventType"] == "StepSucceeded" and event["Name"] == "poll"]
        assert [event["StepSucceededDetails"]["Result"]["Payload"] for event in polls] == ["1", "2", "3"]
        assert polls[2]["EventTimestamp"] - polls[0]["EventTimestamp"] == timedelta(seconds=120)
        events = history(lambda_client, arn)
        context = next(e for e in events if e["EventType"] == "ContextStarted" and e["Name"] == "ask")
        assert context["SubType"] == "WaitForCallback"
        started = next(e for e in events if e["EventType"] == "CallbackStarted")
        assert started["ParentId"] == context["Id"]
        lambda_client.send_durable_execution_callback_success(
            CallbackId=started["CallbackStartedDetails"]["CallbackId"], Result=b'"yes"')
        lam.clock.advance(0)
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert json.loads(execution["Result"]) == {"polled": 3, "answer": '"yes"'}  # the raw Result bytes


@needs_sdk
def test_an_alias_runs_its_version_and_the_arn_names_the_version(lambda_mock, lambda_client, durable_function):
    durable_function("orders", STEPS_AND_WAIT)
    version = lambda_client.publish_version(FunctionName="orders")["Version"]
    lambda_client.create_alias(FunctionName="orders", Name="live", FunctionVersion=version)
    response = lambda_client.invoke(FunctionName="orders", Qualifier="live", Payload=b'{"x": 1, "wait": 1}')
    assert response["ExecutedVersion"] == version
    assert f":function:orders:{version}/durable-execution/" in response["DurableExecutionArn"]
    listed = lambda_client.list_durable_executions_by_function(FunctionName="orders", Qualifier=version)
    assert [e["DurableExecutionArn"] for e in listed["DurableExecutions"]] == [response["DurableExecutionArn"]]


@needs_sdk
def test_a_replay_pages_through_more_operations_than_the_envelope_holds(lambda_mock, lambda_client, durable_function):
    """The envelope holds the first 100 operations and a NextMarker; the SDK reads the rest with
    GetDurableExecutionState (§3.2, §3.4)."""
    durable_function("many", MANY_STEPS)
    response = lambda_client.invoke(FunctionName="many", Qualifier="$LATEST", Payload=b'{"steps": 130}')
    assert json.loads(response["Payload"].read()) == sum(range(130))
    types = event_types(lambda_client, response["DurableExecutionArn"])
    assert types.count("StepStarted") == 130 and types.count("InvocationCompleted") == 2  # replayed, not re-run


@needs_sdk
def test_durable_functions_are_refused_in_realtime_mode(lambda_client, durable_function):
    with mock_lambda(mode="realtime"):
        durable_function("orders", STEPS_AND_WAIT)
        with pytest.raises(ClientError) as caught:
            lambda_client.invoke(FunctionName="orders", Qualifier="$LATEST", Payload=b'{"x": 1}')
        status, code, message = error_of(caught)
        assert (status, code) == (400, "InvalidParameterValueException") and "mode='realtime'" in message


@needs_sdk
def test_a_handler_not_wrapped_for_durability_fails_the_execution(lambda_mock, lambda_client, durable_function):
    durable_function("plain", NOT_WRAPPED)
    response = lambda_client.invoke(FunctionName="plain", Qualifier="$LATEST", Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "InvalidParameterValueException"
    assert "Status of SUCCEEDED, FAILED or PENDING" in error["errorMessage"]


@needs_sdk
def test_checkpoint_tokens_rotate_and_stale_ones_are_refused(lambda_mock, lambda_client, durable_function):
    """The envelope (§3.1) and token rotation (D16), driven by hand from a bound handler."""
    durable_function("manual", NOT_WRAPPED)
    seen: dict[str, Any] = {}

    def by_hand(event, context):
        client = boto3.client("lambda", region_name=REGION)
        arn, first = event["DurableExecutionArn"], event["CheckpointToken"]
        operations = event["InitialExecutionState"]["Operations"]
        seen["execution"] = operations[0]
        update = {"Id": "s1", "Type": "STEP", "Action": "START", "Name": "one"}
        answer = client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=first, Updates=[update],
                                                     ClientToken="c1")
        seen["second"] = answer["CheckpointToken"]
        seen["delta"] = answer["NewExecutionState"]["Operations"]
        again = client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=first, Updates=[update],
                                                    ClientToken="c1")
        seen["replayed"] = again["CheckpointToken"]  # a retried call: the same answer
        try:
            client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=first, Updates=[])
        except ClientError as error:
            seen["stale"] = (error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"]["Code"],
                             error.response["Error"]["Message"])
        state = client.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=seen["second"])
        seen["state"] = [op["Id"] for op in state["Operations"]]
        done = {"Id": "s1", "Type": "STEP", "Action": "SUCCEED", "Payload": '"1"'}
        client.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=seen["second"], Updates=[done])
        return {"Status": "SUCCEEDED", "Result": '"by hand"'}

    lambda_mock.handler("manual", by_hand)
    response = lambda_client.invoke(FunctionName="manual", Qualifier="$LATEST", Payload=b'{"in": 1}')
    assert json.loads(response["Payload"].read()) == "by hand"
    arn = response["DurableExecutionArn"]
    execution_id = arn.rsplit("/", 1)[1]
    assert seen["execution"]["Id"] == execution_id and seen["execution"]["Type"] == "EXECUTION"
    assert seen["execution"]["ExecutionDetails"] == {"InputPayload": '{"in": 1}'}
    assert isinstance(seen["execution"]["StartTimestamp"], int)  # epoch milliseconds in the envelope (§3.1)
    assert seen["second"] != "" and seen["replayed"] == seen["second"]
    assert [op["Id"] for op in seen["delta"]] == ["s1"] and seen["delta"][0]["Status"] == "STARTED"
    assert seen["stale"] == (400, "InvalidParameterValueException", "Invalid checkpoint token")
    assert seen["state"] == [execution_id, "s1"]
    assert event_types(lambda_client, arn) == ["ExecutionStarted", "StepStarted", "StepSucceeded",
                                               "InvocationCompleted", "ExecutionSucceeded"]


def test_an_unknown_execution_is_not_found(lambda_mock, lambda_client):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:nope:$LATEST/durable-execution/n/i"
    for call in (lambda_client.get_durable_execution, lambda_client.get_durable_execution_history,
                 lambda_client.stop_durable_execution):
        with pytest.raises(ClientError) as caught:
            call(DurableExecutionArn=arn)
        assert error_of(caught) == (404, "ResourceNotFoundException", f"Durable execution not found: {arn}")
