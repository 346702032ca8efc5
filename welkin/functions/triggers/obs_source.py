"""OBS triggers: the durable consumer of the bus topic ``obs.events`` that invokes functions.

Events reach the bus only for the bucket notification configurations that select
them (see ``bucket_link.py``): an OBS trigger's configuration has the id
``fgs-trigger-<trigger id>``. For each such event the consumer checks that the
trigger still exists, is ACTIVE, and was made for that bucket by the bucket's owner
account (so a configuration copied onto another bucket invokes nothing), asks the
loop guard, and queues an asynchronous invocation with the S3 event record
(``{"Records": [...]}``).

Delivery is at least once: the bus moves this consumer's cursor (kept in the
database, so it survives a restart) only after the invocation was queued, and
retries with backoff while queueing fails.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from welkin.core import errors
from welkin.core.clock import Clock
from welkin.core.db import Database
from welkin.core.events import Event, EventBus
from welkin.functions.invoker import InvokeRequest
from welkin.functions.triggers import store
from welkin.functions.triggers.bucket_link import trigger_id_of
from welkin.functions.triggers.invoking import Invoking
from welkin.functions.triggers.loop_guard import LoopGuard
from welkin.functions.triggers.models import Trigger, TriggerType
from welkin.obs.notifications import EVENT_TOPIC

log = logging.getLogger("welkin.functions.obs")

CONSUMER = "functiongraph.obs-triggers"


@dataclass(frozen=True)
class _Addressed:
    """What routing needs of an event record."""

    record: dict[str, Any]
    trigger_id: str
    bucket: str
    owner: str
    key: str


def _addressed(event: Event) -> _Addressed | None:
    """The record of a trigger's event; None for anything else (a user's own configuration)."""
    records = event.payload.get("Records")
    target = event.payload.get("target")
    if not isinstance(records, list) or len(records) != 1 or not isinstance(target, dict):
        return None
    if target.get("kind") != "CloudFunction" or not isinstance(records[0], dict):
        return None
    record: dict[str, Any] = records[0]
    try:
        s3 = record["s3"]
        trigger_id = trigger_id_of(str(s3["configurationId"]))
        bucket, owner = s3["bucket"]["name"], s3["bucket"]["ownerIdentity"]["principalId"]
        key = s3["object"]["key"]
    except (KeyError, TypeError):
        # Retrying a record that cannot be read would hold back every trigger behind it.
        log.error("OBS event %d is not an S3 event record; skipped", event.seq)
        return None
    if trigger_id is None:
        return None
    return _Addressed(record, trigger_id, str(bucket), str(owner), str(key))


def _belongs(trigger: Trigger, event: _Addressed) -> bool:
    return (
        trigger.type is TriggerType.OBS
        and event.bucket == trigger.event_data["bucket"]
        and event.owner == trigger.account_id
    )


class ObsTriggers:
    def __init__(self, db: Database, clock: Clock, invoker: Invoking, guard: LoopGuard) -> None:
        self._db = db
        self._clock = clock
        self._invoker = invoker
        self._guard = guard

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(CONSUMER, EVENT_TOPIC, self.deliver)

    async def deliver(self, event: Event) -> None:
        found = _addressed(event)
        if found is None:
            return
        trigger = await self._db.run_read(lambda conn: store.trigger(conn, found.trigger_id))
        if trigger is None or not trigger.active or not _belongs(trigger, found):
            return
        if not self._guard.admit(trigger.id, found.bucket, found.key, self._clock.now()):
            log.warning(
                "OBS trigger %s: %s/%s keeps firing %s; dropping its events as a loop",
                trigger.id,
                found.bucket,
                found.key,
                trigger.function_name,
            )
            return
        payload = json.dumps({"Records": [found.record]}).encode()
        try:
            await self._invoker.invoke_async(InvokeRequest(trigger.project_id, trigger.ref, payload, "obs"))
        except errors.WelkinError as exc:
            if exc.status >= 500:
                raise  # the queue is down: the bus retries this event
            # Refused for good (the function is gone, say): retrying would hold back every trigger.
            log.warning("OBS trigger %s: invocation refused, event dropped: %s", trigger.id, exc.message)
