"""Retention job (个人信息保护法: personal information kept no longer than needed).

    python -m bot.casedesk.cases.retention        (or: make retention)

1. Case desk: the transcripts of cases that ended — closed (已归档) or withdrawn (客户撤诉) — and
   whose last change is older than CASEDESK_TRANSCRIPT_RETENTION_DAYS (default 365) are
   anonymised: the encrypted full text of every turn, the description and the demand is dropped;
   the masked text stays (phone, ID and card numbers masked, the customer's name masked again
   with the case's current name). The case record itself (category, dates, masked name and
   phone, history) stays for complaint statistics and audits.
2. Rasa's tracker store: every event older than TRACKER_RETENTION_DAYS (default 90) is deleted
   from Rasa's `events` table (TRACKER_DB_URL, SQLite or PostgreSQL).
3. The action server's outbox (OUTBOX_PATH, when this host has it): cases delivered more than
   OUTBOX_RETENTION_DAYS (default 30) ago are deleted (their encrypted payload is no longer
   needed: the case desk has the case). Rejected rows stay for an operator and are counted.

Idempotent: a second run finds nothing left to do. Run it daily (cron, a Kubernetes CronJob);
it prints its progress and a summary in Chinese. Days can also be given on the command line.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, List, Optional

from sqlalchemy import create_engine, exists, func, inspect, or_, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.casedesk.cases import pii
from bot.crypto import PiiCipher
from bot.casedesk.dbconfig import SQLITE_IMMEDIATE, connect_args, install_sqlite_hooks, is_sqlite, sync_url
from bot.casedesk.cases.case_rules import CHINA_TZ, Status
from bot.casedesk.models import AuditEntry, Case, TranscriptTurn
from bot.casedesk.settings import REPO_ROOT, load_settings

DEFAULT_TRANSCRIPT_DAYS = 365
DEFAULT_TRACKER_DAYS = 90
DEFAULT_OUTBOX_DAYS = 30
FINAL_STATUSES = (Status.CLOSED.value, Status.WITHDRAWN.value)
CASE_BATCH = 100
EVENT_BATCH = 5000
ACTOR = "retention"


@dataclass
class Summary:
    cases: int = 0
    turns: int = 0
    tracker_events: int = 0
    tracker_skipped: Optional[str] = None
    outbox_rows: int = 0
    outbox_rejected: int = 0


def _days(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} 必须是整数天数（当前为 {raw!r}）")
    if value < 1:
        raise SystemExit(f"{name} 至少为 1 天（当前为 {value}）")
    return value


def _local_day(dt: datetime) -> str:
    return dt.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def _casedesk_engine(db_url: str, schema: Optional[str]) -> Engine:
    url = sync_url(db_url)
    engine = create_engine(url, future=True, connect_args=connect_args(url, schema))
    if is_sqlite(url):
        install_sqlite_hooks(engine, busy_timeout_ms=30000)
    return engine


def _due(cutoff: datetime) -> List[object]:
    """Cases that ended before the cutoff and still hold an encrypted full text."""
    has_full_turn = exists().where(TranscriptTurn.case_id == Case.id, TranscriptTurn.text_enc.isnot(None))
    return [
        Case.status.in_(FINAL_STATUSES),
        Case.updated_at < cutoff,
        or_(Case.description_enc.isnot(None), Case.demand_enc.isnot(None), has_full_turn),
    ]


def anonymise_transcripts(
    engine: Engine, cipher: PiiCipher, cutoff: datetime, now: datetime, out: Callable[[str], None]
) -> Summary:
    summary = Summary()
    writer = engine.execution_options(**{SQLITE_IMMEDIATE: True}) if engine.dialect.name == "sqlite" else engine
    with Session(engine) as s:
        total = s.execute(select(func.count()).select_from(Case).where(*_due(cutoff))).scalar_one()
    out(f"案件库：{total} 个已结案或撤诉的案件需要匿名化（最后变更早于 {_local_day(cutoff)}）")
    while True:
        # one short transaction per batch: the desk keeps serving between them
        with Session(writer) as s, s.begin():
            cases = list(
                s.execute(select(Case).where(*_due(cutoff)).order_by(Case.id).limit(CASE_BATCH)).scalars()
            )
            if not cases:
                break
            for case in cases:
                names = pii.case_names(cipher, case.customer_name_enc)
                for attr in ("description", "demand"):
                    enc = getattr(case, f"{attr}_enc")
                    if enc is not None:
                        setattr(case, attr, pii.mask(cipher.decrypt(enc), names))
                        setattr(case, f"{attr}_enc", None)
                turns = s.execute(
                    select(TranscriptTurn).where(TranscriptTurn.case_id == case.id, TranscriptTurn.text_enc.isnot(None))
                ).scalars()
                for turn in turns:
                    turn.text = pii.mask(cipher.decrypt(turn.text_enc), names) or ""
                    turn.text_enc = None
                    summary.turns += 1
                # updated_at stays: the case did not change for its handlers, only its archive
                s.add(AuditEntry(at=now, actor=ACTOR, action="anonymise", case_no=case.case_no, remote=None))
                summary.cases += 1
        out(f"  已匿名化 {summary.cases}/{total} 个案件，{summary.turns} 条对话记录")
    return summary


def delete_tracker_events(tracker_url: str, cutoff: datetime, out: Callable[[str], None]) -> Summary:
    summary = Summary()
    url = sync_url(tracker_url) if tracker_url.startswith(("sqlite", "postgresql")) else tracker_url
    engine = create_engine(url, future=True)
    if is_sqlite(url):
        install_sqlite_hooks(engine, busy_timeout_ms=30000)
    stamp = cutoff.timestamp()
    try:
        if not inspect(engine).has_table("events"):
            summary.tracker_skipped = "对话追踪库中还没有 events 表（Rasa 尚未运行过），跳过"
            out(summary.tracker_skipped)
            return summary
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM events WHERE timestamp < :t"), {"t": stamp}).scalar_one()
        out(f"对话追踪库：{total} 条事件早于 {_local_day(cutoff)}，开始删除")
        # in batches: SQLite's write lock, or PostgreSQL's row locks, are held only briefly
        delete = text(
            "DELETE FROM events WHERE id IN "
            "(SELECT id FROM events WHERE timestamp < :t ORDER BY id LIMIT :n)"
        )
        while True:
            with engine.begin() as conn:
                deleted = conn.execute(delete, {"t": stamp, "n": EVENT_BATCH}).rowcount
            if not deleted or deleted < 0:
                break
            summary.tracker_events += deleted
            out(f"  已删除 {summary.tracker_events}/{total} 条事件")
    finally:
        engine.dispose()
    return summary


def prune_outbox(path: Path, cutoff: datetime, out: Callable[[str], None]) -> Summary:
    summary = Summary()
    if not path.exists():
        out(f"本机没有动作服务器的发件箱（{path}），跳过")
        return summary
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        try:
            with conn:
                summary.outbox_rows = conn.execute(
                    "DELETE FROM outbox WHERE status = 'delivered' AND delivered_at < ?", (cutoff.timestamp(),)
                ).rowcount
            summary.outbox_rejected = conn.execute(
                "SELECT count(*) FROM outbox WHERE status = 'rejected'"
            ).fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            out("发件箱中还没有 outbox 表，跳过")
            return summary
    out(f"发件箱：已删除 {summary.outbox_rows} 条早于 {_local_day(cutoff)} 已送达的案件")
    if summary.outbox_rejected:
        out(f"  注意：发件箱中有 {summary.outbox_rejected} 条被案件系统拒收的案件，需人工处理后删除")
    return summary


def run(
    db_url: str,
    db_schema: Optional[str],
    secret_key: str,
    tracker_url: Optional[str],
    transcript_days: int,
    tracker_days: int,
    now: Optional[datetime] = None,
    out: Callable[[str], None] = print,
    outbox_path: Optional[Path] = None,
    outbox_days: int = DEFAULT_OUTBOX_DAYS,
) -> Summary:
    now = now or datetime.now(timezone.utc)
    out(f"个人信息保留期限清理开始（{_local_day(now)}）：案件对话保留 {transcript_days} 天，"
        f"对话追踪事件保留 {tracker_days} 天")
    engine = _casedesk_engine(db_url, db_schema)
    try:
        summary = anonymise_transcripts(
            engine, PiiCipher(secret_key), now - timedelta(days=transcript_days), now, out
        )
    finally:
        engine.dispose()
    if tracker_url:
        tracked = delete_tracker_events(tracker_url, now - timedelta(days=tracker_days), out)
        summary.tracker_events, summary.tracker_skipped = tracked.tracker_events, tracked.tracker_skipped
    else:
        summary.tracker_skipped = "未配置 TRACKER_DB_URL，跳过对话追踪库"
        out(summary.tracker_skipped)
    if outbox_path is not None:
        boxed = prune_outbox(outbox_path, now - timedelta(days=outbox_days), out)
        summary.outbox_rows, summary.outbox_rejected = boxed.outbox_rows, boxed.outbox_rejected
    out(f"完成：匿名化 {summary.cases} 个案件的 {summary.turns} 条对话记录，"
        f"删除 {summary.tracker_events} 条对话追踪事件、{summary.outbox_rows} 条发件箱记录。")
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.casedesk.cases.retention",
        description="个人信息保留期限清理：匿名化已结案案件的对话原文，删除过期的对话追踪事件。",
    )
    parser.add_argument("--transcript-days", type=int, help="案件对话保留天数（默认读 CASEDESK_TRANSCRIPT_RETENTION_DAYS，否则 365）")
    parser.add_argument("--tracker-days", type=int, help="对话追踪事件保留天数（默认读 TRACKER_RETENTION_DAYS，否则 90）")
    args = parser.parse_args(argv)
    from bot.casedesk.db import run_migrations

    settings = load_settings()
    # the columns this job reads come with migration 0005: a desk not restarted since the
    # upgrade gets them (and its rows sealed) here, as its own start-up would do
    run_migrations(settings)
    transcript_days = args.transcript_days or _days("CASEDESK_TRANSCRIPT_RETENTION_DAYS", DEFAULT_TRANSCRIPT_DAYS)
    tracker_days = args.tracker_days or _days("TRACKER_RETENTION_DAYS", DEFAULT_TRACKER_DAYS)
    outbox_days = _days("OUTBOX_RETENTION_DAYS", DEFAULT_OUTBOX_DAYS)
    outbox_path = Path(os.environ.get("OUTBOX_PATH") or REPO_ROOT / "var" / "outbox.db")
    if transcript_days < 1 or tracker_days < 1:
        parser.error("保留天数至少为 1 天")
    run(
        settings.db_url, settings.db_schema, settings.secret_key, settings.tracker_db_url,
        transcript_days, tracker_days, out=lambda line: print(line, flush=True),
        outbox_path=outbox_path, outbox_days=outbox_days,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
