"""Durable functions (issue 16) against bad input and misuse, through boto3: what a review found
accepted and ignored, or answered with a 500. Every setting is applied or refused (the project rule)."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mocklambda import mock_lambda
from tests.helpers import REGION, error_of, make_queue
from tests.test_durable_chained_and_pause import CALLER, WAIT_AN_HOUR
from tests.test_durable_functions import ORDER_WORKFLOW, durable_function, needs_sdk, start_event

__all__ = ["durable_function"]  # the fixture


@needs_sdk
def test_a_child_whose_function_is_deleted_ends_and_its_caller_hears_of_it(lambda_client, durable_function):
    """The child's next invocation finds no function: it fails, as any end: its caller's chained invoke
    fails at once (not at the caller's own timeout), and it is counted and kept for its retention."""
    with mock_lambda(mode="manual") as lam:
        durable_function("caller", CALLER)
        durable_function("child", WAIT_AN_HOUR, DurableConfig={"ExecutionTimeout": 7200, "RetentionPeriodInDays": 1})
        start_event(lambda_client, "caller", {"target": "child", "payload": {}})
        lam.clock.advance(1)  # both have run once: the child waits for its hour
        assert {view.status for view in lam.durable_executions()} == {"RUNNING"}
        lambda_client.delete_function(FunctionName="child")
        lam.clock.advance(timedelta(hours=1))
        statuses = {view.function_arn.split(":")[6]: view.status for view in lam.durable_executions()}
        assert statuses == {"caller": "FAILED", "child": "FAILED"}
        lam.clock.advance(timedelta(days=2))
        assert [view.function_arn.split(":")[6] for view in lam.durable_executions()] == ["caller"]  # retention over


@needs_sdk
@pytest.mark.parametrize(("setting", "named"), [
    ({"LogType": "Tail"}, "LogType=Tail"),
    ({"ClientContext": "eyJjdXN0b20iOiB7fX0="}, "ClientContext"),
])
def test_invoke_settings_a_durable_invoke_does_not_carry_are_refused(lambda_mock, lambda_client, durable_function,
                                                                     setting, named):
    durable_function("flow", ORDER_WORKFLOW)
    with pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName="flow", Qualifier="$LATEST", Payload=b'{"order": "1"}', **setting)
    status, code, message = error_of(raised)
    assert (status, code) == (400, "InvalidParameterValueException") and named in message
    assert lambda_mock.durable_executions() == []  # nothing started


@needs_sdk
def test_a_durable_invoke_answers_with_a_request_id(lambda_mock, lambda_client, durable_function):
    durable_function("flow", ORDER_WORKFLOW)
    response = lambda_client.invoke(FunctionName="flow", Qualifier="$LATEST", InvocationType="Event",
                                    Payload=b'{"order": "1"}')
    assert len(response["ResponseMetadata"]["RequestId"]) == 36


@needs_sdk
def test_async_settings_are_refused_on_a_durable_function(lambda_mock, lambda_client, durable_function, sqs):
    """Its Event invokes are not retried nor sent to destinations or a DLQ here (README choices): so
    an EventInvokeConfig or DeadLetterConfig with DurableConfig is refused, either way round."""
    _, queue = make_queue(sqs, "dlq")
    durable_function("flow", ORDER_WORKFLOW)
    with pytest.raises(ClientError) as raised:
        lambda_client.put_function_event_invoke_config(FunctionName="flow", Qualifier="$LATEST",
                                                       MaximumRetryAttempts=0)
    assert error_of(raised)[1] == "InvalidParameterValueException" and "EventInvokeConfig" in error_of(raised)[2]
    with pytest.raises(ClientError) as raised:
        lambda_client.update_function_configuration(FunctionName="flow", DeadLetterConfig={"TargetArn": queue})
    assert "DeadLetterConfig" in error_of(raised)[2]
    with pytest.raises(ClientError) as raised:
        durable_function("with-dlq", ORDER_WORKFLOW, DeadLetterConfig={"TargetArn": queue})
    assert "DeadLetterConfig" in error_of(raised)[2]
    lambda_client.create_function(FunctionName="plain", Runtime="python3.13", Handler="handler.handler",
                                  Role=lambda_client.get_function(FunctionName="flow")["Configuration"]["Role"],
                                  Code={"ZipFile": lambda_client.get_function(FunctionName="flow")["Code"] and
                                        __import__("conftest").make_zip({"handler.py": "def handler(e, c):\n    return 1\n"})})
    lambda_client.put_function_event_invoke_config(FunctionName="plain", MaximumRetryAttempts=0)
    with pytest.raises(ClientError) as raised:
        lambda_client.update_function_configuration(FunctionName="plain", DurableConfig={"ExecutionTimeout": 60})
    assert "EventInvokeConfig" in error_of(raised)[2]


@needs_sdk
def test_bad_members_get_aws_errors_never_a_500(lambda_mock, lambda_client, durable_function):
    durable_function("flow", ORDER_WORKFLOW)
    arn = start_event(lambda_client, "flow", {"order": "1"})
    lambda_mock.run_until_idle()
    loose = boto3.client("lambda", region_name=REGION, config=Config(parameter_validation=False))
    calls = [
        lambda: loose.get_durable_execution_history(DurableExecutionArn=arn, MaxItems="abc"),
        lambda: loose.pause_durable_execution(DurableExecutionArn=arn, Reason={"a": 1}),
        lambda: loose.pause_durable_execution(DurableExecutionArn=arn, ExecutionTimeoutPaused="no"),
        lambda: loose.resume_durable_execution(DurableExecutionArn=arn, Reason=5),
        lambda: loose.stop_durable_execution(DurableExecutionArn=arn, Error={"ErrorMessage": {"x": 1}}),
    ]
    for call in calls:
        with pytest.raises(ClientError) as raised:
            call()
        assert error_of(raised)[0] == 400, error_of(raised)
    for operation, body, code in (("PauseDurableExecution", {"ClientToken": ["x"]}, "ValidationException"),
                                  ("StopDurableExecution", {"StackTrace": "not a list"}, "InvalidRequestContentException")):
        raw = boto3.client("lambda", region_name=REGION)  # the body as sent, whatever botocore would make of it
        raw.meta.events.register(f"before-call.lambda.{operation}",
                                 lambda params, body=body, **_: params.update(body=json.dumps(body).encode()))
        with pytest.raises(ClientError) as raised:
            getattr(raw, "pause_durable_execution" if operation.startswith("Pause") else "stop_durable_execution")(
                DurableExecutionArn=arn)
        assert error_of(raised)[:2] == (400, code)
    assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"  # nothing stored


@needs_sdk
def test_a_callback_result_over_a_mib_is_refused(lambda_mock, lambda_client, durable_function):
    durable_function("flow", ORDER_WORKFLOW)
    arn = start_event(lambda_client, "flow", {"order": "1"})
    lambda_mock.clock.advance(timedelta(days=3))
    callback_id = next(event["CallbackStartedDetails"]["CallbackId"] for event in lambda_client.get_durable_execution_history(
        DurableExecutionArn=arn)["Events"] if event["EventType"] == "CallbackStarted")
    with pytest.raises(ClientError) as raised:
        lambda_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"x" * (1024 * 1024 + 1))
    assert error_of(raised)[:2] == (400, "ValidationException")
    lambda_client.send_durable_execution_callback_success(CallbackId=callback_id, Result=b'"approved"')
    lambda_mock.run_until_idle()
    assert lambda_client.get_durable_execution(DurableExecutionArn=arn)["Status"] == "SUCCEEDED"
