"""Who may do what: the requester's IAM policies, the bucket's policy and ACLs."""

from __future__ import annotations

import json

from welkin.core import errors as core
from welkin.iam.policy import Decision
from welkin.iam.service import Iam
from welkin.obs.buckets import BucketService
from welkin.obs.s3api.request import S3Request

_READS = frozenset({"GetObject", "HeadObject", "ListObjects", "ListObjectsV2", "HeadBucket"})
_IAM_ACTIONS = {
    "ListBuckets": "obs:bucket:ListAllMyBuckets",
    "CreateBucket": "obs:bucket:CreateBucket",
    "DeleteBucket": "obs:bucket:DeleteBucket",
    "HeadBucket": "obs:bucket:HeadBucket",
    "GetBucketLocation": "obs:bucket:GetBucketLocation",
    "ListObjects": "obs:bucket:ListBucket",
    "ListObjectsV2": "obs:bucket:ListBucket",
    "PutObject": "obs:object:PutObject",
    "GetObject": "obs:object:GetObject",
    "HeadObject": "obs:object:GetObject",
    "DeleteObject": "obs:object:DeleteObject",
}


class Authorizer:
    def __init__(self, iam: Iam, buckets: BucketService) -> None:
        self._iam = iam
        self._buckets = buckets

    async def authorize(self, req: S3Request) -> None:
        requester = req.requester
        bucket = req.bucket
        if requester is None:
            if (
                bucket is not None
                and req.operation in _READS
                and json.loads(bucket.acl)
                in (
                    "public-read",
                    "public-read-write",
                )
            ):
                return
            raise core.AccessDenied("Access Denied")
        if bucket is not None and bucket.account_id != requester.account_id:
            raise core.AccessDenied("Access Denied")
        action = _IAM_ACTIONS.get(req.operation, "obs:*:*")
        account = bucket.account_id if bucket is not None else requester.account_id
        if bucket is None:
            resource = None
        elif req.key:
            resource = f"obs:{bucket.region}:{account}:object:{bucket.name}/{req.key}"
        else:
            resource = f"obs:{bucket.region}:{account}:bucket:{bucket.name}"
        if await self._iam.permissions.decide(requester, action, resource) is not Decision.ALLOW:
            raise core.AccessDenied("Access Denied")
