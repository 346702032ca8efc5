import json

import pytest

from welkin.obs.bucket_policy import MAX_POLICY_BYTES, Effect, parse_bucket_policy
from welkin.obs.errors import MalformedPolicy
from welkin.obs.principals import PrincipalKind

BUCKET = "photos"


def statement(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def policy(*statements: dict[str, object], **top: object) -> str:
    return json.dumps({"Version": "2012-10-17", **top, "Statement": list(statements)})


def test_a_full_document_parses() -> None:
    parsed = parse_bucket_policy(
        policy(
            statement(Sid="Public"),
            statement(
                Sid="Team",
                Effect="Deny",
                Principal=None,
                NotPrincipal={"ID": ["domain/acc1:root", "domain/acc1:user/u42"]},
                Action=None,
                NotAction=["s3:Get*", "ListBucket"],
                Resource=None,
                NotResource=[BUCKET, f"{BUCKET}/public/*"],
                Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            ),
            Id="policy-1",
        ),
        BUCKET,
    )
    assert parsed.id == "policy-1"
    assert parsed.version == "2012-10-17"
    public, team = parsed.statements
    assert public.sid == "Public"
    assert public.effect is Effect.ALLOW
    assert public.principals[0].kind is PrincipalKind.ANYONE
    assert team.effect is Effect.DENY
    assert team.principals_negated
    assert team.actions.negated
    assert team.resources.negated
    assert [p.kind for p in team.principals] == [PrincipalKind.ACCOUNT, PrincipalKind.USER_ID]
    assert team.conditions[0].values == ("10.0.0.0/8",)


def test_a_single_statement_object_and_a_missing_version_are_accepted() -> None:
    parsed = parse_bucket_policy(json.dumps({"Statement": statement()}), BUCKET)
    assert parsed.version == "2008-10-17"
    assert len(parsed.statements) == 1


def test_aws_principal_forms() -> None:
    principals = {
        "AWS": [
            "arn:aws:iam::acc2:root",
            "arn:aws:iam::acc2:user/alice",
            "acc3",
            "domain/acc4:user/*",
        ]
    }
    parsed = parse_bucket_policy(policy(statement(Principal=principals)), BUCKET)
    kinds = [(p.kind, p.account_id, p.user) for p in parsed.statements[0].principals]
    assert kinds == [
        (PrincipalKind.ACCOUNT, "acc2", None),
        (PrincipalKind.USER_NAME, "acc2", "alice"),
        (PrincipalKind.ACCOUNT, "acc3", None),
        (PrincipalKind.USER_ID, "acc4", "*"),
    ]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "valid JSON"),
        ("[]", "JSON object"),
        (policy(statement(), Extra=1), "Unknown field(s) Extra"),
        (policy(statement(), Version="2020-01-01"), "Version must be"),
        (json.dumps({"Version": "2012-10-17", "Statement": []}), "non-empty list"),
        (json.dumps({"Version": "2012-10-17"}), "Statement must be"),
        (policy({}), "non-empty JSON object"),
        (policy(statement(Effect="Permit")), "Effect must be"),
        (policy(statement(Foo="x")), "unknown field(s) Foo"),
        (policy(statement(Principal=None)), "exactly one of Principal and NotPrincipal"),
        (policy(statement(NotAction="s3:PutObject")), "exactly one of Action and NotAction"),
        (policy(statement(Resource=None)), "exactly one of Resource and NotResource"),
        (policy(statement(Principal={"Service": "x"})), "unknown principal type"),
        (policy(statement(Principal={"AWS": ["user:bob"]})), "invalid principal"),
        (policy(statement(Principal={"ID": []})), "non-empty list"),
        (policy(statement(Action="iam:CreateUser")), "invalid action"),
        (policy(statement(Action=[])), "non-empty string or list"),
        (policy(statement(Resource="arn:aws:s3:::other/*")), "not in bucket 'photos'"),
        (policy(statement(Resource="other")), "not in bucket"),
        (policy(statement(Resource="arn:aws:iam::acc:user/x")), "invalid resource"),
        (policy(statement(Condition={"StringSounds": {"aws:username": "x"}})), "unknown condition operator"),
        (policy(statement(Condition={"IpAddress": {"aws:SourceIp": "not-an-ip"}})), "bad value"),
        (policy(statement(Condition=["x"])), "Condition must be an object"),
        (policy(statement(Sid="A"), statement(Sid="A")), "must be unique; repeated: A"),
        (policy(statement(Sid=7)), "Sid must be a string"),
        (policy(statement(), Id=3), "Id must be a string"),
    ],
)
def test_malformed_documents_say_what_is_wrong(document: str, message: str) -> None:
    with pytest.raises(MalformedPolicy) as caught:
        parse_bucket_policy(document, BUCKET)
    assert message in caught.value.message
    assert caught.value.status == 400
    assert caught.value.code == "MalformedPolicy"


def test_documents_over_20_kib_are_refused() -> None:
    many = [statement(Sid=f"s{i}") for i in range(200)]
    document = policy(*many)
    assert len(document) > MAX_POLICY_BYTES
    with pytest.raises(MalformedPolicy, match="at most 20480 bytes"):
        parse_bucket_policy(document.encode(), BUCKET)


def test_wildcard_bucket_resources_cover_this_bucket() -> None:
    for resource in ("*", "arn:aws:s3:::*", "arn:aws:s3:::pho*/x", "photo?"):
        parse_bucket_policy(policy(statement(Resource=resource)), BUCKET)
