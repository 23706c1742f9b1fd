"""Durable functions (issue 16): chained invokes (``context.invoke``) and Pause/ResumeDurableExecution,
through the real boto3 API with unmodified SDK handlers. ``5-n`` cites AWS's conformance requirement
(``aws-durable-execution-conformance-tests`` 1.0.0, ``test_requirements/invoke/5-n.yaml``); ``D#`` / ``§``
the research spec of issue 16 (summarised in the README's "Durable functions" section)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mocklambda import mock_lambda
from tests.helpers import error_of, metric_total
from tests.test_durable_functions import durable_function, event_types, history, needs_sdk, start_event

__all__ = ["durable_function"]  # the fixture, shared with the first slice's tests

CALLER = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import InvokeConfig

@durable_execution
def handler(event, context: DurableContext):
    config = InvokeConfig(tenant_id=event["tenant"]) if event.get("tenant") else None
    if "size" in event:
        event["payload"] = "x" * event["size"]
    if event.get("catch"):
        try:
            return context.invoke(event["target"], event.get("payload"), name="call", config=config)
        except Exception as error:
            return {"caught": type(error).__name__, "message": str(error)}
    return context.invoke(event["target"], event.get("payload"), name="call", config=config)
"""

ECHO_AFTER_A_DAY = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_days(1), name="a-day")
    if isinstance(event, dict) and event.get("fail"):
        raise RuntimeError("target function error")
    return event
"""

PLAIN = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("plain target failed")
    return {"plain": event}
"""

WAIT_AN_HOUR = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_hours(1), name="hour")
    return context.step(lambda _: "done", name="finish")
"""

PAUSES_ITSELF = """
import boto3
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics

ONCE = StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY)  # START is checkpointed before the step runs

def pause_me(arn, resume):
    client = boto3.client("lambda", region_name="us-east-1")
    client.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
    status = client.get_durable_execution(DurableExecutionArn=arn)["Status"]
    if resume:
        client.resume_durable_execution(DurableExecutionArn=arn)
    return status

@durable_execution
def handler(event, context: DurableContext):
    arn = context.state.durable_execution_arn
    seen = context.step(lambda _: pause_me(arn, event.get("resume", False)), name="pause", config=ONCE)
    after = context.step(lambda _: "after", name="after")
    return {"seen": seen, "after": after}
"""


def run_caller(lambda_client: Any, lam: Any, payload: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    arn = start_event(lambda_client, "caller", payload)
    lam.run_until_idle()
    return lambda_client.get_durable_execution(DurableExecutionArn=arn), history(lambda_client, arn)


def details(event: dict[str, Any]) -> dict[str, Any]:
    return event[f"{event['EventType']}Details"]


@pytest.fixture
def chain(durable_function, create_function):
    """chain(): the caller (durable), a durable echo target that waits a day, and a plain target."""

    def create() -> None:
        durable_function("caller", CALLER)
        durable_function("echo", ECHO_AFTER_A_DAY)
        create_function("plain", PLAIN, Runtime="python3.13")

    return create


# --- chained invokes ------------------------------------------------------------------------------------------


@needs_sdk
def test_a_durable_target_runs_as_a_child_execution_on_the_clock(lambda_client, chain):
    """5-1: ChainedInvokeStarted (FunctionName, Input, ExecutedVersion, DurableExecutionArn) · InvocationCompleted ·
    ChainedInvokeSucceeded (Result) · InvocationCompleted, EventIds in that sequence."""
    with mock_lambda() as lam:
        chain()
        durable_function_arn = lambda_client.get_function(FunctionName="echo")["Configuration"]["FunctionArn"]
        execution, events = run_caller(lambda_client, lam, {"target": "echo", "payload": {"a": 1}})
        assert (execution["Status"], json.loads(execution["Result"])) == ("SUCCEEDED", {"a": 1})
        assert [(e["EventId"], e["EventType"]) for e in events] == [
            (1, "ExecutionStarted"), (2, "ChainedInvokeStarted"), (3, "InvocationCompleted"),
            (4, "ChainedInvokeSucceeded"), (5, "InvocationCompleted"), (6, "ExecutionSucceeded")]
        started = details(events[1])
        assert events[1]["Name"] == "call" and events[1]["SubType"] == "ChainedInvoke"
        assert (started["FunctionName"], started["Input"]["Payload"], started["ExecutedVersion"]) == (
            "echo", '{"a": 1}', "$LATEST")
        child_arn = started["DurableExecutionArn"]
        assert child_arn.startswith(f"{durable_function_arn}:$LATEST/durable-execution/")
        assert details(events[3])["Result"]["Payload"] == '{"a": 1}'
        assert events[3]["EventTimestamp"] - events[1]["EventTimestamp"] == timedelta(days=1)  # the child's wait
        child = lambda_client.get_durable_execution(DurableExecutionArn=child_arn)
        assert (child["Status"], child["InputPayload"], child["Result"]) == ("SUCCEEDED", '{"a": 1}', '{"a": 1}')
        assert event_types(lambda_client, child_arn)[1:3] == ["WaitStarted", "InvocationCompleted"]
        listed = lambda_client.list_durable_executions_by_function(FunctionName="echo")["DurableExecutions"]
        assert [item["DurableExecutionArn"] for item in listed] == [child_arn]
        state = lambda_client.get_durable_execution_history(DurableExecutionArn=execution["DurableExecutionArn"],
                                                            IncludeExecutionData=False)["Events"][1]
        assert state["ChainedInvokeStartedDetails"]["Input"] == {"Truncated": True}


@needs_sdk
def test_a_plain_target_is_one_invocation(lambda_client, chain):
    with mock_lambda() as lam:
        chain()
        execution, events = run_caller(lambda_client, lam, {"target": "plain", "payload": {"a": 1}})
        assert json.loads(execution["Result"]) == {"plain": {"a": 1}}
        started = details(events[1])
        assert started["ExecutedVersion"] == "$LATEST" and "DurableExecutionArn" not in started  # no child execution
        assert [e["EventType"] for e in events[2:]] == ["InvocationCompleted", "ChainedInvokeSucceeded",
                                                        "InvocationCompleted", "ExecutionSucceeded"]
        assert lambda_client.list_durable_executions_by_function(FunctionName="caller")["DurableExecutions"]


@needs_sdk
@pytest.mark.parametrize(("target", "error_type"), [("echo", "RuntimeError"), ("plain", "ValueError")])
def test_a_failing_target_fails_the_operation_and_the_sdk_raises(lambda_client, chain, target, error_type):
    """5-5 (uncaught: the caller fails) and 5-6 (caught: it succeeds); the target's error is the operation's."""
    with mock_lambda() as lam:
        chain()
        execution, events = run_caller(lambda_client, lam, {"target": target, "payload": {"fail": True}})
        assert execution["Status"] == "FAILED"
        assert execution["Error"]["ErrorType"].endswith("InvokeError")
        failed = next(e for e in events if e["EventType"] == "ChainedInvokeFailed")
        assert details(failed)["Error"]["Payload"]["ErrorType"] == error_type
        caught, _ = run_caller(lambda_client, lam, {"target": target, "payload": {"fail": True}, "catch": True})
        assert caught["Status"] == "SUCCEEDED"
        assert json.loads(caught["Result"])["caught"] == "InvokeError"


@needs_sdk
def test_a_target_that_does_not_exist_fails_in_the_same_invocation(lambda_client, chain):
    with mock_lambda() as lam:
        chain()
        execution, events = run_caller(lambda_client, lam, {"target": "nope", "payload": {}})
        assert execution["Status"] == "FAILED" and "Function not found" in execution["Error"]["ErrorMessage"]
        assert [e["EventType"] for e in events[1:4]] == ["ChainedInvokeStarted", "ChainedInvokeFailed",
                                                         "InvocationCompleted"]
        assert details(events[2])["Error"]["Payload"]["ErrorType"] == "ResourceNotFoundException"


@needs_sdk
def test_a_child_that_times_out_or_is_stopped_ends_the_operation_so(lambda_client, durable_function, chain):
    with mock_lambda() as lam:
        chain()
        durable_function("slow", ECHO_AFTER_A_DAY, DurableConfig={"ExecutionTimeout": 3600})
        execution, events = run_caller(lambda_client, lam, {"target": "slow", "payload": {}, "catch": True})
        timed_out = next(e for e in events if e["EventType"] == "ChainedInvokeTimedOut")
        assert details(timed_out)["Error"]["Payload"] == {
            "ErrorType": "ChainedInvoke.Timeout", "ErrorMessage": "CHAINED_INVOKE timed out after 3600 seconds."}
        assert execution["Status"] == "SUCCEEDED"
    with mock_lambda(mode="manual") as lam:
        chain()
        arn = start_event(lambda_client, "caller", {"target": "echo", "payload": {}, "catch": True})
        lam.clock.advance(0)
        child_arn = details(history(lambda_client, arn)[1])["DurableExecutionArn"]
        lambda_client.stop_durable_execution(DurableExecutionArn=child_arn, Error={"ErrorMessage": "enough"})
        lam.clock.advance(0)
        stopped = next(e for e in history(lambda_client, arn) if e["EventType"] == "ChainedInvokeStopped")
        assert details(stopped)["Error"]["Payload"] == {"ErrorMessage": "enough"}
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"


@needs_sdk
@pytest.mark.parametrize(("payload", "message"), [
    ({"target": "arn:aws:lambda:eu-west-1:123456789012:function:echo"}, "function in another region"),
    ({"target": "arn:aws:lambda:us-east-1:000000000000:function:echo"}, "function in another account"),
    ({"target": "not a name!"}, "Invalid function ARN"),
    ({"target": "echo", "tenant": "t-1"}, "mocklambda does not support TenantId"),
    ({"target": "echo", "size": 1_048_577}, "input payload size must be less than or equal to 1048576"),
])
def test_a_chained_invoke_the_service_refuses_fails_the_caller(lambda_client, chain, payload, message):
    """The same account and region only, a well-formed target, at most 1 MiB of input; TenantId is not
    modelled (refused loudly). The checkpoint's 400 is non-retryable: the SDK fails the execution."""
    with mock_lambda() as lam:
        chain()
        execution, events = run_caller(lambda_client, lam, payload)
        assert execution["Status"] == "FAILED"
        assert message in execution["Error"]["ErrorMessage"]
        assert "ChainedInvokeStarted" not in [e["EventType"] for e in events]


@needs_sdk
def test_a_synchronous_invoke_waits_for_its_chained_target(lambda_mock, lambda_client, chain):
    chain()
    response = lambda_client.invoke(FunctionName="caller", Qualifier="$LATEST",
                                    Payload=json.dumps({"target": "plain", "payload": {"b": 2}}))
    assert json.loads(response["Payload"].read()) == {"plain": {"b": 2}}


# --- pause and resume (D17) -----------------------------------------------------------------------------------


@needs_sdk
def test_a_paused_execution_is_not_invoked_but_its_wait_completes(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("hourly", WAIT_AN_HOUR)
        arn = start_event(lambda_client, "hourly", {})
        lam.clock.advance(0)
        response = lambda_client.pause_durable_execution(DurableExecutionArn=arn, Reason="maintenance")
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
        paused = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert paused["Status"] == "PAUSED"
        assert paused["PauseDetails"] == {"PauseRequestTimestamp": paused["StartTimestamp"], "Reason": "maintenance",
                                          "ExecutionTimeoutPaused": True}
        assert paused["ExpectedExecutionTimeoutTimestamp"] - paused["StartTimestamp"] == timedelta(days=366)
        assert [e["Status"] for e in lambda_client.list_durable_executions_by_function(
            FunctionName="hourly", Statuses=["PAUSED"])["DurableExecutions"]] == ["PAUSED"]
        lam.clock.advance(timedelta(days=2))
        events = history(lambda_client, arn)
        assert [e["EventType"] for e in events[-2:]] == ["ExecutionPaused", "WaitSucceeded"]  # no invocation
        assert details(events[-2]) == {"PauseRequestTimestamp": paused["StartTimestamp"],
                                       "Reason": {"Payload": "maintenance", "Truncated": False},
                                       "ExecutionTimeoutPaused": True}
        lambda_client.resume_durable_execution(DurableExecutionArn=arn, Reason="done")
        lam.clock.advance(0)
        resumed = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert resumed["Status"] == "SUCCEEDED" and "PauseDetails" not in resumed
        kinds = event_types(lambda_client, arn)
        assert kinds[kinds.index("WaitSucceeded") + 1:] == ["ExecutionResumed", "StepStarted", "StepSucceeded",
                                                          "InvocationCompleted", "ExecutionSucceeded"]


@needs_sdk
def test_resuming_extends_the_execution_timeout_by_the_time_paused(lambda_client, durable_function):
    with mock_lambda(mode="manual") as lam:
        durable_function("hourly", WAIT_AN_HOUR, DurableConfig={"ExecutionTimeout": 7200})
        arn = start_event(lambda_client, "hourly", {})
        lam.clock.advance(0)
        lambda_client.pause_durable_execution(DurableExecutionArn=arn)
        lam.clock.advance(timedelta(days=3))
        lambda_client.resume_durable_execution(DurableExecutionArn=arn)
        running = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert running["ExpectedExecutionTimeoutTimestamp"] - running["StartTimestamp"] == timedelta(days=3,
                                                                                                      seconds=7200)
        lam.clock.advance(0)
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"


@needs_sdk
@pytest.mark.parametrize(("timeout_paused", "timed_out_after"), [
    (False, timedelta(seconds=7200)),  # the timeout runs on while paused
    (True, timedelta(days=366)),  # a paused timeout still ends 366 days after the start
])
def test_a_paused_execution_times_out(lambda_client, durable_function, timeout_paused, timed_out_after):
    with mock_lambda(mode="manual") as lam:
        durable_function("hourly", WAIT_AN_HOUR, DurableConfig={"ExecutionTimeout": 7200})
        arn = start_event(lambda_client, "hourly", {})
        lam.clock.advance(0)
        lambda_client.pause_durable_execution(DurableExecutionArn=arn, ExecutionTimeoutPaused=timeout_paused)
        lam.clock.advance(timed_out_after - timedelta(seconds=1))
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "PAUSED"
        lam.clock.advance(1)
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert execution["Status"] == "TIMED_OUT"
        assert execution["EndTimestamp"] - execution["StartTimestamp"] == timed_out_after
        assert metric_total(lam, "DurableExecutionTimedOut", "hourly") == 1


@needs_sdk
def test_a_pause_during_an_invocation_takes_effect_at_its_next_checkpoint(lambda_client, durable_function):
    """PAUSING until the running invocation's next checkpoint, whose answer has no token: the SDK
    ends the invocation PENDING; resuming invokes again, which replays and finishes."""
    with mock_lambda() as lam:
        durable_function("self-pausing", PAUSES_ITSELF)
        arn = start_event(lambda_client, "self-pausing", {})
        lam.run_until_idle()
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "PAUSED"
        kinds = event_types(lambda_client, arn)
        assert kinds[-3:] == ["StepSucceeded", "ExecutionPaused", "InvocationCompleted"]
        assert "after" not in [e.get("Name") for e in history(lambda_client, arn)]
        lambda_client.resume_durable_execution(DurableExecutionArn=arn)
        lam.run_until_idle()
        execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
        assert json.loads(execution["Result"]) == {"seen": "PAUSING", "after": "after"}


@needs_sdk
def test_resuming_a_pausing_execution_cancels_the_pause(lambda_client, durable_function):
    with mock_lambda() as lam:
        durable_function("self-pausing", PAUSES_ITSELF)
        arn = start_event(lambda_client, "self-pausing", {"resume": True})
        lam.run_until_idle()
        assert json.loads(lambda_client.get_durable_execution(DurableExecutionArn=arn)["Result"])["seen"] == "PAUSING"
        kinds = event_types(lambda_client, arn)
        assert "ExecutionPaused" not in kinds and "ExecutionResumed" not in kinds


@needs_sdk
def test_pause_and_resume_conflicts(lambda_client, durable_function):
    """ResourceConflictException (409) for a pause of an execution that is not running and a
    resume of one that is not paused; the same ClientToken again is the same accepted request."""
    with mock_lambda(mode="manual") as lam:
        durable_function("hourly", WAIT_AN_HOUR)
        arn = start_event(lambda_client, "hourly", {})
        lam.clock.advance(0)
        with pytest.raises(ClientError) as caught:
            lambda_client.resume_durable_execution(DurableExecutionArn=arn)
        assert error_of(caught)[:2] == (409, "ResourceConflictException")
        for _ in range(2):
            lambda_client.pause_durable_execution(DurableExecutionArn=arn, ClientToken="once")
        with pytest.raises(ClientError) as caught:
            lambda_client.pause_durable_execution(DurableExecutionArn=arn)
        assert error_of(caught)[:2] == (409, "ResourceConflictException")
        lambda_client.stop_durable_execution(DurableExecutionArn=arn)  # "a running or paused durable execution"
        assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "STOPPED"
        for call in (lambda_client.pause_durable_execution, lambda_client.resume_durable_execution):
            with pytest.raises(ClientError) as caught:
                call(DurableExecutionArn=arn)
            assert error_of(caught)[:2] == (409, "ResourceConflictException")
        with pytest.raises(ClientError) as caught:
            lambda_client.pause_durable_execution(DurableExecutionArn=arn + "0")
        assert error_of(caught)[:2] == (404, "ResourceNotFoundException")


# --- interplay: the view, the timeline, metrics (D11), faults, event source mappings (D3) ------------------------


@needs_sdk
def test_durable_executions_are_listed_and_shown_in_the_timeline(lambda_client, chain):
    with mock_lambda() as lam:
        chain()
        execution, _ = run_caller(lambda_client, lam, {"target": "echo", "payload": {"a": 1}})
        caller_arn = execution["DurableExecutionArn"]
        caller, child = lam.durable_executions()
        assert (caller.arn, caller.status, caller.function_name, caller.caller) == (caller_arn, "SUCCEEDED",
                                                                                   "caller", None)
        assert [(op.type, op.name, op.status) for op in caller.operations] == [
            ("EXECUTION", None, "SUCCEEDED"), ("CHAINED_INVOKE", "call", "SUCCEEDED")]
        assert caller.invocations == 2 and json.loads(caller.result or "") == {"a": 1}
        assert lam.durable_executions("echo") == [child]
        assert (child.caller, child.function_arn.endswith("function:echo:$LATEST"), child.end - child.start) == (
            caller_arn, True, timedelta(days=1))
        assert [op.type for op in child.operations] == ["EXECUTION", "WAIT"]
        timeline = lam.timeline()
        assert "mocklambda: 2 durable execution(s)" in timeline
        assert f"  {caller_arn}  -> SUCCEEDED" in timeline
        assert "+   0.000s  ChainedInvokeStarted call -> echo" in timeline
        assert "+86400.000s  WaitSucceeded a-day" in timeline


@needs_sdk
def test_durable_metrics_count_executions_by_how_they_end(lambda_client, chain):
    """D11: DurableExecutionStarted / Succeeded / Failed / Stopped / TimedOut, DurableExecutionDuration (ms) and
    DurableExecutionOperations, in AWS/Lambda beside Invocations (one per invocation, D12)."""
    with mock_lambda() as lam:
        chain()
        run_caller(lambda_client, lam, {"target": "plain", "payload": {}})
        run_caller(lambda_client, lam, {"target": "nope", "payload": {}})
        assert [metric_total(lam, name, "caller") for name in (
            "DurableExecutionStarted", "DurableExecutionSucceeded", "DurableExecutionFailed",
            "DurableExecutionOperations", "Invocations")] == [2, 1, 1, 2, 3]
        run_caller(lambda_client, lam, {"target": "echo", "payload": {}})
        assert metric_total(lam, "DurableExecutionDuration", "echo", "Maximum") == 86_400_000
    with mock_lambda(mode="manual") as lam:
        chain()
        arn = start_event(lambda_client, "echo", {})
        lam.clock.advance(0)
        lambda_client.stop_durable_execution(DurableExecutionArn=arn)
        assert metric_total(lam, "DurableExecutionStopped", "echo") == 1


@needs_sdk
@pytest.mark.parametrize("inject", ["inject_throttles", "inject_system_errors"])
def test_an_injected_fault_holds_a_durable_invocation_back_and_it_is_tried_again(lambda_client, durable_function,
                                                                                inject):
    """The invocation does not run (no InvocationCompleted); the execution tries it again 5 s later,
    without counting it among the five failed invocations that fail an execution (Q3)."""
    with mock_lambda(mode="manual") as lam:
        durable_function("hourly", WAIT_AN_HOUR)
        getattr(lam, inject)("hourly", times=6)
        arn = start_event(lambda_client, "hourly", {})
        lam.clock.advance(29)
        assert event_types(lambda_client, arn) == ["ExecutionStarted"]
        lam.clock.advance(1)
        assert event_types(lambda_client, arn)[1:] == ["WaitStarted", "InvocationCompleted"]
        assert history(lambda_client, arn)[1]["EventTimestamp"] - history(lambda_client, arn)[0][
            "EventTimestamp"] == timedelta(seconds=30)
        assert metric_total(lam, "Throttles", "hourly") == (6 if inject == "inject_throttles" else 0)
