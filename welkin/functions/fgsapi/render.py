"""Registry values as FunctionGraph's JSON documents."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from welkin.functions import rules
from welkin.functions.models import Alias, Function, FunctionConfig
from welkin.functions.urns import alias_urn, version_urn
from welkin.iam.models import Project


def when(moment: datetime) -> str:
    # The SDK parses what it gets with a "Z" appended unless one ends it already.
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def cpu(memory_size: int) -> int:
    """Millicores, as FunctionGraph derives them from memory: 200 + 100 per 128 MB."""
    return memory_size // 128 * 100 + 200


def masked(secret_names: list[str]) -> str:
    """``encrypted_user_data`` as shown: the names, never the values."""
    if not secret_names:
        return ""
    return json.dumps(dict.fromkeys(secret_names, rules.SECRET_MASK))


def config(
    fn: Function,
    version: str,
    cfg: FunctionConfig,
    project: Project,
    region: str,
    secret_names: list[str],
) -> dict[str, Any]:
    """A function (at ``version``) as ShowFunctionConfig and its siblings return it."""
    return {
        "func_id": fn.id,
        "resource_id": fn.id,
        "func_urn": version_urn(region, fn.project_id, fn.package, fn.name, version),
        "func_name": fn.name,
        "domain_id": fn.account_id,
        "namespace": fn.project_id,
        "project_name": project.name,
        "package": fn.package,
        "runtime": cfg.runtime,
        "timeout": cfg.timeout,
        "handler": cfg.handler,
        "memory_size": cfg.memory_size,
        "cpu": cpu(cfg.memory_size),
        "code_type": cfg.code_type.value,
        "code_url": cfg.code_url,
        "code_filename": cfg.code_filename,
        "code_size": cfg.code.size,
        "user_data": cfg.user_data,
        "encrypted_user_data": masked(secret_names),
        "digest": cfg.code.sha512,
        "version": version,
        "image_name": f"{version}-{cfg.code.sha256[:5]}",
        "xrole": cfg.xrole,
        "app_xrole": cfg.app_xrole,
        "description": cfg.description,
        "last_modified": when(cfg.last_modified),
        "strategy_config": {"concurrency": cfg.max_instance_num, "concurrent_num": cfg.concurrent_num},
        "initializer_handler": cfg.initializer_handler,
        "initializer_timeout": cfg.initializer_timeout,
        "network_controller": {
            "disable_public_network": cfg.disable_public_network,
            "trigger_access_vpcs": [],
        },
        "enterprise_project_id": "0",
        "type": "v2",
        "depend_version_list": [],
        "dependencies": [],
        "long_time": cfg.timeout > 900,
    }


def code(fn: Function, version: str, cfg: FunctionConfig, region: str, package_b64: str) -> dict[str, Any]:
    """ShowFunctionCode/UpdateFunctionCode: the package comes back base64 in ``func_code.file``."""
    return {
        "func_urn": version_urn(region, fn.project_id, fn.package, fn.name, version),
        "func_name": fn.name,
        "domain_id": fn.account_id,
        "runtime": cfg.runtime,
        "code_type": cfg.code_type.value,
        "code_url": cfg.code_url,
        "code_filename": cfg.code_filename,
        "code_size": cfg.code.size,
        "digest": cfg.code.sha512,
        "last_modified": when(cfg.last_modified),
        "func_code": {"file": package_b64, "link": ""},
        "depend_version_list": [],
        "dependencies": [],
        "strategy_config": {"concurrency": cfg.max_instance_num, "concurrent_num": cfg.concurrent_num},
    }


def alias(fn: Function, found: Alias, region: str) -> dict[str, Any]:
    return {
        "name": found.name,
        "version": found.version,
        "description": found.description,
        "last_modified": when(found.last_modified),
        "alias_urn": alias_urn(region, fn.project_id, fn.package, fn.name, found.name),
        "additional_version_weights": dict(found.weights),
    }
