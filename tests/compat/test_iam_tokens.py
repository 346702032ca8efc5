"""Keystone tokens, projects and regions through huaweicloudsdkiam's IamClient."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from huaweicloudsdkiam.v3 import (
    KeystoneCreateProjectOption,
    KeystoneCreateProjectRequest,
    KeystoneCreateProjectRequestBody,
    KeystoneCreateScopedTokenRequest,
    KeystoneCreateScopedTokenRequestBody,
    KeystoneListAuthDomainsRequest,
    KeystoneListAuthProjectsRequest,
    KeystoneListProjectsRequest,
    KeystoneListRegionsRequest,
    KeystoneShowProjectRequest,
    KeystoneShowRegionRequest,
    KeystoneValidateTokenRequest,
    ScopedToken,
    ScopedTokenAuth,
    ScopedTokenIdentity,
    ScopeProjectOption,
    TokenSocpeOption,
)

from tests.compat.conftest import Compat, password_token, status_of
from tests.conftest import ROOT_AK, ROOT_PASSWORD, ROOT_SK
from welkin.iam.keyring import Keyring, load_or_create_key
from welkin.iam.models import TokenClaims


def test_domain_scoped_password_token(compat: Compat) -> None:
    token, resp = password_token(compat.root, "admin", "admin", ROOT_PASSWORD)
    assert token
    assert resp.x_subject_token == token
    assert resp.token.user.name == "admin"
    assert resp.token.user.domain.name == "admin"
    assert resp.token.domain.id == compat.domain_id
    assert resp.token.project is None
    assert "password" in resp.token.methods
    assert any(s.type == "iam" for s in resp.token.catalog)


def test_project_scoped_password_token(compat: Compat) -> None:
    projects = compat.root.keystone_list_projects(KeystoneListProjectsRequest()).projects
    region_project = projects[0]
    token, resp = password_token(compat.root, "admin", "admin", ROOT_PASSWORD, project=region_project.name)
    assert token
    assert resp.token.project.id == region_project.id
    assert resp.token.project.name == region_project.name
    assert resp.token.project.domain.id == compat.domain_id


def test_wrong_password_is_401(compat: Compat) -> None:
    assert status_of(lambda: password_token(compat.root, "admin", "admin", "Not-the-password-1")) == 401


def test_validate_token(compat: Compat) -> None:
    subject, _ = password_token(compat.root, "admin", "admin", ROOT_PASSWORD)
    resp = compat.root.keystone_validate_token(KeystoneValidateTokenRequest(x_subject_token=subject))
    assert resp.x_subject_token == subject
    assert resp.token.user.name == "admin"
    assert resp.token.domain.id == compat.domain_id
    # The same validation authenticated by the token itself.
    by_token = compat.client("unused", "unused", domain_id=compat.domain_id, token=subject)
    again = by_token.keystone_validate_token(KeystoneValidateTokenRequest(x_subject_token=subject))
    assert again.token.user.id == resp.token.user.id


def test_garbage_and_unknown_tokens_are_401(compat: Compat) -> None:
    for bad in ("garbage", "x" * 300):
        client = compat.client("unused", "unused", domain_id=compat.domain_id, token=bad)
        assert (
            status_of(lambda c=client: c.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())) == 401
        )
    assert status_of(
        lambda: compat.root.keystone_validate_token(KeystoneValidateTokenRequest(x_subject_token="bogus"))
    ) in (401, 404)


def test_list_auth_domains_gives_the_domain_id(compat: Compat) -> None:
    # A fresh GlobalCredentials has no domain id: the SDK fetches it from this very API.
    fresh = compat.client(ROOT_AK, ROOT_SK)
    resp = fresh.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())
    assert [d.id for d in resp.domains] == [compat.domain_id]
    assert resp.domains[0].name == "admin"
    assert resp.domains[0].enabled is True


def test_list_auth_projects(compat: Compat) -> None:
    resp = compat.root.keystone_list_auth_projects(KeystoneListAuthProjectsRequest())
    assert resp.projects
    assert all(p.domain_id == compat.domain_id for p in resp.projects)


def test_regions(compat: Compat) -> None:
    regions = compat.root.keystone_list_regions(KeystoneListRegionsRequest()).regions
    assert len(regions) == 1
    region_id = regions[0].id
    shown = compat.root.keystone_show_region(KeystoneShowRegionRequest(region_id=region_id)).region
    assert shown.id == region_id
    assert shown.type == "public"
    assert (
        status_of(lambda: compat.root.keystone_show_region(KeystoneShowRegionRequest(region_id="nowhere")))
        == 404
    )


def test_projects(compat: Compat) -> None:
    listed = compat.root.keystone_list_projects(KeystoneListProjectsRequest()).projects
    region_id = compat.root.keystone_list_regions(KeystoneListRegionsRequest()).regions[0].id
    assert any(p.name == region_id for p in listed)
    parent = next(p for p in listed if p.name == region_id)
    name = f"{region_id}_sub"
    body = KeystoneCreateProjectRequestBody(
        project=KeystoneCreateProjectOption(
            name=name, parent_id=parent.id, domain_id=compat.domain_id, description="compat"
        )
    )
    created = compat.root.keystone_create_project(KeystoneCreateProjectRequest(body=body)).project
    assert created.name == name
    assert created.domain_id == compat.domain_id
    assert created.description == "compat"
    shown = compat.root.keystone_show_project(KeystoneShowProjectRequest(project_id=created.id)).project
    assert (shown.id, shown.name) == (created.id, name)
    by_name = compat.root.keystone_list_projects(KeystoneListProjectsRequest(name=name)).projects
    assert [p.id for p in by_name] == [created.id]
    assert (
        status_of(lambda: compat.root.keystone_show_project(KeystoneShowProjectRequest(project_id="0" * 32)))
        == 404
    )
    # A project-scoped token for the new project works.
    token, resp = password_token(compat.root, "admin", "admin", ROOT_PASSWORD, project=name)
    assert token
    assert resp.token.project.id == created.id


def test_expired_token_is_401(compat: Compat) -> None:
    # Seal a well-formed token that expired an hour ago, with the server's own key.
    keyring = Keyring(load_or_create_key(compat.server.data_dir / "secret.key"))
    validated = compat.root.keystone_validate_token(
        KeystoneValidateTokenRequest(x_subject_token=compat.root_token)
    )
    now = datetime.now(UTC)
    claims = TokenClaims(
        validated.token.user.id,
        compat.domain_id,
        None,
        ("password",),
        now - timedelta(hours=2),
        now - timedelta(hours=1),
    )
    expired = keyring.seal_token(claims)
    client = compat.by_token(expired)
    assert status_of(lambda: client.keystone_list_auth_domains(KeystoneListAuthDomainsRequest())) == 401
    # The same claims, still valid, are accepted: the 401 was for the expiry alone.
    fresh = keyring.seal_token(
        replace(claims, issued_at=datetime.now(UTC), expires_at=now + timedelta(hours=1))
    )
    domains = compat.by_token(fresh).keystone_list_auth_domains(KeystoneListAuthDomainsRequest()).domains
    assert domains[0].id == compat.domain_id


def test_rescope_token_to_a_project(compat: Compat) -> None:
    project = compat.root.keystone_list_projects(KeystoneListProjectsRequest()).projects[0]
    body = KeystoneCreateScopedTokenRequestBody(
        auth=ScopedTokenAuth(
            identity=ScopedTokenIdentity(methods=["token"], token=ScopedToken(id=compat.root_token)),
            scope=TokenSocpeOption(project=ScopeProjectOption(id=project.id)),
        )
    )
    resp = compat.by_token(compat.root_token).keystone_create_scoped_token(
        KeystoneCreateScopedTokenRequest(body=body)
    )
    assert resp.x_subject_token
    assert resp.x_subject_token != compat.root_token
    assert resp.token.project.id == project.id
