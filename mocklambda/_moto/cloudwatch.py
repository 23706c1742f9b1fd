"""moto's CloudWatch, read as AWS reads it. Lambda publishes each datum under several dimension sets
(spec 6.1) and an EMF document may name several; AWS keeps each set as a metric of its own:

- ``GetMetricStatistics`` returns the metric whose dimensions are exactly those asked for ("You
  must specify the same dimensions that were used when the metrics were created"; none asked: the
  metric that has none). moto's matches every datum that has them among others, so a query by
  ``FunctionName`` would also sum the ``FunctionName`` + ``Resource`` data. moto's own
  ``GetMetricData`` already matches exactly.
- ``GetMetricData`` finds a metric whatever the order its dimensions are given in. moto compares
  sorted dimension lists, but ``Dimension.__lt__`` is no order (it compares a value with a name),
  so the sort kept the order given and a multi-dimension query in another order found nothing.
- ``ListMetrics`` lists each metric once. moto's de-duplication compares multi-dimension metrics
  wrongly (``are_dimensions_same`` pairs every dimension with every other), so it listed such a
  metric once per datum.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend, Dimension, MetricDatumBase

from .patches import Patch


def _identity(dimensions: Iterable[Any]) -> frozenset[tuple[str, str]]:
    return frozenset((dimension.name, dimension.value) for dimension in dimensions)


class _ExactView:
    """The backend as moto's ``get_metric_statistics`` reads it, holding only the data whose
    dimensions are exactly the wanted ones."""

    def __init__(self, backend: CloudWatchBackend, wanted: frozenset[tuple[str, str]]) -> None:
        self._backend = backend
        self._wanted = wanted

    def get_all_metrics(self) -> list[MetricDatumBase]:
        return [md for md in self._backend.get_all_metrics() if _identity(md.dimensions) == self._wanted]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def _get_metric_statistics(self: CloudWatchBackend, namespace: str, metric_name: str, start_time: datetime,
                           end_time: datetime, period: int, stats: list[str], dimensions: list[dict[str, str]],
                           unit: str | None = None) -> Any:
    wanted = frozenset((d["Name"], d.get("Value")) for d in dimensions or ())
    return GET_METRIC_STATISTICS.original(_ExactView(self, wanted), namespace, metric_name, start_time,  # type: ignore[arg-type]
                                          end_time, period, stats, [], unit)


def _get_filtered_metrics(self: CloudWatchBackend, metric_name: str, namespace: str,
                          dimensions: list[dict[str, str]]) -> list[MetricDatumBase]:
    """ListMetrics' matches (moto's filter: the given dimensions among the metric's), each metric once."""
    seen: set[tuple[str, str, frozenset[tuple[str, str]]]] = set()
    found = []
    for md in self.get_all_metrics():
        if md.filter(namespace=namespace, name=metric_name, dimensions=dimensions):
            key = (md.namespace, md.name, _identity(md.dimensions))
            if key not in seen:
                seen.add(key)
                found.append(md)
    return found


def _dimension_before(self: Dimension, other: Dimension) -> bool:
    """Dimensions in (name, value) order."""
    return (self.name or "", self.value or "") < (other.name or "", other.value or "")


GET_METRIC_STATISTICS = Patch(CloudWatchBackend, "get_metric_statistics", _get_metric_statistics)

PATCHES: tuple[Patch, ...] = (
    GET_METRIC_STATISTICS,
    Patch(CloudWatchBackend, "get_filtered_metrics", _get_filtered_metrics),
    Patch(Dimension, "__lt__", _dimension_before),
)
