"""How an OBS trigger makes its bucket publish the events it wants.

The OBS service publishes an object event on the bus only for a notification
configuration of the bucket that selects it. An OBS trigger therefore keeps one
``CloudFunctionConfiguration`` in its bucket's notification document, with the id
``fgs-trigger-<trigger id>``, the function's URN as target and the trigger's events
and prefix/suffix filter; the trigger consumer recognises its events by that id.
The entry is written when the trigger is made and removed when it is deleted.
Changes to the document are read-modify-write, serialised within this process so
that triggers made at once on one bucket do not drop each other's entries.
"""

from __future__ import annotations

import asyncio

from welkin.core import errors
from welkin.functions.triggers.event_data import s3_events
from welkin.functions.triggers.models import Trigger
from welkin.iam import actions
from welkin.iam.models import Principal
from welkin.iam.permissions import PermissionService
from welkin.obs import notifications
from welkin.obs.buckets import BucketService
from welkin.obs.errors import NoSuchBucket

CONFIG_PREFIX = "fgs-trigger-"
KIND = "CloudFunctionConfiguration"


def trigger_id_of(configuration_id: str) -> str | None:
    return (
        configuration_id.removeprefix(CONFIG_PREFIX) if configuration_id.startswith(CONFIG_PREFIX) else None
    )


class BucketLink:
    def __init__(self, buckets: BucketService, permissions: PermissionService) -> None:
        self._buckets = buckets
        self._permissions = permissions
        self._writing = asyncio.Lock()

    async def attach(self, principal: Principal, trigger: Trigger, target_urn: str) -> None:
        """Add the trigger's configuration; the caller must own the bucket and may set its notifications."""
        data = trigger.event_data
        name = data["bucket"]
        try:
            bucket = await self._buckets.get(name)
        except NoSuchBucket:
            raise errors.InvalidArgument(f"OBS trigger: there is no bucket {name!r}.") from None
        if bucket.account_id != trigger.account_id:
            raise errors.AccessDenied(f"OBS trigger: bucket {name!r} is not one of your account's buckets.")
        resource = f"obs:{bucket.region}:{bucket.account_id}:bucket:{bucket.name}"
        await self._permissions.authorize(principal, actions.OBS_PUT_BUCKET_NOTIFICATION, resource)
        async with self._writing:
            await self._add(trigger, target_urn)

    async def _add(self, trigger: Trigger, target_urn: str) -> None:
        data = trigger.event_data
        name = data["bucket"]
        configs = notifications.from_json((await self._buckets.get(name)).notification)
        if len(configs) >= notifications.MAX_CONFIGURATIONS:
            raise errors.QuotaExceeded(
                f"Bucket {name!r} has {len(configs)} notification configurations already."
            )
        events = s3_events(data["events"])
        mine = notifications.NotificationConfig(
            KIND, CONFIG_PREFIX + trigger.id, target_urn, events, data["prefix"], data["suffix"]
        )
        await self._buckets.set_document(name, "notification", notifications.to_json([*configs, mine]))

    async def detach(self, trigger: Trigger) -> None:
        """Remove the trigger's configuration, if the bucket and the entry are still there."""
        name = trigger.event_data["bucket"]
        async with self._writing:
            try:
                bucket = await self._buckets.get(name)
            except NoSuchBucket:
                return
            configs = notifications.from_json(bucket.notification)
            kept = [c for c in configs if c.id != CONFIG_PREFIX + trigger.id]
            if len(kept) != len(configs):
                document = notifications.to_json(kept) if kept else None
                await self._buckets.set_document(name, "notification", document)
