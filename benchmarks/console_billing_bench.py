"""How fast the console's overview and billing pages answer for an account with a heavy month.

    .venv/bin/python -m benchmarks.console_billing_bench [--functions 100] [--hours 360] [--objects 1000]

A region served in-process (tests/inprocess.py) on a clock that stays put unless moved: one
account with ``functions`` functions, ``objects`` objects in a bucket, and the month's hourly
usage rows written straight into ``billing_usage_hourly`` (``functions`` x 2 usage types x
``hours``: 72,000 by default, the heavy month rating takes about a second for). Then, over
real HTTP as a signed-in browser would ask:

- the first views, while the month is rated (a page waits 150 ms for it, then says it is on its
  way and reloads itself), and how long until it is ready;
- 20 views each while the estimate is kept;
- the views after the kept estimate is a minute old (answered with it while it is computed
  again in the background: the first of them starts that, the others share the process with it).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from tests.conftest import Welkin
from tests.console.billing_helpers import tenant
from tests.console.conftest import ConsoleClient
from tests.inprocess import serve_region
from welkin.billing.tables import billing_usage_hourly
from welkin.config import Settings
from welkin.core.clock import ManualClock

PAGES = ("/console/", "/console/billing")


def timed(client: ConsoleClient, path: str) -> float:
    began = time.perf_counter()
    answer = client.http.get(path)
    elapsed = (time.perf_counter() - began) * 1000
    assert answer.status_code == 200, answer.text
    return elapsed


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    median = statistics.median(ordered)
    return f"p50 {median:.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--hours", type=int, default=360)
    parser.add_argument("--objects", type=int, default=1000)
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    month_start = now.replace(day=1, hour=0, minute=0, second=0)
    hours = min(args.hours, int((now - month_start).total_seconds() // 3600))
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=Path(scratch) / "data", max_clock_skew_seconds=10**9)
        with serve_region(settings, ManualClock(now)) as region:
            acct = tenant(region.url, "heavy")
            urns = [acct.function(f"fn{n:03d}") for n in range(args.functions)]
            bucket = f"{acct.name}-data"
            acct.s3.create_bucket(Bucket=bucket)
            for n in range(args.objects):
                acct.s3.put_object(Bucket=bucket, Key=f"prefix/{n:05d}", Body=b"x")
            rows = [
                {
                    "account_id": acct.account_id,
                    "hour": month_start + timedelta(hours=h),
                    "service": "hws.service.type.functiongraph",
                    "resource_type": "hws.resource.type.function",
                    "resource_id": f"{urn}:latest",
                    "region": "local-1",
                    "usage_type": usage_type,
                    "quantity": quantity,
                }
                for h in range(hours)
                for urn in urns
                for usage_type, quantity in (("fgs_requests", 400), ("fgs_duration", 400 * 128 * 120))
            ]

            def write(conn: Connection) -> None:
                for at in range(0, len(rows), 5000):
                    conn.execute(insert(billing_usage_hourly), rows[at : at + 5000])

            region.call(lambda: region.region.db.run_write(write))
            print(f"{len(rows):,} hourly rows, {args.functions} functions, {args.objects} objects")

            began = time.perf_counter()
            region.call(
                lambda: region.region.billing.bill(acct.account_id, region.region.billing.current_month())
            )
            print(f"BillingService.bill of the month: {(time.perf_counter() - began) * 1000:.0f} ms")

            client = ConsoleClient(cast(Welkin, SimpleNamespace(url=region.url)))
            try:
                began = time.perf_counter()
                acct.console(client)  # signs in, then views /console/: the month is rated now
                print(f"sign-in and the first overview: {(time.perf_counter() - began) * 1000:.0f} ms")
                for path in PAGES:
                    print(f"{path} first view after it: {timed(client, path):.0f} ms")
                while "being rated" in client.http.get("/console/billing").text:
                    time.sleep(0.1)
                print(f"the month's figures ready {(time.perf_counter() - began):.1f} s after signing in")
                for path in PAGES:
                    print(f"{path} kept: {summary([timed(client, path) for _ in range(20)])}")
                region.clock.advance(timedelta(seconds=61))
                for path in PAGES:
                    samples = [timed(client, path) for _ in range(20)]
                    print(f"{path} a minute later, refreshed behind: {summary(samples)}")
                time.sleep(15)  # the refreshes end
                for path in PAGES:
                    print(f"{path} kept again: {summary([timed(client, path) for _ in range(20)])}")
            finally:
                client.close()


if __name__ == "__main__":
    main()
