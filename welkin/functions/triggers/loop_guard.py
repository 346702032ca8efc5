"""The guard that stops a function writing back into its own bucket from firing itself forever.

An OBS event reaches a trigger's function once per change of an object. A function
that rewrites the object it was fired for (or whose write matches its own trigger's
filter on the same key) would be fired again for its own write, and again. The
guard counts, per trigger and object key, the events that follow each other with
less than ``quiet`` between them; past ``max_chain`` such events the key is taken to
be looping and its events are dropped, with a warning in the log, until the key has
been quiet for ``quiet``. An object legitimately changed now and then never comes
near the limit; a loop, which fires within seconds each turn, hits it fast.

A function that writes each time to a *new* key its own trigger selects (``a.jpg``
-> ``a.jpg.thumb.jpg`` -> ...) is not caught by this per-key count: give the trigger
a prefix or suffix that the function's output does not match, as FunctionGraph advises.

The counts live in memory: after a restart a loop gets ``max_chain`` more turns.
"""

from __future__ import annotations

from datetime import datetime, timedelta

_MAX_TRACKED = 100_000


class LoopGuard:
    def __init__(self, max_chain: int = 16, quiet: timedelta = timedelta(seconds=60)) -> None:
        self._max_chain = max_chain
        self._quiet = quiet
        self._chains: dict[tuple[str, str, str], tuple[int, datetime]] = {}

    def admit(self, trigger_id: str, bucket: str, key: str, now: datetime) -> bool:
        """Count one event; False when the key has been firing this trigger in a loop."""
        slot = (trigger_id, bucket, key)
        count, last = self._chains.get(slot, (0, now))
        count = 1 if now - last >= self._quiet else count + 1
        if len(self._chains) >= _MAX_TRACKED and slot not in self._chains:
            self._forget_quiet(now)
        self._chains[slot] = (count, now)
        return count <= self._max_chain

    def _forget_quiet(self, now: datetime) -> None:
        stale = [slot for slot, (_, last) in self._chains.items() if now - last >= self._quiet]
        for slot in stale:
            del self._chains[slot]
        if len(self._chains) >= _MAX_TRACKED:
            self._chains.clear()  # a flood of distinct keys: better to forget than to grow
