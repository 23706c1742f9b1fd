"""The in-process Python runtime: code, layers, environment, context, warm containers (spec §9)."""

from __future__ import annotations

import json
import os
import sys
import time

import boto3
import pytest

from conftest import make_zip
from mocklambda import MockLambdaWarning
from tests.helpers import invoke_json

REPORT_ENV = """
import os
def handler(event, context):
    return {k: os.environ.get(k) for k in event["keys"]}
"""


def test_lambda_environment_exists_only_while_the_handler_runs(lambda_mock, lambda_client, create_function):
    create_function("env", REPORT_ENV, Environment={"Variables": {"TABLE": "orders"}}, MemorySize=256)
    keys = ["TABLE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "_HANDLER", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_EXECUTION_ENV"]
    seen = invoke_json(lambda_client, "env", {"keys": keys})
    assert seen == {  # spec 9.2
        "TABLE": "orders",
        "AWS_LAMBDA_FUNCTION_NAME": "env",
        "AWS_REGION": "us-east-1",
        "_HANDLER": "handler.handler",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/env",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    }
    for key in ("TABLE", "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER", "AWS_LAMBDA_LOG_GROUP_NAME"):
        assert key not in os.environ


def test_context_has_the_runtime_fields(lambda_mock, lambda_client, create_function):
    create_function(
        "ctx",
        """
        def handler(event, context):
            return {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "client_context": context.client_context,
                "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
                "remaining": context.get_remaining_time_in_millis(),
            }
        """,
        Timeout=10,
    )
    lambda_client.publish_version(FunctionName="ctx")
    response = lambda_client.invoke(FunctionName="ctx", Qualifier="1")
    seen = json.loads(response["Payload"].read())
    assert seen["aws_request_id"] == response["ResponseMetadata"]["RequestId"]
    assert seen["function_name"] == "ctx"
    assert seen["function_version"] == "1"
    assert seen["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:ctx:1"  # spec 9.1
    assert seen["memory_limit_in_mb"] == "128"  # a str, as in the runtime
    assert seen["log_group_name"] == "/aws/lambda/ctx"
    assert "[1]" in seen["log_stream_name"]
    assert seen["client_context"] is None
    assert seen["identity"] == [None, None]
    assert 9000 < seen["remaining"] <= 10000
    unqualified = invoke_json(lambda_client, "ctx")
    assert unqualified["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:ctx"


def test_module_state_persists_between_calls_like_a_warm_container(lambda_mock, lambda_client, create_function):
    create_function("warm", "CALLS = []\ndef handler(event, context):\n    CALLS.append(1)\n    return len(CALLS)\n")
    assert [invoke_json(lambda_client, "warm") for _ in range(3)] == [1, 2, 3]


def test_functions_with_same_module_names_never_see_each_other(lambda_mock, lambda_client, create_function):
    helper = "def name():\n    return {!r}\n"
    handler = "import helper\ndef handler(event, context):\n    return helper.name()\n"
    create_function("first", {"handler.py": handler, "helper.py": helper.format("first")})
    create_function("second", {"handler.py": handler, "helper.py": helper.format("second")})
    assert [invoke_json(lambda_client, n) for n in ("first", "second", "first")] == ["first", "second", "first"]


def test_the_tests_own_modules_of_the_same_name_are_untouched(lambda_mock, lambda_client, create_function):
    import types

    ours = types.ModuleType("helper")
    sys.modules["helper"] = ours
    try:
        create_function("f", {"handler.py": "import helper\ndef handler(e, c):\n    return helper.X\n",
                              "helper.py": "X = 'from the zip'\n"})
        assert invoke_json(lambda_client, "f") == "from the zip"
        assert sys.modules["helper"] is ours
    finally:
        del sys.modules["helper"]


def test_a_published_version_keeps_its_code(lambda_mock, lambda_client, create_function):
    create_function("pub", "def handler(e, c):\n    return 'one'\n")
    lambda_client.publish_version(FunctionName="pub")
    lambda_client.update_function_code(FunctionName="pub", ZipFile=make_zip({"handler.py": "def handler(e, c):\n    return 'two'\n"}))
    assert invoke_json(lambda_client, "pub") == "two"
    assert invoke_json(lambda_client, "pub", Qualifier="1") == "one"


def test_handler_in_a_subdirectory(lambda_mock, lambda_client, create_function):
    create_function("nested", {"src/app/main.py": "def run(e, c):\n    return __name__\n"}, Handler="src/app/main.run")
    assert invoke_json(lambda_client, "nested") == "src.app.main"


def test_code_from_s3(lambda_mock, lambda_client, role_arn, aws_region):
    s3 = boto3.client("s3", region_name=aws_region)
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="fn.zip", Body=make_zip({"handler.py": "def handler(e, c):\n    return 's3'\n"}))
    lambda_client.create_function(FunctionName="froms3", Runtime="python3.12", Role=role_arn(),
                                  Handler="handler.handler", Code={"S3Bucket": "artifacts", "S3Key": "fn.zip"})
    assert invoke_json(lambda_client, "froms3") == "s3"


@pytest.mark.parametrize("runtime", ["python3.11", "python3.12", "python3.13"])
def test_layers_are_importable_as_on_lambda(lambda_mock, lambda_client, create_function, runtime):
    """A layer's site-packages is the one of the function's Runtime, not the test interpreter's
    (issue 12 item 6): a layer built for python3.12 imports whatever Python runs the tests."""
    layer = lambda_client.publish_layer_version(
        LayerName="shared",
        Content={"ZipFile": make_zip({"python/shared_lib.py": "VALUE = 'from layer'\n",
                                      f"python/lib/{runtime}/site-packages/vendored.py": "V = 2\n",
                                      "python/lib/python3.9/site-packages/vendored.py": "V = 'wrong version'\n"})},
        CompatibleRuntimes=[runtime],
    )["LayerVersionArn"]
    create_function("layered", "import shared_lib, vendored\ndef handler(e, c):\n    return [shared_lib.VALUE, vendored.V]\n",
                    Layers=[layer], Runtime=runtime)
    assert invoke_json(lambda_client, "layered") == ["from layer", 2]


def test_bound_callable_replaces_the_code(lambda_mock, lambda_client, create_function):
    create_function("bound", "def handler(e, c):\n    return 'zip'\n")
    lambda_mock.handler("bound", lambda event, context: {"bound": event, "fn": context.function_name})
    assert invoke_json(lambda_client, "bound", {"a": 1}) == {"bound": {"a": 1}, "fn": "bound"}


def test_bound_as_decorator(lambda_mock, lambda_client, create_function):
    create_function("deco", "def handler(e, c):\n    return 'zip'\n")

    @lambda_mock.handler("deco")
    def fake(event, context):
        return "decorated"

    assert invoke_json(lambda_client, "deco") == "decorated"


def test_bound_return_value_and_side_effect_have_unittest_mock_meaning(lambda_mock, lambda_client, create_function):
    create_function("mocked", "def handler(e, c):\n    return 'zip'\n")
    mock = lambda_mock.handler("mocked", return_value={"status": "ok"})
    assert invoke_json(lambda_client, "mocked", {"n": 1}) == {"status": "ok"}
    assert mock.call_args.args[0] == {"n": 1}
    lambda_mock.handler("mocked", side_effect=[ValueError("first fails"), "second works"])
    response = lambda_client.invoke(FunctionName="mocked")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "ValueError"
    assert invoke_json(lambda_client, "mocked") == "second works"


def test_non_python_runtime_without_a_bound_handler_is_a_clear_function_error(lambda_mock, lambda_client, create_function):
    create_function("java", {"Main.java": "class Main {}"}, Runtime="java21", Handler="Main::handle")
    with pytest.warns(MockLambdaWarning, match="lam.handler\\('java', fn\\)"):
        response = lambda_client.invoke(FunctionName="java")
    assert response["FunctionError"] == "Unhandled"
    payload = json.loads(response["Payload"].read())
    assert payload["errorType"] == "MockLambda.NoHandler"
    assert "runtime java21" in payload["errorMessage"]
    lambda_mock.handler("java", return_value=1)
    assert invoke_json(lambda_client, "java") == 1


@pytest.mark.parametrize("code, reason", [
    ("", "Runtime exited without providing a reason"),
    ("0", "Runtime exited without providing a reason"),
    ("3", "Runtime exited with error: exit status 3"),
])
def test_sys_exit_while_the_module_is_imported_is_a_runtime_exit_error(lambda_mock, lambda_client, create_function,
                                                                        code, reason):
    """spec 2.3 / 9.6: the runtime process exits during init; a function error, never a 200 with an
    empty body, and nothing after it waits (a healthy function's cold start runs at once)."""
    create_function("exits", f"import sys\nsys.exit({code})\ndef handler(event, context):\n    return 1\n")
    create_function("healthy", "def handler(event, context):\n    return 'fine'\n")
    response = lambda_client.invoke(FunctionName="exits")
    payload = json.loads(response["Payload"].read())
    assert response.get("FunctionError") == "Unhandled"
    assert payload == {"errorType": "Runtime.ExitError",
                       "errorMessage": f"RequestId: {response['ResponseMetadata']['RequestId']} Error: {reason}"}
    started = time.monotonic()
    assert invoke_json(lambda_client, "healthy") == "fine"
    assert time.monotonic() - started < 2  # it used to wait for the dead handler thread's timeout
    lambda_client.put_function_event_invoke_config(FunctionName="exits", MaximumRetryAttempts=2)
    lambda_client.invoke(FunctionName="exits", InvocationType="Event", Payload=b"{}")
    lambda_mock.run_until_idle()
    [invocation] = lambda_mock.invocations("exits")
    assert invocation.condition == "RetriesExhausted"  # spec 2.2: retried like any function error
    assert [a.error_type for a in invocation.attempts] == ["Runtime.ExitError"] * 3
