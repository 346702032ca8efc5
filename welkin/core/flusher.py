"""A background task that writes buffered records to the store, off the request path.

It calls ``flush`` every ``interval`` seconds, or at once when woken (a buffer that filled
up), and a last time when stopped. A failing flush is retried on the next round; its error
is logged when the failures start, then once a minute while they last, then their end, so a
store that is down for an hour does not write seven thousand tracebacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
_REPEAT_WARNING_S = 60.0


class Flusher:
    def __init__(self, what: str, flush: Callable[[], Awaitable[object]], interval: float) -> None:
        self._what = what
        self._flush = flush
        self._interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._failures = 0
        self._warned_at = 0.0

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"flush {self._what}")

    async def stop(self) -> None:
        """Write what is left and end. The task is asked to end, not cancelled: a write cut
        short may commit all the same, and writing its batch again would count it twice."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            await self._once()
            return
        await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            # Read before writing: a stop asked for during this write gets one more after it.
            last = self._stopping
            await self._once()
            if last:
                return

    async def _once(self) -> None:
        try:
            await self._flush()
        except Exception:
            self._failures += 1
            now = time.monotonic()
            if self._failures == 1:
                log.exception("writing %s to the metadata store failed; kept to retry", self._what)
                self._warned_at = now
            elif now - self._warned_at >= _REPEAT_WARNING_S:
                log.warning("writing %s still fails (%d attempts); kept to retry", self._what, self._failures)
                self._warned_at = now
            return
        if self._failures:
            log.warning("writing %s works again after %d failed attempts", self._what, self._failures)
            self._failures = 0
