"""After every other end-to-end test of a backend (this file sorts last, and the e2e tests are
grouped by the stack they share): no whole phone, ID or card number anywhere a customer's data
rests or is listed — any table of the case desk, Rasa's tracker store, the action server's
outbox, the WeChat store, any process's log, and the API's list responses.

The e2e tests before this one typed phone numbers (138…, 139 1234 5678, +86 …), names and
amounts into every channel, through handoffs, filings, corrections, outages and restarts.
Identifier columns (conversation and sender ids, keys) are not scanned: they are random test
ids that may be long digit runs, and hold nothing a customer typed.
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from bot.redact import contains_pii, redact

ID_COLUMN = re.compile(r"(^|_)(id|ids|key|sender_id|conversation_id|intake_id|message_id|token|hash)$")
AGENT = {"X-Actor": "agent.wang"}


def _unescaped(text: str) -> str:
    """JSON written with \\u escapes hides a number behind a CJK character's escape
    ("\\u53eb138…"): scan the JSON's text as characters."""
    if text[:1] in "{[\"":
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text


def _findings(rows, where: str) -> list[str]:
    found = []
    for column, value in rows:
        if value is None or ID_COLUMN.search(column):
            continue
        text = bytes(value).decode("utf-8", "replace") if isinstance(value, (bytes, memoryview)) else str(value)
        if contains_pii(_unescaped(text)):
            found.append(f"{where}.{column}: {redact(text)[:120]}")
    return found


def _scan_engine(url: str, schema: str | None = None, since: float | None = None) -> list[str]:
    engine = sa.create_engine(url, future=True)
    found: list[str] = []
    try:
        inspector = sa.inspect(engine)
        with engine.connect() as conn:
            for table_name in inspector.get_table_names(schema=schema):
                table = sa.Table(table_name, sa.MetaData(), schema=schema, autoload_with=engine)
                query = sa.select(table)
                if since is not None and "timestamp" in table.c:
                    # the shared PostgreSQL events table also holds other runs' conversations
                    query = query.where(table.c.timestamp >= since)
                for row in conn.execute(query):
                    found += _findings(row._mapping.items(), table_name)
    finally:
        engine.dispose()
    return found


def _scan_sqlite_file(path: Path) -> list[str]:
    if not path.exists():
        return []
    found: list[str] = []
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            for row in cursor:
                found += _findings(zip(names, row), f"{path.name}:{table}")
    return found


def test_no_whole_phone_id_or_card_number_at_rest_in_logs_or_lists(stack):
    found: list[str] = []
    env = stack.env
    # databases
    if env["CASEDESK_DB_URL"].startswith("postgresql"):
        found += _scan_engine(env["CASEDESK_DB_URL"].replace("+asyncpg", ""), schema=env.get("CASEDESK_DB_SCHEMA"))
        found += _scan_engine(env["TRACKER_DB_URL"], since=stack.started_at)
    else:
        found += _scan_sqlite_file(stack.workdir / "casedesk.db")
        found += _scan_sqlite_file(stack.workdir / "tracker.db")
    found += _scan_sqlite_file(Path(env["OUTBOX_PATH"]))
    found += _scan_sqlite_file(Path(env.get("WECHAT_STORE_PATH", stack.workdir / "wechat.db")))
    # logs of every process
    for name in ("casedesk", "actions", "rasa"):
        for n, line in enumerate(stack.log_path(name).read_text(errors="replace").splitlines()):
            if contains_pii(line):
                found.append(f"{name}.log:{n + 1}: {redact(line)[:160]}")
    # list responses of the API
    for path in ("/api/cases?limit=200", "/api/handoffs?status=waiting", "/api/handoffs?status=active",
                 "/api/handoffs?status=closed"):
        r = stack.casedesk("GET", path, headers=AGENT)
        assert r.status_code == 200, r.text
        if contains_pii(_unescaped(r.text)):
            found.append(f"GET {path}: {redact(r.text)[:160]}")
        for item in r.json().get("items", []) if path.startswith("/api/handoffs") else []:
            detail = stack.casedesk("GET", f"/api/handoffs/{item['id']}", headers=AGENT)
            if contains_pii(_unescaped(detail.text)):
                found.append(f"GET /api/handoffs/{item['id']}: {redact(detail.text)[:160]}")
    assert not found, "\n".join(found[:40])
