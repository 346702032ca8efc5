"""``welkin up``: one region on one port, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

import uvicorn

from welkin.config import Settings

if TYPE_CHECKING:
    from welkin.server import Region


class DataDirInUse(Exception):
    """Another ``welkin up`` holds the data directory."""


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold an exclusive lock on the data directory for the life of the process."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "welkin.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise DataDirInUse(f"{data_dir} is in use by Welkin (pid {holder}); stop it first.") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on accepted sockets whose
    # proto is IPPROTO_TCP, and accepted sockets inherit it from this one. With proto 0 every
    # keep-alive response written in two parts waited ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _announce(region: Region, out: IO[str]) -> None:
    settings = region.settings
    root = region.root_credentials
    if root is not None:
        print("Created the operator's account 'admin'. Its credentials are shown once, and kept in", file=out)
        print(f"  {settings.data_dir / 'root-credentials.json'} (mode 0600):", file=out)
        print(f"  user: {root.user}  password: {root.password}", file=out)
        print(f"  access key: {root.access_key}  secret key: {root.secret_key}", file=out)
        print(f"  account (domain) id: {root.account_id}", file=out)
    print(
        f"Region {settings.region} (zones {', '.join(settings.zones)}), data in {settings.data_dir}", file=out
    )
    print(f"FunctionGraph runtimes: {', '.join(region.functions.runtimes.names)}", file=out)
    capabilities = region.invocations.pool.capabilities
    if capabilities is not None:
        took = region.pool_start_seconds * 1000
        print(f"Function sandbox ({took:.0f} ms to start): {capabilities.summary()}", file=out)
    print(f"Console: {settings.public_url.rstrip('/')}/console/", file=out)
    print(f"Welkin ready: {settings.public_url}", file=out, flush=True)


def serve(settings: Settings) -> int:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        lock = lock_data_dir(settings.data_dir)
    except DataDirInUse as exc:
        print(f"welkin up: {exc}", file=sys.stderr)
        return 3
    try:
        sock = _bind(settings.host, settings.port)
    except OSError as exc:
        print(f"welkin up: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 4
    # Imported here, not at the top: every other CLI command would otherwise pay for
    # loading the whole server (about a second) before doing anything.
    from welkin.billing.catalog import CatalogError
    from welkin.server import Region

    try:
        region = Region.create(settings)
    except CatalogError as exc:
        print(f"welkin up: price catalog {settings.price_catalog}: {exc}", file=sys.stderr)
        lock.close()
        sock.close()
        return 2
    config = uvicorn.Config(
        region.app(), log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=10
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        await region.start()
        _announce(region, sys.stdout)
        await server.serve(sockets=[sock])

    # uvicorn shuts down gracefully on these, then re-raises the signal it caught;
    # a stop that was asked for is a clean exit, so the re-raised signal is absorbed.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda _signum, _frame: None)
    # The event loop uvicorn itself would pick (uvloop where installed), not asyncio's
    # default: its transports, timers and thread hand-offs are C, so each request costs less.
    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(main())
    except CatalogError as exc:  # held against the prices past usage was metered at
        print(f"welkin up: price catalog {settings.price_catalog or '(shipped)'}: {exc}", file=sys.stderr)
        return 2
    finally:
        sock.close()
        lock.close()
    return 0
