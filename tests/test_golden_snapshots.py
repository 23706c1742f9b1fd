"""Golden data: what mocklambda delivers, compared with responses recorded against real AWS.

The recordings are LocalStack snapshot files (``shared/reference/localstack-snapshots``, see its
README.md), read as they are, never copied by hand. Each test replays one recorded scenario through
real boto3 calls under mocklambda and compares what a test reads back with the recorded entry:

* the same keys, in the same order inside the JSON documents Lambda writes (invocation records,
  invoke payloads) wherever the recording keeps AWS's order;
* the same value types;
* equal values wherever the recording is not masked (conditions, approximateInvokeCount,
  statusCode, executedVersion, functionError, ErrorCode, error messages, stack traces, MD5s...).

Masked values (``<uuid:1>``, ``arn:<partition>:...:111111111111:...``, ``"date"``) match any string of
their form, and an equal placeholder number must mean an equal value, as in the recordings.
Spec: ``shared/reference/aws-lambda-async-spec.md`` §3 (records), §4 (dead-letter queues), §1/§9 (invoke errors).
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import make_zip
from tests.helpers import REGION, make_queue, send_event

SNAPSHOTS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "localstack-snapshots"

DESTINATIONS = "test_lambda_destinations.snapshot.json"
LAMBDA = "test_lambda.snapshot.json"
COMMON = "test_lambda_common.snapshot.json"
SNS_DLQ = "test_sns.lambda_dlq_subset.snapshot.json"
DESTINATIONS_TEST = "tests/aws/services/lambda_/test_lambda_destinations.py::"
LAMBDA_TEST = "tests/aws/services/lambda_/test_lambda.py::"
COMMON_TEST = "tests/aws/services/lambda_/test_lambda_common.py::TestLambdaRuntimesCommon::"
SNS_DLQ_TEST = ("tests/aws/services/sns/test_sns.py::TestSNSSubscriptionLambda::"
                "test_sns_topic_as_lambda_dead_letter_queue")
CFN = "test_cfn_lambda.event_invoke_subset.snapshot.json"
CFN_TEST = "tests/aws/services/cloudformation/resources/test_lambda.py::"


@functools.cache
def _snapshot_file(name: str) -> dict[str, Any]:
    return json.loads((SNAPSHOTS / name).read_text(encoding="utf-8"))


def recorded(file: str, test: str) -> dict[str, Any]:
    """The ``recorded-content`` of one snapshot entry (skips when the recordings are not there)."""
    if not (SNAPSHOTS / file).is_file():
        pytest.skip(f"AWS recordings not found at {SNAPSHOTS / file} (expected the shared reference directory "
                    "next to the repository: ../shared/reference/localstack-snapshots)")
    return _snapshot_file(file)[test]["recorded-content"]


# --- the shape comparison ---------------------------------------------------------------------------------------

# a placeholder, a timestamp masked by its format (``<timestamp:2022-07-13T13:48:01.000Z>``), or the account id
TOKEN = re.compile(r"<timestamp:[0-9TZ:.+-]+>|<[A-Za-z0-9_.-]+(?::\d+)?>|111111111111")
TIMESTAMP_FORMAT = re.compile(r"<timestamp:([0-9TZ:.+-]+)>")
NUMBERED = re.compile(r"<[A-Za-z0-9_.-]+:\d+>")  # "<uuid:1>": the same number is the same value everywhere
WHOLE_VALUE_MASKS: dict[str, type | tuple[type, ...]] = {"date": str, "datetime": (str, datetime), "timestamp": str}
NON_STRING_MASKS: dict[str, type | tuple[type, ...]] = {
    "<stack-trace>": list, "<code-size>": int,
    # stream records' epoch seconds: Kinesis to the millisecond, DynamoDB in whole seconds (or finer)
    "<approximate-arrival-timestamp>": float, "<approximate-creation-datetime>": (int, float),
}


class Shape:
    """Compares an actual value with a recorded one and collects every difference (``problems``).

    ``ordered``: dict key order is compared inside JSON documents (an SQS body, an invoke payload),
    where the recording keeps AWS's order. Dicts botocore builds from an API response carry no order
    of AWS's, and some recorders sort every key, so for those only the key sets are compared.
    """

    def __init__(self, *, ordered: bool) -> None:
        self.ordered = ordered
        self.bound: dict[str, str] = {}  # placeholder -> the actual value it stood for
        self.problems: list[str] = []

    def compare(self, actual: Any, expected: Any, path: str = "$", in_document: bool = False) -> None:
        if isinstance(expected, (dict, list)) and isinstance(actual, (str, bytes)):
            try:  # the recorder stores JSON documents (bodies, payloads, SNS messages) parsed
                actual, in_document = json.loads(actual), True
            except ValueError:
                self.problems.append(f"{path}: expected a JSON document, got {actual!r}")
                return
        if isinstance(expected, dict):
            self._dict(actual, expected, path, in_document)
        elif isinstance(expected, list):
            if not isinstance(actual, list) or len(actual) != len(expected):
                self.problems.append(f"{path}: expected a list of {len(expected)}, got {actual!r}")
                return
            for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
                self.compare(a, e, f"{path}[{index}]", in_document)
        elif isinstance(expected, str):
            self._string(actual, expected, path)
        elif type(actual) is not type(expected) or actual != expected:  # None, bool, int, float: never masked
            self.problems.append(f"{path}: expected {expected!r}, got {actual!r}")

    def _dict(self, actual: Any, expected: dict[str, Any], path: str, in_document: bool) -> None:
        if not isinstance(actual, dict):
            self.problems.append(f"{path}: expected an object, got {actual!r}")
            return
        if self.ordered and in_document:
            if list(actual) != list(expected):
                self.problems.append(f"{path}: keys {list(actual)} != recorded {list(expected)} (in this order)")
        elif set(actual) != set(expected):
            self.problems.append(f"{path}: keys {sorted(actual)} != recorded {sorted(expected)}")
        for key, value in expected.items():
            if key in actual:
                self.compare(actual[key], value, f"{path}.{key}", in_document)

    def _string(self, actual: Any, expected: str, path: str) -> None:
        masks = WHOLE_VALUE_MASKS.get(expected) or NON_STRING_MASKS.get(expected)
        if masks is not None:
            if not isinstance(actual, masks):
                self.problems.append(f"{path}: expected a value masked as {expected!r}, got {actual!r}")
            return
        if not isinstance(actual, str):
            self.problems.append(f"{path}: expected a string like {expected!r}, got {actual!r}")
            return
        pattern, groups = self._pattern(expected)
        match = re.fullmatch(pattern, actual, re.DOTALL)
        if match is None:
            self.problems.append(f"{path}: {actual!r} does not match the recorded {expected!r}")
            return
        for group, placeholder in groups.items():
            self.bound[placeholder] = match.group(group)

    def _pattern(self, expected: str) -> tuple[str, dict[str, str]]:
        """A regex for a recorded string: literal text, placeholders as wildcards (or their bound value)."""
        pattern, groups, end = "", {}, 0
        for token in TOKEN.finditer(expected):
            pattern += re.escape(expected[end:token.start()])
            text, end = token.group(), token.end()
            if text == "111111111111":
                pattern += r"\d{12}"
            elif (example := TIMESTAMP_FORMAT.fullmatch(text)) is not None:  # the same format, any instant
                pattern += re.sub(r"\\d|\d", r"\\d", re.escape(example.group(1)))
            elif text in self.bound:
                pattern += re.escape(self.bound[text])
            elif text in groups.values():
                pattern += f"(?P={next(g for g, p in groups.items() if p == text)})"
            elif NUMBERED.fullmatch(text):
                groups[f"g{len(groups)}"] = text
                pattern += f"(?P<g{len(groups) - 1}>.+?)"
            else:
                pattern += ".+?"
        return pattern + re.escape(expected[end:]), groups


def assert_shape(pairs: list[tuple[Any, Any]], *, ordered: bool = True) -> Shape:
    """Compares each (actual, recorded) pair, sharing placeholder bindings; fails listing every difference."""
    shape = Shape(ordered=ordered)
    for actual, expected in pairs:
        shape.compare(actual, expected)
    assert not shape.problems, "differences from the AWS recording:\n" + "\n".join(shape.problems)
    return shape


def as_recorded(response: dict[str, Any]) -> dict[str, Any]:
    """A boto3 response as the recorder stores it: only the status code is kept of the metadata, and
    a streamed Payload is read (the recorder's JSON documents are then parsed by ``compare``)."""
    response = dict(response)
    response["ResponseMetadata"] = {"HTTPHeaders": {}, "HTTPStatusCode": response["ResponseMetadata"]["HTTPStatusCode"]}
    if hasattr(response.get("Payload"), "read"):
        response["Payload"] = response["Payload"].read().decode()
    return response


def without_system_attributes(message: dict[str, Any]) -> dict[str, Any]:
    """A recorded SQS message without ``Attributes``: those are SQS's own (moto's here), and their
    ``AWSTraceHeader`` is X-Ray's, which mocklambda does not emulate (spec 3.9). These tests do not ask
    for them, so a message read back has none."""
    return {key: value for key, value in message.items() if key != "Attributes"}


# --- handler sources reproducing the recorded ones --------------------------------------------------------------


def raising_on_line(line: int, source: str) -> str:
    """``source`` pushed down with comment lines so that its ``raise`` is on ``line``: the recorded
    stack traces name the line of the handler AWS ran, and are compared exactly."""
    lines = source.splitlines()
    index = next(i for i, text in enumerate(lines) if text.lstrip().startswith("raise "))
    assert index < line
    return "\n".join(["# keeps the raise below on the line AWS's recorded stack trace names"] * (line - 1 - index)
                     + lines) + "\n"


# LocalStack's lambda_integration.py: it returns its event and context, or raises on line 55 when
# the event (or the SNS message it carries) has "raise_error" (test_assess_lambda_destination_invocation,
# test_dead_letter_queue, test_sns_topic_as_lambda_dead_letter_queue).
INTEGRATION = raising_on_line(55, '''
import logging
CONTEXT = ["invoked_function_arn", "function_version", "function_name", "memory_limit_in_mb",
           "aws_request_id", "log_group_name", "log_stream_name", "client_context"]
logger = logging.getLogger()
logger.setLevel(logging.INFO)
def handler(event, context):
    print("Lambda log message - print function")
    logger.info("Lambda log message - logging module")
    messages = [record["Sns"]["Message"] for record in event.get("Records", []) if "Sns" in record]
    if "raise_error" in event or any("raise_error" in message for message in messages):
        raise Exception("Test exception (this is intentional)")
    return {"event": event, "context": {name: getattr(context, name) for name in CONTEXT}}
''')
# The handler of test_retries / test_maxeventage: raises on line 7.
INTENTIONAL_FAILURE = raising_on_line(7, 'def handler(event, context):\n    raise Exception("intentional failure")\n')


def destination_config(arn: str) -> dict[str, Any]:
    return {"OnSuccess": {"Destination": arn}, "OnFailure": {"Destination": arn}}


# --- §3 invocation records delivered to SQS -------------------------------------------------------------------------

ASSESS = "TestLambdaDestinationSqs::test_assess_lambda_destination_invocation"


@pytest.mark.parametrize(
    "test, config, payload",
    [
        (ASSESS + "[Success-payload0]", {}, {}),
        (ASSESS + "[payload0]", {"MaximumRetryAttempts": 0}, {}),
        (ASSESS + "[payload1]", {"MaximumRetryAttempts": 0}, {"raise_error": 1}),
        ("TestLambdaDestinationSqs::test_lambda_destination_default_retries", {}, {"raise_error": 1}),
    ],
    ids=["OnSuccess-2022", "OnSuccess", "OnFailure-no-retries", "OnFailure-default-retries"],
)
def test_records_on_sqs_are_awss(lambda_mock, lambda_client, create_function, sqs, test, config, payload):
    """OnSuccess and OnFailure records (spec 3.3-3.9): the record's field order, its conditions,
    approximateInvokeCount, responseContext, the error object and its stack trace; no message attributes."""
    golden = recorded(DESTINATIONS, DESTINATIONS_TEST + test)
    url, arn = make_queue(sqs, "destination")
    create_function("integration", INTEGRATION)
    put = lambda_client.put_function_event_invoke_config(
        FunctionName="integration", DestinationConfig=destination_config(arn), **config
    )
    request_id = send_event(lambda_client, "integration", payload)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    shape = assert_shape([
        (as_recorded(put), golden["put_function_event_invoke_config"]),
        (as_recorded(received), golden["receive_message_result"]),
    ])
    assert shape.bound["<uuid:1>"] == request_id  # requestContext.requestId is the invocation's id (spec 3.5)


@pytest.mark.parametrize(
    "test, recording, config, invoke_count",
    [
        ("test_retries", "queue_destination_payload", {}, 3),
        ("test_maxeventage", "no_retry_failure_message", {"MaximumEventAgeInSeconds": 60}, 1),
        ("test_maxeventage", "single_retry_failure_message", {"MaximumEventAgeInSeconds": 90}, 2),
    ],
    ids=["RetriesExhausted", "EventAgeExceeded-1", "EventAgeExceeded-2"],
)
def test_failure_records_after_retries_and_event_age_are_awss(lambda_mock, lambda_client, create_function, sqs,
                                                               test, recording, config, invoke_count):
    """RetriesExhausted after three attempts; EventAgeExceeded when the next retry would come too late
    (60 s: none, 90 s: one; spec 2.7, 3.6, 3.8): the last attempt's response is in the record."""
    golden = recorded(DESTINATIONS, DESTINATIONS_TEST + "TestLambdaDestinationSqs::" + test)[recording]
    golden_message = golden["Messages"][0] if "Messages" in golden else golden
    assert golden_message["Body"]["requestContext"]["approximateInvokeCount"] == invoke_count
    url, arn = make_queue(sqs, "failures")
    create_function("fails", INTENTIONAL_FAILURE)
    lambda_client.put_function_event_invoke_config(
        FunctionName="fails", DestinationConfig={"OnFailure": {"Destination": arn}}, **config
    )
    request_id = send_event(lambda_client, "fails", {"message": "golden"})
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    shape = assert_shape([(received, [without_system_attributes(golden_message)])])
    assert shape.bound[golden_message["Body"]["requestContext"]["requestId"]] == request_id


def test_zero_reserved_concurrency_is_awss(lambda_mock, lambda_client, create_function, sqs):
    """Reserved concurrency 0: a synchronous call is refused with 429, an Event is still accepted
    (202, empty body) and its record says ZeroReservedConcurrency, with no response fields (spec 1.23, 2.9)."""
    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaConcurrency::test_reserved_concurrency")
    url, arn = make_queue(sqs, "capped-failures")
    create_function("capped", INTEGRATION)
    put_reserved = lambda_client.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=0)
    no_retries = boto3.client("lambda", region_name=REGION, config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as refused:
        no_retries.invoke(FunctionName="capped")
    put_config = lambda_client.put_function_event_invoke_config(
        FunctionName="capped", MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    accepted = lambda_client.invoke(FunctionName="capped", InvocationType="Event", Payload=b"{}")
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    shape = assert_shape([
        (as_recorded(put_reserved), golden["put_reserved"]),
        (as_recorded(refused.value.response), golden["exc_no_cap_requestresponse"]),
        (as_recorded(put_config), golden["put_event_invoke_conf"]),
        (as_recorded(accepted), golden["invoke_result"]),
        (received, [without_system_attributes(golden["msg"])]),
    ])
    assert shape.bound["<uuid:2>"] == accepted["ResponseMetadata"]["RequestId"]


LOG_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")  # the runtime's log line time, "date" when recorded

# --- §4 dead-letter queues ------------------------------------------------------------------------------------------


def test_sqs_dead_letter_message_is_awss(lambda_mock, lambda_client, create_function, sqs):
    """The event as-is, byte for byte (its MD5 is recorded unmasked), with RequestID, ErrorCode and
    ErrorMessage attributes (spec 4.4, 4.5); then the same failure invoked synchronously: AWS's error
    payload (errorMessage, errorType, requestId, stackTrace, in this order) and headers (spec 1.6-1.9)."""
    golden = recorded(DESTINATIONS, DESTINATIONS_TEST + "TestLambdaDLQ::test_dead_letter_queue")
    url, arn = make_queue(sqs, "dlq")
    create_function("dlq-fn", INTEGRATION, Runtime="python3.12", DeadLetterConfig={"TargetArn": arn})
    request_id = send_event(lambda_client, "dlq-fn", {"raise_error": 1})
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    invoked = lambda_client.invoke(FunctionName="dlq-fn", Payload=b'{"raise_error": 1}', LogType="Tail")
    # LogType=Tail, START to END (the recording leaves REPORT out): print and logging lines, then the
    # error report with its frames indented with U+00A0 (spec 1.9, 9.7)
    lines = base64.b64decode(invoked["LogResult"]).decode("utf-8").splitlines()
    lines = [LOG_TIME.sub("date", line) for line in lines[:next(i for i, x in enumerate(lines) if x.startswith("END")) + 1]]
    shape = assert_shape([
        (as_recorded(received), golden["receive_result"]),
        (as_recorded(invoked), golden["invoke_result"]),
        ({"result": lines}, golden["log_result"]),
    ])
    assert shape.bound["<request-id:1>"] == request_id  # RequestID: the invocation's id (spec 4.5)
    assert shape.bound["<uuid:4>"] == invoked["ResponseMetadata"]["RequestId"]


def test_sns_dead_letter_topic_message_is_awss(lambda_mock, lambda_client, create_function, sqs):
    """A function subscribed to a topic fails; its dead-letter topic delivers the SNS event it got,
    with the attributes in SNS's form, to a subscribed queue (spec 4.4, 4.5, 8.2): SNS's envelope
    with SignatureVersion "1" and the same signing certificate (``<signing-cert-file:1>``) inside
    the event and out. This recording's keys are sorted, so it is compared without key order
    (test_destinations checks the envelope's own order, test_triggers the SNS event's)."""
    golden = recorded(SNS_DLQ, SNS_DLQ_TEST)
    sns = boto3.client("sns", region_name=REGION)
    dlq_topic = sns.create_topic(Name="dead-letters")["TopicArn"]
    url, queue_arn = make_queue(sqs, "dead-letter-reader")
    sns.subscribe(TopicArn=dlq_topic, Protocol="sqs", Endpoint=queue_arn)
    source_topic = sns.create_topic(Name="orders")["TopicArn"]
    created = create_function("sns-fn", INTEGRATION, DeadLetterConfig={"TargetArn": dlq_topic})
    sns.subscribe(TopicArn=source_topic, Protocol="lambda", Endpoint=created["FunctionArn"])
    sns.publish(TopicArn=source_topic, Message=json.dumps({"raise_error": 1}))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    shape = assert_shape([
        (created["DeadLetterConfig"], golden["lambda-response-dlq-config"]),
        (as_recorded(received), golden["messages"]),
    ], ordered=False)
    assert shape.bound["<request-id:1>"] == lambda_mock.invocations("sns-fn")[0].request_id


# --- CloudFormation: a stack's EventInvokeConfig and DeadLetterConfig (§4, §5) ----------------------------------


def cfn_stack(cloudformation: Any, resources: dict[str, Any], outputs: dict[str, Any]) -> dict[str, str]:
    """Deploy a stack with an execution role; its outputs by key."""
    role = {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]},
                                                "Action": ["sts:AssumeRole"]}]}}}}
    template = {"Resources": {**role, **resources}, "Outputs": {key: {"Value": value} for key, value in outputs.items()}}
    cloudformation.create_stack(StackName="stack", TemplateBody=json.dumps(template))
    stack = cloudformation.describe_stacks(StackName="stack")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def test_cfn_dead_letter_config_with_no_retries_is_awss(lambda_mock, lambda_client):
    """test_lambda_cfn_dead_letter_config_async_invocation's template (generated by serverless): a
    function with a DeadLetterConfig and an EventInvokeConfig of ``MaximumRetryAttempts: 0`` and an
    empty DestinationConfig. An Event invoke with no payload fails once and its ``{}`` reaches the
    DLQ (its MD5 is recorded unmasked; spec 4.4)."""
    golden = recorded(CFN, CFN_TEST + "test_lambda_cfn_dead_letter_config_async_invocation")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="deployment")
    s3.put_object(Bucket="deployment", Key="dlq.zip", Body=make_zip({"handler.py": INTENTIONAL_FAILURE}))
    outputs = cfn_stack(boto3.client("cloudformation", region_name=REGION), {
        "FailingLambdaLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
            "Code": {"S3Bucket": "deployment", "S3Key": "dlq.zip"}, "Handler": "handler.handler",
            "Runtime": "python3.10", "FunctionName": "dlq-local-failingLambda", "MemorySize": 1024, "Timeout": 6,
            "DeadLetterConfig": {"TargetArn": {"Fn::GetAtt": ["lambdaDlq", "Arn"]}},
            "Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "FailingLambdaLambdaEvConf": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
            "FunctionName": {"Ref": "FailingLambdaLambdaFunction"}, "DestinationConfig": {},
            "Qualifier": "$LATEST", "MaximumRetryAttempts": 0}},
        "lambdaDlq": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "lambdaDlq"}},
    }, {"LambdaName": {"Ref": "FailingLambdaLambdaFunction"}, "DLQName": {"Ref": "lambdaDlq"}})
    lambda_client.invoke(FunctionName=outputs["LambdaName"], InvocationType="Event")
    received = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=outputs["DLQName"], VisibilityTimeout=0)
    assert_shape([(as_recorded(received), golden["failed-async-lambda"])])
    (invocation,) = lambda_mock.invocations("dlq-local-failingLambda")
    assert (invocation.condition, len(invocation.attempts)) == ("RetriesExhausted", 1)  # the template's 0 retries


def test_cfn_event_invoke_config_of_a_version_is_awss(lambda_mock, lambda_client):
    """test_event_invoke_config's template: an EventInvokeConfig on the version a stack publishes
    (``Qualifier: !GetAtt version.Version``), read back with GetFunctionEventInvokeConfig (spec 5.5, 5.6)."""
    golden = recorded(CFN, CFN_TEST + "test_event_invoke_config")
    outputs = cfn_stack(boto3.client("cloudformation", region_name=REGION), {
        "function": {"Type": "AWS::Lambda::Function", "Properties": {
            "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Runtime": "nodejs20.x",
            "Code": {"ZipFile": "exports.handler = async (event) => ({statusCode: 200});\n"},
            "TracingConfig": {"Mode": "Active"}}},
        "version": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "function"}}},
        "asyncconfig": {"Type": "AWS::Lambda::EventInvokeConfig", "Properties": {
            "FunctionName": {"Ref": "function"}, "MaximumEventAgeInSeconds": 300, "MaximumRetryAttempts": 1,
            "Qualifier": {"Fn::GetAtt": ["version", "Version"]}}},
    }, {"FunctionName": {"Ref": "function"}, "FunctionQualifier": {"Fn::GetAtt": ["version", "Version"]}})
    config = lambda_client.get_function_event_invoke_config(FunctionName=outputs["FunctionName"],
                                                            Qualifier=outputs["FunctionQualifier"])
    assert_shape([(as_recorded(config), golden["event_invoke_config"])], ordered=False)
    assert config["FunctionArn"].endswith(f":{outputs['FunctionName']}:1")  # the version's, qualified (spec 5.6)


# --- §1/§9 synchronous error payloads ------------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", ["python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
                                     "python3.14"])
def test_uncaught_exception_payload_is_awss(lambda_mock, lambda_client, create_function, runtime):
    """test_uncaught_exception_invoke: ``FunctionError: Unhandled`` and the error object's fields, in AWS's order."""
    golden = recorded(COMMON, COMMON_TEST + f"test_uncaught_exception_invoke[{runtime}]")
    create_function("uncaught", 'def handler(event, context):\n    raise Exception("Failed: " + event["error_msg"])\n',
                    Runtime=runtime)
    invoked = lambda_client.invoke(FunctionName="uncaught", Payload=json.dumps({"error_msg": "some_error_msg"}))
    shape = assert_shape([(as_recorded(invoked), golden["error_result"])])  # python3.8's has no requestId
    assert shape.bound.get("<uuid:2>", invoked["ResponseMetadata"]["RequestId"]) == invoked["ResponseMetadata"]["RequestId"]


def test_handler_error_payload_is_awss(lambda_mock, lambda_client, create_function):
    """TestLambdaErrors::test_lambda_handler_error: the stack trace names the handler's own file and line."""
    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaErrors::test_lambda_handler_error")
    source = 'def handler(event, context):\n    raise Exception("Handler fails")\n'
    create_function("handler-error", {"lambda_handler_error.py": source}, Handler="lambda_handler_error.handler")
    assert_shape([(as_recorded(lambda_client.invoke(FunctionName="handler-error")), golden["invocation_error"])])


FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line \d+, in (?P<name>\S+)\n')


def test_init_error_stack_trace_shows_the_runtimes_frames(lambda_mock, lambda_client, create_function):
    """TestLambdaErrors::test_lambda_runtime_error: an exception at import time reports the import's
    frames as they are on Lambda (the standard library under /var/lang/lib/python3.13, no ``^^^``
    lines, nothing of mocklambda), ending in the module's own line; ``requestId`` is empty. Line
    numbers inside importlib are the test interpreter's."""
    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaErrors::test_lambda_runtime_error")["invocation_error"]
    create_function("init-error", {"lambda_runtime_error.py": 'raise Exception("Runtime startup fails")\n'},
                    Handler="lambda_runtime_error.handler", Runtime="python3.13")
    invoked = as_recorded(lambda_client.invoke(FunctionName="init-error"))
    payload, expected = json.loads(invoked.pop("Payload")), golden["Payload"]
    assert invoked == {key: value for key, value in golden.items() if key != "Payload"}
    assert list(payload) == list(expected) and payload["requestId"] == expected["requestId"] == ""
    assert (payload["errorType"], payload["errorMessage"]) == (expected["errorType"], expected["errorMessage"])
    frames = [FRAME.match(frame) for frame in payload["stackTrace"]]
    assert [(m["file"], m["name"]) for m in frames if m] == [
        (m["file"], m["name"]) for m in map(FRAME.match, expected["stackTrace"]) if m]
    assert payload["stackTrace"][-1] == expected["stackTrace"][-1]
    assert not any("^" in frame for frame in payload["stackTrace"])


def test_timeout_payload_is_awss(lambda_mock, lambda_client, create_function):
    """TestLambdaBehavior::test_lambda_invoke_with_timeout: Sandbox.Timedout, errorType first (spec 9.5)."""
    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaBehavior::test_lambda_invoke_with_timeout")
    create_function("slow", "import time\ndef handler(event, context):\n    while True:\n        time.sleep(0.02)\n",
                    Timeout=1)
    assert_shape([(as_recorded(lambda_client.invoke(FunctionName="slow")), golden["invoke-result"])])


# --- the comparison itself ------------------------------------------------------------------------------------------

RECORD = {
    "version": "1.0",
    "requestContext": {"requestId": "<uuid:1>", "condition": "Success", "approximateInvokeCount": 1},
    "responsePayload": {
        "requestId": "<uuid:1>", "functionArn": "arn:<partition>:lambda:<region>:111111111111:function:f",
    },
}
ACTUAL = {
    "version": "1.0",
    "requestContext": {"requestId": "r-1", "condition": "Success", "approximateInvokeCount": 1},
    "responsePayload": {"requestId": "r-1", "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f"},
}


@pytest.mark.parametrize("change, problem", [
    (lambda r: r.update(version="1.1"), "$.version: '1.1' does not match the recorded '1.0'"),
    (lambda r: r["requestContext"].update(approximateInvokeCount="1"), "approximateInvokeCount: expected 1, got '1'"),
    (lambda r: r["requestContext"].update(condition="RetriesExhausted"), "does not match the recorded 'Success'"),
    (lambda r: r["responsePayload"].update(requestId="r-2"), "'r-2' does not match the recorded '<uuid:1>'"),
    (lambda r: r["responsePayload"].update(functionArn="arn:aws:lambda:us-east-1:12345:function:f"), "functionArn"),
    (lambda r: r.update(responsePayload=r.pop("responsePayload"), version=r.pop("version")), "(in this order)"),
    (lambda r: r.update(extra=None), "'extra'"),
], ids=["literal", "type", "condition", "placeholder-number", "masked-account", "order", "extra-key"])
def test_the_comparison_finds_each_kind_of_difference(change, problem):
    assert_shape([(json.dumps(ACTUAL), RECORD)])
    different = copy.deepcopy(ACTUAL)
    change(different)
    shape = Shape(ordered=True)
    shape.compare(json.dumps(different), RECORD)
    assert len(shape.problems) == 1 and problem in shape.problems[0], shape.problems


def test_a_result_over_the_size_limit_is_awss_function_error(lambda_mock, lambda_client, create_function):
    """TestLambdaBaseFeatures::test_lambda_too_large_response: a result over 6 MB is an Unhandled
    Function.ResponseSizeTooLarge (spec 1.14), and an asynchronous event is retried like any
    function error (spec 2.2)."""
    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaBaseFeatures::test_lambda_too_large_response")
    create_function("too-large", "def handler(event, context):\n    return 'x' * (6 * 1024 * 1024 + 200)\n")
    for key in ("invoke_result", "invoke_result_2"):
        assert_shape([(as_recorded(lambda_client.invoke(FunctionName="too-large")), golden[key])])
    lambda_client.put_function_event_invoke_config(FunctionName="too-large", MaximumRetryAttempts=1)
    send_event(lambda_client, "too-large")
    lambda_mock.run_until_idle()
    [invocation] = lambda_mock.invocations("too-large")
    assert invocation.condition == "RetriesExhausted"
    assert [a.error_type for a in invocation.attempts] == ["Function.ResponseSizeTooLarge"] * 2


def test_a_result_just_under_the_limit_is_returned(lambda_mock, lambda_client, create_function):
    create_function("large", "def handler(event, context):\n    return 'x' * (6 * 1024 * 1024 - 100)\n")
    response = lambda_client.invoke(FunctionName="large")
    assert "FunctionError" not in response and len(response["Payload"].read()) == 6 * 1024 * 1024 - 98
