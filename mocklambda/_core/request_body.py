"""Request bodies of the Lambda operations mocklambda answers itself, read as AWS's JSON front end
reads them (issue 13 item 17): a body that is not a JSON object, or a member of the wrong JSON
type, is a 400 ``SerializationException`` before anything is looked at or stored; never a 500
with Python's text, never ``MaximumRetryAttempts: 1.5`` stored."""

from __future__ import annotations

import json
from typing import Any, TypeAlias

from . import aws_errors

# A shape: "Integer", "String", "Boolean", "Timestamp" (epoch seconds), a structure's members
# and their shapes, or a list of one member shape.
Shape: TypeAlias = str | dict[str, "Shape"] | list["Shape"]

DESTINATION: Shape = {"Destination": "String"}
EVENT_INVOKE_CONFIG: Shape = {
    "MaximumRetryAttempts": "Integer",
    "MaximumEventAgeInSeconds": "Integer",
    "DestinationConfig": {"OnSuccess": DESTINATION, "OnFailure": DESTINATION},
}
RECURSION_CONFIG: Shape = {"RecursiveLoop": "String"}
FUNCTION_CONCURRENCY: Shape = {"ReservedConcurrentExecutions": "Integer"}


def serialization_error(message: str) -> aws_errors.AwsError:
    return aws_errors.AwsError(400, "SerializationException", message)


def parse(raw: bytes, shape: Shape) -> dict[str, Any]:
    """The body as a dict whose members have the types ``shape`` gives (unknown members are
    ignored, as AWS ignores them); an empty body is ``{}``."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise serialization_error("Could not parse request body into json") from None
    if body is None:  # a JSON null: no members at all
        return {}
    _check(body, shape)
    assert isinstance(body, dict)  # _check refuses anything else for a structure
    return body


def json_kind(value: Any) -> str:
    """The name AWS's JSON front end gives a value's type in its messages."""
    if isinstance(value, bool):
        return "BOOLEAN_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    return "STRING_VALUE"


def _check(value: Any, shape: Shape) -> None:
    if value is None:  # JSON null: the member is absent
        return
    if isinstance(shape, list):
        if isinstance(value, dict):
            raise serialization_error("Start of structure or map found where not expected.")
        if not isinstance(value, list):
            raise serialization_error(f"{json_kind(value)} can not be converted to a List")
        for member in value:
            _check(member, shape[0])
        return
    if isinstance(value, list):
        raise serialization_error("Start of list found where not expected")
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            raise serialization_error(f"{json_kind(value)} can not be converted to a Structure")
        for name, member in shape.items():
            if name in value:
                _check(value[name], member)
        return
    if isinstance(value, dict):
        raise serialization_error("Start of structure or map found where not expected.")
    if shape == "Integer" and (isinstance(value, bool) or not isinstance(value, int)):
        raise serialization_error(f"{json_kind(value)} can not be converted to an Integer")
    if shape == "String" and not isinstance(value, str):
        raise serialization_error(f"{json_kind(value)} can not be converted to a String")
    if shape == "Boolean" and not isinstance(value, bool):
        raise serialization_error(f"{json_kind(value)} can not be converted to a Boolean")
    if shape == "Timestamp" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise serialization_error(f"{json_kind(value)} can not be converted to a Timestamp")
