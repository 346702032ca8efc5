"""An account's budget as the edges and the CLI see it: set, read, remove, and its notifications.

    budgets = BudgetService(store, billing, clock)
    await budgets.set(account_id, Decimal("50"), (50, 80, 100))
    status = await budgets.status(account_id)   # the budget, and the month so far against it

One monthly budget per account, in the price catalog's currency (a budget in another
currency is refused: nothing converts). Setting it again changes its amount and thresholds
and keeps its notifications; removing it keeps them too, and a budget set afterwards is a
new one whose thresholds can all be notified again. Everything here takes one account.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from welkin.billing.budget_store import AccountBudget, BudgetStore, Notification
from welkin.billing.budgets import DEFAULT_THRESHOLDS, Budget, forecast, month_bounds
from welkin.billing.rating import EIGHT_PLACES
from welkin.billing.service import BillingService
from welkin.core import errors
from welkin.core.clock import Clock

# A budget's amount: more than zero, at most 10^15, at most 8 decimal places (an invoice's).
_MAX_AMOUNT = Decimal(10) ** 15


@dataclass(frozen=True)
class BudgetStatus:
    budget: AccountBudget
    month: str
    spent: Decimal  # the month's cost so far, 8 decimal places
    forecast: Decimal  # ``spent`` carried on to the month's end at its rate so far


class BudgetService:
    def __init__(self, store: BudgetStore, billing: BillingService, clock: Clock) -> None:
        self._store = store
        self._billing = billing
        self._clock = clock

    @property
    def currency(self) -> str:
        return self._billing.catalog.currency

    async def set(
        self,
        account_id: str,
        amount: Decimal,
        thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS,
        currency: str | None = None,
    ) -> AccountBudget:
        if currency is not None and currency != self.currency:
            raise errors.InvalidArgument(
                f"Budgets are in the price catalog's currency, {self.currency}, not {currency}."
            )
        if amount.is_finite() and (amount > _MAX_AMOUNT or amount != amount.quantize(EIGHT_PLACES)):
            raise errors.InvalidArgument(
                f"A budget's amount is at most {_MAX_AMOUNT:,} with at most 8 decimal places."
            )
        try:
            budget = Budget(amount, tuple(thresholds))
        except ValueError as exc:
            raise _invalid(exc) from None
        return await self._store.put(account_id, budget, self.currency, self._clock.now())

    async def get(self, account_id: str) -> AccountBudget:
        found = await self._store.get(account_id)
        if found is None:
            raise errors.NotFound("This account has no budget; set one first.")
        return found

    async def status(self, account_id: str) -> BudgetStatus:
        budget = await self.get(account_id)
        now = self._clock.now()
        month = self._billing.current_month()
        spent = (await self._billing.bill(account_id, month)).invoice.total
        projected = forecast(spent, month, now).quantize(EIGHT_PLACES, ROUND_HALF_UP)
        return BudgetStatus(budget, month, spent, projected)

    async def remove(self, account_id: str) -> None:
        if not await self._store.delete(account_id):
            raise errors.NotFound("This account has no budget.")

    async def notifications(self, account_id: str, month: str | None = None) -> list[Notification]:
        if month is not None:
            try:
                month_bounds(month)
            except ValueError as exc:
                raise _invalid(exc) from None
        return await self._store.notifications(account_id, month)


def _invalid(exc: ValueError) -> errors.InvalidArgument:
    """The pure module's reason, as a sentence for the wire."""
    text = str(exc)
    return errors.InvalidArgument(f"{text[:1].upper()}{text[1:]}.")
