"""Welkin's system permissions: well-formed, stable, and behaving as Huawei's do."""

from __future__ import annotations

import re
import uuid

import pytest

from welkin.iam import actions, catalog
from welkin.iam.catalog import SYSTEM_PERMISSIONS, SystemPermission
from welkin.iam.policy import AuthzRequest, Decision, evaluate, parse_policy

_OBJECT = "obs:cn-north-4:d0m41n:object:bucket/key"


def role(name: str) -> SystemPermission:
    permission = catalog.by_name(name)
    assert permission is not None, name
    return permission


def decide(names: list[str], action: str, resource: str | None = None) -> Decision:
    return evaluate([role(n).policy for n in names], AuthzRequest(action, resource))


@pytest.mark.parametrize("permission", SYSTEM_PERMISSIONS, ids=lambda p: p.name)
def test_every_entry_is_well_formed(permission: SystemPermission) -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", permission.id)
    assert permission.id == uuid.uuid5(uuid.UUID("d900fac4-3fcd-4d2c-9498-f3ceafb5ea0b"), permission.name).hex
    assert permission.type in ("AA", "AX", "XA")
    assert permission.catalog
    assert permission.display_name
    assert permission.description
    assert parse_policy(permission.policy.to_dict(), system=True) == permission.policy
    assert permission.permission_type == ("role" if permission.policy.version == "1.0" else "policy")
    if permission.policy.version == "1.1" and permission.catalog != "Welkin":
        # Fine-grained system policies obey the same rules as custom ones.
        parse_policy(permission.policy.to_dict())


def test_names_display_names_and_ids_are_unique() -> None:
    for attribute in ("id", "name", "display_name"):
        values = [getattr(p, attribute) for p in SYSTEM_PERMISSIONS]
        assert len(values) == len(set(values)), attribute


def test_ids_are_the_same_in_every_install() -> None:
    assert role("te_admin").id == "208a84053eec5b8a91fe10c4c6bda319"
    assert role("readonly").id == "13d3a2f8523a5956b362cf9bb60d94b1"


def test_lookups() -> None:
    te_admin = role("te_admin")
    assert catalog.by_id(te_admin.id) is te_admin
    assert catalog.by_display_name("Tenant Administrator") is te_admin
    assert catalog.by_name("no_such_role") is None
    assert catalog.by_id("0" * 32) is None


def test_grant_scopes_follow_the_type() -> None:
    assert role("te_admin").grantable_on_domain
    assert role("te_admin").grantable_on_project
    assert role("secu_admin").grantable_on_domain
    assert not role("secu_admin").grantable_on_project
    fgs = catalog.by_display_name("FunctionGraph FullAccess")
    assert fgs is not None
    assert fgs.grantable_on_project
    assert not fgs.grantable_on_domain


@pytest.mark.parametrize(
    ("names", "action", "expected"),
    [
        (["te_admin"], "obs:bucket:CreateBucket", Decision.ALLOW),
        (["te_admin"], "functiongraph:function:create", Decision.ALLOW),
        (["te_admin"], "bss:order:update", Decision.ALLOW),
        (["te_admin"], actions.IAM_CREATE_USER, Decision.IMPLICIT_DENY),
        (["te_admin"], actions.WELKIN_LIST_ACCOUNTS, Decision.IMPLICIT_DENY),
        (["te_admin", "secu_admin"], actions.IAM_CREATE_USER, Decision.ALLOW),
        (["secu_admin"], actions.IAM_CREATE_USER, Decision.ALLOW),
        (["secu_admin"], actions.IAM_GRANT_ROLE_TO_GROUP_ON_PROJECT, Decision.ALLOW),
        (["secu_admin"], actions.IAM_CREATE_AGENCY, Decision.ALLOW),
        (["secu_admin"], actions.IAM_ASSUME_AGENCY, Decision.IMPLICIT_DENY),
        (["secu_admin"], "obs:bucket:ListBucket", Decision.IMPLICIT_DENY),
        (["secu_admin", "te_agency"], actions.IAM_ASSUME_AGENCY, Decision.ALLOW),
        (["readonly"], "obs:bucket:ListAllMyBuckets", Decision.ALLOW),
        (["readonly"], "obs:bucket:HeadBucket", Decision.ALLOW),
        (["readonly"], "functiongraph:function:getConfig", Decision.ALLOW),
        (["readonly"], "functiongraph:function:list", Decision.ALLOW),
        (["readonly"], "obs:object:PutObject", Decision.IMPLICIT_DENY),
        (["readonly"], actions.IAM_CREATE_USER, Decision.IMPLICIT_DENY),
        (["readonly"], actions.IAM_LIST_USERS, Decision.IMPLICIT_DENY),
        (["readonly"], actions.WELKIN_LIST_ACCOUNTS, Decision.IMPLICIT_DENY),
        (["readonly", "iam_readonly"], actions.IAM_LIST_USERS, Decision.ALLOW),
        (["iam_readonly"], actions.IAM_GET_USER, Decision.ALLOW),
        (["iam_readonly"], actions.IAM_CHECK_USER_IN_GROUP, Decision.ALLOW),
        (["iam_readonly"], actions.IAM_DELETE_USER, Decision.IMPLICIT_DENY),
        (["welkin_operator"], actions.WELKIN_CREATE_ACCOUNT, Decision.ALLOW),
        (["welkin_operator"], actions.IAM_CREATE_USER, Decision.IMPLICIT_DENY),
        (["welkin_auditor"], actions.WELKIN_LIST_AUDIT_EVENTS, Decision.ALLOW),
        (["welkin_auditor"], actions.WELKIN_DELETE_ACCOUNT, Decision.IMPLICIT_DENY),
        (["bss_readonly_access"], "bss:bill:view", Decision.ALLOW),
        (["bss_readonly_access"], "bss:bill:update", Decision.IMPLICIT_DENY),
        (["bss_finance_access"], "bss:invoice:update", Decision.ALLOW),
        (["bss_adm"], "bss:order:update", Decision.ALLOW),
    ],
)
def test_roles_behave_as_huawei_describes(names: list[str], action: str, expected: Decision) -> None:
    assert decide(names, action) is expected


@pytest.mark.parametrize(
    ("display_name", "action", "expected"),
    [
        ("OBS Administrator", "obs:bucket:DeleteBucket", True),
        ("OBS ReadOnlyAccess", "obs:bucket:ListBucket", True),
        ("OBS ReadOnlyAccess", "obs:object:GetObject", False),
        ("OBS OperateAccess", "obs:object:GetObject", True),
        ("OBS OperateAccess", "obs:object:PutObject", True),
        ("OBS OperateAccess", "obs:bucket:DeleteBucket", False),
        ("OBS Buckets Viewer", "obs:bucket:ListAllMyBuckets", True),
        ("OBS Buckets Viewer", "obs:bucket:ListBucket", False),
        ("FunctionGraph FullAccess", "functiongraph:function:delete", True),
        ("FunctionGraph ReadOnlyAccess", "functiongraph:function:getCode", True),
        ("FunctionGraph ReadOnlyAccess", "functiongraph:function:invoke", False),
        ("FunctionGraph CommonOperations", "functiongraph:function:invoke", True),
        ("FunctionGraph CommonOperations", "functiongraph:function:delete", False),
    ],
)
def test_fine_grained_policies(display_name: str, action: str, expected: bool) -> None:
    permission = catalog.by_display_name(display_name)
    assert permission is not None
    allowed = evaluate([permission.policy], AuthzRequest(action, _OBJECT)) is Decision.ALLOW
    assert allowed is expected


def test_action_constants() -> None:
    assert actions.IAM_CREATE_USER == "iam:users:createUser"
    assert actions.IAM_ACTIONS
    assert actions.WELKIN_ACTIONS
    assert all(a.startswith("iam:") for a in actions.IAM_ACTIONS)
    assert all(a.startswith("welkin:") for a in actions.WELKIN_ACTIONS)
    assert actions.IAM_ACTIONS.isdisjoint(actions.WELKIN_ACTIONS)
    for action in actions.IAM_ACTIONS | actions.WELKIN_ACTIONS:
        assert re.fullmatch(r"[a-z]+:[A-Za-z]+:[A-Za-z]+", action), action
    assert catalog.actions is actions


def test_every_iam_action_is_reachable_by_some_system_permission() -> None:
    admins = [role("secu_admin").policy, role("te_agency").policy]
    for action in actions.IAM_ACTIONS:
        assert evaluate(admins, AuthzRequest(action)) is Decision.ALLOW, action
