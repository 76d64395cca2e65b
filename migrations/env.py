"""Alembic environment: batch mode on SQLite, the model's naming conventions."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from tracker.model import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        # The `alembic` command line (developers): the database of TRACKER_DB or --db.
        from tracker.db import resolve_url

        url = config.get_main_option("sqlalchemy.url") or resolve_url(None)[0]
        engine = create_engine(url)
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _render_item(type_: str, obj, autogen_context):  # type: ignore[no-untyped-def]
    """Our column types appear in migrations as the plain types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use `tracker db upgrade`")
run_migrations_online()
