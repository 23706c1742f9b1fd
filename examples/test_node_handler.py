"""A Node.js function under test, without Docker: an ES-module handler runs in the machine's
``node``, warm between invocations; a failed asynchronous event is retried on AWS's schedule and
its failure record, with the handler's Node error, lands in the on-failure queue.

    invoke(Event) --> resize-image (nodejs20.x, index.mjs) --(2 retries)--> on-failure SQS queue

Needs Node.js (``node`` on PATH). Run it with: pytest examples/test_node_handler.py
"""

import io
import json
import zipfile

import boto3

from mocklambda import mock_lambda

HANDLER = """
let served = 0;  // module state: kept while the execution environment is warm

export const handler = async (event, context) => {
  served += 1;
  console.log("resizing", event.key);
  if (!event.key.endsWith(".png")) throw new TypeError(`not an image: ${event.key}`);
  return {key: event.key.replace(".png", "-small.png"), served, requestId: context.awsRequestId};
};
"""


def test_a_node_handler_runs_warm_and_its_failures_are_retried_then_recorded():
    with mock_lambda(mode="manual") as lam:
        region = "us-east-1"
        aws, sqs = boto3.client("lambda", region_name=region), boto3.client("sqs", region_name=region)
        failed = sqs.create_queue(QueueName="failed-resizes")["QueueUrl"]
        failed_arn = sqs.get_queue_attributes(QueueUrl=failed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("index.mjs", HANDLER)
        role = boto3.client("iam").create_role(RoleName="resizer", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        aws.create_function(FunctionName="resize-image", Runtime="nodejs20.x", Role=role, Handler="index.handler",
                            Code={"ZipFile": code.getvalue()})
        aws.put_function_event_invoke_config(FunctionName="resize-image",
                                             DestinationConfig={"OnFailure": {"Destination": failed_arn}})

        results = [json.loads(aws.invoke(FunctionName="resize-image", Payload=json.dumps({"key": key}))["Payload"].read())
                   for key in ("a.png", "b.png")]
        assert [(r["key"], r["served"]) for r in results] == [("a-small.png", 1), ("b-small.png", 2)]  # one warm process

        aws.invoke(FunctionName="resize-image", InvocationType="Event", Payload=json.dumps({"key": "notes.txt"}))
        lam.clock.advance(180)  # attempts at 0 s, 60 s and 180 s
        [invocation] = lam.invocations()
        assert [a.error_type for a in invocation.attempts] == ["TypeError"] * 3
        [message] = sqs.receive_message(QueueUrl=failed)["Messages"]
        record = json.loads(message["Body"])
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["responsePayload"]["errorMessage"] == "not an image: notes.txt"
