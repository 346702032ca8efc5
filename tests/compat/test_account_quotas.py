"""The operator's quota API (``/welkin/v1/accounts/{name}/quotas``): reading, setting, resetting,
bad input, who may call it, and the audit record of each change."""

from __future__ import annotations

import pytest

from tests.compat.conftest import Compat, password_token

QUOTAS = ("functions", "code_bytes", "concurrent_instances", "buckets", "stored_bytes")


def test_defaults_set_and_reset(compat: Compat) -> None:
    tenant = compat.tenant()
    path = f"/welkin/v1/accounts/{tenant.name}/quotas"
    shown = compat.operator("GET", path)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["account"] == {"id": tenant.account_id, "name": tenant.name}
    assert set(body["quotas"]) == set(QUOTAS)
    assert body["quotas"]["buckets"] == {"limit": 100, "default": 100, "used": 0, "unit": "count"}
    assert body["quotas"]["functions"]["limit"] == 400
    assert body["quotas"]["code_bytes"]["limit"] == 10 << 30
    assert body["quotas"]["stored_bytes"]["limit"] == -1

    changed = compat.operator("PUT", path, {"quotas": {"buckets": 5, "stored_bytes": 10 << 30}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["quotas"]["buckets"]["limit"] == 5
    assert changed.json()["quotas"]["stored_bytes"]["limit"] == 10 << 30
    # Only the named quotas change; null puts one back to the default, -1 lifts it.
    again = compat.operator("PUT", path, {"quotas": {"buckets": None, "functions": -1}}).json()["quotas"]
    assert again["buckets"]["limit"] == 100
    assert again["functions"]["limit"] == -1
    assert again["stored_bytes"]["limit"] == 10 << 30
    assert compat.operator("GET", path).json()["quotas"] == again

    events = compat.operator("GET", "/welkin/v1/audit?limit=1000").json()["events"]
    changes = [e for e in events if e["action"] == "UpdateAccountQuotas" and e["path"] == path]
    assert [e["status"] for e in changes] == [200, 200]
    assert {e["method"] for e in changes} == {"PUT"}


@pytest.mark.parametrize(
    "quotas",
    [
        {"bukets": 5},
        {"buckets": -2},
        {"buckets": "5"},
        {"buckets": 1.5},
        {"buckets": True},
        {"stored_bytes": 1 << 63},
        {},
    ],
    ids=["unknown", "negative", "string", "fraction", "boolean", "too-large", "none"],
)
def test_bad_quotas_are_refused(compat: Compat, quotas: dict[str, object]) -> None:
    tenant = compat.tenant()
    path = f"/welkin/v1/accounts/{tenant.name}/quotas"
    refused = compat.operator("PUT", path, {"quotas": quotas})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error_code"] == "InvalidArgument"
    assert refused.json()["error_msg"]
    assert compat.operator("GET", path).json()["quotas"]["buckets"]["limit"] == 100


def test_unknown_account_and_malformed_body(compat: Compat) -> None:
    missing = compat.operator("PUT", "/welkin/v1/accounts/nobody-here/quotas", {"quotas": {"buckets": 1}})
    assert missing.status_code == 404
    tenant = compat.tenant()
    raw = compat.operator_raw("PUT", f"/welkin/v1/accounts/{tenant.name}/quotas", b"{not json")
    assert raw.status_code == 400


def test_an_account_reads_its_own_quotas_but_sets_none(compat: Compat) -> None:
    tenant = compat.tenant()
    other = compat.tenant()
    token, _ = password_token(compat.root, tenant.name, tenant.name, tenant.admin_password)
    own_path = f"/welkin/v1/accounts/{tenant.name}/quotas"
    for method, path, body in (
        ("PUT", own_path, {"quotas": {"buckets": 1000}}),
        ("GET", own_path, None),
        ("GET", f"/welkin/v1/accounts/{other.name}/quotas", None),
    ):
        refused = compat.operator(method, path, body, token=token)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["error_code"] == "AccessDenied"

    compat.operator("PUT", own_path, {"quotas": {"buckets": 7}})
    own = compat.operator("GET", "/welkin/v1/quotas", token=token)
    assert own.status_code == 200, own.text
    assert own.json()["account"]["name"] == tenant.name
    assert own.json()["quotas"]["buckets"]["limit"] == 7


def test_the_operator_holds_without_limits(compat: Compat) -> None:
    quotas = compat.operator("GET", "/welkin/v1/accounts/admin/quotas").json()["quotas"]
    for name in ("functions", "code_bytes", "buckets", "stored_bytes"):
        assert quotas[name]["limit"] == -1, name
    assert quotas["buckets"]["default"] == 100
    # Invocations at once keep the region's default: instances are left for the others.
    assert quotas["concurrent_instances"]["limit"] == quotas["concurrent_instances"]["default"] == 400
