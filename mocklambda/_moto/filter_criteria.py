"""``FilterCriteria`` checked where moto stores it: Create/UpdateEventSourceMapping refuse what
Lambda refuses (``_core.event_filters``) before anything is stored, with AWS's answer."""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError

from .._core.aws_errors import AwsError
from .._core.event_filters import FilterSet, source_of


class AwsErrorAnswer(JsonRESTError):
    """An ``AwsError`` raised inside a moto backend method: moto's response dispatch answers any
    ``HTTPException`` with its code, headers and body, here AWS's own."""

    def __init__(self, error: AwsError) -> None:
        super().__init__(error.code, error.message)
        self.error = error
        self.code, headers, self.description = error.response()
        self._headers = [(name, value) for name, value in headers.items() if name != "status"]

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return self._headers

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return self.description


def refuse_bad_filters(body: dict[str, Any], event_source_arn: str | None) -> None:
    """A request's ``FilterCriteria`` for a mapping of ``event_source_arn`` (sources Lambda does
    not filter, and requests without it, pass untouched)."""
    source = source_of(event_source_arn)
    if source is None or "FilterCriteria" not in body:
        return
    try:
        FilterSet.parse(body["FilterCriteria"], source)
    except AwsError as error:
        raise AwsErrorAnswer(error) from None
