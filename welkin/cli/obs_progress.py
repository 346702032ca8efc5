"""A progress bar for transfers: bytes, rate and time left, on stderr.

It is shown on a terminal or when asked for (``--progress``); otherwise every call is a no-op,
so scripts and ``--output json`` see only the result on stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

Callback = Callable[[int], None]


def _ignore(_amount: int) -> None:
    return None


class TransferProgress:
    """One bar per file; boto3 calls the callback from its worker threads, which rich allows."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress

    def track(self, label: str, total: int) -> Callback:
        progress = self._progress
        if progress is None:
            return _ignore
        task: TaskID = progress.add_task(label, total=total)

        def advance(amount: int) -> None:
            progress.advance(task, amount)

        return advance


@contextmanager
def transfer_progress(wanted: bool | None) -> Iterator[TransferProgress]:
    """``wanted`` None means: only when stderr is a terminal."""
    show = sys.stderr.isatty() if wanted is None else wanted
    if not show:
        yield TransferProgress(None)
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True, force_terminal=wanted or None),
        transient=False,
    )
    with progress:
        yield TransferProgress(progress)
