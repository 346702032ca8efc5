"""Builds one region's ASGI app from each service's routes.

Route order matters only between protocols: a request addressed to a bucket by its
host name (bucket.localhost) is S3's whatever its path; otherwise FunctionGraph
(/v2/{project}/fgs/...), Huawei/Keystone paths, BSS (/v2/bills, /v2/accounts) and
/health are claimed first and the S3 API owns every other path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from welkin import __version__
from welkin.billing import price_history
from welkin.billing.api import BillingApi
from welkin.billing.bssapi.app import PREFIXES as BSS_PREFIXES
from welkin.billing.bssapi.app import bss_app
from welkin.billing.budget_api import BudgetApi
from welkin.billing.budget_evaluator import BudgetEvaluator
from welkin.billing.budget_service import BudgetService
from welkin.billing.budget_store import BudgetStore
from welkin.billing.catalog import PriceCatalog
from welkin.billing.invoices import CloseSettings, MonthCloser, Settle
from welkin.billing.meter import METERED_USAGE_TYPES, BillingMeter, function_usages, obs_usages
from welkin.billing.quota_api import QuotaApi
from welkin.billing.quotas import OPERATOR_LIMITS, AccountQuotas, QuotaDefaults
from welkin.billing.service import BillingService
from welkin.config import Settings
from welkin.console.app import console_app, console_or
from welkin.core import migrate
from welkin.core.clock import Clock, SystemClock
from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.core.http import ErrorBoundary, PrefixDispatcher, RequestIdMiddleware, huawei_error
from welkin.functions.assembly import build_registry, max_request_bytes
from welkin.functions.fgsapi.app import fgs_app, is_fgs_path
from welkin.functions.fgsapi.errors import fgs_error
from welkin.functions.invocations import Invocations
from welkin.functions.removal import FunctionRemoval
from welkin.functions.service import FunctionRegistry
from welkin.functions.triggers.bucket_link import BucketLink
from welkin.functions.triggers.http_api import is_http_trigger_path
from welkin.functions.triggers.routes import HttpRoutes
from welkin.functions.triggers.service import TriggerService
from welkin.functions.triggers.sources import TriggerSources
from welkin.functions.usage_meter import TOPIC as FUNCTIONS_USAGE
from welkin.functions.versions import VersionService
from welkin.iam.api.accounts import AccountApi
from welkin.iam.api.context import ApiContext, AuditMiddleware, keystone_error, route_not_found
from welkin.iam.api.identity import IdentityApi
from welkin.iam.api.keys import KeyApi
from welkin.iam.api.permissions import PermissionApi
from welkin.iam.api.tokens import TokenApi
from welkin.iam.keyring import Keyring, load_or_create_key
from welkin.iam.service import Iam, RootCredentials, bootstrap
from welkin.obs.multipart import MultipartService
from welkin.obs.s3api.acl_handlers import AclHandlers
from welkin.obs.s3api.app import S3Api
from welkin.obs.s3api.authorize import Authorizer
from welkin.obs.s3api.batch_delete_handlers import BatchDeleteHandlers
from welkin.obs.s3api.bucket_handlers import BucketHandlers
from welkin.obs.s3api.copy_handlers import CopyHandlers
from welkin.obs.s3api.copy_source import CopySource
from welkin.obs.s3api.cors_handlers import CorsHandlers
from welkin.obs.s3api.lifecycle_handlers import LifecycleHandlers
from welkin.obs.s3api.multipart_handlers import MultipartHandlers
from welkin.obs.s3api.notification_handlers import NotificationHandlers
from welkin.obs.s3api.object_handlers import ObjectHandlers
from welkin.obs.s3api.policy_handlers import PolicyHandlers
from welkin.obs.s3api.post_handlers import PostObjectHandlers
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.tagging_handlers import TaggingHandlers
from welkin.obs.s3api.versioning_handlers import VersioningHandlers
from welkin.obs.service import Obs
from welkin.obs.storage_sampler import StorageSampler, StorageSettings
from welkin.obs.usage_meter import TOPIC as OBS_USAGE
from welkin.obs.usage_meter import ObsUsageMeter

# Billing's bus consumers: a month closes once each has counted what was published before.
BILLING_FUNCTIONS = "billing.functions"
BILLING_OBS = "billing.obs"


@dataclass
class Region:
    """Everything one ``welkin up`` runs, built from settings."""

    settings: Settings
    clock: Clock
    db: Database
    iam: Iam
    obs: Obs
    events: EventBus
    functions: FunctionRegistry
    invocations: Invocations
    triggers: TriggerService
    trigger_sources: TriggerSources
    billing_meter: BillingMeter
    billing: BillingService
    obs_meter: ObsUsageMeter
    storage_sampler: StorageSampler
    budgets: BudgetService
    budget_evaluator: BudgetEvaluator
    billing_closer: MonthCloser
    quotas: AccountQuotas
    keyring: Keyring
    # Built once and shared by the S3 and FunctionGraph edges and the console.
    authorizer: Authorizer
    multipart: MultipartService
    versions: VersionService
    removal: FunctionRemoval
    root_credentials: RootCredentials | None = None
    pool_start_seconds: float = 0.0

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None) -> Region:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        clock = clock or SystemClock()
        db = Database(settings.metadata_url)
        keyring = Keyring(load_or_create_key(settings.data_dir / "secret.key"))
        iam = Iam.build(db, clock, keyring, settings)
        events = EventBus(db, clock)
        # Subscribed before the bus starts; its cursor row is made by migration 0009.
        billing_meter = BillingMeter(db, clock, settings.region, function_usages)
        events.subscribe(BILLING_FUNCTIONS, FUNCTIONS_USAGE, billing_meter.handle)
        catalog = (
            PriceCatalog.load(Path(settings.price_catalog))
            if settings.price_catalog
            else PriceCatalog.default()
        )
        price_history.require(catalog, METERED_USAGE_TYPES)
        billing = BillingService(db, clock, catalog)
        # Its cursor row is made by migration 0010.
        obs_billing = BillingMeter(db, clock, settings.region, obs_usages)
        events.subscribe(BILLING_OBS, OBS_USAGE, obs_billing.handle)
        obs_meter = ObsUsageMeter.build(db, events, clock, settings.data_dir)
        storage = StorageSettings(
            min_object_bytes=settings.obs_min_billable_object_bytes, metering=settings.metering
        )
        storage_sampler = StorageSampler(db, events, clock, storage)
        budget_store = BudgetStore(db)
        budgets = BudgetService(budget_store, billing, clock)
        interval = settings.billing_budget_interval_seconds
        budget_evaluator = BudgetEvaluator(budget_store, billing, clock, interval)
        quotas = AccountQuotas(db, clock, QuotaDefaults.from_settings(settings))
        obs = Obs.build(db, clock, settings.data_dir, settings.region, events, quotas=quotas)
        functions = build_registry(settings, db, clock, iam, keyring, obs, quotas)
        invocations = Invocations.build(settings, db, clock, iam.keys, events, functions, quotas)
        closer = MonthCloser(
            db,
            clock,
            catalog,
            CloseSettings(
                grace=timedelta(seconds=settings.billing_close_grace_seconds),
                prune_after=max(timedelta(days=2), 2 * events.retention),
            ),
            # Every hour of the month sampled and every journaled record published, then
            # counted by both consumers, before an invoice is written.
            Settle(
                drains=[storage_sampler.catch_up, obs_meter.flush, invocations.usage.flush],
                consumers=[BILLING_FUNCTIONS, BILLING_OBS],
            ),
        )
        routes = HttpRoutes(db, clock)
        triggers = TriggerService(db, clock, functions, BucketLink(obs.buckets, iam.permissions), routes)
        api = ApiContext(iam, settings.max_json_body_bytes)
        sources = TriggerSources(db, clock, events, routes, settings.region, api, invocations.invoker)
        versions = VersionService(functions)
        return cls(
            settings,
            clock,
            db,
            iam,
            obs,
            events,
            functions,
            invocations,
            triggers,
            sources,
            billing_meter,
            billing,
            obs_meter,
            storage_sampler,
            budgets,
            budget_evaluator,
            closer,
            quotas,
            keyring,
            Authorizer(iam, obs.buckets, obs.objects, clock),
            MultipartService(db, obs.blobs, obs.objects, clock),
            versions,
            FunctionRemoval(functions, versions, triggers, invocations.reserved, invocations.pool),
        )

    async def start(self) -> None:
        await asyncio.to_thread(migrate.upgrade, self.settings.metadata_url)
        # Before anything is metered or billed: a catalog that would reprice past usage stops here.
        now = self.clock.now()
        await self.db.run_write(lambda conn: price_history.record(conn, self.billing.catalog, now))
        self.root_credentials = await bootstrap(self.iam, self.settings.data_dir)
        if self.root_credentials is not None:
            await self.quotas.set_limits(self.root_credentials.account_id, OPERATOR_LIMITS)
        await self.iam.audit.start()
        await self.events.start()
        await self.obs.start()
        # Before anything is served: the last process's requests, and the hours it missed.
        # Unmetered, the meters still publish what a metered run left, and hours are passed over.
        await self.obs_meter.start()
        await self.storage_sampler.start()
        await asyncio.to_thread(self.functions.code.clear_tmp)
        await self.functions.collect_unused_code()
        self.pool_start_seconds = await self.invocations.start()
        await self.trigger_sources.start()
        await self.budget_evaluator.start()
        # Last: a month that ended while the server was down closes now, once what the
        # meters left has been counted.
        await self.billing_closer.start()

    async def stop(self) -> None:
        await self.billing_closer.stop()
        await self.budget_evaluator.stop()
        await self.trigger_sources.stop()
        await self.invocations.stop()
        await self.storage_sampler.stop()
        await self.obs_meter.stop()
        await self.obs.stop()
        await self.events.stop()
        await self.iam.audit.stop()
        await self.db.close()

    def s3_app(self) -> S3Api:
        routes = Routes()
        BucketHandlers(self.obs.buckets, self.db).register(routes)
        ObjectHandlers(self.obs.objects).register(routes)
        VersioningHandlers(self.obs.buckets, self.db).register(routes)
        LifecycleHandlers(self.obs.buckets).register(routes)
        NotificationHandlers(self.obs.buckets).register(routes)
        PolicyHandlers(self.obs.buckets).register(routes)
        AclHandlers(self.obs.buckets, self.obs.objects).register(routes)
        TaggingHandlers(self.obs.buckets, self.obs.objects).register(routes)
        CorsHandlers(self.obs.buckets).register(routes)
        authorizer = self.authorizer
        sources = CopySource(self.obs.buckets, self.obs.objects)
        MultipartHandlers(self.multipart, sources).register(routes)
        CopyHandlers(self.obs.objects, sources).register(routes)
        BatchDeleteHandlers(self.obs.objects, authorizer).register(routes)
        PostObjectHandlers(
            self.iam.authn, authorizer, self.obs.buckets, self.obs.objects, self.clock
        ).register(routes)
        meter = self.obs_meter if self.settings.metering else None
        return S3Api(self.iam, self.obs.buckets, routes, self.settings.s3_domains, authorizer, meter)

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
                    *BudgetApi(ctx, self.budgets).routes(),
                    *BillingApi(ctx, self.billing).routes(),
                    *QuotaApi(ctx, self.quotas).routes(),
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
        s3 = self.s3_app()
        functiongraph = fgs_app(
            self.iam,
            self.functions,
            self.invocations,
            self.triggers,
            self.versions,
            self.removal,
            self.clock,
            max_request_bytes(self.settings),
        )
        http_triggers = ErrorBoundary(self.trigger_sources.http, fgs_error)
        bss = bss_app(ctx, self.billing, self.clock)
        by_path = PrefixDispatcher(
            {
                "/v3.0": huawei_app,
                "/welkin": huawei_app,
                "/v3": keystone_app,
                "/health": front,
                # "console" is a reserved bucket name, so S3 loses nothing here either.
                "/console": console_or(s3, console_app(self)),
                # No bucket can be called v2 (names have 3 characters at least), so S3 loses nothing.
                **dict.fromkeys(BSS_PREFIXES, bss),
            },
            s3,
        )

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                await front(scope, receive, send)
            elif scope["type"] == "http" and s3.addresses_by_host(scope):
                await s3(scope, receive, send)
            elif scope["type"] == "http" and is_http_trigger_path(scope["path"]):
                await http_triggers(scope, receive, send)
            elif scope["type"] == "http" and is_fgs_path(scope["path"]):
                await functiongraph(scope, receive, send)
            else:
                await by_path(scope, receive, send)

        return RequestIdMiddleware(dispatch)
