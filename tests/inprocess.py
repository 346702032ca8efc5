"""A whole region served over real HTTP from this process, on a clock the test moves.

``welkin up`` as a subprocess runs on the system clock; a scenario that spans a month
cannot wait for one. This serves the same ``Region`` (same app, same stores, same
sandboxed function processes) with uvicorn on a free port, in a thread with its own event
loop, built with a ``ManualClock``. Clients talk to it over HTTP as to any server; what
only the server's loop may run (a sampler, a closer, a flush) goes through ``call``.

Signed requests carry the client's real time while the region's clock may be weeks away,
so the settings given should allow that skew (``max_clock_skew_seconds``).
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import uvicorn

from tests.conftest import ROOT_AK, ROOT_PASSWORD, ROOT_SK
from welkin.config import Settings
from welkin.core.clock import ManualClock
from welkin.server import Region

T = TypeVar("T")


@dataclass
class InProcess:
    region: Region
    url: str
    clock: ManualClock
    loop: asyncio.AbstractEventLoop

    def call(self, work: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
        """Run ``work()`` on the region's own event loop and return its result."""

        async def run() -> T:
            return await work()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)


@contextmanager
def serve_region(settings: Settings, clock: ManualClock, timeout: float = 30) -> Iterator[InProcess]:
    root = {
        "WELKIN_ROOT_PASSWORD": ROOT_PASSWORD,
        "WELKIN_ROOT_ACCESS_KEY": ROOT_AK,
        "WELKIN_ROOT_SECRET_KEY": ROOT_SK,
    }
    saved = {name: os.environ.get(name) for name in root}
    os.environ.update(root)  # read once, by the first start's bootstrap
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    region = Region.create(settings, clock)
    server = uvicorn.Server(uvicorn.Config(region.app(), log_level="warning", lifespan="on"))
    loops: list[asyncio.AbstractEventLoop] = []
    failures: list[BaseException] = []

    async def main() -> None:
        loops.append(asyncio.get_running_loop())
        await region.start()
        await server.serve(sockets=[sock])

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as why:  # reported to the test below, not lost in the thread
            failures.append(why)

    thread = threading.Thread(target=run, name="welkin-region", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started and not failures and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
        raise RuntimeError(f"the region did not start: {failures[0] if failures else 'timed out'}")
    try:
        yield InProcess(region, f"http://127.0.0.1:{port}", clock, loops[0])
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if failures:
            raise failures[0]
