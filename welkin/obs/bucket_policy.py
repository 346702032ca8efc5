"""Bucket policies: the S3 policy language as OBS accepts it, parsed and evaluated.

A policy is a JSON document of at most 20 KiB::

    {"Version": "2012-10-17",                       # or "2008-10-17"; optional
     "Id": "...",                                   # optional
     "Statement": [{"Sid": "...",                   # optional, unique
                    "Effect": "Allow" | "Deny",
                    "Principal" | "NotPrincipal": ...,        # see welkin.obs.principals
                    "Action" | "NotAction": "s3:GetObject" | [...],
                    "Resource" | "NotResource": "arn:aws:s3:::bucket/key*" | [...],
                    "Condition": {"Operator": {"key": "value" | [...]}}}]}   # optional

``Statement`` may also be one statement object. Actions are ``s3:`` names with ``*``
and ``?`` wildcards, compared without case; OBS's bare names (``GetObject``) mean the
same ``s3:`` action, and ``*`` means every action. Resources are
``arn:aws:s3:::bucket[/key]`` or OBS's bare ``bucket[/key]``, compared with case and
with ``*`` spanning ``/``; each must fall in the policy's own bucket.

Conditions take the operators of :mod:`welkin.iam.conditions` (whose semantics, with
``IfExists`` and ``ForAnyValue:``/``ForAllValues:``, are those of S3) under their S3
names too: ``Numeric*`` for ``Number*`` and ``Arn*`` for the string forms. A single
value may stand for a one-element list. Keys are the request's context, such as
``aws:SourceIp``, ``aws:SecureTransport``, ``aws:CurrentTime``, ``aws:EpochTime``,
``aws:UserAgent``, ``aws:Referer``, ``aws:username``, ``aws:userid``, ``s3:prefix``,
``s3:delimiter``, ``s3:max-keys``, ``s3:x-amz-acl``, ``s3:ExistingObjectTag/<key>``
or ``s3:signatureversion``; they compare without case.

Evaluation: a statement applies when its principal, action, resource and every
condition match. Any applicable Deny makes the decision ``DENY``; otherwise any
applicable Allow makes it ``ALLOW``; otherwise the policy has nothing to say
(``NO_MATCH``) and other rules decide.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from welkin.core import errors
from welkin.iam.conditions import Condition, ContextValue, parse_condition_block
from welkin.obs.errors import MalformedPolicy
from welkin.obs.principals import PrincipalPattern, parse_principal
from welkin.obs.requester import Requester

MAX_POLICY_BYTES = 20 * 1024
VERSIONS = frozenset({"2008-10-17", "2012-10-17"})
ARN_PREFIX = "arn:aws:s3:::"

_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_ACTION = re.compile(r"\*|(?i:s3:)?[A-Za-z0-9*?]+")
# S3 operator names that are spellings of Huawei IAM ones.
_RENAMED_OPERATORS = (("Numeric", "Number"), ("ArnNot", "StringNot"), ("Arn", "String"))


class Effect(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class Decision(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"
    """An applicable statement explicitly denies the request."""
    NO_MATCH = "NoMatch"
    """No statement applies."""


@dataclass(frozen=True, slots=True)
class PolicyRequest:
    """One request as a bucket policy sees it.

    ``resource`` is ``arn:aws:s3:::bucket`` or ``arn:aws:s3:::bucket/key`` (the bare
    form works too). ``aws:username`` and ``aws:userid`` default to the requester's.
    """

    requester: Requester
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Patterns:
    """A list of names matched as alternatives; ``negated`` for the ``Not...`` elements."""

    names: tuple[str, ...]
    negated: bool
    regex: re.Pattern[str] = field(repr=False, compare=False)

    def matches(self, value: str) -> bool:
        return (self.regex.fullmatch(value) is not None) is not self.negated


@dataclass(frozen=True, slots=True)
class Statement:
    sid: str | None
    effect: Effect
    principals: tuple[PrincipalPattern, ...]
    principals_negated: bool
    actions: _Patterns
    resources: _Patterns
    conditions: tuple[Condition, ...]

    def applies(self, request: PolicyRequest, context: Mapping[str, ContextValue]) -> bool:
        """Whether this statement speaks to ``request``; ``context`` has lower-cased keys."""
        named = any(p.includes(request.requester) for p in self.principals)
        if named is self.principals_negated:
            return False
        if not self.actions.matches(request.action):
            return False
        if not self.resources.matches(_bare(request.resource)):
            return False
        return all(condition.holds(context) for condition in self.conditions)


@dataclass(frozen=True, slots=True)
class BucketPolicy:
    bucket: str
    version: str
    id: str | None
    statements: tuple[Statement, ...]


def evaluate(policy: BucketPolicy, request: PolicyRequest) -> Decision:
    """Deny if any applicable statement denies, else Allow if one allows, else no match."""
    context = _context(request)
    allowed = False
    for statement in policy.statements:
        if allowed and statement.effect is Effect.ALLOW:
            continue
        if statement.applies(request, context):
            if statement.effect is Effect.DENY:
                return Decision.DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.NO_MATCH


def _context(request: PolicyRequest) -> dict[str, ContextValue]:
    context: dict[str, ContextValue] = {}
    requester = request.requester
    if not requester.is_anonymous:
        context["aws:username"] = requester.user_name
        context["aws:userid"] = requester.user_id
        context["aws:principalaccount"] = requester.account_id
    context.update((key.lower(), value) for key, value in request.context.items())
    return context


def _bare(resource: str) -> str:
    return resource[len(ARN_PREFIX) :] if resource.startswith(ARN_PREFIX) else resource


def parse_bucket_policy(text: str | bytes, bucket: str) -> BucketPolicy:
    """Validate the policy document ``text`` for ``bucket`` and compile it.

    Raises :class:`MalformedPolicy` naming what is wrong.
    """
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_POLICY_BYTES:
        raise MalformedPolicy(f"Policies may be at most {MAX_POLICY_BYTES} bytes, this one is {len(raw)}")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPolicy(f"Policies must be valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise MalformedPolicy("A policy must be a JSON object with a Statement")
    unknown = sorted(k for k in document if k not in _TOP_KEYS)
    if unknown:
        raise MalformedPolicy(
            f"Unknown field(s) {', '.join(unknown)}; a policy has Version, Id and Statement"
        )
    version = document.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise MalformedPolicy(f'Version must be "2012-10-17" or "2008-10-17", got {version!r}')
    policy_id = document.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        raise MalformedPolicy("Id must be a string")
    raw_statements = document.get("Statement")
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list) or not raw_statements:
        raise MalformedPolicy("Statement must be a statement object or a non-empty list of them")
    statements = tuple(
        _parse_statement(item, f"Statement {i}", bucket) for i, item in enumerate(raw_statements, start=1)
    )
    sids = [s.sid for s in statements if s.sid is not None]
    duplicates = sorted({sid for sid in sids if sids.count(sid) > 1})
    if duplicates:
        raise MalformedPolicy(f"Statement ids (Sid) must be unique; repeated: {', '.join(duplicates)}")
    return BucketPolicy(bucket=bucket, version=version, id=policy_id, statements=statements)


def _parse_statement(raw: object, where: str, bucket: str) -> Statement:
    if not isinstance(raw, dict) or not raw:
        raise MalformedPolicy(f"{where}: a statement must be a non-empty JSON object")
    unknown = sorted(k for k in raw if k not in _STATEMENT_KEYS)
    if unknown:
        raise MalformedPolicy(f"{where}: unknown field(s) {', '.join(unknown)}")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise MalformedPolicy(f"{where}: Sid must be a string")
    where = f"{where} ({sid})" if sid else where
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicy(f'{where}: Effect must be "Allow" or "Deny", got {effect!r}')
    principal_key, principal_raw = _one_of(raw, "Principal", where)
    action_key, action_raw = _one_of(raw, "Action", where)
    resource_key, resource_raw = _one_of(raw, "Resource", where)
    conditions: tuple[Condition, ...] = ()
    if "Condition" in raw:
        conditions = _parse_conditions(raw["Condition"], where)
    return Statement(
        sid=sid,
        effect=Effect(effect),
        principals=parse_principal(principal_raw, f"{where}: {principal_key}"),
        principals_negated=principal_key.startswith("Not"),
        actions=_parse_actions(action_raw, f"{where}: {action_key}", negated=action_key.startswith("Not")),
        resources=_parse_resources(
            resource_raw, f"{where}: {resource_key}", bucket, negated=resource_key.startswith("Not")
        ),
        conditions=conditions,
    )


def _one_of(raw: Mapping[str, object], name: str, where: str) -> tuple[str, object]:
    present = [key for key in (name, "Not" + name) if key in raw]
    if len(present) != 1:
        raise MalformedPolicy(f"{where}: a statement needs exactly one of {name} and Not{name}")
    return present[0], raw[present[0]]


def _strings(raw: object, where: str) -> list[str]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise MalformedPolicy(f"{where}: must be a non-empty string or list of non-empty strings")
    return items


def _wildcards(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _parse_actions(raw: object, where: str, *, negated: bool) -> _Patterns:
    names = _strings(raw, where)
    alternatives: list[str] = []
    for name in names:
        if not _ACTION.fullmatch(name):
            raise MalformedPolicy(
                f"{where}: invalid action {name!r}; actions are s3:<Name>, e.g. s3:GetObject"
            )
        if name != "*" and not name.lower().startswith("s3:"):
            name = "s3:" + name
        alternatives.append(_wildcards(name))
    regex = re.compile("|".join(alternatives), re.IGNORECASE)
    return _Patterns(tuple(names), negated, regex)


def _parse_resources(raw: object, where: str, bucket: str, *, negated: bool) -> _Patterns:
    names = _strings(raw, where)
    alternatives: list[str] = []
    for name in names:
        bare = _bare(name)
        if name.startswith("arn:") and bare == name:
            raise MalformedPolicy(
                f"{where}: invalid resource {name!r}; S3 resources are arn:aws:s3:::bucket/key"
            )
        bucket_part = bare.split("/", 1)[0]
        if not bare or re.fullmatch(_wildcards(bucket_part), bucket) is None:
            raise MalformedPolicy(f"{where}: resource {name!r} is not in bucket {bucket!r}")
        alternatives.append(_wildcards(bare))
    regex = re.compile("|".join(alternatives), re.DOTALL)
    return _Patterns(tuple(names), negated, regex)


def _parse_conditions(raw: object, where: str) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise MalformedPolicy(f"{where}: Condition must be an object mapping operators to keys")
    block: dict[str, object] = {}
    for operator, keys in raw.items():
        prefix, colon, base = operator.rpartition(":")
        for s3_name, iam_name in _RENAMED_OPERATORS:
            if base.startswith(s3_name):
                base = iam_name + base[len(s3_name) :]
                break
        if isinstance(keys, dict):
            keys = {key: value if isinstance(value, list) else [value] for key, value in keys.items()}
        block[prefix + colon + base] = keys
    try:
        return parse_condition_block(block, where)
    except errors.InvalidPolicy as exc:
        raise MalformedPolicy(exc.message) from None
