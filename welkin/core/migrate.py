"""Applies Alembic migrations at start-up (and from the test suite)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from welkin.core.db import sync_url

_HERE = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.attributes["sqlalchemy_url"] = sync_url(url)
    return config


def upgrade(url: str) -> None:
    """Bring the schema at ``url`` to the newest revision."""
    command.upgrade(alembic_config(url), "head")
