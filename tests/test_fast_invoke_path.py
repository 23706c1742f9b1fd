"""Invoke is answered past moto's request routing (``mocklambda/_moto/stubber.py``), by the same
``AsyncLambdaResponse`` code given the attributes moto's ``setup_class`` would set. This pins that
contract: every answer is the same whether Invoke takes the fast path or moto's routing, so a
moto release that changes what ``setup_class`` sets fails here (spec §1)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

import mocklambda._moto.stubber as stubber
from conftest import make_zip
from mocklambda._moto.responses import AsyncLambdaResponse

HANDLER = """
def handler(event, context):
    print("handled", context.aws_request_id)
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"event": event, "request_id": context.aws_request_id, "arn": context.invoked_function_arn}
"""


@pytest.fixture(params=["fast path", "moto routing"])
def routing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test runs twice; the second time moto routes Invoke (and must have set it up)."""
    set_up: list[str] = []
    if request.param == "moto routing":
        monkeypatch.setattr(stubber, "_fast_invoke", lambda http_request: None)
        original = AsyncLambdaResponse.setup_class

        def counting(self: Any, request: Any, full_url: str, *args: Any, **kwargs: Any) -> Any:
            set_up.append(full_url)
            return original(self, request, full_url, *args, **kwargs)

        monkeypatch.setattr(AsyncLambdaResponse, "setup_class", counting)
    yield str(request.param)
    assert (request.param == "moto routing") == any("/invocations" in url for url in set_up)


def answer(lambda_client: Any, **kwargs: Any) -> tuple[int, dict[str, Any], Any]:
    try:
        response = lambda_client.invoke(**kwargs)
    except ClientError as error:
        meta = error.response["ResponseMetadata"]
        return meta["HTTPStatusCode"], {"code": error.response["Error"]["Code"]}, error.response["Error"]["Message"]
    body = response["Payload"].read()
    return response["StatusCode"], response, json.loads(body) if body else None


def test_sync_success_error_and_tail_are_the_same_on_both_paths(routing, lambda_mock, lambda_client,
                                                                 create_function):
    create_function("both", HANDLER)
    status, response, body = answer(lambda_client, FunctionName="both", Payload=b'{"n": 1}', LogType="Tail")
    assert status == 200 and response["ExecutedVersion"] == "$LATEST"  # spec 1.6
    assert body["event"] == {"n": 1} and body["request_id"] == response["ResponseMetadata"]["RequestId"]
    assert body["arn"].endswith(":function:both")
    log = base64.b64decode(response["LogResult"]).decode()
    assert f"handled {body['request_id']}" in log and log.startswith(f"START RequestId: {body['request_id']}")

    status, response, body = answer(lambda_client, FunctionName="both:$LATEST", Payload=b'{"fail": true}')
    assert (status, response["FunctionError"], body["errorType"]) == (200, "Unhandled", "ValueError")


def test_event_invoke_is_accepted_with_the_invocations_id_on_both_paths(routing, lambda_mock, lambda_client,
                                                                        create_function):
    create_function("both", HANDLER)
    status, response, body = answer(lambda_client, FunctionName="both", InvocationType="Event", Payload=b"{}")
    assert (status, body) == (202, None)  # spec 1.25
    lambda_mock.run_until_idle()
    [invocation] = lambda_mock.invocations("both")
    assert invocation.request_id == response["ResponseMetadata"]["RequestId"]
    assert invocation.condition == "Success"


def test_aws_errors_are_the_same_on_both_paths(routing, lambda_mock, lambda_client, create_function):
    create_function("both", HANDLER)
    status, error, message = answer(lambda_client, FunctionName="missing", Payload=b"{}")
    assert (status, error["code"]) == (404, "ResourceNotFoundException")  # spec 1.10
    assert message.startswith("Function not found: arn:aws:lambda:us-east-1:")
    status, error, message = answer(lambda_client, FunctionName="both", Payload=b"{not json")
    assert (status, error["code"]) == (400, "InvalidRequestContentException")  # spec 1.17
    too_large = b"x" * (1024 * 1024 + 1)
    status, error, _ = answer(lambda_client, FunctionName="both", InvocationType="Event", Payload=too_large)
    assert (status, error["code"]) == (413, "RequestEntityTooLargeException")  # spec 1.14


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
def test_name_and_qualifier_syntax_is_checked_on_both_paths(routing, lambda_mock, lambda_client, invocation_type):
    """moto routes Invoke for any name (its catch-all path); both paths answer bad syntax with
    the 400 ValidationException before looking anything up (spec 1.20)."""
    pattern = "Member must satisfy regular expression pattern: "
    for name, qualifier, problem in (
        ("my-function!", None, f"Value 'my-function!' at 'functionName' failed to satisfy constraint: {pattern}"),
        ("my.function:1:2", None, "Value 'my.function:1:2' at 'functionName'"),
        ("my-function", "invalid!", f"Value 'invalid!' at 'qualifier' failed to satisfy constraint: {pattern}"),
    ):
        extra = {"Qualifier": qualifier} if qualifier else {}
        status, error, message = answer(lambda_client, FunctionName=name, InvocationType=invocation_type, **extra)
        assert (status, error["code"]) == (400, "ValidationException")
        assert message.startswith(f"1 validation error detected: {problem}")
    status, error, message = answer(lambda_client, FunctionName="my.function", InvocationType=invocation_type)
    assert (status, error["code"]) == (404, "ResourceNotFoundException")  # '.' is valid in Invoke's names
    assert message.endswith(":function:my.function:$LATEST")


def test_what_an_invoke_named_is_read_again_after_any_change(routing, lambda_mock, lambda_client, create_function):
    """The function an Invoke names is kept between Invokes (the hot path), and read again once
    anything may have changed it: a new version behind an alias, a deletion, moto's reset."""
    import requests

    create_function("kept", HANDLER)
    version = lambda_client.publish_version(FunctionName="kept")["Version"]
    lambda_client.create_alias(FunctionName="kept", Name="live", FunctionVersion=version)
    _, response, _ = answer(lambda_client, FunctionName="kept", Qualifier="live", Payload=b"{}")
    assert response["ExecutedVersion"] == version
    lambda_client.update_function_code(FunctionName="kept", ZipFile=make_zip({"handler.py": HANDLER + "\n# v2\n"}))
    newer = lambda_client.publish_version(FunctionName="kept")["Version"]
    lambda_client.update_alias(FunctionName="kept", Name="live", FunctionVersion=newer)
    _, response, _ = answer(lambda_client, FunctionName="kept", Qualifier="live", Payload=b"{}")
    assert response["ExecutedVersion"] == newer  # the alias's new version, not the remembered one

    lambda_client.delete_function(FunctionName="kept")
    status, error, _ = answer(lambda_client, FunctionName="kept", InvocationType="Event", Payload=b"{}")
    assert (status, error["code"]) == (404, "ResourceNotFoundException")  # spec 1.18

    # changes made straight on moto's backend (a test, CloudFormation, moto's own callers) count too
    from moto.awslambda.utils import get_backend

    create_function("direct", HANDLER)
    first = lambda_client.publish_version(FunctionName="direct")["Version"]
    lambda_client.update_function_code(FunctionName="direct", ZipFile=make_zip({"handler.py": HANDLER + "\n# v2\n"}))
    second = lambda_client.publish_version(FunctionName="direct")["Version"]
    lambda_client.create_alias(FunctionName="direct", Name="live", FunctionVersion=first)
    assert answer(lambda_client, FunctionName="direct", Qualifier="live", Payload=b"{}")[1]["ExecutedVersion"] == first
    backend = get_backend("123456789012", "us-east-1")
    backend.update_alias("live", "direct", second, "", None)
    assert answer(lambda_client, FunctionName="direct", Qualifier="live", Payload=b"{}")[1]["ExecutedVersion"] == second
    backend.delete_alias("live", "direct")
    status, error, _ = answer(lambda_client, FunctionName="direct", Qualifier="live", Payload=b"{}")
    assert (status, error["code"]) == (404, "ResourceNotFoundException")

    create_function("reset", HANDLER)
    assert answer(lambda_client, FunctionName="reset", InvocationType="Event", Payload=b"{}")[0] == 202
    requests.post("http://motoapi.amazonaws.com/moto-api/reset")  # moto's reset: every function is gone
    status, error, _ = answer(lambda_client, FunctionName="reset", InvocationType="Event", Payload=b"{}")
    assert (status, error["code"]) == (404, "ResourceNotFoundException")
