"""处理流程 on the case page (issue 14), through the real app on SQLite and PostgreSQL: the step,
the deadline, the decision, extensions and pauses with their reasons, in Chinese; the forms by
role (agent: decision, notice, resume; supervisor: 30 days, pause, 核查; senior manager: 60
days); a refused form answers with the page again, a Chinese message and what was typed, and
nothing is recorded; every code has its Chinese label."""
from __future__ import annotations

import re
from typing import Any, Dict

from bot.casedesk import db as dbmod
from bot.casedesk.console import labels
from bot.casedesk.cases.case_rules import Liability, NotifyVia, Outcome, Step
from tests.casedesk.helpers import Clock

from .helpers import Console
from .test_case_list import file_case, visible_text

REASONS = "经调取监控核实，网点未按规定核验身份，我行承担责任，同意赔付客户损失。"


async def as_user(console: Console, name: str, role: str) -> None:
    await console.user(name, role, display_name=name)
    await console.login(name)


async def case_in_progress(console: Console) -> str:
    filed = await file_case(console)
    no = filed["case_no"]
    status, body = await console.api("PATCH", f"/api/cases/{no}", {"status": "in_progress"})
    assert status == 200, body
    return no


async def flow(console: Console, no: str) -> Dict[str, Any]:
    status, body = await console.api("GET", f"/api/cases/{no}/lifecycle")
    assert status == 200, body
    return body


def panel_text(page: str) -> str:
    start = page.index('id="lifecycle"')
    return visible_text(page[start: page.index("<h2>办理时限</h2>")])


async def test_a_supervisor_extends_and_an_agent_records_the_decision(console: Console) -> None:
    no = await case_in_progress(console)
    await console.user("wang", "agent", display_name="王明")
    await as_user(console, "zhao", "supervisor")
    _, page = await console.page(f"/console/cases/{no}")
    text = panel_text(page)
    assert "当前环节：调查" in text and "剩余 15 天" in text and "没有延期或暂停" in text
    assert 'id="extension-form"' in page and 'id="pause-form"' in page and 'id="decision-form"' in page

    resp = await console.post(f"/console/cases/{no}/extensions", {"days": "30", "reason": "需向发卡机构调取交易凭证"})
    assert resp.status == 303 and resp.headers["Location"] == f"/console/cases/{no}?msg=extended30#lifecycle"
    _, page = await console.page(f"/console/cases/{no}?msg=extended30")
    text = panel_text(page)
    assert "办理期限已延长至 30 天" in visible_text(page)
    assert "30 天（自受理" in text and "15 天 → 30 天" in text and "需向发卡机构调取交易凭证" in text
    assert "审批：zhao（主管）" in text
    # at 30 days a supervisor is told why there is no further extension
    assert "延长至 60 天须经高级管理人员审批" in text and 'id="extension-form"' not in page

    await console.login("wang")
    _, page = await console.page(f"/console/cases/{no}")
    assert 'id="extension-form"' not in page and 'id="pause-form"' not in page
    resp = await console.post(
        f"/console/cases/{no}/decision",
        {"outcome": "partly_supported", "liability": "shared", "amount": "2,500.50", "reasons": REASONS},
    )
    assert resp.status == 303 and "msg=decided" in resp.headers["Location"]
    _, page = await console.page(f"/console/cases/{no}")
    text = panel_text(page)
    assert "当前环节：决定" in text
    assert "部分支持" in text and "双方责任" in text and "2500.50 元" in text and REASONS in text
    assert "王明（坐席）" in text and "按期" in text and "尚未告知客户" in text  # by display name
    assert 'id="notified-form"' in page and 'id="decision-form"' not in page
    history = visible_text(page.split("<h2>处理历史</h2>", 1)[1])
    assert "处理决定" in history and "部分支持" in history and "延期" in history

    resp = await console.post(f"/console/cases/{no}/notified", {"via": "phone", "note": "客户表示认可"})
    assert resp.status == 303
    _, page = await console.page(f"/console/cases/{no}")
    assert "当前环节：告知" in panel_text(page) and "以电话告知（王明）" in panel_text(page)
    resp = await console.post(f"/console/cases/{no}/status", {"status": "closed"})
    assert resp.status == 303
    _, page = await console.page(f"/console/cases/{no}")
    assert "当前环节：结案" in panel_text(page) and "客户可在" in panel_text(page)
    actions = [a.action for a in await dbmod.audit_trail(console.db, no)]
    for action in ("extend", "decision", "notify"):
        assert action in actions


async def test_only_a_senior_manager_extends_to_sixty_days(console: Console) -> None:
    no = await case_in_progress(console)
    await as_user(console, "zhao", "supervisor")
    await console.post(f"/console/cases/{no}/extensions", {"days": "30", "reason": "需向发卡机构调取交易凭证"})
    resp = await console.post(f"/console/cases/{no}/extensions", {"days": "60", "reason": "情况特别复杂"})
    page = await resp.text()
    assert resp.status == 403
    assert "延长至 60 天须经高级管理人员审批" in visible_text(page) and 'role="alert"' in page
    assert len((await flow(console, no))["extensions"]) == 1

    await as_user(console, "qian", "senior_manager")
    _, page = await console.page(f"/console/cases/{no}")
    assert "延长至 60 天" in page and "以高级管理人员身份审批" in page
    resp = await console.post(f"/console/cases/{no}/extensions", {"days": "60", "reason": "涉及跨行调查，情况特别复杂"})
    assert resp.status == 303 and "msg=extended60" in resp.headers["Location"]
    _, page = await console.page(f"/console/cases/{no}")
    text = panel_text(page)
    assert "60 天（自受理" in text and "审批：qian（高级管理人员）" in text and "涉及跨行调查" in text
    ext = (await flow(console, no))["extensions"][-1]
    assert (ext["approved_by"], ext["approved_role"]) == ("qian", "senior_manager")
    # the senior manager works cases: the header names the role
    assert "（高级管理人员）" in visible_text(page)


async def test_an_agent_may_not_extend_pause_or_open_a_review(console: Console) -> None:
    no = await case_in_progress(console)
    await as_user(console, "wang", "agent")
    for path, form, words in [
        ("extensions", {"days": "30", "reason": "需调查"}, "延长办理期限须由主管或高级管理人员办理。"),
        ("extend", {"reason": "需调查"}, "延长办理期限须由主管或高级管理人员办理。"),
        ("pause", {"reason": "送外部机构评估"}, "暂停计时须由主管或高级管理人员办理。"),
        ("review", {"office": "总行消保部", "reason": "客户有异议"}, "受理核查须由主管或高级管理人员办理。"),
    ]:
        resp = await console.post(f"/console/cases/{no}/{path}", form)
        assert resp.status == 403 and words in visible_text(await resp.text()), path
    body = await flow(console, no)
    assert body["extensions"] == [] and body["pauses"] == [] and body["reviews"] == []


async def test_bad_input_is_refused_in_chinese_with_what_was_typed(console: Console) -> None:
    no = await case_in_progress(console)
    await as_user(console, "wang", "agent")
    for form, words in [
        ({"outcome": "supported", "liability": "liable", "amount": "12.345", "reasons": REASONS}, "不超过两位小数"),
        ({"outcome": "", "liability": "liable", "amount": "", "reasons": REASONS}, "缺少必填字段“处理结果”"),
        ({"outcome": "not_supported", "liability": "not_liable", "amount": "500", "reasons": REASONS}, "处理结果为“不支持”时没有同意的金额"),
        ({"outcome": "supported", "liability": "liable", "amount": "", "reasons": "ok ok ok ok ok"}, "请用中文写明处理理由"),
        ({"outcome": "supported", "liability": "liable", "amount": "", "reasons": "同意赔付"}, "太短"),
    ]:
        resp = await console.post(f"/console/cases/{no}/decision", form)
        page = await resp.text()
        assert resp.status == 400, form
        error = re.search(r'<p class="notice bad" role="alert" id="lifecycle-error">([^<]*)</p>', page)
        assert error and words in error.group(1), (form, error)
        # what was typed comes back, the form open
        assert f">{form['reasons']}</textarea>" in page and 'id="decision-box" open' in page
    assert (await flow(console, no))["decision"] is None
    # a state conflict answers 409 the same way
    await as_user(console, "zhao", "supervisor")
    await console.post(f"/console/cases/{no}/pause", {"reason": "送司法鉴定中心鉴定"})
    resp = await console.post(f"/console/cases/{no}/decision", {"outcome": "supported", "liability": "liable", "reasons": REASONS})
    assert resp.status == 409 and "请先结束暂停" in visible_text(await resp.text())


async def test_a_pause_shows_and_its_days_move_the_deadline(console: Console, clock: Clock) -> None:
    no = await case_in_progress(console)
    await as_user(console, "zhao", "supervisor")
    resp = await console.post(f"/console/cases/{no}/pause", {"reason": "送司法鉴定中心鉴定签名真伪"})
    assert resp.status == 303 and "msg=paused" in resp.headers["Location"]
    clock.advance(days=4)
    await as_user(console, "wang", "agent")
    _, page = await console.page(f"/console/cases/{no}")
    text = panel_text(page)
    assert "暂停中" in text and "至今 4 天" in text and "送司法鉴定中心鉴定签名真伪" in text and "尚未恢复" in text
    assert "计时暂停中：外部鉴定/评估结束并恢复计时后，才能记录处理决定。" in text
    before = (await flow(console, no))["clock"]["decision_due_at"]
    resp = await console.post(f"/console/cases/{no}/resume", {"note": "鉴定结论已收到"})
    assert resp.status == 303
    body = await flow(console, no)
    assert body["clock"]["paused_days"] == 4 and body["clock"]["decision_due_at"] > before
    _, page = await console.page(f"/console/cases/{no}")
    text = panel_text(page)
    assert "顺延 4 天" in text and "另顺延暂停的 4 天" in text and "剩余 15 天" in text
    assert "恢复计时" in visible_text(page.split("<h2>处理历史</h2>", 1)[1])


async def test_review_within_thirty_days_then_no_more(console: Console, clock: Clock) -> None:
    no = await case_in_progress(console)
    await as_user(console, "zhao", "supervisor")
    await console.post(f"/console/cases/{no}/decision", {"outcome": "not_supported", "liability": "not_liable", "reasons": "经核实，交易为客户本人操作，我行无责，不予支持。"})
    await console.post(f"/console/cases/{no}/notified", {"via": "letter"})
    await console.post(f"/console/cases/{no}/status", {"status": "closed"})
    _, page = await console.page(f"/console/cases/{no}")
    assert 'id="review-form"' in page
    clock.advance(days=30, minutes=1)
    await console.login("zhao")  # a console session lasts 8 hours
    _, page = await console.page(f"/console/cases/{no}")
    assert 'id="review-form"' not in page and "已超过核查申请期限" in panel_text(page)
    resp = await console.post(f"/console/cases/{no}/review", {"office": "总行消费者权益保护部", "reason": "客户有异议"})
    assert resp.status == 409
    assert "现已超过期限，不能再申请核查" in visible_text(await resp.text())


async def test_a_review_reopens_the_case(console: Console, clock: Clock) -> None:
    no = await case_in_progress(console)
    await as_user(console, "zhao", "supervisor")
    await console.post(f"/console/cases/{no}/decision", {"outcome": "supported", "liability": "liable", "amount": "100", "reasons": REASONS})
    clock.advance(days=5)
    await console.login("zhao")
    resp = await console.post(f"/console/cases/{no}/review", {"office": "总行消费者权益保护部", "reason": "客户认为赔付金额不足"})
    assert resp.status == 303 and "msg=reviewed" in resp.headers["Location"]
    _, page = await console.page(f"/console/cases/{no}")
    text = panel_text(page)
    assert "当前环节：调查" in text and "核查：自受理核查" in text and "总行消费者权益保护部受理核查（zhao）" in text
    assert 'id="decision-form"' in page and 'id="extension-form"' not in page


def test_every_lifecycle_code_has_a_chinese_label() -> None:
    for table, enum in ((labels.OUTCOME_LABELS, Outcome), (labels.LIABILITY_LABELS, Liability),
                        (labels.NOTIFY_VIA_LABELS, NotifyVia), (labels.STEP_LABELS, Step)):
        assert set(table) == set(enum.values())
        assert all(re.search(r"[\u4e00-\u9fff]", v) for v in table.values())
    for kind in ("pause", "resume", "decision", "notified", "review", "extend"):
        assert kind in labels.EVENT_KIND_LABELS
    assert labels.ROLE_LABELS["senior_manager"] == "高级管理人员"
    assert labels.history_value("outcome", "partly_supported") == "部分支持"
    assert labels.history_value("notified_via", "in_person") == "当面"
    assert labels.history_value("decision_due_at", "2026-12-16T10:00:00+08:00") == "2026-12-16 10:00"
