"""IAM assembled: its services built over one store, and the first-start bootstrap."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from welkin.config import Settings
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.ids import new_access_key, new_password, new_secret_key
from welkin.iam.audit import AuditLog
from welkin.iam.authn import Authenticator
from welkin.iam.identity import IdentityService, NewAccount
from welkin.iam.keyring import Keyring
from welkin.iam.keys import KeyService
from welkin.iam.models import Principal
from welkin.iam.permissions import PermissionService
from welkin.iam.store import IamStore

OPERATOR_ACCOUNT = "admin"


@dataclass(frozen=True)
class RootCredentials:
    account: str
    user: str
    password: str
    access_key: str
    secret_key: str
    account_id: str
    project_id: str


@dataclass(frozen=True)
class Iam:
    permissions: PermissionService
    identity: IdentityService
    keys: KeyService
    authn: Authenticator
    audit: AuditLog

    @classmethod
    def build(cls, db: Database, clock: Clock, keyring: Keyring, settings: Settings) -> Iam:
        store = IamStore()
        permissions = PermissionService(db, store, clock)
        return cls(
            permissions=permissions,
            identity=IdentityService(db, store, clock, permissions, [settings.region]),
            keys=KeyService(db, store, clock, keyring, permissions),
            authn=Authenticator(
                db,
                store,
                clock,
                keyring,
                timedelta(seconds=settings.max_clock_skew_seconds),
                timedelta(seconds=settings.token_lifetime_seconds),
                permissions.generation,
            ),
            audit=AuditLog(db, store, permissions),
        )

    async def create_account_with_key(
        self,
        operator: Principal | None,
        name: str,
        password: str,
        description: str,
        access_key: str,
        secret_key: str,
    ) -> NewAccount:
        """An account and a first access key for its administrator (``operator`` is None at first start)."""
        created = await self.identity.create_account(name, password, description, operator)
        await self.keys.add_chosen_key(created.admin, access_key, secret_key)
        return created


async def bootstrap(iam: Iam, data_dir: Path) -> RootCredentials | None:
    """Create the operator's account on first start; return its credentials then, else None.

    Credentials come from WELKIN_ROOT_* when set; otherwise they are generated and
    written once to DATA_DIR/root-credentials.json (mode 0600).
    """
    if await iam.identity.operator_account() is not None:
        return None
    password = os.environ.get("WELKIN_ROOT_PASSWORD") or new_password()
    access_key = os.environ.get("WELKIN_ROOT_ACCESS_KEY") or new_access_key()
    secret_key = os.environ.get("WELKIN_ROOT_SECRET_KEY") or new_secret_key()
    created = await iam.create_account_with_key(
        None, OPERATOR_ACCOUNT, password, "The operator", access_key, secret_key
    )
    root = RootCredentials(
        OPERATOR_ACCOUNT,
        created.admin.name,
        password,
        access_key,
        secret_key,
        created.account.id,
        created.projects[0].id,
    )
    path = data_dir / "root-credentials.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(root.__dict__, fh, indent=2)
    return root
