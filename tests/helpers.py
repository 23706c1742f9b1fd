"""Handler sources and boto3 helpers shared by the test modules (as moto's
``tests/test_awslambda/utilities.py``). Fixtures stay in the root ``conftest.py``.

Import with ``from tests.helpers import ...``: the root ``conftest.py`` puts the repository root on
``sys.path`` (pytest's default "prepend" import mode), so this works from any test directory, with
``python -m pytest``, plain ``pytest`` and xdist workers alike.

One name means one body everywhere: where two modules needed different handlers they get different
names here (``FAILS`` vs ``FAILS_WITH_VALUE_ERROR``), never two bodies under one name.
"""

from __future__ import annotations

import fcntl
import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"  # the root conftest's aws_region fixture gives this one
ACCOUNT = "123456789012"  # moto's default account
FN_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{{}}"  # FN_ARN.format(name): unqualified
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")  # ISO-8601 UTC, milliseconds (spec 3.3)

# --- handler sources (handler.py, Handler "handler.handler") ---------------------------------------------------

ECHO = "def handler(event, context):\n    return event\n"
"""Returns its event unchanged."""

ECHO_WITH_REQUEST_ID = "def handler(event, context):\n    return {'event': event, 'id': context.aws_request_id}\n"
"""Returns ``{"event": <event>, "id": <the request id the handler saw>}``."""

ECHO_WITH_HELLO = "def handler(event, context):\n    return {'hello': 'world', 'event': event}\n"
"""Returns ``{"hello": "world", "event": <event>}``."""

ECHO_AND_PRINT = """
def handler(event, context):
    print("got", event)
    return {"event": event, "request_id": context.aws_request_id}
"""
"""Prints ``got <event>``; returns ``{"event": <event>, "request_id": <request id>}``."""

FAILS = 'def handler(event, context):\n    raise Exception("Test exception (this is intentional)")\n'
"""AWS's own test failure (test_lambda_destinations): ``Exception``, raised on line 2 of handler.py."""

FAILS_WITH_VALUE_ERROR = "def handler(event, context):\n    raise ValueError('nope')\n"
"""``ValueError: nope``."""

FAILS_NAMING_EVENT_SIZE = "def handler(event, context):\n    raise RuntimeError('cannot handle ' + str(len(event)))\n"
"""``RuntimeError: cannot handle <len(event)>``."""


# --- custom runtimes (provided.al2023): a bootstrap that speaks the Runtime API -------------------------------

RUNTIME_LOOP = """#!/usr/bin/env python3
import json, os, sys, urllib.error, urllib.request
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
COUNT = 0

def post(path, body, headers=None):
    request = urllib.request.Request(API + path, data=body, headers=headers or {{}}, method="POST")
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()

{handler}

while True:
    with urllib.request.urlopen(API + "/invocation/next") as answer:
        request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
        headers = dict(answer.headers.items())
        event = json.loads(answer.read() or b"{{}}")
    COUNT += 1
    try:
        result = handle(event, headers)
    except Exception as exc:
        body = {{"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": []}}
        post("/invocation/" + request_id + "/error", json.dumps(body).encode(),
             {{"Lambda-Runtime-Function-Error-Type": "Function." + type(exc).__name__}})
    else:
        post("/invocation/" + request_id + "/response", json.dumps(result).encode())
"""
"""A custom runtime in Python (urllib only): ``handle(event, headers)`` (put in with
``RUNTIME_LOOP.format(handler=...)``) answers each invocation; an exception it raises is posted to
``/error`` as ``{"errorMessage", "errorType", "stackTrace"}``. ``COUNT``: invocations this process served."""


def bootstrap_zip(bootstrap: str, *, executable: bool = True, files: dict[str, str] | None = None) -> bytes:
    """A deployment package whose ``bootstrap`` has the executable bit set in the zip's Unix mode
    (or not), as ``zip`` keeps it from the file system, plus any other ``files``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("bootstrap")
        info.create_system = 3  # Unix: the mode below is meaningful
        info.external_attr = (0o100755 if executable else 0o100644) << 16
        archive.writestr(info, bootstrap)
        for name, text in (files or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


# --- boto3 helpers ---------------------------------------------------------------------------------------------


def as_payload(payload: Any) -> bytes | str:
    """An Invoke ``Payload``: bytes and str are sent as they are, anything else as its JSON (None as ``{}``)."""
    if isinstance(payload, (bytes, str)):
        return payload
    return json.dumps({} if payload is None else payload).encode()


def invoke_event(lambda_client: Any, name: str, payload: Any = b"{}", **kwargs: Any) -> dict:
    """Invoke with InvocationType=Event; the whole response (202, empty body)."""
    return lambda_client.invoke(FunctionName=name, InvocationType="Event", Payload=as_payload(payload), **kwargs)


def send_event(lambda_client: Any, name: str, payload: Any = b"{}", **kwargs: Any) -> str:
    """Invoke with InvocationType=Event; the request id (which is the invocation's id, spec 1.25)."""
    return invoke_event(lambda_client, name, payload, **kwargs)["ResponseMetadata"]["RequestId"]


def invoke_json(lambda_client: Any, name: str, payload: Any = None, **kwargs: Any) -> Any:
    """A synchronous Invoke; the response body, decoded from JSON."""
    response = lambda_client.invoke(FunctionName=name, Payload=as_payload(payload), **kwargs)
    return json.loads(response["Payload"].read())


def make_queue(sqs: Any, name: str, **attributes: Any) -> tuple[str, str]:
    """A queue with the given attributes (values sent as str); its URL and ARN."""
    extra = {"Attributes": {k: str(v) for k, v in attributes.items()}} if attributes else {}
    url = sqs.create_queue(QueueName=name, **extra)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def receive(sqs: Any, url: str, count: int = 1) -> list[dict]:
    """One receive of up to 10 messages with all their message attributes; asserts exactly ``count`` came."""
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    found = messages.get("Messages", [])
    assert len(found) == count, found
    return found


def error_of(excinfo: Any) -> tuple[int, str, str]:
    """The HTTP status, error code and message of a ``pytest.raises(ClientError)``."""
    response = excinfo.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def metric_total(lam: Any, metric: str, function: str, statistic: str = "Sum") -> float:
    """A function's ``AWS/Lambda`` metric in CloudWatch, over the hour either side of the mock's clock."""
    return metric_value("AWS/Lambda", metric, {"FunctionName": function}, lam.clock.now(), statistic)


def metric_value(namespace: str, metric: str, dimensions: dict[str, str], around: datetime,
                 statistic: str = "Sum") -> float:
    """One metric (exactly these dimensions, as CloudWatch keeps each set apart) over the hour
    either side of ``around`` (one datapoint; 0 when there is none)."""
    points = boto3.client("cloudwatch", region_name=REGION).get_metric_statistics(
        Namespace=namespace, MetricName=metric, Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=around - timedelta(hours=1), EndTime=around + timedelta(hours=1), Period=7200, Statistics=[statistic],
    )["Datapoints"]
    return sum(point[statistic] for point in points)


def make_stream_table(dynamodb: Any, name: str, view_type: str = "NEW_AND_OLD_IMAGES", *,
                      sort_key: str | None = None) -> str:
    """A table (hash key ``pk``, string; optionally a string sort key) with a stream of
    ``view_type``; its stream's ARN (``LatestStreamArn``)."""
    keys = [("pk", "HASH")] + ([(sort_key, "RANGE")] if sort_key else [])
    table = dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in keys],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key, _ in keys],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
    )
    return table["TableDescription"]["LatestStreamArn"]


def streams_client(region: str = REGION) -> Any:
    """A DynamoDB Streams client moto answers: recent botocore sends DynamoDB Streams calls to an
    account-based endpoint (``<account>.streams-ddb.<region>``) that moto does not route (404)."""
    from botocore.config import Config

    return boto3.client("dynamodbstreams", region_name=region, config=Config(account_id_endpoint_mode="disabled"))


def on_failure_target(sqs: Any, destination: str) -> tuple[str, str]:
    """An SQS queue to read what a stream mapping gives up, and the on-failure destination to
    name: the queue itself, an SNS topic the queue subscribes to, or an S3 bucket
    (``on-failure-bucket``) -- as the upstream recordings set them up."""
    url, queue_arn = make_queue(sqs, "on-failure")
    if destination == "sns":
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name="on-failure-topic")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        return url, topic
    if destination == "s3":
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="on-failure-bucket")
        return url, "arn:aws:s3:::on-failure-bucket"
    return url, queue_arn


NPM_PROJECT = Path(__file__).resolve().parent / "node"
"""npm packages tests put in functions' zips (``package-lock.json`` pins them)."""


def npm_packages() -> Path:
    """``tests/node/node_modules``, installed with ``npm ci`` on first use (once, whichever xdist worker
    comes first), so that the README's one test command needs nothing else. Never skipped: no npm or
    no registry is a failure that says what to install."""
    modules = NPM_PROJECT / "node_modules"
    with open(NPM_PROJECT / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (modules / ".package-lock.json").is_file():
            npm = shutil.which("npm")
            if npm is None:
                raise AssertionError("npm is not on PATH: install Node.js and npm (apt-get install nodejs npm)")
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NPM_PROJECT, capture_output=True,
                                  text=True, timeout=600)
            if done.returncode != 0:
                raise AssertionError(f"`cd tests/node && npm ci` failed:\n{done.stdout}\n{done.stderr}")
    return modules
