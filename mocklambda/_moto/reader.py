"""Reading moto's Lambda model: function snapshots and the settings attempts read, cached per
configuration generation (reading moto costs more than an attempt), and function look-ups with
AWS's errors. ``MotoFunctions`` is the pipeline's ``FunctionDirectory``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.awslambda.utils import get_backend
from moto.awslambda_simple.models import lambda_simple_backends

from .._core import aws_errors, logging_config
from .._core.event_filters import SQS, FilterSet, compiled, patterns_of
from .._core.invoke_request import FunctionRef
from .._core.mapping_metrics import counts_events
from .._core.recursion import TERMINATE
from .._core.retry_policy import RetrySettings
from .._model import Arn, FunctionSnapshot, LoggingSettings
from .._ports import AsyncConfig, SqsMapping, StreamMapping
from ..errors import warn

BACKEND_DICTS: tuple[Any, ...] = (lambda_backends, lambda_simple_backends)

_generation = 0  # moves whenever a Lambda request other than Invoke is served
_snapshots: dict[int, tuple[int, LambdaFunction, FunctionSnapshot]] = {}
_configs: dict[tuple[str, str, str, str], tuple[int, AsyncConfig]] = {}
_current: dict[str, FunctionSnapshot | None] = {}  # invoked ARN -> what it runs now (this generation)
_resolved: dict[tuple[str | None, ...], Any] = {}  # an Invoke's request -> what it names (this generation)


def configuration_may_change() -> None:
    """Cached snapshots and configurations are stale from now on."""
    global _generation
    _generation += 1
    _snapshots.clear()
    _current.clear()
    _resolved.clear()


def forget_all() -> None:
    global _generation
    _generation += 1
    _configs.clear()
    _snapshots.clear()
    _current.clear()
    _resolved.clear()


def generation() -> int:
    return _generation


def remembered(key: tuple[str | None, ...]) -> Any:
    """What ``remember`` kept for ``key`` in this generation, or None."""
    kept = _resolved.get(key)
    return kept[1] if kept is not None and kept[0] == _generation else None


def remember(key: tuple[str | None, ...], value: Any, since: int) -> None:
    """Keep ``value`` (what a request resolved to, read from moto since generation ``since``)
    until a Lambda request other than Invoke may change it."""
    _resolved[key] = (since, value)  # a change meanwhile moved the generation: never read


def backend_for(account_id: str, region: str) -> LambdaBackend:
    return get_backend(account_id, region)


def existing_backend(backends: Any, account_id: str, region: str) -> Any | None:
    """A service's backend for the account and Region if moto has made it, else None (then it
    keeps nothing). Indexing a ``BackendDict`` makes them, scanning moto's list of every
    service's backends each time: a stream's poll reads it several times."""
    regions = dict.get(backends, account_id)
    return None if regions is None else dict.get(regions, region)


def unqualified_arn(fn: LambdaFunction) -> str:
    return f"arn:{fn.partition}:lambda:{fn.region}:{fn.account_id}:function:{fn.function_name}"


def snapshot(fn: LambdaFunction) -> FunctionSnapshot:
    """The runtime's snapshot of a function version, made once and kept until a Lambda request
    other than Invoke is served (one snapshot is shared by every event queued meanwhile)."""
    generation = _generation  # read before moto is: a change meanwhile makes this entry stale
    cached = _snapshots.get(id(fn))
    if cached is not None and cached[0] == generation and cached[1] is fn:
        return cached[2]
    function = _read_snapshot(fn)
    _snapshots[id(fn)] = (generation, fn, function)
    return function


def _read_snapshot(fn: LambdaFunction) -> FunctionSnapshot:
    backend = backend_for(fn.account_id, fn.region)
    layer_zips = []
    for layer in fn.layers or []:
        version = backend.layers_versions_by_arn(layer["Arn"])
        if version is not None and getattr(version, "code_bytes", None):
            layer_zips.append(version.code_bytes)
    return FunctionSnapshot(
        name=fn.function_name,
        arn=unqualified_arn(fn),
        version=str(fn.version),
        region=fn.region,
        account_id=fn.account_id,
        runtime=fn.run_time,
        handler=fn.handler,
        timeout=float(fn.timeout or 3),
        memory_size=int(fn.memory_size or 128),
        environment=dict(fn.environment_vars or {}),
        code_sha256=getattr(fn, "code_sha_256", "") or "",
        package_type=fn.package_type or "Zip",
        code_zip=getattr(fn, "code_bytes", b"") or b"",
        layer_zips=tuple(layer_zips),
        role=str(getattr(fn, "role", "") or ""),
        logging=logging_settings(fn),
    )


def logging_settings(fn: LambdaFunction) -> LoggingSettings:
    """A function version's LoggingConfig (kept on moto's function, so that PublishVersion copies
    it); AWS's default for one made without the mock's CreateFunction."""
    settings = getattr(fn, "_mocklambda_logging", None)
    return settings if isinstance(settings, LoggingSettings) else logging_config.default(fn.function_name)


def function_by_arn(function_arn: str) -> LambdaFunction:
    """moto's function (version) that an ARN names; ``UnknownFunctionException`` if none."""
    arn = Arn.parse(function_arn)
    return backend_for(arn.account, arn.region).get_function(arn.function_name, arn.qualifier)


def lambda_exists(function_arn: str) -> bool:
    try:
        function_by_arn(function_arn)
    except (UnknownFunctionException, ValueError, IndexError):
        return False
    return True


def resolve(backend: LambdaBackend, ref: FunctionRef, region: str, account_id: str, partition: str) -> LambdaFunction:
    """Find the function version a request names, with AWS's errors (spec 1.10-1.11, 1.18-1.19).
    An ARN naming another account is looked up in that account."""
    if ref.region is not None and ref.region != region:
        raise aws_errors.wrong_region(ref.region, region)
    account = ref.account_id or account_id
    arn = f"arn:{partition}:lambda:{region}:{account}:function:{ref.name}:{ref.qualifier or '$LATEST'}"
    qualifier = ref.qualifier
    if qualifier is not None and qualifier.lower() == "$latest" and qualifier != "$LATEST":
        raise aws_errors.not_found(arn)  # qualifiers are case-sensitive on AWS, not in moto
    if account != account_id:
        backend = backend_for(account, region)
    try:
        return backend.get_function(ref.name, qualifier)
    except UnknownFunctionException:
        raise aws_errors.not_found(arn) from None


def sqs_mapping_settings(esm: Any) -> SqsMapping:
    return SqsMapping(
        uuid=esm.uuid,
        function_arn=esm.function_arn,
        queue_arn=esm.event_source_arn,
        batch_size=int(esm.batch_size or 10),
        batching_window=int(esm.max_batch_window or 0),
        enabled=bool(esm.enabled),
        report_batch_item_failures="ReportBatchItemFailures" in (esm.function_response_types or []),
        filters=_sqs_filters(esm),
        event_metrics=counts_events(esm.metrics),
    )


def stream_mapping_settings(esm: Any) -> StreamMapping:
    """A Kinesis or DynamoDB stream mapping's settings (moto keeps what the request gave: the
    defaults are AWS's where a setting was left out)."""
    on_failure = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
    filters = (esm.filter_criteria or {}).get("Filters") or []
    timestamp = esm.starting_position_timestamp
    return StreamMapping(
        uuid=esm.uuid,
        function_arn=esm.function_arn,
        source_arn=esm.event_source_arn,
        batch_size=int(esm.batch_size or 100),
        batching_window=int(esm.max_batch_window or 0),
        starting_position=str(esm.starting_position or "TRIM_HORIZON"),
        starting_timestamp=_as_datetime(timestamp) if timestamp is not None else None,
        maximum_retry_attempts=_int_or(esm.max_retry_attempts, -1),
        maximum_record_age=_int_or(esm.max_record_age, -1),
        bisect_on_error=bool(esm.bisect_on_error),
        parallelization_factor=_int_or(esm.parallelization_factor, 1),
        tumbling_window=_int_or(esm.tumbling_window, 0),
        on_failure=str(on_failure) if on_failure else None,
        report_batch_item_failures="ReportBatchItemFailures" in (esm.function_response_types or []),
        filter_patterns=tuple(str(f.get("Pattern", "")) for f in filters if isinstance(f, dict)),
        enabled=bool(esm.enabled),
        event_metrics=counts_events(esm.metrics),
    )


def _int_or(value: Any, default: int) -> int:
    return default if value is None else int(value)


def _as_datetime(value: Any) -> datetime:
    """StartingPositionTimestamp arrives as epoch seconds (JSON) or a datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(float(value), tz=timezone.utc)


def _is_queue(esm: Any) -> bool:
    return ":sqs:" in esm.event_source_arn


def _mappings() -> Iterator[Any]:
    for backend_dict in BACKEND_DICTS:
        for account in list(backend_dict.values()):
            for backend in list(account.values()):
                yield from list(backend._event_source_mappings.values())


def _sqs_filters(esm: Any) -> FilterSet:
    """The mapping's FilterCriteria, compiled. Create/Update refuse what Lambda refuses, so only a
    mapping stored before the mock started can hold such criteria: they are ignored, loudly."""
    try:
        return compiled(patterns_of(esm.filter_criteria), SQS)
    except aws_errors.AwsError:
        warn(f"event source mapping {esm.uuid} has FilterCriteria that Lambda refuses (stored before "
             "mocklambda started); its filters are ignored")
        return compiled((), SQS)


class MotoFunctions:
    """The pipeline's ``FunctionDirectory``, over moto's Lambda backends."""

    def function(self, function_arn: str) -> FunctionSnapshot:
        """Raises moto's ``UnknownFunctionException`` (AWS's ResourceNotFoundException) if it is
        gone: its text is what a failed delivery records."""
        return snapshot(function_by_arn(function_arn))

    def function_now(self, invoked_arn: str) -> FunctionSnapshot | None:
        """What an event invoked by ``invoked_arn`` runs at this moment (``$LATEST`` as it is
        now, an alias's current version), or None if that is gone; read once per generation."""
        if invoked_arn in _current:
            return _current[invoked_arn]
        generation = _generation  # read before moto is: a change meanwhile makes this entry stale
        try:
            function: FunctionSnapshot | None = snapshot(function_by_arn(invoked_arn))
        except (UnknownFunctionException, ValueError, IndexError):
            function = None
        if generation == _generation:
            _current[invoked_arn] = function
        return function

    def async_config(self, function: FunctionSnapshot, invoked_arn: str) -> AsyncConfig:
        """The invoked qualifier's configuration, read from moto once per generation."""
        key = (function.account_id, function.region, function.name, invoked_arn)
        generation = _generation  # read before moto is: a change meanwhile makes this entry stale
        cached = _configs.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        config = self._read_async_config(function, invoked_arn)
        _configs[key] = (generation, config)
        return config

    @staticmethod
    def _read_async_config(function: FunctionSnapshot, invoked_arn: str) -> AsyncConfig:
        backend: Any = backend_for(function.account_id, function.region)
        dead_letter = getattr(backend, "dead_letter_targets", {}).get(function.name)
        try:
            latest = backend.get_function(function.name)
        except UnknownFunctionException:
            return AsyncConfig(dead_letter=dead_letter)
        store = getattr(backend, "event_invoke_configs", None)
        qualifier = Arn.parse(invoked_arn).qualifier or "$LATEST"
        eic = store.find(function.name, qualifier) if store is not None else None
        reserved = None if latest.reserved_concurrency is None else int(latest.reserved_concurrency)
        return AsyncConfig(
            settings=eic.retry_settings() if eic is not None else RetrySettings(),
            zero_concurrency=reserved == 0,
            reserved_concurrency=reserved,
            on_success=eic.on_success if eic is not None else None,
            on_failure=eic.on_failure if eic is not None else None,
            dead_letter=dead_letter,
        )

    def recursion_config(self, function: FunctionSnapshot) -> str:
        backend = backend_for(function.account_id, function.region)
        configs: dict[str, str] = getattr(backend, "recursion_configs", {})
        return configs.get(function.name, TERMINATE)

    def sqs_mapping(self, mapping_uuid: str) -> SqsMapping | None:
        """An SQS event source mapping's current settings, wherever it lives."""
        for backend_dict in BACKEND_DICTS:
            for account in list(backend_dict.values()):
                for backend in list(account.values()):
                    esm = backend.get_event_source_mapping(mapping_uuid)
                    if esm is not None and ":sqs:" in esm.event_source_arn:
                        return sqs_mapping_settings(esm)
        return None

    def stream_mapping(self, mapping_uuid: str) -> StreamMapping | None:
        for esm in _mappings():
            if esm.uuid == mapping_uuid:
                return None if _is_queue(esm) else stream_mapping_settings(esm)
        return None

    def stream_mappings(self, source_arn: str | None) -> list[StreamMapping]:
        return [stream_mapping_settings(esm) for esm in _mappings()
                if (esm.event_source_arn == source_arn if source_arn is not None else not _is_queue(esm))]

    def account_concurrency_limit(self) -> int:
        """AWS's default of 1000, or moto's own knob when set."""
        return int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA", "1000"))

    def durable_config(self, function: FunctionSnapshot) -> dict[str, Any] | None:
        """The function's ``DurableConfig`` (issue 16), None for a function that is not durable."""
        configs: dict[str, dict[str, Any]] = getattr(backend_for(function.account_id, function.region),
                                                     "durable_configs", {})
        found = configs.get(function.name)
        return dict(found) if found is not None else None
