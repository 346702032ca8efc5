"""Account quota rows: every query, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, insert, select, text
from sqlalchemy.engine import Connection as Conn

from welkin.billing.quota_tables import account_quotas

_q = account_quotas.c


def limits_of(conn: Conn, account_id: str) -> dict[str, int]:
    """The limits set for the account, by quota name; absent ones have the default."""
    rows = conn.execute(select(_q.quota, _q.limit).where(_q.account_id == account_id))
    return {quota: int(limit) for quota, limit in rows}


def set_limits(conn: Conn, account_id: str, limits: Mapping[str, int | None]) -> None:
    """Set each named quota; None removes the account's own limit (back to the default)."""
    names = list(limits)
    if not names:
        return
    conn.execute(delete(account_quotas).where(_q.account_id == account_id, _q.quota.in_(names)))
    rows = [
        {"account_id": account_id, "quota": name, "limit": limit}
        for name, limit in limits.items()
        if limit is not None
    ]
    if rows:
        conn.execute(insert(account_quotas), rows)


def lock_account(conn: Conn, account_id: str, quota: str) -> None:
    """Serialise the account's checks of one quota until the transaction ends.

    SQLite's writers are serialised already. On PostgreSQL two transactions could each
    count the usage before the other's insert commits and both pass; a transaction-scoped
    advisory lock makes the second count after the first has committed or rolled back.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
            {"name": f"quota:{quota}:{account_id}"},
        )
