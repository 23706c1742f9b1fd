"""``pytest --mocklambda``: an existing moto suite gets AWS's Lambda behaviour without edits."""

from __future__ import annotations

pytest_plugins = ["pytester"]

MOTO_STYLE_TEST = '''
import io, json, zipfile
import boto3
from moto import mock_aws

def zip_of(source):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()

@mock_aws
def test_invoke():
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda", region_name="us-east-1")
    client.create_function(FunctionName="f", Runtime="python3.11", Role=role, Handler="handler.handler",
                           Code={"ZipFile": zip_of("def handler(e, c):\\n    return {'ran': 'in-process'}\\n")})
    body = json.loads(client.invoke(FunctionName="f")["Payload"].read())
    event = client.invoke(FunctionName="f", InvocationType="Event")
    assert event["Payload"].read() == b""
    print("RESULT", body)
'''


def test_flag_makes_mock_aws_run_handlers(pytester):
    pytester.makepyfile(MOTO_STYLE_TEST)
    result = pytester.runpytest_subprocess("--mocklambda", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*RESULT {'ran': 'in-process'}*"])


def test_without_the_flag_moto_behaves_as_before(pytester):
    pytester.makepyfile(MOTO_STYLE_TEST)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    # moto alone runs Event invokes inline and returns their output in the body (not AWS's b"")
    result.assert_outcomes(failed=1)


def test_a_failing_test_shows_the_timeline_of_every_event(pytester):
    pytester.makeconftest("from conftest_helpers import *")
    pytester.makepyfile(
        conftest_helpers="",
        test_fails='''
import boto3
from mocklambda import mock_lambda

def test_order_pipeline(lambda_mock):
    boto3.client("iam", region_name="us-east-1").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    client = boto3.client("lambda", region_name="us-east-1")
    import io, zipfile
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").writestr("handler.py", "def handler(e, c):\\n    raise KeyError('order_id')\\n")
    client.create_function(FunctionName="orders", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/r",
                           Handler="handler.handler", Code={"ZipFile": buffer.getvalue()})
    client.invoke(FunctionName="orders", InvocationType="Event", Payload=b"{}")
    lambda_mock.run_until_idle()
    assert lambda_mock.invocations()[0].condition == "Success"
''',
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*mocklambda timeline*",
        "*function:orders:$LATEST*-> RetriesExhausted",
        "*+   0.000s  attempt 1: KeyError: 'order_id'",
        "*+  60.000s  attempt 2: KeyError: 'order_id'",
        "*+ 180.000s  attempt 3: KeyError: 'order_id'",
    ])


def test_timeline_is_available_to_scripts(lambda_mock, lambda_client, create_function):
    assert str(lambda_mock).startswith("mocklambda: no asynchronous events")
    create_function("echo", "def handler(e, c):\n    return 1\n")
    request_id = lambda_client.invoke(FunctionName="echo", InvocationType="Event")["ResponseMetadata"]["RequestId"]
    lambda_mock.run_until_idle()
    text = lambda_mock.timeline()
    assert f"{request_id}  -> Success" in text
    assert "attempt 1: ok" in text
