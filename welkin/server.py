"""Builds one region's ASGI app from each service's routes.

Route order matters only between protocols: Huawei/Keystone paths are claimed
first; the S3 API (which owns every other path) will be mounted last.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp

from welkin import __version__
from welkin.config import Settings
from welkin.core import migrate
from welkin.core.clock import Clock, SystemClock
from welkin.core.db import Database
from welkin.core.http import ErrorBoundary, PrefixDispatcher, RequestIdMiddleware, huawei_error
from welkin.iam.api.accounts import AccountApi
from welkin.iam.api.context import ApiContext, AuditMiddleware, keystone_error, route_not_found
from welkin.iam.api.identity import IdentityApi
from welkin.iam.api.keys import KeyApi
from welkin.iam.api.permissions import PermissionApi
from welkin.iam.api.tokens import TokenApi
from welkin.iam.keyring import Keyring, load_or_create_key
from welkin.iam.service import Iam, RootCredentials, bootstrap


@dataclass
class Region:
    """Everything one ``welkin up`` runs, built from settings."""

    settings: Settings
    clock: Clock
    db: Database
    iam: Iam
    root_credentials: RootCredentials | None = None

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Region:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        clock = clock or SystemClock()
        db = Database(settings.metadata_url)
        keyring = Keyring(load_or_create_key(settings.data_dir / "secret.key"))
        return cls(settings, clock, db, Iam.build(db, clock, keyring, settings))

    async def start(self) -> None:
        await asyncio.to_thread(migrate.upgrade, self.settings.metadata_url)
        self.root_credentials = await bootstrap(self.iam, self.settings.data_dir)

    async def stop(self) -> None:
        await self.db.close()

    def app(self) -> ASGIApp:
        ctx = ApiContext(self.iam, self.settings.max_json_body_bytes)
        region = self.settings.region
        iam = AuditMiddleware(
            Router(
                [
                    *TokenApi(ctx, region).routes(),
                    *IdentityApi(ctx, region).routes(),
                    *PermissionApi(ctx).routes(),
                    *KeyApi(ctx).routes(),
                    *AccountApi(ctx).routes(),
                ],
                default=route_not_found("IAM"),
            ),
            self.iam,
            self.clock,
            "iam",
        )

        async def health(_request: Request) -> Response:
            return JSONResponse({"status": "ok", "region": region, "version": __version__})

        @asynccontextmanager
        async def lifespan(_app: Starlette) -> AsyncIterator[None]:
            yield
            await self.stop()

        front = Starlette(routes=[Route("/health", health, methods=["GET", "HEAD"])], lifespan=lifespan)
        # One IAM router; the path prefix decides the error format (Keystone's for /v3).
        huawei_app = ErrorBoundary(iam, huawei_error)
        keystone_app = ErrorBoundary(iam, keystone_error)
        return RequestIdMiddleware(
            PrefixDispatcher({"/v3.0": huawei_app, "/welkin": huawei_app, "/v3": keystone_app}, front)
        )
