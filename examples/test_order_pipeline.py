"""An order pipeline you can copy: a failing step ends in a dead-letter queue, and every outcome is
published to an EventBridge bus whose rule feeds an audit queue.

    validate-order --(async invoke)--> charge-card --(fails: card declined)
                                           |-- DLQ (SQS): the original event, for replay
                                           '-- on failure: EventBridge bus -> rule -> audit queue

Run it with: pytest examples/test_order_pipeline.py
"""

import io
import json
import zipfile

import boto3
import pytest

VALIDATE = '''
import json, boto3

def handler(event, context):
    if "order_id" not in event:
        raise ValueError("order without id")
    boto3.client("lambda").invoke(FunctionName="charge-card", InvocationType="Event",
                                  Payload=json.dumps({"order_id": event["order_id"], "amount": event["amount"]}))
    return {"validated": event["order_id"]}
'''

CHARGE = '''
def handler(event, context):
    if event["amount"] > 1000:
        raise RuntimeError(f"card declined for order {event['order_id']}")
    return {"charged": event["order_id"]}
'''


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


@pytest.fixture
def pipeline(lambda_mock):
    """The infrastructure, as your deployment code would create it, inside mocklambda + moto."""
    region = "us-east-1"
    sqs = boto3.client("sqs", region_name=region)
    events = boto3.client("events", region_name=region)
    aws_lambda = boto3.client("lambda", region_name=region)
    role = boto3.client("iam", region_name=region).create_role(
        RoleName="pipeline", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    dlq_url = sqs.create_queue(QueueName="charge-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    audit_url = sqs.create_queue(QueueName="audit")["QueueUrl"]
    audit_arn = sqs.get_queue_attributes(QueueUrl=audit_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus_arn = events.create_event_bus(Name="orders")["EventBusArn"]
    events.put_rule(Name="failed-steps", EventBusName="orders", EventPattern=json.dumps(
        {"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Failure"]}))
    events.put_targets(Rule="failed-steps", EventBusName="orders", Targets=[{"Id": "audit", "Arn": audit_arn}])

    for name, source in (("validate-order", VALIDATE), ("charge-card", CHARGE)):
        aws_lambda.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
                                   Code={"ZipFile": zip_of(source)}, DeadLetterConfig={"TargetArn": dlq_arn})
    aws_lambda.put_function_event_invoke_config(
        FunctionName="charge-card", MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": bus_arn}})
    return {"lambda": aws_lambda, "sqs": sqs, "dlq": dlq_url, "audit": audit_url}


def test_declined_card_ends_in_the_dlq_and_on_the_audit_bus(pipeline, lambda_mock):
    order = {"order_id": "o-42", "amount": 5000}
    pipeline["lambda"].invoke(FunctionName="validate-order", InvocationType="Event", Payload=json.dumps(order))

    # auto mode: this receive_message sees AWS's eventual result (two attempts, a minute apart)
    dead = pipeline["sqs"].receive_message(QueueUrl=pipeline["dlq"], MessageAttributeNames=["All"])["Messages"]
    assert json.loads(dead[0]["Body"]) == {"order_id": "o-42", "amount": 5000}
    assert dead[0]["MessageAttributes"]["ErrorMessage"]["StringValue"] == "card declined for order o-42"

    audit = pipeline["sqs"].receive_message(QueueUrl=pipeline["audit"])["Messages"]
    record = json.loads(audit[0]["Body"])["detail"]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorType"] == "RuntimeError"

    charge = lambda_mock.invocations("charge-card")[0]
    assert [attempt.error_type for attempt in charge.attempts] == ["RuntimeError", "RuntimeError"]


def test_a_valid_order_leaves_nothing_behind(pipeline, lambda_mock):
    pipeline["lambda"].invoke(FunctionName="validate-order", InvocationType="Event",
                              Payload=json.dumps({"order_id": "o-1", "amount": 10}))
    assert "Messages" not in pipeline["sqs"].receive_message(QueueUrl=pipeline["dlq"])
    assert [i.condition for i in lambda_mock.invocations()] == ["Success", "Success"]
