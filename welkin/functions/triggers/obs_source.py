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


def _record(event: Event) -> dict[str, Any] | None:
    records = event.payload.get("Records")
    target = event.payload.get("target")
    if not isinstance(records, list) or len(records) != 1 or not isinstance(target, dict):
        return None
    if target.get("kind") != "CloudFunction" or not isinstance(records[0], dict):
        return None
    record: dict[str, Any] = records[0]
    return record


def _belongs(trigger: Trigger, record: dict[str, Any]) -> bool:
    bucket = record["s3"]["bucket"]
    owner = bucket.get("ownerIdentity", {}).get("principalId")
    return (
        trigger.type is TriggerType.OBS
        and bucket.get("name") == trigger.event_data["bucket"]
        and (owner == trigger.account_id)
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
        record = _record(event)
        if record is None:
            return
        trigger_id = trigger_id_of(str(record.get("s3", {}).get("configurationId", "")))
        if trigger_id is None:
            return  # a notification configuration of the user's own, not a trigger's
        trigger = await self._db.run_read(lambda conn: store.trigger(conn, trigger_id))
        if trigger is None or not trigger.active or not _belongs(trigger, record):
            return
        bucket, key = record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]
        if not self._guard.admit(trigger.id, bucket, key, self._clock.now()):
            log.warning(
                "OBS trigger %s: %s/%s keeps firing %s; dropping its events as a loop",
                trigger.id,
                bucket,
                key,
                trigger.function_name,
            )
            return
        payload = json.dumps({"Records": [record]}).encode()
        try:
            await self._invoker.invoke_async(InvokeRequest(trigger.project_id, trigger.ref, payload, "obs"))
        except errors.WelkinError as exc:
            if exc.status >= 500:
                raise  # the queue is down: the bus retries this event
            # Refused for good (the function is gone, say): retrying would hold back every trigger.
            log.warning("OBS trigger %s: invocation refused, event dropped: %s", trigger.id, exc.message)
