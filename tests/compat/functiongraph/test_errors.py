"""Bad requests get FunctionGraph's error body with the right status, and store nothing."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

from huaweicloudsdkfunctiongraph.v2 import (
    FuncCode,
    ListFunctionsRequest,
    ShowFunctionConfigRequest,
)

from tests.compat.functiongraph.conftest import (
    HELLO,
    MAX_CODE_BYTES,
    MAX_UNPACKED_BYTES,
    Fgs,
    Tenant,
    b64,
    create,
    failure,
    unique,
    zip_of,
)


def code_dirs(fgs: Fgs) -> set[str]:
    return {p.name for p in (fgs.server.data_dir / "functions" / "code").iterdir()}


def test_invalid_configuration_is_refused_with_fss_codes(tenant: Tenant) -> None:
    cases = {
        "FSS.1002": {"func_name": "9starts-with-a-digit"},
        "FSS.1003": {"handler": "no_dot"},
        "FSS.1007": {"memory_size": 100},
        "FSS.1008": {"timeout": 1},
        "FSS.1009": {"user_data": '["not", "an", "object"]'},
        "FSS.1006": {"code_type": "jar"},
    }
    for code, overrides in cases.items():
        name = overrides.pop("func_name", unique())
        error = failure(lambda n=name, o=overrides: create(tenant.fgs, n, **o))  # type: ignore[misc]
        assert (error.status_code, error.error_code) == (400, code), (code, error.error_msg)


def test_a_missing_runtime_is_refused_listing_what_exists(tenant: Tenant) -> None:
    error = failure(lambda: create(tenant.fgs, runtime="Python2.7"))
    assert (error.status_code, error.error_code) == (400, "FSS.1005")
    assert "Python2.7" in error.error_msg
    assert "Python3.11" in error.error_msg


def test_bad_code_stores_nothing(fgs: Fgs) -> None:
    tenant = fgs.tenant()
    before = code_dirs(fgs)
    traversal = BytesIO()
    with zipfile.ZipFile(traversal, "w") as archive:
        archive.writestr("../escape.py", "x = 1\n")
    absolute = BytesIO()
    with zipfile.ZipFile(absolute, "w") as archive:
        archive.writestr(zipfile.ZipInfo("/etc/evil.py"), "x = 1\n")
    link = BytesIO()
    with zipfile.ZipFile(link, "w") as archive:
        info = zipfile.ZipInfo("passwd")
        info.external_attr = (0o120777) << 16
        archive.writestr(info, "/etc/passwd")
    bomb = BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (MAX_UNPACKED_BYTES + 1))
    packages = {
        "not base64": "!!!not-base64!!!",
        "not a zip": b64(b"PK\x03\x04 this is no zip"),
        "..": b64(traversal.getvalue()),
        "absolute": b64(absolute.getvalue()),
        "link": b64(link.getvalue()),
        "bomb": b64(bomb.getvalue()),
    }
    for what, file in packages.items():
        error = failure(lambda f=file: create(tenant.fgs, func_code=FuncCode(file=f)))  # type: ignore[misc]
        assert (error.status_code, error.error_code) == (400, "FSS.0400"), (what, error.error_msg)
    zip_claimed = failure(
        lambda: create(tenant.fgs, code_type="zip", func_code=FuncCode(file=b64(b"print(1)")))
    )
    assert zip_claimed.status_code == 400
    assert tenant.fgs.list_functions(ListFunctionsRequest()).count == 0
    assert code_dirs(fgs) == before


def test_oversize_code_is_413(fgs: Fgs, tenant: Tenant) -> None:
    huge = "A" * (MAX_CODE_BYTES * 2)
    response = fgs.raw(
        tenant,
        "POST",
        "/functions",
        json.dumps(
            {
                "func_name": unique(),
                "runtime": "Python3.11",
                "handler": "index.handler",
                "memory_size": 128,
                "timeout": 3,
                "code_type": "zip",
                "func_code": {"file": huge},
            }
        ).encode(),
    )
    assert response.status_code == 413
    assert response.json()["error_code"] == "FSS.0413"


def test_malformed_json_unknown_fields_and_wrong_types(fgs: Fgs, tenant: Tenant) -> None:
    bad_json = fgs.raw(tenant, "POST", "/functions", b"{not json")
    assert bad_json.status_code == 406
    assert bad_json.json()["error_code"] == "FSS.0406"
    good = {
        "func_name": unique(),
        "runtime": "Python3.11",
        "handler": "index.handler",
        "memory_size": 128,
        "timeout": 3,
        "code_type": "zip",
        "func_code": {"file": b64(zip_of({"index.py": HELLO}))},
    }
    unknown = fgs.raw(tenant, "POST", "/functions", json.dumps({**good, "colour": "blue"}).encode())
    assert unknown.status_code == 400
    assert "colour" in unknown.json()["error_msg"]
    wrong_type = fgs.raw(tenant, "POST", "/functions", json.dumps({**good, "memory_size": "128"}).encode())
    assert wrong_type.status_code == 400
    assert "memory_size" in wrong_type.json()["error_msg"]
    unsupported = fgs.raw(
        tenant, "POST", "/functions", json.dumps({**good, "func_vpc": {"vpc_id": "x"}}).encode()
    )
    assert unsupported.status_code == 400
    assert "func_vpc" in unsupported.json()["error_msg"]
    assert tenant.fgs.list_functions(ListFunctionsRequest(func_name=good["func_name"])).count == 0


def test_exists_and_not_found(tenant: Tenant) -> None:
    created = create(tenant.fgs)
    again = failure(lambda: create(tenant.fgs, created.func_name, description="again"))
    assert (again.status_code, again.error_code) == (409, "FSS.0409")
    missing = created.func_urn.replace(created.func_name, "nobody-here")
    error = failure(lambda: tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=missing)))
    assert (error.status_code, error.error_code) == (404, "FSS.1051")


def test_a_path_not_served_is_404_saying_so(fgs: Fgs, tenant: Tenant) -> None:
    response = fgs.raw(tenant, "GET", "/no-such-api")
    assert response.status_code == 404
    assert response.json()["error_code"] == "FSS.0404"
    assert "No FunctionGraph API" in response.json()["error_msg"]


def test_an_event_that_is_not_json_is_refused(fgs: Fgs, tenant: Tenant) -> None:
    created = create(tenant.fgs)
    response = fgs.raw(tenant, "POST", f"/functions/{created.func_urn}/invocations", b"not json{")
    assert response.status_code == 406
    assert response.json()["error_code"] == "FSS.0406"


def test_a_wrong_method_is_405_in_functiongraphs_format(fgs: Fgs, tenant: Tenant) -> None:
    response = fgs.raw(tenant, "PATCH", "/functions")
    assert response.status_code == 405
    assert response.json()["error_code"] == "FSS.0405"
    assert response.headers["allow"]
