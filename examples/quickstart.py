"""End to end: a real handler zip, created with boto3, invoked synchronously and asynchronously.

Run:  python examples/quickstart.py
"""

import io
import json
import zipfile

import boto3

from mocklambda import mock_lambda

HANDLER = '''
def handler(event, context):
    print("processing order", event["order"])
    if event["order"] == "bad":
        raise ValueError("cannot process order bad")
    return {"order": event["order"], "status": "done"}
'''


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


with mock_lambda() as lam:
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="orders", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    aws_lambda = boto3.client("lambda", region_name="us-east-1")
    aws_lambda.create_function(
        FunctionName="orders", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": zip_of(HANDLER)},
    )

    sync = aws_lambda.invoke(FunctionName="orders", Payload=json.dumps({"order": "42"}))
    print("sync:", sync["StatusCode"], json.loads(sync["Payload"].read()))

    queued = aws_lambda.invoke(FunctionName="orders", InvocationType="Event", Payload=json.dumps({"order": "bad"}))
    print("async:", queued["StatusCode"], "request id", queued["ResponseMetadata"]["RequestId"])

    lam.run_until_idle()  # three attempts, 1 and 2 virtual minutes apart, in milliseconds
    for invocation in lam.invocations():
        print(f"{invocation.request_id}: {invocation.condition} after {len(invocation.attempts)} attempts")
        for attempt in invocation.attempts:
            print(f"  {attempt.at:%H:%M:%S} {attempt.error_type}: {attempt.error_message}")
