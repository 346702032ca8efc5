"""FunctionPool: hands each invocation a warm instance or starts one, within limits.

    pool = FunctionPool(PoolSettings(work_dir=...), SystemClock())
    await pool.start()                       # detects runtimes, starts the default zygote,
                                             # logs what the sandbox enforces on this kernel
    result = await pool.invoke(spec, Invocation(request_id, event))
    pool.stats()                             # cold starts and their durations, per function
    await pool.stop()                        # every instance and zygote is gone afterwards

Instances are grouped per function version (``InstanceSpec.function_urn`` and ``version``);
a spec that differs from the group's retires the old instances. An instance serves
``spec.concurrency`` requests at a time; up to ``spec.max_instances`` are started on demand;
beyond that a request waits ``queue_wait_s`` for one, then gets ``TooManyRequests``. Idle
instances are killed after ``keep_alive_s`` (``reap_idle``, also run in the background), except
the ``reserve``d ones: those are started ahead of any request and kept (see ``reserve``).
Function failures are results (``InvocationResult.error``), never exceptions; the pool raises
only for the platform's own refusals (``InvalidArgument``, ``TooManyRequests``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from datetime import timedelta

from welkin.core.clock import Clock
from welkin.core.errors import InvalidArgument, TooManyRequests
from welkin.functions.fleet import Counters, Fleet, FunctionStats
from welkin.functions.instance import Instance, InstanceFailure
from welkin.functions.outcomes import failed_result, result_of
from welkin.functions.runtimes import RuntimeCatalog
from welkin.functions.spec import InstanceSpec, Invocation, InvocationError, InvocationResult, PoolSettings
from welkin.functions.zygotes import Zygote
from welkin.runtime import wire
from welkin.runtime.probe import Capabilities

log = logging.getLogger(__name__)


class FunctionPool:
    def __init__(self, settings: PoolSettings, clock: Clock, runtimes: RuntimeCatalog | None = None) -> None:
        self._settings = settings
        self._clock = clock
        self._runtimes = runtimes
        self._zygotes: dict[str, Zygote] = {}
        self._zygote_lock = asyncio.Lock()
        self._fleets: dict[tuple[str, str], Fleet] = {}
        self._fleet_of: dict[str, Fleet] = {}  # instance id -> its fleet (retired ones too)
        self._counters: dict[str, Counters] = {}
        self._free_uids = list(range(settings.max_total_instances))
        self._total = 0
        self._reaper: asyncio.Task[None] | None = None
        self._warming: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.capabilities: Capabilities | None = None

    @property
    def runtimes(self) -> RuntimeCatalog:
        if self._runtimes is None:
            raise RuntimeError("FunctionPool.start() has not run")
        return self._runtimes

    async def start(self) -> None:
        root = self._settings.work_dir / "sandbox-root"
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o755)  # noqa: S103 - an empty mount point; instances must traverse it
        if self._runtimes is None:
            self._runtimes = await asyncio.to_thread(RuntimeCatalog.detect)
        zygote = await self._zygote(self.runtimes.default)
        self.capabilities = zygote.capabilities
        assert self.capabilities is not None
        summary = self.capabilities.summary()
        (log.info if "NOT enforced: nothing" in summary else log.warning)("function sandbox %s", summary)
        interval = max(0.05, min(self._settings.keep_alive_s / 4, 5.0))
        self._reaper = asyncio.create_task(self._reap_forever(interval))

    async def _zygote(self, runtime: str) -> Zygote:
        interpreter = self.runtimes.resolve(runtime)
        async with self._zygote_lock:
            zygote = self._zygotes.get(runtime)
            if zygote is None or not zygote.alive:
                settings = self._settings
                zygote = await Zygote.start(
                    interpreter, settings.work_dir / "sandbox-root", settings.tmp_mb, settings.spare_instances
                )
                self._zygotes[runtime] = zygote
            return zygote

    # -- invoking ---------------------------------------------------------------------------

    async def invoke(self, spec: InstanceSpec, invocation: Invocation) -> InvocationResult:
        fleet = self._fleet_for(spec)
        counters = self._counters.setdefault(_key(spec), Counters())
        counters.invocations += 1
        try:
            instance = await self._acquire(fleet, counters)
        except TooManyRequests:
            counters.throttles += 1
            raise
        init_ms: float | None = None
        if instance is None:
            instance, init_ms, failure = await self._cold_start(fleet, self._free_uids.pop(0))
            counters.cold_starts += 1
            counters.cold_start_ms.append(init_ms)
            if failure is not None:
                counters.errors += 1
                return failed_result(spec, invocation, failure, init_ms)
        assert instance is not None
        try:
            credentials = (invocation.access_key, invocation.secret_key, invocation.security_token)
            outcome = await instance.invoke(invocation.request_id, invocation.event, credentials)
        finally:
            instance.in_flight -= 1
            fleet.idle_since[instance.id] = self._clock.now()
            if self._fleets.get(_key_pair(spec)) is not fleet and instance.in_flight == 0:
                await instance.kill(
                    InvocationError(wire.EXITED_UNEXPECTEDLY, "retired: the function changed")
                )
            fleet.notify()
        if outcome.error is not None:
            counters.errors += 1
        return result_of(spec, invocation, instance, outcome, init_ms)

    def _fleet_for(self, spec: InstanceSpec) -> Fleet:
        fleet = self._fleets.get(_key_pair(spec))
        if fleet is not None and (fleet.spec is spec or fleet.spec == spec):
            return fleet
        # Checked once per version, not per call: a warm invoke touches no file.
        self.runtimes.resolve(spec.runtime)
        for path in (spec.code_dir, spec.deps_dir):
            if path is not None and (not path.is_dir() or path.stat().st_mode & 0o005 != 0o005):
                raise InvalidArgument(f"{path} must be a directory readable by others (o+rx)")
        reserved = 0
        if fleet is not None:
            reserved = fleet.reserved
            # New code or configuration: idle instances of the old one go now, busy ones when done.
            for instance in fleet.instances:
                if instance.in_flight == 0:
                    asyncio.get_running_loop().create_task(
                        instance.kill(
                            InvocationError(wire.EXITED_UNEXPECTEDLY, "retired: the function changed")
                        )
                    )
        fleet = self._fleets[_key_pair(spec)] = Fleet(spec, reserved=min(reserved, spec.max_instances))
        self._top_up(fleet)  # a reservation moves to instances of the new spec
        return fleet

    async def _acquire(self, fleet: Fleet, counters: Counters) -> Instance | None:
        """A warm instance with room, or None when the caller may start one (slot reserved)."""
        spec = fleet.spec
        deadline = time.monotonic() + self._settings.queue_wait_s
        while True:
            for instance in reversed(fleet.instances):  # the most recently started first
                if instance.usable and instance.in_flight < spec.concurrency:
                    instance.in_flight += 1
                    return instance
            if fleet.starting * (spec.concurrency - 1) > fleet.waiting_on_start:
                # An instance that is starting will have room for this request too.
                fleet.waiting_on_start += 1
                try:
                    await fleet.changed.wait()
                finally:
                    fleet.waiting_on_start -= 1
                continue
            if len(fleet.instances) + fleet.starting < spec.max_instances and self._free_uids:
                fleet.starting += 1
                self._total += 1
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                limit = (
                    f"its maximum of {spec.max_instances} instances"
                    if len(fleet.instances) + fleet.starting >= spec.max_instances
                    else f"the region's maximum of {self._settings.max_total_instances} instances"
                )
                raise TooManyRequests(f"function {spec.name} is busy: it has reached {limit}; retry later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fleet.changed.wait(), remaining)

    async def _cold_start(
        self, fleet: Fleet, slot: int
    ) -> tuple[Instance | None, float, InstanceFailure | None]:
        """Start an instance in ``slot`` (taken from the free uids by the caller, before any await,
        so that a slot counted in ``fleet.starting`` always has its uid)."""
        started = time.monotonic()
        instance: Instance | None = None
        try:
            zygote = await self._zygote(fleet.spec.runtime)
            instance = Instance(
                uuid.uuid4().hex,
                fleet.spec,
                self._settings,
                zygote,
                self._settings.uid_base + slot,
                self._exited,
            )
            self._fleet_of[instance.id] = fleet
            init_ms = await instance.start()
        except InstanceFailure as failure:
            return None, (time.monotonic() - started) * 1000, failure
        except Exception as exc:
            if instance is None:
                self._free_uids.append(slot)
                self._total -= 1
            error = InvocationError(wire.SANDBOX_ERROR, f"cannot start an instance: {exc}")
            return None, (time.monotonic() - started) * 1000, InstanceFailure(error)
        finally:
            fleet.starting -= 1
            # Waiters run after this returns, so they see the instance appended below.
            fleet.notify()
        fleet.instances.append(instance)
        instance.in_flight = 1
        return instance, init_ms, None

    def _exited(self, instance: Instance) -> None:
        """Called once per instance when its process has been reaped (or never started)."""
        fleet = self._fleet_of.pop(instance.id, None)
        had_started = False
        if fleet is not None:
            if instance in fleet.instances:
                had_started = True
                fleet.instances.remove(instance)
            fleet.idle_since.pop(instance.id, None)
        self._free_uids.append(instance.uid - self._settings.uid_base)
        self._total -= 1
        for each in self._fleets.values():
            each.notify()
        # A reserved instance that died is replaced (by one of the version's current spec, which
        # may also have been waiting for the room this one leaves). One that never started is
        # not, here: a function whose start fails would be restarted in a tight loop; the next
        # ``reserve`` (the reservations' periodic pass) tries again.
        current = self._fleets.get(_key_pair(fleet.spec)) if fleet is not None else None
        if had_started and current is not None:
            self._top_up(current)

    # -- reserved instances -----------------------------------------------------------------

    def reserve(self, spec: InstanceSpec, count: int) -> None:
        """Keep ``count`` instances of ``spec`` started (at most ``spec.max_instances``); 0 ends it.

        The missing ones start in the background now; the reaper leaves that many alone; one
        that ends is replaced; a new spec for the same function version moves the reservation
        to instances of the new spec. They are ordinary instances of the version, so requests
        take them first and they count against its and the region's instance limits. Starting
        them is not an invocation: no cold start is counted.
        """
        fleet = self._fleet_for(spec)
        fleet.reserved = min(max(0, count), spec.max_instances)
        self._top_up(fleet)

    def unreserve(self, function_urn: str, version: str) -> None:
        """No reservation for this version any more: its idle instances are reaped as any."""
        fleet = self._fleets.get((function_urn, version))
        if fleet is not None:
            fleet.reserved = 0

    def _top_up(self, fleet: Fleet) -> None:
        if self._stopping or self._fleets.get(_key_pair(fleet.spec)) is not fleet:
            return
        usable = fleet.usable()
        for _ in range(fleet.reserved - usable - fleet.warming):
            if len(fleet.instances) + fleet.starting >= fleet.spec.max_instances or not self._free_uids:
                # Often for a moment only (an instance being killed still takes its room);
                # its exit, or the next reservations' pass, tries again.
                log.info(
                    "%s: %d instances reserved wait for room under its or the region's instance limit",
                    _key(fleet.spec),
                    fleet.reserved,
                )
                return
            fleet.starting += 1
            fleet.warming += 1
            self._total += 1
            task = asyncio.get_running_loop().create_task(self._warm(fleet, self._free_uids.pop(0)))
            self._warming.add(task)
            task.add_done_callback(self._warming.discard)

    async def _warm(self, fleet: Fleet, slot: int) -> None:
        try:
            instance, _, failure = await self._cold_start(fleet, slot)
        finally:
            fleet.warming -= 1
        if instance is None:
            reason = failure.error.message if failure is not None else "unknown"
            log.warning("a reserved instance of %s did not start: %s", _key(fleet.spec), reason)
            return
        instance.in_flight = 0
        fleet.idle_since[instance.id] = self._clock.now()
        if self._stopping or self._fleets.get(_key_pair(fleet.spec)) is not fleet:
            # The function changed (or the pool is stopping) while this one started.
            await instance.kill(InvocationError(wire.EXITED_UNEXPECTEDLY, "retired: the function changed"))
        fleet.notify()

    def retire(self, function_urn: str, version: str | None = None) -> int:
        """A deleted function (or one deleted version): its idle instances end now, busy ones as
        soon as their request is answered, instead of after the keep-alive. How many go."""
        retired = 0
        for key, fleet in list(self._fleets.items()):
            urn = fleet.spec.function_urn
            if not (urn == function_urn or urn.startswith(function_urn + ":")):
                continue
            if version is not None and fleet.spec.version != version:
                continue
            del self._fleets[key]
            gone = InvocationError(wire.EXITED_UNEXPECTEDLY, "retired: the function was deleted")
            for instance in fleet.instances:
                if instance.in_flight == 0:
                    asyncio.get_running_loop().create_task(instance.kill(gone))
            retired += len(fleet.instances)
        return retired

    def live(self, function_urn: str, version: str) -> int:
        """Started instances of one function version that can take requests."""
        fleet = self._fleets.get((function_urn, version))
        return 0 if fleet is None else fleet.usable()

    # -- keep-alive, stats, shutdown ----------------------------------------------------------

    async def reap_idle(self) -> int:
        """Kill instances idle for longer than the keep-alive, beyond a fleet's reserved ones; how many."""
        horizon = self._clock.now() - timedelta(seconds=self._settings.keep_alive_s)
        reaped = 0
        for fleet in list(self._fleets.values()):
            # The oldest go first: requests take the most recently started instances.
            spare = fleet.usable() - fleet.reserved
            for instance in list(fleet.instances):
                if spare <= 0:
                    break
                idle_since = fleet.idle_since.get(instance.id)
                if (
                    instance.usable
                    and instance.in_flight == 0
                    and idle_since is not None
                    and idle_since <= horizon
                ):
                    await instance.kill(
                        InvocationError(wire.EXITED_UNEXPECTEDLY, "reaped after its keep-alive")
                    )
                    reaped += 1
                    spare -= 1
        return reaped

    async def _reap_forever(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap_idle()
            except Exception:
                log.exception("reaping idle function instances failed")

    def stats(self) -> dict[str, FunctionStats]:
        """Per function version ("urn:version")."""
        live: dict[str, int] = {}
        for fleet in self._fleets.values():
            live[_key(fleet.spec)] = len(fleet.instances)
        # A version with reserved instances and no invocation yet has instances and no counters.
        counters = {**dict.fromkeys(live, Counters()), **self._counters}
        return {
            key: FunctionStats(
                c.invocations, c.errors, c.throttles, c.cold_starts, tuple(c.cold_start_ms), live.get(key, 0)
            )
            for key, c in counters.items()
        }

    @property
    def instance_count(self) -> int:
        return self._total

    async def stop(self) -> None:
        self._stopping = True  # no reserved instance is started or replaced from now on
        for task in list(self._warming):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        instances = [instance for fleet in self._fleets.values() for instance in fleet.instances]
        for zygote in self._zygotes.values():
            await zygote.stop()
        self._zygotes.clear()
        for instance in instances:
            await instance.wait_closed()
        self._fleets.clear()


def _key_pair(spec: InstanceSpec) -> tuple[str, str]:
    return spec.function_urn, spec.version


def _key(spec: InstanceSpec) -> str:
    return f"{spec.function_urn}:{spec.version}"
