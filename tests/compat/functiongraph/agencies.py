"""An agency of a tenant, granted one custom policy: what a function's ``app_xrole`` names."""

from __future__ import annotations

from tests.compat.functiongraph.conftest import Fgs, Tenant, unique
from tests.compat.functiongraph.test_access import iam_call


def agency_allowing(fgs: Fgs, tenant: Tenant, actions: list[str], resources: list[str]) -> str:
    """A new agency of ``tenant`` allowed ``actions`` on ``resources`` (account-wide); its name."""
    name = unique("fgs-agency")
    body = {
        "name": name,
        "domain_id": tenant.account_id,
        "trust_domain_name": tenant.name,
        "duration": "FOREVER",
    }
    agency = iam_call(fgs, tenant, "POST", "/v3.0/OS-AGENCY/agencies", {"agency": body}).json()["agency"]
    policy = {"Version": "1.1", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resources}]}
    role = {"display_name": unique("role"), "type": "AX", "description": "for functions", "policy": policy}
    role_id = iam_call(fgs, tenant, "POST", "/v3.0/OS-ROLE/roles", {"role": role}).json()["role"]["id"]
    path = f"/v3.0/OS-AGENCY/domains/{tenant.account_id}/agencies/{agency['id']}/roles/{role_id}"
    iam_call(fgs, tenant, "PUT", path)
    return name
