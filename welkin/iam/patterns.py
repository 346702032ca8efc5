"""Compile the wildcards of policy actions and resources into regular expressions.

``*`` matches any run of characters and ``?`` exactly one, but within a
colon-separated part only, except in a resource's path (and in agency URIs), where
``*`` also spans ``/`` and ``:`` so ``bucket/dir/*`` covers the whole subtree. Service
names and resource types compare without case; everything else compares exactly.

A wildcard service part never matches a reserved service: those are reachable only
by patterns that spell their name.
"""

from __future__ import annotations

import re

RESERVED_SERVICES = frozenset({"welkin"})


def _part(text: str, *, spans: bool = False) -> str:
    wild = ".*" if spans else "[^:]*"
    one = "." if spans else "[^:]"
    return "".join(wild if c == "*" else one if c == "?" else re.escape(c) for c in text)


def _service(text: str) -> str:
    body = f"(?i:{_part(text)})"
    if "*" in text or "?" in text:
        reserved = "|".join(sorted(RESERVED_SERVICES))
        return f"(?!(?i:{reserved}):)" + body
    return body


def action_pattern(action: str) -> str:
    """``service:resource:action``; the role form's ``*`` and ``svc:*`` cover the missing parts."""
    parts = action.split(":")
    service, resource_type, name = parts + ["*"] * (3 - len(parts))
    return f"{_service(service)}:(?i:{_part(resource_type)}):(?i:{_part(name)})"


def urn_pattern(resource: str) -> str:
    """``service:region:domain_id:type:path``, or ``*`` for every resource."""
    if resource == "*":
        return ".*"
    service, region, domain, kind, path = resource.split(":", 4)
    return f"{_service(service)}:{_part(region)}:{_part(domain)}:(?i:{_part(kind)}):{_part(path, spans=True)}"


def uri_pattern(uri: str) -> str:
    """A URI such as ``/iam/agencies/<id>``, compared exactly but for its wildcards."""
    return _part(uri, spans=True)


def compile_any(patterns: list[str], *, flags: int = 0) -> re.Pattern[str]:
    """One regex for a list of alternatives, to be used with ``fullmatch``."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)
