"""EventBridge schedule expressions, rate() and cron(), evaluated in UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest

from mocklambda._core.schedule_expressions import InvalidSchedule, UnsupportedSchedule, check_syntax, next_run, period

MONDAY = datetime(2024, 1, 1, 10, 6, 30, tzinfo=timezone.utc)  # 2024-01-01 was a Monday


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


def cron_after(expression: str, after: datetime = MONDAY) -> datetime:
    return next_run(expression, after, created=after)


# -- rate() ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(12 hours)", 43200),
        ("rate(1 day)", 86400),
        ("rate(7 days)", 604800),
        ("  rate(5 minutes) ", 300),
    ],
)
def test_rate_period(expression: str, seconds: int) -> None:
    assert period(expression) == seconds


@pytest.mark.parametrize("expression", ["cron(0 12 * * ? *)", "rate(5 weeks)", "rate(-1 minutes)", "rate(1.5 hours)"])
def test_only_rate_expressions_have_a_period(expression: str) -> None:
    assert period(expression) is None


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("rate(5 minutes)", timedelta(0), timedelta(minutes=5)),  # the first run is one period after creation
        ("rate(5 minutes)", timedelta(minutes=4, seconds=59), timedelta(minutes=5)),
        ("rate(5 minutes)", timedelta(minutes=5), timedelta(minutes=10)),  # strictly after
        ("rate(5 minutes)", timedelta(hours=1, seconds=30), timedelta(hours=1, minutes=5)),
        ("rate(2 hours)", timedelta(hours=3), timedelta(hours=4)),
        ("rate(1 day)", timedelta(days=3, hours=23), timedelta(days=4)),
    ],
)
def test_rate_runs_every_period_from_creation(expression: str, after: timedelta, expected: timedelta) -> None:
    created = MONDAY  # 10:06:30: runs keep the creation's seconds, not the wall clock's round minutes
    assert next_run(expression, created + after, created) == created + expected


def test_following_a_rate_schedule_gives_evenly_spaced_runs() -> None:
    runs = [MONDAY]
    for _ in range(5):
        runs.append(next_run("rate(15 minutes)", runs[-1], MONDAY))
    assert [later - earlier for earlier, later in pairwise(runs)] == [timedelta(minutes=15)] * 5


# -- cron() ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(* * * * ? *)", MONDAY, utc(2024, 1, 1, 10, 7)),
        ("cron(* * * * ? *)", utc(2024, 1, 1, 10, 7), utc(2024, 1, 1, 10, 8)),  # strictly after
        ("cron(0 12 * * ? *)", MONDAY, utc(2024, 1, 1, 12, 0)),
        ("cron(0 12 * * ? *)", utc(2024, 1, 1, 12, 0), utc(2024, 1, 2, 12, 0)),
        ("cron(0 10 * * ? *)", MONDAY, utc(2024, 1, 2, 10, 0)),  # today's is past: tomorrow
        # lists
        ("cron(0,30 9,17 * * ? *)", MONDAY, utc(2024, 1, 1, 17, 0)),
        ("cron(0,30 9,17 * * ? *)", utc(2024, 1, 1, 17, 0), utc(2024, 1, 1, 17, 30)),
        # ranges
        ("cron(0 9-11 * * ? *)", MONDAY, utc(2024, 1, 1, 11, 0)),
        ("cron(0 9-11 * * ? *)", utc(2024, 1, 1, 11, 0), utc(2024, 1, 2, 9, 0)),
        ("cron(0 0 1 6-8 ? *)", MONDAY, utc(2024, 6, 1)),
        # steps: start/increment runs from start to the field's end
        ("cron(0/15 * * * ? *)", MONDAY, utc(2024, 1, 1, 10, 15)),
        ("cron(*/20 * * * ? *)", MONDAY, utc(2024, 1, 1, 10, 20)),
        ("cron(5/20 * * * ? *)", MONDAY, utc(2024, 1, 1, 10, 25)),
        ("cron(10-40/10 * * * ? *)", MONDAY, utc(2024, 1, 1, 10, 10)),
        ("cron(10-40/10 * * * ? *)", utc(2024, 1, 1, 10, 40), utc(2024, 1, 1, 11, 10)),
        ("cron(0 0/6 * * ? *)", MONDAY, utc(2024, 1, 1, 12, 0)),
        # day of month, month names, day names (case does not matter)
        ("cron(0 0 15 * ? *)", MONDAY, utc(2024, 1, 15)),
        ("cron(0 0 1 JAN,JUL ? *)", MONDAY, utc(2024, 7, 1)),
        ("cron(0 0 1 jul ? *)", MONDAY, utc(2024, 7, 1)),
        ("cron(0 8 ? * MON-FRI *)", utc(2024, 1, 5, 9, 0), utc(2024, 1, 8, 8, 0)),  # Friday 9:00 -> Monday
        ("cron(0 8 ? * mon-fri *)", utc(2024, 1, 5, 9, 0), utc(2024, 1, 8, 8, 0)),
        ("cron(0 8 ? * SAT,SUN *)", MONDAY, utc(2024, 1, 6, 8, 0)),
        ("cron(0 0 29 2 ? *)", MONDAY, utc(2024, 2, 29)),  # a leap day
        ("cron(0 0 29 2 ? *)", utc(2024, 3, 1), utc(2028, 2, 29)),
        # the year field
        ("cron(0 0 1 1 ? 2028)", MONDAY, utc(2028, 1, 1)),
        ("cron(30 6 ? * MON 2025-2026)", MONDAY, utc(2025, 1, 6, 6, 30)),
        ("cron(0 0 1 1 ? */2)", MONDAY, utc(2026, 1, 1)),  # even years from 1970: 2024's run has passed
    ],
)
def test_cron(expression: str, after: datetime, expected: datetime) -> None:
    assert cron_after(expression, after) == expected


@pytest.mark.parametrize(
    ("number", "name", "date"),
    [(1, "SUN", 7), (2, "MON", 8), (3, "TUE", 2), (4, "WED", 3), (5, "THU", 4), (6, "FRI", 5), (7, "SAT", 6)],
)
def test_day_of_week_counts_from_sunday_as_in_aws(number: int, name: str, date: int) -> None:
    by_number = cron_after(f"cron(0 0 ? * {number} *)")
    assert by_number == cron_after(f"cron(0 0 ? * {name} *)") == utc(2024, 1, date)
    assert by_number.strftime("%a").upper() == name


def test_question_mark_and_star_both_mean_any_day() -> None:
    expected = utc(2024, 1, 2, 0, 0)
    assert cron_after("cron(0 0 * * ? *)") == cron_after("cron(0 0 ? * * *)") == expected


def test_cron_is_evaluated_in_utc() -> None:
    after = MONDAY.astimezone(timezone(timedelta(hours=2)))  # 12:06:30 at UTC+2
    result = cron_after("cron(0 12 * * ? *)", after)
    assert result == utc(2024, 1, 1, 12, 0) and result.utcoffset() == timedelta(0)


# -- what cannot be evaluated ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 0 L * ? *)",  # last day of the month
        "cron(0 0 15W * ? *)",  # nearest weekday
        "cron(0 0 LW * ? *)",
        "cron(0 0 ? * 6#3 *)",  # third Friday
        "cron(0 0 ? * 6L *)",  # last Friday
    ],
)
def test_l_w_and_hash_are_unsupported(expression: str) -> None:
    with pytest.raises(UnsupportedSchedule, match="not supported"):
        cron_after(expression)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("every 5 minutes", "not a rate"),
        ("rate(5 fortnights)", "not a rate"),
        ("rate(five minutes)", "not a rate"),
        ("cron()", "not a rate"),
        ("cron(0 12 * * ?)", "6 fields"),
        ("cron(0 12 * * ? * *)", "6 fields"),
        ("cron(60 * * * ? *)", "out of range"),
        ("cron(0 24 * * ? *)", "out of range"),
        ("cron(0 0 32 * ? *)", "out of range"),
        ("cron(0 0 0 * ? *)", "out of range"),
        ("cron(0 0 1 13 ? *)", "out of range"),
        ("cron(0 0 ? * 8 *)", "out of range"),
        ("cron(0 0 1 1 ? 1969)", "out of range"),
        ("cron(0 0 ? FOO * *)", "FOO"),
        ("cron(0 0 1-x * ? *)", "'x'"),
        ("cron(0 0 31 2 ? *)", "never runs"),  # February 31st
        ("cron(0 0 1 1 ? 2020-2023)", "never runs"),  # only years gone by
    ],
)
def test_malformed_expressions_are_unsupported(expression: str, reason: str) -> None:
    with pytest.raises(UnsupportedSchedule, match=reason):
        cron_after(expression)


# Found by this suite: these raised ZeroDivisionError / ValueError, which ScheduledRules.track
# (catching UnsupportedSchedule, to warn that the rule will not fire) let escape from put_rule.
@pytest.mark.parametrize("expression", ["rate(0 minutes)", "cron(*/0 * * * ? *)", "cron(0/x * * * ? *)"])
def test_zero_or_non_numeric_steps_are_unsupported(expression: str) -> None:
    with pytest.raises(UnsupportedSchedule):
        cron_after(expression)


def test_an_empty_list_item_is_unsupported() -> None:
    """Found by this suite: an empty item was read as '*' (every minute)."""
    with pytest.raises(UnsupportedSchedule):
        cron_after("cron(1,,2 * * * ? *)")


def test_a_step_of_one_from_a_start_runs_every_minute_from_it() -> None:
    """Found by this suite: '5/1' meant minute 5 only, not 5 to 59."""
    assert cron_after("cron(5/1 * * * ? *)") == utc(2024, 1, 1, 10, 7)


@pytest.mark.parametrize("expression", [
    "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(5 weeks)", "rate(-1 minutes)", "rate(1.5 hours)",
    "cron(*/0 * * * ? *)", "cron(*/60 * * * ? *)", "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(* * * * *)",
    "cron(0 24 * * ? *)", "cron(0 0 32 * ? *)", "every hour",
])
def test_what_putrule_refuses(expression: str) -> None:
    """Issue 13 item 13, from EventBridge's schedule expression rules: ``Parameter
    ScheduleExpression is not valid.``"""
    with pytest.raises(InvalidSchedule, match="Parameter ScheduleExpression is not valid."):
        check_syntax(expression)


@pytest.mark.parametrize("expression", [
    "rate(1 minute)", "rate(5 minutes)", "rate(1 day)", "cron(0 12 * * ? *)", "cron(0/15 * ? * MON-FRI *)",
    "cron(0 0 L * ? *)", "cron(0 0 31 2 ? *)",  # valid on AWS; mocklambda warns that it will not fire them
])
def test_what_putrule_accepts(expression: str) -> None:
    check_syntax(expression)
