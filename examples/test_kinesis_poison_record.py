"""A Kinesis consumer you can copy: one poison record in a batch of eight is bisected out and lands
in the mapping's on-failure queue, while the seven good records are processed.

    put_records(8) --> orders stream --(mapping: BatchSize 8, BisectBatchOnFunctionError,
                                        MaximumRetryAttempts 1)--> record-orders
                                                                   |-- good records: processed
                                                                   '-- the poison one: on-failure SQS queue

Run it with: pytest examples/test_kinesis_poison_record.py
"""

import io
import json
import zipfile

import boto3

from mocklambda import mock_lambda

HANDLER = '''
import base64, json

def handler(event, context):
    orders = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
    if any(order.get("amount") is None for order in orders):
        raise ValueError("an order without an amount")
    print("recorded", [order["id"] for order in orders])
'''


def test_a_poison_record_is_bisected_out_to_the_on_failure_queue():
    with mock_lambda(mode="manual") as lam:
        region = "us-east-1"
        kinesis, sqs = boto3.client("kinesis", region_name=region), boto3.client("sqs", region_name=region)
        aws = boto3.client("lambda", region_name=region)
        kinesis.create_stream(StreamName="orders", ShardCount=1)
        stream = kinesis.describe_stream(StreamName="orders")["StreamDescription"]["StreamARN"]
        failed = sqs.create_queue(QueueName="failed-orders")["QueueUrl"]
        failed_arn = sqs.get_queue_attributes(QueueUrl=failed, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", HANDLER)
        role = boto3.client("iam").create_role(RoleName="consumer", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        aws.create_function(FunctionName="record-orders", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": code.getvalue()})
        aws.create_event_source_mapping(
            EventSourceArn=stream, FunctionName="record-orders", StartingPosition="TRIM_HORIZON", BatchSize=8,
            BisectBatchOnFunctionError=True, MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": failed_arn}})
        orders = [{"id": n, "amount": None if n == 5 else 10 * n} for n in range(8)]
        kinesis.put_records(StreamName="orders", Records=[
            {"Data": json.dumps(order).encode(), "PartitionKey": "shop"} for order in orders])
        lam.run_until_idle()  # 8 -> 4 + 4 -> 2 + 2 -> 1 + 1, then the poison record's one retry: ~1 s virtual

        [message] = sqs.receive_message(QueueUrl=failed)["Messages"]
        record = json.loads(message["Body"])
        assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert record["KinesisBatchInfo"]["batchSize"] == 1  # only the poison record
        sequence = record["KinesisBatchInfo"]["startSequenceNumber"]
        shard = kinesis.get_shard_iterator(StreamName="orders", ShardId=record["KinesisBatchInfo"]["shardId"],
                                           ShardIteratorType="AT_SEQUENCE_NUMBER",
                                           StartingSequenceNumber=sequence)["ShardIterator"]
        poison = json.loads(kinesis.get_records(ShardIterator=shard, Limit=1)["Records"][0]["Data"])
        assert poison == {"id": 5, "amount": None}

        logs = boto3.client("logs", region_name=region)
        group = "/aws/lambda/record-orders"
        printed = [e["message"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]
                   for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"])["events"]
                   if e["message"].startswith("recorded")]
        recorded = sorted(n for line in printed for n in json.loads(line.split(" ", 1)[1]))
        assert recorded == [0, 1, 2, 3, 4, 6, 7]  # every good order once
