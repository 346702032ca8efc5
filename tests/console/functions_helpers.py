"""What the functions pages' tests share: an agency for the templates that write to OBS."""

from __future__ import annotations

import httpx

from tests.conftest import Welkin


def make_agency(server: Welkin, name: str, role: str | None = None) -> None:
    """An agency of account admin that trusts the account itself, granted ``role`` if given."""
    user = {"name": "admin", "password": server.password, "domain": {"name": "admin"}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
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
        granted = http.put(f"/v3.0/OS-AGENCY/domains/{account}/agencies/{agency_id}/roles/{found['id']}")
        assert granted.status_code < 300, granted.text
