"""Users (Keystone and Huawei APIs) and groups through huaweicloudsdkiam's IamClient."""

from __future__ import annotations

from huaweicloudsdkiam.v3 import (
    CreateUserOption,
    CreateUserRequest,
    CreateUserRequestBody,
    IamClient,
    KeystoneAddUserToGroupRequest,
    KeystoneCheckUserInGroupRequest,
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneDeleteGroupRequest,
    KeystoneDeleteUserRequest,
    KeystoneListAuthDomainsRequest,
    KeystoneListGroupsRequest,
    KeystoneListUsersForGroupByAdminRequest,
    KeystoneListUsersRequest,
    KeystoneRemoveUserFromGroupRequest,
    KeystoneShowGroupRequest,
    KeystoneShowUserRequest,
    KeystoneUpdateGroupOption,
    KeystoneUpdateGroupRequest,
    KeystoneUpdateGroupRequestBody,
    KeystoneUpdatePasswordOption,
    KeystoneUpdateUserByAdminRequest,
    KeystoneUpdateUserByAdminRequestBody,
    KeystoneUpdateUserOption,
    KeystoneUpdateUserPasswordRequest,
    KeystoneUpdateUserPasswordRequestBody,
    ShowUserRequest,
    UpdateUserOption,
    UpdateUserRequest,
    UpdateUserRequestBody,
)

from tests.compat.conftest import Compat, password_token, status_of, unique

PASSWORD = "Compat-pass-1234"


def create_user(compat: Compat, name: str | None = None, password: str = PASSWORD, **extra: object) -> str:
    option = CreateUserOption(
        name=name or unique("user"), domain_id=compat.domain_id, password=password, **extra
    )
    resp = compat.root.create_user(CreateUserRequest(body=CreateUserRequestBody(user=option)))
    return str(resp.user.id)


def create_group(iam: IamClient, domain_id: str, name: str | None = None) -> str:
    option = KeystoneCreateGroupOption(name=name or unique("group"), domain_id=domain_id, description="g")
    resp = iam.keystone_create_group(
        KeystoneCreateGroupRequest(body=KeystoneCreateGroupRequestBody(group=option))
    )
    return str(resp.group.id)


def test_create_user_huawei(compat: Compat) -> None:
    name = unique("alice")
    option = CreateUserOption(
        name=name,
        domain_id=compat.domain_id,
        password=PASSWORD,
        email="alice@example.com",
        areacode="0086",
        phone="13800000000",
        enabled=True,
        pwd_status=False,
        access_mode="default",
        description="first user",
    )
    user = compat.root.create_user(CreateUserRequest(body=CreateUserRequestBody(user=option))).user
    assert user.name == name
    assert user.domain_id == compat.domain_id
    assert user.email == "alice@example.com"
    assert user.description == "first user"
    assert user.enabled is True
    assert user.id
    # The new user can log in with the password it was given.
    token, resp = password_token(compat.root, "admin", name, PASSWORD)
    assert token
    assert resp.token.user.id == user.id


def test_list_and_show_users(compat: Compat) -> None:
    name = unique("bob")
    user_id = create_user(compat, name, description="bob")
    listed = compat.root.keystone_list_users(KeystoneListUsersRequest()).users
    assert user_id in {u.id for u in listed}
    assert "admin" in {u.name for u in listed}
    by_name = compat.root.keystone_list_users(KeystoneListUsersRequest(name=name)).users
    assert [u.id for u in by_name] == [user_id]
    shown = compat.root.keystone_show_user(KeystoneShowUserRequest(user_id=user_id)).user
    assert (shown.id, shown.name, shown.domain_id) == (user_id, name, compat.domain_id)
    huawei = compat.root.show_user(ShowUserRequest(user_id=user_id)).user
    assert huawei.name == name
    assert huawei.description == "bob"
    assert huawei.is_domain_owner is False
    missing = KeystoneShowUserRequest(user_id="0" * 32)
    assert status_of(lambda: compat.root.keystone_show_user(missing)) == 404


def test_update_user_keystone_and_huawei(compat: Compat) -> None:
    user_id = create_user(compat)
    new_name = unique("renamed")
    body = KeystoneUpdateUserByAdminRequestBody(
        user=KeystoneUpdateUserOption(name=new_name, description="by keystone", enabled=True)
    )
    updated = compat.root.keystone_update_user_by_admin(
        KeystoneUpdateUserByAdminRequest(user_id=user_id, body=body)
    ).user
    assert updated.name == new_name
    assert updated.description == "by keystone"
    option = UpdateUserOption(email="new@example.com", description="by huawei", enabled=False)
    huawei = compat.root.update_user(
        UpdateUserRequest(user_id=user_id, body=UpdateUserRequestBody(user=option))
    ).user
    assert huawei.email == "new@example.com"
    assert huawei.description == "by huawei"
    assert huawei.enabled is False
    shown = compat.root.show_user(ShowUserRequest(user_id=user_id)).user
    assert (shown.name, shown.email, shown.enabled) == (new_name, "new@example.com", False)
    # A disabled user cannot log in (Welkin answers AccessDenied).
    assert status_of(lambda: password_token(compat.root, "admin", new_name, PASSWORD)) == 403


def test_change_own_password_revokes_old_tokens(compat: Compat) -> None:
    name = unique("carol")
    user_id = create_user(compat, name)
    old_token, _ = password_token(compat.root, "admin", name, PASSWORD)
    as_user = compat.by_token(old_token)
    assert as_user.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains
    new_password = "Compat-pass-5678"
    body = KeystoneUpdateUserPasswordRequestBody(
        user=KeystoneUpdatePasswordOption(password=new_password, original_password=PASSWORD)
    )
    as_user.keystone_update_user_password(KeystoneUpdateUserPasswordRequest(user_id=user_id, body=body))
    assert status_of(lambda: as_user.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())) == 401
    assert status_of(lambda: password_token(compat.root, "admin", name, PASSWORD)) == 401
    token, resp = password_token(compat.root, "admin", name, new_password)
    assert token
    assert resp.token.user.id == user_id


def test_change_password_needs_the_original(compat: Compat) -> None:
    name = unique("dave")
    user_id = create_user(compat, name)
    token, _ = password_token(compat.root, "admin", name, PASSWORD)
    as_user = compat.by_token(token)
    body = KeystoneUpdateUserPasswordRequestBody(
        user=KeystoneUpdatePasswordOption(password="Compat-pass-9999", original_password="Wrong-pass-0000")
    )
    request = KeystoneUpdateUserPasswordRequest(user_id=user_id, body=body)
    assert status_of(lambda: as_user.keystone_update_user_password(request)) in (400, 401, 403)


def test_delete_user(compat: Compat) -> None:
    name = unique("erin")
    user_id = create_user(compat, name)
    compat.root.keystone_delete_user(KeystoneDeleteUserRequest(user_id=user_id))
    assert status_of(lambda: compat.root.keystone_show_user(KeystoneShowUserRequest(user_id=user_id))) == 404
    listed = compat.root.keystone_list_users(KeystoneListUsersRequest()).users
    assert user_id not in {u.id for u in listed}
    assert status_of(lambda: password_token(compat.root, "admin", name, PASSWORD)) == 401
    # The same signed DELETE again, as a client's retry would send it: the user is gone.
    again = KeystoneDeleteUserRequest(user_id=user_id)
    assert status_of(lambda: compat.root.keystone_delete_user(again)) == 404


def test_group_lifecycle(compat: Compat) -> None:
    name = unique("devs")
    group_id = create_group(compat.root, compat.domain_id, name)
    listed = compat.root.keystone_list_groups(KeystoneListGroupsRequest()).groups
    assert group_id in {g.id for g in listed}
    by_name = compat.root.keystone_list_groups(KeystoneListGroupsRequest(name=name)).groups
    assert [g.id for g in by_name] == [group_id]
    shown = compat.root.keystone_show_group(KeystoneShowGroupRequest(group_id=group_id)).group
    assert (shown.name, shown.domain_id, shown.description) == (name, compat.domain_id, "g")
    new_name = unique("ops")
    body = KeystoneUpdateGroupRequestBody(
        group=KeystoneUpdateGroupOption(name=new_name, description="renamed", domain_id=compat.domain_id)
    )
    updated = compat.root.keystone_update_group(
        KeystoneUpdateGroupRequest(group_id=group_id, body=body)
    ).group
    assert (updated.name, updated.description) == (new_name, "renamed")
    compat.root.keystone_delete_group(KeystoneDeleteGroupRequest(group_id=group_id))
    assert (
        status_of(lambda: compat.root.keystone_show_group(KeystoneShowGroupRequest(group_id=group_id))) == 404
    )
    listed = compat.root.keystone_list_groups(KeystoneListGroupsRequest()).groups
    assert group_id not in {g.id for g in listed}


def test_group_membership(compat: Compat) -> None:
    group_id = create_group(compat.root, compat.domain_id)
    user_id = create_user(compat)
    check = KeystoneCheckUserInGroupRequest(group_id=group_id, user_id=user_id)
    assert status_of(lambda: compat.root.keystone_check_user_in_group(check)) == 404
    compat.root.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=group_id, user_id=user_id))
    compat.root.keystone_check_user_in_group(check)
    members = compat.root.keystone_list_users_for_group_by_admin(
        KeystoneListUsersForGroupByAdminRequest(group_id=group_id)
    ).users
    assert [u.id for u in members] == [user_id]
    compat.root.keystone_remove_user_from_group(
        KeystoneRemoveUserFromGroupRequest(group_id=group_id, user_id=user_id)
    )
    assert status_of(lambda: compat.root.keystone_check_user_in_group(check)) == 404
    members = compat.root.keystone_list_users_for_group_by_admin(
        KeystoneListUsersForGroupByAdminRequest(group_id=group_id)
    ).users
    assert members == []
    unknown = KeystoneAddUserToGroupRequest(group_id=group_id, user_id="0" * 32)
    assert status_of(lambda: compat.root.keystone_add_user_to_group(unknown)) == 404
