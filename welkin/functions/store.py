"""FunctionGraph registry metadata: every query, and nothing else.

All functions take an open connection, so the service decides what one transaction holds.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.engine import Connection as Conn
from sqlalchemy.engine import RowMapping

from welkin.functions import tables as t
from welkin.functions.models import Alias, CodeRevision, CodeType, Function, FunctionConfig, FunctionVersion

_f = t.functions.c
_v = t.versions.c
_a = t.aliases.c


# --- configuration documents -------------------------------------------------------------------
def dump_config(config: FunctionConfig) -> str:
    return json.dumps(
        {
            "runtime": config.runtime,
            "handler": config.handler,
            "memory_size": config.memory_size,
            "timeout": config.timeout,
            "user_data": config.user_data,
            "encrypted_user_data": config.encrypted_user_data,
            "initializer_handler": config.initializer_handler,
            "initializer_timeout": config.initializer_timeout,
            "max_instance_num": config.max_instance_num,
            "concurrent_num": config.concurrent_num,
            "disable_public_network": config.disable_public_network,
            "xrole": config.xrole,
            "app_xrole": config.app_xrole,
            "description": config.description,
            "code_type": config.code_type.value,
            "code_url": config.code_url,
            "code_filename": config.code_filename,
            "code": {
                "sha256": config.code.sha256,
                "sha512": config.code.sha512,
                "size": config.code.size,
                "unpacked_size": config.code.unpacked_size,
            },
            "last_modified": config.last_modified.isoformat(),
        }
    )


def load_config(text: str) -> FunctionConfig:
    raw: dict[str, Any] = json.loads(text)
    code = raw["code"]
    return FunctionConfig(
        runtime=raw["runtime"],
        handler=raw["handler"],
        memory_size=raw["memory_size"],
        timeout=raw["timeout"],
        user_data=raw["user_data"],
        encrypted_user_data=raw["encrypted_user_data"],
        initializer_handler=raw["initializer_handler"],
        initializer_timeout=raw["initializer_timeout"],
        max_instance_num=raw["max_instance_num"],
        # Both absent from configurations stored before they could be set.
        concurrent_num=raw.get("concurrent_num", 1),
        disable_public_network=raw.get("disable_public_network", False),
        xrole=raw["xrole"],
        app_xrole=raw["app_xrole"],
        description=raw["description"],
        code_type=CodeType(raw["code_type"]),
        code_url=raw["code_url"],
        code_filename=raw["code_filename"],
        code=CodeRevision(code["sha256"], code["sha512"], code["size"], code["unpacked_size"]),
        last_modified=datetime.fromisoformat(raw["last_modified"]),
    )


# --- functions --------------------------------------------------------------------------------
def insert_function(conn: Conn, fn: Function) -> None:
    conn.execute(
        insert(t.functions).values(
            id=fn.id,
            account_id=fn.account_id,
            project_id=fn.project_id,
            package=fn.package,
            name=fn.name,
            created_at=fn.created_at,
            config=dump_config(fn.config),
            code_sha256=fn.config.code.sha256,
            next_version=1,
        )
    )


def _by_name(project_id: str, package: str, name: str) -> Select[Any]:
    return select(t.functions).where(_f.project_id == project_id, _f.package == package, _f.name == name)


def function(conn: Conn, project_id: str, package: str, name: str) -> Function | None:
    row = conn.execute(_by_name(project_id, package, name)).mappings().first()
    return _function(row) if row else None


def locked_function(conn: Conn, project_id: str, package: str, name: str) -> Function | None:
    """The function, its row locked until the transaction ends.

    Every writer of a function, its versions and aliases takes that lock first, so two
    concurrent publishes on PostgreSQL cannot take the same version number (SQLite's
    writers are serialised already, and it has no row locks).
    """
    row = conn.execute(_by_name(project_id, package, name).with_for_update()).mappings().first()
    return _function(row) if row else None


def functions(
    conn: Conn, project_id: str, package: str | None, name: str | None, offset: int, limit: int
) -> tuple[list[Function], int]:
    """One page of a project's functions in creation order, and how many there are in all."""
    where = [_f.project_id == project_id]
    if package is not None:
        where.append(_f.package == package)
    if name is not None:
        where.append(_f.name == name)
    total = conn.execute(select(func.count()).select_from(t.functions).where(*where)).scalar_one()
    query = select(t.functions).where(*where).order_by(_f.created_at, _f.id).offset(offset).limit(limit)
    return [_function(row) for row in conn.execute(query).mappings()], int(total)


def count_account_functions(conn: Conn, account_id: str) -> int:
    query = select(func.count()).select_from(t.functions).where(_f.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def account_code_bytes(conn: Conn, account_id: str) -> int:
    """Bytes of code the account's functions and versions hold (each revision counted per holder)."""
    total = 0
    ids = select(_f.id).where(_f.account_id == account_id)
    for text in conn.execute(select(_f.config).where(_f.account_id == account_id)).scalars():
        total += json.loads(text)["code"]["size"]
    for text in conn.execute(select(_v.config).where(_v.function_id.in_(ids))).scalars():
        total += json.loads(text)["code"]["size"]
    return total


def set_config(conn: Conn, function_id: str, config: FunctionConfig) -> None:
    values = {"config": dump_config(config), "code_sha256": config.code.sha256}
    conn.execute(update(t.functions).where(_f.id == function_id).values(values))


def take_version_number(conn: Conn, function_id: str) -> int:
    number = conn.execute(select(_f.next_version).where(_f.id == function_id)).scalar_one()
    conn.execute(update(t.functions).where(_f.id == function_id).values(next_version=number + 1))
    return int(number)


def delete_function(conn: Conn, function_id: str) -> None:
    conn.execute(delete(t.aliases).where(_a.function_id == function_id))
    conn.execute(delete(t.versions).where(_v.function_id == function_id))
    conn.execute(delete(t.functions).where(_f.id == function_id))


def _function(row: RowMapping) -> Function:
    return Function(
        id=row["id"],
        account_id=row["account_id"],
        project_id=row["project_id"],
        package=row["package"],
        name=row["name"],
        created_at=row["created_at"],
        config=load_config(row["config"]),
    )


# --- versions ---------------------------------------------------------------------------------
def insert_version(conn: Conn, version: FunctionVersion) -> None:
    conn.execute(
        insert(t.versions).values(
            function_id=version.function_id,
            name=version.name,
            seq=version.seq,
            description=version.description,
            config=dump_config(version.config),
            code_sha256=version.config.code.sha256,
            created_at=version.created_at,
        )
    )


def version(conn: Conn, function_id: str, name: str) -> FunctionVersion | None:
    query = select(t.versions).where(_v.function_id == function_id, _v.name == name)
    row = conn.execute(query).mappings().first()
    return _version(row) if row else None


def versions(conn: Conn, function_id: str) -> list[FunctionVersion]:
    query = select(t.versions).where(_v.function_id == function_id).order_by(_v.seq)
    return [_version(row) for row in conn.execute(query).mappings()]


def count_versions(conn: Conn, function_id: str) -> int:
    query = select(func.count()).select_from(t.versions).where(_v.function_id == function_id)
    return int(conn.execute(query).scalar_one())


def code_in_use(conn: Conn) -> set[str]:
    """Every code revision a function's head or a published version refers to."""
    heads = conn.execute(select(_f.code_sha256).distinct()).scalars()
    published = conn.execute(select(_v.code_sha256).distinct()).scalars()
    return {*heads, *published}


def delete_version(conn: Conn, function_id: str, name: str) -> None:
    conn.execute(delete(t.versions).where(_v.function_id == function_id, _v.name == name))


def _version(row: RowMapping) -> FunctionVersion:
    return FunctionVersion(
        function_id=row["function_id"],
        name=row["name"],
        seq=row["seq"],
        description=row["description"],
        config=load_config(row["config"]),
        created_at=row["created_at"],
    )


# --- aliases ----------------------------------------------------------------------------------
def put_alias(conn: Conn, alias: Alias, *, new: bool) -> None:
    values = {
        "version": alias.version,
        "description": alias.description,
        "weights": json.dumps(dict(alias.weights)),
        "last_modified": alias.last_modified,
    }
    if new:
        conn.execute(insert(t.aliases).values(function_id=alias.function_id, name=alias.name, **values))
    else:
        where = (_a.function_id == alias.function_id, _a.name == alias.name)
        conn.execute(update(t.aliases).where(*where).values(values))


def alias(conn: Conn, function_id: str, name: str) -> Alias | None:
    query = select(t.aliases).where(_a.function_id == function_id, _a.name == name)
    row = conn.execute(query).mappings().first()
    return _alias(row) if row else None


def aliases(conn: Conn, function_id: str) -> list[Alias]:
    query = select(t.aliases).where(_a.function_id == function_id).order_by(_a.name)
    return [_alias(row) for row in conn.execute(query).mappings()]


def delete_alias(conn: Conn, function_id: str, name: str) -> None:
    conn.execute(delete(t.aliases).where(_a.function_id == function_id, _a.name == name))


def _alias(row: RowMapping) -> Alias:
    weights: dict[str, int] = json.loads(row["weights"])
    return Alias(
        function_id=row["function_id"],
        name=row["name"],
        version=row["version"],
        description=row["description"],
        weights=tuple(sorted(weights.items())),
        last_modified=row["last_modified"],
    )
