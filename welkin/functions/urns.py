"""Function URNs as FunctionGraph writes them.

``urn:fss:{region}:{project_id}:function:{package}:{name}`` names a function; a
qualifier after one more colon names ``latest``, a published version, or an alias.
FunctionGraph writes an alias's URN with ``!`` before its name; a bare name is
accepted too and means a version if one has it, else an alias.
"""

from __future__ import annotations

from dataclasses import dataclass

from welkin.functions.errors import FunctionNotFound
from welkin.functions.models import LATEST

DEFAULT_PACKAGE = "default"


@dataclass(frozen=True)
class FunctionRef:
    package: str
    name: str
    qualifier: str | None  # None: unqualified; "latest", a version, or "!alias"

    @property
    def is_alias(self) -> bool:
        return self.qualifier is not None and self.qualifier.startswith("!")

    @property
    def is_head(self) -> bool:
        return self.qualifier is None or self.qualifier == LATEST


def function_urn(region: str, project_id: str, package: str, name: str) -> str:
    return f"urn:fss:{region}:{project_id}:function:{package}:{name}"


def version_urn(region: str, project_id: str, package: str, name: str, version: str) -> str:
    return f"{function_urn(region, project_id, package, name)}:{version}"


def alias_urn(region: str, project_id: str, package: str, name: str, alias: str) -> str:
    return f"{function_urn(region, project_id, package, name)}:!{alias}"


def parse_ref(text: str, region: str, project_id: str) -> FunctionRef:
    """A URN (or a bare function name) from a request path, in the caller's project.

    A URN of another region or project names nothing the caller can see: not found.
    """
    if not text.startswith("urn:"):
        return FunctionRef(DEFAULT_PACKAGE, text, None)
    parts = text.split(":")
    if len(parts) not in (7, 8) or parts[1] != "fss" or parts[4] != "function":
        shape = "urn:fss:region:project:function:package:name"
        raise FunctionNotFound(f"{text!r} is not a function URN ({shape}).")
    if parts[2] != region or parts[3] != project_id:
        raise FunctionNotFound(f"No function {text} in project {project_id} of region {region}.")
    qualifier = parts[7] if len(parts) == 8 else None
    if qualifier == "":
        qualifier = None
    return FunctionRef(parts[5], parts[6], qualifier)
