"""The function API around invocation answered as AWS answers it, through boto3: name syntax on
the other operations that share Invoke's checks, reserved concurrency, removing a dead-letter
queue, and the runtimes CreateFunction / UpdateFunctionConfiguration refuse. Byte-level
comparisons with AWS's recordings are in ``test_golden_api_answers.py``."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.helpers import ECHO, FAILS, FN_ARN, error_of, make_queue, send_event

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


# -- reserved concurrency ------------------------------------------------------------------------------------------


def test_reservations_of_other_functions_count_against_the_account(lambda_mock, lambda_client, create_function):
    """A reservation must leave 100 of the account's 1000 unreserved, counting every other
    function's reservation but not the function's own previous one."""
    create_function("first", ECHO)
    create_function("second", ECHO)
    lambda_client.put_function_concurrency(FunctionName="first", ReservedConcurrentExecutions=600)
    lambda_client.put_function_concurrency(FunctionName="second", ReservedConcurrentExecutions=300)
    lambda_client.put_function_concurrency(FunctionName=FN_ARN.format("first"), ReservedConcurrentExecutions=600)
    with pytest.raises(ClientError) as refused:
        lambda_client.put_function_concurrency(FunctionName="second", ReservedConcurrentExecutions=301)
    assert error_of(refused)[1] == "InvalidParameterValueException"
    assert lambda_client.get_function_concurrency(FunctionName="second")["ReservedConcurrentExecutions"] == 300
    lambda_client.delete_function_concurrency(FunctionName="first")
    lambda_client.put_function_concurrency(FunctionName="second", ReservedConcurrentExecutions=900)


def test_the_account_limit_is_motos_knob_when_set(lambda_mock, lambda_client, create_function, monkeypatch):
    monkeypatch.setenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", "150")
    create_function("small", ECHO)
    with pytest.raises(ClientError):
        lambda_client.put_function_concurrency(FunctionName="small", ReservedConcurrentExecutions=51)
    assert lambda_client.put_function_concurrency(FunctionName="small",
                                                  ReservedConcurrentExecutions=50)["ReservedConcurrentExecutions"] == 50


@pytest.mark.parametrize("name", ["fn:$LATEST", "fn:1", f"{FN_ARN.format('fn')}:live"])
@pytest.mark.parametrize("operation", ["get_function_concurrency", "delete_function_concurrency"])
def test_get_and_delete_refuse_versions_and_aliases_as_put_does(fn, lambda_client, name, operation):
    """Recorded for Put (test_function_concurrency_exceptions); Get and Delete take the same
    ``FunctionName`` shape, and reservations are per function (choices table)."""
    lambda_client.put_function_concurrency(FunctionName=fn, ReservedConcurrentExecutions=5)
    with pytest.raises(ClientError) as refused:
        getattr(lambda_client, operation)(FunctionName=name)
    status, code, message = error_of(refused)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message.startswith("This operation is permitted on Lambda functions only.")
    assert lambda_client.get_function_concurrency(FunctionName=fn)["ReservedConcurrentExecutions"] == 5


def test_a_reservation_of_zero_through_the_api_still_governs_events(fn, lambda_client, lambda_mock):
    lambda_client.put_function_concurrency(FunctionName=FN_ARN.format(fn), ReservedConcurrentExecutions=0)
    send_event(lambda_client, fn)
    lambda_mock.run_until_idle()
    assert [i.condition for i in lambda_mock.invocations(fn)] == ["ZeroReservedConcurrency"]  # spec 2.9


# -- removing a dead-letter queue ----------------------------------------------------------------------------------


def test_an_empty_target_arn_removes_the_dead_letter_queue(lambda_mock, lambda_client, create_function, sqs):
    """``DeadLetterConfig={"TargetArn": ""}`` is how a queue is removed (``{}`` leaves it, as
    recorded: see test_golden_api_answers); failed events then reach no queue."""
    url, arn = make_queue(sqs, "dlq")
    create_function("dlq-fn", FAILS, DeadLetterConfig={"TargetArn": arn})
    updated = lambda_client.update_function_configuration(FunctionName="dlq-fn", DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in updated
    assert "DeadLetterConfig" not in lambda_client.get_function_configuration(FunctionName="dlq-fn")
    send_event(lambda_client, "dlq-fn")
    lambda_mock.run_until_idle()
    [invocation] = lambda_mock.invocations("dlq-fn")
    assert invocation.condition == "RetriesExhausted" and invocation.delivered_to == ()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


# -- runtimes ------------------------------------------------------------------------------------------------------


def test_an_update_to_a_refused_runtime_is_refused_and_changes_nothing(fn, lambda_client):
    for runtime, start in (("python3.7", "The runtime parameter of python3.7 is no longer supported"),
                           ("3.11", "Value 3.11 at 'runtime' failed to satisfy constraint")):
        with pytest.raises(ClientError) as refused:
            lambda_client.update_function_configuration(FunctionName=fn, Runtime=runtime, Timeout=9)
        status, code, message = error_of(refused)
        assert (status, code) == (400, "InvalidParameterValueException") and message.startswith(start)
    config = lambda_client.get_function_configuration(FunctionName=fn)
    assert (config["Runtime"], config["Timeout"]) == ("python3.11", 3)
    lambda_client.update_function_configuration(FunctionName=fn, Runtime="python3.13")
    assert lambda_client.get_function_configuration(FunctionName=fn)["Runtime"] == "python3.13"
