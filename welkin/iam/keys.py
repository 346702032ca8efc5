"""Access keys (permanent AK/SK), temporary keys and agencies: the rules.

A user manages their own keys without any policy (as on Huawei Cloud); managing
someone else's needs the ``iam:credentials:*`` actions. Temporary keys are sealed
claims (see ``keyring``): obtained with a token, they act as that user; obtained by
assuming an agency, they act in the agency's account with the agency's roles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.ids import new_access_key, new_id, new_secret_key
from welkin.iam import actions
from welkin.iam.keyring import Keyring
from welkin.iam.models import Agency, Credential, KeyStatus, Principal, TemporaryKey, TemporaryKeyClaims, User
from welkin.iam.permissions import PermissionService
from welkin.iam.store import Conn, IamStore

MAX_KEYS_PER_USER = 2
MIN_TEMPORARY_SECONDS, MAX_TEMPORARY_SECONDS = 900, 86400
_DURATIONS = {"FOREVER", "ONEDAY"}


@dataclass(frozen=True)
class NewCredential:
    credential: Credential
    secret_key: str


class KeyService:
    def __init__(
        self, db: Database, store: IamStore, clock: Clock, keyring: Keyring, permissions: PermissionService
    ) -> None:
        self._db = db
        self._store = store
        self._clock = clock
        self._keyring = keyring
        self._permissions = permissions

    async def _authorize_for(self, principal: Principal, user_id: str, action: str) -> None:
        if user_id != principal.user_id or principal.agency_id:
            await self._permissions.authorize(principal, action)

    # --- permanent keys ------------------------------------------------------------------------
    async def create(self, principal: Principal, user_id: str, description: str) -> NewCredential:
        await self._authorize_for(principal, user_id, actions.IAM_CREATE_CREDENTIAL)
        secret = new_secret_key()
        credential = Credential(
            new_access_key(),
            principal.account_id,
            user_id,
            KeyStatus.ACTIVE,
            description,
            self._clock.now(),
            None,
        )
        async with self._db.transaction() as conn:
            if await self._store.user(conn, principal.account_id, user_id) is None:
                raise errors.NotFound(f"User {user_id} does not exist.")
            if await self._store.count_credentials(conn, user_id) >= MAX_KEYS_PER_USER:
                raise errors.QuotaExceeded(f"A user may have at most {MAX_KEYS_PER_USER} access keys.")
            await self._store.add_credential(conn, credential, self._keyring.encrypt(secret))
        return NewCredential(credential, secret)

    async def add_chosen_key(self, user: User, access_key: str, secret: str) -> None:
        """Store a key chosen by Welkin or the operator for a new account's administrator."""
        credential = Credential(
            access_key, user.account_id, user.id, KeyStatus.ACTIVE, "first key", self._clock.now(), None
        )
        async with self._db.transaction() as conn:
            await self._store.add_credential(conn, credential, self._keyring.encrypt(secret))

    async def credentials(self, principal: Principal, user_id: str | None) -> list[Credential]:
        if user_id is None:
            await self._permissions.authorize(principal, actions.IAM_LIST_CREDENTIALS)
        else:
            await self._authorize_for(principal, user_id, actions.IAM_LIST_CREDENTIALS)
        async with self._db.read() as conn:
            return await self._store.credentials(conn, principal.account_id, user_id)

    async def _owned(self, conn: Conn, principal: Principal, access_key: str) -> Credential:
        found = await self._store.credential(conn, access_key)
        if found is None or found[0].account_id != principal.account_id:
            raise errors.NotFound(f"Access key {access_key} does not exist.")
        return found[0]

    async def get(self, principal: Principal, access_key: str) -> Credential:
        async with self._db.read() as conn:
            credential = await self._owned(conn, principal, access_key)
        await self._authorize_for(principal, credential.user_id, actions.IAM_GET_CREDENTIAL)
        return credential

    async def update(
        self, principal: Principal, access_key: str, status: KeyStatus | None, description: str | None
    ) -> Credential:
        async with self._db.transaction() as conn:
            credential = await self._owned(conn, principal, access_key)
            await self._authorize_for(principal, credential.user_id, actions.IAM_UPDATE_CREDENTIAL)
            credential = replace(
                credential,
                status=status or credential.status,
                description=description if description is not None else credential.description,
            )
            await self._store.update_credential(conn, credential)
        self._permissions.invalidate(principal.account_id)
        return credential

    async def delete(self, principal: Principal, access_key: str) -> None:
        async with self._db.transaction() as conn:
            credential = await self._owned(conn, principal, access_key)
            await self._authorize_for(principal, credential.user_id, actions.IAM_DELETE_CREDENTIAL)
            await self._store.delete_credential(conn, principal.account_id, access_key)
        self._permissions.invalidate(principal.account_id)

    # --- temporary keys ------------------------------------------------------------------------
    def _issue(self, user_id: str, account_id: str, agency_id: str | None, seconds: int) -> TemporaryKey:
        if not MIN_TEMPORARY_SECONDS <= seconds <= MAX_TEMPORARY_SECONDS:
            raise errors.InvalidArgument(
                f"duration_seconds must be between {MIN_TEMPORARY_SECONDS} and {MAX_TEMPORARY_SECONDS}."
            )
        expires = self._clock.now() + timedelta(seconds=seconds)
        claims = TemporaryKeyClaims(
            new_access_key(), new_secret_key(), user_id, account_id, agency_id, expires
        )
        return TemporaryKey(
            claims.access_key, claims.secret_key, self._keyring.seal_temporary_key(claims), expires
        )

    def temporary_for(self, principal: Principal, seconds: int) -> TemporaryKey:
        """Temporary keys that act as ``principal`` (``CreateTemporaryAccessKeyByToken``)."""
        return self._issue(principal.user_id, principal.account_id, principal.agency_id, seconds)

    async def assume(
        self,
        principal: Principal,
        account_name: str | None,
        agency_name: str,
        seconds: int,
        account_id: str | None = None,
    ) -> TemporaryKey:
        """Temporary keys for an agency of the account named (or with id ``account_id``)
        that trusts the caller's account."""
        await self._permissions.authorize(principal, actions.IAM_ASSUME_AGENCY)
        async with self._db.read() as conn:
            if account_name is not None:
                account = await self._store.account_by_name(conn, account_name)
            else:
                account = await self._store.account(conn, account_id or "")
            agencies = await self._store.agencies(conn, account.id, agency_name) if account else []
        if account is None or not account.enabled or not agencies:
            which = account_name if account_name is not None else account_id
            raise errors.NotFound(f"Agency {agency_name!r} of account {which!r} does not exist.")
        agency = agencies[0]
        if agency.trust_domain_id != principal.account_id:
            raise errors.AccessDenied(
                f"Agency {agency_name!r} does not trust account {principal.account_name!r}."
            )
        return self._issue(principal.user_id, account.id, agency.id, seconds)

    async def for_workload(
        self, account_id: str, agency_name: str, subject: str, seconds: int
    ) -> TemporaryKey:
        """Temporary keys a platform service hands to a workload it runs for ``account_id``
        (a function with ``app_xrole``): they act with the roles of that account's agency.

        No caller is authorized here: the account named the agency in its own function's
        configuration, which is what FunctionGraph's agency delegation means.
        """
        async with self._db.read() as conn:
            account = await self._store.account(conn, account_id)
            agencies = await self._store.agencies(conn, account_id, agency_name) if account else []
        if account is None or not account.enabled or not agencies:
            raise errors.InvalidArgument(f"Agency {agency_name!r} does not exist in this account.")
        return self._issue(subject, account_id, agencies[0].id, seconds)

    # --- agencies ------------------------------------------------------------------------------
    async def create_agency(
        self, principal: Principal, name: str, trust_domain_name: str, description: str, duration: str
    ) -> Agency:
        await self._permissions.authorize(principal, actions.IAM_CREATE_AGENCY)
        _check_duration(duration)
        async with self._db.transaction() as conn:
            trusted = await self._store.account_by_name(conn, trust_domain_name)
            if trusted is None:
                raise errors.NotFound(f"Account {trust_domain_name!r} does not exist.")
            agency = Agency(
                new_id(),
                principal.account_id,
                name,
                description,
                trusted.id,
                trusted.name,
                duration,
                self._clock.now(),
            )
            await self._store.add_agency(conn, agency)
        return agency

    async def agencies(self, principal: Principal, name: str | None = None) -> list[Agency]:
        await self._permissions.authorize(principal, actions.IAM_LIST_AGENCIES)
        async with self._db.read() as conn:
            return await self._store.agencies(conn, principal.account_id, name)

    async def agency(self, principal: Principal, agency_id: str) -> Agency:
        await self._permissions.authorize(principal, actions.IAM_GET_AGENCY)
        async with self._db.read() as conn:
            return await self._agency(conn, principal.account_id, agency_id)

    async def _agency(self, conn: Conn, account_id: str, agency_id: str) -> Agency:
        agency = await self._store.agency(conn, account_id, agency_id)
        if agency is None:
            raise errors.NotFound(f"Agency {agency_id} does not exist.")
        return agency

    async def update_agency(
        self,
        principal: Principal,
        agency_id: str,
        trust_domain_name: str | None,
        description: str | None,
        duration: str | None,
    ) -> Agency:
        await self._permissions.authorize(principal, actions.IAM_UPDATE_AGENCY)
        if duration is not None:
            _check_duration(duration)
        async with self._db.transaction() as conn:
            agency = await self._agency(conn, principal.account_id, agency_id)
            if trust_domain_name is not None:
                trusted = await self._store.account_by_name(conn, trust_domain_name)
                if trusted is None:
                    raise errors.NotFound(f"Account {trust_domain_name!r} does not exist.")
                agency = replace(agency, trust_domain_id=trusted.id, trust_domain_name=trusted.name)
            agency = replace(
                agency,
                description=description if description is not None else agency.description,
                duration=duration or agency.duration,
            )
            await self._store.update_agency(conn, agency)
        return agency

    async def delete_agency(self, principal: Principal, agency_id: str) -> None:
        await self._permissions.authorize(principal, actions.IAM_DELETE_AGENCY)
        async with self._db.transaction() as conn:
            await self._agency(conn, principal.account_id, agency_id)
            await self._store.delete_agency(conn, principal.account_id, agency_id)
        self._permissions.invalidate(principal.account_id)


def _check_duration(duration: str) -> None:
    if duration not in _DURATIONS and not (duration.isdigit() and 1 <= int(duration) <= 365):
        raise errors.InvalidArgument("duration must be FOREVER, ONEDAY or a number of days from 1 to 365.")
