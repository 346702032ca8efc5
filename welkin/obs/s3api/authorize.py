"""Who may do what: gathers the inputs of :func:`welkin.obs.access.decide_access` for one request.

Requesters: an unsigned request is anonymous; every signed one is a *user* of its
account, its account's administrators included. Huawei IAM already says what an
administrator may do (the ``admin`` group holds ``te_admin``, which allows every OBS
action), so letting IAM speak for them keeps one source of truth: a user taken out
of that group loses its rights at once, and an explicit IAM Deny binds an
administrator too. ``Requester.root`` is therefore not produced here.

The object ACL is read only when the bucket policy, IAM and the bucket ACL have not
already allowed the request, since it costs a metadata read.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from starlette.requests import Request

from welkin.core import errors as core
from welkin.core.clock import Clock
from welkin.core.http import client_ip
from welkin.iam.conditions import ContextValue
from welkin.iam.models import Principal
from welkin.iam.policy import Decision as IamDecision
from welkin.iam.service import Iam
from welkin.obs.access import AccessRequest, AccessResult, Reason, decide_access
from welkin.obs.acl_documents import load_acl
from welkin.obs.bucket_policy import BucketPolicy, PolicyRequest, evaluate, parse_bucket_policy
from welkin.obs.bucket_policy import Decision as PolicyDecision
from welkin.obs.buckets import BucketService
from welkin.obs.models import Bucket
from welkin.obs.objects import ObjectService
from welkin.obs.operations import OPERATIONS, Level, Operation, iam_action, policy_action
from welkin.obs.requester import Requester
from welkin.obs.s3api.copy_source import parse_copy_source
from welkin.obs.s3api.request import S3Request

log = logging.getLogger("welkin.obs.access")

_POLICY_CACHE_SIZE = 512
_DENIALS = (Reason.POLICY_DENIES, Reason.IAM_DENIES)
# What S3 says, whatever the reason: the reason itself is logged, not sent.
DENIED_MESSAGE = "Access Denied"
_NO_CONTEXT: Mapping[str, ContextValue] = MappingProxyType({})


def requester_of(principal: Principal | None) -> Requester:
    if principal is None:
        return Requester.anonymous()
    return Requester.user(principal.account_id, principal.user_id, principal.user_name)


def operation_named(name: str, level: Level) -> Operation:
    """The access rules of ``name``; an operation missing from the table is the bucket owner's alone."""
    found = OPERATIONS.get(name)
    if found is not None:
        return found
    kind = "object" if level is Level.OBJECT else "bucket"
    return Operation(name, level, f"s3:{name}", f"obs:{kind}:{name}", None, owner_account_only=True)


class Authorizer:
    def __init__(self, iam: Iam, buckets: BucketService, objects: ObjectService, clock: Clock) -> None:
        self._iam = iam
        self._buckets = buckets
        self._objects = objects
        self._clock = clock
        self._policies: OrderedDict[tuple[str, str], BucketPolicy] = OrderedDict()

    async def authorize(self, req: S3Request) -> None:
        """Raise AccessDenied unless the request's operation is allowed, its copy source included."""
        level = Level.OBJECT if req.key else Level.BUCKET if req.bucket_name else Level.SERVICE
        operation = operation_named(req.operation, level)
        version_id = req.query.get("versionId")
        await self.check(req, operation, req.bucket, req.key, version_id)
        if operation.reads_source:
            source_bucket, source_key, source_version = _copy_source(req.headers)
            bucket = await self._buckets.get(source_bucket)
            await self.check(req, OPERATIONS["GetObject"], bucket, source_key, source_version)

    async def check(
        self,
        req: S3Request,
        operation: Operation,
        bucket: Bucket | None,
        key: str | None,
        version_id: str | None,
    ) -> None:
        await self.check_as(req.requester, self._context(req), operation, bucket, key, version_id)

    async def check_as(
        self,
        principal: Principal | None,
        context: Mapping[str, ContextValue],
        operation: Operation,
        bucket: Bucket | None,
        key: str | None,
        version_id: str | None,
    ) -> None:
        """The check of one operation by ``principal`` (None: anonymous), outside an S3 request too.

        Other services read objects on a caller's behalf through this, so that the
        caller's IAM policies, the bucket policy and the ACLs all apply as they would to S3.
        """
        result = await self._decide(principal, context, operation, bucket, key, version_id)
        if not result.allowed:
            log.info("denied %s by %s: %s", operation.name, requester_of(principal), result.reason.value)
            raise core.AccessDenied(DENIED_MESSAGE)

    async def allows(
        self,
        principal: Principal | None,
        operation: Operation,
        bucket: Bucket | None,
        key: str | None = None,
        version_id: str | None = None,
        context: Mapping[str, ContextValue] = _NO_CONTEXT,
    ) -> bool:
        """Whether :meth:`check_as` would let ``principal`` do ``operation``; nothing is logged.

        For a caller that shows what may be done (a console deciding which buttons to
        offer) rather than doing it. ``context`` holds the condition keys of bucket
        policies (``aws:SourceIp``, ...); a statement conditioned on a key it lacks does
        not match, so pass the caller's own request's when a policy may depend on them.
        """
        result = await self._decide(principal, context, operation, bucket, key, version_id)
        return result.allowed

    async def _decide(
        self,
        principal: Principal | None,
        context: Mapping[str, ContextValue],
        operation: Operation,
        bucket: Bucket | None,
        key: str | None,
        version_id: str | None,
    ) -> AccessResult:
        requester = requester_of(principal)
        resource = _iam_resource(operation, bucket, key)
        iam = IamDecision.IMPLICIT_DENY
        if principal is not None:
            iam = await self._iam.permissions.decide(principal, iam_action(operation, version_id), resource)
        policy = PolicyDecision.NO_MATCH
        if bucket is not None and bucket.policy:
            arn = f"arn:aws:s3:::{bucket.name}" + (
                f"/{key}" if key and operation.level is Level.OBJECT else ""
            )
            policy_request = PolicyRequest(requester, policy_action(operation, version_id), arn, context)
            policy = evaluate(self._policy(bucket.name, bucket.policy), policy_request)
        owner = bucket.account_id if bucket is not None else None
        bucket_acl = load_acl(bucket.acl, bucket.account_id) if bucket is not None else None
        uses_object_acl = operation.acl_resource is Level.OBJECT and key is not None
        access = AccessRequest(
            operation, owner, None, requester, iam, policy, None if uses_object_acl else bucket_acl
        )
        result = decide_access(access)
        if not result.allowed and uses_object_acl and bucket is not None and result.reason not in _DENIALS:
            result = await self._with_object_acl(access, bucket, key or "", version_id)
        return result

    async def _with_object_acl(
        self, access: AccessRequest, bucket: Bucket, key: str, version_id: str | None
    ) -> AccessResult:
        try:
            obj = await self._objects.head(bucket, key, version_id)
        except core.WelkinError:
            # Missing (or a delete marker): say AccessDenied, as S3 does to whoever may not list.
            return decide_access(access)
        acl = load_acl(obj.attributes.acl, obj.owner_id, bucket.account_id)
        return decide_access(
            AccessRequest(
                access.operation,
                access.bucket_owner,
                obj.owner_id,
                access.requester,
                access.iam,
                access.policy,
                acl,
            )
        )

    def _policy(self, bucket: str, text: str) -> BucketPolicy:
        cache_key = (bucket, text)
        found = self._policies.get(cache_key)
        if found is None:
            found = parse_bucket_policy(text, bucket)
            self._policies[cache_key] = found
            if len(self._policies) > _POLICY_CACHE_SIZE:
                self._policies.popitem(last=False)
        else:
            self._policies.move_to_end(cache_key)
        return found

    def _context(self, req: S3Request) -> dict[str, ContextValue]:
        headers = req.headers
        context = request_context(req.request, self._clock.now())
        for name in ("prefix", "delimiter", "max-keys"):
            if name in req.query:
                context[f"s3:{name}"] = req.query[name]
        acl = headers.get("x-amz-acl") or headers.get("x-obs-acl")
        if acl:
            context["s3:x-amz-acl"] = acl
        return context


def request_context(request: Request, now: datetime) -> dict[str, ContextValue]:
    """The condition keys any HTTP request has, for a check made on its behalf (a console's too)."""
    headers = request.headers
    return {
        "aws:SourceIp": client_ip(request),
        "aws:SecureTransport": request.url.scheme == "https",
        "aws:CurrentTime": now,
        "aws:EpochTime": int(now.timestamp()),
        "aws:UserAgent": headers.get("user-agent", ""),
        "aws:Referer": headers.get("referer", ""),
    }


def _iam_resource(operation: Operation, bucket: Bucket | None, key: str | None) -> str | None:
    if bucket is None:
        return None
    if operation.level is Level.OBJECT and key is not None:
        return f"obs:{bucket.region}:{bucket.account_id}:object:{bucket.name}/{key}"
    return f"obs:{bucket.region}:{bucket.account_id}:bucket:{bucket.name}"


def _copy_source(headers: Mapping[str, str]) -> tuple[str, str, str | None]:
    source = parse_copy_source(headers.get("x-amz-copy-source", ""))
    return source.bucket, source.key, source.version_id
