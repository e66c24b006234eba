"""Engine options shared by the async app engine and Alembic's sync engine.

Both must agree on SQLite's pragmas and on PostgreSQL's schema, or migrations would create the
tables somewhere the app does not look.
"""
from __future__ import annotations

import time
from typing import Any, Dict, Optional

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

# execution option that asks the SQLite begin hook for a write lock up front
SQLITE_IMMEDIATE = "casedesk_sqlite_immediate"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def with_driver(url: str, sqlite: str, postgresql: str) -> str:
    """The same database through another driver (SQLite or PostgreSQL only)."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        return str(u.set(drivername=sqlite))
    if backend == "postgresql":
        return u.set(drivername=postgresql).render_as_string(hide_password=False)
    raise ValueError(f"unsupported database backend: {backend}")


def sync_url(url: str) -> str:
    """Alembic runs on sync drivers: sqlite3 and psycopg2 (both come with Rasa)."""
    return with_driver(url, "sqlite", "postgresql+psycopg2")


def connect_args(url: str, schema: Optional[str]) -> Dict[str, Any]:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        # Python's sqlite3 opens transactions behind our back; the begin hook below does it
        return {"isolation_level": None}
    if schema:
        if u.get_driver_name() == "asyncpg":
            return {"server_settings": {"search_path": schema}}
        return {"options": f"-csearch_path={schema}"}
    return {}


def install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL so readers never block the writer, a busy timeout so a second process waits instead of
    failing, and BEGIN IMMEDIATE for writes: a deferred transaction that reads then writes can
    fail at once with SQLITE_BUSY when another connection committed in between.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        _use_wal(cur, busy_timeout_ms)
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _use_wal(cur: Any, busy_timeout_ms: int) -> None:
    """Switch the file to WAL once. The switch needs the file to itself and SQLite does not
    always call the busy handler for it: when several processes open a new database together
    (two desks starting, parallel migrations) the losers fail at once with "database is locked".
    They wait and try again here, within the same busy timeout; once the file is in WAL mode
    (the mode is stored in the file) nothing more is needed.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            # aiosqlite's adapted cursor returns None from execute: fetch from the cursor
            cur.execute("PRAGMA journal_mode")
            if str(cur.fetchone()[0]).lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except Exception as exc:  # sqlite3's own, or the same re-raised through aiosqlite
            if not _is_locked(exc):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _is_locked(exc: Exception) -> bool:
    text = str(exc)
    return type(exc).__name__ == "OperationalError" and ("locked" in text or "busy" in text)
