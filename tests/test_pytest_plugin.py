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


def test_the_flag_refuses_what_aws_refuses_at_create_function(pytester):
    """A moto suite's fake package or runtime fails under the flag as it would on AWS, with AWS's
    error, at CreateFunction (choices table; tests/moto_compat/EXPECTED_DIFFERENCES.md)."""
    pytester.makepyfile('''
import boto3, pytest
from botocore.exceptions import ClientError
from moto import mock_aws

@mock_aws
@pytest.mark.parametrize("runtime, code", [("3.11", None), ("python3.11", b"any zip file")])
def test_create(runtime, code):
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda", region_name="us-east-1")
    import io, zipfile
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").writestr("handler.py", "def handler(e, c):\\n    return 1\\n")
    with pytest.raises(ClientError) as refused:
        client.create_function(FunctionName="f", Runtime=runtime, Role=role, Handler="handler.handler",
                               Code={"ZipFile": code or buffer.getvalue()})
    print("REFUSED", refused.value.response["Error"]["Message"][:40])
    assert client.list_functions()["Functions"] == []
''')
    result = pytester.runpytest_subprocess("--mocklambda", "-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*REFUSED Value 3.11 at 'runtime' failed to satisf*",
                                 "*REFUSED Could not unzip uploaded file. Please c*"])


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
