"""Versions and aliases through the real FunctionGraph SDK."""

from __future__ import annotations

from huaweicloudsdkfunctiongraph.v2 import (
    CreateFunctionVersionRequest,
    CreateFunctionVersionRequestBody,
    CreateVersionAliasRequest,
    CreateVersionAliasRequestBody,
    DeleteFunctionRequest,
    DeleteVersionAliasRequest,
    FuncCode,
    ListFunctionVersionsRequest,
    ListVersionAliasesRequest,
    ShowFunctionConfigRequest,
    ShowVersionAliasRequest,
    UpdateFunctionCodeRequest,
    UpdateFunctionCodeRequestBody,
    UpdateFunctionConfigRequest,
    UpdateFunctionConfigRequestBody,
    UpdateVersionAliasRequest,
    UpdateVersionAliasRequestBody,
)

from tests.compat.functiongraph.conftest import Tenant, b64, create, failure, zip_of


def publish(tenant: Tenant, urn: str, **fields: str) -> object:
    body = CreateFunctionVersionRequestBody(**fields)
    return tenant.fgs.create_function_version(CreateFunctionVersionRequest(function_urn=urn, body=body))


def test_versions_are_numbered_immutable_snapshots(tenant: Tenant) -> None:
    created = create(tenant.fgs, description="v1 config")
    base = created.func_urn.rsplit(":", 1)[0]
    first = publish(tenant, created.func_urn, description="first release")
    assert first.version == "1"  # type: ignore[attr-defined]
    assert first.func_urn == f"{base}:1"  # type: ignore[attr-defined]
    assert first.digest == created.digest  # type: ignore[attr-defined]
    # latest moves on; version 1 does not.
    new_code = UpdateFunctionCodeRequestBody(
        code_type="zip",
        func_code=FuncCode(file=b64(zip_of({"index.py": "def handler(e, c):\n    return 2\n"}))),
    )
    tenant.fgs.update_function_code(UpdateFunctionCodeRequest(function_urn=created.func_urn, body=new_code))
    config = UpdateFunctionConfigRequestBody(
        func_name=created.func_name, runtime="Python3.11", handler="index.handler", memory_size=256, timeout=9
    )
    tenant.fgs.update_function_config(UpdateFunctionConfigRequest(function_urn=created.func_urn, body=config))
    v1 = tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=f"{base}:1"))
    assert (v1.version, v1.memory_size, v1.timeout, v1.digest) == ("1", 128, 30, created.digest)
    second = publish(tenant, created.func_urn, version="release-2")
    assert second.version == "release-2"  # type: ignore[attr-defined]
    third = publish(tenant, created.func_urn)
    assert third.version == "3"  # type: ignore[attr-defined]
    listed = tenant.fgs.list_function_versions(ListFunctionVersionsRequest(function_urn=created.func_urn))
    assert [v.version for v in listed.versions] == ["latest", "1", "release-2", "3"]
    assert listed.count == 4
    page = tenant.fgs.list_function_versions(
        ListFunctionVersionsRequest(function_urn=created.func_urn, marker="1", maxitems="2")
    )
    assert [v.version for v in page.versions] == ["1", "release-2"]
    # A published version cannot be changed.
    refused = failure(
        lambda: tenant.fgs.update_function_code(
            UpdateFunctionCodeRequest(function_urn=f"{base}:1", body=new_code)
        )
    )
    assert (refused.status_code, refused.error_code) == (400, "FSS.0400")


def test_publish_checks_the_digest_and_names(tenant: Tenant) -> None:
    created = create(tenant.fgs)
    stale = failure(lambda: publish(tenant, created.func_urn, digest="0" * 128))
    assert stale.status_code == 400
    assert publish(tenant, created.func_urn, digest=created.digest).version == "1"  # type: ignore[attr-defined]
    taken = failure(lambda: publish(tenant, created.func_urn, version="1"))
    assert (taken.status_code, taken.error_code) == (409, "FSS.0409")
    bad = failure(lambda: publish(tenant, created.func_urn, version="latest"))
    assert bad.status_code == 400


def test_aliases_with_an_additional_version_weight(tenant: Tenant) -> None:
    created = create(tenant.fgs)
    urn = created.func_urn
    base = urn.rsplit(":", 1)[0]
    publish(tenant, urn)
    publish(tenant, urn)
    body = CreateVersionAliasRequestBody(
        name="prod", version="1", description="stable", additional_version_weights={"2": 20}
    )
    alias = tenant.fgs.create_version_alias(CreateVersionAliasRequest(function_urn=urn, body=body))
    assert alias.name == "prod"
    assert alias.version == "1"
    assert alias.alias_urn == f"{base}:!prod"
    assert alias.additional_version_weights == {"2": 20}
    shown = tenant.fgs.show_version_alias(ShowVersionAliasRequest(function_urn=urn, alias_name="prod"))
    assert (shown.version, shown.description) == ("1", "stable")
    # The alias resolves like a version: ShowFunctionConfig through it shows version 1.
    via = tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=f"{base}:!prod"))
    assert via.version == "1"
    update = UpdateVersionAliasRequestBody(version="2", additional_version_weights={})
    updated = tenant.fgs.update_version_alias(
        UpdateVersionAliasRequest(function_urn=urn, alias_name="prod", body=update)
    )
    assert (updated.version, updated.additional_version_weights) == ("2", {})
    tenant.fgs.create_version_alias(
        CreateVersionAliasRequest(
            function_urn=urn, body=CreateVersionAliasRequestBody(name="dev", version="latest")
        )
    )
    listed = tenant.fgs.list_version_aliases(ListVersionAliasesRequest(function_urn=urn))
    assert sorted(a.name for a in listed.body) == ["dev", "prod"]
    tenant.fgs.delete_version_alias(DeleteVersionAliasRequest(function_urn=urn, alias_name="dev"))
    gone = failure(
        lambda: tenant.fgs.show_version_alias(ShowVersionAliasRequest(function_urn=urn, alias_name="dev"))
    )
    assert (gone.status_code, gone.error_code) == (404, "FSS.0404")


def test_alias_errors(tenant: Tenant) -> None:
    created = create(tenant.fgs)
    urn = created.func_urn
    publish(tenant, urn)

    def alias(**fields: object) -> object:
        body = CreateVersionAliasRequestBody(**fields)
        return tenant.fgs.create_version_alias(CreateVersionAliasRequest(function_urn=urn, body=body))

    missing = failure(lambda: alias(name="a", version="9"))
    assert (missing.status_code, missing.error_code) == (404, "FSS.0404")
    assert (
        failure(lambda: alias(name="a", version="1", additional_version_weights={"1": 10})).status_code == 400
    )
    assert (
        failure(lambda: alias(name="a", version="1", additional_version_weights={"latest": 101})).status_code
        == 400
    )
    assert failure(lambda: alias(name="9bad", version="1")).status_code == 400
    alias(name="a", version="1")
    assert failure(lambda: alias(name="a", version="1", description="again")).error_code == "FSS.0409"


def test_delete_a_version_or_the_whole_function(tenant: Tenant) -> None:
    created = create(tenant.fgs)
    urn = created.func_urn
    base = urn.rsplit(":", 1)[0]
    publish(tenant, urn)
    publish(tenant, urn)
    body = CreateVersionAliasRequestBody(name="live", version="1")
    tenant.fgs.create_version_alias(CreateVersionAliasRequest(function_urn=urn, body=body))
    in_use = failure(lambda: tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=f"{base}:1")))
    assert (in_use.status_code, in_use.error_code) == (428, "FSS.0428")
    tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=f"{base}:2"))
    listed = tenant.fgs.list_function_versions(ListFunctionVersionsRequest(function_urn=urn))
    assert [v.version for v in listed.versions] == ["latest", "1"]
    # Deleting the function takes its versions and aliases with it.
    tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=base))
    gone = failure(lambda: tenant.fgs.list_version_aliases(ListVersionAliasesRequest(function_urn=urn)))
    assert gone.error_code == "FSS.1051"
    # A function of the same name starts afresh.
    again = create(tenant.fgs, created.func_name, description="again")
    listed = tenant.fgs.list_function_versions(ListFunctionVersionsRequest(function_urn=again.func_urn))
    assert [v.version for v in listed.versions] == ["latest"]
