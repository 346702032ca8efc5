"""The one access decision of object storage, combining IAM, the bucket policy and ACLs.

Inputs (:class:`AccessRequest`):

* ``operation``: what is attempted (:mod:`welkin.obs.operations`);
* ``bucket_owner``: the account owning the bucket; ``None`` where there is none yet
  or the operation is on the service (``ListBuckets``, ``CreateBucket``);
* ``object_owner``: the account owning the object, for object operations;
* ``requester``: anonymous, an account root (or administrator), or a user;
* ``iam``: the requester's IAM decision in its own account, as
  ``PermissionService.decide`` gives it; for a user of the bucket owner's account
  this is the owner's IAM; ignored for anonymous and root requesters;
* ``policy``: the bucket policy's decision (``NO_MATCH`` when there is no policy);
* ``acl``: the ACL the operation consults (the bucket's, or the object's, per
  ``operation.acl_resource``), or ``None`` if there is none.

Rules, in order:

1. An explicit Deny wins: by the bucket policy, or by the requester's own IAM.
2. Service operations and buckets not yet created: only the requester's account
   speaks. Anonymous is denied; a root is allowed; a user needs an IAM Allow.
3. Anonymous requests: allowed by a bucket policy Allow (which must then name
   ``"*"``) or by an ACL grant to ``AllUsers``; nothing else.
4. The bucket owner's account: its root may do everything, objects others wrote
   included. Its users are allowed by an IAM Allow, a bucket policy Allow, or an
   ACL grant to a group (``AllUsers``/``AuthenticatedUsers``); a grant to the account
   itself speaks for the root, whose users get it only through IAM.
5. Any other account: the bucket side must grant, by a bucket policy Allow or an
   ACL grant to the account or a group it is in (the object's owner also always
   holds READ_ACP and WRITE_ACP on its object); operations marked
   ``owner_account_only`` (the bucket's policy) are never granted to another
   account. Then, as in AWS, the requester's own side must allow too: a root
   always does, a user needs an IAM Allow from its own account.

The result says whether the request is allowed and why, for logs and the
``AccessDenied`` message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from welkin.iam.policy import Decision as IamDecision
from welkin.obs.acl import AccessControlList, Grant, Permission, matching_grants
from welkin.obs.bucket_policy import Decision as PolicyDecision
from welkin.obs.operations import Level, Operation
from welkin.obs.requester import Requester, RequesterKind


class Reason(enum.Enum):
    """Why a request was allowed or denied; the value is the sentence said."""

    BUCKET_OWNER = "the requester is the bucket owner"
    OWN_ACCOUNT = "the requester acts within its own account"
    IAM_ALLOWS = "an IAM policy allows it"
    POLICY_ALLOWS = "the bucket policy allows it"
    ACL_GRANTS = "the ACL grants it"
    OWNER_OF_OBJECT = "the requester owns the object"
    POLICY_DENIES = "the bucket policy explicitly denies it"
    IAM_DENIES = "an IAM policy explicitly denies it"
    ANONYMOUS = "anonymous requests may not do this"
    NO_IAM_ALLOW = "no IAM policy allows it"
    NOT_GRANTED = "neither the bucket policy nor the ACL grants it"
    OWNER_ACCOUNT_ONLY = "only the bucket owner's account may do this"
    REQUESTER_IAM = "the bucket grants it, but the requester's own IAM policies do not allow it"


@dataclass(frozen=True, slots=True)
class AccessRequest:
    operation: Operation
    bucket_owner: str | None
    object_owner: str | None
    requester: Requester
    iam: IamDecision
    policy: PolicyDecision
    acl: AccessControlList | None


@dataclass(frozen=True, slots=True)
class AccessResult:
    allowed: bool
    reason: Reason

    @property
    def message(self) -> str:
        verdict = "Allowed" if self.allowed else "Access denied"
        return f"{verdict}: {self.reason.value}"


def _allow(reason: Reason) -> AccessResult:
    return AccessResult(allowed=True, reason=reason)


def _deny(reason: Reason) -> AccessResult:
    return AccessResult(allowed=False, reason=reason)


def decide_access(request: AccessRequest) -> AccessResult:
    """Apply the rules of this module's docstring to ``request``."""
    requester = request.requester
    consults_iam = requester.kind is RequesterKind.USER
    if request.policy is PolicyDecision.DENY:
        return _deny(Reason.POLICY_DENIES)
    if consults_iam and request.iam is IamDecision.DENY:
        return _deny(Reason.IAM_DENIES)

    operation = request.operation
    if operation.level is Level.SERVICE or request.bucket_owner is None:
        if requester.is_anonymous:
            return _deny(Reason.ANONYMOUS)
        if not consults_iam:
            return _allow(Reason.OWN_ACCOUNT)
        return _allow(Reason.IAM_ALLOWS) if request.iam is IamDecision.ALLOW else _deny(Reason.NO_IAM_ALLOW)

    grants = _acl_grants(request)
    if requester.is_anonymous:
        if request.policy is PolicyDecision.ALLOW:
            return _allow(Reason.POLICY_ALLOWS)
        return _allow(Reason.ACL_GRANTS) if grants else _deny(Reason.ANONYMOUS)

    if requester.account_id == request.bucket_owner:
        if not consults_iam:
            return _allow(Reason.BUCKET_OWNER)
        if request.iam is IamDecision.ALLOW:
            return _allow(Reason.IAM_ALLOWS)
        if request.policy is PolicyDecision.ALLOW:
            return _allow(Reason.POLICY_ALLOWS)
        if any(grant.grantee.is_group for grant in grants):
            return _allow(Reason.ACL_GRANTS)
        return _deny(Reason.NO_IAM_ALLOW)

    if operation.owner_account_only:
        return _deny(Reason.OWNER_ACCOUNT_ONLY)
    if request.policy is PolicyDecision.ALLOW:
        bucket_side = Reason.POLICY_ALLOWS
    elif grants:
        bucket_side = Reason.ACL_GRANTS
    elif _owns_object_acl(request):
        bucket_side = Reason.OWNER_OF_OBJECT
    else:
        return _deny(Reason.NOT_GRANTED)
    if consults_iam and request.iam is not IamDecision.ALLOW:
        return _deny(Reason.REQUESTER_IAM)
    return _allow(bucket_side)


def _acl_grants(request: AccessRequest) -> tuple[Grant, ...]:
    permission = request.operation.acl_permission
    if request.acl is None or permission is None:
        return ()
    return matching_grants(request.acl, request.requester, permission)


def _owns_object_acl(request: AccessRequest) -> bool:
    # An object's owner may always read and replace its ACL, whoever owns the bucket.
    operation = request.operation
    return (
        operation.level is Level.OBJECT
        and operation.acl_resource is Level.OBJECT
        and operation.acl_permission in (Permission.READ_ACP, Permission.WRITE_ACP)
        and request.object_owner is not None
        and request.object_owner == request.requester.account_id
    )
