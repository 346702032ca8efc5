"""Metering survives kills: a real ``welkin up`` is SIGKILLed again and again while its usage
meter flushes, restarted on the same data directory, and billing ends up with exactly the
invocations the clients saw answered, each once: the invoice then holds, line by line, what
an undisturbed run's would."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
from huaweicloudsdkfunctiongraph.v2 import FuncCode

from tests.compat.functiongraph.conftest import Fgs, Tenant, b64, create, zip_of
from tests.compat.functiongraph.test_restart import root_token
from tests.conftest import Welkin, start_welkin, stop_welkin

ROUNDS = 6
CALLS_PER_ROUND = 12
SLOW = (
    "import time\ndef handler(event, context):\n    time.sleep(event.get('ms', 0) / 1000)\n    return event\n"
)


def invoke(server: Welkin, tenant: Tenant, token: str, urn: str, ms: int) -> tuple[int, int]:
    """(billed duration in ms, memory in MB) of one synchronous invocation."""
    response = httpx.post(
        f"{server.url}/v2/{tenant.project_id}/fgs/functions/{urn}/invocations",
        json={"ms": ms},
        headers={"X-Auth-Token": token},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    summary = json.loads(response.headers["X-Cff-Invoke-Summary"])
    return int(summary["billingDuration"]), int(summary["memorySize"])


def kill(server: Welkin) -> None:
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)


def billed(data: Path, account_id: str) -> Counter[str]:
    with sqlite3.connect(data / "welkin.db") as db:
        rows = db.execute(
            "SELECT usage_type, SUM(quantity) FROM billing_usage_hourly"
            " WHERE account_id = ? GROUP BY usage_type",
            (account_id,),
        ).fetchall()
    return Counter({usage_type: int(total) for usage_type, total in rows})


def invoiced(server: Welkin, token: str) -> Counter[tuple[str, str]]:
    """(usage type, resource) -> quantity in base units, over every invoice of the account."""
    headers = {"X-Auth-Token": token}
    months = httpx.get(f"{server.url}/welkin/v1/billing/invoices", headers=headers, timeout=10)
    assert months.status_code == 200, months.text
    found: Counter[tuple[str, str]] = Counter()
    for month in months.json()["invoices"]:
        bill = httpx.get(
            f"{server.url}/welkin/v1/billing/invoices/{month['month']}", headers=headers, timeout=10
        )
        assert bill.status_code == 200, bill.text
        for line in bill.json()["lines"]:
            scale = 1024 * 1000 if line["usage_type"] == "fgs_duration" else 1  # GB-s -> MB·ms
            found[(line["usage_type"], line["resource_id"])] += int(Decimal(line["quantity"]) * scale)
    return found


def test_killing_the_server_while_it_meters_loses_and_repeats_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(5)  # noqa: S311 - reproducible kill times
    expected: Counter[str] = Counter()
    lines: Counter[tuple[str, str]] = Counter()  # what an undisturbed run's invoice would hold
    server = start_welkin(data)
    try:
        fgs = Fgs(server, root_token(server.url))
        tenant = fgs.tenant()
        token = fgs.token(tenant)
        code = FuncCode(file=b64(zip_of({"index.py": SLOW})))
        urns = [create(tenant.fgs, memory_size=size, func_code=code).func_urn for size in (128, 512)]
        for kills in range(ROUNDS):
            if kills:
                server = start_welkin(data)
            for _ in range(CALLS_PER_ROUND):
                urn = rng.choice(urns)
                duration_ms, memory_mb = invoke(server, tenant, token, urn, rng.randrange(0, 8))
                expected["fgs_requests"] += 1
                expected["fgs_duration"] += duration_ms * memory_mb
                lines[("fgs_requests", urn)] += 1
                lines[("fgs_duration", urn)] += duration_ms * memory_mb
            # Anywhere within the next flush (every 0.5 s), its write, or its bus delivery.
            time.sleep(rng.uniform(0, 0.6))
            kill(server)
        server = start_welkin(data)
        deadline = time.monotonic() + 15
        while billed(data, tenant.account_id) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # long enough for a second, duplicate, delivery to show
        assert billed(data, tenant.account_id) == expected
        assert invoiced(server, token) == lines
    finally:
        if server.process.poll() is None:
            assert stop_welkin(server) == 0
    assert billed(data, tenant.account_id) == expected
    assert expected["fgs_requests"] == ROUNDS * CALLS_PER_ROUND
