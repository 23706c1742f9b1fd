"""How a test turns mocklambda on: decorator, context manager, start/stop, fixture, marker."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import boto3
import pytest
from moto import mock_aws

from conftest import make_zip
from mocklambda import LambdaMock, MockLambdaError, mock_lambda
from tests.helpers import ECHO, REGION, invoke_json


def deploy(name: str = "echo", source: str = ECHO) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName=f"role-{name}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName=name, Runtime="python3.11", Role=role, Handler="handler.handler",
        Code={"ZipFile": make_zip({"handler.py": source})},
    )


def invoke(name: str = "echo", payload: bytes = b'{"ok": true}') -> dict:
    """These tests take no fixtures: the client is made here, inside whichever mock the test started."""
    return invoke_json(boto3.client("lambda", region_name=REGION), name, payload)


def function_names() -> list[str]:
    return [f["FunctionName"] for f in boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"]]


@mock_lambda
def test_bare_decorator_runs_the_handler():
    deploy()
    assert invoke() == {"ok": True}


@mock_lambda(mode="manual")
def test_called_decorator_takes_options():
    deploy()
    assert invoke() == {"ok": True}


@mock_lambda
async def test_decorates_async_tests():
    deploy()
    await asyncio.sleep(0)
    assert invoke() == {"ok": True}


def test_context_manager_returns_the_handle():
    with mock_lambda(mode="manual") as lam:
        assert isinstance(lam, LambdaMock)
        assert lam.mode == "manual"
        deploy()
        assert invoke() == {"ok": True}


async def test_async_context_manager():
    async with mock_lambda() as lam:
        assert isinstance(lam, LambdaMock)
        deploy()
        assert invoke() == {"ok": True}


def test_start_and_stop():
    mock = mock_lambda()
    lam = mock.start()
    try:
        assert lam is mock
        deploy()
        assert invoke() == {"ok": True}
    finally:
        mock.stop()


def test_stop_without_start_says_what_to_do():
    with pytest.raises(MockLambdaError, match="call start\\(\\) first"):
        mock_lambda().stop()


def test_starting_twice_says_what_to_do():
    with mock_lambda() as lam, pytest.raises(MockLambdaError, match="already started"):
        lam.start()


def test_unknown_mode_is_refused():
    with pytest.raises(MockLambdaError, match="mode must be one of auto, manual, realtime"):
        mock_lambda(mode="fast")  # type: ignore[arg-type]


def test_negative_advance_raises_value_error():
    with mock_lambda(mode="manual") as lam, pytest.raises(ValueError, match="never goes back"):
        lam.clock.advance(-1)


def test_server_mode_is_refused(monkeypatch):
    from moto import settings

    monkeypatch.setattr(settings, "TEST_SERVER_MODE", True)
    with pytest.raises(MockLambdaError, match="cannot reach a moto server"):
        mock_lambda().start()


def test_nests_inside_mock_aws_and_keeps_its_state():
    with mock_aws():
        deploy("before")
        with mock_lambda():
            assert "before" in function_names()  # created before mock_lambda started
            assert invoke("before") == {"ok": True}
        assert "before" in function_names()  # mock_aws still owns the state
    with mock_aws():
        assert function_names() == []


def test_mock_aws_nests_inside_mock_lambda():
    with mock_lambda():
        deploy()
        with mock_aws():
            assert invoke() == {"ok": True}
        assert invoke() == {"ok": True}  # the inner mock_aws did not reset anything


def test_state_never_leaks_from_one_mock_to_the_next():
    with mock_lambda() as first:
        deploy(source="import os\nos.environ['LEAK'] = 'yes'\ndef handler(e, c):\n    return os.environ['AWS_LAMBDA_FUNCTION_NAME']\n")
        assert invoke() == "echo"
        boto3.client("lambda", region_name="us-east-1").invoke(FunctionName="echo", InvocationType="Event")
        assert len(first.invocations()) == 1
    assert "LEAK" not in os.environ and "AWS_LAMBDA_FUNCTION_NAME" not in os.environ
    assert "handler" not in sys.modules
    import threading

    assert [t.name for t in threading.enumerate() if t.name.startswith("mocklambda")] == []
    with mock_lambda() as second:
        assert function_names() == []
        assert second.invocations() == []


def test_clients_created_before_the_mock_are_served():
    client = boto3.client("lambda", region_name="us-east-1")
    with mock_lambda():
        deploy()
        response = client.invoke(FunctionName="echo", Payload=b"[1]")
        assert json.loads(response["Payload"].read()) == [1]


def test_fixture_gives_a_started_handle(lambda_mock):
    assert isinstance(lambda_mock, LambdaMock)
    assert lambda_mock.mode == "auto"
    deploy()
    assert invoke() == {"ok": True}


@pytest.mark.lambda_mock(mode="manual")
def test_marker_configures_the_fixture(lambda_mock):
    assert lambda_mock.mode == "manual"


def test_absurd_advances_are_refused():
    with mock_lambda(mode="manual") as lam:
        with pytest.raises(ValueError, match="NaN"):
            lam.clock.advance(float("nan"))
        with pytest.raises(ValueError, match="century"):
            lam.clock.advance(1e12)
        lam.clock.advance(86400)
        assert lam.clock.elapsed.total_seconds() == 86400
