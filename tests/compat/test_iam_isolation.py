"""Accounts are walled off from each other; disabling one cuts it off at once; bad
requests get 400 with an error body; every change lands in the audit log."""

from __future__ import annotations

from huaweicloudsdkiam.v3 import (
    CreateUserOption,
    CreateUserRequest,
    CreateUserRequestBody,
    DeletePermanentAccessKeyRequest,
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneDeleteGroupRequest,
    KeystoneDeleteUserRequest,
    KeystoneListAuthDomainsRequest,
    KeystoneListGroupsRequest,
    KeystoneListUsersRequest,
    KeystoneShowGroupRequest,
    KeystoneShowUserRequest,
    KeystoneUpdateGroupOption,
    KeystoneUpdateGroupRequest,
    KeystoneUpdateGroupRequestBody,
    ListPermanentAccessKeysRequest,
    ShowPermanentAccessKeyRequest,
    ShowUserRequest,
    UpdateCredentialOption,
    UpdatePermanentAccessKeyRequest,
    UpdatePermanentAccessKeyRequestBody,
    UpdateUserOption,
    UpdateUserRequest,
    UpdateUserRequestBody,
)

from tests.compat.conftest import Compat, Tenant, password_token, status_of, unique

DENIED = (403, 404)


def user_in(tenant: Tenant, name: str | None = None) -> str:
    option = CreateUserOption(
        name=name or unique("u"), domain_id=tenant.account_id, password="Compat-pass-1234"
    )
    return str(tenant.iam.create_user(CreateUserRequest(body=CreateUserRequestBody(user=option))).user.id)


def group_in(tenant: Tenant) -> str:
    option = KeystoneCreateGroupOption(name=unique("g"), domain_id=tenant.account_id)
    body = KeystoneCreateGroupRequestBody(group=option)
    return str(tenant.iam.keystone_create_group(KeystoneCreateGroupRequest(body=body)).group.id)


def test_accounts_see_only_their_own(compat: Compat) -> None:
    a, b = compat.tenant(), compat.tenant()
    a_user, a_group = user_in(a), group_in(a)
    b_user, b_group = user_in(b), group_in(b)
    b_users = b.iam.keystone_list_users(KeystoneListUsersRequest()).users
    assert b_user in {u.id for u in b_users}
    assert a_user not in {u.id for u in b_users}
    assert {u.domain_id for u in b_users} == {b.account_id}
    b_groups = b.iam.keystone_list_groups(KeystoneListGroupsRequest()).groups
    assert b_group in {g.id for g in b_groups}
    assert a_group not in {g.id for g in b_groups}
    b_keys = b.iam.list_permanent_access_keys(ListPermanentAccessKeysRequest()).credentials
    assert {k.access for k in b_keys} == {b.access_key}
    # Asking for another account's users in the query is refused too.
    other = KeystoneListUsersRequest(domain_id=a.account_id)
    assert status_of(lambda: b.iam.keystone_list_users(other)) == 403


def test_cannot_touch_another_accounts_user(compat: Compat) -> None:
    a, b = compat.tenant(), compat.tenant()
    a_user = user_in(a)
    assert status_of(lambda: b.iam.keystone_show_user(KeystoneShowUserRequest(user_id=a_user))) in DENIED
    assert status_of(lambda: b.iam.show_user(ShowUserRequest(user_id=a_user))) in DENIED
    update = UpdateUserRequest(
        user_id=a_user, body=UpdateUserRequestBody(user=UpdateUserOption(description="hijacked"))
    )
    assert status_of(lambda: b.iam.update_user(update)) in DENIED
    assert status_of(lambda: b.iam.keystone_delete_user(KeystoneDeleteUserRequest(user_id=a_user))) in DENIED
    # Creating a user "in" account A with B's credentials is refused.
    option = CreateUserOption(name=unique("x"), domain_id=a.account_id, password="Compat-pass-1234")
    create = CreateUserRequest(body=CreateUserRequestBody(user=option))
    assert status_of(lambda: b.iam.create_user(create)) == 403
    # Nothing changed on A's side.
    shown = a.iam.show_user(ShowUserRequest(user_id=a_user)).user
    assert shown.description == ""


def test_cannot_touch_another_accounts_group(compat: Compat) -> None:
    a, b = compat.tenant(), compat.tenant()
    a_group = group_in(a)
    assert status_of(lambda: b.iam.keystone_show_group(KeystoneShowGroupRequest(group_id=a_group))) in DENIED
    body = KeystoneUpdateGroupRequestBody(group=KeystoneUpdateGroupOption(name="stolen"))
    update = KeystoneUpdateGroupRequest(group_id=a_group, body=body)
    assert status_of(lambda: b.iam.keystone_update_group(update)) in DENIED
    delete = KeystoneDeleteGroupRequest(group_id=a_group)
    assert status_of(lambda: b.iam.keystone_delete_group(delete)) in DENIED
    assert a.iam.keystone_show_group(KeystoneShowGroupRequest(group_id=a_group)).group.id == a_group


def test_cannot_touch_another_accounts_key(compat: Compat) -> None:
    a, b = compat.tenant(), compat.tenant()
    show = ShowPermanentAccessKeyRequest(access_key=a.access_key)
    assert status_of(lambda: b.iam.show_permanent_access_key(show)) in DENIED
    body = UpdatePermanentAccessKeyRequestBody(credential=UpdateCredentialOption(status="inactive"))
    update = UpdatePermanentAccessKeyRequest(access_key=a.access_key, body=body)
    assert status_of(lambda: b.iam.update_permanent_access_key(update)) in DENIED
    delete = DeletePermanentAccessKeyRequest(access_key=a.access_key)
    assert status_of(lambda: b.iam.delete_permanent_access_key(delete)) in DENIED
    # A's key still works and is still active.
    assert a.iam.show_permanent_access_key(show).credential.status == "active"


def test_disabled_account_is_cut_off_at_once(compat: Compat) -> None:
    tenant = compat.tenant()
    token, _ = password_token(tenant.iam, tenant.name, tenant.name, tenant.admin_password)
    by_token = compat.by_token(token)
    assert tenant.iam.keystone_list_users(KeystoneListUsersRequest()).users
    assert by_token.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains
    resp = compat.operator("POST", f"/welkin/v1/accounts/{tenant.name}/disable")
    assert resp.status_code == 200, resp.text
    assert resp.json()["account"]["enabled"] is False
    assert status_of(lambda: tenant.iam.keystone_list_users(KeystoneListUsersRequest())) in (401, 403)
    assert status_of(lambda: by_token.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())) in (
        401,
        403,
    )
    login = lambda: password_token(tenant.iam, tenant.name, tenant.name, tenant.admin_password)  # noqa: E731
    assert status_of(login) in (401, 403)
    resp = compat.operator("POST", f"/welkin/v1/accounts/{tenant.name}/enable")
    assert resp.status_code == 200, resp.text
    assert tenant.iam.keystone_list_users(KeystoneListUsersRequest()).users


def test_tenant_cannot_use_the_operator_api(compat: Compat) -> None:
    tenant = compat.tenant()
    token, _ = password_token(tenant.iam, tenant.name, tenant.name, tenant.admin_password)
    resp = compat.operator("POST", "/welkin/v1/accounts", {"account": {"name": unique("evil")}}, token=token)
    assert resp.status_code == 403
    assert resp.json()["error_code"] == "AccessDenied"
    resp = compat.operator("POST", f"/welkin/v1/accounts/{tenant.name}/disable", token=token)
    assert resp.status_code == 403


def test_bad_bodies_are_400_with_an_error_body(compat: Compat) -> None:
    cases = [
        # Malformed JSON.
        ("POST", "/v3/groups", b'{"group": {"name": '),
        # Unknown field.
        ("POST", "/v3/groups", b'{"group": {"name": "x", "colour": "blue"}}'),
        ("POST", "/v3/groups", b'{"group": {"name": "x"}, "extra": 1}'),
        # Wrong types.
        ("POST", "/v3/groups", b'{"group": {"name": 7}}'),
        ("POST", "/v3/groups", b'{"group": "x"}'),
        ("POST", "/v3/groups", b"[]"),
    ]
    for method, path, raw in cases:
        resp = compat.operator_raw(method, path, raw)
        assert resp.status_code == 400, (raw, resp.text)
        error = resp.json()["error"]
        assert error["code"] == 400
        assert error["message"]
    # Huawei's /v3.0 APIs answer in Huawei's error shape.
    unknown = f'{{"user": {{"name": "x", "domain_id": "{compat.domain_id}", "nickname": "n"}}}}'.encode()
    for raw in (b"{not json", unknown):
        resp = compat.operator_raw("POST", "/v3.0/OS-USER/users", raw)
        assert resp.status_code == 400, (raw, resp.text)
        assert resp.json()["error_code"]
        assert resp.json()["error_msg"]


def test_wrong_types_through_the_sdk_are_400(compat: Compat) -> None:
    option = CreateUserOption(name=unique("t"), domain_id=compat.domain_id, enabled="yes")
    request = CreateUserRequest(body=CreateUserRequestBody(user=option))
    assert status_of(lambda: compat.root.create_user(request)) == 400


def test_audit_lists_changes_with_user_and_status(compat: Compat) -> None:
    tenant = compat.tenant()
    name = unique("audited")
    user_in(tenant, name)
    option = CreateUserOption(name=name, domain_id=tenant.account_id, password="Compat-pass-1234")
    duplicate = CreateUserRequest(body=CreateUserRequestBody(user=option))
    assert status_of(lambda: tenant.iam.create_user(duplicate)) == 409
    tenant.iam.keystone_list_users(KeystoneListUsersRequest())
    token, _ = password_token(tenant.iam, tenant.name, tenant.name, tenant.admin_password)
    resp = compat.operator("GET", "/welkin/v1/audit", token=token)
    assert resp.status_code == 200, resp.text
    events = resp.json()["events"]
    creates = [e for e in events if e["action"] == "CreateUser"]
    assert sorted(e["status"] for e in creates) == [201, 409]
    assert {e["user_name"] for e in creates} == {tenant.name}
    assert {e["account_id"] for e in events} == {tenant.account_id}
    assert all(e["method"] not in ("GET", "HEAD") for e in events)
    assert all(e["request_id"] and e["at"] for e in creates)
    # The operator's own log does not include the tenant's calls.
    mine = compat.operator("GET", "/welkin/v1/audit?limit=1000").json()["events"]
    assert all(e["account_id"] == compat.domain_id for e in mine)
    assert any(e["action"] == "CreateAccount" and e["status"] == 201 for e in mine)
