"""System permissions, custom policies and group grants through huaweicloudsdkiam's IamClient,
and what those grants allow a user to do."""

from __future__ import annotations

from huaweicloudsdkiam.v3 import (
    CreateCloudServiceCustomPolicyRequest,
    CreateCloudServiceCustomPolicyRequestBody,
    CreateUserOption,
    CreateUserRequest,
    CreateUserRequestBody,
    DeleteCustomPolicyRequest,
    IamClient,
    KeystoneAddUserToGroupRequest,
    KeystoneAssociateGroupWithDomainPermissionRequest,
    KeystoneAssociateGroupWithProjectPermissionRequest,
    KeystoneCheckDomainPermissionForGroupRequest,
    KeystoneCheckProjectPermissionForGroupRequest,
    KeystoneCreateGroupOption,
    KeystoneCreateGroupRequest,
    KeystoneCreateGroupRequestBody,
    KeystoneListDomainPermissionsForGroupRequest,
    KeystoneListGroupsRequest,
    KeystoneListPermissionsRequest,
    KeystoneListProjectsRequest,
    KeystoneListUsersRequest,
    KeystoneRemoveDomainPermissionFromGroupRequest,
    ListCustomPoliciesRequest,
    ServicePolicy,
    ServicePolicyRoleOption,
    ServiceStatement,
    ShowCustomPolicyRequest,
    UpdateCloudServiceCustomPolicyRequest,
    UpdateCloudServiceCustomPolicyRequestBody,
    UpdateDomainGroupInheritRoleRequest,
)

from tests.compat.conftest import Compat, status_of, unique


def role_id(compat: Compat, name: str) -> str:
    roles = compat.root.keystone_list_permissions(KeystoneListPermissionsRequest(name=name)).roles
    assert [r.name for r in roles] == [name]
    return str(roles[0].id)


def new_group(compat: Compat) -> str:
    option = KeystoneCreateGroupOption(name=unique("grp"), domain_id=compat.domain_id)
    body = KeystoneCreateGroupRequestBody(group=option)
    return str(compat.root.keystone_create_group(KeystoneCreateGroupRequest(body=body)).group.id)


def grant_on_domain(compat: Compat, group_id: str, role: str) -> None:
    compat.root.keystone_associate_group_with_domain_permission(
        KeystoneAssociateGroupWithDomainPermissionRequest(
            domain_id=compat.domain_id, group_id=group_id, role_id=role
        )
    )


def create_user_request(compat: Compat) -> CreateUserRequest:
    option = CreateUserOption(name=unique("x"), domain_id=compat.domain_id, password="Compat-pass-1234")
    return CreateUserRequest(body=CreateUserRequestBody(user=option))


def member(compat: Compat, group_id: str) -> IamClient:
    user_id, iam = compat.user_with_key()
    compat.root.keystone_add_user_to_group(KeystoneAddUserToGroupRequest(group_id=group_id, user_id=user_id))
    return iam


def test_list_system_permissions(compat: Compat) -> None:
    resp = compat.root.keystone_list_permissions(KeystoneListPermissionsRequest())
    names = {r.name for r in resp.roles}
    assert {"te_admin", "secu_admin", "readonly", "iam_readonly"} <= names
    assert resp.total_number == len(resp.roles)
    te_admin = next(r for r in resp.roles if r.name == "te_admin")
    assert te_admin.display_name == "Tenant Administrator"
    assert te_admin.policy.statement
    by_display = compat.root.keystone_list_permissions(
        KeystoneListPermissionsRequest(display_name="Tenant Guest")
    ).roles
    assert [r.name for r in by_display] == ["readonly"]


def test_custom_policy_lifecycle(compat: Compat) -> None:
    name = unique("policy")
    policy = ServicePolicy(
        version="1.1",
        statement=[ServiceStatement(action=["obs:bucket:ListAllMyBuckets"], effect="Allow")],
    )
    option = ServicePolicyRoleOption(display_name=name, type="AX", description="list buckets", policy=policy)
    created = compat.root.create_cloud_service_custom_policy(
        CreateCloudServiceCustomPolicyRequest(body=CreateCloudServiceCustomPolicyRequestBody(role=option))
    ).role
    assert created.display_name == name
    assert created.type == "AX"
    assert created.domain_id == compat.domain_id
    assert created.policy.statement[0].action == ["obs:bucket:ListAllMyBuckets"]
    listed = compat.root.list_custom_policies(ListCustomPoliciesRequest()).roles
    assert created.id in {r.id for r in listed}
    shown = compat.root.show_custom_policy(ShowCustomPolicyRequest(role_id=created.id)).role
    assert (shown.display_name, shown.description) == (name, "list buckets")
    updated_policy = ServicePolicy(
        version="1.1",
        statement=[
            ServiceStatement(action=["obs:bucket:ListBucket"], effect="Allow", resource=["obs:*:*:bucket:*"])
        ],
    )
    update = ServicePolicyRoleOption(
        display_name=name + "-v2", type="AX", description="list objects", policy=updated_policy
    )
    updated = compat.root.update_cloud_service_custom_policy(
        UpdateCloudServiceCustomPolicyRequest(
            role_id=created.id, body=UpdateCloudServiceCustomPolicyRequestBody(role=update)
        )
    ).role
    assert updated.display_name == name + "-v2"
    assert updated.policy.statement[0].action == ["obs:bucket:ListBucket"]
    compat.root.delete_custom_policy(DeleteCustomPolicyRequest(role_id=created.id))
    listed = compat.root.list_custom_policies(ListCustomPoliciesRequest()).roles
    assert created.id not in {r.id for r in listed}
    assert (
        status_of(lambda: compat.root.show_custom_policy(ShowCustomPolicyRequest(role_id=created.id))) == 404
    )


def test_invalid_custom_policy_is_400(compat: Compat) -> None:
    policy = ServicePolicy(
        version="1.1", statement=[ServiceStatement(action=["not an action"], effect="Allow")]
    )
    option = ServicePolicyRoleOption(display_name=unique("bad"), type="AX", description="bad", policy=policy)
    request = CreateCloudServiceCustomPolicyRequest(
        body=CreateCloudServiceCustomPolicyRequestBody(role=option)
    )
    assert status_of(lambda: compat.root.create_cloud_service_custom_policy(request)) == 400


def test_domain_grant_check_and_revoke(compat: Compat) -> None:
    group_id = new_group(compat)
    role = role_id(compat, "secu_admin")
    check = KeystoneCheckDomainPermissionForGroupRequest(
        domain_id=compat.domain_id, group_id=group_id, role_id=role
    )
    assert status_of(lambda: compat.root.keystone_check_domain_permission_for_group(check)) == 404
    grant_on_domain(compat, group_id, role)
    compat.root.keystone_check_domain_permission_for_group(check)
    granted = compat.root.keystone_list_domain_permissions_for_group(
        KeystoneListDomainPermissionsForGroupRequest(domain_id=compat.domain_id, group_id=group_id)
    ).roles
    assert [r.id for r in granted] == [role]
    compat.root.keystone_remove_domain_permission_from_group(
        KeystoneRemoveDomainPermissionFromGroupRequest(
            domain_id=compat.domain_id, group_id=group_id, role_id=role
        )
    )
    assert status_of(lambda: compat.root.keystone_check_domain_permission_for_group(check)) == 404


def test_project_grant_and_inherited_grant(compat: Compat) -> None:
    group_id = new_group(compat)
    role = role_id(compat, "te_admin")
    project = compat.root.keystone_list_projects(KeystoneListProjectsRequest()).projects[0]
    check = KeystoneCheckProjectPermissionForGroupRequest(
        project_id=project.id, group_id=group_id, role_id=role
    )
    assert status_of(lambda: compat.root.keystone_check_project_permission_for_group(check)) == 404
    compat.root.keystone_associate_group_with_project_permission(
        KeystoneAssociateGroupWithProjectPermissionRequest(
            project_id=project.id, group_id=group_id, role_id=role
        )
    )
    compat.root.keystone_check_project_permission_for_group(check)
    # All projects at once (OS-INHERIT).
    other = new_group(compat)
    compat.root.update_domain_group_inherit_role(
        UpdateDomainGroupInheritRoleRequest(domain_id=compat.domain_id, group_id=other, role_id=role)
    )
    unknown = UpdateDomainGroupInheritRoleRequest(
        domain_id=compat.domain_id, group_id=other, role_id="0" * 32
    )
    assert status_of(lambda: compat.root.update_domain_group_inherit_role(unknown)) == 404


def test_iam_readonly_user_can_list_but_not_create(compat: Compat) -> None:
    group_id = new_group(compat)
    grant_on_domain(compat, group_id, role_id(compat, "iam_readonly"))
    iam = member(compat, group_id)
    users = iam.keystone_list_users(KeystoneListUsersRequest()).users
    assert "admin" in {u.name for u in users}
    assert iam.keystone_list_groups(KeystoneListGroupsRequest()).groups
    assert status_of(lambda: iam.create_user(create_user_request(compat))) == 403


def test_readonly_tenant_guest_excludes_iam(compat: Compat) -> None:
    # As on Huawei, Tenant Guest (readonly) reads every service except IAM.
    group_id = new_group(compat)
    grant_on_domain(compat, group_id, role_id(compat, "readonly"))
    iam = member(compat, group_id)
    assert status_of(lambda: iam.create_user(create_user_request(compat))) == 403
    assert status_of(lambda: iam.keystone_list_users(KeystoneListUsersRequest())) == 403


def test_user_without_policy_is_denied(compat: Compat) -> None:
    _, iam = compat.user_with_key()
    assert status_of(lambda: iam.keystone_list_users(KeystoneListUsersRequest())) == 403
    assert status_of(lambda: iam.keystone_list_groups(KeystoneListGroupsRequest())) == 403
    assert status_of(lambda: iam.create_user(create_user_request(compat))) == 403


def test_secu_admin_user_can_create_users(compat: Compat) -> None:
    group_id = new_group(compat)
    grant_on_domain(compat, group_id, role_id(compat, "secu_admin"))
    iam = member(compat, group_id)
    request = create_user_request(compat)
    created = iam.create_user(request).user
    assert created.name == request.body.user.name
