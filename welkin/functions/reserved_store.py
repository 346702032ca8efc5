"""Reservations of instances: the value, and every query. Functions take an open connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, not_, select
from sqlalchemy.engine import Connection as Conn
from sqlalchemy.engine import RowMapping

from welkin.functions.reserved_tables import reserved_instances

_r = reserved_instances.c


@dataclass(frozen=True)
class Reservation:
    """``count`` instances of a function's ``qualifier`` (``latest``, a version, ``!alias``) kept started."""

    function_id: str
    qualifier: str
    project_id: str
    package: str
    name: str
    count: int
    idle_mode: bool  # FunctionGraph's setting, kept and shown; Welkin's instances idle alike
    updated_at: datetime


def _reservation(row: RowMapping) -> Reservation:
    return Reservation(
        function_id=row["function_id"],
        qualifier=row["qualifier"],
        project_id=row["project_id"],
        package=row["package"],
        name=row["name"],
        count=row["count"],
        idle_mode=bool(row["idle_mode"]),
        updated_at=row["updated_at"],
    )


def _key(function_id: str, qualifier: str) -> Any:
    return and_(_r.function_id == function_id, _r.qualifier == qualifier)


def put(conn: Conn, reservation: Reservation) -> None:
    conn.execute(delete(reserved_instances).where(_key(reservation.function_id, reservation.qualifier)))
    conn.execute(
        insert(reserved_instances).values(
            function_id=reservation.function_id,
            qualifier=reservation.qualifier,
            project_id=reservation.project_id,
            package=reservation.package,
            name=reservation.name,
            count=reservation.count,
            idle_mode=reservation.idle_mode,
            updated_at=reservation.updated_at,
        )
    )


def remove(conn: Conn, function_id: str, qualifier: str) -> bool:
    done = conn.execute(delete(reserved_instances).where(_key(function_id, qualifier)))
    return bool(done.rowcount)


def of_project(
    conn: Conn, project_id: str, function_id: str | None, qualifier: str | None, offset: int, limit: int
) -> tuple[list[Reservation], int]:
    """One page of a project's reservations (of one function, of one qualifier), and how many in all."""
    where = [_r.project_id == project_id]
    if function_id is not None:
        where.append(_r.function_id == function_id)
    if qualifier is not None:
        where.append(_r.qualifier == qualifier)
    total = conn.execute(select(func.count()).select_from(reserved_instances).where(*where)).scalar_one()
    query = (
        select(reserved_instances)
        .where(*where)
        .order_by(_r.package, _r.name, _r.qualifier)
        .offset(offset)
        .limit(limit)
    )
    return [_reservation(row) for row in conn.execute(query).mappings()], int(total)


def every(conn: Conn) -> list[Reservation]:
    """Every reservation of the region, for the pass that keeps instances started."""
    query = select(reserved_instances).order_by(_r.project_id, _r.package, _r.name, _r.qualifier)
    return [_reservation(row) for row in conn.execute(query).mappings()]


def reserved_elsewhere(conn: Conn, function_id: str, qualifier: str) -> int:
    """Instances the region's other reservations hold."""
    query = select(func.coalesce(func.sum(_r.count), 0)).where(not_(_key(function_id, qualifier)))
    return int(conn.execute(query).scalar_one())
