"""Migration 0009 (the case lifecycle) keeps a case extended before it: 30 days, and an extension
row with its reason and the approver from the case's own history."""
from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Integer, bindparam, create_engine, text

from bot.casedesk import db as dbmod
from bot.casedesk.dbconfig import connect_args, sync_url
from bot.casedesk.app import init_app
from bot.casedesk.models import UTCDateTime
from bot.casedesk.settings import Settings

from .helpers import Api


async def test_0009_keeps_an_earlier_extension(settings: Settings) -> None:
    async with TestClient(TestServer(init_app(settings), host="127.0.0.1")) as client:
        status, created = await Api(client).create()
        assert status == 201
    no = created["case_no"]

    dbmod.downgrade(settings, "0007")
    url = sync_url(settings.db_url)
    engine = create_engine(url, future=True, connect_args=connect_args(url, settings.db_schema))
    when = UTCDateTime()
    try:
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT id, created_at FROM cases WHERE case_no = :no").columns(id=Integer(), created_at=when), {"no": no}
            ).one()
            # an extension as the desk recorded it before the lifecycle
            conn.execute(
                text("UPDATE cases SET extended = :t, extension_reason = :r, extended_at = :at, decision_due_at = :due WHERE id = :id")
                .bindparams(bindparam("at", type_=when), bindparam("due", type_=when)),
                {"t": True, "r": "需调取监控录像", "at": row.created_at + timedelta(days=3),
                 "due": row.created_at + timedelta(days=30), "id": row.id},
            )
            conn.execute(
                text("INSERT INTO case_events (case_id, at, actor, kind, field, note) VALUES (:id, :at, 'zhao', 'extend', 'decision_due_at', :r)")
                .bindparams(bindparam("at", type_=when)),
                {"id": row.id, "at": row.created_at + timedelta(days=3), "r": "需调取监控录像"},
            )
    finally:
        engine.dispose()

    dbmod.run_migrations(settings)
    async with TestClient(TestServer(init_app(settings), host="127.0.0.1")) as client:
        status, flow = await Api(client).call("GET", f"/api/cases/{no}/lifecycle")
    assert status == 200
    assert flow["clock"]["days"] == 30 and flow["clock"]["next_extension"] == 60
    (ext,) = flow["extensions"]
    assert (ext["from_days"], ext["to_days"], ext["reason"], ext["approved_by"], ext["approved_role"]) == (
        15, 30, "需调取监控录像", "zhao", None,
    )
    assert ext["new_due_at"] == flow["clock"]["decision_due_at"]
