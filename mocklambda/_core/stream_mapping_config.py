"""Event source mappings as Lambda's API takes and answers them (issue 14 item 1): the checks of
Create/UpdateEventSourceMapping in AWS's order with AWS's codes and messages, the defaults, and
the configuration Create/Update/Get/List/Delete answer, for Kinesis streams, DynamoDB streams and
SQS queues. Settings are keyed by AWS's member names. Pure: the moto adapter looks functions,
streams and queues up and keeps the settings.

Sources: the recordings in ``shared/reference/localstack-snapshots`` (``event-source-mappings/``
and ``test_lambda_api.snapshot.json`` ``TestLambdaEventSourceMappings``), botocore's model of
the requests (ranges, enums), and AWS's answers quoted where no recording has them (README,
"Choices where AWS is not specified")."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .._model import Arn
from . import aws_errors, paging, request_body
from .cloudformation import integer, type_name
from .event_invoke_config import DESTINATION_PATTERN_TEXT

KINESIS, DYNAMODB, SQS = "kinesis", "dynamodb", "sqs"
STREAMS = (KINESIS, DYNAMODB)
STARTING_POSITIONS = ("LATEST", "AT_TIMESTAMP", "TRIM_HORIZON")  # the order of AWS's message (recorded)
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
NO_RECORDS = "No records processed"  # LastProcessingResult until a batch ran (recorded)
CREATING, ENABLED, DISABLED, ENABLING, DISABLING, UPDATING, DELETING = (
    "Creating", "Enabled", "Disabled", "Enabling", "Disabling", "Updating", "Deleting")
_DESTINATION_PATTERN = re.compile(DESTINATION_PATTERN_TEXT)
MAX_PAGE = 100  # ListEventSourceMappings answers at most 100 items, whatever MaxItems says (AWS docs)

# Integer members in the model's order: (member, field in AWS's messages, minimum, maximum).
_RANGES = (
    ("BatchSize", "batchSize", 1, 10000),
    ("MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", 0, 300),
    ("ParallelizationFactor", "parallelizationFactor", 1, 10),
    ("MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds", -1, 604800),
    ("MaximumRetryAttempts", "maximumRetryAttempts", -1, 10000),
    ("TumblingWindowInSeconds", "tumblingWindowInSeconds", 0, 900),
)
STREAM_DEFAULTS: Mapping[str, Any] = {  # recorded: create_event_source_mapping_response
    "BatchSize": 100,
    "MaximumBatchingWindowInSeconds": 0,
    "ParallelizationFactor": 1,
    "MaximumRecordAgeInSeconds": -1,
    "MaximumRetryAttempts": -1,
    "TumblingWindowInSeconds": 0,
    "BisectBatchOnFunctionError": False,
    "FunctionResponseTypes": [],
    "DestinationConfig": {"OnFailure": {}},
}
SQS_DEFAULTS: Mapping[str, Any] = {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 0, "FunctionResponseTypes": []}
# What only streams take; what only Kafka, Amazon MQ and DocumentDB sources take.
_STREAM_ONLY = ("StartingPositionTimestamp", "ParallelizationFactor", "BisectBatchOnFunctionError",
                "MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "TumblingWindowInSeconds")
_OTHER_SOURCES_ONLY = ("Topics", "Queues", "SourceAccessConfigurations", "SelfManagedEventSource",
                       "AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig",
                       "DocumentDBEventSourceConfig")
_ON_FAILURE_SERVICES = {"sqs", "sns", "s3"}
# Echoed as given (no behaviour of theirs is observable in a test); each source's own settings.
_ECHOED = ("FilterCriteria", "KMSKeyArn", "ScalingConfig", "ProvisionedPollerConfig", "MetricsConfig")
_STREAM_SETTINGS = ("StartingPosition", "StartingPositionTimestamp", *STREAM_DEFAULTS)
_SQS_SETTINGS = tuple(SQS_DEFAULTS)
_CREATE_ONLY = ("StartingPosition", "StartingPositionTimestamp")

# The request members whose JSON type is checked before anything else (request_body's shapes).
_DESTINATION: request_body.Shape = {"Destination": "String"}
BODY: request_body.Shape = {
    "EventSourceArn": "String", "FunctionName": "String", "Enabled": "Boolean", "BatchSize": "Integer",
    "MaximumBatchingWindowInSeconds": "Integer", "ParallelizationFactor": "Integer", "StartingPosition": "String",
    "StartingPositionTimestamp": "Timestamp",
    "DestinationConfig": {"OnSuccess": _DESTINATION, "OnFailure": _DESTINATION},
    "MaximumRecordAgeInSeconds": "Integer", "BisectBatchOnFunctionError": "Boolean",
    "MaximumRetryAttempts": "Integer", "TumblingWindowInSeconds": "Integer", "FunctionResponseTypes": ["String"],
    "FilterCriteria": {"Filters": [{"Pattern": "String"}]},
}


def parse_body(raw: bytes) -> dict[str, Any]:
    """A Create/Update request body; wrong JSON types are AWS's ``SerializationException``."""
    return request_body.parse(raw, BODY)


def from_template(properties: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The request an ``AWS::Lambda::EventSourceMapping``'s handler sends, and what the resource
    schema refuses: CloudFormation turns a numeric or boolean string (a parameter's ``Ref``) into
    the schema's integer or boolean; any other value of the wrong type is a schema problem."""
    body, problems = dict(properties), []
    for member in (member for member, *_ in _RANGES):
        if member in body:
            number = integer(body[member])
            if number is None:
                problems.append(f"#/{member}: expected type: Integer, found: {type_name(body[member])}")
            body[member] = number
    for member in ("Enabled", "BisectBatchOnFunctionError"):
        value = body.get(member)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            body[member] = value.lower() == "true"
        elif member in body and not isinstance(value, bool):
            problems.append(f"#/{member}: expected type: Boolean, found: {type_name(value)}")
    return (parse_body(json.dumps(body).encode()) if not problems else body), problems


# --- errors AWS answers ------------------------------------------------------------------------------


def mapping_missing() -> aws_errors.AwsError:
    return aws_errors.not_found_message("The resource you requested does not exist.")  # recorded


def function_missing() -> aws_errors.AwsError:
    return aws_errors.invalid_parameter("Function does not exist")  # recorded: create_unknown_params


def source_missing(kind: str, source_arn: str) -> aws_errors.AwsError:
    """Recorded: ``test_esm_with_not_existing_{kinesis_stream,dynamodb_stream,sqs_queue}``."""
    if kind == SQS:
        return aws_errors.invalid_parameter(
            "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
            "SQS Error Message: The specified queue does not exist.")
    return aws_errors.invalid_parameter(f"Stream not found: {source_arn}")


def duplicate(kind: str, source_arn: str, function_name: str, uuid: str) -> aws_errors.AwsError:
    """Recorded: ``test_duplicate_event_source_mappings`` of each source (409, two wordings)."""
    if kind == SQS:
        text = (f'An event source mapping with SQS arn (" {source_arn} ") and function (" {function_name} ") '
                "already exists.")
    else:
        text = (f'The event source arn (" {source_arn} ") and function (" {function_name} ") provided mapping '
                "already exists.")
    return aws_errors.AwsError(409, "ResourceConflictException",
                               f"{text} Please update or delete the existing mapping with UUID {uuid}")


def _unsupported(member: str) -> aws_errors.AwsError:
    """Recorded for ``DestinationConfig`` (``destination_config_failure``); the same words for
    every other member the source does not take (a choice)."""
    return aws_errors.invalid_parameter(f"Unsupported {member} parameter for given event source mapping type.")


# --- the checks, in AWS's order -------------------------------------------------------------------------


def check_model(body: Mapping[str, Any], creating: bool) -> None:
    """What AWS's front end refuses before Lambda looks at anything: one ``ValidationException``
    naming every broken constraint in the model's member order (botocore refuses values below a
    minimum itself; other clients' reach the service)."""
    problems = []
    for member, field, low, high in _RANGES[:3]:
        problems += _range_problem(body, member, field, low, high)
    position = body.get("StartingPosition")
    if creating and position is not None and position not in STARTING_POSITIONS:
        allowed = ", ".join(STARTING_POSITIONS)
        problems.append(aws_errors.constraint_text("startingPosition", str(position),
                                                   f"Member must satisfy enum value set: [{allowed}]"))
    destinations = body.get("DestinationConfig") or {}
    for which, field in (("OnSuccess", "onSuccess"), ("OnFailure", "onFailure")):
        arn = (destinations.get(which) or {}).get("Destination")
        if arn is not None and not _DESTINATION_PATTERN.fullmatch(arn):
            problems.append(aws_errors.constraint_text(
                f"destinationConfig.{field}.destination", arn,
                f"Member must satisfy regular expression pattern: {DESTINATION_PATTERN_TEXT}"))
    for member, field, low, high in _RANGES[3:]:
        problems += _range_problem(body, member, field, low, high)
    types = body.get("FunctionResponseTypes")
    if types is not None:
        shown = f"[{', '.join(str(t) for t in types)}]"
        if len(types) > 1:
            problems.append(aws_errors.constraint_text(
                "functionResponseTypes", shown, "Member must have length less than or equal to 1"))
        if any(t != REPORT_BATCH_ITEM_FAILURES for t in types):
            enum = f"[Member must satisfy enum value set: [{REPORT_BATCH_ITEM_FAILURES}]]"
            problems.append(aws_errors.constraint_text("functionResponseTypes", shown,
                                                       f"Member must satisfy constraint: {enum}"))
    if problems:
        raise aws_errors.validation_errors(problems)


def _range_problem(body: Mapping[str, Any], member: str, field: str, low: int, high: int) -> list[str]:
    value = body.get(member)
    if value is None or low <= value <= high:
        return []
    bound = f"less than or equal to {high}" if value > high else f"greater than or equal to {low}"
    return [aws_errors.constraint_text(field, str(value), f"Member must have value {bound}")]


def check_destinations(body: Mapping[str, Any], kind: str | None) -> None:
    """Lambda's first own check (recorded: before the source and the function are looked at)."""
    destinations = body.get("DestinationConfig")
    if not destinations:
        return
    if "OnSuccess" in destinations or kind == SQS:
        raise _unsupported("DestinationConfig")
    if "OnFailure" not in destinations:
        return
    on_failure = destinations["OnFailure"] or {}
    if "Destination" not in on_failure:
        raise aws_errors.invalid_parameter("The Destination field is required for an OnFailure configuration.")
    arn = on_failure["Destination"]
    if arn and _service(arn) not in _ON_FAILURE_SERVICES:
        raise aws_errors.invalid_parameter(
            f"The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination={arn}))"
            " is invalid.")


def _service(arn: str) -> str:
    try:
        return Arn.parse(arn).service
    except ValueError:
        return ""


def source_kind(source_arn: str | None) -> str:
    """``kinesis``, ``dynamodb`` or ``sqs``, the sources mocklambda emulates (issue 14)."""
    if not source_arn:
        raise aws_errors.invalid_parameter("Unrecognized event source.")  # recorded: create_no_event_source_arn
    service = _service(source_arn)
    if service == KINESIS and "/consumer/" in source_arn:
        service = "kinesis stream consumer"  # enhanced fan-out: not emulated
    if service not in (KINESIS, DYNAMODB, SQS):
        raise aws_errors.invalid_parameter(
            f"Unsupported event source type: mocklambda emulates mappings of SQS queues, Kinesis streams and "
            f"DynamoDB streams, not {service or 'this source'} ({source_arn})")
    return service


def check_settings(body: Mapping[str, Any], kind: str, source_arn: str, current: Mapping[str, Any] | None,
                   fifo: bool = False) -> None:
    """The checks that depend on the source; ``current``: the mapping's settings (Update), None
    for Create. Raises AWS's ``InvalidParameterValueException``."""
    for member in _OTHER_SOURCES_ONLY:
        if member in body:
            raise _unsupported(member)
    if kind in STREAMS:
        _check_stream(body, kind, source_arn, current)
    else:
        _check_queue(body, current, fifo)


def _check_stream(body: Mapping[str, Any], kind: str, source_arn: str, current: Mapping[str, Any] | None) -> None:
    if current is None:
        position = body.get("StartingPosition")
        if position is None:  # recorded: no_starting_position (this wording, a 400 InvalidParameterValue)
            raise aws_errors.invalid_parameter("1 validation error detected: Value null at 'startingPosition' "
                                               "failed to satisfy constraint: Member must not be null.")
        if position == "AT_TIMESTAMP" and kind == DYNAMODB:  # recorded: incompatible_starting_position
            raise aws_errors.invalid_parameter(f"Unsupported starting position for arn type: {source_arn}")
        if position == "AT_TIMESTAMP" and body.get("StartingPositionTimestamp") is None:
            raise aws_errors.invalid_parameter("Need to specify a timestamp")
    age = body.get("MaximumRecordAgeInSeconds")
    if age is not None and 0 <= age < 60:
        raise aws_errors.invalid_parameter(
            "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)")
    for member in ("ScalingConfig", "ProvisionedPollerConfig"):  # SQS's and Kafka's
        if member in body:
            raise _unsupported(member)


def _check_queue(body: Mapping[str, Any], current: Mapping[str, Any] | None, fifo: bool) -> None:
    if "StartingPosition" in body:
        raise aws_errors.invalid_parameter("StartingPosition is not valid for SQS event sources.")
    for member in _STREAM_ONLY:
        if member in body:
            raise _unsupported(member)
    merged = {**SQS_DEFAULTS, **(current or {}), **{k: v for k, v in body.items() if v is not None}}
    if fifo:
        if merged["MaximumBatchingWindowInSeconds"]:
            raise aws_errors.invalid_parameter("Batching window is not supported for FIFO queues")
        if merged["BatchSize"] > 10:
            raise aws_errors.invalid_parameter("Maximum batch size must be between 1 and 10 inclusive")
    elif merged["BatchSize"] > 10 and not merged["MaximumBatchingWindowInSeconds"]:  # recorded
        raise aws_errors.invalid_parameter(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")


# --- settings kept and answered -----------------------------------------------------------------------


def new_settings(body: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """A new mapping's settings: the request's, AWS's defaults for the rest."""
    settings = dict(STREAM_DEFAULTS if kind in STREAMS else SQS_DEFAULTS)
    settings.update(changed_settings(body, kind, creating=True))
    if settings.get("StartingPosition") != "AT_TIMESTAMP":
        settings.pop("StartingPositionTimestamp", None)  # meaningless without AT_TIMESTAMP: not kept
    return {name: value for name, value in settings.items() if value is not None}


def changed_settings(body: Mapping[str, Any], kind: str, creating: bool = False) -> dict[str, Any]:
    """The settings a (checked) request sets; ``DestinationConfig`` always in its answered form,
    an empty ``Destination`` removing the destination; ``FilterCriteria`` without filters is
    None, no criteria (recorded: response-with-empty-filters answers none)."""
    names = (_STREAM_SETTINGS if kind in STREAMS else _SQS_SETTINGS) + _ECHOED
    # Update has no StartingPosition(Timestamp) member: AWS's JSON front end ignores what a raw
    # request sends there, so it is neither kept nor answered
    settings = {name: body[name] for name in names
                if body.get(name) is not None and (creating or name not in _CREATE_ONLY)}
    if "FilterCriteria" in settings and not (settings["FilterCriteria"] or {}).get("Filters"):
        settings["FilterCriteria"] = None
    if "DestinationConfig" in settings:
        on_failure = settings["DestinationConfig"].get("OnFailure")
        if on_failure is None:
            del settings["DestinationConfig"]  # nothing about the on-failure destination changes
        else:
            arn = on_failure.get("Destination")
            settings["DestinationConfig"] = {"OnFailure": {"Destination": arn} if arn else {}}
    return settings


def answer_state_on_update(enabled_before: bool, requested: bool | None) -> str:
    """UpdateEventSourceMapping's ``State``: ``Enabling`` / ``Disabling`` when ``Enabled`` turns
    (recorded: update_esm_enabling, update_event_source_mapping_result), else ``Updating``
    (recorded: updated_esm)."""
    if requested is not None and requested != enabled_before:
        return ENABLING if requested else DISABLING
    return UPDATING


def answer_state_on_create(kind: str, enabled: bool) -> str:
    """CreateEventSourceMapping's ``State`` (recorded: ``Creating``; an SQS mapping created
    disabled answers ``Disabled``, create_esm_disabled)."""
    return DISABLED if kind == SQS and not enabled else CREATING


def configuration(kind: str, settings: Mapping[str, Any], *, uuid: str, mapping_arn: str, source_arn: str,
                  function_arn: str, last_modified: float, state: str,
                  last_processing_result: str = NO_RECORDS) -> dict[str, Any]:
    """The mapping as AWS answers it (``EventSourceMappingConfiguration``): a stream mapping
    with every failure-handling member; an SQS mapping with only its own (recorded)."""
    answer: dict[str, Any] = {"UUID": uuid}
    if kind in STREAMS:
        answer["StartingPosition"] = settings["StartingPosition"]
        if "StartingPositionTimestamp" in settings:
            answer["StartingPositionTimestamp"] = settings["StartingPositionTimestamp"]
    answer.update({"BatchSize": settings["BatchSize"],
                   "MaximumBatchingWindowInSeconds": settings["MaximumBatchingWindowInSeconds"]})
    if kind in STREAMS:
        answer["ParallelizationFactor"] = settings["ParallelizationFactor"]
    answer.update({"EventSourceArn": source_arn})
    for member in ("FilterCriteria", "KMSKeyArn"):
        if member in settings:
            answer[member] = settings[member]
    answer.update({"FunctionArn": function_arn, "LastModified": last_modified})
    if kind in STREAMS:
        answer["LastProcessingResult"] = last_processing_result
    answer.update({"State": state, "StateTransitionReason": "User action" if kind in STREAMS else "USER_INITIATED"})
    if kind in STREAMS:
        answer["DestinationConfig"] = settings["DestinationConfig"]
        for member in ("MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError", "MaximumRetryAttempts",
                       "TumblingWindowInSeconds"):
            answer[member] = settings[member]
    answer["FunctionResponseTypes"] = settings["FunctionResponseTypes"]
    for member in ("ScalingConfig", "ProvisionedPollerConfig", "MetricsConfig"):
        if member in settings:
            answer[member] = settings[member]
    answer["EventSourceMappingArn"] = mapping_arn
    return answer


def page(answers: list[dict[str, Any]], marker: str | None, max_items: int | None) -> dict[str, Any]:
    """One page of ListEventSourceMappings: at most 100 (AWS docs), ``NextMarker`` while more remain."""
    if max_items is not None and not 1 <= max_items <= 10000:
        raise aws_errors.validation("maxItems", str(max_items), "Member must have value "
                                    + ("less than or equal to 10000" if max_items > 10000
                                       else "greater than or equal to 1"))
    start = paging.start_of(marker)
    size = min(max_items or MAX_PAGE, MAX_PAGE)
    result: dict[str, Any] = {"EventSourceMappings": answers[start:start + size]}
    if start + size < len(answers):
        result["NextMarker"] = paging.marker_for(start + size)
    return result
