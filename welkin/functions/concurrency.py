"""The per-account bound on invocations running at once (FunctionGraph's account concurrency quota).

A request beyond it waits up to ``wait_s`` for another of the account's invocations to end,
then is refused with TooManyRequests (429): one account cannot take every instance of the
region from the others. The bound is one number for every account, or each account's own
(its ``concurrent_instances`` quota), asked for on every invocation and so answered from memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

from welkin.core import errors


class ConcurrencyLimits(Protocol):
    async def concurrency(self, account_id: str) -> int:
        """How many invocations the account may run at once."""
        ...


class _OneLimit:
    def __init__(self, limit: int) -> None:
        self._limit = limit

    async def concurrency(self, account_id: str) -> int:
        return self._limit


class AccountConcurrency:
    def __init__(self, limit: int | ConcurrencyLimits, wait_s: float) -> None:
        self._limits = _OneLimit(limit) if isinstance(limit, int) else limit
        self._wait_s = wait_s
        self._running: dict[str, int] = {}
        self._freed: dict[str, asyncio.Condition] = {}
        self._waiting: dict[str, int] = {}

    def running(self, account_id: str) -> int:
        return self._running.get(account_id, 0)

    @contextlib.asynccontextmanager
    async def slot(self, account_id: str) -> AsyncIterator[None]:
        freed = self._freed.setdefault(account_id, asyncio.Condition())
        limit = await self._limits.concurrency(account_id)
        if self.running(account_id) >= limit or self._waiting.get(account_id):
            # Only a full account waits (and a newcomer queues behind those already waiting):
            # the common case takes no lock and starts no timer.
            self._waiting[account_id] = self._waiting.get(account_id, 0) + 1
            try:
                async with freed:
                    await asyncio.wait_for(
                        freed.wait_for(lambda: self.running(account_id) < limit), self._wait_s
                    )
            except TimeoutError:
                raise errors.TooManyRequests(
                    f"Your account's concurrency quota (concurrent_instances) is {limit} invocations "
                    "at once and that many are running; retry later."
                ) from None
            finally:
                self._waiting[account_id] -= 1
                if not self._waiting[account_id]:
                    del self._waiting[account_id]
        self._running[account_id] = self.running(account_id) + 1
        try:
            yield
        finally:
            async with freed:
                self._running[account_id] -= 1
                if not self._running[account_id]:
                    del self._running[account_id]
                freed.notify()
