"""Lambda event filtering (``_core.event_filters``): which records a mapping's ``FilterCriteria``
keeps, and which criteria Lambda refuses.

AWS's documentation ("Control which events Lambda sends to your function", and its SQS, Kinesis
and DynamoDB pages) gives the operators and the per-source rules; the recordings
(``event-source-mappings/test_lambda_integration_{sqs,dynamodbstreams,kinesis}.snapshot.json``)
give what reached the function for each pattern, read here as recorded. The items that did NOT
reach the function are not in the recordings: they are the upstream tests' inputs, written out
below by test id.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mocklambda._core.aws_errors import AwsError
from mocklambda._core.event_filters import (
    DYNAMODB,
    INVALID,
    KINESIS,
    MAX_FILTERS,
    SQS,
    FilterSet,
    compiled,
    patterns_of,
    source_of,
)
from tests.test_golden_snapshots import recorded

ESM = "event-source-mappings/"
SQS_FILE = ESM + "test_lambda_integration_sqs.snapshot.json"
DDB_FILE = ESM + "test_lambda_integration_dynamodbstreams.snapshot.json"
KINESIS_FILE = ESM + "test_lambda_integration_kinesis.snapshot.json"
SQS_TEST = "tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_sqs.py::TestSQSEventSourceMapping::"
DDB_TEST = ("tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_dynamodbstreams.py::"
            "TestDynamoDBEventSourceMapping::")
KINESIS_TEST = ("tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_kinesis.py::"
                "TestKinesisEventFiltering::test_kinesis_event_filtering_json_pattern")


def keeps(pattern: Any, record: dict[str, Any], source: str = SQS) -> bool:
    text = pattern if isinstance(pattern, str) else json.dumps(pattern)
    return FilterSet.parse({"Filters": [{"Pattern": text}]}, source).keeps(record)


def refused(criteria: Any, source: str = SQS) -> AwsError:
    with pytest.raises(AwsError) as error:
        FilterSet.parse(criteria, source)
    return error.value


def sqs_record(body: str, **fields: Any) -> dict[str, Any]:
    """An SQS event record (the fields filters see besides ``body``)."""
    return {"messageId": "m-1", "receiptHandle": "r", "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SenderId": "AIDA"}, "messageAttributes": {},
            "md5OfBody": "x", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:q",
            "awsRegion": "us-east-1", **fields}


def kinesis_record(data: bytes) -> dict[str, Any]:
    return {"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "custom", "sequenceNumber": "1",
                        "data": base64.b64encode(data).decode(), "approximateArrivalTimestamp": 1.5},
            "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": "shardId-000000000000:1",
            "eventName": "aws:kinesis:record", "awsRegion": "us-east-1"}


# --- the recordings: what reached the function ----------------------------------------------------------------


# test_sqs_event_filter's inputs (upstream parameters) that did not reach the function, by id.
SQS_NOT_MATCHING: dict[str, Any] = {
    "single": {"my-key": "other-value"},
    "or": {"my-key": "other-value"},
    "and": {"my-key-one": "other-value-", "my-key-two": "my-value-two"},
    "exists": {"other-key": "any-value-two"},
    "numeric-bigger": {"my-number": 100},
    "numeric-smaller": {"my-number": 100},
    "numeric-range": {"my-number": 200},
    "prefix": {"my-key": "no-value"},
    "valid-json-filter": "plain-string",  # a plain-string body against a JSON body pattern: dropped
}


def recorded_sqs_cases() -> list[str]:
    return list(SQS_NOT_MATCHING) + ["single-filter", "or-filter", "and-filter", "exists-filter",
                                      "numeric-prefix"] + [f"filter{n}" for n in range(8)]


def sqs_entry(case: str) -> dict[str, Any]:
    if case.startswith("filter") and case[6:].isdigit():
        suffix = {"4": "this is a test string"}.get(case[6:], f"item_not_matching{case[6:]}")
        case = f"{case}-item_matching{case[6:]}-{suffix}"
    return recorded(SQS_FILE, SQS_TEST + f"test_sqs_event_filter[{case}]")


def as_body(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@pytest.mark.parametrize("case", recorded_sqs_cases())
def test_the_recorded_sqs_message_that_reached_the_function_is_kept(case: str) -> None:
    golden = sqs_entry(case)
    pattern = golden["create_event_source_mapping_response"]["FilterCriteria"]["Filters"][0]["Pattern"]
    (delivered,) = golden["invocation_events"][0]["Records"]
    record = {**delivered, "body": as_body(delivered["body"])}  # the recorder parsed the JSON body
    assert keeps(pattern, record)
    if case in SQS_NOT_MATCHING:
        assert not keeps(pattern, {**record, "body": as_body(SQS_NOT_MATCHING[case])})


@pytest.mark.parametrize("case, pattern", [
    ("None", "null"), ("simple string", "simple string"),
    ("invalid_filter2", json.dumps({"eventSource": "aws:sqs"})), ("invalid_filter3", json.dumps({"eventSource": []})),
])
def test_the_recorded_invalid_sqs_patterns_are_refused_as_recorded(case: str, pattern: str) -> None:
    golden = recorded(SQS_FILE, SQS_TEST + f"test_sqs_invalid_event_filter[{case}]")["create_event_source_mapping_exception"]
    error = refused({"Filters": [{"Pattern": pattern}]})
    assert (error.status, error.code, error.message) == (
        golden["ResponseMetadata"]["HTTPStatusCode"], golden["Error"]["Code"], golden["Error"]["Message"])


@pytest.mark.parametrize("case", ["single-string", '[{"eventName": ["INSERT"=123}]'])
def test_the_recorded_invalid_dynamodb_patterns_are_refused_as_recorded(case: str) -> None:
    golden = recorded(DDB_FILE, DDB_TEST + f"test_dynamodb_invalid_event_filter[{case}]")["exception_event_source_creation"]
    error = refused({"Filters": [{"Pattern": case}]}, DYNAMODB)
    assert (error.code, error.message, error.status) == (golden["Error"]["Code"], golden["Error"]["Message"], 400)


# test_dynamodb_event_filter's second item (upstream parameters), which reached the function only
# where the recording shows two invocations; the patterns the recorder masked are given too.
DDB_SECOND_ITEM: dict[str, dict[str, Any]] = {
    "insert_same_entry_twice": {"id": {"S": "id_value"}, "id2": {"S": "id2_value"}},
    "content_or_filter": {"id": {"S": "id_value"}, "id2": {"S": "id2_new_value"}},
    "content_multiple_filters": {"id": {"S": "id_value"}, "id2": {"S": "id2_new_value"}},
    "content_filter_type": {"id": {"S": "id_value_2"}},
    "exists_filter_type": {"id": {"S": "id_value_2"}},
    "exists_false_filter": {"id": {"S": "id_value_2"}, "presentKey": {"S": "presentValue"}},
    "numeric_filter": {"id": {"S": "id_value_2"}, "numericFilter": {"N": "101"}},
    "prefix_filter": {"id": {"S": "id_value_1"}, "prefix": {"S": "other-suffix"}},
    "date_time_conversion": {"id": {"S": "id_value_2"}},
}
DDB_MASKED_PATTERNS = {"date_time_conversion": {"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 0]}]}}}
CREATED_AT = 1764086400.0  # ApproximateCreationDateTime is a number (the recorder masked it)


def with_creation_time(record: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(record)
    record["dynamodb"]["ApproximateCreationDateTime"] = CREATED_AT
    return record


def second_record(first: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The stream record of writing ``item`` after the first item: MODIFY when it has the same key."""
    record = with_creation_time(first)
    same_key = item["id"] == first["dynamodb"]["Keys"]["id"]
    record["eventName"] = "MODIFY" if same_key else "INSERT"
    record["dynamodb"].update(Keys={"id": item["id"]}, NewImage=item)
    if same_key:
        record["dynamodb"]["OldImage"] = first["dynamodb"]["NewImage"]
    return record


@pytest.mark.parametrize("case", list(DDB_SECOND_ITEM))
def test_the_recorded_dynamodb_filters_keep_what_reached_the_function(case: str) -> None:
    golden = recorded(DDB_FILE, DDB_TEST + f"test_dynamodb_event_filter[{case}]")
    pattern = DDB_MASKED_PATTERNS.get(case) or golden["create_event_source_mapping_response"]["FilterCriteria"][
        "Filters"][0]["Pattern"]
    delivered = [with_creation_time(r) for event in golden["lambda-multiple-log-events"] for r in event["Records"]]
    assert all(keeps(pattern, record, DYNAMODB) for record in delivered)
    if len(delivered) == 1:  # the second write did not reach the function
        assert not keeps(pattern, second_record(delivered[0], DDB_SECOND_ITEM[case]), DYNAMODB)
    else:
        assert delivered[1]["dynamodb"]["NewImage"] == DDB_SECOND_ITEM[case]


def test_the_recorded_kinesis_filters_split_the_stream_between_two_functions() -> None:
    golden = recorded(KINESIS_FILE, KINESIS_TEST)
    first = golden["create_event_source_mapping_response"]["FilterCriteria"]["Filters"][0]["Pattern"]
    second = golden["create_event_source_mapping_2_response"]["FilterCriteria"]["Filters"][0]["Pattern"]
    (seen_by_first,) = json.loads(golden["kinesis-record-lambda-payload"])
    other = {"event_type": "function_2", "message": "bar"}  # the test's second record
    records = [kinesis_record(json.dumps(seen_by_first).encode()), kinesis_record(json.dumps(other).encode())]
    assert [keeps(first, r, KINESIS) for r in records] == [True, False]
    assert [keeps(second, r, KINESIS) for r in records] == [False, True]


# --- the operators (AWS: "Filter rule syntax") ----------------------------------------------------------------

RECORD = {"name": "Alice", "city": "Seattle", "price": 100, "ratio": 2.5, "gone": None, "flag": False,
          "tags": ["red", "blue"], "sizes": [3, 30], "person": {"address": {"street": "Main"}},
          "items": [{"sku": "a-1"}, {"sku": "b-2", "qty": 4}], "empty": [], "blank": ""}


@pytest.mark.parametrize("pattern, expected", [
    ({"name": ["Alice"]}, True), ({"name": ["alice"]}, False), ({"name": ["Bob", "Alice"]}, True),  # equals, or
    ({"name": ["Alice"], "city": ["Seattle"]}, True), ({"name": ["Alice"], "city": ["Paris"]}, False),  # and
    ({"gone": [None]}, True), ({"name": [None]}, False), ({"missing": [None]}, False),  # null is not missing
    ({"blank": [""]}, True), ({"name": [""]}, False),  # empty
    ({"flag": [False]}, True), ({"flag": [True]}, False), ({"flag": ["false"]}, False),
    ({"price": [100]}, True), ({"price": ["100"]}, False), ({"price": [100.0]}, False),  # numbers as written
    ({"name": [{"equals-ignore-case": "ALICE"}]}, True), ({"price": [{"equals-ignore-case": "100"}]}, False),
    ({"city": [{"prefix": "Sea"}]}, True), ({"city": [{"prefix": "sea"}]}, False),
    ({"city": [{"prefix": {"equals-ignore-case": "sEA"}}]}, True), ({"city": [{"prefix": ""}]}, True),
    ({"city": [{"suffix": "tle"}]}, True), ({"city": [{"suffix": {"equals-ignore-case": "TLE"}}]}, True),
    ({"city": [{"suffix": "Sea"}]}, False), ({"price": [{"prefix": "1"}]}, False),
    ({"name": [{"anything-but": "Bob"}]}, True), ({"name": [{"anything-but": ["Bob", "Alice"]}]}, False),
    ({"price": [{"anything-but": [100, 200]}]}, False), ({"price": [{"anything-but": "100"}]}, True),
    ({"gone": [{"anything-but": "x"}]}, True), ({"missing": [{"anything-but": "x"}]}, False),
    ({"price": [{"numeric": ["=", 100]}]}, True), ({"ratio": [{"numeric": [">", 2, "<=", 2.5]}]}, True),
    ({"price": [{"numeric": [">", 100]}]}, False), ({"price": [{"numeric": [">=", 100]}]}, True),
    ({"price": [{"numeric": ["<", 100]}]}, False), ({"price": [{"numeric": ["<=", 100]}]}, True),
    ({"name": [{"numeric": [">", 0]}]}, False), ({"flag": [{"numeric": ["<", 1]}]}, False),
    ({"name": [{"exists": True}]}, True), ({"missing": [{"exists": True}]}, False),
    ({"missing": [{"exists": False}]}, True), ({"name": [{"exists": False}]}, False),
    ({"gone": [{"exists": True}]}, True),  # null is a value
    ({"person": {"address": [{"exists": True}]}}, False),  # AWS: exists only works on leaf nodes
    ({"person": {"address": [{"exists": False}]}}, True),
    ({"person": {"address": {"street": ["Main"]}}}, True),
    ({"empty": [{"exists": True}]}, False), ({"empty": [{"exists": False}]}, True),
    ({"tags": ["blue"]}, True), ({"tags": ["green"]}, False), ({"sizes": [{"numeric": [">", 10]}]}, True),
    ({"tags": [{"anything-but": "red"}]}, True), ({"tags": [{"anything-but": ["red", "blue"]}]}, False),
    ({"items": {"sku": [{"prefix": "b-"}]}}, True), ({"items": {"qty": [4]}}, True), ({"items": {"qty": [5]}}, False),
    ({"$or": [{"name": ["Bob"]}, {"city": ["Seattle"]}]}, True),
    ({"$or": [{"name": ["Bob"]}, {"city": ["Paris"]}]}, False),
    ({"name": ["Alice"], "$or": [{"price": [1]}, {"person": {"address": {"street": ["Main"]}}}]}, True),
    ({"name": ["Alice", {"prefix": "Zed"}]}, True), ({"name": [{"exists": False}, "Alice"]}, True),
])
def test_each_operator_matches_as_documented(pattern: dict[str, Any], expected: bool) -> None:
    assert keeps(pattern, RECORD, DYNAMODB) is expected


def test_numbers_are_equal_when_written_alike_and_numeric_compares_values() -> None:
    """AWS: "For numbers, Lambda also uses string representation. For example, 300, 300.0, and
    3.0e2 are not considered equal." ``numeric`` compares the values."""
    written = ("300", "300.0", "3.0e2")
    for body in written:
        record = sqs_record(f'{{"n": {body}}}')
        assert [keeps(f'{{"body": {{"n": [{number}]}}}}', record) for number in written] == [n == body for n in written]
        assert keeps('{"body": {"n": [{"numeric": ["=", 300]}]}}', record)


def test_the_filters_of_a_mapping_are_ored() -> None:
    criteria = {"Filters": [{"Pattern": json.dumps({"body": {"k": ["a"]}})},
                            {"Pattern": json.dumps({"attributes": {"SenderId": ["OTHER"]}})}]}
    filters = FilterSet.parse(criteria, SQS)
    assert filters.keeps(sqs_record('{"k": "a"}'))
    assert not filters.keeps(sqs_record('{"k": "b"}'))
    assert filters.keeps(sqs_record('{"k": "b"}', attributes={"SenderId": "OTHER"}))
    assert [r["body"] for r in filters.kept([sqs_record('{"k": "a"}'), sqs_record("x")])] == ['{"k": "a"}']


def test_no_filters_keep_every_record() -> None:
    for criteria in (None, {}, {"Filters": []}):
        filters = FilterSet.parse(criteria, SQS)
        assert not filters and filters.keeps(sqs_record("anything"))


# --- what each source's pattern reads -------------------------------------------------------------------------


def test_sqs_json_body_patterns_need_a_json_body_and_plain_ones_a_plain_body() -> None:
    """AWS's table ("Filtering Amazon SQS messages"): the format of ``body`` in the message and in
    the pattern must agree, else Lambda drops the message; without a body pattern it is not checked."""
    json_pattern, plain_pattern = {"body": {"k": ["v"]}}, {"body": [{"prefix": "hel"}]}
    assert keeps(json_pattern, sqs_record('{"k": "v"}'))
    assert not keeps(json_pattern, sqs_record("hello"))  # plain-string body, JSON pattern: dropped
    assert keeps(plain_pattern, sqs_record("hello"))
    assert not keeps(plain_pattern, sqs_record('"hello"'))  # valid JSON body, plain pattern: dropped
    assert not keeps({"body": ["42"]}, sqs_record("42"))  # "42" is JSON too
    assert not keeps({"body": {"k": [{"exists": False}]}}, sqs_record("not json"))
    metadata = {"attributes": {"ApproximateReceiveCount": ["1"]}}
    assert keeps(metadata, sqs_record("not json")) and keeps(metadata, sqs_record('{"k": 1}'))


def test_sqs_message_attributes_are_matched_as_the_event_shows_them() -> None:
    record = sqs_record("x", messageAttributes={"kind": {"stringValue": "order", "stringListValues": [],
                                                        "binaryListValues": [], "dataType": "String"}})
    assert keeps({"messageAttributes": {"kind": {"stringValue": ["order"]}}}, record)
    assert not keeps({"messageAttributes": {"kind": {"stringValue": ["refund"]}}}, record)


def test_kinesis_data_is_decoded_and_non_json_data_never_matches() -> None:
    """AWS ("Filtering Kinesis"): a data pattern on data that is not JSON drops the record."""
    pattern = {"data": {"order": {"type": ["buy"]}}}
    assert keeps(pattern, kinesis_record(b'{"record": 1, "order": {"type": "buy"}}'), KINESIS)
    assert not keeps(pattern, kinesis_record(b'{"order": {"type": "sell"}}'), KINESIS)
    assert not keeps({"data": {"x": [{"exists": False}]}}, kinesis_record(b"not json"), KINESIS)
    assert not keeps({"data": {"x": [{"exists": False}]}}, kinesis_record(b"\xff\xfe"), KINESIS)
    assert not keeps({"data": {"x": [{"exists": False}]}}, {"kinesis": {"data": "%%%"}}, KINESIS)


def test_dynamodb_records_are_matched_as_they_are() -> None:
    record = {"eventName": "INSERT", "eventSource": "aws:dynamodb",
              "dynamodb": {"Keys": {"Id": {"N": "101"}}, "NewImage": {"Id": {"N": "101"}}, "SizeBytes": 26}}
    assert keeps({"dynamodb": {"Keys": {"Id": {"N": ["101"]}}}}, record, DYNAMODB)  # AWS's multi-level example
    assert not keeps({"dynamodb": {"Keys": {"Id": {"N": [101]}}}}, record, DYNAMODB)  # N values are strings
    assert not keeps({"dynamodb": {"Keys": {"Id": {"N": [{"numeric": [">", 100]}]}}}}, record, DYNAMODB)
    assert keeps({"dynamodb": {"SizeBytes": [{"numeric": [">", 20]}]}, "eventName": ["INSERT"]}, record, DYNAMODB)


def test_the_source_comes_from_the_event_source_arn() -> None:
    assert source_of("arn:aws:sqs:us-east-1:123456789012:jobs") == SQS
    assert source_of("arn:aws:kinesis:us-east-1:123456789012:stream/s") == KINESIS
    assert source_of("arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024") == DYNAMODB
    assert source_of("arn:aws:kafka:us-east-1:123456789012:cluster/c") is None and source_of(None) is None


# --- what Lambda refuses -------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [
    "", "not json", "null", "[]", '"text"', "42", "{}", '{"a": {}}', '{"a": "x"}', '{"a": 1}', '{"a": []}',
    '{"a": [["x"]]}', '{"a": [{"prefix": "x", "suffix": "y"}]}', '{"a": [{"PREFIX": "x"}]}',
    '{"a": [{"wildcard": "x*"}]}', '{"a": [{"cidr": "10.0.0.0/24"}]}', '{"a": [{"unknown": 1}]}',
    '{"a": [{"anything-but": {"prefix": "x"}}]}', '{"a": [{"anything-but": {"suffix": "x"}}]}',
    '{"a": [{"anything-but": {"equals-ignore-case": "x"}}]}', '{"a": [{"anything-but": null}]}',
    '{"a": [{"anything-but": ["x", null]}]}', '{"a": [{"anything-but": []}]}', '{"a": [{"anything-but": true}]}',
    '{"a": [{"numeric": 10}]}', '{"a": [{"numeric": []}]}', '{"a": [{"numeric": [">", 0, ">", 0]}]}',
    '{"a": [{"numeric": [">", 0, "<"]}]}', '{"a": [{"numeric": ["<", 5, ">", 1]}]}',
    '{"a": [{"numeric": [">", 5, "<", 1]}]}', '{"a": [{"numeric": ["==", 1]}]}', '{"a": [{"numeric": [">", "1"]}]}',
    '{"a": [{"numeric": [">", true]}]}', '{"a": [{"numeric": [">", 1, "<", 5, "<", 9]}]}',
    '{"a": [{"exists": "true"}]}', '{"a": [{"prefix": 1}]}', '{"a": [{"prefix": ["x"]}]}',
    '{"a": [{"prefix": {"equals-ignore-case": 1}}]}', '{"a": [{"prefix": {"other": "x"}}]}',
    '{"a": [{"equals-ignore-case": ["x"]}]}', '{"a": [{"equals-ignore-case": {"prefix": "x"}}]}',
    '{"$or": {"a": ["x"]}}', '{"$or": []}', '{"$or": [["x"]]}', '{"$or": [{}]}', '{"a": [NaN]}',
    '{"a": [Infinity]}',
])
def test_invalid_patterns_are_refused_as_aws_words_it(pattern: str) -> None:
    error = refused({"Filters": [{"Pattern": pattern}]})
    assert (error.status, error.code, error.message) == (400, "InvalidParameterValueException", INVALID)


def test_a_filter_without_a_pattern_is_refused() -> None:
    assert refused({"Filters": [{}]}).message == INVALID
    assert refused({"Filters": [{"Pattern": None}]}).message == INVALID


@pytest.mark.parametrize("source, pattern", [
    (KINESIS, {"partitionKey": ["1"]}),  # AWS: Kinesis mappings "only support filtering on the data key"
    (KINESIS, {"data": {"a": ["x"]}, "partitionKey": ["1"]}),
    (KINESIS, {"$or": [{"data": {"a": ["x"]}}, {"eventSource": ["aws:kinesis"]}]}),
    (KINESIS, {"data": ["x"]}),  # AWS: a non-JSON data pattern throws at create/update
    (DYNAMODB, {"dynamodb": ["x"]}),
])
def test_stream_patterns_lambda_throws_at_are_refused(source: str, pattern: dict[str, Any]) -> None:
    assert refused({"Filters": [{"Pattern": json.dumps(pattern)}]}, source).message == INVALID


def test_the_same_patterns_are_valid_where_the_source_allows_them() -> None:
    FilterSet.parse({"Filters": [{"Pattern": json.dumps({"body": ["x"], "eventSource": ["aws:sqs"]})}]}, SQS)
    FilterSet.parse({"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]}, DYNAMODB)
    FilterSet.parse({"Filters": [{"Pattern": json.dumps({"$or": [{"data": {"a": [1]}}, {"data": {"b": [2]}}]})}]},
                    KINESIS)


def test_more_filters_than_the_quota_are_refused() -> None:
    """AWS: "If you attempt to add more filters than your current quota permits, Lambda will
    return an error" (default quota: five)."""
    filters = [{"Pattern": json.dumps({"body": {"n": [n]}})} for n in range(MAX_FILTERS + 1)]
    assert len(FilterSet.parse({"Filters": filters[:MAX_FILTERS]}, SQS).patterns) == MAX_FILTERS
    error = refused({"Filters": filters})
    assert (error.code, error.message) == (
        "InvalidParameterValueException",
        "The number of filters (6) exceeds the limit of 5 filters per event source mapping.")


def test_a_pattern_over_the_models_length_is_a_validation_error() -> None:
    long = json.dumps({"body": {"k": ["x" * 4090]}})
    error = refused({"Filters": [{"Pattern": json.dumps({"a": ["b"]})}, {"Pattern": long}]})
    assert (error.status, error.code) == (400, "ValidationException")
    assert error.message == (f"1 validation error detected: Value '{long}' at 'filterCriteria.filters.2.member.pattern' "
                             "failed to satisfy constraint: Member must have length less than or equal to 4096")


def test_stored_patterns_compile_once() -> None:
    criteria = {"Filters": [{"Pattern": '{"body": {"k": ["v"]}}'}]}
    assert patterns_of(criteria) == ('{"body": {"k": ["v"]}}',) and patterns_of(None) == () == patterns_of({})
    assert compiled(patterns_of(criteria), SQS) is compiled(patterns_of(criteria), SQS)
    assert FilterSet.parse(criteria, SQS) is compiled(patterns_of(criteria), SQS)


# --- the matcher's promises (Hypothesis) ------------------------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "c", "d"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000),
                    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), st.text(max_size=5))
RECORDS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(KEYS, inner, max_size=3)), max_leaves=12)
OBJECTS = st.dictionaries(KEYS, RECORDS, min_size=1, max_size=4)
RULES = st.one_of(
    SCALARS,
    st.builds(lambda p: {"prefix": p}, st.text(max_size=2)),
    st.builds(lambda v: {"anything-but": v}, st.one_of(st.text(max_size=3), st.integers(-5, 5))),
    st.builds(lambda lo, width: {"numeric": [">=", lo, "<", lo + width]}, st.integers(-50, 50), st.integers(1, 100)),
    st.builds(lambda e: {"exists": e}, st.booleans()),
)
PATTERNS = st.recursive(st.dictionaries(KEYS, st.lists(RULES, min_size=1, max_size=3), min_size=1, max_size=2),
                        lambda inner: st.dictionaries(KEYS, inner, min_size=1, max_size=2), max_leaves=4)


def under(node: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    """The scalars and the objects a field holds, through any arrays."""
    if isinstance(node, list):
        parts = [under(item) for item in node]
        return [s for scalars, _ in parts for s in scalars], [o for _, objects in parts for o in objects]
    return ([], [node]) if isinstance(node, dict) else ([node], [])


def own_values(record: dict[str, Any]) -> dict[str, Any] | None:
    """A pattern of equalities built from a record's own values (None where it has no value)."""
    pattern: dict[str, Any] = {}
    for key, value in record.items():
        scalars, objects = under(value)
        nested = [sub for obj in objects if (sub := own_values(obj)) is not None]
        if scalars:
            pattern[key] = scalars[:1]
        elif nested:
            pattern[key] = nested[0]
    return pattern or None


@given(OBJECTS)
def test_a_pattern_of_a_records_own_values_matches_it(record: dict[str, Any]) -> None:
    pattern = own_values(record)
    assume(pattern is not None)
    assert keeps(pattern, record, DYNAMODB)


@given(st.lists(PATTERNS, min_size=1, max_size=MAX_FILTERS), OBJECTS)
def test_a_mapping_keeps_what_any_one_of_its_filters_keeps(patterns: list[dict[str, Any]], record: dict[str, Any]) -> None:
    together = FilterSet.parse({"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}, DYNAMODB)
    assert together.keeps(record) == any(keeps(p, record, DYNAMODB) for p in patterns)


@given(st.one_of(SCALARS, st.lists(st.one_of(st.text(max_size=3), st.integers(-5, 5)), min_size=1, max_size=3)),
       st.one_of(st.text(max_size=3), st.integers(-5, 5)))
def test_anything_but_a_value_is_its_negation_for_a_present_scalar(value: Any, excluded: Any) -> None:
    assume(not isinstance(value, list) or len(value) == 1)
    record = {"a": value}
    assert keeps({"a": [{"anything-but": [excluded]}]}, record, DYNAMODB) != keeps({"a": [excluded]}, record, DYNAMODB)


@given(OBJECTS, st.lists(KEYS, min_size=1, max_size=3))
def test_a_field_either_exists_or_does_not(record: dict[str, Any], path: list[str]) -> None:
    def nest(rule: Any) -> dict[str, Any]:
        pattern: Any = [rule]
        for key in reversed(path):
            pattern = {key: pattern}
        return pattern

    assert keeps(nest({"exists": True}), record, DYNAMODB) != keeps(nest({"exists": False}), record, DYNAMODB)


@given(st.one_of(st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False)),
       st.integers(-10**6, 10**6), st.integers(1, 10**6))
def test_a_numeric_range_is_the_interval(value: float, low: int, width: int) -> None:
    high = low + width
    pattern = {"a": [{"numeric": [">=", low, "<", high]}]}
    assert keeps(pattern, {"a": value}, DYNAMODB) == (low <= value < high)
