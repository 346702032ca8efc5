"""The timer scheduler: a background job that fires due TIMER triggers.

Each active timer keeps its next tick (``next_fire_at``) in the database. When it is
due, the scheduler first moves it to the schedule's next tick after *now*, then
queues an asynchronous invocation with FunctionGraph's timer event. Moving from now,
not from the tick that was due, is what makes ticks missed while Welkin was down (or
busy) run once, not once each. Moving before firing, with a compare-and-set, means
a tick runs at most once even if two schedulers share the database; a crash between
the two loses that one tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.functions.invoker import InvokeRequest
from welkin.functions.triggers import schedule, store
from welkin.functions.triggers.invoking import Invoking
from welkin.functions.triggers.models import Trigger

log = logging.getLogger("welkin.functions.timer")


def timer_event(trigger: Trigger, clock: Clock) -> bytes:
    """FunctionGraph's timer event."""
    return json.dumps(
        {
            "version": "v1.0",
            "time": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "trigger_type": "TIMER",
            "trigger_name": trigger.event_data.get("name") or trigger.id,
            "user_event": trigger.event_data.get("user_event", ""),
        }
    ).encode()


class TimerScheduler:
    def __init__(self, db: Database, clock: Clock, invoker: Invoking, poll_interval: float = 1.0) -> None:
        self._db = db
        self._clock = clock
        self._invoker = invoker
        self._poll = poll_interval
        self._task: asyncio.Task[None] | None = None

    async def run_due(self) -> int:
        """Fire every timer that is due now; return how many fired."""
        now = self._clock.now()
        fired = 0
        for trigger in await self._db.run_read(lambda conn: store.due_timers(conn, now)):
            if await self._claim(trigger) and await self._fire(trigger):
                fired += 1
        return fired

    async def _claim(self, trigger: Trigger) -> bool:
        data = trigger.event_data
        upcoming = schedule.parse(data["schedule_type"], data["schedule"]).next_after(self._clock.now())
        expected = trigger.next_fire_at
        assert expected is not None  # due_timers selects by it
        return await self._db.run_write(lambda conn: store.move_timer(conn, trigger.id, expected, upcoming))

    async def _fire(self, trigger: Trigger) -> bool:
        event = timer_event(trigger, self._clock)
        try:
            await self._invoker.invoke_async(InvokeRequest(trigger.project_id, trigger.ref, event, "timer"))
        except Exception:
            log.exception(
                "timer trigger %s of %s could not queue its invocation", trigger.id, trigger.function_name
            )
            return False
        return True

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._loop())
            self._task.set_name("functions:timers")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:
                log.exception("the timer scheduler failed; trying again")
            await asyncio.sleep(self._poll)
