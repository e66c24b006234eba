"""告知客户记录 on the case page (issue 14), through the real app on SQLite and PostgreSQL: the
notices the real outbox made (受理 at filing, 延期 and 暂停 from the 处理流程 forms) and their
deliveries — a web notice the customer's chat page has shown, an SMS sent after a retry, one
given up, one not sent for want of a phone, a web notice not yet seen — in Chinese, oldest first,
with the text as the customer read it (numbers masked) and no code of the outbox on the page; a
case without notices says so; a confidential case stays hidden from its branch."""
from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import func, select, update

from bot.casedesk.customer import notices
from bot.casedesk.console import labels
from bot.casedesk.console.notices_panel import STALE_SENDING, failure_reason, route_view
from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.models import CaseEvent, NoticeCursor, NoticeDelivery
from bot.casedesk.customer.notice_texts import Kind
from bot.casedesk.settings import NoticeSettings, Settings
from tests.casedesk.helpers import Clock

from .helpers import Console
from .test_case_list import file_case, visible_text

EXTEND_REASON = "需向发卡机构调取交易凭证，已电话13812345678告知客户"
PAUSE_REASON = "送司法鉴定中心鉴定签名真伪"
# what the outbox keeps in its rows and must never reach the page
RAW_CODES = (
    "pending", "sending", "sent", "shown", "failed", "skipped", "sms", "wechat", "web",
    "accepted", "extended", "paused", "resumed", "decided", "no_phone", "ConnectionError", "errcode",
)


@pytest.fixture
def settings(settings: Settings, backend: str) -> Settings:
    # (`backend` named here too: an override of a fixture would otherwise lose its parameters)
    # no outbox loop: the test makes and sends the notices itself (the case page still makes the
    # notices of steps just taken, as the chat page does)
    return dataclasses.replace(settings, notices=NoticeSettings(dispatch_seconds=0))


class Gateway:
    """An SMS gateway that is down, or refuses the texts containing `refuse`."""

    def __init__(self, refuse: Optional[str] = None) -> None:
        self.refuse = refuse
        self.sent: List[str] = []

    async def send(self, phone: str, text: str) -> str:
        if self.refuse is None or self.refuse in text:
            raise ConnectionError("gateway down")
        self.sent.append(text)
        return f"gw-{len(self.sent)}"


def outbox(console: Console) -> notices.Outbox:
    return console.app[notices.OUTBOX_KEY]


def panel_html(page: str) -> str:
    start = page.index('<div class="panel" id="customer-notices">')
    return page[start: page.index('id="customer-history"', start)]


def told(page: str) -> List[Dict[str, Any]]:
    """Each notice of the panel: its heading, its text and its routes as lists of cell texts."""
    items = []
    for body in re.findall(r'<li class="told" id="told-\d+">(.*?)</li>', panel_html(page), re.S):
        head = visible_text(re.search(r"<p>(.*?)</p>", body, re.S).group(1)).strip()  # type: ignore[union-attr]
        text = visible_text(re.search(r'<p class="text told-text">(.*?)</p>', body, re.S).group(1))  # type: ignore[union-attr]
        routes = [
            [visible_text(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
        ]
        items.append({"head": head, "text": text, "routes": routes})
    return items


def beijing(dt: datetime) -> str:
    return dt.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


async def as_user(console: Console, name: str, role: str, branch: Optional[str] = None) -> None:
    await console.user(name, role, branch=branch, display_name=name)
    await console.login(name)


async def test_the_case_page_lists_each_notice_and_how_it_reached_the_customer(console: Console, clock: Clock) -> None:
    conversation = uuid.uuid4().hex  # a web chat's session id
    no = (await file_case(console, conversation_id=conversation, channel="web"))["case_no"]
    status, body = await console.api("PATCH", f"/api/cases/{no}", {"status": "in_progress"})
    assert status == 200, body
    await console.user("wang", "agent", display_name="王明")
    await as_user(console, "zhao", "supervisor")
    resp = await console.post(f"/console/cases/{no}/extensions", {"days": "30", "reason": EXTEND_REASON})
    assert resp.status == 303, await resp.text()

    # the outbox: both steps told on the web chat and, as a copy, by SMS
    texts = outbox(console).source.get()
    assert await notices.make_notices(console.db, texts, sms_copy=True) == 2
    # the gateway is down: both SMS wait for a retry; then it refuses only the 延期 text
    assert await notices.send_sms(console.db, texts, Gateway(), max_attempts=2) == 0
    clock.advance(minutes=5)
    assert await notices.send_sms(console.db, texts, Gateway(refuse="延长"), max_attempts=2) == 1
    # the customer opens the chat page: the web notices are shown
    code, shown = await console.api("POST", "/chat/notices", {"session_id": conversation})
    assert code == 200 and len(shown["items"]) == 2, shown
    clock.advance(hours=1)
    # a pause afterwards: made by the case page itself, not seen by the customer yet
    resp = await console.post(f"/console/cases/{no}/pause", {"reason": PAUSE_REASON})
    assert resp.status == 303, await resp.text()

    await console.login("wang")
    status, page = await console.page(f"/console/cases/{no}")
    assert status == 200
    made = await notices.of_case(console.db, no)
    assert [n.kind for n, _ in made] == ["accepted", "extended", "paused"]
    items = told(page)
    assert [i["head"] for i in items] == [
        f"受理告知 {beijing(made[0][0].created_at)}",
        f"延期告知 {beijing(made[1][0].created_at)}",
        f"暂停告知 {beijing(made[2][0].created_at)}",
    ]
    # the text as the customer read it, the number in the agent's reason masked
    for item, (notice, _) in zip(items, made):
        assert item["text"] == notice.text
    assert no in items[0]["text"] and "您的投诉已受理" in items[0]["text"]
    assert "已电话138****5678告知客户" in items[1]["text"] and PAUSE_REASON in items[2]["text"]
    assert "13812345678" not in panel_html(page)

    (_, accepted), (_, extended), (_, paused) = made
    assert items[0]["routes"] == [
        ["网页对话", "客户已查看", beijing(accepted[0].updated_at), ""],
        ["短信", "已发送 共尝试 2 次", beijing(accepted[1].updated_at), "号码 138****5678"],
    ]
    assert items[1]["routes"] == [
        ["网页对话", "客户已查看", beijing(extended[0].updated_at), ""],
        ["短信", "发送失败 共尝试 2 次", beijing(extended[1].updated_at), "号码 138****5678；短信网关无法连接"],
    ]
    assert items[2]["routes"] == [["网页对话", "客户尚未查看", beijing(paused[0].updated_at), "客户下次打开网页对话时会看到"]]
    assert [d.status for _, ds in made for d in ds] == ["shown", "sent", "shown", "failed", "pending"]

    # Chinese only: no status, route or kind code, no exception name, no English at all
    html = panel_html(page)
    for raw in RAW_CODES:
        assert raw not in html, raw
    assert set(re.findall(r"[A-Za-z]+", visible_text(html))) == {"TS"}  # the case number's prefix
    assert "尚未向客户发出告知" not in html


async def test_an_sms_without_a_phone_is_not_sent_and_says_why(console: Console) -> None:
    no = (await file_case(console, channel="rest", phone=None))["case_no"]
    await as_user(console, "wang", "agent")
    _, page = await console.page(f"/console/cases/{no}")
    [item] = told(page)
    assert item["head"].startswith("受理告知 ")
    [[channel, state, _, detail]] = item["routes"]
    assert (channel, state, detail) == ("短信", "未发送（无联系电话）", "")
    for raw in RAW_CODES:
        assert raw not in panel_html(page), raw


async def test_a_case_without_notices_says_so(console: Console) -> None:
    no = (await file_case(console))["case_no"]
    # a case filed before the outbox existed: migration 0011 starts the cursor after its steps
    async with console.db.writing() as s:
        newest = (await s.execute(select(func.max(CaseEvent.id)))).scalar_one()
        await s.execute(update(NoticeCursor).where(NoticeCursor.name == notices.CURSOR)
                        .values(last_event_id=newest, start_event_id=newest))
    await as_user(console, "wang", "agent")
    status, page = await console.page(f"/console/cases/{no}")
    assert status == 200
    assert "告知客户记录" in page and "尚未向客户发出告知。" in visible_text(panel_html(page))
    assert told(page) == []


async def test_a_confidential_case_stays_hidden_from_its_branch(console: Console) -> None:
    no = (await file_case(console, confidential=True, branch="朝阳路支行", description="投诉柜员态度恶劣，请不要让网点知道"))["case_no"]
    await as_user(console, "chaoyang", "agent", branch="朝阳路支行")
    status, page = await console.page(f"/console/cases/{no}")
    assert status == 404 and "告知客户记录" not in page and "您的投诉已受理" not in page
    await as_user(console, "head", "agent")  # head office
    status, page = await console.page(f"/console/cases/{no}")
    assert status == 200 and told(page)[0]["head"].startswith("受理告知")


# ---------------------------------------------------------------------------------------------
# The wording of every code (no database needed)


def delivery(route: str, status: str, attempts: int = 1, error: Optional[str] = None,
             provider_ref: Optional[str] = None, age: timedelta = timedelta()) -> NoticeDelivery:
    at = NOW - age
    return NoticeDelivery(notice_id=1, route=route, status=status, attempts=attempts, error=error,
                          provider_ref=provider_ref, recipient_masked=None, created_at=at, updated_at=at)


NOW = datetime(2026, 12, 6, 8, 0, tzinfo=timezone.utc)


def test_every_code_of_the_outbox_has_its_chinese_words() -> None:
    assert set(labels.NOTICE_KIND_LABELS) == {k.value for k in Kind}
    assert set(labels.NOTICE_ROUTE_LABELS) == {r.value for r in notices.Route}
    assert set(labels.NOTICE_DELIVERY_LABELS) == {d.value for d in notices.Delivery}


def test_wechat_deliveries_and_failures_in_plain_chinese() -> None:
    def view(d: NoticeDelivery, sms_instead: bool = False) -> tuple:
        r = route_view(d, NOW, sms_instead)
        return r.channel, r.status, r.attempts, r.detail

    assert view(delivery("wechat", "sent", provider_ref="kf")) == ("微信", "已发送", "", "以微信客服消息发送")
    assert view(delivery("wechat", "sent", provider_ref="tpl-123")) == ("微信", "已发送", "", "以微信模板消息发送")
    assert view(delivery("wechat", "failed", 5, "errcode 43004 用户未关注公众号"), sms_instead=True) == (
        "微信", "发送失败", "共尝试 5 次", "客户已取消关注公众号；已改发短信")
    assert view(delivery("wechat", "skipped", 1, "window_closed_no_template"), sms_instead=True) == (
        "微信", "未发送（超出微信时限）", "", "客户超过 48 小时未在微信留言，且未配置模板消息；已改发短信")
    assert view(delivery("wechat", "pending", 2, "errcode 99999")) == (
        "微信", "待重试", "共尝试 2 次", "上次发送失败（微信拒绝发送），系统会自动重试")
    assert view(delivery("sms", "pending", 0)) == ("短信", "待发送", "", "")
    assert view(delivery("sms", "sending", 1)) == ("短信", "发送中", "", "")
    stale = view(delivery("sms", "sending", 1, age=STALE_SENDING + timedelta(minutes=1)))
    assert stale[1] == "发送中" and "可能没有发出，请联系技术支持核查" in stale[3]
    assert failure_reason("sms", "TimeoutError") == "短信网关超时未响应"
    assert failure_reason("sms", "RuntimeError") == "短信网关返回错误"
    assert failure_reason("wechat", "ConnectionError") == "微信接口无法连接"
