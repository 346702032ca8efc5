"""Trigger metadata: every query, and nothing else. Functions take an open connection."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection as Conn
from sqlalchemy.engine import RowMapping

from welkin.functions.triggers.models import Trigger, TriggerStatus, TriggerType
from welkin.functions.triggers.tables import triggers

_t = triggers.c


def _trigger(row: RowMapping) -> Trigger:
    return Trigger(
        id=row["id"],
        function_id=row["function_id"],
        account_id=row["account_id"],
        project_id=row["project_id"],
        package=row["package"],
        function_name=row["function_name"],
        qualifier=row["qualifier"],
        type=TriggerType(row["type"]),
        status=TriggerStatus(row["status"]),
        event_data=json.loads(row["event_data"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        next_fire_at=row["next_fire_at"],
    )


def insert_trigger(conn: Conn, trigger: Trigger) -> None:
    conn.execute(
        insert(triggers).values(
            id=trigger.id,
            function_id=trigger.function_id,
            account_id=trigger.account_id,
            project_id=trigger.project_id,
            package=trigger.package,
            function_name=trigger.function_name,
            qualifier=trigger.qualifier,
            type=trigger.type.value,
            status=trigger.status.value,
            event_data=json.dumps(trigger.event_data),
            created_at=trigger.created_at,
            updated_at=trigger.updated_at,
            next_fire_at=trigger.next_fire_at,
        )
    )


def trigger(conn: Conn, trigger_id: str) -> Trigger | None:
    row = conn.execute(select(triggers).where(_t.id == trigger_id)).mappings().first()
    return _trigger(row) if row is not None else None


def of_function(conn: Conn, function_id: str) -> list[Trigger]:
    query = select(triggers).where(_t.function_id == function_id).order_by(_t.created_at, _t.id)
    return [_trigger(row) for row in conn.execute(query).mappings()]


def of_kind(conn: Conn, kinds: tuple[TriggerType, ...], project_id: str | None = None) -> list[Trigger]:
    query = select(triggers).where(_t.type.in_([k.value for k in kinds]))
    if project_id is not None:
        query = query.where(_t.project_id == project_id)
    return [_trigger(row) for row in conn.execute(query.order_by(_t.created_at, _t.id)).mappings()]


def due_timers(conn: Conn, now: datetime) -> list[Trigger]:
    query = select(triggers).where(
        _t.type == TriggerType.TIMER.value,
        _t.status == TriggerStatus.ACTIVE.value,
        _t.next_fire_at <= now,
    )
    return [_trigger(row) for row in conn.execute(query.order_by(_t.next_fire_at)).mappings()]


def next_timer(conn: Conn) -> datetime | None:
    query = select(_t.next_fire_at).where(
        _t.type == TriggerType.TIMER.value, _t.status == TriggerStatus.ACTIVE.value
    )
    found: datetime | None = conn.execute(query.order_by(_t.next_fire_at).limit(1)).scalar()
    return found


def set_status(
    conn: Conn, trigger_id: str, status: TriggerStatus, now: datetime, next_fire: datetime | None
) -> None:
    values = {"status": status.value, "updated_at": now, "next_fire_at": next_fire}
    conn.execute(update(triggers).where(_t.id == trigger_id).values(**values))


def move_timer(conn: Conn, trigger_id: str, expected: datetime, next_fire: datetime | None) -> bool:
    """Move a timer's next tick from ``expected``; False if another scheduler moved it first."""
    result = conn.execute(
        update(triggers)
        .where(_t.id == trigger_id, _t.next_fire_at == expected)
        .values(next_fire_at=next_fire)
    )
    return result.rowcount == 1


def delete_trigger(conn: Conn, trigger_id: str) -> None:
    conn.execute(delete(triggers).where(_t.id == trigger_id))
