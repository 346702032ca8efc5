"""A bucket's CORS rules: which browser origins may call it, with which methods and headers.

A rule matches a request when its origin matches one ``AllowedOrigin`` (each may hold
one ``*`` wildcard), its method is one of ``AllowedMethod`` and, for a preflight,
every header in ``Access-Control-Request-Headers`` matches an ``AllowedHeader``
(also with ``*``, compared without case). The first matching rule answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from welkin.obs import errors

METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD"})
MAX_RULES = 100


@dataclass(frozen=True, slots=True)
class CorsRule:
    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        if not self.allowed_origins or not self.allowed_methods:
            raise errors.MalformedXML("each CORSRule needs an AllowedOrigin and an AllowedMethod")
        for method in self.allowed_methods:
            if method not in METHODS:
                raise errors.InvalidRequest(f"Found unsupported HTTP method in CORS config: {method}")
        for origin in self.allowed_origins:
            if origin.count("*") > 1:
                raise errors.InvalidRequest(f"AllowedOrigin {origin!r} can not have more than one wildcard")
        for header in self.allowed_headers:
            if header.count("*") > 1:
                raise errors.InvalidRequest(f"AllowedHeader {header!r} can not have more than one wildcard")

    def matches(self, origin: str, method: str, request_headers: Iterable[str] = ()) -> bool:
        if method not in self.allowed_methods:
            return False
        if not any(_wildcard(pattern, origin, case=True) for pattern in self.allowed_origins):
            return False
        return all(
            any(_wildcard(pattern, header, case=False) for pattern in self.allowed_headers)
            for header in request_headers
        )


@dataclass(frozen=True, slots=True)
class CorsAnswer:
    """The headers a matching rule gives a response."""

    rule: CorsRule
    origin: str

    def headers(self, method: str, request_headers: Iterable[str], preflight: bool) -> dict[str, str]:
        wildcard = self.rule.allowed_origins == ("*",)
        out = {
            "Access-Control-Allow-Origin": "*" if wildcard else self.origin,
            "Access-Control-Allow-Methods": ", ".join(self.rule.allowed_methods),
            "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
        }
        if not wildcard:
            out["Access-Control-Allow-Credentials"] = "true"
        if preflight:
            asked = list(request_headers)
            if asked:
                out["Access-Control-Allow-Headers"] = ", ".join(asked)
            if self.rule.max_age_seconds is not None:
                out["Access-Control-Max-Age"] = str(self.rule.max_age_seconds)
        if self.rule.expose_headers:
            out["Access-Control-Expose-Headers"] = ", ".join(self.rule.expose_headers)
        return out


def find_rule(
    rules: Iterable[CorsRule], origin: str, method: str, request_headers: Iterable[str] = ()
) -> CorsAnswer | None:
    wanted = list(request_headers)
    for rule in rules:
        if rule.matches(origin, method, wanted):
            return CorsAnswer(rule, origin)
    return None


def dump_rules(rules: Iterable[CorsRule]) -> str:
    return json.dumps([asdict(rule) for rule in rules])


def load_rules(text: str) -> tuple[CorsRule, ...]:
    return tuple(
        CorsRule(
            allowed_origins=tuple(raw["allowed_origins"]),
            allowed_methods=tuple(raw["allowed_methods"]),
            allowed_headers=tuple(raw["allowed_headers"]),
            expose_headers=tuple(raw["expose_headers"]),
            max_age_seconds=raw["max_age_seconds"],
            id=raw["id"],
        )
        for raw in json.loads(text)
    )


def _wildcard(pattern: str, value: str, *, case: bool) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    flags = 0 if case else re.IGNORECASE
    return re.fullmatch(regex, value, flags) is not None
