"""``welkin up`` as a process: readiness, first-start credentials, one process per data dir, clean stop."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, ROOT_AK, Welkin, start_welkin, stop_welkin


@pytest.fixture(scope="module")
def welkin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Welkin]:
    """The tests that take it only read from it (or fail to start a second server on its data
    directory), so one serves them all; those that stop or restart a server start their own."""
    server = start_welkin(tmp_path_factory.mktemp("lifecycle") / "data")
    try:
        yield server
    finally:
        stop_welkin(server)


def test_health_and_root_credentials_file(welkin: Welkin) -> None:
    response = welkin.health()
    assert response.status_code == 200
    assert response.json()["region"] == "local-1"
    assert response.headers["x-request-id"]
    creds_file = welkin.data_dir / "root-credentials.json"
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    assert json.loads(creds_file.read_text())["access_key"] == ROOT_AK
    assert "Welkin ready: http://127.0.0.1:" in welkin.output.read_text()


def test_second_server_on_same_data_dir_refuses(welkin: Welkin) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "welkin", "up", "--data-dir", str(welkin.data_dir), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 3
    assert "in use" in result.stderr
    assert welkin.health().status_code == 200


def test_sigterm_stops_cleanly_and_state_survives_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_welkin(data)
    token = httpx.post(
        f"{first.url}/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "password": first.password, "domain": {"name": "admin"}}
                    },
                }
            }
        },
    )
    assert token.status_code == 201
    assert stop_welkin(first) == 0
    second = start_welkin(data)
    try:
        # The same account, the same key to seal tokens: the old token still works.
        domains = httpx.get(
            f"{second.url}/v3/auth/domains", headers={"X-Auth-Token": token.headers["X-Subject-Token"]}
        )
        assert domains.status_code == 200
        assert "Created the operator's account" not in second.output.read_text()
    finally:
        assert stop_welkin(second) == 0


def test_unknown_path_and_bad_json_are_clean_errors(welkin: Welkin) -> None:
    missing = httpx.get(f"{welkin.url}/v3/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 404
    garbage = httpx.post(
        f"{welkin.url}/v3/auth/tokens", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 400
    assert garbage.json()["error"]["error_code"] == "MalformedBody"
    huge = httpx.post(f"{welkin.url}/v3/auth/tokens", content=b"x" * (2 << 20))
    assert huge.status_code == 413


def test_wrong_method_is_405_in_the_protocols_format(welkin: Welkin) -> None:
    keystone = httpx.patch(f"{welkin.url}/v3/regions")
    assert keystone.status_code == 405
    assert keystone.json()["error"]["error_code"] == "MethodNotAllowed"
    assert "GET" in keystone.headers["allow"]
    huawei = httpx.patch(f"{welkin.url}/v3.0/OS-CREDENTIAL/credentials")
    assert huawei.status_code == 405
    assert huawei.json()["error_code"] == "MethodNotAllowed"
    assert huawei.headers["x-request-id"] == huawei.json()["request_id"]


def test_bad_setting_is_refused_with_its_name(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "welkin", "up", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "WELKIN_PORT": "eighty"},
    )
    assert result.returncode == 2
    assert "port must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_wrong_price_catalog_is_refused_before_serving(tmp_path: Path) -> None:
    catalog = tmp_path / "prices.toml"
    catalog.write_text('currency = "USD"\n[[price]]\nusage_type = "fgs_requests"\nprice = "cheap"\n')
    result = subprocess.run(
        [sys.executable, "-m", "welkin", "up", "--data-dir", str(tmp_path / "data"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "WELKIN_PRICE_CATALOG": str(catalog)},
    )
    assert result.returncode == 2, result.stderr
    assert "price entry 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_catalog_that_would_reprice_metered_usage_is_refused_at_start(tmp_path: Path) -> None:
    shipped = (ROOT / "welkin" / "billing" / "catalog.toml").read_text()
    catalog = tmp_path / "prices.toml"
    catalog.write_text(shipped)
    data = tmp_path / "data"
    data.mkdir()
    (data / "welkin.toml").write_text(f'price_catalog = "{catalog}"\n')
    server = start_welkin(data)
    assert stop_welkin(server) == 0
    with sqlite3.connect(data / "welkin.db") as db:  # an invocation metered in November
        db.execute(
            "INSERT INTO billing_usage_hourly VALUES ('acct', '2026-11-22 12:00:00.000000', "
            "'hws.service.type.functiongraph', 'hws.resource.type.function', 'fn', 'local-1', "
            "'fgs_requests', 5)"
        )
    catalog.write_text(shipped.replace('price = "0.20"', 'price = "0.25"'))
    result = subprocess.run(
        [sys.executable, "-m", "welkin", "up", "--data-dir", str(data), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "the price of fgs_requests from 2026-01-01T00:00:00+00:00 is changed" in result.stderr
    assert "Traceback" not in result.stderr

    # The same change from December on is how a price changes: the server starts.
    catalog.write_text(
        shipped
        + '\n[[price]]\nusage_type = "fgs_requests"\nservice_type = "hws.service.type.functiongraph"\n'
        'resource_type = "hws.resource.type.function"\nunit = "request"\nper = 1000000\n'
        'price = "0.25"\nfree_per_month = 1000000\neffective_from = 2099-12-01T00:00:00Z\n'
    )
    server = start_welkin(data)
    assert stop_welkin(server) == 0
