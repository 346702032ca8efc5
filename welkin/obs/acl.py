"""Access control lists of buckets and objects, and the canned ACLs that build them.

An ACL is an owner and a list of grants; each grant gives one permission to one
grantee: an account (S3's canonical user, here the account id) or one of the groups
``AllUsers`` (anyone, signed or not) and ``AuthenticatedUsers`` (anyone who signs).
``FULL_CONTROL`` implies the other four permissions. On a bucket, READ lists the
objects and WRITE creates, overwrites and deletes them; on an object, READ reads it
and WRITE means nothing. READ_ACP and WRITE_ACP read and replace the ACL itself.

A grant to an account speaks for the account; whether one of its users may use it
is for :mod:`welkin.obs.access` to say.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from welkin.obs.requester import Requester

ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


class Permission(enum.Enum):
    READ = "READ"
    WRITE = "WRITE"
    READ_ACP = "READ_ACP"
    WRITE_ACP = "WRITE_ACP"
    FULL_CONTROL = "FULL_CONTROL"

    def covers(self, wanted: Permission) -> bool:
        return self is wanted or self is Permission.FULL_CONTROL


class GranteeKind(enum.Enum):
    ACCOUNT = "CanonicalUser"
    ALL_USERS = "AllUsers"
    AUTHENTICATED_USERS = "AuthenticatedUsers"


@dataclass(frozen=True, slots=True)
class Grantee:
    kind: GranteeKind
    account_id: str | None = None

    def __post_init__(self) -> None:
        if (self.account_id is not None) is not (self.kind is GranteeKind.ACCOUNT):
            raise ValueError("an account grantee names its account; a group grantee names none")

    @classmethod
    def account(cls, account_id: str) -> Grantee:
        return cls(GranteeKind.ACCOUNT, account_id)

    @property
    def is_group(self) -> bool:
        return self.kind is not GranteeKind.ACCOUNT

    def includes(self, requester: Requester) -> bool:
        if self.kind is GranteeKind.ALL_USERS:
            return True
        if self.kind is GranteeKind.AUTHENTICATED_USERS:
            return not requester.is_anonymous
        return requester.account_id == self.account_id


ALL_USERS = Grantee(GranteeKind.ALL_USERS)
AUTHENTICATED_USERS = Grantee(GranteeKind.AUTHENTICATED_USERS)


@dataclass(frozen=True, slots=True)
class Grant:
    grantee: Grantee
    permission: Permission


@dataclass(frozen=True, slots=True)
class AccessControlList:
    owner_id: str
    grants: tuple[Grant, ...]


class CannedAcl(enum.Enum):
    """The ``x-amz-acl`` values; each names a whole ACL relative to its owners."""

    PRIVATE = "private"
    PUBLIC_READ = "public-read"
    PUBLIC_READ_WRITE = "public-read-write"
    AUTHENTICATED_READ = "authenticated-read"
    BUCKET_OWNER_READ = "bucket-owner-read"
    BUCKET_OWNER_FULL_CONTROL = "bucket-owner-full-control"

    def acl(self, owner_id: str, bucket_owner_id: str | None = None) -> AccessControlList:
        """The ACL this canned ACL gives a resource owned by ``owner_id``.

        ``bucket_owner_id`` is the owner of the bucket an object is in; the two
        ``bucket-owner-*`` ACLs grant it something only on objects of another owner,
        and are plain ``private`` on a bucket, as in S3.
        """
        grants = [Grant(Grantee.account(owner_id), Permission.FULL_CONTROL)]
        if self is CannedAcl.PUBLIC_READ:
            grants.append(Grant(ALL_USERS, Permission.READ))
        elif self is CannedAcl.PUBLIC_READ_WRITE:
            grants += [Grant(ALL_USERS, Permission.READ), Grant(ALL_USERS, Permission.WRITE)]
        elif self is CannedAcl.AUTHENTICATED_READ:
            grants.append(Grant(AUTHENTICATED_USERS, Permission.READ))
        elif bucket_owner_id is not None and bucket_owner_id != owner_id:
            if self is CannedAcl.BUCKET_OWNER_READ:
                grants.append(Grant(Grantee.account(bucket_owner_id), Permission.READ))
            elif self is CannedAcl.BUCKET_OWNER_FULL_CONTROL:
                grants.append(Grant(Grantee.account(bucket_owner_id), Permission.FULL_CONTROL))
        return AccessControlList(owner_id=owner_id, grants=tuple(grants))


def matching_grants(
    acl: AccessControlList, requester: Requester, permission: Permission
) -> tuple[Grant, ...]:
    """The grants of ``acl`` giving ``requester`` (as its account, or a group it is in) ``permission``."""
    return tuple(g for g in acl.grants if g.permission.covers(permission) and g.grantee.includes(requester))


def acl_allows(acl: AccessControlList, requester: Requester, permission: Permission) -> bool:
    """Whether some grant of ``acl`` gives ``requester``'s account, or a group it is in, ``permission``."""
    return bool(matching_grants(acl, requester, permission))
