"""Limits password guessing: failed sign-ins are counted per user name and per client address.

Only failures count, so people who type their password right are never slowed down. Each key
has a bucket that refills at a steady rate; a sign-in is refused while either of its buckets is
empty, with the same words whether or not the user exists. The counts are this process's: a
region served by several processes allows as many guesses per process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from welkin.core import errors
from welkin.core.clock import Clock


@dataclass(frozen=True)
class Rate:
    burst: int  # failures allowed at once
    per_minute: float  # failures forgiven each minute after that


# Enough for someone who mistypes a few times; far too few for guessing.
PER_NAME = Rate(burst=10, per_minute=5)
PER_ADDRESS = Rate(burst=30, per_minute=20)
MAX_KEYS = 100_000


@dataclass
class _Bucket:
    level: float  # failures not yet forgiven
    at: datetime


class LoginLimiter:
    def __init__(self, clock: Clock, per_name: Rate = PER_NAME, per_address: Rate = PER_ADDRESS) -> None:
        self._clock = clock
        self._rates = {"name": per_name, "address": per_address}
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def _keys(self, address: str, account: str, user: str) -> list[tuple[str, str]]:
        return [("name", f"{account.lower()}\x00{user.lower()}"), ("address", address)]

    def _level(self, key: tuple[str, str], now: datetime) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        forgiven = (now - bucket.at).total_seconds() / 60 * self._rates[key[0]].per_minute
        return max(0.0, bucket.level - forgiven)

    def admit(self, address: str, account: str, user: str) -> None:
        """Raise TooManyRequests while too many recent sign-ins failed for this name or address."""
        now = self._clock.now()
        wait = 0.0
        for key in self._keys(address, account, user):
            rate = self._rates[key[0]]
            over = self._level(key, now) + 1 - rate.burst
            if over > 0:
                wait = max(wait, over / rate.per_minute * 60)
        if wait > 0:
            error = errors.TooManyRequests("Too many failed sign-ins; wait a while before trying again.")
            error.headers["Retry-After"] = str(math.ceil(wait))
            raise error

    def failed(self, address: str, account: str, user: str) -> None:
        now = self._clock.now()
        if len(self._buckets) > MAX_KEYS:
            self._buckets = {k: b for k, b in self._buckets.items() if self._level(k, now) > 0}
        for key in self._keys(address, account, user):
            self._buckets[key] = _Bucket(self._level(key, now) + 1, now)
