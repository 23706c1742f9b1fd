"""``FilterCriteria`` checked where moto stores it: Create/UpdateEventSourceMapping refuse what
Lambda refuses (``_core.event_filters``) before anything is stored, with AWS's answer."""

from __future__ import annotations

from typing import Any

from .._core.event_filters import FilterSet, source_of


def refuse_bad_filters(body: dict[str, Any], event_source_arn: str | None) -> None:
    """A request's ``FilterCriteria`` for a mapping of ``event_source_arn`` (sources Lambda does
    not filter, and requests without it, pass untouched)."""
    source = source_of(event_source_arn)
    if source is None or "FilterCriteria" not in body:
        return
    FilterSet.parse(body["FilterCriteria"], source)  # raises AWS's error, answered as the mapping API answers
