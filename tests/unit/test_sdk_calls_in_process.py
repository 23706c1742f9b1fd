"""The durable SDK's calls answered in-process (issue 17) read and write exactly what botocore does:
the request as the server reads it (botocore's serializer, then moto's parsing) and the answer as
botocore's REST-JSON parser makes of it, for any value of the operations' shapes (Hypothesis)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.endpoint import convert_to_response_dict
from botocore.serialize import create_serializer
from botocore.utils import percent_encode_sequence
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.core.botocore_stubber import MockRawResponse

from mocklambda._moto import json_shapes, sdk_client

OPERATIONS = ("CheckpointDurableExecution", "GetDurableExecutionState")
CLIENT = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
PARSER = CLIENT._endpoint._response_parser_factory.create_parser("rest-json")
SERIALIZER = create_serializer("rest-json", include_validation=False)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def answers(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Any JSON a server could answer for ``shape``: members missing, null or unknown, numbers
    for timestamps, strings for numbers and booleans (botocore converts those too)."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 4:
            return st.just({})
        members = {name: st.one_of(st.none(), answers(member, depth + 1)) for name, member in shape.members.items()}
        return st.fixed_dictionaries({}, optional={**members, "Unknown": TEXT})
    if kind == "list":
        return st.lists(st.one_of(st.none(), answers(shape.member, depth + 1)), max_size=3)
    if kind == "map":
        return st.dictionaries(TEXT, answers(shape.value, depth + 1), max_size=2)
    if kind == "timestamp":
        return st.one_of(st.integers(0, 4_000_000_000), st.floats(0, 4e9, allow_nan=False),
                         st.just("2026-11-30T16:43:19.685Z"))
    if kind in ("integer", "long"):
        return st.one_of(st.integers(-(2**40), 2**40), st.integers(0, 999).map(str))
    if kind == "boolean":
        return st.one_of(st.booleans(), st.sampled_from(["true", "false", "True"]))
    return TEXT


def requests(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Parameters botocore would send for ``shape`` (the types its validator lets through)."""
    kind = shape.type_name
    if kind == "structure":
        members = {name: requests(member, depth + 1) for name, member in shape.members.items()}
        required = {name: members.pop(name) for name in shape.required_members}
        return st.fixed_dictionaries(required, optional={} if depth > 4 else members)
    if kind == "list":
        return st.lists(requests(shape.member, depth + 1), max_size=3)
    if kind == "integer":
        return st.integers(0, 10_000)
    if kind == "boolean":
        return st.booleans()
    return TEXT


HEADERS = st.sampled_from([
    {"x-amzn-requestid": "R" * 52},
    {"X-Amzn-RequestId": "upper", "x-amzn-requestid": "lower"},  # names differing in case: botocore's dict
    {"x-amz-request-id": "s3-style", "x-amz-id-2": "host"},
    {},
])


def botocore_reads(operation: str, status: int, headers: dict[str, str], body: str) -> Any:
    model = CLIENT.meta.service_model.operation_model(operation)
    http = AWSResponse("https://lambda.us-east-1.amazonaws.com/", status, headers, MockRawResponse(body))
    return PARSER.parse(convert_to_response_dict(http, model), model.output_shape)


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), extra=HEADERS)
def test_an_answer_reads_as_botocores_parser_reads_it(operation: str, data: st.DataObject,
                                                      extra: dict[str, str]) -> None:
    output = CLIENT.meta.service_model.operation_model(operation).output_shape
    body = json.dumps(data.draw(answers(output)))
    headers = {"server": "amazon.com", "status": "200", "Content-Type": "application/json", **extra}
    read = json_shapes.reader_for(output, PARSER)
    assert read is not None
    ours = json_shapes.parsed_answer(200, headers, body, read)
    theirs = botocore_reads(operation, 200, headers, body)
    assert ours == theirs
    assert repr(ours) == repr(theirs)  # the same order, the same types (tzlocal timestamps)


def test_an_empty_or_unreadable_body_reads_as_botocore_reads_it() -> None:
    output = CLIENT.meta.service_model.operation_model("CheckpointDurableExecution").output_shape
    read = json_shapes.reader_for(output, PARSER)
    assert read is not None
    for body in ("", "not json"):
        ours = json_shapes.parsed_answer(200, {}, body, read)
        assert repr(ours) == repr(botocore_reads("CheckpointDurableExecution", 200, {}, body))


def test_a_shape_the_reader_does_not_cover_is_left_to_botocore() -> None:
    """A payload and header members (Invoke's answer), an event stream: botocore parses those."""
    for operation in ("Invoke", "InvokeWithResponseStream"):
        shape = CLIENT.meta.service_model.operation_model(operation).output_shape
        assert json_shapes.reader_for(shape, PARSER) is None

    class NoTimestamps:
        _blob_parser = staticmethod(bytes)

    checkpoint = CLIENT.meta.service_model.operation_model("CheckpointDurableExecution").output_shape
    assert json_shapes.reader_for(checkpoint, NoTimestamps()) is None  # a parser not as we know it


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_checkpoint_request_is_the_body_botocore_would_send(data: st.DataObject) -> None:
    model = CLIENT.meta.service_model.operation_model("CheckpointDurableExecution")
    params = data.draw(requests(model.input_shape))
    sent = SERIALIZER.serialize_to_request(params, model)
    assert sdk_client.checkpoint_body(params) == json.loads(sent["body"] or b"{}")
    assert unquote(sent["url_path"].split("/")[3]) == params["DurableExecutionArn"]


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_state_request_is_the_query_string_botocore_would_send(data: st.DataObject) -> None:
    model = CLIENT.meta.service_model.operation_model("GetDurableExecutionState")
    params = data.draw(requests(model.input_shape))
    sent = SERIALIZER.serialize_to_request(params, model)
    query = urlsplit("?" + percent_encode_sequence(sent["query_string"])).query
    moto_reads = {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}
    assert sdk_client.state_query(params) == moto_reads
