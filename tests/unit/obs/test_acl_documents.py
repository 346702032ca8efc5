"""Stored ACL documents: canned names, explicit grants, and x-amz-grant-* headers."""

from __future__ import annotations

import json

import pytest

from welkin.core import errors
from welkin.obs.acl import ALL_USERS, ALL_USERS_URI, AccessControlList, Grant, Grantee, Permission
from welkin.obs.acl_documents import acl_from_grant_headers, dump_acl, load_acl


def test_a_canned_name_resolves_against_the_owners() -> None:
    acl = load_acl(json.dumps("bucket-owner-read"), "writer", "owner")
    assert acl.grants == (
        Grant(Grantee.account("writer"), Permission.FULL_CONTROL),
        Grant(Grantee.account("owner"), Permission.READ),
    )


def test_explicit_grants_round_trip() -> None:
    acl = AccessControlList(
        "owner",
        (Grant(Grantee.account("owner"), Permission.FULL_CONTROL), Grant(ALL_USERS, Permission.READ)),
    )
    assert load_acl(dump_acl(acl), "someone-else") == acl


def test_grant_headers() -> None:
    headers = {
        "x-amz-grant-read": f'id="a", uri="{ALL_USERS_URI}"',
        "x-amz-grant-write-acp": 'id="b"',
    }
    acl = acl_from_grant_headers(headers, "owner")
    assert acl is not None
    assert acl.grants == (
        Grant(Grantee.account("a"), Permission.READ),
        Grant(ALL_USERS, Permission.READ),
        Grant(Grantee.account("b"), Permission.WRITE_ACP),
    )
    assert acl_from_grant_headers({}, "owner") is None


@pytest.mark.parametrize("value", ['emailAddress="x@example.com"', "id", 'uri="http://example.com/g"'])
def test_bad_grant_headers(value: str) -> None:
    with pytest.raises(errors.InvalidArgument):
        acl_from_grant_headers({"x-amz-grant-read": value}, "owner")
