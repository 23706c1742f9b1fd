"""Event source mappings (SQS, Kinesis, DynamoDB Streams) as Lambda's API answers them, over
moto's ``EventSourceMapping`` objects: the requests checked in AWS's order (the rules are
``_core.stream_mapping_config``), the checked settings kept on moto's attributes (where the
pollers read them), and the configuration each operation answers."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodbstreams.models import dynamodbstreams_backends
from moto.kinesis.models import kinesis_backends
from moto.sqs.models import sqs_backends

from .._core import aws_errors
from .._core import stream_mapping_config as config
from .._core.invoke_request import FunctionRef, parse_function_ref
from .._model import Arn
from . import active
from .reader import BACKEND_DICTS, unqualified_arn

# AWS's member -> moto's attribute (moto's names; the pollers read these).
_ATTRIBUTES = {
    "BatchSize": "batch_size",
    "MaximumBatchingWindowInSeconds": "max_batch_window",
    "ParallelizationFactor": "parallelization_factor",
    "StartingPosition": "starting_position",
    "StartingPositionTimestamp": "starting_position_timestamp",
    "MaximumRecordAgeInSeconds": "max_record_age",
    "MaximumRetryAttempts": "max_retry_attempts",
    "BisectBatchOnFunctionError": "bisect_on_error",
    "TumblingWindowInSeconds": "tumbling_window",
    "DestinationConfig": "destination_config",
    "FunctionResponseTypes": "function_response_types",
    "FilterCriteria": "filter_criteria",
    "KMSKeyArn": "kms_key",
    "ScalingConfig": "scaling_config",
    "ProvisionedPollerConfig": "poller_config",
    "MetricsConfig": "metrics",  # EventCount: the mapping's counts in CloudWatch (_core.mapping_metrics)
}
_PROCESSING_RESULT = "_mocklambda_last_processing_result"


def kind_of(esm: EventSourceMapping) -> str:
    return config.source_kind(esm.event_source_arn)


def settings_of(esm: EventSourceMapping) -> dict[str, Any]:
    """The mapping's settings under AWS's names (those it has)."""
    values = {member: getattr(esm, attribute, None) for member, attribute in _ATTRIBUTES.items()}
    return {member: value for member, value in values.items() if value is not None}


def _keep(esm: EventSourceMapping, settings: Mapping[str, Any], function_arn: str | None) -> None:
    """Every setting on its attribute (None: not set), an int where AWS has an integer."""
    for member, attribute in _ATTRIBUTES.items():
        setattr(esm, attribute, settings.get(member))
    if function_arn is not None:
        esm.function_arn = function_arn
    esm.last_modified = round(time.time(), 3)


DURABLE_UNQUALIFIED = "You cannot invoke a durable function using an unqualified ARN."  # D8: name a version or alias


# --- the checks moto cannot make ---------------------------------------------------------------------


def _function_arn(backend: LambdaBackend, name: Any) -> tuple[FunctionRef, str]:
    """The function a mapping names, and its ARN as AWS answers it: qualified exactly when the
    request named a version or alias (``:$LATEST`` too; recorded: test_function_name_variations)."""
    if not isinstance(name, str) or not name:
        raise config.function_missing()
    ref = parse_function_ref(name, None)
    if (ref.region or backend.region_name) != backend.region_name or (
            ref.account_id or backend.account_id) != backend.account_id:
        raise config.function_missing()
    try:
        fn = backend.get_function(ref.name, ref.qualifier)
    except UnknownFunctionException:
        raise config.function_missing() from None
    if getattr(backend, "durable_configs", {}).get(fn.function_name) is not None:
        if ref.qualifier is None:
            raise aws_errors.invalid_parameter(DURABLE_UNQUALIFIED)
        intake = active.current()
        if intake is not None:  # a realtime mock runs no durable function: refused here, not warned per batch
            intake.durable.check_supported()
    return ref, unqualified_arn(fn) + (f":{ref.qualifier}" if ref.qualifier else "")


def _source_exists(backend: LambdaBackend, kind: str, source_arn: str) -> bool:
    account, region = backend.account_id, backend.region_name
    if kind == config.SQS:
        return any(queue.queue_arn == source_arn for queue in sqs_backends[account][region].queues.values())
    if kind == config.KINESIS:
        return any(stream.arn == source_arn for stream in kinesis_backends[account][region].streams.values())
    streams = dynamodbstreams_backends[account][region].list_streams()
    return any(stream["StreamArn"] == source_arn for stream in streams)


def _check_unique(backend: LambdaBackend, kind: str, source_arn: str, ref: FunctionRef, function_arn: str,
                  uuid: str | None = None) -> None:
    for other in list(backend._event_source_mappings.values()):
        if other.uuid != uuid and other.event_source_arn == source_arn and other.function_arn == function_arn:
            raise config.duplicate(kind, source_arn, ref.name, other.uuid)


def check_create(backend: LambdaBackend, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """CreateEventSourceMapping's checks in AWS's order; the new mapping's settings and
    function ARN."""
    config.check_model(body, creating=True)
    source_arn = body.get("EventSourceArn")
    config.check_destinations(body, _lenient_kind(source_arn))
    kind = config.source_kind(source_arn)
    assert isinstance(source_arn, str)
    config.check_settings(body, kind, source_arn, None, fifo=source_arn.endswith(".fifo"))
    _check_timestamp_not_ahead(body)
    ref, function_arn = _function_arn(backend, body.get("FunctionName"))
    if not _source_exists(backend, kind, source_arn):
        raise config.source_missing(kind, source_arn)
    _check_unique(backend, kind, source_arn, ref, function_arn)
    return config.new_settings(body, kind), function_arn


def _check_timestamp_not_ahead(body: Mapping[str, Any]) -> None:
    """``StartingPositionTimestamp`` "cannot be in the future" (API reference; stream spec S1.8,
    O12): in the future of the mock's clock while one runs."""
    timestamp = body.get("StartingPositionTimestamp")
    if body.get("StartingPosition") != "AT_TIMESTAMP" or not isinstance(timestamp, (int, float)):
        return
    intake = active.current()
    now = intake.clock.now().timestamp() if intake is not None else time.time()
    if timestamp > now:
        raise aws_errors.invalid_parameter("StartingPositionTimestamp cannot be in the future")


def _lenient_kind(source_arn: Any) -> str | None:
    try:
        return config.source_kind(source_arn)
    except aws_errors.AwsError:
        return None


def check_update(backend: LambdaBackend, uuid: str, body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """UpdateEventSourceMapping's checks: the mapping's settings after it (the others as they
    were), and the new function's ARN (None when the function stays)."""
    config.check_model(body, creating=False)
    esm = backend.get_event_source_mapping(uuid)
    if esm is None:
        raise config.mapping_missing()
    kind, source_arn = kind_of(esm), esm.event_source_arn
    config.check_destinations(body, kind)
    config.check_settings(body, kind, source_arn, settings_of(esm), fifo=source_arn.endswith(".fifo"))
    function_arn = None
    if body.get("FunctionName") is not None:
        ref, function_arn = _function_arn(backend, body["FunctionName"])
        _check_unique(backend, kind, source_arn, ref, function_arn, uuid)
    return {**settings_of(esm), **config.changed_settings(body, kind)}, function_arn


def created(esm: EventSourceMapping, settings: Mapping[str, Any], function_arn: str) -> None:
    """A mapping moto made from a checked request keeps AWS's settings, and no others."""
    _keep(esm, settings, function_arn)
    setattr(esm, _PROCESSING_RESULT, config.NO_RECORDS)


def updated(esm: EventSourceMapping | None, settings: Mapping[str, Any], function_arn: str | None) -> None:
    """What moto changed its own way (it keeps any value as given) is AWS's again."""
    if esm is not None:  # check_update found it
        _keep(esm, settings, function_arn)


def deleted(backend: LambdaBackend, esm: EventSourceMapping) -> None:
    """moto keeps a deleted mapping in its queue's, stream's or table's own list: no more."""
    for store in _source_stores(backend, kind_of(esm)):
        for key in [key for key, value in store.items() if value is esm]:
            del store[key]


def _source_stores(backend: LambdaBackend, kind: str) -> Iterator[dict[str, Any]]:
    account, region = backend.account_id, backend.region_name
    if kind == config.SQS:
        owners: Any = sqs_backends[account][region].queues.values()
    elif kind == config.KINESIS:
        owners = kinesis_backends[account][region].streams.values()
    else:
        owners = dynamodb_backends[account][region].tables.values()
    for owner in list(owners):
        yield owner.lambda_event_source_mappings


# --- answers -------------------------------------------------------------------------------------------


def answer(esm: EventSourceMapping, state: str | None = None) -> dict[str, Any]:
    """The mapping's configuration; ``State`` the settled one (``Enabled``/``Disabled``: the
    mock's transitions take no time) unless the operation answers its own."""
    return config.configuration(
        kind_of(esm), settings_of(esm), uuid=esm.uuid, mapping_arn=esm.arn, source_arn=esm.event_source_arn,
        function_arn=esm.function_arn, last_modified=float(esm.last_modified),
        state=state or (config.ENABLED if esm.enabled else config.DISABLED),
        last_processing_result=getattr(esm, _PROCESSING_RESULT, config.NO_RECORDS),
    )


def listing(backend: LambdaBackend, source_arn: str | None, function_name: str | None) -> list[dict[str, Any]]:
    """ListEventSourceMappings' filters: the source, and the function (a bare name lists the
    mappings of each of its versions and aliases; a qualified one, that qualifier's)."""
    ref = parse_function_ref(function_name, None) if function_name else None
    answers = []
    for esm in list(backend._event_source_mappings.values()):
        if source_arn and esm.event_source_arn != source_arn:
            continue
        if ref is not None:
            target = Arn.parse(esm.function_arn)
            if target.function_name != ref.name or (ref.qualifier is not None and target.qualifier != ref.qualifier):
                continue
        answers.append(answer(esm))
    return answers


def record_processing_result(mapping_uuid: str, result: str) -> None:
    """What GetEventSourceMapping shows as ``LastProcessingResult`` from now on (the stream
    poller: ``OK`` after a batch ran, recorded in test_kinesis_empty_provided)."""
    for backend_dict in BACKEND_DICTS:
        for account in list(backend_dict.values()):
            for backend in list(account.values()):
                esm = backend.get_event_source_mapping(mapping_uuid)
                if esm is not None:
                    setattr(esm, _PROCESSING_RESULT, result)
                    return
