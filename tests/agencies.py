"""Agencies made over IAM's wire API on a running ``welkin up``, for functions' ``app_xrole``."""

from __future__ import annotations

import httpx

from tests.conftest import Welkin


def make_agency(server: Welkin, name: str, role: str | None = None) -> None:
    """An agency the root account trusts itself with, granted the system role ``role`` if given (its
    display name, e.g. ``OBS OperateAccess``): as the examples' READMEs set one up."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "password": server.password, "domain": {"name": "admin"}}
                },
            },
            "scope": {"domain": {"name": "admin"}},
        }
    }
    with httpx.Client(base_url=server.url, timeout=10) as http:
        issued = http.post("/v3/auth/tokens", json=body)
        http.headers["X-Auth-Token"] = issued.headers["x-subject-token"]
        account = issued.json()["token"]["user"]["domain"]["id"]
        agency = {"name": name, "domain_id": account, "trust_domain_name": "admin", "duration": "FOREVER"}
        made = http.post("/v3.0/OS-AGENCY/agencies", json={"agency": agency})
        assert made.status_code < 300, made.text
        if role is None:
            return
        agency_id = made.json()["agency"]["id"]
        found = http.get("/v3/roles", params={"display_name": role}).json()["roles"][0]
        grant = http.put(f"/v3.0/OS-AGENCY/domains/{account}/agencies/{agency_id}/roles/{found['id']}")
        assert grant.status_code < 300, grant.text
