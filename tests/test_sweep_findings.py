"""What the bad-input sweep (``benchmarks/sweeps/bad_input.py``, issue 13) found in-process that
the rest of the suite did not cover."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.helpers import ECHO, send_event


@pytest.mark.parametrize("variables", [{"A=B": "x"}, {"": "x"}, {"A\x00": "x"}, {"A": "x\x00"}],
                         ids=["equals-sign", "empty-name", "nul-in-name", "nul-in-value"])
def test_environment_variables_the_process_cannot_hold_are_never_a_500(lambda_mock, lambda_client, create_function,
                                                                       variables):
    try:
        create_function("env", ECHO, Environment={"Variables": variables})
    except ClientError as refused:  # as AWS refuses a name outside [a-zA-Z]([a-zA-Z0-9_])+
        assert (refused.response["ResponseMetadata"]["HTTPStatusCode"], refused.response["Error"]["Code"]) == (
            400, "ValidationException")
        return
    response = lambda_client.invoke(FunctionName="env", Payload=b"{}")  # was a 500 ServiceException
    assert response["StatusCode"] == 200
    send_event(lambda_client, "env")
    lambda_mock.run_until_idle()
    attempts = lambda_mock.invocations("env")[0].attempts
    assert all(attempt.error_type != "MockLambda.InternalError" for attempt in attempts)


@pytest.mark.xfail(strict=True, raises=ClientError,
                   reason="moto keeps a Handler of the wrong JSON type (a client without botocore's checks sends "
                          "one: a hand-made request, another SDK's bug); every Invoke is then a 500 'mocklambda "
                          "internal error: TypeError: str expected, not int'. AWS refuses a value of the wrong JSON "
                          "type with a 400 (SerializationException, as for the bodies of issue 13 item 17)")
@pytest.mark.parametrize("change", [{"Handler": 5}, {"Handler": ["handler.handler"]}], ids=["number", "list"])
def test_a_wrongly_typed_handler_is_refused_or_harmless_never_a_500(lambda_mock, create_function, change):
    import boto3
    from botocore.config import Config

    unchecked = boto3.client("lambda", region_name="us-east-1", config=Config(parameter_validation=False))
    create_function("typed", ECHO)
    try:
        unchecked.update_function_configuration(FunctionName="typed", **change)
    except ClientError as refused:
        assert refused.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return
    assert unchecked.invoke(FunctionName="typed", Payload=b"{}")["StatusCode"] == 200  # today: ClientError 500
