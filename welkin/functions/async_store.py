"""The durable queue of asynchronous invocations and the async settings: every query, and nothing else."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection as Conn
from sqlalchemy.engine import RowMapping

from welkin.functions.async_models import (
    AsyncConfig,
    AsyncInvocation,
    AsyncStatus,
    Destination,
    DestinationKind,
)
from welkin.functions.async_tables import async_configs, async_invocations

_q = async_invocations.c
_c = async_configs.c


def add(conn: Conn, item: AsyncInvocation) -> None:
    conn.execute(
        insert(async_invocations).values(
            request_id=item.request_id,
            account_id=item.account_id,
            project_id=item.project_id,
            package=item.package,
            name=item.name,
            qualifier=item.qualifier,
            source=item.source,
            event=item.event,
            status=item.status.value,
            attempts=item.attempts,
            next_at=item.next_at,
            created_at=item.created_at,
            started_at=item.started_at,
            ended_at=item.ended_at,
            error_code=item.error_code,
            error_message=item.error_message,
        )
    )


def _item(row: RowMapping) -> AsyncInvocation:
    return AsyncInvocation(
        request_id=row["request_id"],
        account_id=row["account_id"],
        project_id=row["project_id"],
        package=row["package"],
        name=row["name"],
        qualifier=row["qualifier"],
        source=row["source"],
        event=bytes(row["event"]),
        status=AsyncStatus(row["status"]),
        attempts=row["attempts"],
        next_at=row["next_at"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        error_code=row["error_code"],
        error_message=row["error_message"],
    )


def claim_due(conn: Conn, now: datetime, limit: int) -> list[AsyncInvocation]:
    """Up to ``limit`` due WAIT rows, marked RUNNING in this transaction."""
    rows = conn.execute(
        select(async_invocations)
        .where(_q.status == AsyncStatus.WAIT.value, _q.next_at <= now)
        .order_by(_q.next_at)
        .limit(limit)
    ).mappings()
    claimed = []
    for item in [_item(row) for row in rows]:
        # Still WAIT: on PostgreSQL a cancellation may have committed since the select.
        done = conn.execute(
            update(async_invocations)
            .where(_q.request_id == item.request_id, _q.status == AsyncStatus.WAIT.value)
            .values(status=AsyncStatus.RUNNING.value, started_at=item.started_at or now)
        )
        if done.rowcount == 1:
            claimed.append(item)
    return claimed


def invocation(conn: Conn, request_id: str) -> AsyncInvocation | None:
    row = conn.execute(select(async_invocations).where(_q.request_id == request_id)).mappings().first()
    return _item(row) if row is not None else None


def cancel(conn: Conn, request_id: str, now: datetime, code: int, message: str) -> bool:
    """End a WAIT row as failed with ``code``; False when it is not waiting (any more)."""
    done = conn.execute(
        update(async_invocations)
        .where(_q.request_id == request_id, _q.status == AsyncStatus.WAIT.value)
        .values(status=AsyncStatus.FAIL.value, ended_at=now, error_code=code, error_message=message)
    )
    return done.rowcount == 1


def requeue_running(conn: Conn, now: datetime) -> int:
    """At start-up: what was running when the server stopped runs again (at least once)."""
    done = conn.execute(
        update(async_invocations)
        .where(_q.status == AsyncStatus.RUNNING.value)
        .values(status=AsyncStatus.WAIT.value, next_at=now)
    )
    return int(done.rowcount or 0)


def settle(
    conn: Conn,
    request_id: str,
    status: AsyncStatus,
    attempts: int,
    next_at: datetime | None,
    ended_at: datetime | None,
    error_code: int,
    error_message: str,
) -> None:
    values: dict[str, Any] = {
        "status": status.value,
        "attempts": attempts,
        "ended_at": ended_at,
        "error_code": error_code,
        "error_message": error_message,
    }
    if next_at is not None:
        values["next_at"] = next_at
    conn.execute(update(async_invocations).where(_q.request_id == request_id).values(**values))


def invocations(
    conn: Conn,
    project_id: str,
    package: str,
    name: str,
    request_id: str | None,
    status: AsyncStatus | None,
    offset: int,
    limit: int,
) -> tuple[list[AsyncInvocation], int]:
    where = [_q.project_id == project_id, _q.package == package, _q.name == name]
    if request_id:
        where.append(_q.request_id == request_id)
    if status is not None:
        where.append(_q.status == status.value)
    total = conn.execute(select(func.count()).select_from(async_invocations).where(*where)).scalar_one()
    rows = conn.execute(
        select(async_invocations).where(*where).order_by(_q.created_at.desc()).offset(offset).limit(limit)
    ).mappings()
    return [_item(row) for row in rows], int(total)


# --- async settings ------------------------------------------------------------------------------
def _dump(config: AsyncConfig) -> str:
    def destination(d: Destination | None) -> dict[str, str] | None:
        return None if d is None else {"destination": d.kind.value, "param": d.param}

    return json.dumps(
        {
            "max_async_retry_attempts": config.max_retry_attempts,
            "max_async_event_age_in_seconds": config.max_event_age_s,
            "on_success": destination(config.on_success),
            "on_failure": destination(config.on_failure),
        }
    )


def _load(row: RowMapping) -> AsyncConfig:
    raw = json.loads(row["config"])

    def destination(d: dict[str, str] | None) -> Destination | None:
        return None if d is None else Destination(DestinationKind(d["destination"]), d["param"])

    return AsyncConfig(
        raw["max_async_retry_attempts"],
        raw["max_async_event_age_in_seconds"],
        destination(raw["on_success"]),
        destination(raw["on_failure"]),
        row["created_at"],
        row["last_modified"],
    )


def _key(project_id: str, package: str, name: str) -> list[Any]:
    return [_c.project_id == project_id, _c.package == package, _c.name == name]


def config(conn: Conn, project_id: str, package: str, name: str) -> AsyncConfig | None:
    row = conn.execute(select(async_configs).where(*_key(project_id, package, name))).mappings().first()
    return _load(row) if row is not None else None


def put_config(
    conn: Conn, project_id: str, package: str, name: str, value: AsyncConfig, now: datetime
) -> AsyncConfig:
    current = config(conn, project_id, package, name)
    created = current.created_at if current is not None and current.created_at else now
    conn.execute(delete(async_configs).where(*_key(project_id, package, name)))
    conn.execute(
        insert(async_configs).values(
            project_id=project_id,
            package=package,
            name=name,
            config=_dump(value),
            created_at=created,
            last_modified=now,
        )
    )
    row = conn.execute(select(async_configs).where(*_key(project_id, package, name))).mappings().one()
    return _load(row)


def delete_config(conn: Conn, project_id: str, package: str, name: str) -> bool:
    done = conn.execute(delete(async_configs).where(*_key(project_id, package, name)))
    return bool(done.rowcount)
