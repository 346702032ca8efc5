"""obs metering: the last sampled storage hour, and billing's OBS consumer

The consumer's cursor is created here, at the newest event, as 0009 does for
``billing.functions``: created when its task first runs, at the head, it would miss the
usage published before that.

Revision ID: 0010_obs_metering
Revises: 0009_billing_usage
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010_obs_metering"
down_revision = "0009_billing_usage"
branch_labels = None
depends_on = None

CONSUMER = "billing.obs"
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "obs_storage_sampled",
        sa.Column("sampler", sa.String(length=32), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sampler", name=op.f("pk_obs_storage_sampled")),
    )
    conn = op.get_bind()
    events = sa.table("events", sa.column("seq", SEQ))
    consumers = sa.table(
        "event_consumers",
        sa.column("name", sa.String()),
        sa.column("last_seq", SEQ),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    head = conn.scalar(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0)))
    if conn.scalar(sa.select(consumers.c.name).where(consumers.c.name == CONSUMER)) is None:
        conn.execute(consumers.insert().values(name=CONSUMER, last_seq=head, updated_at=datetime.now(UTC)))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM event_consumers WHERE name = 'billing.obs'"))
    op.drop_table("obs_storage_sampled")
