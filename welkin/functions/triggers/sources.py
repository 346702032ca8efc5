"""The three trigger sources of a region, built once there is an invoker to call."""

from __future__ import annotations

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.events import EventBus
from welkin.functions.triggers.http_api import HttpTriggers
from welkin.functions.triggers.invoking import Invoking
from welkin.functions.triggers.loop_guard import LoopGuard
from welkin.functions.triggers.obs_source import ObsTriggers
from welkin.functions.triggers.routes import HttpRoutes
from welkin.functions.triggers.timer import TimerScheduler
from welkin.iam.api.context import ApiContext


class TriggerSources:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        bus: EventBus,
        routes: HttpRoutes,
        region: str,
        api: ApiContext,
        invoker: Invoking,
    ) -> None:
        self._bus = bus
        self.http = HttpTriggers(routes, region, api, invoker)
        self.obs = ObsTriggers(db, clock, invoker, LoopGuard())
        self.timers = TimerScheduler(db, clock, invoker)

    async def start(self) -> None:
        self.obs.subscribe(self._bus)
        await self.timers.start()

    async def stop(self) -> None:
        await self.timers.stop()
