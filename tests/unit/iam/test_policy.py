"""Parsing, validation, wildcard matching and evaluation of IAM policy documents."""

from __future__ import annotations

import json
from typing import Any

import pytest

from welkin.core import errors
from welkin.iam.policy import (
    MAX_POLICY_CHARS,
    AuthzRequest,
    Decision,
    Depend,
    Effect,
    PolicyDocument,
    evaluate,
    parse_policy,
)


def doc(*statements: dict[str, Any], version: str = "1.1") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(*actions: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), **extra}


def deny(*actions: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": list(actions), **extra}


def decide(policies: list[PolicyDocument], action: str, resource: str | None = None) -> Decision:
    return evaluate(policies, AuthzRequest(action, resource))


# --- parsing: valid documents ------------------------------------------------------------


def test_minimal_policy_parses_into_frozen_statements() -> None:
    policy = parse_policy(doc(allow("obs:bucket:ListBucket")))
    assert policy.version == "1.1"
    assert policy.depends == ()
    (statement,) = policy.statements
    assert statement.effect is Effect.ALLOW
    assert statement.actions == ("obs:bucket:ListBucket",)
    assert statement.resources is None
    assert statement.conditions == ()
    with pytest.raises(AttributeError):
        statement.effect = Effect.DENY  # type: ignore[misc]


@pytest.mark.parametrize(
    "document",
    [
        doc(allow("obs:bucket:ListBucket")),
        doc(
            allow("obs:object:GetObject", "obs:bucket:ListBucket", Resource=["obs:*:*:object:b/dir/*"]),
            deny("obs:object:DeleteObject"),
        ),
        doc(allow("ecs:*:get*", Condition={"StringEquals": {"g:UserName": ["alice", "bob"]}})),
        doc(allow("iam:agencies:assume", Resource={"uri": ["/iam/agencies/0123abcd"]})),
        doc(
            allow(
                "obs:*:*",
                Condition={
                    "ForAnyValue:StringLike": {"obs:prefix": ["logs/*"]},
                    "BoolIfExists": {"g:MFAPresent": ["true"]},
                    "Null": {"g:SourceIp": ["false"]},
                },
            )
        ),
    ],
)
def test_to_dict_round_trips(document: dict[str, Any]) -> None:
    policy = parse_policy(document)
    assert policy.to_dict() == document
    assert parse_policy(policy.to_dict()) == policy


def test_role_form_accepts_depends_and_short_actions() -> None:
    role = parse_policy(
        {
            "Version": "1.0",
            "Statement": [allow("*"), deny("iam:*")],
            "Depends": [{"catalog": "BASE", "display_name": "Tenant Guest"}],
        },
        system=True,
    )
    assert role.version == "1.0"
    assert role.depends == (Depend(catalog="BASE", display_name="Tenant Guest"),)
    assert role.to_dict()["Depends"] == [{"catalog": "BASE", "display_name": "Tenant Guest"}]
    assert decide([role], "ecs:servers:create") is Decision.ALLOW
    assert decide([role], "iam:users:createUser") is Decision.IMPLICIT_DENY


def test_condition_values_may_be_json_scalars() -> None:
    policy = parse_policy(doc(allow("a:b:c", Condition={"Bool": {"g:MFAPresent": [True]}})))
    assert policy.statements[0].conditions[0].values == ("true",)


# --- parsing: each invalid case and its message ---------------------------------------


def _long_actions(count: int, width: int) -> list[str]:
    return [f"svc:res:{'a' * width}{i}" for i in range(count)]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param([], "must be a JSON object", id="not-an-object"),
        pytest.param({**doc(allow("a:b:c")), "Extra": 1}, "Unknown top-level key(s) Extra", id="unknown-key"),
        pytest.param(
            {**doc(allow("a:b:c")), "Depends": []}, "Unknown top-level key(s) Depends", id="depends-in-1.1"
        ),
        pytest.param({"Statement": [allow("a:b:c")]}, "Version must be", id="no-version"),
        pytest.param(doc(allow("a:b:c"), version="2.0"), "got '2.0'", id="bad-version"),
        pytest.param(doc(allow("a:b:c"), version="1.0"), "custom policies", id="role-form-in-custom"),
        pytest.param({"Version": "1.1"}, "Statement must be a non-empty list", id="no-statement"),
        pytest.param(doc(), "Statement must be a non-empty list", id="empty-statement"),
        pytest.param(
            {"Version": "1.1", "Statement": ["Allow"]},
            "Statement 1: a statement must be a JSON object",
            id="statement-not-object",
        ),
        pytest.param(
            doc(allow("a:b:c", Sid="x")), "Statement 1: unknown key(s) Sid", id="unknown-statement-key"
        ),
        pytest.param(
            doc({"Effect": "allow", "Action": ["a:b:c"]}), 'Effect must be "Allow" or "Deny"', id="bad-effect"
        ),
        pytest.param(doc({"Action": ["a:b:c"]}), "got None", id="no-effect"),
        pytest.param(doc(allow()), "Statement 1: Action must be a non-empty list", id="empty-action"),
        pytest.param(
            doc({"Effect": "Allow", "Action": "a:b:c"}), "Action must be a non-empty list", id="action-str"
        ),
        pytest.param(doc({"Effect": "Allow"}), "Action must be a non-empty list", id="no-action"),
        pytest.param(
            doc({"Effect": "Allow", "Action": [3]}), "Action 1: actions are strings", id="action-not-str"
        ),
        pytest.param(
            doc(allow("obs:bucket")), "'obs:bucket' is not of the form service:resource:action", id="2-parts"
        ),
        pytest.param(doc(allow("a:b:c:d")), "is not of the form", id="4-parts"),
        pytest.param(doc(allow("obs::ListBucket")), "is not of the form", id="empty-part"),
        pytest.param(doc(allow("*")), "is not of the form", id="bare-star-in-custom"),
        pytest.param(doc(allow("obs:bucket:List Bucket")), "is not of the form", id="space"),
        pytest.param(doc(allow("a:b:c", "x")), "Statement 1, Action 2", id="names-the-action"),
        pytest.param(doc(allow("a:b:c"), allow("bad")), "Statement 2, Action 1", id="names-the-statement"),
        pytest.param(
            doc(allow("welkin:accounts:listAccounts")), "reserved for Welkin operators", id="reserved"
        ),
        pytest.param(
            doc(allow("a:b:c", Resource=[])), "Resource: must be a non-empty list", id="empty-resource"
        ),
        pytest.param(doc(allow("a:b:c", Resource="*")), "must be a non-empty list", id="resource-str"),
        pytest.param(
            doc(allow("a:b:c", Resource=["obs:bucket:x"])),
            "'obs:bucket:x' is not of the form service:region:domain_id:type:path",
            id="short-urn",
        ),
        pytest.param(doc(allow("a:b:c", Resource=["obs:*:*:bucket:"])), "Resource 1", id="empty-path"),
        pytest.param(
            doc(allow("a:b:c", Resource=["welkin:*:*:account:*"])), "reserved", id="reserved-resource"
        ),
        pytest.param(
            doc(allow("a:b:c", Resource={"uri": ["/x"], "urn": []})), 'exactly one key, "uri"', id="uri-keys"
        ),
        pytest.param(doc(allow("a:b:c", Resource={"uri": ["x"]})), "must start with '/'", id="uri-relative"),
        pytest.param(
            doc(allow("a:b:c", Resource=["obs:*:*:object:" + "k" * 120])),
            "longer than 128",
            id="long-resource",
        ),
        pytest.param(
            doc(allow("a:b:c", Resource=[f"obs:*:*:bucket:b{i}" for i in range(11)])),
            "at most 10 resources",
            id="many-resources",
        ),
        pytest.param(doc(allow(*_long_actions(101, 1))), "at most 100 actions", id="many-actions"),
        pytest.param(doc(*[allow("a:b:c")] * 65), "at most 64 statements", id="many-statements"),
        pytest.param(
            doc(allow(*_long_actions(90, 70))), f"at most {MAX_POLICY_CHARS} characters", id="too-long"
        ),
        pytest.param(doc(allow("a:b:c", Extra={1, 2})), "JSON values only", id="not-json"),
        pytest.param(doc(allow("a:b:c", Condition=[])), "Condition must be an object", id="condition-list"),
        pytest.param(
            doc(allow("a:b:c", Condition={"StringContains": {"g:UserName": ["a"]}})),
            "unknown condition operator 'StringContains'",
            id="unknown-operator",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"NumericEquals": {"g:X": ["1"]}})),
            "unknown condition operator 'NumericEquals'",
            id="aws-spelling",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"ForSomeValues:StringEquals": {"g:X": ["1"]}})),
            "unknown condition operator",
            id="bad-qualifier",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"StringEquals": {}})),
            "must map at least one condition key",
            id="operator-without-keys",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"StringEquals": {"UserName": ["a"]}})),
            "must look like 'prefix:Name'",
            id="key-without-prefix",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"StringEquals": {"g:UserName": "a"}})),
            "must be a list of values",
            id="values-not-list",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"StringEquals": {"g:UserName": []}})),
            "needs at least one value",
            id="values-empty",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"StringEquals": {"g:UserName": [{"a": 1}]}})),
            "values must be strings",
            id="value-object",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"NumberEquals": {"g:N": ["ten"]}})),
            "bad value 'ten'",
            id="bad-number",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"DateLessThan": {"g:CurrentTime": ["tomorrow"]}})),
            "bad value 'tomorrow'",
            id="bad-date",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"IpAddress": {"g:SourceIp": ["10.0.0.300/8"]}})),
            "bad value",
            id="bad-ip",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"Bool": {"g:MFAPresent": ["yes"]}})),
            'must be "true" or "false"',
            id="bad-bool",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"ForAnyValue:Null": {"g:X": ["true"]}})),
            "takes neither",
            id="qualified-null",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"NullIfExists": {"g:X": ["true"]}})),
            "takes neither",
            id="null-ifexists",
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"Null": {"g:X": ["true", "false"]}})), "single value", id="null-two"
        ),
        pytest.param(
            doc(allow("a:b:c", Condition={"StringEquals": {f"g:K{i}": ["v"] for i in range(11)}})),
            "at most 10 conditions",
            id="many-conditions",
        ),
    ],
)
def test_invalid_documents_are_rejected_with_a_clear_message(document: object, message: str) -> None:
    with pytest.raises(errors.InvalidPolicy) as caught:
        parse_policy(document)
    assert message in caught.value.message
    assert caught.value.status == 400


def test_size_is_measured_on_compact_json() -> None:
    # Just under the limit passes however the client spaced its JSON.
    document = doc(allow(*_long_actions(60, 40)))
    assert len(json.dumps(document, separators=(",", ":"))) <= MAX_POLICY_CHARS
    parse_policy(document)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            {"Version": "1.0", "Statement": [allow("a:b:c")], "Depends": {}}, "Depends must be a list"
        ),
        pytest.param(
            {"Version": "1.0", "Statement": [allow("a:b:c")], "Depends": [{"catalog": "X"}]}, "Depends 1"
        ),
        pytest.param({"Version": "1.0", "Statement": [allow("a:b")]}, "is not of the form"),
    ],
)
def test_invalid_role_documents(document: object, message: str) -> None:
    with pytest.raises(errors.InvalidPolicy, match=message):
        parse_policy(document, system=True)


# --- action matching ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("obs:bucket:ListBucket", "obs:bucket:ListBucket", True),
        ("obs:bucket:ListBucket", "obs:bucket:ListBuckets", False),
        ("OBS:BUCKET:listbucket", "obs:bucket:ListBucket", True),
        ("obs:bucket:ListBucket", "OBS:bucket:ListBucket", True),
        ("obs:*:*", "obs:object:PutObject", True),
        ("obs:*:*", "ecs:servers:create", False),
        ("obs:bucket:List*", "obs:bucket:ListAllMyBuckets", True),
        ("obs:bucket:List*", "obs:object:ListMultipartUploadParts", False),
        ("*:*:get*", "ecs:servers:getServer", True),
        ("*:*:get*", "ecs:servers:list", False),
        ("obs:*:Get*", "obs:object:GetObjectAcl", True),
        ("ob?:bucket:ListBucket", "obs:bucket:ListBucket", True),
        ("ob?:bucket:ListBucket", "obss:bucket:ListBucket", False),
        ("obs:bucket:*", "obs:bucket:a:b", False),
        ("*:*:*", "iam:users:createUser", True),
        ("*:*:*", "welkin:accounts:listAccounts", False),
        ("*:*:*", "WELKIN:accounts:listAccounts", False),
        ("w*:*:*", "welkin:accounts:listAccounts", False),
        ("w*:*:*", "waf:rules:list", True),
    ],
)
def test_action_wildcards(pattern: str, action: str, expected: bool) -> None:
    policy = parse_policy(doc(allow(pattern)))
    assert policy.statements[0].matches_action(action) is expected
    assert (decide([policy], action) is Decision.ALLOW) is expected


def test_reserved_service_is_reached_only_by_name() -> None:
    operator = parse_policy(doc(allow("welkin:*:*")), system=True)
    assert decide([operator], "welkin:accounts:createAccount") is Decision.ALLOW
    assert decide([operator], "obs:bucket:ListBucket") is Decision.IMPLICIT_DENY


# --- resource matching --------------------------------------------------------------

_OBJ = "obs:cn-north-4:d0m41n:object:"


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("obs:*:*:bucket:my-bucket", "obs:cn-north-4:d0m41n:bucket:my-bucket", True),
        ("obs:*:*:bucket:my-bucket", "obs:cn-north-4:d0m41n:bucket:my-bucket2", False),
        ("OBS:*:*:BUCKET:my-bucket", "obs:cn-north-4:d0m41n:bucket:my-bucket", True),
        ("obs:*:*:bucket:My-Bucket", "obs:cn-north-4:d0m41n:bucket:my-bucket", False),
        ("obs:*:*:object:my-bucket/dir/*", _OBJ + "my-bucket/dir/a.txt", True),
        ("obs:*:*:object:my-bucket/dir/*", _OBJ + "my-bucket/dir/a/b/c.txt", True),
        ("obs:*:*:object:my-bucket/dir/*", _OBJ + "my-bucket/dir", False),
        ("obs:*:*:object:my-bucket/dir/*", _OBJ + "my-bucket/Dir/a.txt", False),
        ("obs:*:*:object:my-bucket/dir/*", _OBJ + "other/dir/a.txt", False),
        ("obs:*:*:object:my-bucket/*", _OBJ + "my-bucket/a:b", True),
        ("obs:*:*:object:my-bucket/file?.txt", _OBJ + "my-bucket/file1.txt", True),
        ("obs:*:*:object:my-bucket/file?.txt", _OBJ + "my-bucket/file12.txt", False),
        ("obs:*:*:bucket:*", _OBJ + "my-bucket/a.txt", False),
        ("obs:cn-north-4:*:bucket:*", "obs:cn-north-1:d0m41n:bucket:b", False),
        ("obs:*:d0m41n:bucket:*", "obs:cn-north-1:d0m41n:bucket:b", True),
        ("obs:*:d0m41n:bucket:*", "obs:cn-north-1:other:bucket:b", False),
        ("obs:*:*:bucket:*", "ecs:cn-north-1:d0m41n:bucket:b", False),
        ("*", "ecs:cn-north-1:d0m41n:server:abc", True),
    ],
)
def test_resource_matching(pattern: str, resource: str, expected: bool) -> None:
    policy = parse_policy(doc(allow("obs:*:*", "ecs:*:*", Resource=[pattern])))
    assert policy.statements[0].matches_resource(resource) is expected
    assert (decide([policy], "obs:object:GetObject", resource) is Decision.ALLOW) is expected


def test_statement_without_resource_covers_every_resource() -> None:
    policy = parse_policy(doc(allow("obs:object:GetObject")))
    assert decide([policy], "obs:object:GetObject", _OBJ + "any/key") is Decision.ALLOW


def test_resource_is_not_consulted_for_requests_without_one() -> None:
    # As in Huawei's own example: ListAllMyBuckets names no bucket, yet is allowed.
    policy = parse_policy(doc(allow("obs:bucket:ListAllMyBuckets", Resource=["obs:*:*:bucket:*"])))
    assert decide([policy], "obs:bucket:ListAllMyBuckets") is Decision.ALLOW


def test_agency_uri_resources() -> None:
    policy = parse_policy(doc(allow("iam:agencies:assume", Resource={"uri": ["/iam/agencies/a1b2*"]})))
    assert decide([policy], "iam:agencies:assume", "/iam/agencies/a1b2c3") is Decision.ALLOW
    assert decide([policy], "iam:agencies:assume", "/iam/agencies/ffff") is Decision.IMPLICIT_DENY


# --- evaluation ---------------------------------------------------------------------


def test_nothing_applicable_is_an_implicit_deny() -> None:
    policy = parse_policy(doc(allow("obs:bucket:ListBucket")))
    assert decide([], "obs:bucket:ListBucket") is Decision.IMPLICIT_DENY
    assert decide([policy], "obs:object:PutObject") is Decision.IMPLICIT_DENY


@pytest.mark.parametrize("deny_first", [True, False])
def test_explicit_deny_wins_across_policies_in_any_order(deny_first: bool) -> None:
    allows = parse_policy(doc(allow("functiongraph:*:*")))
    denies = parse_policy(doc(deny("functiongraph:function:delete")))
    policies = [denies, allows] if deny_first else [allows, denies]
    assert decide(policies, "functiongraph:function:delete") is Decision.DENY
    assert decide(policies, "functiongraph:function:invoke") is Decision.ALLOW


def test_deny_wins_within_one_policy() -> None:
    policy = parse_policy(doc(allow("obs:*:*"), deny("obs:object:PutObject")))
    assert decide([policy], "obs:object:PutObject") is Decision.DENY
    assert decide([policy], "obs:object:GetObject") is Decision.ALLOW


def test_deny_scoped_to_a_resource_spares_others() -> None:
    policy = parse_policy(
        doc(allow("obs:*:*"), deny("obs:object:DeleteObject", Resource=["obs:*:*:object:vault/*"]))
    )
    assert decide([policy], "obs:object:DeleteObject", _OBJ + "vault/key") is Decision.DENY
    assert decide([policy], "obs:object:DeleteObject", _OBJ + "scratch/key") is Decision.ALLOW


def test_deny_whose_condition_fails_does_not_deny() -> None:
    policy = parse_policy(
        doc(allow("obs:*:*"), deny("obs:*:*", Condition={"Bool": {"g:MFAPresent": ["false"]}}))
    )
    with_mfa = AuthzRequest("obs:object:GetObject", context={"g:MFAPresent": True})
    without_mfa = AuthzRequest("obs:object:GetObject", context={"g:MFAPresent": False})
    assert evaluate([policy], with_mfa) is Decision.ALLOW
    assert evaluate([policy], without_mfa) is Decision.DENY


def test_role_deny_only_limits_its_own_role() -> None:
    all_but_iam = parse_policy(
        {"Version": "1.0", "Statement": [allow("*:*:*"), deny("iam:*:*")]}, system=True
    )
    iam_admin = parse_policy({"Version": "1.0", "Statement": [allow("iam:*:*")]}, system=True)
    assert decide([all_but_iam], "iam:users:createUser") is Decision.IMPLICIT_DENY
    assert decide([all_but_iam, iam_admin], "iam:users:createUser") is Decision.ALLOW
    assert decide([iam_admin, all_but_iam], "iam:users:createUser") is Decision.ALLOW
    # ...while a custom policy's Deny still overrides what any role allows.
    custom_deny = parse_policy(doc(deny("iam:users:createUser")))
    assert decide([iam_admin, custom_deny], "iam:users:createUser") is Decision.DENY


def test_policies_may_be_any_iterable() -> None:
    policy = parse_policy(doc(allow("a:b:c")))
    assert evaluate(iter([policy]), AuthzRequest("a:b:c")) is Decision.ALLOW
    assert evaluate((p for p in [policy]), AuthzRequest("a:b:d")) is Decision.IMPLICIT_DENY
