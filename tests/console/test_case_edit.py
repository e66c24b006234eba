"""更正案件信息 on the case page (issue 15): an agent corrects a field the customer told them,
with a reason; through the API's correction path (db.correct_case → db._apply_correction), in the
history with the reason, audited, name and phone encrypted with their masks and hashes, refused
with a Chinese message and nothing changed on bad input, and only for whom may see the case."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import select

from bot.casedesk import db as dbmod
from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.models import AuditEntry, Case, CaseEvent
from tests.casedesk.helpers import Clock

from .helpers import Console
from .test_case_list import case_nos, file_case, visible_text

OLD_PHONE, NEW_PHONE = "13812345678", "13900002222"
OLD_NAME, NEW_NAME = "王建国", "王建业"
REASON = "客户来电告知信息有误"


async def correct(console: Console, case_no: str, field: str, value: str, reason: str = REASON) -> Any:
    return await console.post(f"/console/cases/{case_no}/correct", {"field": field, "value": value, "reason": reason})


async def detail(console: Console, case_no: str) -> Dict[str, Any]:
    status, data = await console.api("GET", f"/api/cases/{case_no}")
    assert status == 200, data
    return data


async def corrections(console: Console, case_no: str) -> List[CaseEvent]:
    async with console.db.reading() as s:
        case_id = (await s.execute(select(Case.id).where(Case.case_no == case_no))).scalar_one()
        rows = await s.execute(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "correction").order_by(CaseEvent.id)
        )
        return list(rows.scalars())


async def updates(console: Console, case_no: str) -> List[AuditEntry]:
    return [a for a in await dbmod.audit_trail(console.db, case_no) if a.action == "update"]


def history_section(page: str) -> str:
    return page.split("<h2>处理历史</h2>", 1)[1]


async def agent(console: Console, name: str = "wang", role: str = "agent", branch: Optional[str] = None) -> None:
    await console.user(name, role, branch=branch)
    await console.login(name)


def _days_ago(clock: Clock, days: int) -> str:
    d = (clock.now.astimezone(CHINA_TZ) - timedelta(days=days)).date()
    return f"{d.year}年{d.month}月{d.day}日"


@pytest.mark.parametrize(
    "field, typed, check",
    [
        ("customer_name", NEW_NAME, lambda d, c: d["customer_name"] == NEW_NAME),
        ("phone", "139 0000 2222", lambda d, c: d["phone"] == NEW_PHONE),
        ("branch", "高新区支行", lambda d, c: d["branch"] == "高新区支行" and d["branch_code"] == "BJ002"),
        ("occurred_at", "DAYS_AGO", lambda d, c: d["occurred_at"] == (c.now.astimezone(CHINA_TZ) - timedelta(days=3)).date().isoformat()),
        ("amount", "12,800.50", lambda d, c: float(d["amount"]) == 12800.5),
        ("demand", "请退还被扣的年费", lambda d, c: d["demand"] == "请退还被扣的年费"),
        ("description", "客户补充：扣款发生在两张卡上。", lambda d, c: d["description"] == "客户补充：扣款发生在两张卡上。"),
    ],
)
async def test_each_field_is_corrected_with_history_and_audit(console: Console, clock: Clock, field: str, typed: str, check: Any) -> None:
    filed = await file_case(console)
    no = filed["case_no"]
    await agent(console)
    if typed == "DAYS_AGO":
        typed = _days_ago(clock, 3)
    resp = await correct(console, no, field, typed)
    assert resp.status == 303 and resp.headers["Location"].startswith(f"/console/cases/{no}?msg=corrected")
    assert check(await detail(console, no), clock)

    rows = await corrections(console, no)
    assert [(r.field, r.actor, r.note) for r in rows] == [(field, "wang", REASON)] or (
        # a corrected branch is resolved to the directory again: its own history row
        field == "branch" and [(r.field, r.note) for r in rows] == [("branch", REASON), ("branch_code", REASON)]
    )
    audits = await updates(console, no)
    assert len(audits) == 1 and audits[0].actor == "wang" and REASON in (audits[0].detail or "")
    assert field in (audits[0].detail or "")

    # the page: the notice, and the history row in words with the reason
    status, page = await console.page(f"/console/cases/{no}?msg=corrected")
    assert status == 200 and "案件信息已更正" in page
    history = visible_text(history_section(page))
    assert "更正" in history and REASON in history
    assert f">{field}<" not in history_section(page)  # the field in Chinese, not its code


async def test_name_and_phone_stay_masked_in_history_and_audit(console: Console) -> None:
    filed = await file_case(console)
    no = filed["case_no"]
    await agent(console)
    # the reason itself names the new number and name: it is stored masked too
    assert (await correct(console, no, "phone", NEW_PHONE, f"客户新号码 {NEW_PHONE}")).status == 303
    assert (await correct(console, no, "customer_name", NEW_NAME, f"客户说应为{NEW_NAME}，原来记错了")).status == 303

    status, page = await console.page(f"/console/cases/{no}")
    assert status == 200
    # the page shows the customer in full at the top (an audited read), the history only masked
    assert NEW_PHONE in page and NEW_NAME in page
    history = history_section(page)
    for full in (OLD_PHONE, NEW_PHONE, OLD_NAME, NEW_NAME):
        assert full not in history, full
    assert "138****5678" in history and "139****2222" in history
    assert "王*国" in history and "王*业" in history
    assert "客户新号码 139****2222" in history and "客户说应为王*业" in history

    # the audit table and the history table hold no full value in any column
    async with console.db.reading() as s:
        audit_rows = (await s.execute(select(AuditEntry))).scalars().all()
        event_rows = (await s.execute(select(CaseEvent))).scalars().all()
    dumped = repr([(a.actor, a.action, a.case_no, a.detail) for a in audit_rows])
    dumped += repr([(e.actor, e.kind, e.field, e.old_value, e.new_value, e.note) for e in event_rows])
    for full in (OLD_PHONE, NEW_PHONE, OLD_NAME, NEW_NAME):
        assert full not in dumped, full
    # ... and the rows stored: encrypted, with masks
    async with console.db.reading() as s:
        case = (await s.execute(select(Case).where(Case.case_no == no))).scalar_one()
    assert NEW_PHONE not in (case.phone_enc or "") and case.phone_masked == "139****2222"
    assert NEW_NAME not in (case.customer_name_enc or "") and case.customer_name_masked == "王*业"


async def test_hashes_follow_the_correction(console: Console) -> None:
    filed = await file_case(console)
    no = filed["case_no"]
    await agent(console)
    assert (await correct(console, no, "phone", "139-0000-2222")).status == 303
    assert (await correct(console, no, "customer_name", NEW_NAME)).status == 303

    async def search(q: str) -> List[str]:
        resp = await console.client.get("/console/cases", params={"q": q})
        assert resp.status == 200
        return case_nos(await resp.text())

    assert await search(NEW_PHONE) == [no]
    assert await search("139 0000 2222") == [no]
    assert await search(OLD_PHONE) == []
    assert await search(NEW_NAME) == [no]
    assert await search(OLD_NAME) == []
    # the customer's history (same phone hash) follows the new number too
    other = await file_case(console, phone=NEW_PHONE, customer_name="李四")
    _, page = await console.page(f"/console/cases/{no}")
    customer_history = page.split('id="customer-history"', 1)[1].split("</div>", 1)[0]
    assert other["case_no"] in customer_history


async def test_same_value_changes_nothing(console: Console) -> None:
    filed = await file_case(console)
    no = filed["case_no"]
    await agent(console)
    resp = await correct(console, no, "phone", "138 1234 5678")
    assert resp.status == 303 and "msg=unchanged" in resp.headers["Location"]
    assert await corrections(console, no) == [] and await updates(console, no) == []
    _, page = await console.page(resp.headers["Location"].split("#")[0])
    assert "更正后的内容与原来相同" in page


@pytest.mark.parametrize(
    "form, message",
    [
        ({"field": "phone", "value": NEW_PHONE, "reason": ""}, "请填写更正原因"),
        ({"field": "phone", "value": NEW_PHONE, "reason": "改"}, "请填写更正原因（至少 4 个字）"),
        ({"field": "phone", "value": "12345", "reason": REASON}, "联系电话格式不正确"),
        ({"field": "amount", "value": "五千块", "reason": REASON}, "涉及金额（元）必须是"),
        ({"field": "amount", "value": "12.345", "reason": REASON}, "不超过两位小数"),
        ({"field": "occurred_at", "value": "FUTURE", "reason": REASON}, "发生日期应为不晚于今天的日期"),
        ({"field": "occurred_at", "value": "上周", "reason": REASON}, "发生日期应为不晚于今天的日期"),
        ({"field": "customer_name", "value": "  ", "reason": REASON}, "请填写更正后的客户姓名"),
        ({"field": "demand", "value": "长" * 2001, "reason": REASON}, "客户诉求太长了"),
        ({"field": "status", "value": "closed", "reason": REASON}, "请选择要更正的项目"),
        ({"field": "", "value": "x", "reason": REASON}, "请选择要更正的项目"),
    ],
)
async def test_bad_input_gets_the_page_again_and_changes_nothing(
    console: Console, clock: Clock, form: Dict[str, str], message: str
) -> None:
    filed = await file_case(console)
    no = filed["case_no"]
    before = await detail(console, no)
    await agent(console)
    if form["value"] == "FUTURE":
        d = (clock.now.astimezone(CHINA_TZ) + timedelta(days=3)).date()
        form = {**form, "value": d.isoformat()}
    resp = await console.post(f"/console/cases/{no}/correct", form)
    page = await resp.text()
    assert resp.status == 400
    # the case page again, with the message by the form and what was typed kept
    assert f"案件 {no}" in page and message in visible_text(page)
    assert 'id="case-edit-error"' in page
    if form["reason"]:
        assert f'value="{form["reason"]}"' in page
    after = await detail(console, no)
    for key in ("customer_name", "phone", "branch", "occurred_at", "amount", "demand", "description", "status"):
        assert after[key] == before[key], key
    assert await corrections(console, no) == [] and await updates(console, no) == []


async def test_csrf_token_is_required(console: Console) -> None:
    filed = await file_case(console)
    await agent(console)
    form = {"field": "phone", "value": NEW_PHONE, "reason": REASON}
    for token in (None, "wrong"):
        resp = await console.post(f"/console/cases/{filed['case_no']}/correct", form, csrf=token)
        assert resp.status == 403
    assert (await detail(console, filed["case_no"]))["phone"] == OLD_PHONE


async def test_supervisor_may_trainer_may_not(console: Console) -> None:
    filed = await file_case(console)
    no = filed["case_no"]
    await agent(console, "coach", "trainer")
    resp = await correct(console, no, "phone", NEW_PHONE)
    assert resp.status == 403
    assert (await detail(console, no))["phone"] == OLD_PHONE
    assert [a for a in await dbmod.audit_trail(console.db, no) if a.actor == "coach"] == []

    await agent(console, "boss", "supervisor")
    assert (await correct(console, no, "phone", NEW_PHONE)).status == 303
    assert (await detail(console, no))["phone"] == NEW_PHONE
    assert [a.actor for a in await updates(console, no)] == ["boss"]


async def test_branch_user_cannot_correct_a_hidden_confidential_case(console: Console) -> None:
    secret = await file_case(console, branch="朝阳路支行", confidential=True)
    no = secret["case_no"]
    await agent(console, "branchguy", "agent", branch="朝阳路支行")
    resp = await correct(console, no, "phone", NEW_PHONE)
    assert resp.status == 404
    assert (await detail(console, no))["phone"] == OLD_PHONE
    # a refused attempt is neither a read nor a change
    assert [a for a in await dbmod.audit_trail(console.db, no) if a.actor == "branchguy"] == []


async def test_confidential_case_branch_only_at_head_office(console: Console) -> None:
    """A branch agent who may see a confidential complaint about another branch may correct its
    phone, but not its branch: that would move it into (or out of) a branch's sight."""
    other = await file_case(console, branch="朝阳路支行", confidential=True)
    no = other["case_no"]
    await agent(console, "gaoxin", "agent", branch="高新区支行")
    _, page = await console.page(f"/console/cases/{no}")
    form = page.split('id="case-edit"', 1)[1]
    assert '<option value="phone"' in form and '<option value="branch"' not in form
    resp = await correct(console, no, "branch", "高新区支行")
    assert resp.status == 400 and "保密投诉的网点只能由总行人员更正" in await resp.text()
    assert (await detail(console, no))["branch"] == "朝阳路支行"
    assert (await correct(console, no, "phone", NEW_PHONE)).status == 303

    await agent(console, "hq", "agent")
    assert (await correct(console, no, "branch", "人民路支行")).status == 303
    assert (await detail(console, no))["branch"] == "人民路支行"


async def test_no_correction_after_the_case_is_resolved(console: Console) -> None:
    filed = await file_case(console)
    no = filed["case_no"]
    for status in ("acknowledged", "resolved"):
        code, data = await console.api("PATCH", f"/api/cases/{no}", {"status": status})
        assert code == 200, data
    await agent(console)
    _, page = await console.page(f"/console/cases/{no}")
    form = page.split('id="case-edit"', 1)[1].split("</section>", 1)[0]
    assert 'action="/console/cases/' not in form and "案件办结后不能再更正案件信息" in visible_text(form)
    resp = await correct(console, no, "phone", NEW_PHONE)
    assert resp.status == 409 and "不能再更正案件信息" in visible_text(await resp.text())
    assert (await detail(console, no))["phone"] == OLD_PHONE
    assert await corrections(console, no) == []

    # reopened (已办结 → 处理中), it may be corrected again
    code, _ = await console.api("PATCH", f"/api/cases/{no}", {"status": "in_progress"})
    assert code == 200
    assert (await correct(console, no, "phone", NEW_PHONE)).status == 303


async def test_the_form_is_on_the_case_page_in_chinese(console: Console) -> None:
    filed = await file_case(console)
    await agent(console)
    _, page = await console.page(f"/console/cases/{filed['case_no']}")
    form = page.split('id="case-edit"', 1)[1].split("</section>", 1)[0]
    assert "更正案件信息" in form and 'name="_csrf"' in form and 'method="post"' in form
    labels = re.findall(r'<option value="[a-z_]+"[^>]*>([^<]+)</option>', form)
    assert labels == ["客户姓名", "联系电话", "网点", "发生日期", "涉及金额（元）", "客户诉求", "投诉内容"]
    shown = visible_text(form)
    for code in ("customer_name", "occurred_at", "amount", "phone"):
        assert code not in shown
