"""Closing months on SQLite and PostgreSQL: one final invoice per account and month, written
once and never rewritten; late usage billed on a later invoice; nothing lost or billed twice."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from welkin.billing import invoice_store
from welkin.billing.catalog import PriceCatalog
from welkin.billing.invoices import CloseSettings, MonthCloser, Settle
from welkin.billing.meter import BillingMeter, function_usages
from welkin.billing.rating import month_of, rate_month
from welkin.billing.service import BillingService
from welkin.billing.tables import billing_invoice_lines, billing_invoices
from welkin.core import errors
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.event_tables import event_consumers, events
from welkin.core.events import Event

REGION = "xx-welkin-1"
URN = "urn:fss:xx-welkin-1:p1:function:default:fn"
GRACE = timedelta(hours=1)
_ids = count()


class Usage:
    """Usage through billing's real consumer: each call is one event of invocation records."""

    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.meter = BillingMeter(db, clock, REGION, function_usages)
        self.seq = 0

    async def add(self, account: str, at: datetime, invocations: int = 1, duration_ms: int = 1000) -> None:
        self.seq += 1
        records = [
            {
                "record_id": f"r{next(_ids)}",
                "account_id": account,
                "project_id": "p1",
                "function_urn": URN,
                "version": "latest",
                "request_id": "x",
                "source": "sync",
                "duration_ms": duration_ms,
                "memory_mb": 4096,
                "at": at.isoformat(),
            }
            for _ in range(invocations)
        ]
        await self.meter.handle(Event(self.seq, "functions.usage", {"records": records}, at))


def at(month: int, day: int = 10, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, 30, tzinfo=UTC)


def closer(db: Database, clock: ManualClock, settle: Settle | None = None) -> MonthCloser:
    return MonthCloser(
        db, clock, PriceCatalog.default(), CloseSettings(grace=GRACE, settle_timeout=0.3), settle or Settle()
    )


async def snapshot(db: Database) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    def read(conn: Connection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        t, lines = billing_invoices, billing_invoice_lines
        heads = [tuple(r) for r in conn.execute(select(t).order_by(t.c.account_id, t.c.month))]
        rows = [tuple(r) for r in conn.execute(select(lines).order_by(*lines.primary_key.columns))]
        return heads, rows

    return await db.run_read(read)


async def test_a_month_closes_after_its_grace_once_per_account(db: Database, clock: ManualClock) -> None:
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    await usage.add("a", at(10), invocations=3)
    await usage.add("b", at(10, 31, 23), invocations=1)
    await usage.add("a", at(11, 1, 0))  # November's
    months = closer(db, clock)

    clock.advance(datetime(2026, 11, 1, 0, 59, tzinfo=UTC) - clock.now())
    assert await months.close_due() == []  # October ended, but not its grace
    assert not (await billing.bill("a", "2026-10")).final
    clock.advance(timedelta(minutes=1))
    assert await months.close_due() == ["2026-10"]

    october = await billing.bill("a", "2026-10")
    assert (october.final, october.status, october.closed_at) == (True, "closed", clock.now())
    assert [line.quantity for line in october.invoice.lines if line.key.usage_type == "fgs_requests"] == [3]
    assert (await billing.bill("b", "2026-10")).final
    assert not (await billing.bill("a", "2026-11")).final
    closed = await snapshot(db)
    assert len(closed[0]) == 2

    clock.advance(timedelta(days=3))
    assert await months.close_due() == []
    assert await snapshot(db) == closed


async def test_a_server_down_over_month_ends_closes_every_month_in_order(
    db: Database, clock: ManualClock
) -> None:
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    for month in (9, 10, 11):
        await usage.add("a", at(month))
    clock.advance(datetime(2027, 2, 3, tzinfo=UTC) - clock.now())
    # December and January had no usage: January closes all the same, as the last due month
    # (late usage of an earlier one would be billed on it); December is skipped.
    assert await closer(db, clock).close_due() == ["2026-09", "2026-10", "2026-11", "2027-01"]
    assert [s.month for s in await billing.invoices("a")] == ["2027-02", "2026-11", "2026-10", "2026-09"]


async def test_late_usage_is_billed_on_the_next_invoice_and_the_closed_one_never_changes(
    db: Database, clock: ManualClock
) -> None:
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    await usage.add("a", at(10), invocations=1, duration_ms=10**8)  # past October's free GB-seconds
    clock.advance(datetime(2026, 11, 2, tzinfo=UTC) - clock.now())
    months = closer(db, clock)
    assert await months.close_due() == ["2026-10"]
    october = (await billing.bill("a", "2026-10")).invoice
    closed = await snapshot(db)

    await usage.add("a", at(10, 5), invocations=1, duration_ms=10**8)  # late: October is closed
    await usage.add("a", at(11))
    assert (await billing.bill("a", "2026-10")).invoice == october
    november = await billing.bill("a", "2026-11")
    late = [line for line in november.invoice.lines if line.adjusts]
    assert {line.adjusts for line in late} == {"2026-10"}
    october_now = rate_month("2026-10", "a", await billing.usage("a", "2026-10"), billing.catalog)
    assert november.adjustments == october_now.total - october.total > 0
    assert sum(line.quantity for line in late if line.key.usage_type == "fgs_requests") == 1

    clock.advance(timedelta(days=30))
    assert await months.close_due() == ["2026-11"]
    final_november = await billing.bill("a", "2026-11")
    assert final_november.final
    assert final_november.adjustments == november.adjustments
    assert (await billing.bill("a", "2026-12")).adjustments == 0  # billed once, not again
    heads, lines = await snapshot(db)
    assert heads[: len(closed[0])] == closed[0]
    assert set(closed[1]) <= set(lines)


async def test_late_usage_of_an_account_that_stopped_is_billed_on_an_invoice_of_its_own(
    db: Database, clock: ManualClock
) -> None:
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    await usage.add("a", at(10))
    await usage.add("b", at(11))
    clock.advance(datetime(2026, 11, 2, tzinfo=UTC) - clock.now())
    months = closer(db, clock)
    await months.close_due()
    await usage.add("a", at(10, 20))
    clock.advance(timedelta(days=30))
    assert await months.close_due() == ["2026-11"]
    november = await billing.bill("a", "2026-11")
    assert november.final
    assert {line.adjusts for line in november.invoice.lines} == {"2026-10"}


async def test_only_the_status_of_a_closed_invoice_changes_when_it_is_paid(
    db: Database, clock: ManualClock
) -> None:
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    await usage.add("a", at(10), invocations=5, duration_ms=10**7)
    clock.advance(datetime(2026, 11, 2, tzinfo=UTC) - clock.now())
    await closer(db, clock).close_due()
    before = await billing.bill("a", "2026-10")

    with pytest.raises(errors.Conflict):
        await billing.mark_paid("a", "2026-11")
    with pytest.raises(errors.NotFound):
        await billing.mark_paid("nobody", "2026-10")
    paid = await billing.mark_paid("a", "2026-10")
    assert (paid.status, paid.paid_at, paid.invoice) == ("paid", clock.now(), before.invoice)
    assert (await billing.mark_paid("a", "2026-10")).paid_at == paid.paid_at  # once
    listed = {s.month: s.status for s in await billing.invoices("a")}
    assert listed == {"2026-10": "paid", "2026-11": "estimated"}


async def test_an_open_month_waits_for_billing_to_count_what_is_in_flight(
    db: Database, clock: ManualClock
) -> None:
    usage = Usage(db, clock)
    await usage.add("a", at(10))
    drained: list[str] = []

    async def drain() -> None:
        drained.append("functions")

    clock.advance(datetime(2026, 11, 2, tzinfo=UTC) - clock.now())
    event = {"topic": "functions.usage", "payload": "{}", "published_at": clock.now()}
    await db.run_write(lambda conn: conn.execute(insert(events), [event]))
    months = closer(db, clock, Settle([drain], ["billing.functions"]))
    assert await months.close_due() == []  # billing's cursor is behind the head
    assert drained == ["functions"]
    await _advance_cursor(db, "billing.functions", 10**6)
    assert await months.close_due() == ["2026-10"]


async def _advance_cursor(db: Database, name: str, seq: int) -> None:
    t = event_consumers
    await db.run_write(lambda conn: conn.execute(update(t).where(t.c.name == name).values(last_seq=seq)))


async def test_pruning_counted_records_changes_no_total(db: Database, clock: ManualClock) -> None:
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    for day in range(1, 29):
        clock.advance(at(10, day) - clock.now())
        await usage.add("a", at(10, day), invocations=2, duration_ms=10**6)
    months = MonthCloser(
        db,
        clock,
        PriceCatalog.default(),
        CloseSettings(grace=GRACE, prune_after=timedelta(days=2)),
        Settle(consumers=["billing.functions"]),
    )
    assert await months.prune() == 0  # no cursor has passed any of their events
    await _advance_cursor(db, "billing.functions", 20)
    hourly, estimate = await billing.usage("a", "2026-10"), await billing.bill("a", "2026-10")
    # Counted before Oct 26, by events up to 20: days 1 to 20, two records each.
    assert await months.prune() == 20 * 2
    assert await months.prune() == 0
    assert await billing.usage("a", "2026-10") == hourly
    assert await billing.bill("a", "2026-10") == estimate

    # A redelivered event whose records were pruned would count them again; none can come:
    # the cursor has passed it for good, and the bus purges events older than its retention.
    clock.advance(datetime(2026, 11, 2, tzinfo=UTC) - clock.now())
    await _advance_cursor(db, "billing.functions", 10**6)
    assert await months.close_due() == ["2026-10"]
    assert await months.prune() == 8 * 2
    assert (await billing.bill("a", "2026-10")).invoice == estimate.invoice


@pytest.mark.parametrize("seed", range(4))
async def test_all_invoices_together_bill_all_usage_as_if_no_month_had_closed(
    db: Database, clock: ManualClock, seed: int
) -> None:
    """Whenever usage arrives, however late, the invoices' totals (final and in progress)
    add up exactly, to 8 decimal places, to rating every month's usage with no close at
    all; billed to the cent they may differ by half a cent per invoice."""
    rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    months = closer(db, clock)
    accounts = ("a", "b", "c")
    clock.advance(datetime(2026, 9, 1, tzinfo=UTC) - clock.now())
    end = datetime(2027, 1, 20, tzinfo=UTC)
    while clock.now() < end:
        clock.advance(timedelta(hours=rng.randrange(1, 24 * 12)))
        for _ in range(rng.randrange(4)):
            # Most usage is current; some arrives up to three months late.
            late = timedelta(hours=rng.choice([0, 0, 0, rng.randrange(24 * 90)]))
            when = max(clock.now() - late, datetime(2026, 9, 1, tzinfo=UTC))
            await usage.add(
                rng.choice(accounts), when, rng.randrange(1, 4), rng.choice([1, 10**5, 10**7, 3 * 10**7])
            )
        if rng.random() < 0.5:
            await months.close_due()
    clock.advance(datetime(2027, 2, 15, tzinfo=UTC) - clock.now())  # January closed, February open
    await months.close_due()

    current = billing.current_month()
    adjusted = 0
    for account in accounts:
        listed = await billing.invoices(account)
        assert [s.status for s in listed if s.status == "estimated"] == ["estimated"]
        total = sum((s.total for s in listed), Decimal(0))
        billed = sum((s.billed for s in listed), Decimal(0))
        expected = Decimal(0)
        month = "2026-09"
        while month <= current:
            rows = await billing.usage(account, month)
            expected += rate_month(month, account, rows, billing.catalog).total
            month = month_of(datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC) + timedelta(days=32))
        assert total == expected
        assert abs(billed - expected) <= Decimal("0.005") * len(listed)
        for summary in listed:
            invoice = (await billing.bill(account, summary.month)).invoice
            assert sum((line.amount for line in invoice.lines), Decimal(0)) == invoice.total == summary.total
            adjusted += sum(1 for line in invoice.lines if line.adjusts)
    assert adjusted  # the run did bill late usage


async def test_every_read_is_confined_to_its_account(db: Database, clock: ManualClock) -> None:
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    await usage.add("a", at(10))
    await usage.add("b", at(10), invocations=7)
    clock.advance(datetime(2026, 11, 2, tzinfo=UTC) - clock.now())
    await closer(db, clock).close_due()
    for account, requests in (("a", 1), ("b", 7)):
        bill = await billing.bill(account, "2026-10")
        assert {bill.invoice.account_id} == {account}
        assert (
            sum(line.quantity for line in bill.invoice.lines if line.key.usage_type == "fgs_requests")
            == requests
        )
    assert await billing.invoices("c") == [
        invoice_store.InvoiceSummary("2026-11", "estimated", "USD", Decimal(0), Decimal(0), None, None)
    ]


async def test_late_usage_waits_for_the_month_in_its_grace_not_shown_twice(
    db: Database, clock: ManualClock
) -> None:
    usage, billing = Usage(db, clock), BillingService(db, clock, PriceCatalog.default())
    await usage.add("a", at(10))
    clock.advance(datetime(2026, 11, 2, tzinfo=UTC) - clock.now())
    months = closer(db, clock)
    await months.close_due()
    clock.advance(datetime(2026, 12, 1, 0, 30, tzinfo=UTC) - clock.now())  # November in its grace
    await usage.add("a", at(10, 3))

    assert (await billing.bill("a", "2026-12")).adjustments == 0
    assert {line.adjusts for line in (await billing.bill("a", "2026-11")).invoice.lines} == {"2026-10"}
    listed = [(s.month, s.status) for s in await billing.invoices("a")]
    assert listed == [("2026-12", "estimated"), ("2026-11", "estimated"), ("2026-10", "closed")]

    clock.advance(timedelta(minutes=30))
    assert await months.close_due() == ["2026-11"]  # no usage of its own: it bills October's
    assert (await billing.bill("a", "2026-11")).final
    assert (await billing.bill("a", "2026-12")).adjustments == 0
    assert [s.month for s in await billing.invoices("a")] == ["2026-12", "2026-11", "2026-10"]
