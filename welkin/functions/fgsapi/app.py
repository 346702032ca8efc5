"""FunctionGraph's API assembled: routes, audit, and FunctionGraph's error format.

Paths not served answer 404 FSS.0404 saying so.
"""

from __future__ import annotations

import re

from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.http import ErrorBoundary
from welkin.functions.fgsapi.async_api import AsyncHandlers
from welkin.functions.fgsapi.context import FgsContext
from welkin.functions.fgsapi.errors import fgs_error
from welkin.functions.fgsapi.functions import FunctionHandlers
from welkin.functions.fgsapi.invoke import InvokeHandlers
from welkin.functions.fgsapi.logs import LogHandlers
from welkin.functions.fgsapi.reserved import ReservedHandlers
from welkin.functions.fgsapi.triggers import TriggerHandlers
from welkin.functions.fgsapi.usage import UsageHandlers
from welkin.functions.fgsapi.versions import VersionHandlers
from welkin.functions.invocations import Invocations
from welkin.functions.removal import FunctionRemoval
from welkin.functions.service import FunctionRegistry
from welkin.functions.triggers.service import TriggerService
from welkin.functions.versions import VersionService
from welkin.iam.api.context import ApiContext, AuditMiddleware
from welkin.iam.service import Iam

FGS_PATH = re.compile(r"/v2/[^/]+/fgs(/|$)")


def is_fgs_path(path: str) -> bool:
    return FGS_PATH.match(path) is not None


async def _not_served(scope: Scope, receive: Receive, send: Send) -> None:
    raise errors.NotFound(
        f"No FunctionGraph API at {scope['method']} {scope['path']} in this Welkin "
        "(see docs/functions.md for what is served)."
    )


# Audited like every call, but written in batches: they come far more often than changes.
DATA_PLANE = frozenset({"InvokeFunction", "AsyncInvokeFunction"})


def fgs_app(
    iam: Iam,
    registry: FunctionRegistry,
    invocations: Invocations,
    triggers: TriggerService,
    versions: VersionService,
    removal: FunctionRemoval,
    clock: Clock,
    max_body: int,
) -> ASGIApp:
    ctx = FgsContext(ApiContext(iam, max_body), registry.region)
    router = Router(
        [
            *UsageHandlers(ctx, registry, invocations.invoker, clock).routes(),
            # Before FunctionHandlers: .../functions/reservedinstances is not a function's URN.
            *ReservedHandlers(ctx, invocations.reserved).routes(),
            *FunctionHandlers(ctx, registry, removal).routes(),
            *VersionHandlers(ctx, registry, versions, removal).routes(),
            *InvokeHandlers(ctx, registry, invocations.invoker).routes(),
            *AsyncHandlers(ctx, registry, invocations.queue).routes(),
            *LogHandlers(ctx, registry, invocations.invoker.logs).routes(),
            *TriggerHandlers(ctx, triggers).routes(),
        ],
        default=_not_served,
    )
    return ErrorBoundary(AuditMiddleware(router, iam, clock, "functiongraph", DATA_PLANE), fgs_error)
