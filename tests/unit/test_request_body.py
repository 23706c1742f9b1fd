"""Request bodies of the operations mocklambda answers itself (issue 13 item 17)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core import aws_errors
from mocklambda._core.request_body import EVENT_INVOKE_CONFIG, parse

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                           lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.sampled_from(["MaximumRetryAttempts", "DestinationConfig", "OnSuccess",
                                                              "Destination", "x"]), children, max_size=3),
                           max_leaves=10)


@given(json_values)
def test_any_json_is_parsed_typed_or_refused_with_a_400(value: object) -> None:
    """Property: never another exception, and what is returned has the shape's types."""
    try:
        body = parse(json.dumps(value).encode(), EVENT_INVOKE_CONFIG)
    except aws_errors.AwsError as error:
        assert (error.status, error.code) == (400, "SerializationException")
        return
    retries = body.get("MaximumRetryAttempts")
    assert retries is None or (isinstance(retries, int) and not isinstance(retries, bool))
    destinations = body.get("DestinationConfig")
    assert destinations is None or isinstance(destinations, dict)


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"MaximumRetryAttempts": 1.5}', "NUMBER_VALUE can not be converted to an Integer"),
    (b'{"MaximumRetryAttempts": "2"}', "STRING_VALUE can not be converted to an Integer"),
    (b'{"MaximumRetryAttempts": {}}', "Start of structure or map found where not expected."),
    (b'{"DestinationConfig": {"OnFailure": {"Destination": 3}}}', "NUMBER_VALUE can not be converted to a String"),
    (b"\xff", "Could not parse request body into json"),
])
def test_wrong_types_are_named_as_aws_names_them(raw: bytes, message: str) -> None:
    with pytest.raises(aws_errors.AwsError) as refused:
        parse(raw, EVENT_INVOKE_CONFIG)
    assert refused.value.message == message


def test_an_empty_body_and_null_members_are_absent() -> None:
    assert parse(b"", EVENT_INVOKE_CONFIG) == {}
    assert parse(b'{"MaximumRetryAttempts": null, "Other": [1]}', EVENT_INVOKE_CONFIG) == {
        "MaximumRetryAttempts": None, "Other": [1]}
