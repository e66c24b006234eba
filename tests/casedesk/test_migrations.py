"""Alembic owns the schema: models and migrations agree, downgrade/upgrade round-trips, and two
processes migrating at once do not trip over each other."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from bot.casedesk import db as dbmod
from bot.casedesk.dbconfig import connect_args, sync_url
from bot.casedesk.models import Base
from bot.casedesk.settings import REPO_ROOT, Settings

TABLES = {"cases", "case_transcript", "case_events", "audit_log", "case_counters"}


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    url = sync_url(settings.db_url)
    return create_engine(url, future=True, connect_args=connect_args(url, settings.db_schema))


def test_models_match_migrations(settings: Settings) -> None:
    dbmod.run_migrations(settings)
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(ctx, Base.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert TABLES <= tables
    assert diffs == []


def test_downgrade_and_upgrade_round_trip(settings: Settings) -> None:
    dbmod.run_migrations(settings)
    dbmod.downgrade(settings, "base")
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            assert not TABLES & set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    dbmod.run_migrations(settings)
    dbmod.run_migrations(settings)  # idempotent


def test_parallel_migrations_in_separate_processes(settings: Settings) -> None:
    code = (
        "import sys; from bot.casedesk.settings import Settings; "
        "from bot.casedesk.db import run_migrations; "
        "run_migrations(Settings(token='t', secret_key='k' * 20, db_url=sys.argv[1], "
        "db_schema=sys.argv[2] or None))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, settings.db_url, settings.db_schema or ""],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            assert TABLES <= set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    s = Settings(token="t", secret_key="k" * 20, db_url=f"sqlite+aiosqlite:///{path}")
    dbmod.run_migrations(s)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
