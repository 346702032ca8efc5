"""Invocation logs and per-minute function metrics in the metadata store: every query, and nothing else.

The contract (tests/store/test_fgs_invocation_records.py runs it on SQLite and PostgreSQL):

- ``add_logs`` writes logs whose ``seq`` the caller chose (increasing, never reused);
  ``recent_logs`` answers one function's last ``limit`` after a ``seq``, oldest first;
  ``last_seq`` is the highest ``seq`` kept, where a restarted server goes on counting.
- ``keep_last_logs`` deletes a function's logs but its newest ``keep``; ``delete_logs_before``
  and ``delete_minutes_before`` delete by age. All three are cheap on their indexes.
- ``add_minutes`` adds figures to a function's minute, creating it or summing into it, so a
  batch written twice counts twice: the writer sends each delta once.
- ``function_minutes_since`` reads one function's minutes since one; ``project_minutes_since``
  those of every function whose URN starts with a prefix, without their histograms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.engine import Connection as Conn
from sqlalchemy.engine import RowMapping

from welkin.functions import histogram
from welkin.functions.invocation_models import InvocationLog, MinuteFigures
from welkin.functions.invocation_tables import function_minutes, invocation_logs

_l = invocation_logs.c
_m = function_minutes.c
MinuteKey = tuple[str, int]  # (function URN, epoch minute)


def add_logs(conn: Conn, logs: Iterable[InvocationLog]) -> None:
    rows = [
        {
            "seq": e.seq,
            "function_urn": e.function_urn,
            "version": e.version,
            "request_id": e.request_id,
            "source": e.source,
            "at": e.at,
            "duration_ms": e.duration_ms,
            "error_code": e.error_code,
            "log": e.text.encode("utf-8", "replace"),
            "truncated": e.truncated,
        }
        for e in logs
    ]
    if rows:
        conn.execute(insert(invocation_logs), rows)


def _log(row: RowMapping) -> InvocationLog:
    return InvocationLog(
        seq=row["seq"],
        function_urn=row["function_urn"],
        version=row["version"],
        request_id=row["request_id"],
        source=row["source"],
        at=row["at"],
        duration_ms=row["duration_ms"],
        error_code=row["error_code"],
        text=bytes(row["log"]).decode("utf-8", "replace"),
        truncated=bool(row["truncated"]),
    )


def recent_logs(
    conn: Conn, function_urn: str, limit: int, after_seq: int, request_id: str | None
) -> list[InvocationLog]:
    where = [_l.function_urn == function_urn, _l.seq > after_seq]
    if request_id is not None:
        where.append(_l.request_id == request_id)
    rows = conn.execute(select(invocation_logs).where(*where).order_by(_l.seq.desc()).limit(limit))
    return [_log(row) for row in reversed(list(rows.mappings()))]


def last_seq(conn: Conn) -> int:
    return int(conn.execute(select(func.max(_l.seq))).scalar_one() or 0)


def keep_last_logs(conn: Conn, function_urn: str, keep: int) -> int:
    oldest_kept = conn.execute(
        select(_l.seq)
        .where(_l.function_urn == function_urn)
        .order_by(_l.seq.desc())
        .offset(max(0, keep - 1))
        .limit(1)
    ).scalar_one_or_none()
    if oldest_kept is None:
        return 0
    done = conn.execute(delete(invocation_logs).where(_l.function_urn == function_urn, _l.seq < oldest_kept))
    return int(done.rowcount or 0)


def delete_logs_before(conn: Conn, cutoff: datetime) -> int:
    return int(conn.execute(delete(invocation_logs).where(_l.at < cutoff)).rowcount or 0)


# --- per-minute metrics --------------------------------------------------------------------------
def _figures(row: RowMapping) -> MinuteFigures:
    return MinuteFigures(
        count=row["count"],
        function_errors=row["function_errors"],
        system_errors=row["system_errors"],
        throttles=row["throttles"],
        cold_starts=row["cold_starts"],
        duration_total_ms=row["duration_total_ms"],
        max_duration_ms=row["max_duration_ms"],
        min_duration_ms=row["min_duration_ms"],
        max_cold_start_ms=row["max_cold_start_ms"],
        gb_seconds=row["gb_seconds"],
        durations=histogram.loads(row["durations"]) if "durations" in row else {},
        cold_start_durations=(
            histogram.loads(row["cold_start_durations"]) if "cold_start_durations" in row else {}
        ),
    )


def _values(figures: MinuteFigures) -> dict[str, Any]:
    return {
        "count": figures.count,
        "function_errors": figures.function_errors,
        "system_errors": figures.system_errors,
        "throttles": figures.throttles,
        "cold_starts": figures.cold_starts,
        "duration_total_ms": figures.duration_total_ms,
        "max_duration_ms": figures.max_duration_ms,
        "min_duration_ms": figures.min_duration_ms,
        "max_cold_start_ms": figures.max_cold_start_ms,
        "gb_seconds": figures.gb_seconds,
        "durations": histogram.dumps(figures.durations),
        "cold_start_durations": histogram.dumps(figures.cold_start_durations),
    }


def add_minutes(conn: Conn, deltas: Mapping[MinuteKey, MinuteFigures]) -> None:
    # Read, sum, write: the histograms are JSON, which neither database adds up by itself.
    # One server writes a region's minutes, from one task, so nothing interleaves.
    for (urn, minute), delta in deltas.items():
        key = (_m.function_urn == urn, _m.minute == minute)
        row = conn.execute(select(function_minutes).where(*key)).mappings().first()
        if row is None:
            conn.execute(insert(function_minutes).values(function_urn=urn, minute=minute, **_values(delta)))
        else:
            conn.execute(update(function_minutes).where(*key).values(**_values(_figures(row).plus(delta))))


def _minutes(
    conn: Conn, columns: list[Any], since_minute: int, match: ColumnElement[bool]
) -> dict[MinuteKey, MinuteFigures]:
    rows = conn.execute(
        select(*columns).where(_m.minute >= since_minute, match).order_by(_m.minute)
    ).mappings()
    return {(row["function_urn"], row["minute"]): _figures(row) for row in rows}


def function_minutes_since(
    conn: Conn, function_urn: str, since_minute: int
) -> dict[MinuteKey, MinuteFigures]:
    return _minutes(conn, list(function_minutes.c), since_minute, _m.function_urn == function_urn)


def project_minutes_since(conn: Conn, urn_prefix: str, since_minute: int) -> dict[MinuteKey, MinuteFigures]:
    """Without histograms: a project's month is many rows, and its sums are what is asked."""
    sums = [c for c in function_minutes.c if c.name not in ("durations", "cold_start_durations")]
    return _minutes(conn, sums, since_minute, _m.function_urn.startswith(urn_prefix, autoescape=True))


def delete_minutes_before(conn: Conn, minute: int) -> int:
    return int(conn.execute(delete(function_minutes).where(_m.minute < minute)).rowcount or 0)
