"""ACLs as they are stored and as they travel: stored JSON, ``x-amz-grant-*`` headers.

Stored form (the ``acl`` column of buckets and objects): a JSON string names a
canned ACL (``"public-read"``), resolved against the resource's owners when read, so
writers that only know the canned name store it as is; a JSON object holds explicit
grants::

    {"owner": "<account-id>",
     "grants": [{"type": "CanonicalUser", "id": "<account-id>", "permission": "READ"},
                {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                 "permission": "READ"}]}
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from welkin.core import errors as core
from welkin.obs.acl import (
    ALL_USERS,
    ALL_USERS_URI,
    AUTHENTICATED_USERS,
    AUTHENTICATED_USERS_URI,
    AccessControlList,
    CannedAcl,
    Grant,
    Grantee,
    GranteeKind,
    Permission,
)

GRANT_HEADERS: Mapping[str, Permission] = {
    "x-amz-grant-read": Permission.READ,
    "x-amz-grant-write": Permission.WRITE,
    "x-amz-grant-read-acp": Permission.READ_ACP,
    "x-amz-grant-write-acp": Permission.WRITE_ACP,
    "x-amz-grant-full-control": Permission.FULL_CONTROL,
}
_GROUPS = {ALL_USERS_URI: ALL_USERS, AUTHENTICATED_USERS_URI: AUTHENTICATED_USERS}


def load_acl(text: str, owner_id: str, bucket_owner_id: str | None = None) -> AccessControlList:
    """The ACL stored as ``text`` for a resource of ``owner_id`` (in a bucket of ``bucket_owner_id``)."""
    raw = json.loads(text)
    if isinstance(raw, str):
        return CannedAcl(raw).acl(owner_id, bucket_owner_id)
    grants = tuple(Grant(_grantee(g), Permission(g["permission"])) for g in raw["grants"])
    return AccessControlList(owner_id=str(raw.get("owner") or owner_id), grants=grants)


def dump_acl(acl: AccessControlList) -> str:
    grants = []
    for grant in acl.grants:
        entry: dict[str, str] = {"permission": grant.permission.value}
        if grant.grantee.kind is GranteeKind.ACCOUNT:
            entry.update(type="CanonicalUser", id=grant.grantee.account_id or "")
        else:
            entry.update(type="Group", uri=group_uri(grant.grantee))
        grants.append(entry)
    return json.dumps({"owner": acl.owner_id, "grants": grants})


def group_uri(grantee: Grantee) -> str:
    return ALL_USERS_URI if grantee.kind is GranteeKind.ALL_USERS else AUTHENTICATED_USERS_URI


def grantee_from_uri(uri: str) -> Grantee:
    grantee = _GROUPS.get(uri)
    if grantee is None:
        raise core.InvalidArgument(f"unknown grantee group {uri!r}")
    return grantee


def _grantee(raw: Mapping[str, str]) -> Grantee:
    if raw["type"] == "CanonicalUser":
        return Grantee.account(raw["id"])
    return grantee_from_uri(raw["uri"])


def acl_from_grant_headers(headers: Mapping[str, str], owner_id: str) -> AccessControlList | None:
    """The ACL the ``x-amz-grant-*`` headers give, or None where none is present.

    Each header is a comma-separated list of ``id="<account>"`` or ``uri="<group>"``.
    """
    grants: list[Grant] = []
    for header, permission in GRANT_HEADERS.items():
        value = headers.get(header)
        if value is None:
            continue
        for item in value.split(","):
            kind, sep, name = item.strip().partition("=")
            name = name.strip().strip('"')
            if not sep or not name:
                raise core.InvalidArgument(f'{header}: expected id="..." or uri="...", got {item!r}')
            kind = kind.strip().lower()
            if kind == "id":
                grants.append(Grant(Grantee.account(name), permission))
            elif kind == "uri":
                grants.append(Grant(grantee_from_uri(name), permission))
            else:
                raise core.InvalidArgument(f"{header}: grantee type {kind!r} is not supported; use id or uri")
    if not grants:
        return None
    return AccessControlList(owner_id=owner_id, grants=tuple(grants))
