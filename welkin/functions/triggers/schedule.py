"""Timer schedules as FunctionGraph writes them, and the next moment each one fires.

``Rate``: a fixed period, ``3m``, ``2h``, ``1d`` (also ``3 minutes``; at most 60 minutes,
24 hours or 30 days, as FunctionGraph allows). ``Cron``: six fields with seconds first,
``sec min hour day-of-month month day-of-week`` (``*``, ``?``, lists, ranges, steps,
JAN-DEC and SUN-SAT names; day 0 and 7 are Sunday), or a descriptor: ``@every 1h30m``,
``@hourly``, ``@daily``, ``@weekly``, ``@monthly``, ``@yearly``. Times are UTC.

``next_after(t)`` is the first firing strictly after ``t``; a scheduler that was down
asks it once, from now, so missed ticks collapse into one run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from welkin.core import errors

_RATE = re.compile(r"^\s*(\d+)\s*(m|min|minutes?|h|hours?|d|days?)\s*$", re.IGNORECASE)
_RATE_LIMITS = {"m": (60, timedelta(minutes=1)), "h": (24, timedelta(hours=1)), "d": (30, timedelta(days=1))}
_EVERY_PART = re.compile(r"(\d+)(h|m|s)")
_DESCRIPTORS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
# A cron that names an impossible date (30 February) never fires; stop looking after this.
_HORIZON = timedelta(days=366 * 5)


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime | None: ...


@dataclass(frozen=True)
class Every:
    period: timedelta

    def next_after(self, moment: datetime) -> datetime | None:
        return moment + self.period


@dataclass(frozen=True)
class Cron:
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day-of-month was * or ?
    any_weekday: bool

    def _day_matches(self, moment: datetime) -> bool:
        by_day = moment.day in self.days
        by_weekday = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday  # both restricted: either one, as cron has it

    def next_after(self, moment: datetime) -> datetime | None:
        t = moment.replace(microsecond=0) + timedelta(seconds=1)
        end = moment + _HORIZON
        while t <= end:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0, second=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0, second=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0, second=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t = t.replace(second=0) + timedelta(minutes=1)
            elif t.second not in self.seconds:
                t += timedelta(seconds=1)
            else:
                return t
        return None


def parse(schedule_type: str, text: str) -> Schedule:
    if schedule_type == "Rate":
        return parse_rate(text)
    if schedule_type == "Cron":
        return parse_cron(text)
    raise errors.InvalidArgument("event_data.schedule_type must be Rate or Cron.")


def parse_rate(text: str) -> Every:
    found = _RATE.match(text)
    if found is None:
        raise errors.InvalidArgument(f"Rate {text!r} must be a number of minutes, hours or days: 5m, 2h, 1d.")
    count, unit = int(found.group(1)), found.group(2)[0].lower()
    most, step = _RATE_LIMITS[unit]
    if not 1 <= count <= most:
        raise errors.InvalidArgument(f"Rate {text!r}: between 1 and {most} in that unit.")
    return Every(step * count)


def parse_cron(text: str) -> Schedule:
    text = text.strip()
    if text.startswith("@every"):
        return _every(text[len("@every") :].strip())
    text = _DESCRIPTORS.get(text, text)
    fields = text.upper().split()
    if len(fields) == 7:
        if fields[6] not in ("*", "?"):
            raise errors.InvalidArgument(f"Cron {text!r}: a year field may only be * here.")
        fields = fields[:6]
    if len(fields) != 6:
        raise errors.InvalidArgument(
            f"Cron {text!r} needs six fields: second minute hour day-of-month month day-of-week."
        )
    sec, minute, hour, day, month, weekday = fields
    weekdays = _field(weekday, 0, 7, _DAYS, "day-of-week")
    return Cron(
        _field(sec, 0, 59, {}, "second"),
        _field(minute, 0, 59, {}, "minute"),
        _field(hour, 0, 23, {}, "hour"),
        _field(day, 1, 31, {}, "day-of-month"),
        _field(month, 1, 12, _MONTHS, "month"),
        frozenset(d % 7 for d in weekdays),
        day in ("*", "?"),
        weekday in ("*", "?"),
    )


def _every(text: str) -> Every:
    parts = _EVERY_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise errors.InvalidArgument(f"@every {text!r}: a duration such as 90s, 5m or 1h30m.")
    units = {"h": 3600, "m": 60, "s": 1}
    seconds = sum(int(n) * units[u] for n, u in parts)
    if seconds < 1:
        raise errors.InvalidArgument("@every needs a period of at least one second.")
    return Every(timedelta(seconds=seconds))


def _field(text: str, low: int, high: int, names: dict[str, int], what: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        values.update(_part(part, low, high, names, what))
    return frozenset(values)


def _part(part: str, low: int, high: int, names: dict[str, int], what: str) -> range:
    base, _, step_text = part.partition("/")
    step = _number(step_text, names, what) if step_text else 1
    if base in ("*", "?"):
        first, last = low, high
    elif "-" in base:
        a, _, b = base.partition("-")
        first, last = _number(a, names, what), _number(b, names, what)
    else:
        first = _number(base, names, what)
        last = high if step_text else first
    if not (low <= first <= last <= high) or step < 1:
        raise errors.InvalidArgument(f"Cron {what} {part!r} is out of range {low}-{high}.")
    return range(first, last + 1, step)


def _number(text: str, names: dict[str, int], what: str) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise errors.InvalidArgument(f"Cron {what} {text!r} is not a number.")
    return int(text)
