"""``welkin fn``'s view of FunctionGraph: a client, the project it works in, and function names.

FunctionGraph's API lives under ``/v2/{project_id}/fgs/``, so every command first finds
its project: ``--project`` (name or id), else the profile's region's main project (the
one named after the region), else the only region project the account has.

On the command line a function is ``NAME`` (package ``default``), ``NAME:QUALIFIER``
(``latest``, a version or an alias), ``PACKAGE/NAME[:QUALIFIER]``, or a whole URN.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import typer

from welkin.cli.client import Client
from welkin.cli.config import ConfigError, Profile
from welkin.cli.output import NotFoundByName
from welkin.cli.session import open_client

DEFAULT_PACKAGE = "default"

ProjectOpt = Annotated[
    str | None,
    typer.Option("--project", help="Project (name or id).  [default: the region's main project]"),
]


@dataclass(frozen=True)
class FunctionName:
    package: str
    name: str
    qualifier: str | None = None


def parse_function(text: str) -> FunctionName:
    if text.startswith("urn:"):
        parts = text.split(":")
        if len(parts) not in (7, 8) or parts[4] != "function":
            raise ConfigError(
                f"{text!r} is not a function URN (urn:fss:region:project:function:package:name)"
            )
        return FunctionName(parts[5], parts[6], parts[7] if len(parts) == 8 and parts[7] else None)
    name, _, qualifier = text.partition(":")
    package, _, bare = name.rpartition("/")
    if not bare:
        raise ConfigError(f"{text!r} names no function: write NAME, NAME:VERSION or PACKAGE/NAME")
    return FunctionName(package or DEFAULT_PACKAGE, bare, qualifier or None)


def display_name(package: str, name: str) -> str:
    """How a function is written back to a person: NAME in package default, else PACKAGE/NAME."""
    return name if package == DEFAULT_PACKAGE else f"{package}/{name}"


@dataclass(frozen=True)
class Fgs:
    """A client bound to one project of one region."""

    client: Client
    profile: Profile
    project_id: str
    region: str

    @property
    def base(self) -> str:
        return f"/v2/{self.project_id}/fgs"

    def urn(self, fn: FunctionName, qualifier: str | None = None) -> str:
        urn = f"urn:fss:{self.region}:{self.project_id}:function:{fn.package}:{fn.name}"
        chosen = qualifier or fn.qualifier
        return f"{urn}:{chosen}" if chosen else urn

    def function_path(self, fn: FunctionName, suffix: str = "", qualifier: str | None = None) -> str:
        return f"{self.base}/functions/{quote(self.urn(fn, qualifier), safe='')}{suffix}"

    def pages(self, path: str, key: str) -> Iterator[dict[str, Any]]:
        """Every item of a FunctionGraph list, following ``next_marker`` until ``count``."""
        marker = 0
        while True:
            page = self.client.get(path, {"marker": str(marker), "maxitems": "400"})
            items = page.get(key) or []
            yield from items
            marker = int(page.get("next_marker") or 0)
            if not items or marker >= int(page.get("count") or 0):
                return


def _choose_project(projects: list[dict[str, Any]], wanted: str | None, region: str) -> dict[str, Any]:
    if wanted:
        for project in projects:
            if wanted in (project.get("id"), project.get("name")):
                return project
        raise NotFoundByName(f"no project named {wanted!r}")
    # A region's main project is named after the region; sub-projects are REGION_SUFFIX.
    mains = [p for p in projects if "_" not in str(p.get("name"))]
    if region:
        mains = [p for p in mains if p.get("name") == region]
    if len(mains) == 1:
        return mains[0]
    names = ", ".join(sorted(str(p.get("name")) for p in projects)) or "none"
    raise ConfigError(f"cannot tell which project to use (projects: {names}): pass --project")


@contextmanager
def open_fgs(profile_name: str | None, project: str | None, timeout: float = 30) -> Iterator[Fgs]:
    client, profile = open_client(profile_name, timeout)
    with client:
        chosen = _choose_project(client.get("/v3/auth/projects")["projects"], project, profile.region)
        region = str(chosen["name"]).partition("_")[0]
        yield Fgs(client, profile, str(chosen["id"]), region)
