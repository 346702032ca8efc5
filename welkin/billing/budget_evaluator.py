"""The background task that notices budget crossings and records each once.

    evaluator = BudgetEvaluator(store, billing, clock, interval=60)
    await evaluator.start()                      # every ``interval`` seconds, until stop()
    new = await evaluator.evaluate(clock.now())  # or one pass, directly

One pass reads every budget with what its month has recorded (two queries), rates only the
accounts that still have a crossing left to notify (one read of the month's usage each, the
same read a bill is, a few at a time), and inserts all new crossings in one transaction, skipping any already
there: evaluating again, here or in another process, never notifies twice. Each new one is
logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from decimal import Decimal

from welkin.billing.budget_store import BudgetMonth, BudgetStore, Notification
from welkin.billing.budgets import KINDS, crossings, forecast
from welkin.billing.rating import EIGHT_PLACES, month_of
from welkin.billing.service import BillingService
from welkin.core.clock import Clock

log = logging.getLogger(__name__)
# Accounts rated at once: as many as SQLite's reader threads, a few connections of PostgreSQL's pool.
_PARALLEL_READS = 4


class BudgetEvaluator:
    def __init__(self, store: BudgetStore, billing: BillingService, clock: Clock, interval: float) -> None:
        self._store = store
        self._billing = billing
        self._clock = clock
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self._warned: set[tuple[str, str]] = set()  # (budget id, warning) already logged

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="budget evaluation")

    async def stop(self) -> None:
        # Cancelled, not drained: a pass cut short records nothing twice when the next
        # process evaluates again, and it loses nothing that pass would not find again.
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.evaluate(self._clock.now())
            except Exception:
                # Logged when failures start and when they end, not on every round.
                if not failing:
                    log.exception("evaluating budgets failed; trying again every %s s", self._interval)
                failing = True
            else:
                if failing:
                    log.warning("evaluating budgets works again")
                failing = False

    async def evaluate(self, now: datetime) -> list[Notification]:
        """Record the crossings of ``now``'s month not recorded yet; the new ones come back."""
        month = month_of(now)
        due = [
            s for s in await self._store.month_state(month) if not self._settled(s) and self._same_currency(s)
        ]
        found: list[Notification] = []
        reads = asyncio.Semaphore(_PARALLEL_READS)

        async def rate(state: BudgetMonth) -> None:
            async with reads:
                try:
                    spent = (await self._billing.bill(state.budget.account_id, month)).invoice.total
                except LookupError as exc:
                    # Usage the catalog has no price for: this account cannot be rated, the rest can.
                    self._warn_once(state, str(exc))
                    return
            found.extend(_new(state, month, spent, now))

        async with asyncio.TaskGroup() as group:
            for state in due:
                group.create_task(rate(state))
        recorded = await self._store.record(found)
        for n in recorded:
            log.info(
                "budget of account %s: %s cost of %s reached %d%% of %s %s (%s %s)",
                n.account_id,
                n.kind,
                n.month,
                n.threshold,
                n.amount,
                n.currency,
                n.figure,
                n.currency,
            )
        return recorded

    @staticmethod
    def _settled(state: BudgetMonth) -> bool:
        """Every crossing the month can have is recorded: nothing to rate."""
        return all((t, k) in state.recorded for t in state.budget.budget.thresholds for k in KINDS)

    def _same_currency(self, state: BudgetMonth) -> bool:
        budget = state.budget
        if budget.currency == self._billing.catalog.currency:
            return True
        self._warn_once(state, f"it is in {budget.currency}, prices are in {self._billing.catalog.currency}")
        return False

    def _warn_once(self, state: BudgetMonth, reason: str) -> None:
        """Logged once per budget and reason, not on every pass."""
        if (state.budget.budget_id, reason) not in self._warned:
            self._warned.add((state.budget.budget_id, reason))
            log.warning("budget of account %s not evaluated: %s", state.budget.account_id, reason)


def _new(state: BudgetMonth, month: str, spent: Decimal, now: datetime) -> list[Notification]:
    """The crossings of ``spent`` not yet recorded for ``state``'s budget."""
    budget = state.budget
    figures = {"actual": spent, "forecast": forecast(spent, month, now).quantize(EIGHT_PLACES)}
    return [
        Notification(
            budget.account_id,
            budget.budget_id,
            month,
            crossing.threshold,
            crossing.kind,
            figures[crossing.kind],
            budget.budget.amount,
            budget.currency,
            now,
        )
        for crossing in crossings(budget.budget, spent, month, now)
        if (crossing.threshold, crossing.kind) not in state.recorded
    ]
