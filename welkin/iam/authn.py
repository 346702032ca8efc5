"""Who is calling: passwords to tokens, and tokens or signatures to a ``Principal``.

Every check that can revoke access happens on every request, not at issue time:
the account and user must still be enabled, a token must be newer than the user's
last password change, a permanent key must be active. A signature is good for its
clock-skew window, repeated or not: neither SigV4 nor Huawei's signing carries a nonce, and
their SDKs retry, or repeat, identical requests within one second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.iam import keyring as passwords
from welkin.iam.keyring import Keyring
from welkin.iam.models import (
    Account,
    AuthMethod,
    KeyStatus,
    Principal,
    Project,
    TemporaryKeyClaims,
    TokenClaims,
    User,
)
from welkin.iam.post_signature import PostSignature
from welkin.iam.signatures import (
    HttpRequestView,
    VerifiedSignature,
    parse_claim,
    verify,
)
from welkin.iam.store import Conn, IamStore


@dataclass(frozen=True)
class ScopeRequest:
    """What a token request asks to be scoped to: a project (by id or name) or the account."""

    project_id: str | None = None
    project_name: str | None = None


@dataclass(frozen=True)
class IssuedToken:
    token: str
    claims: TokenClaims
    user: User
    account: Account
    project: Project | None


KEY_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class _KnownKey:
    access_key: str
    secret: str = field(repr=False)
    account: Account
    user: User
    generation: int
    fetched: float  # time.monotonic()


@dataclass(frozen=True)
class _KnownIdentity:
    account: Account
    user: User
    generation: int
    fetched: float  # time.monotonic()


@dataclass(frozen=True)
class SignedRequest:
    principal: Principal
    signature: VerifiedSignature


class Authenticator:
    def __init__(
        self,
        db: Database,
        store: IamStore,
        clock: Clock,
        keyring: Keyring,
        max_skew: timedelta,
        token_lifetime: timedelta,
        generation: Callable[[str], int],
    ) -> None:
        self._db = db
        # Access keys seen lately, so that a signed request costs no database reads; an
        # entry is dropped when its account's IAM data changes (``generation``), and after
        # KEY_CACHE_SECONDS in case another process sharing the database changed it.
        self._generation = generation
        self._keys: dict[str, _KnownKey] = {}
        # Users behind tokens seen lately, kept on the same terms as access keys.
        self._identities: dict[tuple[str, str], _KnownIdentity] = {}
        # Tokens opened lately: what a token says never changes, and opening one (an HMAC
        # and AES) costs more than the rest of authenticating it. Expiry is checked each use.
        self._opened: dict[str, TokenClaims] = {}
        self._store = store
        self._clock = clock
        self._keyring = keyring
        self._max_skew = max_skew
        self._token_lifetime = token_lifetime
        self._last_touch: dict[str, datetime] = {}

    # --- tokens -------------------------------------------------------------------------------
    async def login(
        self, account_name: str, user_name: str, password: str, scope: ScopeRequest
    ) -> IssuedToken:
        async with self._db.transaction() as conn:
            account = await self._store.account_by_name(conn, account_name)
            found = await self._store.user_with_password(conn, account.id, user_name) if account else None
            # Same work and same answer whether the account, the user or the password is wrong.
            if (
                not passwords.check_password(password, found[1] if found else None)
                or account is None
                or not found
            ):
                raise errors.InvalidCredentials("The account name, user name or password is wrong.")
            user = found[0]
            if user.access_mode == "programmatic":
                raise errors.AccessDenied("This user may only use access keys.")
            self._check_active(account, user)
            now = self._clock.now()
            await self._store.update_user(conn, replace(user, last_login_at=now))
            return await self._issue(conn, account, user, scope, ("password",))

    async def rescope(self, principal: Principal, scope: ScopeRequest) -> IssuedToken:
        """A new token for the caller of a token request with ``methods: ["token"]``."""
        async with self._db.read() as conn:
            account, user = await self._identity(conn, principal.account_id, principal.user_id)
            return await self._issue(conn, account, user, scope, ("token",))

    async def _issue(
        self, conn: Conn, account: Account, user: User, scope: ScopeRequest, methods: tuple[str, ...]
    ) -> IssuedToken:
        project = None
        if scope.project_id or scope.project_name:
            projects = await self._store.projects(conn, account.id, scope.project_name)
            project = next((p for p in projects if scope.project_id in (None, p.id)), None)
            if project is None:
                raise errors.NotFound("The project to scope to does not exist in this account.")
        issued = self._clock.now()
        claims = TokenClaims(
            user.id,
            account.id,
            project.id if project else None,
            methods,
            issued,
            issued + self._token_lifetime,
        )
        return IssuedToken(self._keyring.seal_token(claims), claims, user, account, project)

    async def principal_from_token(self, token: str) -> Principal:
        claims = self._opened.get(token)
        if claims is None:
            claims = self._keyring.open_token(token)
            if len(self._opened) > 10_000:
                self._opened.clear()
            self._opened[token] = claims
        if claims.expires_at <= self._clock.now():
            raise errors.InvalidToken("The token has expired.")
        account, user = await self._cached_identity(claims.account_id, claims.user_id)
        if claims.issued_at < user.tokens_valid_after:
            raise errors.InvalidToken("The token was revoked by a password change.")
        return _principal(account, user, AuthMethod.TOKEN, claims.project_id)

    async def token_details(self, token: str) -> IssuedToken:
        """Validate a token for ``GET /v3/auth/tokens``."""
        principal = await self.principal_from_token(token)
        claims = self._keyring.open_token(token)
        async with self._db.read() as conn:
            account, user = await self._identity(conn, principal.account_id, principal.user_id)
            project = (
                await self._store.project(conn, account.id, claims.project_id) if claims.project_id else None
            )
        return IssuedToken(token, claims, user, account, project)

    # --- signatures ---------------------------------------------------------------------------
    async def principal_from_signature(
        self, view: HttpRequestView, project_id: str | None
    ) -> Principal | None:
        """The signer of ``view``, or None when it carries no signature at all."""
        signed = await self.check_signature(view, project_id)
        return signed.principal if signed is not None else None

    async def check_signature(self, view: HttpRequestView, project_id: str | None) -> SignedRequest | None:
        """The signer of ``view`` and what its signature lets a body decoder verify next."""
        claim = parse_claim(view)
        if claim is None:
            return None
        now = self._clock.now()
        if claim.security_token:
            temporary = self._keyring.open_temporary_key(claim.security_token)
            if temporary.access_key != claim.access_key:
                raise errors.InvalidAccessKey("The access key does not match the security token.")
            if temporary.expires_at <= now:
                raise errors.InvalidToken("The temporary access key has expired.")
            verified = verify(view, claim, temporary.secret_key, now, self._max_skew)
            return SignedRequest(await self._temporary_principal(temporary, project_id), verified)
        known = await self._known_key(claim.access_key)
        verified = verify(view, claim, known.secret, now, self._max_skew)
        await self._touch(known.access_key, now)
        return SignedRequest(
            _principal(known.account, known.user, AuthMethod.ACCESS_KEY, project_id), verified
        )

    async def principal_from_post_form(self, form: PostSignature) -> Principal:
        """The signer of a browser POST form's policy; its expiry is the policy's to check."""
        if form.security_token:
            temporary = self._keyring.open_temporary_key(form.security_token)
            if temporary.access_key != form.access_key:
                raise errors.InvalidAccessKey("The access key does not match the security token.")
            if temporary.expires_at <= self._clock.now():
                raise errors.InvalidToken("The temporary access key has expired.")
            if not form.matches(temporary.secret_key):
                raise errors.SignatureDoesNotMatch(
                    "the policy signature does not match the one computed for it"
                )
            return await self._temporary_principal(temporary, None)
        known = await self._known_key(form.access_key)
        if not form.matches(known.secret):
            raise errors.SignatureDoesNotMatch("the policy signature does not match the one computed for it")
        await self._touch(known.access_key, self._clock.now())
        return _principal(known.account, known.user, AuthMethod.ACCESS_KEY, None)

    async def _temporary_principal(self, temporary: TemporaryKeyClaims, project_id: str | None) -> Principal:
        async with self._db.read() as conn:
            account = await self._store.account(conn, temporary.account_id)
            if temporary.agency_id is None:
                account, user = await self._identity(conn, temporary.account_id, temporary.user_id)
                return _principal(account, user, AuthMethod.TEMPORARY_KEY, project_id)
            agency = await self._store.agency(conn, temporary.account_id, temporary.agency_id)
        if account is None or not account.enabled or agency is None:
            raise errors.InvalidToken("The agency behind this temporary key is gone or disabled.")
        return Principal(
            account.id,
            account.name,
            temporary.user_id,
            f"{agency.name}/{temporary.user_id[:8]}",
            AuthMethod.TEMPORARY_KEY,
            project_id,
            account.is_operator,
            agency.id,
        )

    async def _known_key(self, access_key: str) -> _KnownKey:
        known = self._keys.get(access_key)
        if (
            known is not None
            and known.generation == self._generation(known.account.id)
            and time.monotonic() - known.fetched < KEY_CACHE_SECONDS
        ):
            return known
        async with self._db.read() as conn:
            found = await self._store.credential(conn, access_key)
            if found is None or found[0].status is not KeyStatus.ACTIVE:
                self._keys.pop(access_key, None)
                raise errors.InvalidAccessKey("The access key does not exist or is disabled.")
            credential, secret = found
            generation = self._generation(credential.account_id)
            account, user = await self._identity(conn, credential.account_id, credential.user_id)
        if user.access_mode == "console":
            raise errors.AccessDenied("This user may only sign in to the console.")
        known = _KnownKey(
            access_key, self._keyring.decrypt(secret), account, user, generation, time.monotonic()
        )
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[access_key] = known
        return known

    async def _touch(self, access_key: str, now: datetime) -> None:
        last = self._last_touch.get(access_key)
        if last is not None and now - last < timedelta(minutes=1):
            return
        self._last_touch[access_key] = now
        async with self._db.transaction() as conn:
            await self._store.touch_credential(conn, access_key, now)

    # --- shared -------------------------------------------------------------------------------
    async def _cached_identity(self, account_id: str, user_id: str) -> tuple[Account, User]:
        """``_identity`` without a database read while the account's IAM data is unchanged."""
        generation = self._generation(account_id)  # before reading: a change meanwhile wins
        known = self._identities.get((account_id, user_id))
        if (
            known is not None
            and known.generation == generation
            and time.monotonic() - known.fetched < KEY_CACHE_SECONDS
        ):
            return known.account, known.user
        async with self._db.read() as conn:
            account, user = await self._identity(conn, account_id, user_id)
        if len(self._identities) > 10_000:
            self._identities.clear()
        self._identities[(account_id, user_id)] = _KnownIdentity(account, user, generation, time.monotonic())
        return account, user

    async def _identity(self, conn: Conn, account_id: str, user_id: str) -> tuple[Account, User]:
        account = await self._store.account(conn, account_id)
        user = await self._store.user(conn, account_id, user_id)
        if account is None or user is None:
            raise errors.InvalidToken("The user behind this credential no longer exists.")
        self._check_active(account, user)
        return account, user

    @staticmethod
    def _check_active(account: Account, user: User) -> None:
        if not account.enabled:
            raise errors.AccountDisabled(f"Account {account.name!r} is disabled.")
        if not user.enabled:
            raise errors.AccessDenied(f"User {user.name!r} is disabled.")


def _principal(account: Account, user: User, method: AuthMethod, project_id: str | None) -> Principal:
    return Principal(account.id, account.name, user.id, user.name, method, project_id, account.is_operator)
