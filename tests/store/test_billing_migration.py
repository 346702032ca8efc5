"""Migration 0012 (invoices) on SQLite and PostgreSQL: raw records counted before it can be pruned
once every cursor has passed the newest event at the time, and it goes back down cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from welkin.core.db import sync_url
from welkin.core.migrate import alembic_config, upgrade


def test_records_counted_before_invoices_take_the_newest_event(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0011_budgets")
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO events (topic, payload, published_at)"
                    " VALUES ('functions.usage', '{}', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO billing_usage_records VALUES ('r1', 'fgs_requests', 'a', 's', 't', 'f',"
                    " 'r', 1, '2026-10-01 00:00:00+00:00', '2026-10-01 00:00:00+00:00')"
                )
            )
        command.upgrade(config, "0012_invoices")
        with engine.begin() as conn:
            head = conn.scalar(sa.text("SELECT MAX(seq) FROM events"))
            row = conn.execute(sa.text("SELECT event_seq, counted_at FROM billing_usage_records")).one()
        assert row.event_seq == head
        assert str(row.counted_at).startswith("2026-10-01 00:00:00")
        # Then one row per record counted, with what pruning goes by.
        upgrade(database_url)
        with engine.begin() as conn:
            counted = conn.execute(sa.text("SELECT * FROM billing_counted_records")).one()
        assert (counted.record_id, counted.event_seq) == ("r1", head)
        assert str(counted.counted_at).startswith("2026-10-01 00:00:00")
    finally:
        engine.dispose()
