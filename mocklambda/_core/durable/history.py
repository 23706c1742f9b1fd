"""The execution history: events appended as they happen, ``EventId`` their position from 1
(``ExecutionStarted``), in AWS's ``Event`` shape. Appending (not sorting by time afterwards) keeps
the order right on a virtual clock, where every event of one invocation has the same timestamp."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import paging

_DATA_MEMBERS = ("Input", "Result", "Error")


@dataclass(frozen=True)
class HistoryEvent:
    event_type: str
    event_id: int
    at: datetime
    operation_id: str | None
    name: str | None
    sub_type: str | None
    parent_id: str | None
    details: dict[str, Any]

    def to_api(self, stamp: Callable[[datetime], Any], include_data: bool) -> dict[str, Any]:
        answer: dict[str, Any] = {"EventType": self.event_type}
        if self.sub_type is not None:
            answer["SubType"] = self.sub_type
        answer["EventId"] = self.event_id
        for key, value in (("Id", self.operation_id), ("Name", self.name)):
            if value is not None:
                answer[key] = value
        answer["EventTimestamp"] = stamp(self.at)
        if self.parent_id is not None:
            answer["ParentId"] = self.parent_id
        answer[f"{self.event_type}Details"] = {
            key: (_without_payload(value) if key in _DATA_MEMBERS and not include_data else _stamped(value, stamp))
            for key, value in self.details.items()
        }
        return answer


def _without_payload(value: dict[str, Any]) -> dict[str, Any]:
    """``IncludeExecutionData=false``: the payload left out, marked as truncated (the testing
    package's reading of the model's ``Truncated``)."""
    return {"Truncated": True}


def _stamped(value: Any, stamp: Callable[[datetime], Any]) -> Any:
    return stamp(value) if isinstance(value, datetime) else value


class History:
    def __init__(self) -> None:
        self.events: list[HistoryEvent] = []

    def append(self, event_type: str, at: datetime, details: dict[str, Any], operation_id: str | None = None,
               name: str | None = None, sub_type: str | None = None, parent_id: str | None = None) -> None:
        self.events.append(HistoryEvent(event_type, len(self.events) + 1, at, operation_id, name, sub_type,
                                        parent_id, details))

    def page(self, stamp: Callable[[datetime], Any], include_data: bool, reverse: bool, marker: str | None,
             max_items: int | None) -> dict[str, Any]:
        """One page of GetDurableExecutionHistory (``MaxItems`` 0 or absent: 100, Q15)."""
        events = list(reversed(self.events)) if reverse else self.events
        return page_of([event.to_api(stamp, include_data) for event in events], "Events", marker, max_items)


DEFAULT_PAGE = 100


def page_of(items: list[dict[str, Any]], key: str, marker: str | None, max_items: int | None) -> dict[str, Any]:
    """A page of ``items`` under ``key`` with ``NextMarker`` when more follow."""
    start = paging.start_of(marker)
    size = max_items or DEFAULT_PAGE
    answer: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        answer["NextMarker"] = paging.marker_for(start + size)
    return answer
