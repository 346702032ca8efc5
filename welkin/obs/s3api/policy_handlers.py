"""?policy on buckets: the bucket policy document, validated before it is stored."""

from __future__ import annotations

from starlette.responses import Response

from welkin.obs import errors
from welkin.obs.bucket_policy import MAX_POLICY_BYTES, parse_bucket_policy
from welkin.obs.buckets import BucketService
from welkin.obs.s3api.request import S3Request
from welkin.obs.s3api.routing import Routes


class PolicyHandlers:
    def __init__(self, buckets: BucketService) -> None:
        self._buckets = buckets

    def register(self, routes: Routes) -> None:
        routes.add("GET", "bucket", "policy", "GetBucketPolicy", self.get_policy)
        routes.add("PUT", "bucket", "policy", "PutBucketPolicy", self.put_policy)
        routes.add("DELETE", "bucket", "policy", "DeleteBucketPolicy", self.delete_policy)

    async def get_policy(self, req: S3Request) -> Response:
        policy = req.the_bucket().policy
        if policy is None:
            raise errors.NoSuchBucketPolicy("The bucket policy does not exist")
        return Response(policy, 200, media_type="application/json")

    async def put_policy(self, req: S3Request) -> Response:
        bucket = req.the_bucket()
        body = await req.body(MAX_POLICY_BYTES)
        parse_bucket_policy(body, bucket.name)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise errors.MalformedPolicy("Policies must be valid UTF-8 JSON") from None
        await self._buckets.set_document(bucket.name, "policy", text)
        return Response(status_code=204)

    async def delete_policy(self, req: S3Request) -> Response:
        await self._buckets.set_document(req.the_bucket().name, "policy", None)
        return Response(status_code=204)
