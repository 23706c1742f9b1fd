"""What Lambda records of each run (spec §6): logs for CloudWatch Logs, AWS/Lambda metrics under
AWS's dimension sets (spec 6.1), and the metrics CloudWatch Logs extracts from log lines in the
embedded metric format; buffered and written through the sinks in bulk (one write per stream, per
account, region and namespace)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from .._core import emf
from .._core.metric_dimensions import dimension_sets, mapping_dimensions
from .._model import Arn, ExecutionResult, FunctionSnapshot
from .._ports import Sinks, StatisticSet
from ..errors import warn

METRIC_READER = "://monitoring."  # CloudWatch's endpoint: a call there reads metrics
FLUSH_AT = 10_000  # metric sets written anyway, so that they never pile up
NAMESPACE = "AWS/Lambda"


class Telemetry:
    def __init__(self, sinks: Sinks) -> None:
        self._sinks = sinks
        self._logs: list[tuple[FunctionSnapshot, ExecutionResult]] = []
        # keyed by the instant's identity, as an aware datetime is slow to hash; the set keeps it alive
        self._metrics: dict[tuple[object, ...], StatisticSet] = {}
        self._lock = threading.Lock()

    def record_run(self, function: FunctionSnapshot, result: ExecutionResult, at: datetime,
                   event_age_ms: float | None = None, invoked_arn: str | None = None) -> None:
        """A run's log, and Invocations / Errors (and AsyncEventAge for an asynchronous event,
        measured when its attempt started). ``invoked_arn`` is the ARN the run was invoked by
        (None: the function, unqualified)."""
        if result.log_stream:
            self._logs.append((function, result))
        invoked = invoked_arn or function.arn
        with self._lock:
            if event_age_ms is not None:
                self._count(function, invoked, "AsyncEventAge", event_age_ms, at, "Milliseconds")
            self._count(function, invoked, "Invocations", 1, at, "Count")
            if result.error_type is not None:
                self._count(function, invoked, "Errors", 1, at, "Count")

    def count(self, function: FunctionSnapshot, name: str, value: float, at: datetime, unit: str = "Count",
              invoked_arn: str | None = None) -> None:
        """One datum for CloudWatch, namespace AWS/Lambda, under the dimension sets of the
        function as invoked by ``invoked_arn`` (None: unqualified)."""
        with self._lock:
            self._count(function, invoked_arn or function.arn, name, value, at, unit)

    def count_for_mapping(self, mapping_uuid: str, function_arn: str, name: str, value: float, at: datetime) -> None:
        """One datum of an event source mapping's metric (``Count``), in the account and Region of
        its function, under the ``EventSourceMappingUUID`` dimension."""
        arn = Arn.parse(function_arn)
        key = ("EventSourceMappingUUID", mapping_uuid, name, id(at))
        with self._lock:
            stats = self._metrics.get(key)
            if stats is None:
                self._metrics[key] = StatisticSet(arn.account, arn.region, NAMESPACE, name, "Count", at,
                                                  mapping_dimensions(mapping_uuid), value)
            else:
                stats.add(value)

    def _count(self, function: FunctionSnapshot, invoked_arn: str, name: str, value: float, at: datetime,
               unit: str) -> None:
        key = (invoked_arn, function.version, name, unit, id(at))
        stats = self._metrics.get(key)
        if stats is None:
            sets = dimension_sets(function.name, Arn.parse(invoked_arn).qualifier, function.version, name)
            self._metrics[key] = StatisticSet(function.account_id, function.region, NAMESPACE, name, unit, at,
                                              sets, value)
        else:
            stats.add(value)

    def before_call(self, url: str) -> None:
        """Logs are written before any outside call (log subscription filters deliver as they are
        written); metrics before a CloudWatch call, or once they pile up."""
        with_metrics = METRIC_READER in url or len(self._metrics) >= FLUSH_AT
        if self._logs or (with_metrics and self._metrics):
            self.flush(with_metrics)

    def flush(self, with_metrics: bool = True) -> None:
        with self._lock:
            logs, self._logs = self._logs, []
        if logs:
            self._extract_embedded_metrics(logs)
        metrics: list[StatisticSet] = []
        if with_metrics:
            with self._lock:
                metrics, self._metrics = list(self._metrics.values()), {}
        if logs or metrics:
            self._sinks.write_telemetry(logs, metrics)

    def _extract_embedded_metrics(self, logs: list[tuple[FunctionSnapshot, ExecutionResult]]) -> None:
        """What CloudWatch Logs extracts from lines in the embedded metric format, once the logs
        are written. An invalid document is kept as a log line only, as on AWS: it counts in
        ``AWS/Logs`` EMFParsingErrors / EMFValidationErrors and is warned about, with the reason."""
        received_ms = time.time() * 1000  # when CloudWatch Logs gets them: now, as their events' time
        for function, result in logs:
            text = result.log
            if emf.MARKER not in text:
                continue
            for line in text.split("\n"):
                try:
                    extracted = emf.extract(line, received_ms)
                except emf.InvalidEmf as error:
                    self._log_error(function, error)
                    continue
                with self._lock:
                    for metric in extracted:
                        self._add_embedded(function, metric)

    def _add_embedded(self, function: FunctionSnapshot, metric: emf.EmfMetric) -> None:
        key = (function.account_id, function.region, metric.namespace, metric.name, metric.unit,
               metric.resolution, metric.dimensions, metric.timestamp_ms)
        values = iter(metric.values)
        stats = self._metrics.get(key)
        if stats is None:
            at = datetime.fromtimestamp(metric.timestamp_ms / 1000, timezone.utc)
            stats = self._metrics[key] = StatisticSet(function.account_id, function.region, metric.namespace,
                                                      metric.name, metric.unit, at, (metric.dimensions,),
                                                      next(values), metric.resolution)
        for value in values:
            stats.add(value)

    def _log_error(self, function: FunctionSnapshot, error: emf.InvalidEmf) -> None:
        name = "EMFParsingErrors" if error.kind == "parsing" else "EMFValidationErrors"
        at = datetime.now(timezone.utc)
        with self._lock:
            self._metrics[(function.account_id, function.region, "AWS/Logs", name, function.log_group, id(at))] = (
                StatisticSet(function.account_id, function.region, "AWS/Logs", name, "Count", at,
                             ((("LogGroupName", function.log_group),),), 1))
        warn(f"a line that {function.name} logged is an embedded metric format document CloudWatch Logs "
             f"would not extract metrics from ({name}): {error}")
