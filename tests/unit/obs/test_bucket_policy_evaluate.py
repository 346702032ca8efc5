import json
from datetime import UTC, datetime

import pytest

from welkin.iam.conditions import ContextValue
from welkin.obs.bucket_policy import BucketPolicy, Decision, PolicyRequest, evaluate, parse_bucket_policy
from welkin.obs.requester import Requester

BUCKET = "photos"
OBJECT = f"arn:aws:s3:::{BUCKET}/public/cat.jpg"
ANON = Requester.anonymous()
ALICE = Requester.user("acc1", "u-alice", "alice")
ROOT1 = Requester.root("acc1", "u-root", "acc1")
BOB = Requester.user("acc2", "u-bob", "bob")


def compile_one(**fields: object) -> BucketPolicy:
    body: dict[str, object] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    body.update(fields)
    statement = {key: value for key, value in body.items() if value is not None}
    return parse_bucket_policy(json.dumps({"Version": "2012-10-17", "Statement": [statement]}), BUCKET)


def decide(
    policy: BucketPolicy,
    requester: Requester = ANON,
    action: str = "s3:GetObject",
    resource: str = OBJECT,
    context: dict[str, ContextValue] | None = None,
) -> Decision:
    return evaluate(policy, PolicyRequest(requester, action, resource, context or {}))


@pytest.mark.parametrize(
    ("principal", "requester", "expected"),
    [
        ("*", ANON, Decision.ALLOW),
        ({"AWS": "*"}, ANON, Decision.ALLOW),
        ({"AWS": "*"}, BOB, Decision.ALLOW),
        ({"ID": ["domain/acc1:root"]}, ALICE, Decision.ALLOW),
        ({"ID": ["domain/acc1:root"]}, ROOT1, Decision.ALLOW),
        ({"ID": ["domain/acc1:root"]}, BOB, Decision.NO_MATCH),
        ({"ID": ["domain/acc1:root"]}, ANON, Decision.NO_MATCH),
        ({"ID": ["domain/acc1:user/u-alice"]}, ALICE, Decision.ALLOW),
        ({"ID": ["domain/acc1:user/u-alice"]}, ROOT1, Decision.NO_MATCH),
        ({"ID": "domain/acc2:user/u-alice"}, ALICE, Decision.NO_MATCH),
        ({"AWS": ["arn:aws:iam::acc1:user/alice"]}, ALICE, Decision.ALLOW),
        ({"AWS": ["arn:aws:iam::acc1:user/bob"]}, ALICE, Decision.NO_MATCH),
        ({"AWS": "arn:aws:iam::acc2:root"}, BOB, Decision.ALLOW),
        ({"AWS": "domain/acc2:user/*"}, BOB, Decision.ALLOW),
        ({"AWS": "acc2"}, BOB, Decision.ALLOW),
    ],
)
def test_principals(principal: object, requester: Requester, expected: Decision) -> None:
    assert decide(compile_one(Principal=principal), requester) is expected


def test_not_principal_applies_to_everyone_else() -> None:
    policy = compile_one(Effect="Deny", Principal=None, NotPrincipal={"ID": ["domain/acc1:root"]})
    assert decide(policy, ALICE) is Decision.NO_MATCH
    assert decide(policy, BOB) is Decision.DENY
    assert decide(policy, ANON) is Decision.DENY


@pytest.mark.parametrize(
    ("actions", "action", "expected"),
    [
        ("s3:*", "s3:PutObject", Decision.ALLOW),
        ("*", "s3:DeleteBucket", Decision.ALLOW),
        ("s3:Get*", "s3:GetObjectVersion", Decision.ALLOW),
        ("s3:Get*", "s3:PutObject", Decision.NO_MATCH),
        ("S3:GETOBJECT", "s3:GetObject", Decision.ALLOW),
        ("GetObject", "s3:GetObject", Decision.ALLOW),
        ("s3:*Object", "s3:DeleteObject", Decision.ALLOW),
        ("s3:?etObject", "s3:GetObject", Decision.ALLOW),
        (["s3:PutObject", "s3:GetObject"], "s3:GetObject", Decision.ALLOW),
        ("s3:GetObject", "s3:GetObjectAcl", Decision.NO_MATCH),
    ],
)
def test_action_wildcards_ignore_case(actions: object, action: str, expected: Decision) -> None:
    assert decide(compile_one(Action=actions), action=action) is expected


def test_not_action_matches_every_other_action() -> None:
    policy = compile_one(Effect="Deny", Action=None, NotAction=["s3:Get*", "s3:ListBucket"])
    assert decide(policy, action="s3:GetObject") is Decision.NO_MATCH
    assert decide(policy, action="s3:PutObject") is Decision.DENY


@pytest.mark.parametrize(
    ("resources", "resource", "expected"),
    [
        (f"arn:aws:s3:::{BUCKET}/public/*", OBJECT, Decision.ALLOW),
        (f"arn:aws:s3:::{BUCKET}/private/*", OBJECT, Decision.NO_MATCH),
        (f"{BUCKET}/*", OBJECT, Decision.ALLOW),
        (f"{BUCKET}/public/cat.jpg", f"{BUCKET}/public/cat.jpg", Decision.ALLOW),
        (f"{BUCKET}/Public/*", OBJECT, Decision.NO_MATCH),
        (BUCKET, OBJECT, Decision.NO_MATCH),
        (BUCKET, f"arn:aws:s3:::{BUCKET}", Decision.ALLOW),
        ("arn:aws:s3:::*", OBJECT, Decision.ALLOW),
        (f"arn:aws:s3:::{BUCKET}/*/cat.jpg", OBJECT, Decision.ALLOW),
        (f"arn:aws:s3:::{BUCKET}/public/ca?.jpg", OBJECT, Decision.ALLOW),
    ],
)
def test_resources(resources: object, resource: str, expected: Decision) -> None:
    assert decide(compile_one(Resource=resources), resource=resource) is expected


def test_not_resource() -> None:
    policy = compile_one(Effect="Deny", Resource=None, NotResource=f"arn:aws:s3:::{BUCKET}/public/*")
    assert decide(policy) is Decision.NO_MATCH
    assert decide(policy, resource=f"arn:aws:s3:::{BUCKET}/secret") is Decision.DENY


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ({"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}}, {"aws:SourceIp": "192.168.4.2"}, True),
        (
            {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
            {"aws:SourceIp": "10.1.1.1"},
            True,
        ),
        ({"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}}, {"aws:SourceIp": "172.16.0.1"}, False),
        ({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}, {"aws:SourceIp": "2001:db8::1"}, True),
        ({"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}}, {"aws:SourceIp": "172.16.0.1"}, True),
        ({"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}}, {}, False),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": False}, True),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": False}, False),
        ({"StringEquals": {"s3:x-amz-acl": "public-read"}}, {"s3:x-amz-acl": "public-read"}, True),
        ({"StringNotEquals": {"s3:x-amz-acl": "private"}}, {"s3:x-amz-acl": "private"}, False),
        ({"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}, {}, True),
        (
            {"StringLike": {"aws:Referer": "https://*.example.com/*"}},
            {"aws:Referer": "https://w.example.com/a"},
            True,
        ),
        ({"StringNotLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice/"}, False),
        ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
        ({"NumericGreaterThan": {"s3:max-keys": 10}}, {"s3:max-keys": 5}, False),
        (
            {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
            {"aws:CurrentTime": datetime(2029, 1, 1, tzinfo=UTC)},
            True,
        ),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
            {"aws:CurrentTime": datetime(2029, 1, 1, tzinfo=UTC)},
            False,
        ),
        ({"NumericLessThan": {"aws:EpochTime": "2000000000"}}, {"aws:EpochTime": 1_900_000_000}, True),
        ({"Null": {"s3:x-amz-acl": "true"}}, {}, True),
        ({"Null": {"s3:x-amz-acl": "false"}}, {}, False),
        ({"StringEqualsIfExists": {"s3:x-amz-acl": "private"}}, {}, True),
        ({"StringEqualsIfExists": {"s3:x-amz-acl": "private"}}, {"s3:x-amz-acl": "public-read"}, False),
        ({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}, {}, True),
        (
            {"StringEquals": {"s3:ExistingObjectTag/team": "blue"}},
            {"s3:ExistingObjectTag/team": "blue"},
            True,
        ),
        (
            {"StringEquals": {"S3:SIGNATUREVERSION": "AWS4-HMAC-SHA256"}},
            {"s3:signatureversion": "AWS4-HMAC-SHA256"},
            True,
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::photos*"}},
            {"aws:SourceArn": "arn:aws:s3:::photos2"},
            True,
        ),
        (
            {"ForAnyValue:StringEquals": {"s3:RequestObjectTagKeys": ["a", "b"]}},
            {"s3:RequestObjectTagKeys": ["b", "c"]},
            True,
        ),
        (
            {"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["a", "b"]}},
            {"s3:RequestObjectTagKeys": ["b", "c"]},
            False,
        ),
        (
            {"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["a", "b"]}},
            {"s3:RequestObjectTagKeys": ["b"]},
            True,
        ),
        (
            {"StringEquals": {"aws:userid": "u-alice"}, "Bool": {"aws:SecureTransport": "true"}},
            {"aws:SecureTransport": True},
            True,
        ),
        (
            {"StringEquals": {"aws:userid": "u-alice"}, "Bool": {"aws:SecureTransport": "true"}},
            {"aws:SecureTransport": False},
            False,
        ),
    ],
)
def test_conditions(condition: object, context: dict[str, ContextValue], expected: bool) -> None:
    policy = compile_one(Condition=condition)
    wanted = Decision.ALLOW if expected else Decision.NO_MATCH
    assert decide(policy, ALICE, context=context) is wanted


def test_deny_wins_over_allow_whatever_the_order() -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": f"{BUCKET}/*"}
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }
    for statements in ([allow, deny], [deny, allow]):
        policy = parse_bucket_policy(json.dumps({"Statement": statements}), BUCKET)
        assert decide(policy, context={"aws:SourceIp": "8.8.8.8"}) is Decision.DENY
        assert decide(policy, context={"aws:SourceIp": "10.2.3.4"}) is Decision.ALLOW
        assert decide(policy, action="s3:PutObject", context={"aws:SourceIp": "8.8.8.8"}) is Decision.ALLOW


def test_anonymous_requests_have_no_user_context() -> None:
    policy = compile_one(Condition={"Null": {"aws:userid": "true"}})
    assert decide(policy, ANON) is Decision.ALLOW
    assert decide(policy, ALICE) is Decision.NO_MATCH
