"""Closing months: each account's final invoice, written once, and late usage billed after.

    closer = MonthCloser(db, clock, catalog, CloseSettings(grace=timedelta(hours=1)), settle)
    await closer.close_due()   # what the background task does every minute, and at start
    await closer.prune()

A month (UTC) is due once the clock has passed its end by the grace. Closing it:

1. Settle: publish what the region's meters hold (their drains), then wait until every
   billing consumer's cursor has reached the bus's head as it was then, so usage of the
   month in flight has been counted. If they do not get there in time, nothing closes this
   round.
2. For every account with usage in the month, or with late usage of a closed month not yet
   billed, write its final invoice in one transaction: the month's lines, adjustment lines
   for late usage (``welkin.billing.adjustments``), and how much of each month's usage it
   billed. An account with neither gets no invoice: there is nothing to bill it for.
3. Mark the month closed. A close cut short is finished by the next one: an invoice already
   written is skipped, never written again, never updated.

Months close in order, and any month with usage not yet closed (one the server was down
over, or one whose only usage arrived late) is closed whenever it is found due.

The invoice of an open month (``rate_open``) is computed the same way on every read: the
month's usage rated now, with adjustments for every closed month whose usage has grown
since it was last billed. A closed month's usage is seen to have grown by its sum of hourly
quantities (base units, which only ever grow) differing from what was billed of it.

Pruning: the ids of counted records exist only so that a redelivered event counts nothing
twice. A record's id may go once every billing consumer's cursor has passed the event that
brought it (a cursor never moves back, so that consumer never sees the event again) and it
was counted longer ago than the horizon, at least the bus's event retention: by then the bus
may have purged the event itself, so no redelivery can bring the record back. Hourly totals and
invoices are never pruned, so pruning changes no total.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy.engine import Connection

from welkin.billing import invoice_store as store
from welkin.billing.adjustments import difference, with_adjustments
from welkin.billing.budgets import month_bounds
from welkin.billing.catalog import PriceCatalog
from welkin.billing.rating import Invoice, InvoiceLine, month_of, rate_month
from welkin.core.clock import Clock
from welkin.core.db import Database

log = logging.getLogger(__name__)

# Publishes what a meter holds (the functions' UsageMeter.flush, OBS's).
Drain = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class CloseSettings:
    grace: timedelta = timedelta(hours=1)
    # Records counted longer ago than this may be forgotten; at least the bus's event retention.
    prune_after: timedelta = timedelta(days=2)
    interval: float = 60.0  # seconds between rounds of the background task
    settle_timeout: float = 60.0  # how long to wait for billing's consumers to catch up


@dataclass(frozen=True)
class Settle:
    """What must be counted before a month closes: the meters' drains, and billing's bus
    consumers (``billing.functions``, ``billing.obs``), whose cursors must reach the head."""

    drains: Sequence[Drain] = ()
    consumers: Sequence[str] = ()


@dataclass(frozen=True)
class Rated:
    invoice: Invoice  # the month's lines, then adjustment lines
    usage: dict[str, int]  # month: the sum of its usage (base units) this invoice bills up to


def closed_for(conn: Connection, account_id: str) -> set[str]:
    """Months closed for the account: marked closed, or its invoice already written."""
    return store.closed_months(conn) | store.invoice_months(conn, account_id)


def rate_open(conn: Connection, catalog: PriceCatalog, account_id: str, month: str) -> Rated:
    """The invoice ``month`` would get now: its usage, and the closed months' late usage."""
    own = rate_own(conn, catalog, account_id, month)
    late, usage = rate_late(conn, catalog, account_id, month)
    return Rated(with_adjustments(own.invoice, late), {**own.usage, **usage})


def rate_own(conn: Connection, catalog: PriceCatalog, account_id: str, month: str) -> Rated:
    """``month``'s own usage rated, without adjustments."""
    start, end = month_bounds(month)
    rows = store.hourly(conn, account_id, start, end)
    return Rated(rate_month(month, account_id, rows, catalog), {month: sum(row.quantity for row in rows)})


def rate_late(
    conn: Connection, catalog: PriceCatalog, account_id: str, before: str
) -> tuple[list[InvoiceLine], dict[str, int]]:
    """Adjustment lines for the late usage of every closed month before ``before``, and the
    sums of those months' usage they bill up to."""
    late: list[InvoiceLine] = []
    usage: dict[str, int] = {}
    billed = store.billed_usage(conn, account_id)
    for earlier in sorted(m for m in closed_for(conn, account_id) if m < before):
        first, last = month_bounds(earlier)
        if store.usage_total(conn, account_id, first, last) == billed.get(earlier, 0):
            continue
        # Summed from the rows rated, not the total above: usage may arrive in between.
        rows = store.hourly(conn, account_id, first, last)
        usage[earlier] = sum(row.quantity for row in rows)
        rated = rate_month(earlier, account_id, rows, catalog)
        late.extend(difference(rated, store.billed_lines(conn, account_id, earlier)))
    return late, usage


class MonthCloser:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalog: PriceCatalog,
        settings: CloseSettings,
        settle: Settle = Settle(),
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalog = catalog
        self._settings = settings
        self._settle_with = settle
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="billing: close months")

    async def stop(self) -> None:
        """Asked to end, not cancelled: a close in a worker thread finishes its transaction."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def close_due(self) -> list[str]:
        """Close every month that is due and not closed yet, oldest first; the months closed."""
        if not await self._db.run_read(self._due):
            return []
        if not await self._settle():
            return []
        # Again after settling: what the meters just published may be a due month's first usage.
        months = await self._db.run_read(self._due)
        for month in months:
            await self._close(month)
        return months

    async def prune(self) -> int:
        """Forget the counted records no event can bring again (see the module docstring)."""
        consumers = self._settle_with.consumers
        if not consumers:
            return 0
        before = self._clock.now() - self._settings.prune_after

        def prune(conn: Connection) -> int:
            found = store.cursors(conn, consumers)
            if len(found) < len(set(consumers)):
                return 0  # a consumer that has never run has passed nothing
            return store.prune_records(conn, min(found.values()), before)

        return await self._db.run_write(prune)

    def _due(self, conn: Connection) -> list[str]:
        """Months with usage, or the last due month, that have ended before the grace."""
        limit, _ = month_bounds(month_of(self._clock.now() - self._settings.grace))
        closed = store.closed_months(conn)
        months: list[str] = []
        at = store.first_usage_hour(conn, None)
        while at is not None and at < limit:
            month = month_of(at)
            if month not in closed:
                months.append(month)
            at = store.first_usage_hour(conn, month_bounds(month)[1])
        # The last due month closes even with no usage in it once there is an earlier month
        # to close or closed: late usage of that month is billed on it.
        last = month_of(limit - timedelta(seconds=1))
        earlier = [m for m in (*closed, *months) if m < last]
        if earlier and last not in closed and last not in months:
            months.append(last)
        return months

    async def _settle(self) -> bool:
        for drain in self._settle_with.drains:
            await drain()
        consumers = self._settle_with.consumers
        if not consumers:
            return True
        head = await self._db.run_read(store.event_head)
        deadline = time.monotonic() + self._settings.settle_timeout
        while True:
            found = await self._db.run_read(lambda conn: store.cursors(conn, consumers))
            behind = [name for name in consumers if found.get(name, -1) < head]
            if not behind:
                return True
            if time.monotonic() >= deadline or self._stop.is_set():
                log.warning("not closing months yet: billing consumers %s are behind event %d", behind, head)
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 0.1)

    async def _close(self, month: str) -> None:
        start, end = month_bounds(month)

        def accounts(conn: Connection) -> list[str]:
            found = set(store.usage_totals_by_account(conn, start, end))
            for earlier in (m for m in store.closed_months(conn) if m < month):
                first, last = month_bounds(earlier)
                billed = store.billed_usage_by_account(conn, earlier)
                totals = store.usage_totals_by_account(conn, first, last)
                found.update(a for a, total in totals.items() if total != billed.get(a, 0))
            return sorted(found)

        closed = 0
        for account_id in await self._db.run_read(accounts):
            if await self._db.run_write(partial(self._close_one, account_id=account_id, month=month)):
                closed += 1
        await self._db.run_write(lambda conn: store.mark_closed(conn, month, self._clock.now()))
        log.info("closed %s: %d invoices written", month, closed)

    def _close_one(self, conn: Connection, account_id: str, month: str) -> bool:
        if store.has_invoice(conn, account_id, month):
            return False  # written by an earlier close: never again
        made = rate_open(conn, self._catalog, account_id, month)
        store.write_invoice(conn, made.invoice, self._clock.now(), made.usage)
        return True

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.close_due()
                pruned = await self.prune()
                if pruned:
                    log.info("pruned %d counted usage records", pruned)
            except Exception:
                log.exception("closing billing months failed; trying again in %.0fs", self._settings.interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._settings.interval)
