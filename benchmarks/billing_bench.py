"""Billing: what metering costs per request, and a month's invoice from a million usage records.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/billing_bench.py [--part overhead|invoice|all]
        [--seconds 4] [--rounds 5] [--servers 2] [--records 1000000] [--repeat 3]

Part ``overhead``: a warm InvokeFunction, a GET through an HTTP trigger and a 4 KiB PUT,
each at concurrency 1 against real ``welkin up`` servers, ``--servers`` metering and as many
not (``metering = false``), interleaved round by round: requests/s, p50 latency and server CPU
per request of each, and the difference, which is metering's cost. The server CPU includes
the work metering does in the background in the same process (publishing the journal,
billing's consumers counting it); benchmarks/billing_overhead.py says how.

Part ``invoice``, in a fresh SQLite database (``--database-url`` for another), migrated as
``welkin up`` does:

- count: ``--records`` function usage records of one account, spread over a month and 50
  functions, go through billing's own consumer (``BillingMeter.handle``) in events of 2,000
  records, as the meter outbox publishes them: each record deduplicated by its id and added
  to the hourly totals, one transaction per event.
- invoice: ``BillingService.bill`` reads the month's hourly rows and rates them (free tier,
  prices in force each hour, rounding): what ``welkin bill`` and the BSS API wait for.

Floor, in the same run and database: the same records inserted, as plain rows, into a
table with no key (one ``executemany`` per 2,000), then summed per function and usage type by
one ``GROUP BY``: the least any store of raw records must do to total them. Figures are
medians of ``--repeat`` rounds, each in a new database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from billing_overhead import overhead, report
from iam_bench import cpu_model
from sqlalchemy import text

from welkin.billing.catalog import PriceCatalog
from welkin.billing.meter import BillingMeter, function_usages
from welkin.billing.service import BillingService
from welkin.core import migrate
from welkin.core.clock import ManualClock
from welkin.core.db import Database
from welkin.core.events import Event

ACCOUNT = "bench-account"
REGION = "bench-1"
MONTH = "2026-11"
START = datetime(2026, 11, 1, tzinfo=UTC)
BATCH = 2000
FUNCTIONS = 50


@dataclass
class Round:
    count_s: float
    invoice_s: float
    floor_insert_s: float
    floor_sum_s: float
    hourly_rows: int
    lines: int
    billed: str


def records(count: int, seed: int) -> list[dict[str, object]]:
    """Spread over the month in time order, as the meters journal and publish them."""
    rng = random.Random(seed)
    month_seconds = 30 * 24 * 3600
    made = []
    for number, offset in enumerate(sorted(rng.randrange(month_seconds) for _ in range(count))):
        at = START + timedelta(seconds=offset)
        made.append(
            {
                "record_id": f"r{seed}-{number}",
                "account_id": ACCOUNT,
                "project_id": "p1",
                "function_urn": f"urn:fss:{REGION}:p1:function:default:fn{rng.randrange(FUNCTIONS)}",
                "version": "latest",
                "request_id": f"q{number}",
                "source": "sync",
                "duration_ms": rng.randrange(1, 3000),
                "memory_mb": rng.choice((128, 256, 512, 1024)),
                "at": at.isoformat(),
            }
        )
    return made


async def one_round(url: str, made: list[dict[str, object]]) -> Round:
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    clock = ManualClock(START + timedelta(days=30))
    try:
        meter = BillingMeter(db, clock, REGION, function_usages)
        began = time.perf_counter()
        for seq, first in enumerate(range(0, len(made), BATCH), start=1):
            payload: dict[str, object] = {"records": made[first : first + BATCH]}
            await meter.handle(Event(seq, "functions.usage", payload, clock.now()))
        count_s = time.perf_counter() - began

        billing = BillingService(db, clock, PriceCatalog.default())
        began = time.perf_counter()
        bill = await billing.bill(ACCOUNT, MONTH)
        invoice_s = time.perf_counter() - began

        floor_insert_s, floor_sum_s = await floor(db, made)
        hourly = await db.run_read(
            lambda conn: int(conn.execute(text("SELECT count(*) FROM billing_usage_hourly")).scalar_one())
        )
        return Round(
            count_s,
            invoice_s,
            floor_insert_s,
            floor_sum_s,
            hourly,
            len(bill.invoice.lines),
            str(bill.invoice.billed),
        )
    finally:
        await db.close()


async def floor(db: Database, made: list[dict[str, object]]) -> tuple[float, float]:
    rows = [
        {
            "id": r["record_id"],
            "fn": r["function_urn"],
            "ms": r["duration_ms"],
            "mb": r["memory_mb"],
            "at": r["at"],
        }
        for r in made
    ]

    def create(conn: object) -> None:
        conn.execute(text("CREATE TABLE floor_raw (id TEXT, fn TEXT, ms INTEGER, mb INTEGER, at TEXT)"))  # type: ignore[attr-defined]

    await db.run_write(create)
    insert = text("INSERT INTO floor_raw VALUES (:id, :fn, :ms, :mb, :at)")
    began = time.perf_counter()
    for first in range(0, len(rows), BATCH):
        chunk = rows[first : first + BATCH]
        await db.run_write(lambda conn, chunk=chunk: conn.execute(insert, chunk))  # type: ignore[misc]
    insert_s = time.perf_counter() - began
    total = text("SELECT fn, count(*), sum(ms * mb) FROM floor_raw GROUP BY fn")
    began = time.perf_counter()
    await db.run_read(lambda conn: conn.execute(total).all())
    return insert_s, time.perf_counter() - began


def invoice(records_count: int, repeat: int, database_url: str) -> None:
    print(f"billing_bench: {records_count:,} records, {repeat} rounds")
    rounds = []
    for number in range(repeat):
        made = records(records_count, number)
        with tempfile.TemporaryDirectory(prefix="welkin-billing-bench-") as tmp:
            url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
            result = asyncio.run(one_round(url, made))
        rounds.append(result)
        print(
            f"  round {number + 1}: counted in {result.count_s:.2f} s, "
            f"invoice {result.invoice_s * 1000:.0f} ms "
            f"({result.hourly_rows:,} hourly rows, {result.lines} lines, billed {result.billed}); "
            f"floor insert {result.floor_insert_s:.2f} s, sum {result.floor_sum_s * 1000:.0f} ms"
        )

    def median(values: list[float]) -> float:
        return statistics.median(values)

    count_s = median([r.count_s for r in rounds])
    invoice_s = median([r.invoice_s for r in rounds])
    floor_insert = median([r.floor_insert_s for r in rounds])
    floor_sum = median([r.floor_sum_s for r in rounds])
    print(f"\nmedians of {len(rounds)}:")
    print(
        f"  counting {records_count:,} records: {count_s:.2f} s ({records_count / count_s:,.0f} records/s); "
        f"floor insert {floor_insert:.2f} s ({records_count / floor_insert:,.0f} rows/s), "
        f"ratio {count_s / floor_insert:.2f}x"
    )
    print(
        f"  the month's invoice from the hourly rows: {invoice_s * 1000:.0f} ms; "
        f"floor GROUP BY over the raw rows: {floor_sum * 1000:.0f} ms"
    )
    print(
        f"  from records to invoice: {count_s + invoice_s:.2f} s; floor {floor_insert + floor_sum:.2f} s, "
        f"ratio {(count_s + invoice_s) / (floor_insert + floor_sum):.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("overhead", "invoice", "all"), default="all")
    parser.add_argument("--seconds", type=float, default=4.0, help="overhead: one timed run (default 4)")
    parser.add_argument("--servers", type=int, default=2, help="overhead: servers per side (default 2)")
    parser.add_argument("--rounds", type=int, default=5, help="overhead: rounds (default 5)")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="invoice: rounds (default 3)")
    parser.add_argument("--database-url", default="", help="invoice: default SQLite in a temporary directory")
    args = parser.parse_args()
    print(
        f"# {os.cpu_count()} CPUs ({cpu_model()}), "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    if args.part in ("overhead", "all"):
        print("\nbilling_bench overhead: metering on and off, same run")
        report(*overhead(args.seconds, args.rounds, args.servers))
    if args.part in ("invoice", "all"):
        print()
        invoice(args.records, args.repeat, args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
