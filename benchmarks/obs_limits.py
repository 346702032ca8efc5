"""The machine's own ceilings for large objects: the disk under the data dirs and loopback TCP.

A large PUT cannot beat writing the same bytes to the same disk and fsyncing them, nor a GET
reading them back, nor either one the loopback socket; benchmarks/obs_bench.py prints its
large-object figures as a share of these.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

CHUNK = 1 << 20


def write_fsync_mbps(source: Path, directory: Path) -> float:
    """MB/s copying ``source`` into a new file in ``directory`` in 1 MiB writes, then fsync."""
    target = directory / "limits-disk.bin"
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    start = time.perf_counter()
    with source.open("rb", buffering=0) as src, target.open("wb", buffering=0) as dst:
        while n := src.readinto(buffer):
            dst.write(view[:n])
        os.fsync(dst.fileno())
    elapsed = time.perf_counter() - start
    size = target.stat().st_size
    target.unlink()
    return size / elapsed / 1e6


def read_mbps(path: Path) -> float:
    """MB/s reading ``path`` in 1 MiB reads; the page cache is left as it is, as for a GET."""
    buffer = bytearray(CHUNK)
    total = 0
    start = time.perf_counter()
    with path.open("rb", buffering=0) as src:
        while n := src.readinto(buffer):
            total += n
    return total / (time.perf_counter() - start) / 1e6


def loopback_mbps(size: int) -> float:
    """MB/s sending ``size`` bytes over a 127.0.0.1 TCP connection in 1 MiB sends.

    The receiver is a thread of this process; both sides spend their time inside send/recv,
    which release the GIL, so the two do not wait on each other for it.
    """
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        received = [0]

        def receive() -> None:
            conn, _ = server.accept()
            buffer = bytearray(CHUNK)
            with conn:
                while n := conn.recv_into(buffer):
                    received[0] += n

        receiver = threading.Thread(target=receive)
        receiver.start()
        payload = memoryview(os.urandom(CHUNK))
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as conn:
            sent = 0
            while sent < size:
                conn.sendall(payload[: min(CHUNK, size - sent)])
                sent += min(CHUNK, size - sent)
        receiver.join()
        elapsed = time.perf_counter() - start
    if received[0] != size:
        raise RuntimeError(f"loopback lost bytes: sent {size}, received {received[0]}")
    return size / elapsed / 1e6
