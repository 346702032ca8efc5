"""Handlers for a bucket's lifecycle configuration (?lifecycle); lifecycle.py applies it."""

from __future__ import annotations

from starlette.responses import Response

from welkin.obs import errors, lifecycle_rules
from welkin.obs.buckets import BucketService
from welkin.obs.s3api.request import S3Request
from welkin.obs.s3api.routing import Routes
from welkin.obs.s3api.xml import parse, xml_response

MAX_DOCUMENT = 1 << 20


class LifecycleHandlers:
    def __init__(self, buckets: BucketService) -> None:
        self._buckets = buckets

    def register(self, routes: Routes) -> None:
        routes.add("PUT", "bucket", "lifecycle", "PutBucketLifecycleConfiguration", self.put)
        routes.add("GET", "bucket", "lifecycle", "GetBucketLifecycleConfiguration", self.get)
        routes.add("DELETE", "bucket", "lifecycle", "DeleteBucketLifecycle", self.delete)

    async def put(self, req: S3Request) -> Response:
        rules = lifecycle_rules.parse_configuration(
            parse(await req.body(MAX_DOCUMENT), "LifecycleConfiguration")
        )
        await self._buckets.set_document(req.the_bucket().name, "lifecycle", lifecycle_rules.to_json(rules))
        return Response(status_code=200)

    async def get(self, req: S3Request) -> Response:
        rules = lifecycle_rules.from_json(req.the_bucket().lifecycle)
        if not rules:
            raise errors.NoSuchLifecycleConfiguration("The lifecycle configuration does not exist")
        tree = {"Rule": [lifecycle_rules.render(rule) for rule in rules]}
        return xml_response("LifecycleConfiguration", tree)

    async def delete(self, req: S3Request) -> Response:
        await self._buckets.set_document(req.the_bucket().name, "lifecycle", None)
        return Response(status_code=204)
