import pytest

from welkin.obs.acl import (
    ALL_USERS,
    AUTHENTICATED_USERS,
    AccessControlList,
    CannedAcl,
    Grant,
    Grantee,
    Permission,
    acl_allows,
    matching_grants,
)
from welkin.obs.requester import Requester

OWNER = "acc-owner"
OTHER = "acc-other"
ANON = Requester.anonymous()
OWNER_ROOT = Requester.root(OWNER, "u0", "owner")
OTHER_USER = Requester.user(OTHER, "u1", "bob")


def test_canned_acls_grant_what_their_names_say() -> None:
    owner_full = Grant(Grantee.account(OWNER), Permission.FULL_CONTROL)
    assert CannedAcl.PRIVATE.acl(OWNER).grants == (owner_full,)
    assert CannedAcl.PUBLIC_READ.acl(OWNER).grants == (owner_full, Grant(ALL_USERS, Permission.READ))
    assert CannedAcl.PUBLIC_READ_WRITE.acl(OWNER).grants == (
        owner_full,
        Grant(ALL_USERS, Permission.READ),
        Grant(ALL_USERS, Permission.WRITE),
    )
    assert CannedAcl.AUTHENTICATED_READ.acl(OWNER).grants == (
        owner_full,
        Grant(AUTHENTICATED_USERS, Permission.READ),
    )
    assert CannedAcl("bucket-owner-read") is CannedAcl.BUCKET_OWNER_READ


def test_bucket_owner_acls_grant_the_bucket_owner_on_anothers_object_only() -> None:
    uploader = "acc-uploader"
    read = CannedAcl.BUCKET_OWNER_READ.acl(uploader, OWNER)
    assert read.owner_id == uploader
    assert Grant(Grantee.account(OWNER), Permission.READ) in read.grants
    full = CannedAcl.BUCKET_OWNER_FULL_CONTROL.acl(uploader, OWNER)
    assert Grant(Grantee.account(OWNER), Permission.FULL_CONTROL) in full.grants
    assert CannedAcl.BUCKET_OWNER_FULL_CONTROL.acl(OWNER, OWNER) == CannedAcl.PRIVATE.acl(OWNER)
    assert CannedAcl.BUCKET_OWNER_READ.acl(OWNER) == CannedAcl.PRIVATE.acl(OWNER)


@pytest.mark.parametrize(
    ("canned", "requester", "permission", "expected"),
    [
        (CannedAcl.PRIVATE, OWNER_ROOT, Permission.WRITE_ACP, True),
        (CannedAcl.PRIVATE, OTHER_USER, Permission.READ, False),
        (CannedAcl.PRIVATE, ANON, Permission.READ, False),
        (CannedAcl.PUBLIC_READ, ANON, Permission.READ, True),
        (CannedAcl.PUBLIC_READ, ANON, Permission.WRITE, False),
        (CannedAcl.PUBLIC_READ, OTHER_USER, Permission.READ_ACP, False),
        (CannedAcl.PUBLIC_READ_WRITE, ANON, Permission.WRITE, True),
        (CannedAcl.AUTHENTICATED_READ, ANON, Permission.READ, False),
        (CannedAcl.AUTHENTICATED_READ, OTHER_USER, Permission.READ, True),
    ],
)
def test_acl_allows(canned: CannedAcl, requester: Requester, permission: Permission, expected: bool) -> None:
    assert acl_allows(canned.acl(OWNER), requester, permission) is expected


def test_full_control_covers_every_permission_and_the_matching_grants_are_returned() -> None:
    grant = Grant(Grantee.account(OTHER), Permission.FULL_CONTROL)
    public = Grant(ALL_USERS, Permission.READ)
    acl = AccessControlList(OWNER, (grant, public))
    for permission in Permission:
        expected = (grant, public) if permission is Permission.READ else (grant,)
        assert matching_grants(acl, OTHER_USER, permission) == expected
    assert matching_grants(acl, OWNER_ROOT, Permission.READ) == (public,)
    assert matching_grants(acl, OWNER_ROOT, Permission.WRITE) == ()


def test_grantees_and_requesters_are_checked_for_shape() -> None:
    with pytest.raises(ValueError, match="account grantee"):
        Grantee(ALL_USERS.kind, "acc")
    with pytest.raises(ValueError, match="anonymous"):
        Requester(ANON.kind, "acc")
