"""The function API around invocation answered as AWS answers it, through boto3: name syntax on
the other operations that share Invoke's checks, reserved concurrency, removing a dead-letter
queue, and the runtimes CreateFunction / UpdateFunctionConfiguration refuse. Byte-level
comparisons with AWS's recordings are in ``test_golden_api_answers.py``."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.helpers import ECHO, FN_ARN, error_of

PATTERN = "Member must satisfy regular expression pattern: "


@pytest.fixture
def fn(lambda_mock, create_function):
    create_function("fn", ECHO)
    return "fn"


# -- name syntax where Invoke's checks apply too ------------------------------------------------------------------


def test_event_invoke_config_operations_check_names_as_invoke_does(fn, lambda_client):
    """Put/Get/Update/Delete/ListFunctionEventInvokeConfig name the function with Invoke's shape
    (``NamespacedFunctionName``, spec 1.20): bad syntax is a 400 before any look-up."""
    with pytest.raises(ClientError) as refused:
        lambda_client.put_function_event_invoke_config(FunctionName="fn!", MaximumRetryAttempts=0)
    status, code, message = error_of(refused)
    assert (status, code) == (400, "ValidationException")
    assert message.startswith(f"1 validation error detected: Value 'fn!' at 'functionName' failed to satisfy "
                              f"constraint: {PATTERN}(arn:")
    with pytest.raises(ClientError) as refused:
        lambda_client.get_function_event_invoke_config(FunctionName=fn, Qualifier="no spaces")
    assert error_of(refused)[2] == (
        "1 validation error detected: Value 'no spaces' at 'qualifier' failed to satisfy constraint: "
        f"{PATTERN}\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+")


def test_recursion_config_takes_only_unqualified_names(fn, lambda_client):
    """Put/GetFunctionRecursionConfig's ``UnqualifiedFunctionName`` has no qualifier in its pattern."""
    with pytest.raises(ClientError) as refused:
        lambda_client.get_function_recursion_config(FunctionName=f"{fn}:1")
    status, code, message = error_of(refused)
    assert (status, code) == (400, "ValidationException")
    assert message.endswith("(function:)?([a-zA-Z0-9-_]+)")
    assert lambda_client.get_function_recursion_config(FunctionName=FN_ARN.format(fn))["RecursiveLoop"] == "Terminate"
