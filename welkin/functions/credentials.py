"""Temporary credentials for a function, from its agency (``app_xrole``, else ``xrole``).

Keys are cached per account and agency and reused while they outlive the invocation, so a warm
invoke costs no database read. Caching is safe: a key's rights are its agency's grants as they
are when it is used, and a deleted agency's keys stop working. A function without an agency gets
none (empty strings).
"""

from __future__ import annotations

from datetime import timedelta

from welkin.core.clock import Clock
from welkin.functions.models import FunctionVersionSpec
from welkin.iam.keys import MAX_TEMPORARY_SECONDS, MIN_TEMPORARY_SECONDS, KeyService
from welkin.iam.models import TemporaryKey

_SUBJECT = "functiongraph"
_NONE = ("", "", "")


class AgencyCredentials:
    def __init__(self, keys: KeyService, clock: Clock) -> None:
        self._keys = keys
        self._clock = clock
        self._cache: dict[tuple[str, str], TemporaryKey] = {}

    async def for_function(self, spec: FunctionVersionSpec) -> tuple[str, str, str]:
        """(access key, secret key, security token) valid for at least the function's timeout."""
        if not spec.agency:
            return _NONE
        return await self.for_agency(spec.account_id, spec.agency, spec.timeout)

    async def for_agency(self, account_id: str, agency: str, timeout_s: int) -> tuple[str, str, str]:
        needed = timedelta(seconds=timeout_s + 60)
        key = (account_id, agency)
        cached = self._cache.get(key)
        if cached is None or cached.expires_at - self._clock.now() < needed:
            seconds = max(MIN_TEMPORARY_SECONDS, min(MAX_TEMPORARY_SECONDS, 2 * timeout_s + 900))
            cached = await self._keys.for_workload(account_id, agency, _SUBJECT, seconds)
            self._cache[key] = cached
        return cached.access_key, cached.secret_key, cached.security_token
