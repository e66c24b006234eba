"""The retention job (bot/casedesk/cases/retention.py) on SQLite and PostgreSQL: transcripts of cases
that ended before the cutoff lose their encrypted full text, tracker events before the cutoff
are deleted, and a second run changes nothing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from sqlalchemy import create_engine, text

from bot.casedesk.cases import retention
from bot.casedesk.settings import REPO_ROOT, Settings
from bot.redact import contains_pii

from .helpers import PG_URL, SECRET, Api, Clock, pg_execute

NAME, PHONE = "欧阳建国", "13812345678"
SAID = f"我叫{NAME}，电话{PHONE}"


@pytest.fixture
def tracker_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        schema = f"trk_{os.getpid()}_{tmp_path.name[-12:].replace('-', '_')}".lower()
        pg_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
        base = PG_URL.replace("+asyncpg", "")
        url = f"{base}?options=-csearch_path%3D{schema}"
    engine = create_engine(url)
    with engine.begin() as conn:  # Rasa's SQLTrackerStore table, as Rasa 3.6 creates it
        conn.execute(text(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        ))
    engine.dispose()
    yield url
    if backend != "sqlite":
        pg_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _events(url: str) -> List[Tuple[str, float]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sender_id, timestamp FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def _add_events(url: str, rows: List[Tuple[str, float]]) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for i, (sender, ts) in enumerate(rows, start=1):
            conn.execute(
                text("INSERT INTO events (id, sender_id, type_name, timestamp, data) VALUES (:i, :s, 'user', :t, '{}')"),
                {"i": i, "s": sender, "t": ts},
            )
    engine.dispose()


async def _case(api: Api, status_path: List[str]) -> str:
    status, created = await api.create(
        customer_name=NAME, phone=PHONE, description=f"请回电{PHONE}",
        transcript=[{"role": "customer", "text": SAID}],
    )
    assert status == 201
    for st in status_path:
        s, body = await api.call("PATCH", f"/api/cases/{created['case_no']}", json={"status": st})
        assert s == 200, body
    return created["case_no"]


async def test_retention_anonymises_old_transcripts_and_deletes_old_events(
    api: Api, settings: Settings, clock: Clock, tracker_url: str
) -> None:
    old_closed = await _case(api, ["acknowledged", "resolved", "closed"])
    old_withdrawn = await _case(api, ["withdrawn"])
    old_open = await _case(api, ["in_progress"])
    clock.advance(days=400)
    new_closed = await _case(api, ["withdrawn"])
    now = clock.now
    _add_events(tracker_url, [("a", now.timestamp() - 100 * 86400), ("a", now.timestamp() - 91 * 86400),
                              ("b", now.timestamp() - 89 * 86400), ("b", now.timestamp() - 60)])

    lines: List[str] = []
    summary = retention.run(settings.db_url, settings.db_schema, SECRET, tracker_url, 365, 90, now=now, out=lines.append)
    assert (summary.cases, summary.turns, summary.tracker_events) == (2, 2, 2)
    assert lines[-1].startswith("完成") and "2 个案件" in lines[-1] and "删除 2 条对话追踪事件" in lines[-1]
    assert [sender for sender, _ in _events(tracker_url)] == ["b", "b"]

    for no in (old_closed, old_withdrawn):
        _, detail = await api.call("GET", f"/api/cases/{no}")
        # even the audited detail has only the masked text now
        assert detail["transcript"][0]["text"] == "我叫欧**国，电话138****5678"
        assert detail["description"] == "请回电138****5678"
        assert detail["phone"] == PHONE  # the case record itself is kept
    for no in (old_open, new_closed):
        _, detail = await api.call("GET", f"/api/cases/{no}")
        assert detail["transcript"][0]["text"] == SAID

    again = retention.run(settings.db_url, settings.db_schema, SECRET, tracker_url, 365, 90, now=now, out=lines.append)
    assert (again.cases, again.turns, again.tracker_events) == (0, 0, 0)
    _, listed = await api.call("GET", "/api/cases")
    assert not contains_pii(str(listed))


async def test_retention_without_a_tracker_table(api: Api, settings: Settings, tmp_path: Path) -> None:
    lines: List[str] = []
    summary = retention.run(settings.db_url, settings.db_schema, SECRET, f"sqlite:///{tmp_path / 'none.db'}", 30, 30, out=lines.append)
    assert summary.tracker_skipped and "跳过" in summary.tracker_skipped
    assert lines[-1].startswith("完成")


def test_retention_prunes_delivered_outbox_rows(api: Api, settings: Settings, tmp_path: Path) -> None:
    import sqlite3
    import time

    from actions.outbox import _SCHEMA

    path = tmp_path / "outbox.db"
    now = time.time()
    with sqlite3.connect(path) as conn:
        conn.executescript(_SCHEMA)
        for key, status, delivered in (("old", "delivered", now - 40 * 86400), ("new", "delivered", now - 86400),
                                       ("stuck", "rejected", None), ("wait", "pending", None)):
            conn.execute(
                "INSERT INTO outbox (conversation_id, intake_id, payload, status, next_attempt_at, created_at, delivered_at)"
                " VALUES (?, ?, 'gAAAA…', ?, 0, ?, ?)", (key, key, status, now - 50 * 86400, delivered),
            )
    lines: List[str] = []
    summary = retention.run(settings.db_url, settings.db_schema, SECRET, None, 365, 90,
                            out=lines.append, outbox_path=path, outbox_days=30)
    assert (summary.outbox_rows, summary.outbox_rejected) == (1, 1)
    with sqlite3.connect(path) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT conversation_id FROM outbox")) == ["new", "stuck", "wait"]
    assert any("人工处理" in line for line in lines)
    again = retention.run(settings.db_url, settings.db_schema, SECRET, None, 365, 90,
                          out=lines.append, outbox_path=path, outbox_days=30)
    assert again.outbox_rows == 0


def test_command_line(settings: Settings, tmp_path: Path, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the command line is the same on both backends")
    from bot.casedesk import db as dbmod

    dbmod.run_migrations(settings)
    env = dict(os.environ, CASEDESK_DB_URL=settings.db_url, CASEDESK_SECRET_KEY=SECRET,
               CASEDESK_TOKEN="t" * 32, TRACKER_DB_URL=f"sqlite:///{tmp_path / 'none.db'}",
               CASEDESK_TRANSCRIPT_RETENTION_DAYS="30", TRACKER_RETENTION_DAYS="7",
               OUTBOX_PATH=str(tmp_path / "no-outbox.db"))
    env.pop("CASEDESK_DB_SCHEMA", None)
    done = subprocess.run([sys.executable, "-m", "bot.casedesk.cases.retention"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "案件对话保留 30 天" in done.stdout and "对话追踪事件保留 7 天" in done.stdout
    assert "完成" in done.stdout
    env["TRACKER_RETENTION_DAYS"] = "abc"
    bad = subprocess.run([sys.executable, "-m", "bot.casedesk.cases.retention"], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "TRACKER_RETENTION_DAYS" in bad.stderr
