"""Handlers for a bucket's event notification configuration (?notification).

The events themselves are published by ObjectService through notifications.ObjectEvents.
"""

from __future__ import annotations

from starlette.responses import Response

from welkin.obs import notifications
from welkin.obs.buckets import BucketService
from welkin.obs.s3api.request import S3Request
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import parse, xml_response

MAX_DOCUMENT = 1 << 20


class NotificationHandlers:
    def __init__(self, buckets: BucketService) -> None:
        self._buckets = buckets

    def register(self, routes: Routes) -> None:
        routes.add("PUT", "bucket", "notification", "PutBucketNotificationConfiguration", self.put)
        routes.add("GET", "bucket", "notification", "GetBucketNotificationConfiguration", self.get)

    async def put(self, req: S3Request) -> Response:
        root = parse(await req.body(MAX_DOCUMENT), "NotificationConfiguration")
        configs = notifications.parse_configuration(root)
        document = notifications.to_json(configs) if configs else None
        await self._buckets.set_document(req.the_bucket().name, "notification", document)
        return Response(status_code=200)

    async def get(self, req: S3Request) -> Response:
        configs = notifications.from_json(req.the_bucket().notification)
        return xml_response("NotificationConfiguration", notifications.render(configs))
