"""What a Kinesis mapping's handler receives, through its fast paths (issue 17): the payload's
text is written from a template and an in-process handler gets a copy of the records instead of
parsing that text. Both must give what the general paths give (record shape: the recorded
``test_lambda_integration_kinesis`` ``record_body.payload``)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.test_logs import log_events

AWKWARD_KEYS = ['plain', 'quote " and \\ backslash', "tab\tnew\nline", "caf\u00e9 \u65e5\u672c", "\U0001f600 astral",
                "\u2028 separator", "</script>"]
PRINT_EVENT = """
import json
def handler(event, context):
    print("EVENT " + json.dumps(event))
"""


@pytest.fixture
def kinesis(aws_region: str) -> Any:
    return boto3.client("kinesis", region_name=aws_region)


def stream_of(kinesis: Any, name: str) -> str:
    kinesis.create_stream(StreamName=name, ShardCount=1)
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def printed_events(function: str) -> list[Any]:
    return [json.loads(line.removeprefix("EVENT ")) for line in log_events(function) if line.startswith("EVENT ")]


@pytest.mark.lambda_mock(mode="manual")
def test_an_in_process_handler_gets_what_an_isolated_one_parses_from_the_payload(lambda_mock, lambda_client,
                                                                                create_function, kinesis):
    """Two mappings read one stream: awslambdaric parses the payload's bytes (the template's text);
    the in-process handler gets the copy. Their events are the same, key order and types too."""
    arn = stream_of(kinesis, "awkward")
    for name in ("copied", "parsed"):
        create_function(name, PRINT_EVENT)
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName=name,
                                                  StartingPosition="TRIM_HORIZON")
    lambda_mock.isolate("parsed")
    kinesis.put_records(StreamName="awkward", Records=[
        {"Data": key.encode("utf-8") + b'\x00\xff"', "PartitionKey": key} for key in AWKWARD_KEYS])
    lambda_mock.run_until_idle()
    copied, parsed = printed_events("copied"), printed_events("parsed")
    assert len(copied) == 1 and copied == parsed
    assert [r["kinesis"]["partitionKey"] for r in copied[0]["Records"]] == AWKWARD_KEYS
    record = copied[0]["Records"][0]
    assert list(record) == ["kinesis", "eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn",
                            "awsRegion", "eventSourceARN"]  # AWS's order (record_body.payload)
    assert list(record["kinesis"]) == ["kinesisSchemaVersion", "partitionKey", "sequenceNumber", "data",
                                       "approximateArrivalTimestamp"]
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)


@pytest.mark.lambda_mock(mode="manual")
def test_a_handler_that_changes_its_event_changes_nothing_its_retry_gets(lambda_mock, lambda_client,
                                                                       create_function, kinesis):
    """Each attempt gets a fresh event (the runtime parses the payload anew on AWS): what a failed
    attempt did to its event is not in the retry's."""
    arn = stream_of(kinesis, "changed")
    seen: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append(json.dumps(event))
        event["Records"][0]["kinesis"]["data"] = "changed"
        event["Records"][1]["invokeIdentityArn"] = None
        del event["Records"][2]
        if len(seen) == 1:
            raise ValueError("first attempt fails")

    create_function("reader", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("reader", handler)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=2)
    kinesis.put_records(StreamName="changed", Records=[{"Data": b"%d" % n, "PartitionKey": "k"} for n in range(3)])
    lambda_mock.run_until_idle()
    assert len(seen) == 2 and seen[0] == seen[1]
    assert [r["kinesis"]["data"] for r in json.loads(seen[1])["Records"]] == ["MA==", "MQ==", "Mg=="]
