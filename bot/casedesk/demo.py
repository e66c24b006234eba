"""`make demo`: a few sample complaints and one waiting handoff in the case desk's database, and
an agent and a supervisor account, so a newcomer opening the console sees a working desk at once.

    python -m bot.casedesk.demo

The samples go through the same code as real traffic (schemas.parse_new_case, db.create_case,
handoffs.open_handoff), so they are valid cases with SLA deadlines, masked lists and an audit
trail. Running it again adds nothing: every sample has a fixed intake key (the desk's own
idempotency), and existing accounts are left as they are. The accounts get a random password,
printed once here; change it with `make user ARGS='passwd --username …'`.

The names and phone numbers are invented. The waiting handoff's conversation does not exist in
Rasa, so an agent's reply to it reaches nobody: it is there to show the queue and the workspace.
"""
from __future__ import annotations

import asyncio
import secrets
import sys
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import select

from bot.casedesk import db as casedb
from bot.casedesk.handoffs import canned, service as handoffs
from bot.casedesk.cases import schemas
from bot.casedesk.console import users
from bot.crypto import PiiCipher
from bot.casedesk.db import Database, run_migrations
from bot.casedesk.cases.case_rules import CHINA_TZ
from bot.casedesk.models import ConsoleUser
from bot.casedesk.settings import Settings, load_settings

ACTOR = "demo"

SAMPLES: List[Dict[str, Any]] = [
    {
        "intake_id": "demo-1", "channel": "web", "category": "transaction_dispute",
        "business_line": "bank_card", "priority": "high",
        "customer_name": "周晓梅", "phone": "13900001111", "occurred_at": 1, "amount": 3800,
        "description": "手机银行显示凌晨有两笔不认识的消费，共3800元，本人卡一直在身边。",
        "demand": "查明情况，追回被盗刷的钱",
    },
    {
        "intake_id": "demo-2", "channel": "wechat", "category": "staff_service",
        "business_line": "deposit", "customer_name": "马国强", "phone": "13700002222",
        "branch": "人民路支行", "occurred_at": 2,
        "description": "在柜台办理定期存款时，柜员态度冷淡，问了两遍才回答。",
        "demand": "希望网点加强服务培训", "confidential": True,
    },
    {
        "intake_id": "demo-3", "channel": "web", "category": "product_service",
        "business_line": "bank_card", "customer_name": "林芳", "phone": "13600003333",
        "occurred_at": 30, "amount": 200,
        "description": "信用卡年费200元，办卡时说首年免年费，这次却被扣了。",
        "demand": "退还年费", "compensation_requested": True,
    },
    {
        "intake_id": "demo-4", "channel": "rest", "category": "business_operation",
        "business_line": "cash", "customer_name": "赵德明", "phone": "13500004444",
        "branch": "西湖支行", "occurred_at": 0,
        "description": "网点只开了一个窗口，排队等了一个半小时。",
        "demand": "高峰期多开窗口",
    },
]

HANDOFF: Dict[str, Any] = {
    "request_id": "demo-handoff-1", "channel": "web", "reason": "media",
    "signals": ["扬言曝光"],
    "case": {
        "category": "product_service", "business_line": "wealth",
        "customer_name": "孙丽华", "phone": "13400005555", "occurred_at": 30, "amount": 50000,
        "description": "理财经理说是保本产品，到期亏了五万，说再不处理就找记者曝光。",
        "demand": "退还本金",
    },
}

def _on_day(body: Dict[str, Any], now: datetime) -> Dict[str, Any]:
    """The sample's occurred_at is days before today; the API takes a date (China time)."""
    days = body.get("occurred_at")
    if isinstance(days, int):
        body = dict(body, occurred_at=(now.astimezone(CHINA_TZ) - timedelta(days=days)).date().isoformat())
    return body


ACCOUNTS = (
    ("demo_supervisor", "supervisor", "演示主管"),
    ("demo_agent", "agent", "演示坐席"),
)


async def seed_cases(db: Database, cipher: PiiCipher) -> List[str]:
    """Files the samples and the waiting handoff; returns one line per item, created or found."""
    now = db.settings.clock()
    lines = []
    for i, sample in enumerate(SAMPLES):
        body = _on_day(dict(sample, conversation_id=f"demo-conversation-{i + 1}"), now)
        new = schemas.parse_new_case(body, now)
        case, created = await casedb.create_case(db, new, cipher, ACTOR, None)
        lines.append(f"{'已创建' if created else '已存在'}案件 {case.case_no}")
    body = dict(HANDOFF, conversation_id="demo-conversation-handoff", case=_on_day(HANDOFF["case"], now))
    new_handoff = schemas.parse_new_handoff(body, now)
    handoff, case, created = await handoffs.open_handoff(db, cipher, new_handoff, now, actor=ACTOR)
    lines.append(f"{'已创建' if created else '已存在'}等待接入的转人工会话（案件 {case.case_no}）")
    return lines


async def seed_accounts(db: Database) -> List[str]:
    lines = []
    for username, role, display_name in ACCOUNTS:
        async with db.reading() as s:
            found: Optional[ConsoleUser] = (
                await s.execute(select(ConsoleUser).where(ConsoleUser.username == username))
            ).scalar_one_or_none()
        if found is not None:
            lines.append(f"账号 {username} 已存在，密码未改动。")
            continue
        password = secrets.token_urlsafe(9)
        await users.create_user(db, username, password, role, display_name, None)
        lines.append(f"已创建账号 {username}（{display_name}），密码：{password}")
    return lines


# 快捷回复 a desk starts with (canned.py); a supervisor edits them on /console/canned
CANNED = (
    ("接入问候", "{客户称呼}，您好，我是负责您投诉（编号 {案件编号}）的客服，马上为您核实情况。"),
    ("说明处理时限", "{客户称呼}，您的投诉我们会在 15 日内给您答复，处理中有进展会及时告诉您。"),
    ("请客户提供凭证", "{客户称呼}，为了尽快核实，麻烦您提供交易短信或账单截图，谢谢您的配合。"),
)


async def seed_canned(db: Database) -> List[str]:
    have = {r.title for r in await canned.all_replies(db)}
    lines = []
    for title, text in CANNED:
        if title not in have:
            await canned.save(db, None, title, text, ACTOR, None)
            lines.append(f"已创建快捷回复“{title}”")
    return lines


async def run(settings: Settings) -> List[str]:
    db = Database(settings)
    try:
        cipher = PiiCipher(settings.secret_key)
        return await seed_cases(db, cipher) + await seed_accounts(db) + await seed_canned(db)
    finally:
        await db.dispose()


def main() -> int:
    settings = load_settings()
    run_migrations(settings)
    for line in asyncio.run(run(settings)):
        print(line)
    print(f"控制台：http://127.0.0.1:{settings.port}/console/login （请先运行 make run）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
