"""The query parameters of BSS calls, read and checked.

    query = Query(request.query_params)
    cycle = query.cycle("bill_cycle")             # "2026-11", required
    page = query.page()                           # offset 0.., limit 1..1000 (default 10)
    kind = query.one_of("method", METHODS)        # None when absent or empty

Every mistake is an ``InvalidArgument`` (400 CBC.0100) naming the parameter and what it must
be. A parameter sent empty counts as absent, as Huawei's pages say of most of them; parameters
this API does not know are ignored, since a client may send optional ones Welkin has no use for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from welkin.billing.budgets import month_bounds
from welkin.core import errors

MAX_LIMIT = 1000
MAX_DEDUCT_SPAN = timedelta(days=90)
_CYCLE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]{1,10}")
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int

    def of(self, items: Sequence[T]) -> list[T]:
        return list(items[self.offset : self.offset + self.limit])


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date  # included

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


class Query:
    def __init__(self, params: Mapping[str, str]) -> None:
        self._params = params

    def text(self, name: str) -> str | None:
        value = self._params.get(name)
        return value if value else None

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise errors.InvalidArgument(f"The query parameter {name} is required.")
        return value

    def cycle(self, name: str) -> str:
        """A required bill cycle, YYYY-MM."""
        value = self.required(name)
        if not _CYCLE.fullmatch(value):
            raise errors.InvalidArgument(f"{name} must be a month written YYYY-MM, not {value!r}.")
        return value

    def number(self, name: str, low: int, high: int) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        if not _INTEGER.fullmatch(value) or not low <= int(value) <= high:
            raise errors.InvalidArgument(
                f"{name} must be a whole number from {low} to {high}, not {value!r}."
            )
        return int(value)

    def one_of(self, name: str, choices: Sequence[str]) -> str | None:
        value = self.text(name)
        if value is not None and value not in choices:
            raise errors.InvalidArgument(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.one_of(name, ("true", "false"))
        return None if value is None else value == "true"

    def day(self, name: str) -> date | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            if not _DAY.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise errors.InvalidArgument(
                f"{name} must be a date written YYYY-MM-DD, not {value!r}."
            ) from None

    def page(self) -> Page:
        offset = self.number("offset", 0, 2**31 - 1)
        limit = self.number("limit", 1, MAX_LIMIT)
        return Page(offset or 0, 10 if limit is None else limit)

    def days_of_cycle(self, begin: str, end: str, cycle: str) -> DateRange | None:
        """Both dates or neither; both inside ``cycle``, the first not after the last."""
        first, last = self.day(begin), self.day(end)
        if first is None and last is None:
            return None
        if first is None or last is None:
            raise errors.InvalidArgument(f"Give both {begin} and {end}, or neither.")
        start, stop = month_bounds(cycle)
        if not start.date() <= first <= last < stop.date():
            raise errors.InvalidArgument(
                f"{begin} and {end} must lie in the bill cycle {cycle}, {begin} first."
            )
        return DateRange(first, last)

    def deduction_span(self, begin: str, end: str) -> DateRange:
        """Two required dates at most 90 days apart, the first not after the last."""
        self.required(begin)
        self.required(end)
        first, last = self.day(begin), self.day(end)
        assert first is not None  # required above
        assert last is not None
        if first > last:
            raise errors.InvalidArgument(f"{begin} must not be after {end}.")
        if last - first > MAX_DEDUCT_SPAN:
            raise errors.InvalidArgument(f"{begin} and {end} may be at most 90 days apart.")
        return DateRange(first, last)
