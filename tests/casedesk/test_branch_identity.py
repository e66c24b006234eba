"""Cases carry the directory branch their branch string names (branch_code), set at creation,
followed on a branch correction, resolved by a supervisor through PATCH, and filled in for rows
older than migration 0004 (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from bot.branches import directory
from bot.casedesk import db as dbmod
from bot.casedesk.dbconfig import connect_args, sync_url
from bot.casedesk.settings import Settings

from .helpers import Api

RENMIN, CHAOYANG = directory().code_of("人民路支行"), directory().code_of("朝阳路支行")


@pytest.mark.parametrize(
    "branch, code",
    [("北京市人民路支行", RENMIN), ("人民路 支行", RENMIN), ("人民路營業部", RENMIN), ("海淀支行", None), (None, None)],
)
async def test_a_new_case_points_to_its_directory_branch(api: Api, branch, code) -> None:
    status, made = await api.create(branch=branch, confidential=True)
    assert status == 201
    _, case = await api.call("GET", f"/api/cases/{made['case_no']}")
    # the customer's words are kept as said; the identity beside them
    assert case["branch"] == branch and case["branch_code"] == code
    assert case["branch_name"] == (directory().name_of(code) if code else None)


async def test_branch_correction_and_supervisor_resolution(api: Api) -> None:
    _, made = await api.create(branch="海淀区那家", confidential=True)
    no = made["case_no"]
    status, body = await api.call("PATCH", f"/api/cases/{no}", json={"branch_code": "NOPE"})
    assert status == 400 and body["error"] == "invalid_value" and "网点目录" in body["message"]

    # a supervisor resolves it (the API's actor header names them), audited in the history
    status, _ = await api.call(
        "PATCH", f"/api/cases/{no}", json={"branch_code": RENMIN, "note": "电话核实"},
        headers={"X-Actor": "supervisor:zhao"},
    )
    assert status == 200
    _, case = await api.call("GET", f"/api/cases/{no}")
    assert case["branch_code"] == RENMIN and case["branch_name"] == "人民路支行" and case["branch"] == "海淀区那家"
    change = [h for h in case["history"] if h.get("field") == "branch_code"]
    assert len(change) == 1 and change[0]["new_value"] == f"{RENMIN} 人民路支行"

    # correcting the branch string resolves it again; an unknown one leaves it unresolved
    await api.call("PATCH", f"/api/cases/{no}", json={"branch": "北京朝阳路支行"})
    assert (await api.call("GET", f"/api/cases/{no}"))[1]["branch_code"] == CHAOYANG
    await api.call("PATCH", f"/api/cases/{no}", json={"branch": "望京支行"})
    assert (await api.call("GET", f"/api/cases/{no}"))[1]["branch_code"] is None
    # both in one request: the supervisor's code wins over the string's resolution
    await api.call("PATCH", f"/api/cases/{no}", json={"branch": "望京支行（其实是朝阳路）", "branch_code": CHAOYANG})
    assert (await api.call("GET", f"/api/cases/{no}"))[1]["branch_code"] == CHAOYANG
    # the same string again does not undo a resolution
    await api.call("PATCH", f"/api/cases/{no}", json={"branch": "望京支行（其实是朝阳路）"})
    assert (await api.call("GET", f"/api/cases/{no}"))[1]["branch_code"] == CHAOYANG


def test_migration_0004_fills_in_existing_rows(settings: Settings) -> None:
    dbmod.run_migrations(settings, "0003")
    url = sync_url(settings.db_url)
    engine = create_engine(url, future=True, connect_args=connect_args(url, settings.db_schema))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [("北京市人民路支行", 1), ("人民路 支行", 2), ("海淀支行", 3), (None, 4)]
    try:
        with engine.begin() as conn:
            for branch, n in rows:
                conn.execute(
                    text(
                        "INSERT INTO cases (case_no, conversation_id, intake_id, channel, status, category,"
                        " business_line, priority, branch, description, confidential, compensation_requested,"
                        " escalation_signals, owner, contact_due_at, decision_due_at, extended, repeat_flag,"
                        " group_flag, created_at, updated_at) VALUES (:no, :conv, 'i', 'web', 'new', 'other',"
                        " 'other', 'normal', :branch, 'x', true, false, '[]', 'queue:general', :now, :now,"
                        " false, false, false, :now, :now)"
                    ),
                    {"no": f"TS2026120300000{n}", "conv": f"c{n}", "branch": branch, "now": now},
                )
            for name, branch in (("wang", "人民路支行 "), ("li", "北京朝陽路支行"), ("zhou", "海淀支行"), ("hq", None)):
                conn.execute(
                    text(
                        "INSERT INTO console_users (username, display_name, password_hash, role, branch, active,"
                        " created_at) VALUES (:u, :u, 'x', 'agent', :b, true, :now)"
                    ),
                    {"u": name, "b": branch, "now": now},
                )
        dbmod.run_migrations(settings, "0004")
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT branch, branch_code FROM cases ORDER BY case_no")).all()
            users = dict(
                (u, (b, c)) for u, b, c in conn.execute(text("SELECT username, branch, branch_code FROM console_users"))
            )
    finally:
        engine.dispose()
    # cases keep the customer's words; users are rewritten to the directory's name
    assert [tuple(r) for r in cases] == [
        ("北京市人民路支行", RENMIN), ("人民路 支行", RENMIN), ("海淀支行", None), (None, None)
    ]
    assert users == {
        "wang": ("人民路支行", RENMIN), "li": ("朝阳路支行", CHAOYANG), "zhou": ("海淀支行", None), "hq": (None, None)
    }
    dbmod.downgrade(settings, "0003")  # and back, without touching the rows
