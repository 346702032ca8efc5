"""Huawei IAM's policy language: parse, validate and evaluate policy documents.

A policy is a JSON object::

    {"Version": "1.1",
     "Statement": [{"Effect": "Allow" | "Deny",
                    "Action": ["service:resource:action", ...],
                    "Resource": ["service:region:domain_id:type:path", ...],    # optional
                    "Condition": {"Operator": {"prefix:Key": ["value", ...]}}}]}  # optional

``"1.1"`` is the fine-grained form users write as custom policies. ``"1.0"`` is the
role form of Huawei's older system roles (``te_admin``, ``readonly``...): the same
statements plus an optional ``Depends`` list naming roles it relies on, and actions
may be shortened to ``"*"`` or ``"service:*"``.

Actions have three colon-separated parts; ``*`` (any run) and ``?`` (one character)
stay within a part, and matching ignores case, as Huawei's does. Resources are
``service:region:domain_id:type:path`` names such as ``obs:*:*:object:bucket/dir/*``:
wildcards in the first four parts stay within the part, while in the path ``*`` also
spans ``/`` so the pattern covers the whole subtree. Service and type compare without
case (``OBS`` is ``obs``); region, account and path compare exactly. Agency policies
name resources by URI instead: ``{"uri": ["/iam/agencies/<agency_id>"]}``.

A statement without ``Resource`` applies to every resource, and ``Resource`` is not
consulted for requests that name no resource (listing, creating at the top level):
Huawei ignores it for actions without resource-level authorisation. Conditions are
described in :mod:`welkin.iam.conditions`.

Evaluation: an explicit Deny in any applicable statement of a 1.1 policy wins;
otherwise one applicable Allow allows; otherwise the request is implicitly denied.
A Deny inside a 1.0 role only limits what that role itself grants: Tenant
Administrator denies IAM, yet an administrator holding it alongside Security
Administrator manages IAM, as on Huawei.

Welkin's operator service (``welkin``) is reserved: a wildcard service part never
matches it, only a pattern naming it literally, and custom policies may not name it,
so no tenant-written policy can reach operator actions.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from welkin.core import errors
from welkin.iam.conditions import Condition, ContextValue, parse_condition_block
from welkin.iam.patterns import RESERVED_SERVICES, action_pattern, compile_any, uri_pattern, urn_pattern

__all__ = [
    "MAX_ACTIONS",
    "MAX_CONDITIONS",
    "MAX_POLICY_CHARS",
    "MAX_RESOURCES",
    "MAX_RESOURCE_CHARS",
    "MAX_STATEMENTS",
    "RESERVED_SERVICES",
    "AuthzRequest",
    "Condition",
    "ContextValue",
    "Decision",
    "Depend",
    "Effect",
    "PolicyDocument",
    "Statement",
    "evaluate",
    "parse_policy",
]

MAX_POLICY_CHARS = 6144
"""Huawei's limit on a custom policy, counted here on its compact JSON serialisation."""
MAX_ACTIONS = 100
MAX_RESOURCES = 10
MAX_RESOURCE_CHARS = 128
MAX_CONDITIONS = 10
"""Per statement, counted as (operator, key) pairs."""
MAX_STATEMENTS = 64
"""Welkin's own bound; the character limit usually binds first."""

_PART = r"[A-Za-z0-9_.*?-]+"
_ACTION = re.compile(rf"{_PART}:{_PART}:{_PART}")
_URN_PART = re.compile(_PART)
_STATEMENT_KEYS = frozenset({"Effect", "Action", "Resource", "Condition"})


class Effect(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class Decision(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"
    """An applicable statement explicitly denies the request."""
    IMPLICIT_DENY = "ImplicitDeny"
    """No statement allows the request."""


@dataclass(frozen=True, slots=True)
class AuthzRequest:
    """What is being attempted: an action, the resource it touches, and request facts.

    ``context`` holds condition keys such as ``g:UserName``, ``g:DomainName``,
    ``g:ProjectName``, ``g:CurrentTime``, ``g:SourceIp``, ``g:MFAPresent`` or
    ``obs:prefix``; key names compare without case. A list value is multi-valued.
    """

    action: str
    resource: str | None = None
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Depend:
    """A role a 1.0 role document relies on, named as Huawei's ``Depends`` does."""

    catalog: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Statement:
    """One Allow or Deny rule; patterns are compiled once, when the statement is built."""

    effect: Effect
    actions: tuple[str, ...]
    resources: tuple[str, ...] | None = None
    resource_form: Literal["urn", "uri"] = "urn"
    conditions: tuple[Condition, ...] = ()
    _action_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _resource_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        action_re = compile_any([action_pattern(a) for a in self.actions])
        resource_re = None
        if self.resources is not None:
            to_pattern = uri_pattern if self.resource_form == "uri" else urn_pattern
            resource_re = compile_any([to_pattern(r) for r in self.resources], flags=re.DOTALL)
        object.__setattr__(self, "_action_re", action_re)
        object.__setattr__(self, "_resource_re", resource_re)

    def matches_action(self, action: str) -> bool:
        return self._action_re.fullmatch(action) is not None

    def matches_resource(self, resource: str | None) -> bool:
        if resource is None or self._resource_re is None:
            return True
        return self._resource_re.fullmatch(resource) is not None

    def applies(self, request: AuthzRequest, context: Mapping[str, ContextValue] | None = None) -> bool:
        """Whether this statement speaks to ``request``; ``context`` may be pre-lowered."""
        if not self.matches_action(request.action) or not self.matches_resource(request.resource):
            return False
        if not self.conditions:
            return True
        lowered = context if context is not None else _lowered(request.context)
        return all(condition.holds(lowered) for condition in self.conditions)

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"Effect": self.effect.value, "Action": list(self.actions)}
        if self.resources is not None:
            body["Resource"] = (
                {"uri": list(self.resources)} if self.resource_form == "uri" else list(self.resources)
            )
        if self.conditions:
            block: dict[str, dict[str, list[str]]] = {}
            for condition in self.conditions:
                block.setdefault(condition.operator, {})[condition.key] = list(condition.values)
            body["Condition"] = block
        return body


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    version: Literal["1.0", "1.1"]
    statements: tuple[Statement, ...]
    depends: tuple[Depend, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The document in Huawei's JSON shape, as ``GET /v3/roles`` shows it."""
        body: dict[str, object] = {
            "Version": self.version,
            "Statement": [statement.to_dict() for statement in self.statements],
        }
        if self.version == "1.0":
            body["Depends"] = [{"catalog": d.catalog, "display_name": d.display_name} for d in self.depends]
        return body


def _lowered(context: Mapping[str, ContextValue]) -> dict[str, ContextValue]:
    return {key.lower(): value for key, value in context.items()}


def evaluate(policies: Iterable[PolicyDocument], request: AuthzRequest) -> Decision:
    """Decide ``request`` against every statement of every policy: Deny wins, then Allow."""
    allowed = False
    context: dict[str, ContextValue] | None = None
    for policy in policies:
        if policy.version == "1.0":
            # A role's Deny only carves out what that role grants (te_admin "all but IAM"),
            # so holding te_admin and secu_admin together still allows IAM, as on Huawei.
            if not allowed:
                if context is None:
                    context = _lowered(request.context)
                allowed = _role_allows(policy, request, context)
            continue
        for statement in policy.statements:
            if allowed and statement.effect is Effect.ALLOW:
                continue  # once allowed, only a Deny can change the answer
            if not statement.matches_action(request.action):
                continue
            if not statement.matches_resource(request.resource):
                continue
            if statement.conditions:
                if context is None:
                    context = _lowered(request.context)
                if not all(condition.holds(context) for condition in statement.conditions):
                    continue
            if statement.effect is Effect.DENY:
                return Decision.DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _role_allows(role: PolicyDocument, request: AuthzRequest, context: Mapping[str, ContextValue]) -> bool:
    applicable = [statement for statement in role.statements if statement.applies(request, context)]
    return any(s.effect is Effect.ALLOW for s in applicable) and all(
        s.effect is Effect.ALLOW for s in applicable
    )


def parse_policy(document: object, *, system: bool = False) -> PolicyDocument:
    """Validate a policy document (already decoded from JSON) and compile it.

    By default the rules for custom policies apply: Version ``"1.1"``, Huawei's size
    limits, and no reserved services. ``system=True`` is for Welkin's own catalog: it
    also accepts the ``"1.0"`` role form with ``Depends`` and reserved services.
    Raises :class:`errors.InvalidPolicy` with a message naming the faulty part.
    """
    if not isinstance(document, Mapping):
        raise errors.InvalidPolicy("A policy must be a JSON object with Version and Statement")
    if not system:
        _check_size(document)
    raw_version = document.get("Version")
    version: Literal["1.0", "1.1"]
    if raw_version == "1.1":
        version = "1.1"
    elif raw_version == "1.0" and system:
        version = "1.0"
    else:
        wanted = '"1.0" or "1.1"' if system else '"1.1" (custom policies)'
        raise errors.InvalidPolicy(f"Version must be {wanted}, got {raw_version!r}")
    allowed_keys = {"Version", "Statement", "Depends"} if version == "1.0" else {"Version", "Statement"}
    unknown = sorted(str(k) for k in document if k not in allowed_keys)
    if unknown:
        raise errors.InvalidPolicy(
            f"Unknown top-level key(s) {', '.join(unknown)}; a version {version} policy has "
            f"only {', '.join(sorted(allowed_keys))}"
        )
    raw_statements = document.get("Statement")
    if not isinstance(raw_statements, list) or not raw_statements:
        raise errors.InvalidPolicy("Statement must be a non-empty list of statements")
    if not system and len(raw_statements) > MAX_STATEMENTS:
        raise errors.InvalidPolicy(
            f"A policy may have at most {MAX_STATEMENTS} statements, this one has {len(raw_statements)}"
        )
    statements = tuple(
        _parse_statement(raw, f"Statement {i}", version=version, system=system)
        for i, raw in enumerate(raw_statements, start=1)
    )
    depends = _parse_depends(document.get("Depends", [])) if version == "1.0" else ()
    return PolicyDocument(version=version, statements=statements, depends=depends)


def _check_size(document: Mapping[object, object]) -> None:
    try:
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        raise errors.InvalidPolicy("A policy must consist of JSON values only") from None
    if len(text) > MAX_POLICY_CHARS:
        raise errors.InvalidPolicy(
            f"A policy may be at most {MAX_POLICY_CHARS} characters long, this one is {len(text)}"
        )


def _parse_statement(raw: object, where: str, *, version: str, system: bool) -> Statement:
    if not isinstance(raw, Mapping):
        raise errors.InvalidPolicy(f"{where}: a statement must be a JSON object")
    unknown = sorted(str(k) for k in raw if k not in _STATEMENT_KEYS)
    if unknown:
        raise errors.InvalidPolicy(
            f"{where}: unknown key(s) {', '.join(unknown)}; a statement has Effect, Action, "
            "and optionally Resource and Condition"
        )
    effect_text = raw.get("Effect")
    if effect_text not in ("Allow", "Deny"):
        raise errors.InvalidPolicy(f'{where}: Effect must be "Allow" or "Deny", got {effect_text!r}')
    effect = Effect(effect_text)
    actions = _parse_actions(raw.get("Action"), where, version=version, system=system)
    resources, form = _parse_resources(raw, where, system=system)
    conditions: tuple[Condition, ...] = ()
    if "Condition" in raw:
        conditions = parse_condition_block(raw["Condition"], where)
        if not system and len(conditions) > MAX_CONDITIONS:
            raise errors.InvalidPolicy(
                f"{where}: at most {MAX_CONDITIONS} conditions per statement, found {len(conditions)}"
            )
    return Statement(effect, actions, resources, form, conditions)


def _parse_actions(raw: object, where: str, *, version: str, system: bool) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise errors.InvalidPolicy(f"{where}: Action must be a non-empty list of actions")
    if not system and len(raw) > MAX_ACTIONS:
        raise errors.InvalidPolicy(f"{where}: at most {MAX_ACTIONS} actions per statement, found {len(raw)}")
    actions: list[str] = []
    for i, action in enumerate(raw, start=1):
        if not isinstance(action, str):
            raise errors.InvalidPolicy(f"{where}, Action {i}: actions are strings, got {action!r}")
        short_role_form = version == "1.0" and (action == "*" or re.fullmatch(rf"{_PART}:\*", action))
        if not (_ACTION.fullmatch(action) or short_role_form):
            raise errors.InvalidPolicy(
                f"{where}, Action {i}: {action!r} is not of the form service:resource:action "
                "(letters, digits, '_', '-', '.', with * and ? as wildcards, e.g. obs:bucket:ListBucket)"
            )
        _reject_reserved(action, f"{where}, Action {i}", system=system)
        actions.append(action)
    return tuple(actions)


def _parse_resources(
    raw: Mapping[object, object], where: str, *, system: bool
) -> tuple[tuple[str, ...] | None, Literal["urn", "uri"]]:
    if "Resource" not in raw:
        return None, "urn"
    value = raw["Resource"]
    if isinstance(value, Mapping):
        if set(value) != {"uri"}:
            raise errors.InvalidPolicy(f'{where}: a Resource object has exactly one key, "uri"')
        uris = _string_list(value["uri"], f"{where}, Resource uri", system=system)
        for uri in uris:
            if not uri.startswith("/"):
                raise errors.InvalidPolicy(f"{where}: resource URI {uri!r} must start with '/'")
        return uris, "uri"
    urns = _string_list(value, f"{where}, Resource", system=system)
    for i, urn in enumerate(urns, start=1):
        parts = urn.split(":", 4)
        well_formed = len(parts) == 5 and all(_URN_PART.fullmatch(p) for p in parts[:4]) and parts[4] != ""
        if urn != "*" and not well_formed:
            raise errors.InvalidPolicy(
                f"{where}, Resource {i}: {urn!r} is not of the form service:region:domain_id:type:path "
                "(e.g. obs:*:*:object:my-bucket/dir/*)"
            )
        _reject_reserved(urn, f"{where}, Resource {i}", system=system)
    return urns, "urn"


def _string_list(value: object, where: str, *, system: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise errors.InvalidPolicy(f"{where}: must be a non-empty list of non-empty strings")
    if not system:
        if len(value) > MAX_RESOURCES:
            raise errors.InvalidPolicy(f"{where}: at most {MAX_RESOURCES} resources, found {len(value)}")
        for item in value:
            if len(item) > MAX_RESOURCE_CHARS:
                raise errors.InvalidPolicy(
                    f"{where}: {item[:40]!r}... is longer than {MAX_RESOURCE_CHARS} characters"
                )
    return tuple(value)


def _reject_reserved(name: str, where: str, *, system: bool) -> None:
    service = name.split(":", 1)[0].lower()
    if not system and service in RESERVED_SERVICES:
        raise errors.InvalidPolicy(f"{where}: the {service!r} service is reserved for Welkin operators")


def _parse_depends(raw: object) -> tuple[Depend, ...]:
    if not isinstance(raw, list):
        raise errors.InvalidPolicy("Depends must be a list of {catalog, display_name} objects")
    depends: list[Depend] = []
    for i, item in enumerate(raw, start=1):
        if (
            not isinstance(item, Mapping)
            or set(item) != {"catalog", "display_name"}
            or not all(isinstance(v, str) and v for v in item.values())
        ):
            raise errors.InvalidPolicy(f"Depends {i}: must be an object with string catalog and display_name")
        depends.append(Depend(catalog=item["catalog"], display_name=item["display_name"]))
    return tuple(depends)
