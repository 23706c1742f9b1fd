"""Golden data for the Lambda API's answers (not its deliveries): what mocklambda answers to bad
names, reserved concurrency, a DeadLetterConfig without a target and refused runtimes or packages,
compared with responses recorded against real AWS (``test_lambda_api.snapshot.json``,
``test_lambda_destinations.snapshot.json``), read as they are. The comparison is
``tests/test_golden_snapshots.py``'s. Spec: ``aws-lambda-async-spec.md`` 1.10, 1.18-1.20.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import ACCOUNT, ECHO, FAILS, REGION, make_queue, receive, send_event
from tests.test_golden_snapshots import DESTINATIONS, DESTINATIONS_TEST, as_recorded, assert_shape, recorded

LAMBDA_API = "test_lambda_api.snapshot.json"
FUNCTION_TEST = "tests/aws/services/lambda_/test_lambda_api.py::TestLambdaFunction::"
CONCURRENCY_TEST = "tests/aws/services/lambda_/test_lambda_api.py::TestLambdaReservedConcurrency::"
RUNTIME_TEST = "tests/aws/services/lambda_/test_lambda_api.py::TestRuntimeValidation::"
LENGTH_MASK = re.compile(r"<a:len\((\d+)\)>")  # the recorder's mask for "a" * N


def unmasked_lengths(value: Any) -> Any:
    """A recording with ``<a:len(N)>`` written out as the N letters it stands for."""
    if isinstance(value, str):
        return LENGTH_MASK.sub(lambda match: "a" * int(match.group(1)), value)
    if isinstance(value, list):
        return [unmasked_lengths(item) for item in value]
    if isinstance(value, dict):
        return {key: unmasked_lengths(item) for key, item in value.items()}
    return value


def as_recorded_validation(error: dict[str, Any]) -> dict[str, Any]:
    """What the recording test keeps of an error (its ``_extract_from_error_message``): the code and
    each ``Value … failed to satisfy constraint`` problem, sorted and counted, else the message."""
    message, code = error["Error"]["Message"], error["Error"]["Code"]
    problems = re.findall(r"(Value '.*?' at '.*?' failed to satisfy constraint: .+?(?=;|$))", message)
    if problems:
        return {"Code": code, "Errors": sorted(problems), "Count": len(problems)}
    return {"Code": code, "Message": message}


# The recorded test's inputs (test_function_name_and_qualifier_validation's parameters), by id.
NAME_CASES: dict[str, dict[str, str]] = {
    "invalid_characters_in_function_name": {"FunctionName": "my-function!"},
    "function_name_is_single_invalid": {"FunctionName": "*"},
    "invalid_characters_in_qualifier": {"FunctionName": "my-function", "Qualifier": "invalid!"},
    "qualifier_too_long": {"FunctionName": "my-function", "Qualifier": "a" * 129},
    "invalid_account_id_in_partial_arn": {"FunctionName": "invalid-account:function:my-function"},
    "invalid_region_in_arn": {"FunctionName": "arn:aws:lambda:invalid-region:{account}:function:my-function"},
    "non_lambda_arn": {"FunctionName": "arn:aws:ec2:{region}:{account}:instance:i-1234567890abcdef0"},
    "function_name_too_long": {"FunctionName": "a" * 65},
    "function_name_too_long_and_invalid_region": {
        "FunctionName": "arn:aws:lambda:invalid-region:{account}:function:my-function" + "a" * 170},
    "full_arn_and_qualifier_too_long_and_invalid_region": {
        "FunctionName": "arn:aws:lambda:invalid-region:{account}:function:my-function-" + "a" * 170,
        "Qualifier": "a" * 129},
    "full_arn_with_multiple_qualifiers": {"FunctionName": "arn:aws:lambda:{region}:{account}:function:my-function:1:2"},
    "incomplete_arn": {"FunctionName": "arn:aws:lambda:{region}:{account}:function"},
    "partial_arn_with_extra_qualifier": {"FunctionName": "function:my-function:$LATEST:extra"},
    "latest_version_with_additional_qualifier": {
        "FunctionName": "arn:aws:lambda:{region}:{account}:function:my-function:$LATEST", "Qualifier": "1"},
    "lowercase_latest_qualifier": {"FunctionName": "arn:aws:lambda:{region}:{account}:function:my-function",
                                   "Qualifier": "$latest"},
    "missing_region_in_arn": {"FunctionName": "arn:aws:lambda::{account}:function:my-function"},
    "missing_account_id_in_arn": {"FunctionName": "arn:aws:lambda:{region}::function:my-function"},
    "misspelled_latest_in_arn": {"FunctionName": "arn:aws:lambda:{region}:{account}:function:my-function:$LATES"},
}


def name_case(case: str) -> dict[str, str]:
    return {key: value.format(region=REGION, account=ACCOUNT) for key, value in NAME_CASES[case].items()}


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_invoke_name_and_qualifier_validation_is_awss(lambda_mock, lambda_client, case, invocation_type):
    """test_function_name_and_qualifier_validation[<case>-invoke]: the syntax is checked before
    anything is looked up, for events as for synchronous calls (spec 1.10, 1.11, 1.18, 1.20)."""
    golden = recorded(LAMBDA_API, FUNCTION_TEST + f"test_function_name_and_qualifier_validation[{case}-invoke]")
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke(InvocationType=invocation_type, Payload=b"{}", **name_case(case))
    assert_shape([(as_recorded_validation(refused.value.response), unmasked_lengths(golden["invoke_exception"]))],
                 ordered=False)
    assert lambda_mock.invocations() == []  # nothing was queued


@pytest.mark.parametrize("case", sorted(case for case, given in NAME_CASES.items() if "Qualifier" not in given))
def test_invoke_async_names_are_checked_as_invokes_are(lambda_mock, lambda_client, case):
    """The deprecated InvokeAsync names its function with Invoke's shape (``NamespacedFunctionName``):
    the same answers (not recorded for InvokeAsync itself)."""
    golden = recorded(LAMBDA_API, FUNCTION_TEST + f"test_function_name_and_qualifier_validation[{case}-invoke]")
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke_async(InvokeArgs=b"{}", **name_case(case))
    assert_shape([(as_recorded_validation(refused.value.response), unmasked_lengths(golden["invoke_exception"]))],
                 ordered=False)


def test_invalid_invoke_is_awss(lambda_mock, lambda_client):
    """TestLambdaFunction::test_invalid_invoke: an '@' in place of the ARN's colon (spec 1.20)."""
    golden = recorded(LAMBDA_API, FUNCTION_TEST + "test_invalid_invoke")["invoke_function_name_pattern_exc"]
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke(FunctionName=f"arn:aws:lambda:{REGION}:123400000000@function:myfn")
    assert_shape([(as_recorded(refused.value.response), golden)])


# --- reserved concurrency ---------------------------------------------------------------------------------------


def test_function_concurrency_exceptions_are_awss(lambda_mock, lambda_client, create_function):
    """test_function_concurrency_exceptions: a missing function is a 404 naming ``:$LATEST`` with
    ``Message`` and ``Type`` in the body; a qualified ARN is refused before anything else."""
    golden = recorded(LAMBDA_API, CONCURRENCY_TEST + "test_function_concurrency_exceptions")
    answers = {}
    for key, reserved in (("put_function_concurrency_with_function_name_doesnotexist", 1),
                          ("put_function_concurrency_with_function_name_doesnotexist_and_invalid_concurrency", 0)):
        with pytest.raises(ClientError) as refused:
            lambda_client.put_function_concurrency(FunctionName="doesnotexist", ReservedConcurrentExecutions=reserved)
        answers[key] = as_recorded(refused.value.response)
    create_function("capped", ECHO)
    qualified_arn = lambda_client.get_function_configuration(FunctionName="capped", Qualifier="$LATEST")["FunctionArn"]
    with pytest.raises(ClientError) as refused:
        lambda_client.put_function_concurrency(FunctionName=qualified_arn, ReservedConcurrentExecutions=0)
    answers["put_function_concurrency_with_qualified_arn"] = as_recorded(refused.value.response)
    assert_shape([(answers, golden)])


def test_function_concurrency_lifecycle_is_awss(lambda_mock, lambda_client, create_function):
    """test_function_concurrency: put 0 then 1, get, delete (204), get after delete (nothing reserved)."""
    golden = recorded(LAMBDA_API, CONCURRENCY_TEST + "test_function_concurrency")
    create_function("capped", ECHO)
    answers = {
        "put_function_concurrency_with_reserved_0": lambda_client.put_function_concurrency(
            FunctionName="capped", ReservedConcurrentExecutions=0),
        "put_function_concurrency_with_reserved_1": lambda_client.put_function_concurrency(
            FunctionName="capped", ReservedConcurrentExecutions=1),
        "get_function_concurrency": lambda_client.get_function_concurrency(FunctionName="capped"),
        "delete_response": lambda_client.delete_function_concurrency(FunctionName="capped"),
        "get_function_concurrency_after_delete": lambda_client.get_function_concurrency(FunctionName="capped"),
    }
    assert_shape([({key: as_recorded(value) for key, value in answers.items()}, golden)])


def test_function_concurrency_limits_are_awss(lambda_mock, lambda_client, create_function):
    """test_function_concurrency_limits: a reservation over the account's limit, or one leaving less
    than the minimum unreserved, is refused (the account limit is 1000 here, as on AWS by default)."""
    golden = recorded(LAMBDA_API, CONCURRENCY_TEST + "test_function_concurrency_limits")
    create_function("capped", ECHO)
    limit = 1000
    answers = {}
    for key, reserved in (("put_function_concurrency_account_limit_exceeded", limit + 1),
                          ("put_function_concurrency_below_unreserved_min_value", limit)):
        with pytest.raises(ClientError) as refused:
            lambda_client.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=reserved)
        answers[key] = as_recorded(refused.value.response)
    assert_shape([(answers, golden)])
    assert all(answer["message"].endswith("minimum value of [100].") for answer in answers.values())


# --- DeadLetterConfig without a target ----------------------------------------------------------------------------


def test_update_with_an_empty_dead_letter_config_keeps_the_queue_as_aws_does(lambda_mock, lambda_client,
                                                                              create_function, sqs):
    """TestLambdaDLQ::test_dead_letter_queue, "delete_dlq": AWS answers
    ``UpdateFunctionConfiguration(DeadLetterConfig={})`` with the queue still configured; so it stays,
    and the next failed event still reaches it (spec 4.2)."""
    golden = recorded(DESTINATIONS, DESTINATIONS_TEST + "TestLambdaDLQ::test_dead_letter_queue")
    url, arn = make_queue(sqs, "dlq")
    create_function("dlq-fn", FAILS, DeadLetterConfig={"TargetArn": arn})
    updated = lambda_client.update_function_configuration(FunctionName="dlq-fn", DeadLetterConfig={})
    assert_shape([(updated["DeadLetterConfig"], golden["delete_dlq"]["DeadLetterConfig"])])
    assert updated["DeadLetterConfig"] == {"TargetArn": arn}
    request_id = send_event(lambda_client, "dlq-fn", {"after": "update"})
    [letter] = receive(sqs, url)
    assert letter["MessageAttributes"]["RequestID"]["StringValue"] == request_id


# --- runtimes and packages CreateFunction refuses -------------------------------------------------------------------


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def create(lambda_client: Any, role: str, **overrides: Any) -> dict[str, Any]:
    params = {"FunctionName": "refused", "Handler": "index.handler", "Code": {"ZipFile": zip_of(ECHO)},
              "PackageType": "Zip", "Role": role, "Runtime": "python3.12", **overrides}
    return lambda_client.create_function(**params)


def test_create_function_exceptions_are_awss(lambda_mock, lambda_client, role_arn):
    """TestLambdaFunction::test_create_lambda_exceptions: an unknown runtime (also in upper case)
    and a package that is not a zip are InvalidParameterValueException with AWS's messages, and
    nothing is created."""
    golden = recorded(LAMBDA_API, FUNCTION_TEST + "test_create_lambda_exceptions")
    answers = {}
    for key, overrides in (("invalid_runtime_exc", {"Runtime": "non-existent-runtime"}),
                           ("uppercase_runtime_exc", {"Runtime": "PYTHON3.9"}),
                           ("invalid_zip_exc", {"Code": {"ZipFile": b"this is not a zipfile, just a random string"},
                                                "Runtime": "python3.9"})):
        with pytest.raises(ClientError) as refused:
            create(lambda_client, role_arn(), **overrides)
        answers[key] = as_recorded(refused.value.response)
    assert_shape([(answers, {key: golden[key] for key in answers})])
    assert lambda_client.list_functions()["Functions"] == []


@pytest.mark.parametrize("runtime", ["java8", "go1.x", "provided", "ruby2.7", "nodejs14.x", "python3.7",
                                     "dotnetcore3.1", "nodejs12.x"])
def test_deprecated_runtimes_are_refused_as_aws_does(lambda_mock, lambda_client, role_arn, runtime):
    """TestRuntimeValidation::test_create_deprecated_function_runtime_with_validation_enabled[<runtime>]."""
    golden = recorded(LAMBDA_API, RUNTIME_TEST + f"test_create_deprecated_function_runtime_with_validation_enabled[{runtime}]")
    with pytest.raises(ClientError) as refused:
        create(lambda_client, role_arn(), Runtime=runtime)
    assert_shape([(as_recorded(refused.value.response), golden["deprecation_error"])])


def with_claimed_size(package: bytes, size: int) -> bytes:
    """``package`` (one small file) with its central directory claiming ``size`` unzipped bytes: a
    package over the limit, without compressing 250 MB in a test."""
    entry = package.rindex(b"PK\x01\x02")
    return package[:entry + 24] + size.to_bytes(4, "little") + package[entry + 28:]


def test_a_package_over_the_unzipped_limit_is_refused_as_aws_does(lambda_mock, lambda_client, role_arn):
    """TestLambdaSizeLimits::test_oversized_unzipped_lambda: over 262144000 bytes unzipped."""
    golden = recorded(LAMBDA_API, "tests/aws/services/lambda_/test_lambda_api.py::TestLambdaSizeLimits::"
                                  "test_oversized_unzipped_lambda")["invalid_param_exc"]
    with pytest.raises(ClientError) as refused:
        create(lambda_client, role_arn(), Code={"ZipFile": with_claimed_size(zip_of(ECHO), 262_144_001)})
    assert_shape([(as_recorded(refused.value.response), golden)])
    create(lambda_client, role_arn(), Code={"ZipFile": with_claimed_size(zip_of(ECHO), 262_144_000)})


def test_packages_from_s3_and_code_updates_are_checked_too(lambda_mock, lambda_client, role_arn):
    """The same refusal for a package in S3 and for UpdateFunctionCode; the function keeps its code."""
    golden = recorded(LAMBDA_API, FUNCTION_TEST + "test_create_lambda_exceptions")["invalid_zip_exc"]
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="code")
    s3.put_object(Bucket="code", Key="not-a.zip", Body=b"print('hello')\n")
    with pytest.raises(ClientError) as from_s3:
        create(lambda_client, role_arn(), Code={"S3Bucket": "code", "S3Key": "not-a.zip"})
    sha = create(lambda_client, role_arn())["CodeSha256"]
    with pytest.raises(ClientError) as updated:
        lambda_client.update_function_code(FunctionName="refused", ZipFile=b"not a zip")
    assert_shape([(as_recorded(from_s3.value.response), golden), (as_recorded(updated.value.response), golden)])
    assert lambda_client.get_function_configuration(FunctionName="refused")["CodeSha256"] == sha
    assert lambda_client.invoke(FunctionName="refused", Payload=b'{"still": "runs"}')["Payload"].read() == (
        b'{"still": "runs"}')
