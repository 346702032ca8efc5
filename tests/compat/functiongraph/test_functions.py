"""Functions through the real FunctionGraph SDK: create (inline, zip, single file, OBS), list,
show config and code, update code and config, delete."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

from huaweicloudsdkfunctiongraph.v2 import (
    DeleteFunctionRequest,
    FuncCode,
    ListFunctionsRequest,
    ShowFunctionCodeRequest,
    ShowFunctionConfigRequest,
    StrategyConfig,
    UpdateFunctionCodeRequest,
    UpdateFunctionCodeRequestBody,
    UpdateFunctionConfigRequest,
    UpdateFunctionConfigRequestBody,
    UpdateFunctionMaxInstanceConfigRequest,
    UpdateFunctionMaxInstanceConfigRequestBody,
)

from tests.compat.functiongraph.conftest import (
    HELLO,
    Fgs,
    Tenant,
    b64,
    create,
    env,
    failure,
    unique,
    zip_of,
)


def test_create_returns_the_function_with_huaweis_urn(tenant: Tenant) -> None:
    name = unique()
    created = create(tenant.fgs, name, description="first", user_data='{"GREETING": "hi"}')
    assert created.func_urn == f"urn:fss:local-1:{tenant.project_id}:function:default:{name}:latest"
    assert created.func_name == name
    assert created.namespace == tenant.project_id
    assert created.domain_id == tenant.account_id
    assert created.runtime == "Python3.11"
    assert created.handler == "index.handler"
    assert created.memory_size == 128
    assert created.timeout == 30
    assert created.version == "latest"
    assert created.description == "first"
    assert env(created.user_data) == {"GREETING": "hi"}
    assert created.code_size > 0
    assert len(created.digest) == 128  # SHA-512, as FunctionGraph's digest
    assert created.last_modified is not None


def test_show_config_and_code_round_trip(tenant: Tenant) -> None:
    package = zip_of({"index.py": HELLO, "lib/helper.py": "X = 1\n"})
    created = create(tenant.fgs, func_code=FuncCode(file=b64(package)))
    urn = created.func_urn
    config = tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=urn))
    assert config.func_name == created.func_name
    assert config.digest == created.digest
    assert config.strategy_config.concurrency == 400
    code = tenant.fgs.show_function_code(ShowFunctionCodeRequest(function_urn=urn))
    assert base64.b64decode(code.func_code.file) == package
    assert code.code_size == len(package)
    assert code.digest == created.digest


def test_single_file_and_default_code(tenant: Tenant) -> None:
    single = create(
        tenant.fgs, code_type="inline", code_filename=None, func_code=FuncCode(file=b64(HELLO.encode()))
    )
    code = tenant.fgs.show_function_code(ShowFunctionCodeRequest(function_urn=single.func_urn))
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(code.func_code.file))) as archive:
        assert archive.namelist() == ["index.py"]
        assert archive.read("index.py").decode() == HELLO
    # The same file gives the same digest: the wrapping zip is reproducible.
    again = create(
        tenant.fgs, code_type="inline", code_filename=None, func_code=FuncCode(file=b64(HELLO.encode()))
    )
    assert again.digest == single.digest
    empty = create(tenant.fgs, code_type="inline", code_filename=None, func_code=FuncCode(file=""))
    assert empty.code_filename == "index.py"
    assert empty.code_size > 0


def test_list_with_marker_and_maxitems(fgs: Fgs) -> None:
    tenant = fgs.tenant()
    names = [create(tenant.fgs).func_name for _ in range(5)]
    first = tenant.fgs.list_functions(ListFunctionsRequest(maxitems="2"))
    assert [f.func_name for f in first.functions] == names[:2]
    assert first.count == 5
    assert first.next_marker == 2
    rest = tenant.fgs.list_functions(ListFunctionsRequest(marker=str(first.next_marker), maxitems="10"))
    assert [f.func_name for f in rest.functions] == names[2:]
    only = tenant.fgs.list_functions(ListFunctionsRequest(func_name=names[3]))
    assert [f.func_name for f in only.functions] == [names[3]]


def test_update_code_makes_a_new_revision(tenant: Tenant) -> None:
    created = create(tenant.fgs)
    new_package = zip_of({"index.py": "def handler(event, context):\n    return 2\n"})
    body = UpdateFunctionCodeRequestBody(
        code_type="zip", code_filename="v2.zip", func_code=FuncCode(file=b64(new_package))
    )
    updated = tenant.fgs.update_function_code(
        UpdateFunctionCodeRequest(function_urn=created.func_urn, body=body)
    )
    assert updated.digest != created.digest
    assert updated.code_size == len(new_package)
    code = tenant.fgs.show_function_code(ShowFunctionCodeRequest(function_urn=created.func_urn))
    assert base64.b64decode(code.func_code.file) == new_package


def test_update_config(tenant: Tenant) -> None:
    created = create(tenant.fgs)
    body = UpdateFunctionConfigRequestBody(
        func_name=created.func_name,
        runtime="Python3.11",
        handler="main.run",
        memory_size=512,
        timeout=60,
        user_data='{"MODE": "prod"}',
        initializer_handler="main.init",
        initializer_timeout=10,
        app_xrole="fgs-agency",
        description="changed",
    )
    updated = tenant.fgs.update_function_config(
        UpdateFunctionConfigRequest(function_urn=created.func_urn, body=body)
    )
    assert (updated.handler, updated.memory_size, updated.timeout) == ("main.run", 512, 60)
    assert updated.initializer_handler == "main.init"
    assert updated.initializer_timeout == 10
    assert updated.app_xrole == "fgs-agency"
    assert env(updated.user_data) == {"MODE": "prod"}
    assert updated.digest == created.digest
    shown = tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    assert shown.description == "changed"
    limit = UpdateFunctionMaxInstanceConfigRequestBody(max_instance_num=7)
    tenant.fgs.update_function_max_instance_config(
        UpdateFunctionMaxInstanceConfigRequest(function_urn=created.func_urn, body=limit)
    )
    shown = tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    assert shown.strategy_config.concurrency == 7
    strategy = UpdateFunctionConfigRequestBody(
        func_name=created.func_name,
        runtime="Python3.11",
        handler="main.run",
        memory_size=512,
        timeout=60,
        strategy_config=StrategyConfig(concurrency=-1),
    )
    updated = tenant.fgs.update_function_config(
        UpdateFunctionConfigRequest(function_urn=created.func_urn, body=strategy)
    )
    assert updated.strategy_config.concurrency == -1


def test_encrypted_user_data_is_never_shown(tenant: Tenant) -> None:
    created = create(tenant.fgs, encrypted_user_data='{"PASSWORD": "s3cret"}')
    assert "s3cret" not in created.encrypted_user_data
    assert env(created.encrypted_user_data) == {"PASSWORD": "******"}
    shown = tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    assert env(shown.encrypted_user_data) == {"PASSWORD": "******"}


def test_delete(tenant: Tenant) -> None:
    created = create(tenant.fgs)
    latest = failure(lambda: tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=created.func_urn)))
    assert (latest.status_code, latest.error_code) == (400, "FSS.0400")
    base = created.func_urn.removesuffix(":latest")
    tenant.fgs.delete_function(DeleteFunctionRequest(function_urn=base))
    gone = failure(
        lambda: tenant.fgs.show_function_config(ShowFunctionConfigRequest(function_urn=created.func_urn))
    )
    assert (gone.status_code, gone.error_code) == (404, "FSS.1051")


def test_requirements_install_offline_or_refuse_the_code(fgs: Fgs, tenant: Tenant) -> None:
    handler = "import tinydep\n\ndef handler(event, context):\n    return tinydep.VALUE\n"
    good = zip_of({"index.py": handler, "requirements.txt": "tinydep==1.0\n"})
    created = create(tenant.fgs, func_code=FuncCode(file=b64(good)))
    sha256 = hashlib.sha256(good).hexdigest()
    layers = list((fgs.server.data_dir / "functions" / "deps").glob(f"{sha256}-py*"))
    assert len(layers) == 1
    assert (layers[0] / "tinydep" / "__init__.py").is_file()
    assert created.code_size == len(good)
    missing = zip_of({"index.py": handler, "requirements.txt": "no-such-package==1.0\n"})
    error = failure(lambda: create(tenant.fgs, func_code=FuncCode(file=b64(missing))))
    assert (error.status_code, error.error_code) == (400, "FSS.0400")
    assert "could not be installed" in error.error_msg
    sneaky = zip_of({"index.py": handler, "requirements.txt": "-r /etc/passwd\n"})
    error = failure(lambda: create(tenant.fgs, func_code=FuncCode(file=b64(sneaky))))
    assert error.status_code == 400
    assert "root:" not in error.error_msg
