"""CloudWatch embedded metric format (EMF): the metrics CloudWatch Logs extracts from a log event
that holds an EMF document, by the rules of AWS's "Specification: Embedded metric format"
(docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).

A document is extracted whole or not at all: one that breaks a rule raises ``InvalidEmf``, which
says whether CloudWatch would count it as a parsing or a validation error (its ``AWS/Logs``
metrics ``EMFParsingErrors`` / ``EMFValidationErrors``). Pure: a log line in, metrics out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

from .metric_dimensions import Dimensions

MARKER = '"_aws"'  # a line without it holds no EMF document: skipped without parsing
MAX_DOCUMENT_BYTES = 1_048_576  # "the same limits as standard CloudWatch Logs events ... 1 MB"
MAX_METRICS = 100  # MetricDefinitions in one MetricDirective
MAX_VALUES = 100  # members of an array metric target
MAX_DIMENSION_KEYS = 30  # in one DimensionSet
MAX_DIMENSION_KEY = 250  # characters of a dimension key (the specification's JSON schema)
MAX_DIMENSION_VALUE = 1024  # characters of a dimension target's value
MAX_NAME = 1024  # characters of a Namespace or a metric Name (the JSON schema)
MAX_MAGNITUDE = 2.0**360  # CloudWatch refuses values beyond ±2^360 (MetricDatum)
RESOLUTIONS = (1, 60)  # StorageResolution: high (1 s) or standard (60 s, the default)
# CloudWatch takes "time stamps that are as much as two weeks before the current date, and as much
# as 2 hours after the current day and time" (PutMetricData), and no namespace of its own services
MAX_AGE_MS = 14 * 86_400_000
MAX_AHEAD_MS = 2 * 3_600_000
RESERVED_NAMESPACE = "AWS/"
UNITS = frozenset({
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
})


@dataclass(frozen=True, slots=True)
class EmfMetric:
    """One metric of one DimensionSet: the values a document gives it, at the document's time."""

    namespace: str
    name: str
    unit: str
    resolution: int
    dimensions: Dimensions
    values: tuple[float, ...]
    timestamp_ms: float


class InvalidEmf(ValueError):
    """An EMF document CloudWatch Logs would not extract metrics from (the log event is kept)."""

    def __init__(self, kind: Literal["parsing", "validation"], reason: str) -> None:
        super().__init__(reason)
        self.kind: Literal["parsing", "validation"] = kind


def document_text(line: str) -> str | None:
    """The JSON text of a log line that may hold an EMF document, or None. Lambda may prepend
    metadata (timestamp, request id, level, tab-separated); "a valid embedded metric format
    document after this metadata is considered valid"."""
    if MARKER not in line:
        return None
    text = line.strip()
    if text.startswith("{"):
        return text
    start = text.find("\t{")
    return text[start + 1:] if start >= 0 else None


def extract(line: str, received_ms: float) -> list[EmfMetric]:
    """The metrics CloudWatch Logs extracts from one log line received at ``received_ms`` (ms since
    the epoch): none when it holds no EMF document (no ``_aws`` member on a JSON object's root);
    raises ``InvalidEmf`` when it holds one that breaks the specification, or CloudWatch's rules
    for metric data (time stamp, reserved namespaces)."""
    text = document_text(line)
    if text is None:
        return []
    if len(text) > MAX_DOCUMENT_BYTES // 4 and len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise InvalidEmf("validation", "the document is larger than 1 MB")
    try:
        root = json.loads(text, parse_constant=_no_constant)
    except ValueError as error:
        raise InvalidEmf("parsing", f"the line is not one JSON object ({error})") from None
    if not isinstance(root, dict) or "_aws" not in root:
        return []
    metadata = root["_aws"]
    if not isinstance(metadata, dict):
        raise _invalid("_aws must be an object")
    directives = metadata.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        raise _invalid("_aws.CloudWatchMetrics must be an array of MetricDirectives")
    timestamp = metadata.get("Timestamp")
    if not _is_number(timestamp):
        raise _invalid("_aws.Timestamp must be a number: milliseconds since 1970-01-01T00:00:00Z")
    if not received_ms - MAX_AGE_MS <= timestamp <= received_ms + MAX_AHEAD_MS:
        raise _invalid(f"_aws.Timestamp {timestamp} is not within two weeks before and two hours after the "
                       f"time the line was logged ({received_ms:.0f}): CloudWatch takes no such metric data")
    return [metric for directive in directives for metric in _directive(root, directive, float(timestamp))]


def _directive(root: dict[str, Any], directive: Any, timestamp_ms: float) -> list[EmfMetric]:
    if not isinstance(directive, dict):
        raise _invalid("each MetricDirective must be an object")
    namespace = directive.get("Namespace")
    if not _is_name(namespace):
        raise _invalid(f"Namespace must be a string of 1 to {MAX_NAME} characters")
    if namespace.startswith(RESERVED_NAMESPACE):
        raise _invalid(f"Namespace {namespace!r}: namespaces beginning with AWS/ are reserved for AWS's services")
    dimension_sets = directive.get("Dimensions")
    if not isinstance(dimension_sets, list) or not dimension_sets:
        raise _invalid("Dimensions must be an array of at least one DimensionSet (which may be empty)")
    resolved = [_dimension_set(root, keys) for keys in dimension_sets]
    definitions = directive.get("Metrics")
    if not isinstance(definitions, list):
        raise _invalid("Metrics must be an array of MetricDefinitions")
    if len(definitions) > MAX_METRICS:
        raise _invalid(f"a MetricDirective has {len(definitions)} MetricDefinitions, more than {MAX_METRICS}")
    metrics: list[EmfMetric] = []
    for definition in definitions:
        if not isinstance(definition, dict):
            raise _invalid("each MetricDefinition must be an object")
        name = definition.get("Name")
        if not _is_name(name):
            raise _invalid(f"a MetricDefinition's Name must be a string of 1 to {MAX_NAME} characters")
        unit = definition.get("Unit", "None")
        if unit not in UNITS:
            raise _invalid(f"metric {name!r} has Unit {unit!r}, which is not a CloudWatch unit")
        resolution = definition.get("StorageResolution", 60)
        if type(resolution) is not int or resolution not in RESOLUTIONS:
            raise _invalid(f"metric {name!r} has StorageResolution {resolution!r}: it must be 1 or 60")
        values = _values(name, root.get(name))
        metrics.extend(EmfMetric(namespace, name, unit, resolution, dimensions, values, timestamp_ms)
                       for dimensions in resolved if values)
    return metrics


def _dimension_set(root: dict[str, Any], keys: Any) -> Dimensions:
    if not isinstance(keys, list):
        raise _invalid("each DimensionSet must be an array of dimension keys")
    if len(keys) > MAX_DIMENSION_KEYS:
        raise _invalid(f"a DimensionSet has {len(keys)} keys, more than {MAX_DIMENSION_KEYS}")
    pairs = []
    for key in keys:
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_DIMENSION_KEY:
            raise _invalid(f"a dimension key must be a string of 1 to {MAX_DIMENSION_KEY} characters, not {key!r}")
        value = root.get(key)
        if not isinstance(value, str) or not 1 <= len(value) <= MAX_DIMENSION_VALUE:
            raise _invalid(f"dimension {key!r} needs a root member with a string value of 1 to "
                           f"{MAX_DIMENSION_VALUE} characters")
        pairs.append((key, value))
    if len(set(keys)) < len(keys):
        raise _invalid(f"a DimensionSet names a key twice: {keys!r}")
    return tuple(pairs)


def _values(name: str, target: Any) -> tuple[float, ...]:
    """A metric target's values: a number, or an array of at most 100 numbers."""
    values = target if isinstance(target, list) else [target]
    if len(values) > MAX_VALUES:
        raise _invalid(f"metric {name!r} has {len(values)} values, more than {MAX_VALUES}")
    if not all(_is_number(value) for value in values):
        raise _invalid(f"metric {name!r} needs a root member holding a number or an array of numbers "
                       f"(within ±2^360)")
    return tuple(float(value) for value in values)


def _is_number(value: object) -> TypeGuard[float]:
    """A JSON number CloudWatch takes: finite and within ±2^360 (so it is a float too)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= MAX_MAGNITUDE


def _is_name(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and 1 <= len(value) <= MAX_NAME


def _invalid(reason: str) -> InvalidEmf:
    return InvalidEmf("validation", reason)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
