"""Synchronous Invoke, answered as AWS answers it (spec §1, §9; test_lambda.snapshot.json)."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import ECHO_AND_PRINT, error_of


def test_success_returns_200_executed_version_and_the_handlers_result(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_AND_PRINT)
    response = lambda_client.invoke(FunctionName="echo", Payload=b'{"n": 1}')
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"  # spec 1.6
    assert "FunctionError" not in response
    body = json.loads(response["Payload"].read())
    assert body["event"] == {"n": 1}
    # the response's request id is the one the handler saw
    assert body["request_id"] == response["ResponseMetadata"]["RequestId"]


def test_empty_payload_reaches_the_handler_as_an_empty_object(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_AND_PRINT)
    body = json.loads(lambda_client.invoke(FunctionName="echo")["Payload"].read())
    assert body["event"] == {}


def test_qualifier_version_and_alias_run_that_version(lambda_mock, lambda_client, create_function):
    create_function("versioned", "def handler(e, c):\n    return 'v1'\n")
    lambda_client.publish_version(FunctionName="versioned")
    lambda_client.update_function_code(
        FunctionName="versioned",
        ZipFile=__import__("conftest").make_zip({"handler.py": "def handler(e, c):\n    return 'v2'\n"}),
    )
    lambda_client.create_alias(FunctionName="versioned", Name="live", FunctionVersion="1")

    latest = lambda_client.invoke(FunctionName="versioned")
    assert json.loads(latest["Payload"].read()) == "v2"
    v1 = lambda_client.invoke(FunctionName="versioned", Qualifier="1")  # spec 1.6
    assert (v1["ExecutedVersion"], json.loads(v1["Payload"].read())) == ("1", "v1")
    alias = lambda_client.invoke(FunctionName="versioned", Qualifier="live")
    assert (alias["ExecutedVersion"], json.loads(alias["Payload"].read())) == ("1", "v1")
    by_name = lambda_client.invoke(FunctionName="versioned:live")
    assert by_name["ExecutedVersion"] == "1"


def test_handler_exception_gives_unhandled_and_aws_error_shape(lambda_mock, lambda_client, create_function):
    create_function("boom", 'def handler(event, context):\n    raise Exception("Handler fails")\n')
    response = lambda_client.invoke(FunctionName="boom")
    assert response["StatusCode"] == 200  # spec 1.7
    assert response["FunctionError"] == "Unhandled"  # spec 1.8
    payload = json.loads(response["Payload"].read())
    # spec 9.3: key order and the stack trace as Lambda shows it
    assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert payload["errorMessage"] == "Handler fails"
    assert payload["errorType"] == "Exception"
    assert payload["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert payload["stackTrace"] == [
        '  File "/var/task/handler.py", line 2, in handler\n    raise Exception("Handler fails")\n'
    ]


def test_import_error_is_runtime_import_module_error(lambda_mock, lambda_client, create_function):
    create_function("broken", "import not_installed_anywhere\ndef handler(e, c):\n    return 1\n")
    response = lambda_client.invoke(FunctionName="broken")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {  # spec 9.4
        "errorMessage": "Unable to import module 'handler': No module named 'not_installed_anywhere'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }


def test_missing_handler_function_and_module(lambda_mock, lambda_client, create_function):
    create_function("nofn", "x = 1\n")
    create_function("nomod", "x = 1\n", Handler="other.handler")
    missing_fn = json.loads(lambda_client.invoke(FunctionName="nofn")["Payload"].read())
    assert (missing_fn["errorType"], missing_fn["errorMessage"]) == (
        "Runtime.HandlerNotFound",
        "Handler 'handler' missing on module 'handler'",
    )
    missing_mod = json.loads(lambda_client.invoke(FunctionName="nomod")["Payload"].read())
    assert missing_mod["errorType"] == "Runtime.ImportModuleError"
    assert missing_mod["errorMessage"] == "Unable to import module 'other': No module named 'other'"


def test_exception_at_import_time_keeps_its_own_type(lambda_mock, lambda_client, create_function):
    create_function("initfail", 'raise Exception("Runtime startup fails")\n')
    payload = json.loads(lambda_client.invoke(FunctionName="initfail")["Payload"].read())
    assert payload["errorType"] == "Exception"  # spec 9.4
    assert payload["errorMessage"] == "Runtime startup fails"
    assert payload["requestId"] == ""
    assert payload["stackTrace"][-1] == (
        '  File "/var/task/handler.py", line 1, in <module>\n    raise Exception("Runtime startup fails")\n'
    )


def test_sys_exit_is_runtime_exit_error(lambda_mock, lambda_client, create_function):
    create_function("quits", "import sys\ndef handler(e, c):\n    sys.exit()\n")
    create_function("fails", "import sys\ndef handler(e, c):\n    sys.exit(3)\n")
    response = lambda_client.invoke(FunctionName="quits")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {  # spec 9.6
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited without providing a reason",
    }
    failed = json.loads(lambda_client.invoke(FunctionName="fails")["Payload"].read())
    assert failed["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")


def test_unserialisable_result_is_runtime_marshal_error(lambda_mock, lambda_client, create_function):
    create_function("sets", "def handler(e, c):\n    return {1, 2}\n")
    response = lambda_client.invoke(FunctionName="sets")
    assert response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert payload["errorType"] == "Runtime.MarshalError"  # spec 9.4
    assert payload["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"


def test_decimal_results_are_numbers_as_in_the_runtime(lambda_mock, lambda_client, create_function):
    create_function("dec", "from decimal import Decimal\ndef handler(e, c):\n    return {'a': Decimal('2'), 'b': Decimal('1.5')}\n")
    assert json.loads(lambda_client.invoke(FunctionName="dec")["Payload"].read()) == {"a": 2, "b": 1.5}


def test_timeout_is_sandbox_timedout_and_does_not_hold_the_caller(lambda_mock, lambda_client, create_function):
    import time

    create_function("slow", "import time\ndef handler(e, c):\n    while True:  # interrupted at the timeout\n        time.sleep(0.02)\n", Timeout=1)
    started = time.monotonic()
    response = lambda_client.invoke(FunctionName="slow", LogType="Tail")
    assert time.monotonic() - started < 5  # the caller is released at the timeout, not after 30 s
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {  # spec 9.5
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    assert "Task timed out after 1.00 seconds" in base64.b64decode(response["LogResult"]).decode()


def test_tail_log_has_start_output_end_report(lambda_mock, lambda_client, create_function):
    create_function(
        "logs",
        """
        import logging
        logger = logging.getLogger()
        logger.setLevel(logging.INFO)
        def handler(event, context):
            print("Lambda log message - print function")
            logger.info("Lambda log message - logging module")
            return {}
        """,
    )
    response = lambda_client.invoke(FunctionName="logs", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = base64.b64decode(response["LogResult"]).decode().splitlines()
    # spec 1.9 and test_invocation_with_qualifier's log_result
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert lines[1] == "Lambda log message - print function"
    assert lines[2].startswith("[INFO]\t") and lines[2].endswith(f"\t{request_id}\tLambda log message - logging module")
    assert lines[3] == f"END RequestId: {request_id}"
    assert lines[4].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert "\tMemory Size: 128 MB\t" in lines[4] and "\tInit Duration: " in lines[4]  # first call is cold
    warm = base64.b64decode(lambda_client.invoke(FunctionName="logs", LogType="Tail")["LogResult"]).decode()
    assert "Init Duration" not in warm


def test_no_log_result_without_tail(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_AND_PRINT)
    assert "LogResult" not in lambda_client.invoke(FunctionName="echo")


def test_tail_is_the_last_4_kb(lambda_mock, lambda_client, create_function):
    create_function("chatty", "def handler(e, c):\n    for i in range(2000):\n        print('line', i)\n")
    log = base64.b64decode(lambda_client.invoke(FunctionName="chatty", LogType="Tail")["LogResult"])
    assert len(log) <= 4096
    assert log.decode().splitlines()[-1].startswith("REPORT RequestId:")
    assert b"line 1999" in log and b"line 0\n" not in log


def test_logs_reach_cloudwatch_logs(lambda_mock, lambda_client, create_function, aws_region):
    create_function("echo", ECHO_AND_PRINT)
    request_id = lambda_client.invoke(FunctionName="echo", Payload=b'{"x": 1}')["ResponseMetadata"]["RequestId"]
    logs = boto3.client("logs", region_name=aws_region)
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/echo")["logStreams"]
    assert len(streams) == 1
    assert streams[0]["logStreamName"].endswith("]" + streams[0]["logStreamName"].split("]")[-1])
    assert "[$LATEST]" in streams[0]["logStreamName"]
    messages = [
        e["message"]
        for e in logs.get_log_events(logGroupName="/aws/lambda/echo", logStreamName=streams[0]["logStreamName"])["events"]
    ]
    assert messages[0].startswith("INIT_START Runtime Version: python:3.11.")  # a cold start (spec 9.7)
    assert messages[1:3] == [f"START RequestId: {request_id} Version: $LATEST\n", "got {'x': 1}\n"]


def test_dry_run_validates_and_runs_nothing(lambda_mock, lambda_client, create_function):
    create_function("counted", "import os\ndef handler(e, c):\n    raise Exception('must not run')\n")
    response = lambda_client.invoke(FunctionName="counted", InvocationType="DryRun")
    assert response["StatusCode"] == 204  # spec 1.5
    assert response["Payload"].read() == b""
    assert "ExecutedVersion" not in response
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="missing", InvocationType="DryRun")
    assert error_of(excinfo)[:2] == (404, "ResourceNotFoundException")


def test_client_context_reaches_the_handler(lambda_mock, lambda_client, create_function):
    create_function(
        "ctx",
        """
        def handler(event, context):
            cc = context.client_context
            return {"custom": cc.custom, "env": cc.env, "app": cc.client.app_title}
        """,
    )
    client_context = {"custom": {"foo": "bar"}, "env": {"fizz": "buzz"}, "client": {"app_title": "t"}}
    response = lambda_client.invoke(
        FunctionName="ctx", ClientContext=base64.b64encode(json.dumps(client_context).encode()).decode()
    )
    assert json.loads(response["Payload"].read()) == {"custom": {"foo": "bar"}, "env": {"fizz": "buzz"}, "app": "t"}


def test_bad_client_context_is_invalid_request_content(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_AND_PRINT)
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="echo", ClientContext=base64.b64encode(b"[1]").decode())
    assert error_of(excinfo) == (  # spec 1.12
        400,
        "InvalidRequestContentException",
        "Client context must be a valid Base64-encoded JSON object.",
    )


def test_payload_over_6_mb_is_413(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_AND_PRINT)
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="echo", Payload=json.dumps("x" * (6 * 1024 * 1024)).encode())
    assert error_of(excinfo) == (  # spec 1.16
        413,
        "RequestEntityTooLargeException",
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
    )


@pytest.mark.parametrize(
    "payload, detail",
    [
        (
            b"\x99\xeb,j\x07\xa1zYh",  # the payloads recorded in test_lambda_invoke_payload_encoding_error
            "Unexpected character ((CTRL-CHAR, code 153)): expected a valid value (JSON String, Number, "
            "Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED "
            "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1]",
        ),
        (
            b"n\x87r\x9e\xe9\xb5\xd7I\xee\x9bmt",
            "Invalid UTF-8 start byte 0x87\n at [Source: REDACTED "
            "(`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 3]",
        ),
    ],
)
def test_payload_that_is_not_json_is_invalid_request_content(lambda_mock, lambda_client, create_function, payload, detail):
    create_function("echo", ECHO_AND_PRINT)
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="echo", Payload=payload)
    status, code, message = error_of(excinfo)
    assert (status, code) == (400, "InvalidRequestContentException")  # spec 1.17
    assert message == "Could not parse request body into json: Could not parse payload into json: " + detail


def test_unknown_function_qualifier_and_region(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_AND_PRINT)
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="doesnotexist")
    assert error_of(excinfo) == (  # spec 1.18
        404,
        "ResourceNotFoundException",
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:doesnotexist:$LATEST",
    )
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="echo", Qualifier="$latest")
    assert error_of(excinfo)[2] == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:echo:$latest"
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="echo", Qualifier="non-existent-alias")
    assert error_of(excinfo)[2].endswith(":function:echo:non-existent-alias")
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:echo")
    assert error_of(excinfo) == (  # spec 1.19
        404,
        "ResourceNotFoundException",
        "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
    )


def test_qualifier_mismatch_is_invalid_parameter(lambda_mock, lambda_client, create_function):
    create_function("echo", ECHO_AND_PRINT)
    lambda_client.publish_version(FunctionName="echo")
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="echo:1", Qualifier="$LATEST")
    assert error_of(excinfo) == (  # spec 1.10
        400,
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.",
    )


def test_zero_reserved_concurrency_throttles_sync_invokes(lambda_mock, lambda_client, create_function):
    create_function("capped", ECHO_AND_PRINT)
    lambda_client.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="capped")
    assert error_of(excinfo) == (429, "TooManyRequestsException", "Rate Exceeded.")  # spec 1.23
    assert excinfo.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_handler_boto3_calls_are_served_by_the_same_mock(lambda_mock, lambda_client, create_function, aws_region):
    boto3.client("s3", region_name=aws_region).create_bucket(Bucket="inbox")
    create_function(
        "writer",
        """
        import boto3
        def handler(event, context):
            s3 = boto3.client("s3")
            s3.put_object(Bucket="inbox", Key=event["key"], Body=b"written by the handler")
            return [o["Key"] for o in s3.list_objects_v2(Bucket="inbox")["Contents"]]
        """,
    )
    response = lambda_client.invoke(FunctionName="writer", Payload=b'{"key": "a.txt"}')
    assert json.loads(response["Payload"].read()) == ["a.txt"]
    body = boto3.client("s3", region_name=aws_region).get_object(Bucket="inbox", Key="a.txt")["Body"].read()
    assert body == b"written by the handler"


def test_invoke_is_answered_in_the_account_moto_would_use(monkeypatch, create_function, lambda_client):
    from mocklambda import mock_lambda

    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    with mock_lambda():
        create_function("ctx", "def handler(e, c):\n    return c.invoked_function_arn\n")
        arn = json.loads(lambda_client.invoke(FunctionName="ctx")["Payload"].read())
        assert arn == "arn:aws:lambda:us-east-1:111122223333:function:ctx"
        with pytest.raises(ClientError) as excinfo:
            lambda_client.invoke(FunctionName="missing")
        assert excinfo.value.response["Error"]["Message"].startswith("Function not found: arn:aws:lambda:us-east-1:111122223333:")
