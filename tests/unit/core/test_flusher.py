"""The background writer: it retries a failing flush without ending, says so once, and writes
a last time when stopped."""

from __future__ import annotations

import asyncio
import logging

import pytest

from welkin.core.flusher import Flusher


async def test_a_failing_flush_is_retried_logged_once_and_a_stop_flushes_last(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    fifth = asyncio.Event()

    async def flush() -> None:
        calls.append("try")
        if len(calls) == 5:
            fifth.set()
        if len(calls) <= 3:
            raise OSError("store down")

    flusher = Flusher("records", flush, interval=0.01)
    with caplog.at_level(logging.WARNING, logger="welkin.core.flusher"):
        await flusher.start()
        await asyncio.wait_for(fifth.wait(), 5)
        await flusher.stop()
    assert len(calls) >= 6  # and one more on the way out
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "writing records to the metadata store failed; kept to retry"
    assert messages[1] == "writing records works again after 3 failed attempts"
    assert len(messages) == 2


async def test_wake_flushes_before_the_interval_and_stop_writes_what_came_last() -> None:
    written: list[int] = []
    waiting: list[int] = []

    wrote = asyncio.Event()

    async def flush() -> None:
        written.extend(waiting)
        waiting.clear()
        wrote.set()

    flusher = Flusher("records", flush, interval=60.0)
    await flusher.start()
    waiting.append(1)
    flusher.wake()
    await asyncio.wait_for(wrote.wait(), 5)
    assert written == [1]
    waiting.append(2)
    await flusher.stop()
    assert written == [1, 2]
