"""Timer schedules: FunctionGraph's Rate and Cron forms, and when each fires next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from welkin.core import errors
from welkin.functions.triggers import schedule

T0 = datetime(2026, 11, 30, 6, 0, 0, tzinfo=UTC)  # a Monday


def nexts(spec: schedule.Schedule, start: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    moment = start
    for _ in range(count):
        upcoming = spec.next_after(moment)
        assert upcoming is not None
        found.append(upcoming)
        moment = upcoming
    return found


@pytest.mark.parametrize(
    ("text", "period"),
    [("1m", timedelta(minutes=1)), ("60m", timedelta(hours=1)), ("2h", timedelta(hours=2)),
     ("30d", timedelta(days=30)), ("5 minutes", timedelta(minutes=5)), ("1 day", timedelta(days=1))],
)  # fmt: skip
def test_rates(text: str, period: timedelta) -> None:
    assert schedule.parse("Rate", text).next_after(T0) == T0 + period


@pytest.mark.parametrize("text", ["0m", "61m", "25h", "31d", "5", "m", "1w", "-1m"])
def test_bad_rates(text: str) -> None:
    with pytest.raises(errors.InvalidArgument):
        schedule.parse("Rate", text)


def test_cron_every_fifteen_seconds() -> None:
    spec = schedule.parse("Cron", "*/15 * * * * *")
    assert nexts(spec, T0, 3) == [T0 + timedelta(seconds=s) for s in (15, 30, 45)]


def test_cron_daily_at_a_time_with_question_mark() -> None:
    spec = schedule.parse("Cron", "0 30 2 * * ?")
    assert nexts(spec, T0, 2) == [
        datetime(2026, 12, 1, 2, 30, tzinfo=UTC),
        datetime(2026, 12, 2, 2, 30, tzinfo=UTC),
    ]


def test_cron_names_ranges_and_lists() -> None:
    weekdays = schedule.parse("Cron", "0 0 9 ? * MON-FRI")
    fired = nexts(weekdays, T0, 6)
    assert [d.strftime("%a") for d in fired] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon"]
    assert fired[0] == datetime(2026, 11, 30, 9, tzinfo=UTC)
    quarterly = schedule.parse("Cron", "0 0 0 1 JAN,APR,JUL,OCT *")
    assert nexts(quarterly, T0, 2) == [datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)]


def test_cron_day_of_month_or_day_of_week_when_both_given() -> None:
    spec = schedule.parse("Cron", "0 0 0 13 * 5")  # the 13th, and every Friday
    fired = nexts(spec, T0, 3)
    assert fired == [datetime(2026, 12, d, tzinfo=UTC) for d in (4, 11, 13)]


def test_sunday_is_zero_and_seven() -> None:
    assert schedule.parse("Cron", "0 0 0 ? * 7").next_after(T0) == datetime(2026, 12, 6, tzinfo=UTC)
    assert schedule.parse("Cron", "0 0 0 ? * SUN").next_after(T0) == datetime(2026, 12, 6, tzinfo=UTC)


def test_descriptors_and_every() -> None:
    assert schedule.parse("Cron", "@hourly").next_after(T0) == T0 + timedelta(hours=1)
    assert schedule.parse("Cron", "@daily").next_after(T0) == datetime(2026, 12, 1, tzinfo=UTC)
    assert schedule.parse("Cron", "@every 1h30m").next_after(T0) == T0 + timedelta(minutes=90)
    assert schedule.parse("Cron", "@every 1m").next_after(T0) == T0 + timedelta(minutes=1)


def test_an_impossible_date_never_fires() -> None:
    assert schedule.parse("Cron", "0 0 0 30 FEB *").next_after(T0) is None


def test_a_year_field_may_only_be_any_year() -> None:
    noon = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert schedule.parse("Cron", "0 0 12 * * ? *").next_after(T0) == noon
    with pytest.raises(errors.InvalidArgument, match="year"):
        schedule.parse("Cron", "0 0 12 * * ? 2027")


@pytest.mark.parametrize(
    "text",
    ["* * * * *", "60 * * * * *", "* 60 * * * *", "* * 24 * * *", "* * * 0 * *", "* * * * 13 *",
     "* * * * * 8", "*/0 * * * * *", "a * * * * *", "5-1 * * * * *", "@every", "@every 5x", "@every 0s"],
)  # fmt: skip
def test_bad_crons(text: str) -> None:
    with pytest.raises(errors.InvalidArgument):
        schedule.parse("Cron", text)


def test_unknown_schedule_type() -> None:
    with pytest.raises(errors.InvalidArgument, match="Rate or Cron"):
        schedule.parse("Weekly", "1")
