"""Auto-assignment (issue 15): waiting handoffs go by themselves to agents who are there.

An agent says in the console whether they take customers: 在线 (online), 忙碌 (busy: finishing
what they hold, nothing new) or 离开 (away). Everyone starts away, and signing out sets away.
Each pass of the handoff loop (handoffs.sync_loop, wired in main.py) hands the waiting handoffs, in queue order
(the most severe reason first, then the longest waiting), to the online agent with the fewest
active conversations, below the capacity in settings (CASEDESK_AGENT_CAPACITY, 0: off); on a
tie, the one who was given a conversation longest ago, so work is spread evenly.

An agent counts as there only while a console page of theirs is open: the page's event stream
stamps `seen_at` (console/events.py), and an agent not seen for the presence timeout counts as
away, whatever the switch says. A confidential complaint never goes to someone of the branch
it accuses (access.can_see). A handoff moved to the call-back queue is not waiting.

The assignment itself is handoffs.claim on the agent's behalf: the same lock, the same greeting
to the customer with the agent's name, plus a history row (分配, actor 系统) and an audit row.
Two desks running the same pass cannot assign one handoff twice: the second claim finds it
taken and moves on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.casedesk import db as casedb
from bot.casedesk.handoffs import service as handoffs
from bot.casedesk.cases.access import can_see, hidden_branch
from bot.casedesk.api.errors import Conflict, NotFound
from bot.casedesk.models import CaseEvent, ConsoleUser, Handoff
from bot.casedesk.handoffs.rasa_bridge import RasaBridge

log = logging.getLogger(__name__)

ONLINE, BUSY, AWAY = "online", "busy", "away"
PRESENCES = (ONLINE, BUSY, AWAY)
# who the history names for what the desk did by itself
SYSTEM_ACTOR = "system"
# roles that answer customers (supervisors step in by hand; trainers never do)
ASSIGNABLE_ROLES = ("agent",)
# waiting handoffs looked at in one pass: more than any team can take at once
PASS_LIMIT = 200


@dataclass
class Agent:
    """An agent who may be handed a conversation now, and what they hold."""

    username: str
    display_name: str
    scope: Optional[str]  # access.hidden_branch of the user
    load: int
    last_given: Optional[datetime]


def is_there(user: ConsoleUser, now: datetime, timeout: timedelta) -> bool:
    """Whether the user's console was open within the timeout (the switch aside)."""
    return user.seen_at is not None and now - user.seen_at <= timeout


def shown_presence(user: ConsoleUser, now: datetime, timeout: timedelta) -> str:
    """What colleagues see: the switch, except that a closed console is 离开."""
    return user.presence if is_there(user, now, timeout) else AWAY


async def set_presence(db: casedb.Database, user_id: int, presence: str, now: datetime,
                       *, remote: Optional[str] = None) -> None:
    """The agent's own switch; choosing 在线 also counts as being seen now."""
    if presence not in PRESENCES:
        raise ValueError(presence)
    async with db.writing() as s:
        user = await s.get(ConsoleUser, user_id)
        if user is None:
            return
        before = user.presence
        user.presence = presence
        if presence != AWAY:
            user.seen_at = now
        if before != presence:
            casedb.audit(s, now, user.username, "console.presence", None, remote, detail=f"{before}->{presence}")


async def seen(db: casedb.Database, user_id: int, now: datetime) -> None:
    """A console page of the user's is open (its event stream says so every few seconds)."""
    async with db.writing() as s:
        await s.execute(update(ConsoleUser).where(ConsoleUser.id == user_id).values(seen_at=now))


async def _held(s: AsyncSession, usernames: List[str]) -> Dict[str, int]:
    """How many active conversations each of these agents holds (absent: none)."""
    rows = await s.execute(
        select(Handoff.claimed_by, func.count())
        .where(Handoff.status == handoffs.ACTIVE, Handoff.claimed_by.in_(usernames))
        .group_by(Handoff.claimed_by)
    )
    return {name: int(n) for name, n in rows.all()}


async def _agents(db: casedb.Database, now: datetime) -> List[Agent]:
    timeout = timedelta(seconds=db.settings.assignment.presence_timeout_seconds)
    async with db.reading() as s:
        users = list((await s.execute(
            select(ConsoleUser).where(
                ConsoleUser.active == True,  # noqa: E712 (SQL expression)
                ConsoleUser.role.in_(ASSIGNABLE_ROLES),
                ConsoleUser.presence == ONLINE,
                ConsoleUser.seen_at >= now - timeout,
            )
        )).scalars())
        if not users:
            return []
        held = await _held(s, [u.username for u in users])
        given = dict((await s.execute(
            select(Handoff.claimed_by, func.max(Handoff.claimed_at))
            .where(Handoff.claimed_by.in_([u.username for u in users]))
            .group_by(Handoff.claimed_by)
        )).all())
    return [
        Agent(u.username, u.display_name, hidden_branch(u), int(held.get(u.username, 0)), given.get(u.username))
        for u in users
    ]


def _pick(agents: List[Agent], capacity: int, confidential: bool, branch_code: Optional[str]) -> Optional[Agent]:
    free = [a for a in agents if a.load < capacity and can_see(a.scope, confidential, branch_code)]
    if not free:
        return None
    # fewest conversations first; then whoever was given one longest ago (never: first of all)
    return min(free, key=lambda a: (a.load, a.last_given is not None, a.last_given or datetime.min, a.username))


async def assign_pass(db: casedb.Database, bridge: RasaBridge, now: Optional[datetime] = None) -> int:
    """Hand waiting handoffs to online agents with room; returns how many were assigned."""
    capacity = db.settings.assignment.capacity
    if capacity <= 0:
        return 0
    now = now or db.settings.clock()
    agents = await _agents(db, now)
    if not any(a.load < capacity for a in agents):
        return 0
    waiting = await handoffs.list_handoffs(db, status=[handoffs.WAITING], limit=PASS_LIMIT)
    assigned = 0
    for item in waiting:
        if item.handoff.outcome is not None:
            continue  # being released, closed or moved to call-back right now
        agent = _pick(agents, capacity, item.case.confidential, item.case.branch_code)
        if agent is None:
            continue  # nobody free may see this one; a later, ordinary one may still go
        try:
            await handoffs.claim(db, item.handoff.id, agent.username, now, bridge=bridge,
                                 agent_name=agent.display_name, assigned_by=SYSTEM_ACTOR)
        except (Conflict, NotFound):
            continue  # taken by hand (or by another desk) since the list was read
        async with db.writing() as s:
            s.add(CaseEvent(case_id=item.case.id, at=now, actor=SYSTEM_ACTOR, kind="assign", field="claimed_by",
                            old_value=None, new_value=agent.username, note="自动分配给在线坐席"))
        agent.load += 1
        agent.last_given = now
        assigned += 1
        log.info("handoff assigned id=%s to=%s", item.handoff.id, agent.username)
    return assigned


async def team(db: casedb.Database, now: datetime) -> List[Dict[str, object]]:
    """The agents' presence and load, for the queue page's 坐席状态 panel."""
    timeout = timedelta(seconds=db.settings.assignment.presence_timeout_seconds)
    async with db.reading() as s:
        users = list((await s.execute(
            select(ConsoleUser).where(ConsoleUser.active == True, ConsoleUser.role.in_(ASSIGNABLE_ROLES))  # noqa: E712
            .order_by(ConsoleUser.display_name)
        )).scalars())
        held = await _held(s, [u.username for u in users])
    return [
        {"username": u.username, "display_name": u.display_name, "presence": shown_presence(u, now, timeout),
         "load": int(held.get(u.username, 0))}
        for u in users
    ]
