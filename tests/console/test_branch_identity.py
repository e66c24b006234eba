"""Confidential complaints and branch identity over real HTTP (SQLite and PostgreSQL): however the
customer spelled the branch, a confidential complaint about it stays out of that branch's sight,
and one whose branch is not in the directory stays out of every branch's sight until a head-office
supervisor resolves it (issue 18, item 4)."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List

from sqlalchemy import select, update

from bot.branches import directory
from bot.casedesk import db
from bot.casedesk.models import CaseEvent, ConsoleUser

from .helpers import Console

# how customers and the bot write 人民路支行: city prefix, a space, plain, Traditional with
# another suffix, full-width space and brackets
VARIANTS = ["北京市人民路支行", "人民路 支行", "人民路支行", "北京人民路營業部", "（人民路　支行）"]
_QUEUE = re.compile(r'<script type="application/json" id="queue-data">(.*?)</script>', re.S)


def queue_ids(page: str) -> List[int]:
    match = _QUEUE.search(page)
    assert match, "queue data missing"
    return [i["id"] for i in json.loads(match.group(1))["items"]]


async def visible_to(console: Console, username: str, secrets: List[Dict[str, Any]]) -> List[bool]:
    """For each handoff: does `username` see it anywhere (queue, workspace, case, supervisor)?"""
    await console.login(username)
    queue = queue_ids((await console.page("/console"))[1])
    seen = []
    for h in secrets:
        workspace = (await console.page(f"/console/handoffs/{h['id']}"))[0]
        case = (await console.page(f"/console/cases/{h['case_no']}"))[0]
        assert workspace in (200, 404) and case in (200, 404)
        assert (h["id"] in queue) == (workspace == 200) == (case == 200), (username, h, workspace, case)
        seen.append(case == 200)
    return seen


async def branch_events(console: Console, case_no: str) -> List[CaseEvent]:
    async with console.db.reading() as s:
        case_id = (await s.execute(select(db.Case.id).where(db.Case.case_no == case_no))).scalar_one()
        stmt = select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.field == "branch_code")
        return list((await s.execute(stmt.order_by(CaseEvent.id))).scalars())


async def test_confidential_case_is_hidden_from_its_branch_however_it_is_spelled(console: Console) -> None:
    await console.user("renmin", "agent", branch="人民路支行")
    await console.user("renminboss", "supervisor", branch="北京市人民路支行")  # stored as the directory's
    await console.user("chaoyang", "agent", branch="朝阳路支行")
    await console.user("hq", "agent")
    secrets = [
        await console.handoff("human", branch=v, confidential=True, description="投诉柜员态度恶劣，请不要让网点知道")
        for v in VARIANTS
    ]
    open_ = await console.handoff("human", branch="北京市人民路支行", confidential=False)

    assert await visible_to(console, "renmin", secrets) == [False] * len(VARIANTS)
    assert open_["id"] in queue_ids((await console.page("/console"))[1])
    for h in secrets:
        assert (await console.post(f"/console/handoffs/{h['id']}/claim")).status == 404
        assert (await console.post(f"/console/cases/{h['case_no']}/status", {"status": "acknowledged"})).status == 404

    assert await visible_to(console, "renminboss", secrets) == [False] * len(VARIANTS)
    supervisor = (await console.page("/console/supervisor"))[1]
    assert not any(h["case_no"] in supervisor for h in secrets)

    # another branch and head office see them, with the directory's branch on the case page
    assert await visible_to(console, "chaoyang", secrets) == [True] * len(VARIANTS)
    assert await visible_to(console, "hq", secrets) == [True] * len(VARIANTS)
    page = (await console.page(f"/console/cases/{secrets[0]['case_no']}"))[1]
    assert "网点目录：人民路支行" in page


async def test_unresolved_confidential_case_is_hidden_from_every_branch_until_resolved(console: Console) -> None:
    renmin = directory().code_of("人民路支行")
    await console.user("renmin", "agent", branch="人民路支行")
    await console.user("chaoyang", "agent", branch="朝阳路支行")
    await console.user("branchboss", "supervisor", branch="朝阳路支行")
    await console.user("hqboss", "supervisor")
    unknown = await console.handoff("human", branch="海淀区那个支行", confidential=True)
    unsaid = await console.handoff("human", branch=None, confidential=True)
    plain = await console.handoff("human", branch="海淀区那个支行", confidential=False)
    both = [unknown, unsaid]

    for user in ("renmin", "chaoyang", "branchboss"):
        assert await visible_to(console, user, both) == [False, False], user
        assert plain["id"] in queue_ids((await console.page("/console"))[1])

    # head office sees them, listed for resolution on the supervisor page
    assert await visible_to(console, "hqboss", both) == [True, True]
    supervisor = (await console.page("/console/supervisor"))[1]
    assert "待确认网点的保密投诉" in supervisor
    assert unknown["case_no"] in supervisor and unsaid["case_no"] in supervisor
    page = (await console.page(f"/console/cases/{unknown['case_no']}"))[1]
    assert "未对应到网点目录" in page and 'action="/console/cases/' + unknown["case_no"] + '/branch"' in page

    # only a directory branch is accepted
    resp = await console.post(f"/console/cases/{unknown['case_no']}/branch", {"branch_code": "NOPE"})
    assert resp.status == 400
    resp = await console.post(
        f"/console/cases/{unknown['case_no']}/branch", {"branch_code": renmin, "note": "客户补充：人民路那家"}
    )
    assert resp.status == 303 and resp.headers["Location"].endswith("msg=branch")
    page = (await console.page(resp.headers["Location"]))[1]
    assert "网点目录：人民路支行" in page and "案件所涉网点已更新" in page
    # audited: the change is in the case's history and the audit log, with the supervisor's name
    history = await branch_events(console, unknown["case_no"])
    assert [(e.actor, e.old_value, e.new_value, e.note) for e in history] == [
        ("hqboss", None, f"{renmin} 人民路支行", "客户补充：人民路那家")
    ]
    assert any(a.action == "update" and a.actor == "hqboss" for a in await db.audit_trail(console.db, unknown["case_no"]))

    # now hidden from 人民路支行 only
    assert await visible_to(console, "renmin", both) == [False, False]
    assert await visible_to(console, "chaoyang", both) == [True, False]

    # a branch-bound supervisor cannot move a confidential case's branch (into another's sight)
    await console.login("branchboss")
    resp = await console.post(f"/console/cases/{unknown['case_no']}/branch", {"branch_code": ""})
    assert resp.status == 403
    page = (await console.page(f"/console/cases/{unknown['case_no']}"))[1]
    assert "确认所涉网点" not in page


async def test_a_user_whose_branch_is_not_in_the_directory_sees_no_confidential_case(console: Console) -> None:
    # an account from before the directory (migration 0004 could not resolve its branch)
    await console.user("legacy", "agent")
    async with console.db.writing() as s:
        await s.execute(update(ConsoleUser).where(ConsoleUser.username == "legacy").values(branch="海淀支行", branch_code=None))
    other = await console.handoff("human", branch="朝阳路支行", confidential=True)
    plain = await console.handoff("human", branch="朝阳路支行", confidential=False)
    assert await visible_to(console, "legacy", [other, plain]) == [False, True]


async def test_supervisor_chart_counts_one_bar_per_directory_branch(console: Console) -> None:
    await console.user("hqboss", "supervisor")
    for variant in ("北京市人民路支行", "人民路 支行", "人民路支行"):
        await console.handoff("human", branch=variant)
    await console.handoff("human", branch="海淀区那家")
    await console.login("hqboss")
    page = (await console.page("/console/supervisor"))[1]
    chart = page[page.index("近 30 天按网点"):]
    chart = chart[: chart.index("</svg>")]
    labels = re.findall(r'class="label">([^<]*)</text>', chart)
    values = re.findall(r'class="value">([^<]*)</text>', chart)
    assert list(zip(labels, values)) == [("人民路支行", "3 件"), ("海淀区那家", "1 件")]
