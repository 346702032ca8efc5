"""Alembic environment: the URL comes from the caller, never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

# Imported for their side effect: each registers its tables on the shared metadata.
from welkin.core.db import metadata

url = context.config.attributes["sqlalchemy_url"]
engine = create_engine(url)
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
