"""Python functions run isolated (issue 15 item 7): each execution environment is a process of the
test's interpreter running AWS's own runtime interface client, ``python -m awslambdaric``, behind
the mock's Runtime API. What in-process execution cannot give, tested through boto3: exits and
crashes contained, an ``os.environ`` of its own. ``MemorySize`` and realtime parallelism are
tested for every process runtime in tests/test_process_everywhere.py."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

import mocklambda
from conftest import make_zip
from mocklambda import LambdaMock, MockLambdaError, mock_lambda
from mocklambda.cli import main as cli_main
from tests.helpers import FN_ARN, invoke_json, make_queue, receive
from tests.test_golden_snapshots import COMMON, COMMON_TEST, as_recorded, assert_shape, recorded
from tests.test_logs import tail
from tests.test_provided_runtime import alive
from tests.test_server import deploy, server  # noqa: F401 - server is a fixture

ISOLATED = pytest.mark.lambda_mock(isolation="process")
pytestmark = ISOLATED

PROBE = """
import ctypes, json, os, sys, time

def handler(event, context):
    print("event", json.dumps(event))
    if "exit" in event:
        os._exit(event["exit"])
    if "segfault" in event:
        ctypes.string_at(0)
    if "setenv" in event:
        os.environ["SET_BY_HANDLER"] = event["setenv"]
    started = time.time()
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "started": started, "ended": time.time(), "env": dict(os.environ),
            "path": sys.path[:3], "cwd": os.getcwd()}
"""
"""Does what its event asks (exit, segfault, set a variable, sleep), then reports its
process: pid, when it ran, its environment, the head of ``sys.path``, its directory."""

# the LocalStack handlers behind the recordings (tests/aws/services/lambda_/functions/common/*/python)
INTROSPECTION = """
import json
import os


def handler(event, context):
    print(json.dumps(event))
    return {
        "environment": dict(os.environ),
        "ctx": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "remaining_time_in_millis": context.get_remaining_time_in_millis(),
        },
        "packages": [],
    }
"""
ECHO = "import json\n\n\ndef handler(event, ctx):\n    print(json.dumps(event))\n    return event\n"
UNCAUGHT = ("import json\n\n\ndef handler(event, ctx):\n    print(json.dumps(event))\n"
            "    raise Exception(f\"Failed: {event.get('error_msg')}\")\n")


def test_the_handler_runs_in_a_process_of_awslambdaric(lambda_mock, lambda_client, create_function):
    create_function("probe", PROBE)
    report = invoke_json(lambda_client, "probe", {})
    assert report["pid"] != os.getpid() and alive(report["pid"])
    with open(f"/proc/{report['pid']}/cmdline", "rb") as cmdline:
        assert cmdline.read().split(b"\0")[:4] == [sys.executable.encode(), b"-m", b"awslambdaric", b"handler.handler"]
    assert report["cwd"] == report["env"]["LAMBDA_TASK_ROOT"] == report["path"][0]  # task root first on sys.path
    assert invoke_json(lambda_client, "probe", {})["pid"] == report["pid"]  # warm


def test_echo_invoke_returns_every_payload_as_sent(lambda_mock, lambda_client, create_function):
    """test_echo_invoke's payloads (its recording holds no response: the test asserts equality)."""
    create_function("echo", ECHO, Runtime="python3.12", MemorySize=1024, Timeout=5)
    for payload in ({"hello": "world"}, {"hello": "'\" some other ''\"\" quotes, a emoji 🥳 and some brackets {[}}[([]))"},
                    {"hello": "obi wan!" * 128 * 1024 * 5}, True, False, None, [1, 2], 1):
        response = lambda_client.invoke(FunctionName="echo", Payload=json.dumps(payload).encode())
        assert (response["StatusCode"], "FunctionError" in response) == (200, False)
        assert json.load(response["Payload"]) == payload
    assert json.load(lambda_client.invoke(FunctionName="echo")["Payload"]) == {}  # no payload at all


@pytest.mark.parametrize("runtime", ["python3.12", "python3.13"])
def test_an_uncaught_exception_is_awss_error(lambda_mock, lambda_client, create_function, runtime):
    """test_uncaught_exception_invoke: awslambdaric's own error object, in AWS's order; its stack
    trace names the handler as Lambda shows it (``/var/task``), never the host's directory."""
    golden = recorded(COMMON, COMMON_TEST + f"test_uncaught_exception_invoke[{runtime}]")
    create_function("uncaught", UNCAUGHT, Runtime=runtime, MemorySize=1024)
    invoked = lambda_client.invoke(FunctionName="uncaught", Payload=b'{"error_msg": "some_error_msg"}')
    request_id = invoked["ResponseMetadata"]["RequestId"]
    recorded_form = as_recorded(invoked)
    shape = assert_shape([(recorded_form, golden["error_result"])])
    assert shape.bound["<uuid:2>"] == request_id
    payload = json.loads(recorded_form["Payload"]) if isinstance(recorded_form["Payload"], str) else recorded_form["Payload"]
    assert payload["stackTrace"] == ['  File "/var/task/handler.py", line 6, in handler\n'
                                     "    raise Exception(f\"Failed: {event.get('error_msg')}\")\n"]


def test_introspection_invoke_sees_lambdas_context_and_environment(lambda_mock, lambda_client, create_function):
    """test_introspection_invoke[python3.12]: the context's fields as recorded, and the environment
    holds Lambda's variables with the recorded values and nothing of the test's own."""
    golden = recorded(COMMON, COMMON_TEST + "test_introspection_invoke[python3.12]")
    create_function("introspect", INTROSPECTION, Runtime="python3.12", MemorySize=1024,
                    Environment={"Variables": {"TEST_KEY": "TEST_VAL"}})
    for call, key in (({}, "invocation_result_payload"),
                      ({"Qualifier": "$LATEST"}, "invocation_result_payload_qualified")):
        result = invoke_json(lambda_client, "introspect", {"simple": "payload"}, **call)
        expected = golden[key]
        assert sorted(result["ctx"]) == sorted(expected["ctx"])  # the recording sorts keys
        fixed = ("function_version", "memory_limit_in_mb", "log_group_name")
        assert {k: result["ctx"][k] for k in fixed} == {"function_version": "$LATEST", "memory_limit_in_mb": "1024",
                                                        "log_group_name": "/aws/lambda/introspect"}
        assert result["ctx"]["invoked_function_arn"] == FN_ARN.format("introspect") + (":$LATEST" if call else "")
        assert 0 < result["ctx"]["remaining_time_in_millis"] <= 3000
        environment = result["environment"]
        assert environment["AWS_LAMBDA_LOG_STREAM_NAME"] == result["ctx"]["log_stream_name"]
        unmasked = {k: v for k, v in expected["environment"].items() if "<" not in v and k in environment
                    and k not in ("LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT", "LD_LIBRARY_PATH", "PATH", "PWD",
                                  "PYTHONPATH", "AWS_LAMBDA_RUNTIME_API")}  # host paths and addresses here
        assert {k: environment[k] for k in unmasked} == unmasked
        assert {"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "TEST_KEY", "_HANDLER", "TZ"} <= set(unmasked)
        # nothing Lambda does not set, but the endpoint that sends its AWS calls to the mock (issue 15 item 5)
        assert set(environment) - set(expected["environment"]) == {"AWS_ENDPOINT_URL"}
        assert result["packages"] == expected["packages"]


def test_os_exit_is_contained_and_the_next_invocation_starts_cold(lambda_mock, lambda_client, create_function):
    """``os._exit(1)`` ends the environment, not the test: ``Runtime.ExitError`` (spec 9.6)."""
    create_function("exits", PROBE)
    pid = invoke_json(lambda_client, "exits", {})["pid"]
    response = lambda_client.invoke(FunctionName="exits", Payload=b'{"exit": 1}')
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 1"}
    after = lambda_client.invoke(FunctionName="exits", Payload=b"{}", LogType="Tail")
    assert json.loads(after["Payload"].read())["pid"] != pid and not alive(pid)
    assert "Init Duration: " in tail(after)  # cold


def test_a_segfault_is_contained(lambda_mock, lambda_client, create_function):
    create_function("crashes", PROBE)
    response = lambda_client.invoke(FunctionName="crashes", Payload=b'{"segfault": true}')
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read()) == {  # spec 9.6, the signal as Go names it
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: segmentation fault"}
    assert "pid" in invoke_json(lambda_client, "crashes", {})  # the next one runs


def test_the_handlers_environment_is_its_own(lambda_mock, lambda_client, create_function, monkeypatch):
    """No shared ``os.environ``: the test's variables never reach the handler, the handler's never reach the test."""
    monkeypatch.setenv("THE_TESTS_OWN", "secret")
    create_function("env", PROBE)
    report = invoke_json(lambda_client, "env", {"setenv": "by-handler"})
    assert "THE_TESTS_OWN" not in report["env"] and report["env"]["SET_BY_HANDLER"] == "by-handler"
    assert "SET_BY_HANDLER" not in os.environ
    assert report["env"]["AWS_ACCESS_KEY_ID"] == "testing"  # fake credentials, never the test's


def test_the_handlers_boto3_calls_reach_the_same_mock(lambda_mock, lambda_client, create_function, sqs):
    """Not patched (another process): its boto3 follows ``AWS_ENDPOINT_URL`` to the mock's loopback server."""
    url, _ = make_queue(sqs, "from-isolated")
    create_function("writer", "import boto3, os\n\ndef handler(event, context):\n"
                    "    sqs = boto3.client('sqs')\n"
                    "    url = sqs.get_queue_url(QueueName=event['queue'])['QueueUrl']\n"
                    "    return sqs.send_message(QueueUrl=url, MessageBody='hello')['MessageId']\n")
    message_id = invoke_json(lambda_client, "writer", {"queue": "from-isolated"})
    [message] = receive(sqs, url)
    assert (message["Body"], message["MessageId"]) == ("hello", message_id)


def test_a_layers_python_directory_is_on_the_path(lambda_mock, lambda_client, create_function):
    layer = lambda_client.publish_layer_version(LayerName="shared", Content={"ZipFile": make_zip(
        {"python/shared_helpers.py": "GREETING = 'from the layer'\n"})})["LayerVersionArn"]
    create_function("layered", "import shared_helpers\n\ndef handler(event, context):\n    return shared_helpers.GREETING\n",
                    Layers=[layer])
    assert invoke_json(lambda_client, "layered", {}) == "from the layer"


def test_a_timeout_kills_the_process(lambda_mock, lambda_client, create_function):
    create_function("slow", PROBE, Timeout=1)
    pid = invoke_json(lambda_client, "slow", {})["pid"]
    response = lambda_client.invoke(FunctionName="slow", Payload=b'{"sleep": 30}')
    assert json.loads(response["Payload"].read())["errorType"] == "Sandbox.Timedout"  # spec 9.5
    assert not alive(pid)


def test_a_bound_callable_still_runs_in_process(lambda_mock, lambda_client, create_function):
    create_function("bound", PROBE)
    lambda_mock.handler("bound", lambda event, context: {"pid": os.getpid()})
    assert invoke_json(lambda_client, "bound", {}) == {"pid": os.getpid()}


@pytest.mark.lambda_mock()
def test_isolate_runs_one_function_in_a_process_and_leaves_the_others_in_process(lambda_mock, lambda_client,
                                                                                  create_function):
    create_function("isolated", PROBE)
    create_function("in-process", PROBE)
    lambda_mock.isolate("isolated")
    assert invoke_json(lambda_client, "isolated", {})["pid"] != os.getpid()
    assert invoke_json(lambda_client, "in-process", {})["pid"] == os.getpid()


@pytest.mark.lambda_mock()
def test_isolation_without_awslambdaric_is_refused_naming_the_install(lambda_mock, monkeypatch):
    monkeypatch.setitem(sys.modules, "awslambdaric", None)  # as if not installed
    for ask in (lambda: LambdaMock(isolation="process"), lambda: mock_lambda(isolation="process"),
                lambda: lambda_mock.isolate("fn")):
        with pytest.raises(MockLambdaError, match=re.escape("pip install mocklambda[isolated]")):
            ask()
    with pytest.raises(SystemExit) as exited:  # before anything is served
        cli_main(["serve", "--port", "0", "--isolation", "process"])
    assert "pip install mocklambda[isolated]" in str(exited.value.code)


@pytest.mark.lambda_mock()
def test_an_unknown_isolation_is_refused(lambda_mock):
    with pytest.raises(MockLambdaError, match="isolation must be one of in-process, process; got 'thread'"):
        LambdaMock(isolation="thread")  # type: ignore[arg-type]


@pytest.mark.parametrize("server", [["--isolation", "process"]], indirect=True)
def test_serve_runs_python_functions_isolated(server):  # noqa: F811 - the fixture
    process, endpoint = server
    aws_lambda = deploy(endpoint, "exits", "import os\n\ndef handler(e, c):\n    os._exit(3) if e.get('exit') else None\n"
                        "    return os.getpid()\n")
    pid = json.loads(aws_lambda.invoke(FunctionName="exits")["Payload"].read())
    assert pid != process.pid
    error = json.loads(aws_lambda.invoke(FunctionName="exits", Payload=b'{"exit": true}')["Payload"].read())
    assert error["errorType"] == "Runtime.ExitError" and error["errorMessage"].endswith("exit status 3")
    assert process.poll() is None  # the server lives on


def test_the_ini_option_isolates_the_fixtures_functions(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(mocklambda.__file__).resolve().parents[1]))  # this checkout's plugin
    pytester.makeini("[pytest]\nmocklambda_isolation = process\n")
    pytester.makeconftest("pytest_plugins = []\n")
    pytester.makepyfile(test_ini="""
import io, os, zipfile, boto3

def test_isolated(lambda_mock):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "import os\\ndef handler(e, c):\\n    return os.getpid()\\n")
    client = boto3.client("lambda", region_name="us-east-1")
    role = boto3.client("iam", region_name="us-east-1").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    client.create_function(FunctionName="f", Runtime="python3.12", Role=role["Role"]["Arn"],
                           Handler="handler.handler", Code={"ZipFile": buffer.getvalue()})
    assert int(client.invoke(FunctionName="f")["Payload"].read()) != os.getpid()
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1)


pytest_plugins = ["pytester"]
