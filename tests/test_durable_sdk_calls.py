"""The durable SDK inside a mock (issue 17): its ``CheckpointDurableExecution`` and
``GetDurableExecutionState`` calls are answered in-process, and what the SDK gets is what boto3
gets through moto's routing (the same parsed answers, the same errors, botocore's own handlers);
its wall-clock waits cost nothing where nothing can come meanwhile. Fault injection on these calls
is ``test_durable_faults``' (it runs on this path)."""

from __future__ import annotations

import copy
import importlib
import json
import re
import sys
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError

from mocklambda._moto.responses import AsyncLambdaResponse
from mocklambda._moto.sdk_client import SdkClient
from tests.helpers import REGION
from tests.test_durable_functions import NOT_WRAPPED, STEPS_AND_WAIT, durable_function, needs_sdk

__all__ = ["durable_function"]  # the fixture

REQUEST_ID = re.compile(r"[A-Za-z0-9]{52}")  # moto's
HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT")


def normalized(response: dict[str, Any]) -> dict[str, Any]:
    """A response without what differs from call to call (its request id, its date), checked."""
    response = copy.deepcopy(response)
    meta = response["ResponseMetadata"]
    headers = meta["HTTPHeaders"]
    assert REQUEST_ID.fullmatch(meta["RequestId"]) and headers["x-amzn-requestid"] == meta["RequestId"]
    assert HTTP_DATE.fullmatch(headers["date"])
    meta["RequestId"] = headers["x-amzn-requestid"] = headers["date"] = "-"
    return response


def outcome(call: Any, **params: Any) -> Any:
    """The call's answer, or what it raised."""
    try:
        return normalized(call(**params))
    except ClientError as error:
        return type(error), error.operation_name, normalized(error.response)
    except ParamValidationError as error:
        return type(error), str(error)


@needs_sdk
@pytest.mark.parametrize("retry_mode", ["standard", "legacy"])
def test_the_sdks_calls_in_process_answer_what_boto3_answers(lambda_mock, lambda_client, durable_function,
                                                             monkeypatch, retry_mode):
    """From a bound handler, each call twice: through the client the SDK's handlers get (answered
    in-process), then through the boto3 client under it (moto's routing). A checkpoint repeated
    with its ClientToken is answered again the same (D16), so both see one state. Each of
    botocore's retry modes marks responses its own way (standard: ``MaxAttemptsReached``)."""
    durable_function("manual", NOT_WRAPPED,
                     Environment={"Variables": {"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": retry_mode}})
    routed: list[str] = []
    for method in ("checkpoint_durable_execution", "get_durable_execution_state"):
        original = getattr(AsyncLambdaResponse, method)
        monkeypatch.setattr(AsyncLambdaResponse, method,
                            lambda self, method=method, original=original: routed.append(method) or original(self))
    pairs: dict[str, list[Any]] = {}
    built: list[dict[str, Any]] = []

    def by_hand(event, context):
        from aws_durable_execution_sdk_python.lambda_service import LambdaClient

        sdk = LambdaClient.initialize_client().client  # what the SDK's handlers call
        boto = LambdaClient._cached_boto_client  # the boto3 client under it
        assert boto.meta.config.retries["mode"] == retry_mode
        boto.meta.events.register_last("before-parameter-build",  # after botocore's own handlers
                                       lambda params, model, **_: built.append({"Operation": model.name, **params}))
        arn, first = event["DurableExecutionArn"], event["CheckpointToken"]
        clients = (sdk, boto)
        start = {"Id": "s1", "Type": "STEP", "Action": "START", "Name": "one", "SubType": "Step"}
        pairs["checkpoint"] = [outcome(client.checkpoint_durable_execution, DurableExecutionArn=arn,
                                       CheckpointToken=first, Updates=[start], ClientToken="c1") for client in clients]
        second = sdk.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=first, Updates=[start],
                                                  ClientToken="c1")["CheckpointToken"]
        pairs["state"] = [outcome(client.get_durable_execution_state, DurableExecutionArn=arn,
                                  CheckpointToken=second, MaxItems=1) for client in clients]
        pairs["next page"] = [outcome(client.get_durable_execution_state, DurableExecutionArn=arn,
                                      CheckpointToken=second, Marker=pairs["state"][0]["NextMarker"])
                              for client in clients]
        pairs["stale token"] = [outcome(client.checkpoint_durable_execution, DurableExecutionArn=arn,
                                        CheckpointToken=first, Updates=[]) for client in clients]
        lambda_mock.inject_system_errors("manual", times=2, call="CheckpointDurableExecution")
        pairs["injected fault"] = [outcome(client.checkpoint_durable_execution, DurableExecutionArn=arn,
                                           CheckpointToken=second, Updates=[]) for client in clients]
        pairs["invalid"] = [outcome(client.checkpoint_durable_execution, DurableExecutionArn=arn,
                                    CheckpointToken=second, Updates=[{"Id": 1}]) for client in clients]
        done = {"Id": "s1", "Type": "STEP", "Action": "SUCCEED", "Payload": '"1"'}
        sdk.checkpoint_durable_execution(DurableExecutionArn=arn, CheckpointToken=second, Updates=[done])
        return {"Status": "SUCCEEDED", "Result": '"by hand"'}

    lambda_mock.handler("manual", by_hand)
    response = lambda_client.invoke(FunctionName="manual", Qualifier="$LATEST", Payload=b"{}")
    assert json.loads(response["Payload"].read()) == "by hand"
    for name, (in_process, through_moto) in pairs.items():
        assert in_process == through_moto, name
        assert repr(in_process) == repr(through_moto), name  # the same order, the same types
    step = pairs["checkpoint"][0]["NewExecutionState"]["Operations"][0]
    assert (step["Id"], step["Status"], step["StartTimestamp"].tzinfo is not None) == ("s1", "STARTED", True)
    assert pairs["stale token"][0][2]["Error"] == {"Code": "InvalidParameterValueException",
                                                   "Message": "Invalid checkpoint token"}
    assert pairs["injected fault"][0][2]["Error"]["Code"] == "ServiceException"
    assert "Invalid type for parameter Updates[0].Id" in pairs["invalid"][0][1]
    # Only the boto3 client's calls went through moto's routing (and the in-process fault's none).
    assert routed == ["checkpoint_durable_execution", "get_durable_execution_state", "get_durable_execution_state",
                      "checkpoint_durable_execution", "checkpoint_durable_execution"]
    # botocore's handlers see each call once, in-process too: its own filled the last one's ClientToken.
    assert [params["Operation"] for params in built].count("GetDurableExecutionState") == 4 and len(built) == 14
    assert built[0]["ClientToken"] == "c1"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", built[-1]["ClientToken"])


@needs_sdk
def test_an_invocation_does_not_wait_for_the_sdks_polls(lambda_mock, lambda_client, durable_function, monkeypatch):
    """With the SDK's poll of its stop signal and its wait for other threads' checkpoints both at
    5 s, two invocations with three checkpoints each still take far less than one of them: its
    checkpoint thread is woken when the invocation ends, and a batch whose caller is blocked on it
    is sent at once when the handler runs no other thread that could add to it."""
    state = importlib.import_module("aws_durable_execution_sdk_python.state")
    monkeypatch.setattr(state, "_STOP_SIGNAL_POLL_SECONDS", 5.0)
    monkeypatch.setattr(state, "_BLOCKED_CALLER_WAIT_SECONDS", 5.0)
    durable_function("steps", STEPS_AND_WAIT)
    started = time.monotonic()
    response = lambda_client.invoke(FunctionName="steps", Qualifier="$LATEST", Payload=b'{"x": 1, "wait": 10}')
    assert json.loads(response["Payload"].read()) == {"doubled": 2, "total": 3}
    assert [view.invocations for view in lambda_mock.durable_executions("steps")] == [2]
    assert time.monotonic() - started < 5


@needs_sdk
def test_a_client_whose_calls_would_not_reach_moto_is_not_answered_in_process(lambda_mock):
    """Its own endpoint: the call goes there (and finds nothing listening), as through boto3."""
    elsewhere = boto3.client("lambda", region_name=REGION, endpoint_url="http://127.0.0.1:9",
                             config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(EndpointConnectionError):
        SdkClient(elsewhere).checkpoint_durable_execution(DurableExecutionArn="arn", CheckpointToken="t", Updates=[])


if sys.version_info >= (3, 11):
    pytest.importorskip("aws_durable_execution_sdk_python")
