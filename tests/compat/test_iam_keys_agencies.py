"""Permanent and temporary access keys, and agencies across accounts, through the SDK."""

from __future__ import annotations

from huaweicloudsdkiam.v3 import (
    AgencyAuth,
    AgencyAuthIdentity,
    AssociateAgencyWithDomainPermissionRequest,
    AssociateAgencyWithProjectPermissionRequest,
    CheckDomainPermissionForAgencyRequest,
    CreateAgencyOption,
    CreateAgencyRequest,
    CreateAgencyRequestBody,
    CreateCredentialOption,
    CreatePermanentAccessKeyRequest,
    CreatePermanentAccessKeyRequestBody,
    CreateTemporaryAccessKeyByAgencyRequest,
    CreateTemporaryAccessKeyByAgencyRequestBody,
    CreateTemporaryAccessKeyByTokenRequest,
    CreateTemporaryAccessKeyByTokenRequestBody,
    DeleteAgencyRequest,
    DeletePermanentAccessKeyRequest,
    IdentityAssumerole,
    IdentityToken,
    KeystoneAssociateGroupWithDomainPermissionRequest,
    KeystoneDeleteUserRequest,
    KeystoneListAuthDomainsRequest,
    KeystoneListGroupsRequest,
    KeystoneListPermissionsRequest,
    KeystoneListProjectsRequest,
    KeystoneListUsersRequest,
    ListAgenciesRequest,
    ListDomainPermissionsForAgencyRequest,
    ListPermanentAccessKeysRequest,
    RemoveDomainPermissionFromAgencyRequest,
    ShowAgencyRequest,
    ShowPermanentAccessKeyRequest,
    TokenAuth,
    TokenAuthIdentity,
    UpdateAgencyOption,
    UpdateAgencyRequest,
    UpdateAgencyRequestBody,
    UpdateCredentialOption,
    UpdatePermanentAccessKeyRequest,
    UpdatePermanentAccessKeyRequestBody,
)

from tests.compat.conftest import Compat, Tenant, status_of, unique
from tests.conftest import ROOT_AK


def role_id(compat: Compat, name: str) -> str:
    roles = compat.root.keystone_list_permissions(KeystoneListPermissionsRequest(name=name)).roles
    return str(roles[0].id)


def test_permanent_key_lifecycle(compat: Compat) -> None:
    user_id, _ = compat.user_with_key()
    body = CreatePermanentAccessKeyRequestBody(
        credential=CreateCredentialOption(user_id=user_id, description="second key")
    )
    created = compat.root.create_permanent_access_key(CreatePermanentAccessKeyRequest(body=body)).credential
    assert created.user_id == user_id
    assert created.status == "active"
    assert created.access
    assert created.secret
    listed = compat.root.list_permanent_access_keys(
        ListPermanentAccessKeysRequest(user_id=user_id)
    ).credentials
    assert created.access in {k.access for k in listed}
    assert len(listed) == 2
    mine = compat.root.list_permanent_access_keys(ListPermanentAccessKeysRequest()).credentials
    assert ROOT_AK in {k.access for k in mine}
    shown = compat.root.show_permanent_access_key(ShowPermanentAccessKeyRequest(access_key=created.access))
    assert shown.credential.description == "second key"
    assert shown.credential.user_id == user_id
    # The new key signs requests; once inactive it is refused with 401.
    iam = compat.client(created.access, created.secret, domain_id=compat.domain_id)
    assert iam.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains[0].id == compat.domain_id
    update = UpdatePermanentAccessKeyRequestBody(credential=UpdateCredentialOption(status="inactive"))
    updated = compat.root.update_permanent_access_key(
        UpdatePermanentAccessKeyRequest(access_key=created.access, body=update)
    ).credential
    assert updated.status == "inactive"
    assert status_of(lambda: iam.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())) == 401
    compat.root.delete_permanent_access_key(DeletePermanentAccessKeyRequest(access_key=created.access))
    show = ShowPermanentAccessKeyRequest(access_key=created.access)
    assert status_of(lambda: compat.root.show_permanent_access_key(show)) == 404
    assert status_of(lambda: iam.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())) == 401


def test_wrong_secret_key_is_401(compat: Compat) -> None:
    iam = compat.client(ROOT_AK, "not-the-secret-key-0000000000000000000", domain_id=compat.domain_id)
    assert status_of(lambda: iam.keystone_list_users(KeystoneListUsersRequest())) == 401
    unknown = compat.client("NOSUCHACCESSKEY00000", "whatever", domain_id=compat.domain_id)
    assert status_of(lambda: unknown.keystone_list_users(KeystoneListUsersRequest())) == 401


def test_temporary_key_by_token(compat: Compat) -> None:
    by_token = compat.by_token(compat.root_token)
    body = CreateTemporaryAccessKeyByTokenRequestBody(
        auth=TokenAuth(
            identity=TokenAuthIdentity(methods=["token"], token=IdentityToken(duration_seconds=900))
        )
    )
    credential = by_token.create_temporary_access_key_by_token(
        CreateTemporaryAccessKeyByTokenRequest(body=body)
    ).credential
    assert credential.access
    assert credential.secret
    assert credential.securitytoken
    assert credential.expires_at
    temp = compat.client(
        credential.access,
        credential.secret,
        security_token=credential.securitytoken,
        domain_id=compat.domain_id,
    )
    users = temp.keystone_list_users(KeystoneListUsersRequest()).users
    assert "admin" in {u.name for u in users}
    # Without the security token the temporary AK is unknown.
    bare = compat.client(credential.access, credential.secret, domain_id=compat.domain_id)
    assert status_of(lambda: bare.keystone_list_users(KeystoneListUsersRequest())) == 401
    # A tampered security token is refused.
    forged = compat.client(
        credential.access,
        credential.secret,
        security_token=credential.securitytoken[:-4] + "AAAA",
        domain_id=compat.domain_id,
    )
    assert status_of(lambda: forged.keystone_list_users(KeystoneListUsersRequest())) == 401


def create_agency(compat: Compat, trusted: Tenant, name: str) -> str:
    option = CreateAgencyOption(
        name=name,
        domain_id=compat.domain_id,
        trust_domain_id=trusted.account_id,
        trust_domain_name=trusted.name,
        description="ops team",
        duration="FOREVER",
    )
    agency = compat.root.create_agency(
        CreateAgencyRequest(body=CreateAgencyRequestBody(agency=option))
    ).agency
    assert agency.name == name
    assert agency.domain_id == compat.domain_id
    assert agency.trust_domain_id == trusted.account_id
    assert agency.duration == "FOREVER"
    return str(agency.id)


def allow_assume(compat: Compat, tenant: Tenant) -> None:
    groups = tenant.iam.keystone_list_groups(KeystoneListGroupsRequest(name="admin")).groups
    assert len(groups) == 1
    tenant.iam.keystone_associate_group_with_domain_permission(
        KeystoneAssociateGroupWithDomainPermissionRequest(
            domain_id=tenant.account_id, group_id=groups[0].id, role_id=role_id(compat, "te_agency")
        )
    )


def test_agency_lifecycle(compat: Compat) -> None:
    trusted = compat.tenant()
    name = unique("agency")
    agency_id = create_agency(compat, trusted, name)
    listed = compat.root.list_agencies(ListAgenciesRequest(domain_id=compat.domain_id)).agencies
    assert agency_id in {a.id for a in listed}
    by_name = compat.root.list_agencies(ListAgenciesRequest(domain_id=compat.domain_id, name=name)).agencies
    assert [a.id for a in by_name] == [agency_id]
    shown = compat.root.show_agency(ShowAgencyRequest(agency_id=agency_id)).agency
    assert (shown.name, shown.description) == (name, "ops team")
    update = UpdateAgencyRequestBody(agency=UpdateAgencyOption(description="changed", duration="ONEDAY"))
    updated = compat.root.update_agency(UpdateAgencyRequest(agency_id=agency_id, body=update)).agency
    assert updated.description == "changed"
    assert updated.duration == "ONEDAY"
    compat.root.delete_agency(DeleteAgencyRequest(agency_id=agency_id))
    assert status_of(lambda: compat.root.show_agency(ShowAgencyRequest(agency_id=agency_id))) == 404


def test_agency_duration_in_days(compat: Compat) -> None:
    # The SDK types duration as an object: "FOREVER", "ONEDAY", or a number of days.
    trusted = compat.tenant()
    agency_id = create_agency(compat, trusted, unique("agency"))
    for days, expected in (("20", "20"), (30, "30")):
        update = UpdateAgencyRequestBody(agency=UpdateAgencyOption(duration=days))
        updated = compat.root.update_agency(UpdateAgencyRequest(agency_id=agency_id, body=update)).agency
        assert str(updated.duration) == expected
    bad = UpdateAgencyRequest(
        agency_id=agency_id, body=UpdateAgencyRequestBody(agency=UpdateAgencyOption(duration=0))
    )
    assert status_of(lambda: compat.root.update_agency(bad)) == 400


def test_agency_permissions_and_assume(compat: Compat) -> None:
    trusted = compat.tenant()
    name = unique("agency")
    agency_id = create_agency(compat, trusted, name)
    role = role_id(compat, "iam_readonly")
    check = CheckDomainPermissionForAgencyRequest(
        domain_id=compat.domain_id, agency_id=agency_id, role_id=role
    )
    assert status_of(lambda: compat.root.check_domain_permission_for_agency(check)) == 404
    compat.root.associate_agency_with_domain_permission(
        AssociateAgencyWithDomainPermissionRequest(
            domain_id=compat.domain_id, agency_id=agency_id, role_id=role
        )
    )
    compat.root.check_domain_permission_for_agency(check)
    roles = compat.root.list_domain_permissions_for_agency(
        ListDomainPermissionsForAgencyRequest(domain_id=compat.domain_id, agency_id=agency_id)
    ).roles
    assert [r.id for r in roles] == [role]
    project = compat.root.keystone_list_projects(KeystoneListProjectsRequest()).projects[0]
    compat.root.associate_agency_with_project_permission(
        AssociateAgencyWithProjectPermissionRequest(
            project_id=project.id, agency_id=agency_id, role_id=role_id(compat, "te_admin")
        )
    )

    # Switching into agencies needs Agent Operator (te_agency), which admins lack by default.
    allow_assume(compat, trusted)
    # The trusted account's admin switches into the agency, by account name and by account id.
    for by_name in (True, False):
        assume = IdentityAssumerole(
            agency_name=name,
            domain_name="admin" if by_name else None,
            domain_id=None if by_name else compat.domain_id,
            duration_seconds=900,
        )
        body = CreateTemporaryAccessKeyByAgencyRequestBody(
            auth=AgencyAuth(identity=AgencyAuthIdentity(methods=["assume_role"], assume_role=assume))
        )
        credential = trusted.iam.create_temporary_access_key_by_agency(
            CreateTemporaryAccessKeyByAgencyRequest(body=body)
        ).credential
        assert credential.securitytoken
        delegated = compat.client(
            credential.access,
            credential.secret,
            security_token=credential.securitytoken,
            domain_id=compat.domain_id,
        )
        # It sees the delegating account's users, read-only.
        users = delegated.keystone_list_users(KeystoneListUsersRequest()).users
        assert "admin" in {u.name for u in users}
        assert all(u.domain_id == compat.domain_id for u in users)
        assert status_of(lambda d=delegated: d.delete_agency(DeleteAgencyRequest(agency_id=agency_id))) == 403

    compat.root.remove_domain_permission_from_agency(
        RemoveDomainPermissionFromAgencyRequest(domain_id=compat.domain_id, agency_id=agency_id, role_id=role)
    )
    assert status_of(lambda: compat.root.check_domain_permission_for_agency(check)) == 404


def test_untrusted_account_cannot_assume(compat: Compat) -> None:
    trusted, stranger = compat.tenant(), compat.tenant()
    name = unique("agency")
    create_agency(compat, trusted, name)
    allow_assume(compat, stranger)
    assume = IdentityAssumerole(agency_name=name, domain_name="admin", duration_seconds=900)
    body = CreateTemporaryAccessKeyByAgencyRequestBody(
        auth=AgencyAuth(identity=AgencyAuthIdentity(methods=["assume_role"], assume_role=assume))
    )
    request = CreateTemporaryAccessKeyByAgencyRequest(body=body)
    assert status_of(lambda: stranger.iam.create_temporary_access_key_by_agency(request)) == 403


def test_deleting_an_agency_or_user_revokes_their_keys(compat: Compat) -> None:
    trusted = compat.tenant()
    allow_assume(compat, trusted)
    name = unique("agency")
    agency_id = create_agency(compat, trusted, name)
    compat.root.associate_agency_with_domain_permission(
        AssociateAgencyWithDomainPermissionRequest(
            domain_id=compat.domain_id, agency_id=agency_id, role_id=role_id(compat, "iam_readonly")
        )
    )
    assume = IdentityAssumerole(agency_name=name, domain_name="admin", duration_seconds=900)
    body = CreateTemporaryAccessKeyByAgencyRequestBody(
        auth=AgencyAuth(identity=AgencyAuthIdentity(methods=["assume_role"], assume_role=assume))
    )
    credential = trusted.iam.create_temporary_access_key_by_agency(
        CreateTemporaryAccessKeyByAgencyRequest(body=body)
    ).credential
    delegated = compat.client(
        credential.access,
        credential.secret,
        security_token=credential.securitytoken,
        domain_id=compat.domain_id,
    )
    assert delegated.keystone_list_users(KeystoneListUsersRequest()).users
    compat.root.delete_agency(DeleteAgencyRequest(agency_id=agency_id))
    assert status_of(lambda: delegated.keystone_list_users(KeystoneListUsersRequest())) == 401

    user_id, iam = compat.user_with_key()
    assert iam.keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains
    compat.root.keystone_delete_user(KeystoneDeleteUserRequest(user_id=user_id))
    assert status_of(lambda: iam.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())) == 401
