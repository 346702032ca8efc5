"""Per-account quotas: how much of the region one account may hold or run at once.

The operator sets an account's limit for any of the ``Quota`` kinds; a kind left unset
has the region's default (``Settings.quota_*``). A limit of ``NO_LIMIT`` (-1) means none.

Each service counts its own usage and registers the counter here (``count_with``), and
checks a quota inside the transaction that would add to it (``enforce_in``): the count,
the comparison and the insert commit together or not at all, so a refused action leaves
nothing behind. Two such transactions of one account are serialised on the quota
(``quota_store.lock_account``), so racing requests cannot pass the limit together.

The operator's own account holds what the region needs, so it is made with no limits on what
it holds (``OPERATOR_LIMITS``); its concurrency keeps the default, which leaves instances for
the others. The operator may set its own limits like anyone's.

Limits are read often (every invocation asks for the account's concurrency), so they are
kept in memory: a change made here is seen at once, one made by another process on the
same database within ``ttl``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection as Conn

from welkin.billing import quota_store
from welkin.config import Settings
from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database

NO_LIMIT = -1
# The concurrency an account with no limit gets: more than a region ever runs.
_UNBOUNDED = 1 << 31
_MAX_ENTRIES = 10_000

Counter = Callable[[Conn, str], int]
ErrorFactory = Callable[[str], errors.WelkinError]


class Quota(enum.StrEnum):
    FUNCTIONS = "functions"
    CODE_BYTES = "code_bytes"
    CONCURRENT_INSTANCES = "concurrent_instances"
    BUCKETS = "buckets"
    STORED_BYTES = "stored_bytes"

    @property
    def unit(self) -> str:
        return "bytes" if self.value.endswith("_bytes") else ""


# Set for the operator's account when it is made.
OPERATOR_LIMITS: dict[Quota, int | None] = {
    Quota.FUNCTIONS: NO_LIMIT,
    Quota.CODE_BYTES: NO_LIMIT,
    Quota.BUCKETS: NO_LIMIT,
    Quota.STORED_BYTES: NO_LIMIT,
}


@dataclass(frozen=True)
class QuotaDefaults:
    """The region's limits, for accounts the operator set nothing for."""

    functions: int = 400
    code_bytes: int = 10 << 30
    concurrent_instances: int = 400
    buckets: int = 100
    stored_bytes: int = NO_LIMIT

    @classmethod
    def from_settings(cls, settings: Settings) -> QuotaDefaults:
        return cls(
            functions=settings.quota_functions,
            code_bytes=settings.quota_code_bytes,
            concurrent_instances=settings.functions_account_concurrency,
            buckets=settings.quota_buckets,
            stored_bytes=settings.quota_stored_bytes,
        )

    def of(self, quota: Quota) -> int:
        value: int = getattr(self, quota.value)
        return value


@dataclass(frozen=True)
class QuotaStatus:
    quota: Quota
    limit: int  # NO_LIMIT: none
    default: int
    used: int


def exceeded_message(quota: Quota, limit: int, used: int, adding: int) -> str:
    unit = f" {quota.unit}" if quota.unit else ""
    return (
        f"Quota exceeded: this account's {quota.value} quota is {limit}{unit}; {used}{unit} in use, "
        f"and this request would add {adding}{unit}. Free some, or ask the operator to raise the quota."
    )


class AccountQuotas:
    def __init__(
        self, db: Database, clock: Clock, defaults: QuotaDefaults, ttl: timedelta = timedelta(seconds=1)
    ) -> None:
        self._db = db
        self._clock = clock
        self.defaults = defaults
        self._ttl = ttl
        self._counters: dict[Quota, Counter] = {}
        self._limits: dict[str, tuple[datetime, dict[str, int]]] = {}
        self._generation = 0

    def count_with(self, quota: Quota, counter: Counter) -> None:
        """How the service that owns ``quota`` counts an account's usage of it."""
        self._counters[quota] = counter

    # --- limits ----------------------------------------------------------------------------
    def _cached(self, account_id: str) -> dict[str, int] | None:
        hit = self._limits.get(account_id)
        if hit is None or self._clock.now() - hit[0] >= self._ttl:
            return None
        return hit[1]

    def _remember(self, account_id: str, limits: dict[str, int], generation: int) -> None:
        # A read that began before a change must not store what it read.
        if generation != self._generation:
            return
        if len(self._limits) >= _MAX_ENTRIES:
            self._limits.clear()
        self._limits[account_id] = (self._clock.now(), limits)

    def limit_in(self, conn: Conn, account_id: str, quota: Quota) -> int:
        limits = self._cached(account_id)
        if limits is None:
            generation = self._generation
            limits = quota_store.limits_of(conn, account_id)
            self._remember(account_id, limits, generation)
        return limits.get(quota.value, self.defaults.of(quota))

    async def limit(self, account_id: str, quota: Quota) -> int:
        limits = self._cached(account_id)
        if limits is None:
            generation = self._generation
            limits = await self._db.run_read(lambda conn: quota_store.limits_of(conn, account_id))
            self._remember(account_id, limits, generation)
        return limits.get(quota.value, self.defaults.of(quota))

    async def concurrency(self, account_id: str) -> int:
        """Invocations the account may run at once; answered from memory while warm."""
        limit = await self.limit(account_id, Quota.CONCURRENT_INSTANCES)
        return _UNBOUNDED if limit == NO_LIMIT else limit

    async def set_limits(self, account_id: str, limits: Mapping[Quota, int | None]) -> None:
        """Set the account's limits; None puts a quota back to the region's default."""
        for quota, limit in limits.items():
            if limit is not None and limit < NO_LIMIT:
                raise errors.InvalidArgument(f"{quota.value} must be -1 (no limit) or a whole number >= 0.")
        by_name = {quota.value: limit for quota, limit in limits.items()}
        try:
            await self._db.run_write(lambda conn: quota_store.set_limits(conn, account_id, by_name))
        finally:
            self._generation += 1
            self._limits.pop(account_id, None)

    # --- usage -----------------------------------------------------------------------------
    async def statuses(self, account_id: str) -> list[QuotaStatus]:
        """Every quota of the account: its limit, the default and what is in use now."""

        def read(conn: Conn) -> tuple[dict[str, int], dict[Quota, int]]:
            used = {quota: counter(conn, account_id) for quota, counter in self._counters.items()}
            return quota_store.limits_of(conn, account_id), used

        limits, used = await self._db.run_read(read)
        statuses = []
        for quota in Quota:
            default = self.defaults.of(quota)
            statuses.append(QuotaStatus(quota, limits.get(quota.value, default), default, used.get(quota, 0)))
        return statuses

    def enforce_in(
        self,
        conn: Conn,
        account_id: str,
        quota: Quota,
        adding: int,
        error: ErrorFactory = errors.QuotaExceeded,
    ) -> None:
        """Refuse (raise ``error``) if the account's usage plus ``adding`` would pass its limit.

        Call it in the transaction that adds, before it writes: the lock it takes is held to
        the commit, so the next check of this quota counts what this one added.
        """
        limit = self.limit_in(conn, account_id, quota)
        if limit == NO_LIMIT:
            return
        quota_store.lock_account(conn, account_id, quota)
        used = self._counters[quota](conn, account_id)
        if used + adding > limit:
            raise error(exceeded_message(quota, limit, used, adding))
