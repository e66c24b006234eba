"""Alembic environment of the case desk (sync drivers: sqlite3, psycopg2).

Called two ways: by the app at start-up (`db.run_migrations`, which passes the URL and schema in
`config.attributes`) and by operators through `bot/casedesk/alembic.ini` (URL from the settings).
"""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.casedesk.dbconfig import (
    SQLITE_IMMEDIATE,
    connect_args,
    install_sqlite_hooks,
    is_sqlite,
    sync_url,
)
from bot.casedesk.models import Base

config = context.config
target_metadata = Base.metadata

# any constant works; it only has to be the same for every case desk process
_PG_MIGRATION_LOCK = 7_310_415_226


def _target():
    url = config.attributes.get("sync_url")
    schema = config.attributes.get("schema")
    if url is None:
        if config.config_file_name is not None:
            fileConfig(config.config_file_name, disable_existing_loggers=False)
        from bot.casedesk.settings import load_settings

        settings = load_settings()
        url, schema = sync_url(settings.db_url), settings.db_schema
    return url, schema


def run_migrations_offline() -> None:
    url, schema = _target()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=is_sqlite(url),
        version_table_schema=schema,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url, schema = _target()
    sqlite = is_sqlite(url)
    engine = create_engine(
        url, future=True, poolclass=NullPool, connect_args=connect_args(url, schema)
    )
    if sqlite:
        install_sqlite_hooks(engine, busy_timeout_ms=30000)
    try:
        with engine.connect() as connection:
            if sqlite:
                # one migrating process at a time; the others wait and then find head applied
                connection = connection.execution_options(**{SQLITE_IMMEDIATE: True})
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                version_table_schema=schema,
                # SQLite can roll DDL back too; one transaction means a failed or concurrent
                # start-up never leaves half a schema behind
                transactional_ddl=True,
                transaction_per_migration=False,
            )
            with context.begin_transaction():
                if not sqlite:
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
                    )
                    if schema:
                        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
