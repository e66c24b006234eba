"""The customer's 正在输入… (issue 15): a web-chat customer sees that the agent holding their
conversation is typing a reply.

While the agent types in the workspace's reply box, console.js signals at most every 3 s
(`POST /console/handoffs/{id}/typing`, console/typing_views.py); each signal keeps
`handoffs.agent_typing_until` TYPING_FOR ahead, so a closed laptop stops showing it by itself.
A stop (sent, or the box emptied) clears it, and so do the reply itself, 转交, release and close
(handoffs/service.py). The chat page asks `POST /chat/typing` with its session id (chat.py).

A column of the handoff, not process memory: the signal and the chat page's question may reach
different case-desk processes. Nothing of the reply's text is sent or stored, and a signal is no
audit row: it reads nothing of the case. It never moves `updated_at`, which the console's stream
and the release/close mark go by.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select, update

from bot.casedesk import db as casedb
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.cases.case_rules import Channel
from bot.casedesk.api.errors import Conflict, Forbidden
from bot.casedesk.models import ConsoleUser, Handoff

TYPING_FOR = timedelta(seconds=6)


def _check(handoff: Handoff, agent: str) -> None:
    if handoff.status != handoffs.ACTIVE or handoff.outcome is not None:
        raise Conflict(
            f"转人工会话 #{handoff.id} 尚未接入或已结束，客户不会看到“正在输入”。",
            code="handoff_not_active",
        )
    if handoff.claimed_by != agent:
        raise Forbidden(
            f"转人工会话 #{handoff.id} 由其他坐席接入，只有接入的坐席会显示为“正在输入”。",
            code="handoff_not_yours",
        )


async def signal(
    db: casedb.Database,
    handoff_id: int,
    agent: str,
    now: datetime,
    *,
    typing: bool = True,
    hidden_branch: Optional[str] = None,
) -> Optional[datetime]:
    """`agent` is typing (until now + TYPING_FOR, returned) or stopped (None). Only the agent
    holding an active handoff: 404 for a missing or hidden one (as every handoff action), 409
    while it waits or once it ended, 403 for another agent's."""
    item = await handoffs.get_handoff(db, handoff_id, hidden_branch)
    _check(item.handoff, agent)
    until = now + TYPING_FOR if typing else None
    async with db.writing() as s:
        # the same conditions again in the update: it may have changed hands or ended meanwhile
        done = await s.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status == handoffs.ACTIVE,
                   Handoff.claimed_by == agent, Handoff.outcome.is_(None))
            .values(agent_typing_until=until)
            .execution_options(synchronize_session=False)
        )
    if done.rowcount != 1:
        # it changed hands or ended between the check and the update: say which
        _check((await handoffs.get_handoff(db, handoff_id, hidden_branch)).handoff, agent)
        raise Conflict("会话状态刚刚发生变化，请刷新页面。", code="handoff_changed")
    return until


@dataclass(frozen=True)
class ChatView:
    """What the customer's chat page may know: whether a person holds the conversation, and
    whether they are typing now, with the name they introduced themselves by."""

    with_agent: bool = False
    typing: bool = False
    agent_name: Optional[str] = None


async def for_conversation(db: casedb.Database, conversation_id: str, now: datetime) -> ChatView:
    """The web-chat conversation's active handoff, if any (ix_handoffs_conversation)."""
    stmt = (
        select(Handoff.agent_typing_until, ConsoleUser.display_name)
        .outerjoin(ConsoleUser, ConsoleUser.username == Handoff.claimed_by)
        .where(Handoff.conversation_id == conversation_id, Handoff.channel == Channel.WEB.value,
               Handoff.status == handoffs.ACTIVE, Handoff.outcome.is_(None))
        .order_by(Handoff.created_at.desc(), Handoff.id.desc())
        .limit(1)
    )
    async with db.reading() as s:
        row = (await s.execute(stmt)).first()
    if row is None:
        return ChatView()
    until, name = row
    typing = until is not None and until > now
    return ChatView(with_agent=True, typing=typing, agent_name=name if typing else None)
