"""Faults injected into the durable SDK's own calls (issue 16 item 3): ``CheckpointDurableExecution``
and ``GetDurableExecutionState`` answer AWS's 429 ``TooManyRequestsException`` or 500
``ServiceException`` (both in the model's error list of the two operations). The SDK
(``aws_durable_execution_sdk_python.exceptions.BotoClientError``) treats 429 and 5xx as retryable:
the invocation fails and Lambda invokes the execution again (5 s later, Q3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mocklambda.errors import MockLambdaError
from tests.test_durable_functions import durable_function, history, needs_sdk, start_event

__all__ = ["durable_function"]  # the fixture

STEPS = """
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    total = 0
    for i in range(event["steps"]):
        total += context.step(lambda _, i=i: i, name=f"s{i}")
    context.wait(Duration.from_seconds(60), name="pause")
    return total
"""
NO_CLIENT_RETRIES = {"Variables": {"AWS_MAX_ATTEMPTS": "1"}}  # botocore's own retries off: the SDK sees the fault


def invocations(lambda_client: Any, arn: str) -> list[dict[str, Any]]:
    return [event for event in history(lambda_client, arn) if event["EventType"] == "InvocationCompleted"]


def invocation_error(event: dict[str, Any]) -> dict[str, Any] | None:
    error = event["InvocationCompletedDetails"].get("Error")
    return error["Payload"] if error else None


@needs_sdk
@pytest.mark.lambda_mock(mode="manual")
@pytest.mark.parametrize(("inject", "code"), [("inject_system_errors", "ServiceException"),
                                              ("inject_throttles", "TooManyRequestsException")])
def test_a_fault_on_a_checkpoint_fails_the_invocation_and_the_execution_is_invoked_again(
        lambda_mock, lambda_client, durable_function, inject, code):
    durable_function("steps", STEPS, Environment=NO_CLIENT_RETRIES)
    getattr(lambda_mock, inject)("steps", times=1, call="CheckpointDurableExecution")
    arn = start_event(lambda_client, "steps", {"steps": 2})
    lambda_mock.clock.advance(0)
    (failed,) = invocations(lambda_client, arn)
    error = invocation_error(failed)
    assert error is not None and error["ErrorType"] == "CheckpointError"
    assert f"({code}) when calling the CheckpointDurableExecution operation" in error["ErrorMessage"]
    assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"
    lambda_mock.run_until_idle()
    execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
    assert (execution["Status"], execution["Result"]) == ("SUCCEEDED", "1")
    retried = invocations(lambda_client, arn)[1]
    assert invocation_error(retried) is None
    assert retried["EventTimestamp"] - failed["EventTimestamp"] == timedelta(seconds=5)  # Q3


@needs_sdk
@pytest.mark.lambda_mock(mode="manual")
def test_a_throttled_state_page_fails_the_replay_and_it_is_tried_again(lambda_mock, lambda_client, durable_function):
    """The SDK reads past the envelope's first 100 operations with GetDurableExecutionState."""
    durable_function("steps", STEPS, Environment=NO_CLIENT_RETRIES)
    lambda_mock.inject_throttles("steps", times=1, call="GetDurableExecutionState")
    arn = start_event(lambda_client, "steps", {"steps": 120})
    lambda_mock.clock.advance(0)
    assert [invocation_error(event) for event in invocations(lambda_client, arn)] == [None]  # no page read yet
    lambda_mock.clock.advance(60)  # the wait ends: the replay needs the second page
    error = invocation_error(invocations(lambda_client, arn)[-1])
    assert error is not None and error["ErrorType"] == "GetExecutionStateError"
    assert "(TooManyRequestsException) when calling the GetDurableExecutionState operation" in error["ErrorMessage"]
    lambda_mock.clock.advance(5)
    execution = lambda_client.get_durable_execution(DurableExecutionArn=arn)
    assert (execution["Status"], execution["Result"]) == ("SUCCEEDED", str(sum(range(120))))


@needs_sdk
@pytest.mark.lambda_mock(mode="manual")
def test_with_the_clients_own_retries_one_fault_goes_unnoticed(lambda_mock, lambda_client, durable_function):
    """botocore retries a 500 itself (legacy mode, 5 attempts), inside the SDK's call: as on AWS."""
    durable_function("steps", STEPS)
    lambda_mock.inject_system_errors("steps", times=1, call="CheckpointDurableExecution")
    arn = start_event(lambda_client, "steps", {"steps": 1})
    lambda_mock.run_until_idle()
    assert [invocation_error(event) for event in invocations(lambda_client, arn)] == [None, None]
    assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"


def test_a_call_that_cannot_be_faulted_is_refused(lambda_mock):
    with pytest.raises(MockLambdaError, match="CheckpointDurableExecution"):
        lambda_mock.inject_throttles("steps", call="StopDurableExecution")
