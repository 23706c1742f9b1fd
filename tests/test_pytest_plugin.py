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
