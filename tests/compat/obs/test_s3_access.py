"""Who may do what, through boto3: accounts, IAM users, bucket policies, ACLs, anonymous."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from huaweicloudsdkiam.v3 import (
    CreateCredentialOption,
    CreatePermanentAccessKeyRequest,
    CreatePermanentAccessKeyRequestBody,
    CreateUserOption,
    CreateUserRequest,
    CreateUserRequestBody,
    IamClient,
    KeystoneAddUserToGroupRequest,
    KeystoneAssociateGroupWithDomainPermissionRequest,
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneListPermissionsRequest,
)

from tests.compat.conftest import client, password_token, unique
from tests.compat.obs.conftest import S3Factory
from tests.conftest import ROOT_AK, ROOT_PASSWORD, ROOT_SK, Welkin


@dataclass(frozen=True)
class Account:
    id: str
    iam: IamClient
    s3: Any


@dataclass(frozen=True)
class Accounts:
    server: Welkin
    make_s3: S3Factory
    token: str

    def create(self) -> Account:
        headers = {"X-Auth-Token": self.token}
        body = {"account": {"name": unique("acct")}}
        resp = httpx.post(f"{self.server.url}/welkin/v1/accounts", json=body, headers=headers, timeout=10)
        assert resp.status_code == 201, resp.text
        made = resp.json()["account"]
        iam = client(self.server.url, made["access_key"], made["secret_key"])
        return Account(made["id"], iam, self.make_s3(made["access_key"], made["secret_key"]))

    def user(self, account: Account, *system_policies: str) -> Any:
        """An S3 client for a new user of ``account`` holding the named system policies."""
        option = CreateUserOption(name=unique("u"), domain_id=account.id, password="Compat-pass-1234")
        user = account.iam.create_user(CreateUserRequest(body=CreateUserRequestBody(user=option))).user
        body = CreatePermanentAccessKeyRequestBody(credential=CreateCredentialOption(user_id=user.id))
        key = account.iam.create_permanent_access_key(CreatePermanentAccessKeyRequest(body=body)).credential
        if system_policies:
            group_option = KeystoneCreateGroupOption(name=unique("g"), domain_id=account.id)
            group = account.iam.keystone_create_group(
                KeystoneCreateGroupRequest(body=KeystoneCreateGroupRequestBody(group=group_option))
            ).group
            for name in system_policies:
                roles = account.iam.keystone_list_permissions(KeystoneListPermissionsRequest(name=name)).roles
                account.iam.keystone_associate_group_with_domain_permission(
                    KeystoneAssociateGroupWithDomainPermissionRequest(
                        domain_id=account.id, group_id=group.id, role_id=roles[0].id
                    )
                )
            account.iam.keystone_add_user_to_group(
                KeystoneAddUserToGroupRequest(group_id=group.id, user_id=user.id)
            )
        return self.make_s3(key.access, key.secret)


@pytest.fixture(scope="module")
def accounts(server: Welkin, make_s3: S3Factory) -> Accounts:
    token, _ = password_token(client(server.url, ROOT_AK, ROOT_SK), "admin", "admin", ROOT_PASSWORD)
    return Accounts(server, make_s3, token)


@pytest.fixture(scope="module")
def owner(accounts: Accounts) -> Account:
    return accounts.create()


@pytest.fixture(scope="module")
def other(accounts: Accounts) -> Account:
    return accounts.create()


@pytest.fixture
def owned(owner: Account) -> str:
    name = unique("acc")
    owner.s3.create_bucket(Bucket=name)
    owner.s3.put_object(Bucket=name, Key="doc.txt", Body=b"hello")
    return name


def code_of(call: Any) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


def allow(principal: str, bucket: str, actions: list[str], effect: str = "Allow") -> str:
    statement = {
        "Effect": effect,
        "Principal": {"AWS": [principal]},
        "Action": actions,
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_other_account_is_denied_by_default(owned: str, other: Account) -> None:
    assert code_of(lambda: other.s3.get_object(Bucket=owned, Key="doc.txt")) == "AccessDenied"
    assert code_of(lambda: other.s3.list_objects_v2(Bucket=owned)) == "AccessDenied"
    assert code_of(lambda: other.s3.put_object(Bucket=owned, Key="x", Body=b"x")) == "AccessDenied"


def test_bucket_policy_grants_and_explicit_deny_wins(owned: str, owner: Account, other: Account) -> None:
    owner.s3.put_bucket_policy(Bucket=owned, Policy=allow(other.id, owned, ["s3:GetObject", "s3:ListBucket"]))
    assert other.s3.get_object(Bucket=owned, Key="doc.txt")["Body"].read() == b"hello"
    assert [o["Key"] for o in other.s3.list_objects_v2(Bucket=owned)["Contents"]] == ["doc.txt"]
    assert code_of(lambda: other.s3.put_object(Bucket=owned, Key="x", Body=b"x")) == "AccessDenied"
    # Only the owner's account may read the policy, whatever the policy says.
    assert code_of(lambda: other.s3.get_bucket_policy(Bucket=owned)) == "AccessDenied"

    deny = json.loads(allow(other.id, owned, ["s3:GetObject"], effect="Deny"))
    both = json.loads(allow(other.id, owned, ["s3:GetObject", "s3:ListBucket"]))
    both["Statement"].append(deny["Statement"][0])
    owner.s3.put_bucket_policy(Bucket=owned, Policy=json.dumps(both))
    assert code_of(lambda: other.s3.get_object(Bucket=owned, Key="doc.txt")) == "AccessDenied"
    other.s3.list_objects_v2(Bucket=owned)


def test_policy_subresource(owned: str, owner: Account) -> None:
    assert code_of(lambda: owner.s3.get_bucket_policy(Bucket=owned)) == "NoSuchBucketPolicy"
    policy = allow("*", owned, ["s3:GetObject"])
    put = owner.s3.put_bucket_policy(Bucket=owned, Policy=policy)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert json.loads(owner.s3.get_bucket_policy(Bucket=owned)["Policy"]) == json.loads(policy)
    bad = json.dumps({"Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "s3:*"}]})
    assert code_of(lambda: owner.s3.put_bucket_policy(Bucket=owned, Policy=bad)) == "MalformedPolicy"
    assert code_of(lambda: owner.s3.put_bucket_policy(Bucket=owned, Policy="{not json")) == "MalformedPolicy"
    deleted = owner.s3.delete_bucket_policy(Bucket=owned)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert code_of(lambda: owner.s3.get_bucket_policy(Bucket=owned)) == "NoSuchBucketPolicy"


def test_public_policy_opens_reads_to_anonymous(owned: str, owner: Account, server: Welkin) -> None:
    url = f"{server.url}/{owned}/doc.txt"
    assert httpx.get(url).status_code == 403
    owner.s3.put_bucket_policy(Bucket=owned, Policy=allow("*", owned, ["s3:GetObject"]))
    assert httpx.get(url).content == b"hello"
    assert httpx.put(url, content=b"overwrite").status_code == 403


def test_iam_user_without_obs_permissions_is_denied(owned: str, owner: Account, accounts: Accounts) -> None:
    user = accounts.user(owner)
    assert code_of(lambda: user.list_objects_v2(Bucket=owned)) == "AccessDenied"
    assert code_of(lambda: user.get_object(Bucket=owned, Key="doc.txt")) == "AccessDenied"


def test_iam_user_with_obs_readonly_reads_but_cannot_write(
    owned: str, owner: Account, accounts: Accounts
) -> None:
    user = accounts.user(owner, "system_all_64")
    assert [o["Key"] for o in user.list_objects_v2(Bucket=owned)["Contents"]] == ["doc.txt"]
    user.head_bucket(Bucket=owned)
    assert code_of(lambda: user.put_object(Bucket=owned, Key="new", Body=b"x")) == "AccessDenied"
    assert code_of(lambda: user.delete_object(Bucket=owned, Key="doc.txt")) == "AccessDenied"


def test_account_administrator_does_everything_in_its_account(owned: str, owner: Account) -> None:
    owner.s3.put_object(Bucket=owned, Key="more", Body=b"y")
    owner.s3.delete_object(Bucket=owned, Key="more")


def test_anonymous_reads_a_public_read_object_in_a_private_bucket(
    owned: str, owner: Account, server: Welkin
) -> None:
    owner.s3.put_object(Bucket=owned, Key="public.txt", Body=b"for all", ACL="public-read")
    assert httpx.get(f"{server.url}/{owned}/public.txt").content == b"for all"
    assert httpx.get(f"{server.url}/{owned}/doc.txt").status_code == 403
    listing = httpx.get(f"{server.url}/{owned}")
    assert listing.status_code == 403
    assert b"<Code>AccessDenied</Code>" in listing.content
    assert b"Access Denied" in listing.content


def test_bucket_acl_round_trip_and_grant_to_other_account(owned: str, owner: Account, other: Account) -> None:
    acl = owner.s3.get_bucket_acl(Bucket=owned)
    assert acl["Owner"]["ID"] == owner.id
    assert [(g["Grantee"]["ID"], g["Permission"]) for g in acl["Grants"]] == [(owner.id, "FULL_CONTROL")]
    owner.s3.put_bucket_acl(Bucket=owned, GrantRead=f'id="{other.id}"', GrantFullControl=f'id="{owner.id}"')
    assert [o["Key"] for o in other.s3.list_objects_v2(Bucket=owned)["Contents"]] == ["doc.txt"]
    owner.s3.put_bucket_acl(Bucket=owned, ACL="public-read")
    grants = owner.s3.get_bucket_acl(Bucket=owned)["Grants"]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [
        g["Grantee"] for g in grants
    ]
    assert code_of(lambda: other.s3.put_object(Bucket=owned, Key="x", Body=b"x")) == "AccessDenied"


def test_object_acl_by_xml(owned: str, owner: Account, other: Account) -> None:
    assert code_of(lambda: other.s3.get_object(Bucket=owned, Key="doc.txt")) == "AccessDenied"
    policy = {
        "Owner": {"ID": owner.id},
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner.id}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "CanonicalUser", "ID": other.id}, "Permission": "READ"},
        ],
    }
    owner.s3.put_object_acl(Bucket=owned, Key="doc.txt", AccessControlPolicy=policy)
    shown = owner.s3.get_object_acl(Bucket=owned, Key="doc.txt")["Grants"]
    assert {(g["Grantee"]["ID"], g["Permission"]) for g in shown} == {
        (owner.id, "FULL_CONTROL"),
        (other.id, "READ"),
    }
    assert other.s3.get_object(Bucket=owned, Key="doc.txt")["Body"].read() == b"hello"
    assert code_of(lambda: other.s3.get_object_acl(Bucket=owned, Key="doc.txt")) == "AccessDenied"


def test_bad_acl_requests(owned: str, owner: Account) -> None:
    assert code_of(lambda: owner.s3.put_bucket_acl(Bucket=owned, ACL="everyone")) == "InvalidArgument"
    assert (
        code_of(lambda: owner.s3.put_bucket_acl(Bucket=owned, GrantRead='uri="http://example.com/nobody"'))
        == "InvalidArgument"
    )
