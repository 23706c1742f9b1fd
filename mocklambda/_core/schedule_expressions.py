"""EventBridge schedule expressions, ``rate(...)`` and ``cron(...)``, in UTC (pure)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_MONTHS = {name: number for number, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
_DAYS = {name: number for number, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
SEARCH_DAYS = 366 * 5


class UnsupportedSchedule(ValueError):
    """An expression mocklambda cannot evaluate (it says which part)."""


class InvalidSchedule(UnsupportedSchedule):
    """An expression EventBridge's PutRule refuses: ``Parameter ScheduleExpression is not valid.``"""


INVALID_MESSAGE = "Parameter ScheduleExpression is not valid."
_RATE_SYNTAX = re.compile(r"^rate\((\d+) (minute|hour|day)(s?)\)$")
_FIELDS = ((0, 59, None), (0, 23, None), (1, 31, None), (1, 12, _MONTHS), (1, 7, _DAYS), (1970, 2199, None))
_SPECIAL = re.compile(r"[LW#]")  # last day, weekday, nth weekday: valid on AWS, not evaluated here


def check_syntax(expression: str) -> None:
    """Raise ``InvalidSchedule`` for what PutRule refuses (EventBridge's schedule expression
    docs): a rate that is not a positive whole number of minutes, hours or days with the unit
    singular exactly for 1 (``rate(1 minutes)`` and ``rate(5 minute)`` are refused); a cron that
    has not 6 fields, a value out of its field's range, a step of 0 or past the field's end, or a day-of-month and a
    day-of-week both given (one of them must be ``?``)."""
    rate = _RATE_SYNTAX.match(expression)
    if expression.startswith("rate("):
        if rate is None or int(rate.group(1)) == 0 or (int(rate.group(1)) == 1) == (rate.group(3) == "s"):
            raise InvalidSchedule(INVALID_MESSAGE)
        return
    cron = _CRON.match(expression)
    fields = cron.group(1).split() if cron else []
    if len(fields) != 6 or (fields[2] == "?") == (fields[4] == "?"):
        raise InvalidSchedule(INVALID_MESSAGE)
    for text, (low, high, names) in zip(fields, _FIELDS, strict=True):
        if _SPECIAL.search(text):
            continue
        if any(int(step) > high for step in re.findall(r"/(\d+)", text)):  # cron(*/60 ...) is refused
            raise InvalidSchedule(INVALID_MESSAGE)
        try:
            _field(text, low, high, names)
        except UnsupportedSchedule:
            raise InvalidSchedule(INVALID_MESSAGE) from None


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """The values a cron field allows; None for ``*`` / ``?`` (anything)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for item in text.split(","):
        part, stepped, step_text = item.partition("/")
        step = 1
        if stepped:
            if not step_text.isdigit() or int(step_text) == 0:
                raise UnsupportedSchedule(f"the step in '{text}' must be a number above 0")
            step = int(step_text)
        if part == "*" or (stepped and part == ""):
            start, end = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, end = _value(first, names), _value(last, names)
        else:
            start = _value(part, names)  # an empty item is refused here
            end = high if stepped else start  # '5/1' and '5/10' run from 5 to the field's end
        if not (low <= start <= high and low <= end <= high):
            raise UnsupportedSchedule(f"value out of range in '{text}'")
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    upper = text.upper()
    if names and upper in names:
        return names[upper]
    if not upper.isdigit():
        raise UnsupportedSchedule(f"'{text}' (L, W and # are not supported)")
    return int(upper)


def period(expression: str) -> float | None:
    """Seconds between runs of a ``rate(...)`` expression, else None."""
    match = _RATE.match(expression.strip())
    if not match:
        return None
    if int(match.group(1)) == 0:
        raise UnsupportedSchedule(f"a rate must be above 0: {expression!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def next_run(expression: str, after: datetime, created: datetime) -> datetime:
    """The first run strictly after ``after``. A rate schedule runs every period from ``created``."""
    every = period(expression)
    if every is not None:
        elapsed = (after - created).total_seconds()
        runs = int(elapsed // every) + 1
        return created + timedelta(seconds=runs * every)
    match = _CRON.match(expression.strip())
    if not match:
        raise UnsupportedSchedule(f"not a rate() or cron() expression: {expression!r}")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise UnsupportedSchedule(f"cron() takes 6 fields, got {len(fields)}")
    minutes = _field(fields[0], 0, 59)
    hours = _field(fields[1], 0, 23)
    days = _field(fields[2], 1, 31)
    months = _field(fields[3], 1, 12, _MONTHS)
    weekdays = _field(fields[4], 1, 7, _DAYS)  # 1 = Sunday, as in AWS
    years = _field(fields[5], 1970, 2199)
    start = (after.astimezone(timezone.utc) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    day = start.replace(hour=0, minute=0)
    for _ in range(SEARCH_DAYS):
        weekday = (day.weekday() + 1) % 7 + 1  # Monday=0 -> 2 ... Sunday=6 -> 1
        if ((years is None or day.year in years) and (months is None or day.month in months)
                and (days is None or day.day in days) and (weekdays is None or weekday in weekdays)):
            for hour in sorted(hours) if hours is not None else range(24):
                for minute in sorted(minutes) if minutes is not None else range(60):
                    candidate = day.replace(hour=hour, minute=minute)
                    if candidate >= start:
                        return candidate
        day += timedelta(days=1)
    raise UnsupportedSchedule(f"{expression!r} never runs in the next {SEARCH_DAYS} days")
