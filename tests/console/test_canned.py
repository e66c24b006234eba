"""快捷回复 (issue 15): supervisors manage canned replies, checked by 质检 when saved; the
workspace lists them with {客户称呼} and {案件编号} filled for its case."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from bot.casedesk.handoffs.canned import salutation
from bot.casedesk.models import AuditEntry

from .helpers import Console


async def _save(console: Console, title: str, text: str, reply_id: int = 0):
    path = f"/console/canned/{reply_id}" if reply_id else "/console/canned"
    return await console.post(path, {"title": title, "text": text})


async def test_a_supervisor_adds_changes_and_deletes_and_every_change_is_audited(console: Console) -> None:
    await console.user("boss", "supervisor")
    await console.login("boss")
    resp = await _save(console, "致歉并说明时限", "{客户称呼}，给您添麻烦了。您的投诉 {案件编号} 我们会在承诺时间内答复您。")
    assert resp.status == 303 and resp.headers["Location"].endswith("msg=saved")
    page = (await console.page("/console/canned"))[1]
    assert "致歉并说明时限" in page and "快捷回复已保存" not in page  # the notice is on the redirect's page
    reply_id = int(re.search(r'id="canned-(\d+)"', page).group(1))
    assert (await _save(console, "致歉", "{客户称呼}，实在抱歉。", reply_id)).status == 303
    page = (await console.page("/console/canned?msg=saved"))[1]
    assert "快捷回复已保存" in page and "致歉并说明时限" not in page
    assert (await console.post(f"/console/canned/{reply_id}/delete")).status == 303
    assert "还没有快捷回复" in (await console.page("/console/canned"))[1]
    async with console.db.reading() as s:
        actions = (await s.execute(select(AuditEntry.action).where(AuditEntry.action.like("canned.%")))).scalars().all()
    assert list(actions) == ["canned.save", "canned.save", "canned.delete"]


async def test_a_reply_that_would_not_pass_or_cannot_be_filled_is_refused_with_the_text_kept(console: Console) -> None:
    await console.user("boss", "supervisor")
    await console.login("boss")
    promise = "放心，我们保证全额赔偿您的损失。"
    resp = await _save(console, "安抚", promise)
    body = await resp.text()
    assert resp.status == 400 and "没有通过质检，不能保存" in body and "承诺" in body
    assert html.escape(promise) in body or promise in body
    resp = await _save(console, "称呼", "{客户姓名}您好")
    body = await resp.text()
    assert resp.status == 400 and "无法自动填写" in body and "{客户称呼}" in body
    assert "还没有快捷回复" in (await console.page("/console/canned"))[1]


async def test_only_supervisors_manage_them(console: Console) -> None:
    await console.user("wang", "agent")
    await console.login("wang")
    assert (await console.page("/console/canned"))[0] == 403
    assert (await _save(console, "x", "您好")).status == 403


async def test_the_workspace_offers_them_filled_for_its_case(console: Console) -> None:
    await console.user("boss", "supervisor")
    await console.login("boss")
    await _save(console, "致歉", "{客户称呼}，您的投诉 {案件编号} 已转交专人。")
    handoff = await console.handoff("human")
    page = (await console.page(f"/console/handoffs/{handoff['id']}"))[1]
    option = re.search(r'<option value="0" data-text="([^"]*)">致歉</option>', page)
    assert option, page[page.find("canned-reply") - 200:page.find("canned-reply") + 400]
    text = html.unescape(option.group(1))
    assert text == f"王先生/女士，您的投诉 {handoff['case_no']} 已转交专人。"


def test_the_salutation() -> None:
    assert salutation("王建国") == "王先生/女士"
    assert salutation("欧阳娜娜") == "欧阳先生/女士"
    assert salutation(None) == "尊敬的客户" and salutation(" ") == "尊敬的客户"
